"""The `deckgen` command as a user types it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from deckgen import __version__
from deckgen.cli.commands import cli


def test_cli__build_writes_the_deck_and_a_summary(seed_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "deck.apkg"
    result = CliRunner().invoke(cli, ["build", str(seed_copy), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file()
    assert result.output.startswith(f"162 cards in 18 parts → {out} (")


def test_cli__build_defaults_to_source_dir(
    seed_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(seed_copy.parent.parent)
    result = CliRunner().invoke(cli, ["build"])
    assert result.exit_code == 0, result.output
    assert Path("build/ml-interview-qa.apkg").is_file()


def test_cli__missing_file_is_a_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["build", str(tmp_path / "nope.md")])
    assert result.exit_code == 1
    assert result.output == f"{tmp_path / 'nope.md'}: error: no such file\n"


def test_cli__document_without_cards_says_why(tmp_path: Path) -> None:
    doc = tmp_path / "plain.md"
    doc.write_text("# Title\n\nJust prose.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", str(doc)])
    assert result.exit_code == 1
    assert result.output == (
        f"{doc}: error: no cards: no part headings (`## …`) found; it holds headings at # (1)\n"
    )


def test_cli__non_utf8_names_line_and_byte(tmp_path: Path) -> None:
    doc = tmp_path / "latin.md"
    doc.write_bytes(b"## Part 1: A\n\n### Q\n\ncaf\xe9\n")
    result = CliRunner().invoke(cli, ["build", str(doc)])
    assert result.exit_code == 1
    assert result.output == f"{doc}:5: error: byte 0xe9 at column 4 is not valid UTF-8\n"


def test_cli__refuses_collection_apkg(seed_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "collection.apkg"
    result = CliRunner().invoke(cli, ["build", str(seed_copy), "-o", str(out)])
    assert result.exit_code == 1
    assert "whole-collection backup" in result.output
    assert not out.exists()


def test_cli__list_shows_parts_counts_and_tags(seed_copy: Path) -> None:
    result = CliRunner().invoke(cli, ["list", str(seed_copy)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        f"{seed_copy}: 162 cards (parts at ##, questions at ###): 162 headings at ### ask questions"
    )
    # Every line is in a card but the title, preamble, part headings and trailer.
    assert (
        lines[1]
        == "  2,849 of 2,926 lines in cards; 77 in preamble, trailer, headings and part intros"
    )
    assert "Part 1: LSTM" in lines[2] and "tag:ml-interview-qa::01-lstm" in lines[2]
    assert len(lines) == 20


def test_cli__version_and_module_entry_point() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.output == f"deckgen, version {__version__}\n"
    proc = subprocess.run(
        [sys.executable, "-m", "deckgen", "--help"], capture_output=True, text=True, check=True
    )
    assert "build" in proc.stdout and "list" in proc.stdout


@pytest.mark.anki
def test_cli__no_subdecks_overrides_the_config(seed_copy: Path, tmp_path: Path) -> None:
    from tests.anki_support import import_apkg, open_collection

    config = seed_copy.parent.parent / "deckgen.toml"
    config.write_text("subdecks = true\n", encoding="utf-8")
    decks = {}
    for flag in ("--subdecks", "--no-subdecks"):
        out = tmp_path / f"{flag.strip('-')}.apkg"
        args = ["build", str(seed_copy), "-o", str(out), "--config", str(config), flag]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        col = open_collection(tmp_path / flag.strip("-"))
        try:
            import_apkg(col, out)
            decks[flag] = {d.name for d in col.decks.all_names_and_ids()} - {"Default"}
        finally:
            col.close()
    assert "Interview Questions & Answers::Part 1: LSTM" in decks["--subdecks"]
    assert decks["--no-subdecks"] == {"Interview Questions & Answers"}


def test_cli__an_internal_bug_is_one_line_not_a_traceback(
    seed_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import deckgen.api

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("boom")

    monkeypatch.setattr(deckgen.api, "run", broken)
    out = tmp_path / "deck.apkg"
    result = CliRunner().invoke(cli, ["build", str(seed_copy), "-o", str(out)])
    # 3: not a user error (1), not a usage error (2, click's).
    assert result.exit_code == 3
    assert result.output == (
        "deckgen: internal error: ValueError: boom "
        "(please report this; rerun with --debug for the traceback)\n"
    )
    assert "Traceback" not in result.output
    assert not out.exists()
    for args, env in (
        (["--debug", "build", str(seed_copy), "-o", str(out)], {}),
        (["build", str(seed_copy), "-o", str(out)], {"DECKGEN_DEBUG": "1"}),
    ):
        debugged = CliRunner().invoke(cli, args, env=env)
        assert debugged.exit_code == 3
        assert debugged.stderr.startswith("Traceback (most recent call last):\n")
        assert debugged.stderr.endswith(
            "ValueError: boom\ndeckgen: internal error: ValueError: boom (please report this)\n"
        )
