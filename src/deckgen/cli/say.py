"""How the commands talk: how much (`-q`, `-v`), on which stream, in colour or not, in words.

Every finding (`path:line: error|warning|info: …`) goes to standard error, from every command;
results (summaries, lists, the package with `-o -`) go to standard output. So `deckgen check
2>/dev/null` shows only the summary, and a pipe reads results, never findings. Kept free of the
library: `--help` loads this module too.
"""

from __future__ import annotations

import os
import re

import click

QUIET = -1
"""`-q`: errors only."""
NORMAL = 0
VERBOSE = 1
"""`-v`: notes (`info` findings) too, from every command."""

_level = NORMAL
_SEVERITY = re.compile(r"(^|: )(error|warning|info): ")
_COLOURS = {"error": "red", "warning": "yellow", "info": "cyan"}


def set_level(level: int) -> None:
    """How much the rest of the command prints (`QUIET`, `NORMAL` or `VERBOSE`)."""
    global _level
    _level = level


def level() -> int:
    """The verbosity `set_level` chose."""
    return _level


def colour() -> bool | None:
    """False when `NO_COLOR` is set (https://no-color.org); else None: click colours a
    terminal and strips the colour from anything else (a pipe, a file)."""
    return False if os.environ.get("NO_COLOR") else None


def plural(number: int, noun: str) -> str:
    """`1 error`, `2 errors`."""
    return f"{number} {noun}{'s' if number != 1 else ''}"


def result(line: str) -> None:
    """A result line on standard output (none with `-q`)."""
    if _level > QUIET:
        click.echo(line, color=colour())


def finding(line: str, severity: str, *, notes: bool = False) -> None:
    """A finding on standard error, its severity in colour: errors always, warnings unless
    `-q`, notes (`info`) with `-v`, or when `notes` (the command's point is to list them)."""
    shown = {"error": QUIET, "warning": NORMAL, "info": NORMAL if notes else VERBOSE}
    if _level < shown.get(severity, NORMAL):
        return
    coloured = _SEVERITY.sub(
        lambda m: f"{m[1]}{click.style(m[2], fg=_COLOURS[m[2]], bold=True)}: ", line, count=1
    )
    click.echo(coloured, err=True, color=colour())
