"""`-` for standard input as SOURCE, and `-o -` for the package on standard output."""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from deckgen.cli import say
from deckgen.errors import DeckgenError
from deckgen.options import BuildReport

DASH = Path("-")
DEFAULT_NAME = "stdin"
_NAME = re.compile(r"^[^/\\\x00]+$")


def check_name(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """`--name`: a file name without its folder and without `.md`."""
    if value is not None and (not _NAME.match(value) or value in (".", "..")):
        raise click.BadParameter("a file name (no folder), e.g. --name notes", param=param)
    return value


@contextmanager
def with_stdin(sources: tuple[Path, ...], name: str | None) -> Iterator[tuple[Path, ...]]:
    """`sources` with `-` replaced by a temporary copy of standard input named `<name>.md`
    (default `stdin.md`): the name gives the deck its stem, tags and default output. Findings
    name it `<stdin>`. It has no folder of its own, so it keeps no state file."""
    if DASH not in sources:
        yield sources
        return
    if sources.count(DASH) > 1:
        raise click.BadParameter("standard input (-) can be read once", param_hint="SOURCES")
    data = sys.stdin.buffer.read()
    with tempfile.TemporaryDirectory(prefix="deckgen-stdin-") as folder:
        path = Path(folder) / f"{name or DEFAULT_NAME}.md"
        path.write_bytes(data)
        say.alias(str(path), "<stdin>")
        yield tuple(path if source == DASH else source for source in sources)


def is_stdin_copy(path: Path) -> bool:
    """Whether `path` is the copy `with_stdin` made."""
    return path.parent.name.startswith("deckgen-stdin-") and path.parent.parent == Path(
        tempfile.gettempdir()
    )


def to_stdout(stem: str, build_into: Callable[[Path], BuildReport]) -> BuildReport:
    """`-o -`: build into a temporary package, then copy its bytes to standard output (result
    lines go to standard error). Refused on a terminal, where a zip is only noise."""
    stdout = sys.stdout.buffer
    if stdout.isatty():
        raise DeckgenError(
            "refusing to write a package to a terminal; redirect it (-o - > deck.apkg) or pipe it"
        )
    say.results_to_stderr()
    with tempfile.TemporaryDirectory(prefix="deckgen-out-") as folder:
        package = Path(folder) / f"{stem}.apkg"
        say.alias(str(package), "<stdout>")
        report = build_into(package)
        stdout.write(package.read_bytes())
        stdout.flush()
    return report
