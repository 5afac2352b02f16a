"""The one place where errors become `path:line: error: message` and an exit status.

Exit statuses: 0 done; 1 an error the user can fix (a message says which); 2 a usage error
(click's: an unknown option, a bad value); 3 an internal error, a bug of deckgen's (with
`--debug` or `DECKGEN_DEBUG=1`, its traceback); 130 interrupted (Ctrl-C); 141 standard output
closed early (`deckgen list | head -1`), quietly, as for any program a closed pipe stops.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn

import click

from deckgen.cli import say

if TYPE_CHECKING:  # loaded when a command runs, not by `--help`
    from deckgen.errors import DeckgenError

USER_ERROR = 1
INTERNAL_ERROR = 3
INTERRUPTED = 130
BROKEN_PIPE = 141


def echo_error(exc: DeckgenError) -> None:
    """The lines a user error is reported in: its findings, then `…: error: message`."""
    from deckgen.errors import CheckError, SourceError, location

    if isinstance(exc, CheckError):
        for diagnostic in exc.diagnostics:
            say.finding(str(diagnostic), diagnostic.severity)
        say.finding(f"{exc.path}: error: {exc.message}", "error")
    elif isinstance(exc, SourceError):
        say.finding(f"{location(exc.path, exc.line)}: error: {exc.message}", "error")
    else:
        say.finding(f"deckgen: error: {exc}", "error")


@contextmanager
def reported_errors() -> Iterator[None]:
    """The one place errors become `path:line: error: message` and an exit status."""
    from deckgen.errors import DeckgenError

    try:
        yield
    except DeckgenError as exc:
        echo_error(exc)
        sys.exit(USER_ERROR)
    except (RecursionError, MemoryError):
        # Inputs are bounded (size limit, markdown-it's nesting limit); this is the last guard.
        say.finding("deckgen: error: input too large or too deeply nested to process", "error")
        sys.exit(USER_ERROR)
    except click.ClickException:
        raise
    except KeyboardInterrupt:
        # Every write goes to a temp file renamed at the end, and the temp file is removed on
        # the way out: an interrupted build leaves the previous files as they were.
        say.finding("deckgen: error: interrupted", "error")
        sys.exit(INTERRUPTED)
    except BrokenPipeError:
        _quiet_broken_pipe()
    except Exception as exc:  # noqa: BLE001  (the last guard; see below)
        # A bug of ours: the user gets one line (and nothing half-written: every output is
        # written atomically), and the traceback when asked for it, to report.
        if say.debugging():
            import traceback  # here: only a bug report needs it, and every command loads this

            traceback.print_exc()
        hint = "" if say.debugging() else "; rerun with --debug for the traceback"
        say.finding(
            f"deckgen: internal error: {type(exc).__name__}: {exc} (please report this{hint})",
            "error",
        )
        sys.exit(INTERNAL_ERROR)


def _quiet_broken_pipe() -> NoReturn:
    # The reader went away (`| head`): nothing more is wanted. Standard output is pointed at
    # /dev/null so that Python's flush at exit does not complain about the pipe again.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # not a real file descriptor (a test's captured output): nothing to flush
    sys.exit(BROKEN_PIPE)
