"""The `deckgen` command: thin click commands over the library."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from deckgen import __version__
from deckgen.errors import CheckError, DeckgenError, SourceError

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
        for path in paths:
            report = build_source(path, output, options)
            for diagnostic in report.diagnostics:
                if diagnostic.severity != "info":
                    click.echo(str(diagnostic), err=True)
            click.echo(
                f"{report.cards} cards in {report.parts} parts → {report.output} "
                f"({report.seconds:.2f} s)"
            )


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


def main() -> None:
    """Entry point of the `deckgen` script and `python -m deckgen`."""
    cli(prog_name="deckgen")
