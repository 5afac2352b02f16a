"""Start-up: commands that build nothing load neither the packager nor the highlighter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

HEAVY = ("genanki", "pygments", "latex2mathml", "nh3", "anki")

PROBE = """
import sys
from deckgen.cli import cli
try:
    cli(sys.argv[1:], prog_name="deckgen")
except SystemExit:
    pass
print(" ".join(sorted({m.split(".")[0] for m in sys.modules})))
"""


def _loaded(*args: str, cwd: Path) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(result.stdout.splitlines()[-1].split())


@pytest.mark.parametrize("args", [["--help"], ["build", "--help"], ["list"]])
def test_startup__commands_that_build_nothing_skip_the_heavy_imports(args: list[str]) -> None:
    loaded = _loaded(*args, cwd=ROOT)
    assert "click" in loaded
    assert not loaded & set(HEAVY)


def test_startup__help_does_not_load_the_parser() -> None:
    assert "markdown_it" not in _loaded("--help", cwd=ROOT)
