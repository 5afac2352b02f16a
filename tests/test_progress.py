"""The card counter: shown on a terminal during long builds, wiped when done, never in pipes."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from deckgen.api import build
from deckgen.cli.commands import cli
from deckgen.cli.progress import CardCounter

from .conftest import SEED


def test_progress__counts_cards_and_wipes_its_line(tmp_path: Path) -> None:
    stream = io.StringIO()
    shutil.copyfile(SEED, tmp_path / SEED.name)
    build(
        tmp_path / SEED.name,
        tmp_path / "deck.apkg",
        state_file=tmp_path / "state.json",
        progress=CardCounter(stream, delay=0, interval=0),
    )
    drawn = stream.getvalue().split("\r")
    assert "rendering cards: 1/162 (0%)" in drawn
    assert "rendering cards: 161/162 (99%)" in drawn
    assert drawn[-1] == ""  # the line is blanked, then the cursor goes back to its start
    assert drawn[-2].strip() == ""


def test_progress__a_quick_build_prints_nothing() -> None:
    stream = io.StringIO()
    counter = CardCounter(stream, delay=60)
    for done in range(1, 11):
        counter(done, 10)
    assert stream.getvalue() == ""


def test_cli__no_counter_when_stderr_is_not_a_terminal(
    seed_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(seed_copy.parent.parent)
    result = CliRunner().invoke(cli, ["build", str(seed_copy), "-o", "out.apkg"])
    assert result.exit_code == 0, result.output
    assert "rendering" not in result.output
    assert "rendering" not in result.stderr
