"""Start-up: commands that build nothing load neither the packager nor the highlighter, and the
group help loads not even click."""

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
except SystemExit:
    pass
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
    return set(_probe(*args, cwd=cwd).stdout.splitlines()[-1].split())


@pytest.mark.parametrize("args", [["--help"], ["build", "--help"], ["list"]])
def test_startup__commands_that_build_nothing_skip_the_heavy_imports(args: list[str]) -> None:
    loaded = _loaded(*args, cwd=ROOT)
    assert "deckgen" in loaded
    assert not loaded & set(HEAVY)


@pytest.mark.parametrize("args", [["build", "--help"], ["list"]])
def test_startup__commands_run_through_click(args: list[str]) -> None:
    assert "click" in _loaded(*args, cwd=ROOT)


# What a rebuild after a one-line prose edit never needs: the settings readers (no config, no
# front matter), the formula checker, the state file parser (the cache holds the state) and the
# libraries that highlight, sanitise and convert math.
NOT_FOR_A_PROSE_EDIT = (
    "deckgen.config.project",
    "deckgen.config.settings",
    "deckgen.config.frontmatter",
    "deckgen.config.loading",
    "deckgen.render.mathml",
    "deckgen.identity.strictjson",
    "deckgen.merge",
    "tomllib",
    "yaml",
    "xml.etree",
    "latex2mathml",
    "pygments",
    "nh3",
)
PROSE_LINE = (
    "Pre-trained weights are already **good** - they've learned general language understanding."
)

MODULES_PROBE = PROBE.replace(
    'print(" ".join(sorted({m.split(".")[0] for m in sys.modules})))',
    'print(" ".join(sorted(sys.modules)))',
)


def test_startup__a_rebuild_after_a_prose_edit_skips_what_it_does_not_use(
    seed_copy: Path,
) -> None:
    folder = seed_copy.parent
    build = ["build", seed_copy.name, "-o", "deck.apkg", "-q"]
    subprocess.run([sys.executable, "-m", "deckgen", *build], cwd=folder, check=True)
    text = seed_copy.read_text(encoding="utf-8")
    assert text.count(f"\n{PROSE_LINE}\n") == 1
    seed_copy.write_text(text.replace(PROSE_LINE, f"{PROSE_LINE} Edited."), encoding="utf-8")

    result = _probe(*build, cwd=folder, probe=MODULES_PROBE)
    assert "1 rendered again" in result.stdout  # the cache's splice, not a full build
    loaded = set(result.stdout.splitlines()[-1].split())
    assert "deckgen.cache.layer" in loaded
    assert sorted(loaded & set(NOT_FOR_A_PROSE_EDIT)) == []


# `deckgen list` reads parts and cards: it checks, identifies, renders and packages nothing.
NOT_FOR_LISTING = (
    "deckgen.check.rules",
    "deckgen.check.content",
    "deckgen.identity.history",
    "deckgen.identity.state",
    "deckgen.cache.snapshot",
    "deckgen.process",
    "deckgen.anki.collection",
    "deckgen.anki.package",
    "sqlite3",
    "difflib",
)


def test_startup__list_loads_no_checker_history_or_packager() -> None:
    result = _probe("list", cwd=ROOT, probe=MODULES_PROBE)
    assert "ml-interview-qa" in result.stdout
    loaded = set(result.stdout.splitlines()[-1].split())
    assert "deckgen.cli.listing" in loaded
    assert sorted(loaded & set(NOT_FOR_LISTING)) == []
