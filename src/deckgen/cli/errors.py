"""The one place where errors become `path:line: error: message` and an exit status."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from deckgen.errors import CheckError, DeckgenError, SourceError, location


@contextmanager
def reported_errors() -> Iterator[None]:
    """The one place errors become `path:line: error: message` and exit status 1."""
    try:
        yield
    except CheckError as exc:
        for diagnostic in exc.diagnostics:
            if diagnostic.severity != "info":
                click.echo(str(diagnostic), err=True)
        click.echo(f"{exc.path}: error: {exc.message}", err=True)
        sys.exit(1)
    except SourceError as exc:
        click.echo(f"{location(exc.path, exc.line)}: error: {exc.message}", err=True)
        sys.exit(1)
    except DeckgenError as exc:
        click.echo(f"deckgen: error: {exc}", err=True)
        sys.exit(1)
    except (RecursionError, MemoryError):
        # Inputs are bounded (size limit, markdown-it's nesting limit); this is the last guard.
        click.echo("deckgen: error: input too large or too deeply nested to process", err=True)
        sys.exit(1)
    except click.ClickException:
        raise
    except Exception as exc:  # noqa: BLE001  (the last guard; see below)
        # A bug of ours: the user still gets one line (and nothing half-written: every output
        # is written atomically), not a traceback.
        click.echo(
            f"deckgen: internal error: {type(exc).__name__}: {exc} (please report this)", err=True
        )
        sys.exit(2)
