"""Obsidian-flavoured Markdown (issue #13): wiki links, image embeds, callouts, highlights.

The syntax cases are fixture files (title / Markdown / expected HTML); the rest builds real
packages and reads the shipped stylesheet, whose callout and highlight colours must be readable
in light and night mode.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import zipfile
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from markdown_it.utils import read_fixture_file

from deckgen.api import BuildOptions, build, check_file
from deckgen.notetype.definition import notetype_css
from deckgen.notetype.themes import NIGHT, THEMES
from deckgen.parse.markdown import make_markdown, passes_after_block
from deckgen.parse.obsidian import CALLOUT_FAMILIES
from deckgen.process import _STRETCH_LOCAL
from tests.colors import contrast

FIXTURES = Path(__file__).parent / "fixtures" / "obsidian"
CASES = [
    pytest.param(text, expected, id=f"{path.stem}:{line}:{title}")
    for path in sorted(FIXTURES.glob("*.md"))
    for line, title, text, expected in read_fixture_file(path)
]
AA = 4.5

NOTE = """\
# Transformers

Up: [[Deep Learning MOC]]

## Attention

### What does an attention map show?

The weights of one head, from [[Attention is not explanation|Jain & Wallace]]:

![[attention-heatmap.png]]

And smaller: ![[img/heat map.png|300]], beside ![[Other note]].

### Why is the dot product scaled?

> [!warning]- Saturation
> Large scores push the softmax where ==the gradients vanish==.

