"""Command-line options for choosing what to study and how a document is read.

Shared by `build`, `list` and any command that turns sources into cards, so each one reads
`--part/--topic/--grep`, the heading levels and the config the same way.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:  # the library is loaded by the command that runs, not by `--help`
    from deckgen.config.project import Config
    from deckgen.options import BuildOptions, BuildReport
    from deckgen.select import Selection

_F = TypeVar("_F", bound=Callable[..., Any])


def selection_options(command: _F) -> _F:
    """`--part`, `--topic` and `--grep`, each repeatable."""
    for option in reversed(
        [
            click.option(
                "--part",
                "parts",
                multiple=True,
                metavar="SEL",
                help="Only this part: a number (4), a range (11-18) or a piece of its title.",
            ),
            click.option(
                "--topic",
                "topics",
                multiple=True,
                metavar="NAME",
                help="Only the parts of this topic from deckgen.toml or front matter.",
            ),
            click.option(
                "--grep",
                multiple=True,
                metavar="REGEX",
                help="Only questions matching this regular expression (case-insensitive).",
            ),
        ]
    ):
        command = option(command)
    return command


def reading_options(command: _F) -> _F:
    """`--part-level`, `--question-level` and `--config`."""
    for option in reversed(
        [
            click.option(
                "--part-level",
                type=click.IntRange(0, 6),
                metavar="N",
                help="Heading level of parts, 0 for none (default: detected).",
            ),
            click.option(
                "--question-level",
                type=click.IntRange(1, 6),
                metavar="N",
                help="Heading level of questions (default: detected).",
            ),
            click.option(
                "--config",
                "config_path",
                type=click.Path(path_type=Path, dir_okay=False, exists=True),
                help="Settings file (default: the nearest deckgen.toml or pyproject.toml).",
            ),
        ]
    ):
        command = option(command)
    return command


def collection_options(command: _F) -> _F:
    """What `sync` (and `watch --sync`) take about the collection: which one, and how to write."""
    for option in reversed(
        [
            click.option(
                "--collection",
                type=click.Path(path_type=Path, dir_okay=True),
                metavar="PATH",
                help="The collection file (collection.anki2) to sync into.",
            ),
            click.option(
                "--profile",
                metavar="NAME",
                help="An Anki profile in Anki's base folder (ANKI_BASE, else Anki's default place).",
            ),
            click.option("--dry-run", is_flag=True, help="Print what would change; write nothing."),
            click.option(
                "--overwrite",
                is_flag=True,
                help="Take the Markdown's text over edits made inside Anki.",
            ),
            click.option(
                "--delete",
                is_flag=True,
                help="Delete the notes of questions removed from the Markdown "
                "(default: suspend and tag).",
            ),
            click.option(
                "--allow-full-sync",
                is_flag=True,
                help="Change the notetype's fields even though Anki's next sync must then be a "
                "full sync.",
            ),
            click.option(
                "--via",
                type=click.Choice(["auto", "file", "addon"]),
                default="auto",
                show_default=True,
                help="Write the collection file (Anki closed), or go through deckgen's add-on in "
                "a running Anki; auto: the add-on when it answers with this collection open.",
            ),
        ]
    ):
        command = option(command)
    return command


def make_selection(
    parts: tuple[str, ...], topics: tuple[str, ...], grep: tuple[str, ...]
) -> Selection:
    """The selection the three options describe."""
    # The options' modules are loaded when a command runs: `--help` needs none of them.
    from deckgen.select import Selection

    return Selection(parts=parts, topics=topics, grep=grep)


class ConfigFinder:
    """Finds and reads each source's config once, or uses the one given with `--config`."""

    def __init__(self, explicit: Path | None) -> None:
        self._explicit = explicit
        self._loaded: dict[Path | None, Config | None] = {}

    def for_source(self, source: Path) -> Config | None:
        """The config that applies to `source`."""
        from deckgen.config.lookup import find_config

        path = self._explicit or find_config(source.parent)
        if path not in self._loaded:
            self._loaded[path] = _load_config(path) if path is not None else None
        return self._loaded[path]

    def options(self, base: BuildOptions) -> Callable[[Path], BuildOptions]:
        """`base` with the config of whichever source it is used for."""
        from dataclasses import replace

        return lambda source: replace(base, config=self.for_source(source))


def _load_config(path: Path) -> Config:
    from deckgen.config.project import load_config

    return load_config(path)


def verbosity_options(command: _F) -> _F:
    """`-q/--quiet` and `-v/--verbose`, the same on every command."""
    from deckgen.cli import say

    def quiet(ctx: click.Context, param: click.Parameter, value: bool) -> None:
        if value:
            say.set_level(say.QUIET)

    def verbose(ctx: click.Context, param: click.Parameter, value: bool) -> None:
        if value:
            say.set_level(say.VERBOSE)

    for option in (
        click.option(
            "-v",
            "--verbose",
            is_flag=True,
            expose_value=False,
            callback=verbose,
            help="Notes (info findings) too.",
        ),
        click.option(
            "-q",
            "--quiet",
            is_flag=True,
            expose_value=False,
            callback=quiet,
            help="Errors only: no summary, no warnings, no progress.",
        ),
    ):
        command = option(command)
    return command


def build_each(
    paths: Sequence[Path], build_one: Callable[[Path], BuildReport], selection: Selection
) -> Iterator[BuildReport]:
    """`build_one` for every path, in turn, each that can be built whatever the others do.

    With several paths, a source that fails is reported and the rest are built; the end says
    `2 built, 1 failed` and the exit status is 1. A source that the selection finds nothing in
    is left out with a warning; nothing in any of them is an error."""

    from deckgen.cli import say
    from deckgen.cli.errors import USER_ERROR, echo_error
    from deckgen.errors import DeckgenError
    from deckgen.model import Diagnostic
    from deckgen.select import EmptySelectionError, skipped_message

    if len(paths) == 1:
        yield build_one(paths[0])
        return
    built = failed = 0
    for path in paths:
        try:
            report = build_one(path)
        except EmptySelectionError as exc:
            say.finding(str(Diagnostic(path, None, "warning", skipped_message(exc))), "warning")
            continue
        except DeckgenError as exc:
            echo_error(exc)
            failed += 1
            continue
        built += 1
        yield report
    if failed:
        say.finding(f"deckgen: error: {built} built, {failed} failed", "error")
        sys.exit(USER_ERROR)
    if not built:
        raise DeckgenError(f"{selection.describe()} selects no card in any source")


def refuse_collisions(paths: Sequence[Path], output_of: Callable[[Path], Path]) -> None:
    """Stop, before anything is written, when two sources would write the same package."""
    from deckgen.errors import DeckgenError

    seen: dict[Path, Path] = {}
    for path in paths:
        output = output_of(path)
        if output in seen:
            raise DeckgenError(
                f"{seen[output]} and {path} would both be written to {output}; build them one "
                "at a time with -o, or into one package with --merge"
            )
        seen[output] = path
