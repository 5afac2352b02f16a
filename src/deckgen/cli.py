"""The `deckgen` command: thin click commands over the library."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from deckgen import __version__
from deckgen.errors import CheckError, DeckgenError, SourceError

if TYPE_CHECKING:
    from deckgen.history import Revision

SOURCE_DIR = Path("source")


@contextmanager
def _reported_errors() -> Iterator[None]:
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
        where = f"{exc.path}:{exc.line}" if exc.line is not None else str(exc.path)
        click.echo(f"{where}: error: {exc.message}", err=True)
        sys.exit(1)
    except DeckgenError as exc:
        click.echo(f"deckgen: error: {exc}", err=True)
        sys.exit(1)
    except (RecursionError, MemoryError):
        # Inputs are bounded (size limit, markdown-it's nesting limit); this is the last guard.
        click.echo("deckgen: error: input too large or too deeply nested to process", err=True)
        sys.exit(1)


def _sources(given: tuple[Path, ...]) -> list[Path]:
    if given:
        return list(given)
    found = sorted(SOURCE_DIR.glob("*.md"))
    if not found:
        raise DeckgenError(f"no sources given and no {SOURCE_DIR}/*.md found")
    return found


source_args = click.argument(
    "sources", nargs=-1, type=click.Path(path_type=Path, dir_okay=True, exists=False)
)
allow_html_option = click.option(
    "--allow-html",
    is_flag=True,
    help="Keep raw HTML from the source (sanitised) instead of escaping it.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="deckgen")
def cli() -> None:
    """Turn Markdown study documents into Anki decks that keep their review history."""


@cli.command()
@source_args
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="Output file (one source only)."
)
@click.option("--deck", "deck_name", help="Deck name (default: the document's # title).")
@click.option("--subdecks", is_flag=True, help="Put each part in its own subdeck.")
@allow_html_option
@click.option("--force", is_flag=True, help="Write the deck even if `check` finds errors.")
def build(
    sources: tuple[Path, ...],
    output: Path | None,
    deck_name: str | None,
    subdecks: bool,
    allow_html: bool,
    force: bool,
) -> None:
    """Build SOURCES (default: source/*.md) into build/<stem>.apkg."""
    from deckgen.build import BuildOptions
    from deckgen.build import build as build_source

    with _reported_errors():
        paths = _sources(sources)
        if output is not None and len(paths) != 1:
            raise click.BadParameter("-o needs exactly one source", param_hint="-o")
        options = BuildOptions(
            deck_name=deck_name, subdecks=subdecks, allow_html=allow_html, force=force
        )
        from deckgen.state import state_path

        for path in paths:
            report = build_source(path, output, options, state_file=state_path(path))
            for diagnostic in report.diagnostics:
                if diagnostic.severity != "info":
                    click.echo(str(diagnostic), err=True)
            click.echo(
                f"{report.cards} cards in {report.parts} parts → {report.output} "
                f"({report.seconds:.2f} s)"
            )
            if report.revision is not None:
                _echo_revision(report.revision, subdecks=subdecks)


@cli.command("list")
@source_args
def list_parts(sources: tuple[Path, ...]) -> None:
    """List the parts of SOURCES with card counts and the Anki search for each."""
    from deckgen.build import load_document, tag_prefix
    from deckgen.markdown import make_markdown

    with _reported_errors():
        md = make_markdown()
        for path in _sources(sources):
            document = load_document(path, md)
            prefix = tag_prefix(document)
            click.echo(f"{path}: {len(document.cards)} cards")
            for part in document.parts:
                count = sum(1 for card in document.cards if card.part == part)
                tag = f"{prefix}::{part.tag_name}"
                click.echo(f"  {count:4d}  {part.heading:<45}  tag:{tag}")


@cli.command()
@source_args
@allow_html_option
def check(sources: tuple[Path, ...], allow_html: bool) -> None:
    """Check SOURCES (default: source/*.md) for problems; write nothing. Exit 1 on errors."""
    from deckgen.check import check_file

    with _reported_errors():
        paths = _sources(sources)
        counts = {"error": 0, "warning": 0, "info": 0}
        for path in paths:
            for diagnostic in check_file(path, allow_html=allow_html):
                counts[diagnostic.severity] += 1
                click.echo(str(diagnostic))
        files = f"{len(paths)} file{'s' if len(paths) != 1 else ''}"
        click.echo(
            f"{files} checked: {_count(counts['error'], 'error')}, "
            f"{_count(counts['warning'], 'warning')}, {_count(counts['info'], 'note')}"
        )
        if counts["error"]:
            sys.exit(1)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' if number != 1 else ''}"


def _echo_revision(revision: Revision, *, subdecks: bool) -> None:
    from deckgen.report import limits, removed_notice, summary

    if any(change.kinds != ("unchanged",) for change in revision.changes):
        click.echo(f"changes: {summary(revision)}")
    for line in removed_notice(revision):
        click.echo(line)
    for limit in limits(revision, subdecks=subdecks):
        click.echo(f"warning: {limit}", err=True)


@cli.command()
@source_args
@click.option("--subdecks", is_flag=True, help="Warn about what subdecks cannot carry.")
@allow_html_option
def status(sources: tuple[Path, ...], subdecks: bool, allow_html: bool) -> None:
    """Show what the next build changes (new, reworded, moved, changed, removed); write nothing."""
    import time

    from deckgen.build import BuildOptions, revise_source
    from deckgen.report import status_lines
    from deckgen.state import load_state, state_path

    with _reported_errors():
        options = BuildOptions(subdecks=subdecks, allow_html=allow_html)
        for path in _sources(sources):
            previous = load_state(state_path(path))
            _, revision = revise_source(path, options, previous, now=int(time.time()))
            for diagnostic in revision.diagnostics:
                if diagnostic.severity != "info":
                    click.echo(str(diagnostic), err=True)
            if previous is None:
                click.echo(
                    f"{path}: no {state_path(path).name} yet: the next build gives "
                    f"{len(revision.deck.notes)} cards their question-based IDs"
                )
                continue
            for line in status_lines(path, revision, subdecks=subdecks):
                click.echo(line)


@cli.command()
@source_args
def prune(sources: tuple[Path, ...]) -> None:
    """Forget the removed notes remembered beside SOURCES (delete them in Anki first)."""
    from dataclasses import replace

    from deckgen.report import removed_search
    from deckgen.state import load_state, save_state, state_path

    with _reported_errors():
        for path in _sources(sources):
            state_file = state_path(path)
            state = load_state(state_file)
            if state is None or not state.removed:
                click.echo(f"{state_file}: no removed notes to forget")
                continue
            save_state(replace(state, removed=()), state_file)
            ids = [card.id for card in state.removed]
            click.echo(f"{state_file}: forgot {len(ids)} removed note(s): {removed_search(ids)}")


def main() -> None:
    """Entry point of the `deckgen` script and `python -m deckgen`."""
    cli(prog_name="deckgen")
