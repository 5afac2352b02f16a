"""Start-up: commands that build nothing load neither the packager nor the highlighter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

HEAVY = ("genanki", "pygments", "latex2mathml", "nh3", "anki")

PROBE = """
import sys
from deckgen.cli.commands import main
try:
    main()
    status = 0
except SystemExit as exc:
    status = 0 if exc.code is None else exc.code
print(status)
print(" ".join(sorted({m.split(".")[0] for m in sys.modules})))
"""


def _probe(*args: str, cwd: Path, probe: str = PROBE) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", probe, *args],
        cwd=cwd,
        env={k: v for k, v in os.environ.items() if k != "COLUMNS"},
        capture_output=True,
        text=True,
        check=True,
    )


def _loaded(*args: str, cwd: Path) -> set[str]:
    """The top-level modules loaded by `deckgen ARGS`, which must have succeeded."""
    out = _probe(*args, cwd=cwd).stdout.splitlines()
    assert out[-2] == "0", "\n".join(out[:-1])
    return set(out[-1].split())


@pytest.mark.parametrize("args", [["--help"], ["build", "--help"], ["list"]])
def test_startup__commands_that_build_nothing_skip_the_heavy_imports(args: list[str]) -> None:
    loaded = _loaded(*args, cwd=ROOT)
    assert "deckgen" in loaded
    assert not loaded & set(HEAVY)


@pytest.mark.parametrize("args", [["build", "--help"], ["list"]])
def test_startup__commands_run_through_click(args: list[str]) -> None:
    assert "click" in _loaded(*args, cwd=ROOT)
