"""Raw HTML as GitHub shows it: `<br>`, `<p align="center">`, `<sup>`, `<kbd>` and `<img>` in a
document appear on the card as HTML, cleaned (the safety tests prove what never gets through:
tests/test_safety.py), and as text with `--no-html` or `html = false`.

`fixtures/html/*.md`: a title, a card's answer in Markdown, the answer's HTML on the card; a
title with `[no-html]` is built with `--no-html`. The documents are read as if they sat in
`fixtures/html/`, whose `img/logo.png` they show.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown_it.utils import read_fixture_file

from deckgen.cli.commands import cli
from deckgen.options import BuildOptions
from tests.pipeline_support import deck_of

FIXTURES = Path(__file__).parent / "fixtures" / "html"
CASES = [
    pytest.param(text, expected, "[no-html]" in title, id=f"{path.stem}:{line}:{title}")
    for path in sorted(FIXTURES.glob("*.md"))
    for line, title, text, expected in read_fixture_file(path)
]
DOC = "## Part 1: A\n\n### Q\n\n{answer}"


@pytest.mark.parametrize(("text", "expected", "no_html"), CASES)
def test_html__fixture(text: str, expected: str, no_html: bool) -> None:
    options = BuildOptions(html=False) if no_html else BuildOptions()
    (note,) = deck_of(DOC.format(answer=text), FIXTURES / "doc.md", options).notes
    assert f"{note.answer}\n" == expected


def test_html__every_kind_has_a_fixture() -> None:
    """Each kind a GitHub document uses is in some fixture's Markdown, kept as HTML."""
    kept = "".join(
        text
        for path in FIXTURES.glob("*.md")
        for _, title, text, _ in read_fixture_file(path)
        if "[no-html]" not in title
    )
    for kind in ("<br/>", "<br>", '<p align="center">', "<sup>", "<kbd>", "<img "):
        assert kind in kept, kind


def test_html__questions_and_parts_keep_their_html_too(tmp_path: Path) -> None:
    text = (
        "## Part 1: Keys <kbd>Ctrl</kbd>\n\n### What does <kbd>Ctrl</kbd>+<kbd>Z</kbd> do?\n\n"
        "Undo.\n\n### Why is x<sup>2</sup> convex?<br/>Think of its slope.\n\nIt grows.\n"
    )
    first, second = deck_of(text, tmp_path / "doc.md").notes
    assert first.question == "What does <kbd>Ctrl</kbd>+<kbd>Z</kbd> do?"
    assert first.part == "Part 1: Keys <kbd>Ctrl</kbd>"
    assert second.question == "Why is x<sup>2</sup> convex?<br>Think of its slope."
    assert second.answer == "<p>It grows.</p>"


def test_html__a_card_without_raw_html_is_written_as_rendered(tmp_path: Path) -> None:
    """Only a field that holds raw HTML goes through the sanitizer: deckgen's own output is
    left byte for byte as markdown-it writes it (the seed's package stays the same)."""
    text = DOC.format(answer="![pic](https://example.com/p.png) [a](https://example.com)\n")
    (note,) = deck_of(text, tmp_path / "doc.md").notes
    assert note.answer == (
        '<p><img src="https://example.com/p.png" alt="pic" /> <a href="https://example.com">a</a></p>'
    )


@pytest.mark.parametrize("command", ["build", "check", "list", "preview", "status", "sync"])
def test_html__every_reading_command_takes_the_switch(command: str) -> None:
    shown = CliRunner().invoke(cli, [command, "--help"]).output
    assert "--html / --no-html" in shown
    assert "--allow-html" not in shown  # the old name works, unlisted


def test_html__list_reads_the_document_as_the_build_does(tmp_path: Path) -> None:
    """GitHub reads `<div>` to the blank line as HTML, the heading in it too: `list` counts the
    cards the build makes, with or without `--no-html`."""
    doc = tmp_path / "doc.md"
    doc.write_text(DOC.format(answer="A.\n\n<div>\n### Q2\n</div>\n"), encoding="utf-8")
    for flags, cards in (([], "1 card"), (["--no-html"], "2 cards")):
        listed = CliRunner().invoke(cli, ["list", str(doc), *flags])
        assert listed.exit_code == 0, listed.output
        assert listed.output.startswith(f"{doc}: {cards}"), listed.output