`a == b` and $[[x]]$ stay.
"""


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_obsidian__fixture(md: MarkdownIt, text: str, expected: str) -> None:
    assert md.render(text) == expected


def test_obsidian__the_card_stage_can_parse_stretch_by_stretch() -> None:
    # The plugins are inline and block rules: no core pass the card stage would refuse.
    names = {name for name, _ in passes_after_block(make_markdown())}
    assert names <= _STRETCH_LOCAL


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    """A note with two embedded images beside it, as an Obsidian vault keeps them."""
    folder = tmp_path / "vault"
    (folder / "img").mkdir(parents=True)
    (folder / "attention-heatmap.png").write_bytes(b"the heat map")
    (folder / "img" / "heat map.png").write_bytes(b"a smaller heat map")
    source = folder / "transformers.md"
    source.write_text(NOTE, encoding="utf-8")
    return source


def _package(package: Path) -> tuple[dict[str, str], dict[str, bytes]]:
    """Each note's answer by question, and each media file's bytes by its name in Anki."""
    with zipfile.ZipFile(package) as archive:
        names = json.loads(archive.read("media"))
        media = {name: archive.read(index) for index, name in names.items()}
        db = sqlite3.connect(":memory:")
        try:
            db.deserialize(archive.read("collection.anki2"))
            rows = db.execute("SELECT flds FROM notes").fetchall()
        finally:
            db.close()
    answers = {}
    for (fields,) in rows:
        question, answer, *_ = fields.split("\x1f")
        answers[question] = answer
    return answers, media


def _packed(data: bytes) -> str:
    return f"dg-{hashlib.sha256(data).hexdigest()[:16]}.png"


@pytest.mark.parametrize("html", [False, True], ids=["no-html", "html"])
def test_obsidian__embeds_are_packed_and_the_syntax_renders(
    vault: Path, tmp_path: Path, html: bool
) -> None:
    out = tmp_path / "deck.apkg"
    report = build(vault, out, BuildOptions(html=html))
    assert report.cards == 2
    answers, media = _package(out)
    big, small = _packed(b"the heat map"), _packed(b"a smaller heat map")
    assert media == {big: b"the heat map", small: b"a smaller heat map"}
    shown = answers["What does an attention map show?"]
    assert re.search(rf'<img src="{big}" alt="" ?/?>', shown)
    assert re.search(rf'<img src="{small}" alt="" width="300" ?/?>', shown)
    assert "Jain &amp; Wallace" in shown and "beside Other note." in shown
    scaled = answers["Why is the dot product scaled?"]
    assert '<div class="dg-callout dg-callout-warning">' in scaled
    assert '<p class="dg-callout-title">Saturation</p>' in scaled
    assert "<mark>the gradients vanish</mark>" in scaled
    assert "<code>a == b</code>" in scaled and r"\([[x]]\)" in scaled
    for answer in answers.values():
        for raw in ("[[", "![[", "[!warning]", "==the", "Attention is not explanation"):
            assert raw not in answer.replace(r"\([[x]]\)", "")


def test_obsidian__check_finds_nothing_wrong_with_the_syntax(vault: Path) -> None:
    assert check_file(vault) == []


def test_obsidian__a_missing_embedded_image_is_a_warning_as_for_any_image(vault: Path) -> None:
    (vault.parent / "attention-heatmap.png").unlink()
    (found,) = check_file(vault)
    assert (found.line, found.severity) == (11, "warning")
    assert found.message == "image attention-heatmap.png not found; the card shows its alt text"


# --- the stylesheet ------------------------------------------------------------------------------


def _colours(css: str, selector: str) -> dict[str, str]:
    """The `--dg-*` hex colours the rules for exactly `selector` set, in order (last wins)."""
    found: dict[str, str] = {}
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    for rule_selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        if rule_selector.strip() == selector:
            found.update(re.findall(r"--dg-([\w-]+):\s*(#[0-9a-fA-F]{3,6})\b", body))
    return found


def _modes(theme: str) -> dict[str, dict[str, str]]:
    css = notetype_css(theme)
    light = _colours(css, ".card")
    return {"light": light, "night": {**light, **_colours(css, ", ".join(NIGHT))}}


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_obsidian__callouts_and_marks_have_colours_for_night_mode(theme: str) -> None:
    css = notetype_css(theme)
    light = _colours(css, ".card")
    night = _colours(css, ", ".join(NIGHT))
    wanted = {"mark-fg", "mark-bg"}
    for family in CALLOUT_FAMILIES:
        wanted |= {f"callout-{family}", f"callout-{family}-bg"}
        # Each family's class draws the box from that family's colours.
        rule = re.search(rf"\.dg-callout-{family} \{{([^}}]*)\}}", css)
        assert rule is not None, family
        assert f"var(--dg-callout-{family})" in rule[1]
        assert f"var(--dg-callout-{family}-bg)" in rule[1]
    assert wanted <= set(light)
    assert wanted <= set(night)
    # Night mode changes every one of them: a light tint under light text is unreadable.
    assert all(light[name] != night[name] for name in wanted)
    assert re.search(r"\.card mark \{[^}]*color: var\(--dg-mark-fg\)", css)
    assert re.search(r"\.card mark \{[^}]*background: var\(--dg-mark-bg\)", css)
    assert ".mobile .card .dg-callout" in css and "@media (max-width: 480px)" in css


@pytest.mark.parametrize(
    ("theme", "mode"), [(t, m) for t in sorted(THEMES) for m in ("light", "night")]
)
def test_obsidian__callout_and_mark_text_is_readable(theme: str, mode: str) -> None:
    colours = _modes(theme)[mode]
    low = []
    for family in sorted(CALLOUT_FAMILIES):
        background = colours[f"callout-{family}-bg"]
        # The title is drawn in the family's colour; the body in the card's text colours.
        for name in (f"callout-{family}", "fg", "strong", "heading", "link", "muted"):
            ratio = contrast(colours[name], background)
            if ratio < AA:
                low.append(f"--dg-{name} on --dg-callout-{family}-bg: {ratio:.2f}:1")
    ratio = contrast(colours["mark-fg"], colours["mark-bg"])
    if ratio < AA:
        low.append(f"--dg-mark-fg on --dg-mark-bg: {ratio:.2f}:1")
    assert low == [], f"{theme} {mode}"
