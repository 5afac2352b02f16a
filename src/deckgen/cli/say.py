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

# Module state, set by the options of the one command a run executes (`reset` starts afresh):
# every function that prints would otherwise need the options passed down to it.
_level = NORMAL
_debug = False
_results_err = False
_aliases: dict[str, str] = {}
_SEVERITY = re.compile(r"(^|: )(error|warning|info): ")
_COLOURS = {"error": "red", "warning": "yellow", "info": "cyan"}


def reset() -> None:
    """Back to the defaults, before a command's own options: a process (a test) may run many."""
    global _level, _results_err
    _level, _results_err = NORMAL, False
    _aliases.clear()


def set_level(level: int) -> None:
    """How much the rest of the command prints (`QUIET`, `NORMAL` or `VERBOSE`)."""
    global _level
    _level = level


def level() -> int:
    """The verbosity `set_level` chose."""
    return _level


def set_debug(on: bool) -> None:
    """`--debug`: internal errors print their traceback."""
    global _debug
    _debug = on


def debugging() -> bool:
    """`--debug` was given, or `DECKGEN_DEBUG` is set to something other than 0."""
    return _debug or os.environ.get("DECKGEN_DEBUG", "0") not in ("", "0")


def results_to_stderr() -> None:
    """Standard output carries the package (`-o -`): result lines go to standard error."""
    global _results_err
    _results_err = True


def alias(path: str, shown: str) -> None:
    """Name `path` as `shown` in every line (standard input's temporary copy as `<stdin>`)."""
    _aliases[path] = shown


def _named(line: str) -> str:
    for path, shown in _aliases.items():
        line = line.replace(path, shown)
    return line


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
        click.echo(_named(line), err=_results_err, color=colour())


def finding(line: str, severity: str, *, notes: bool = False) -> None:
    """A finding on standard error, its severity in colour: errors always, warnings unless
    `-q`, notes (`info`) with `-v`, or when `notes` (the command's point is to list them)."""
    shown = {"error": QUIET, "warning": NORMAL, "info": NORMAL if notes else VERBOSE}
    if _level < shown.get(severity, NORMAL):
        return
    coloured = _SEVERITY.sub(
        lambda m: f"{m[1]}{click.style(m[2], fg=_COLOURS[m[2]], bold=True)}: ",
        _named(line),
        count=1,
    )
    click.echo(coloured, err=True, color=colour())
