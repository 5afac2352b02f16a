"""Where a source's project config is: the nearest `deckgen.toml`, or `pyproject.toml` with a
`[tool.deckgen]` table, from the source's folder up.

Apart from `deckgen.config.project`, which reads the file: most documents have no config, and a build
that finds none need not load the TOML parser and the settings readers.
"""

from __future__ import annotations

import re
from pathlib import Path

from deckgen.source import read_source

CONFIG_NAME = "deckgen.toml"
PYPROJECT = "pyproject.toml"
_TOOL_TABLE = re.compile(r"^\s*\[\s*tool\s*\.\s*deckgen\b", re.MULTILINE)


def find_config(start: Path) -> Path | None:
    """The nearest `deckgen.toml`, or `pyproject.toml` with `[tool.deckgen]`, from `start` up."""
    folder = start.resolve()
    for candidate in (folder, *folder.parents):
        config = candidate / CONFIG_NAME
        if config.is_file():
            return config
        pyproject = candidate / PYPROJECT
        if pyproject.is_file() and _mentions_deckgen(pyproject):
            return pyproject
    return None


def _mentions_deckgen(pyproject: Path) -> bool:
    # A text check: a broken pyproject.toml that has no deckgen table is none of our business.
    return _TOOL_TABLE.search(read_source(pyproject)) is not None
