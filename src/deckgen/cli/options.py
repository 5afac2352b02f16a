"""Command-line options for choosing what to study and how a document is read.

Shared by `build`, `list` and any command that turns sources into cards, so each one reads
`--part/--topic/--grep`, the heading levels and the config the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from deckgen.errors import DeckgenError
from deckgen.model import Diagnostic
from deckgen.options import BuildOptions, BuildReport

if TYPE_CHECKING:
    from deckgen.config.project import Config
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
        return lambda source: replace(base, config=self.for_source(source))


def _load_config(path: Path) -> Config:
    from deckgen.config.project import load_config

    return load_config(path)


def each_selected(
    paths: Sequence[Path], build_one: Callable[[Path], BuildReport], selection: Selection
) -> Iterator[BuildReport]:
    """`build_one` for every path, in turn. With several paths, a source that the selection
    finds nothing in is left out with a warning; nothing in any of them is an error."""

    from deckgen.select import EmptySelectionError, skipped_message

    built = 0
    for path in paths:
        try:
            report = build_one(path)
        except EmptySelectionError as exc:
            if len(paths) == 1:
                raise
            click.echo(str(Diagnostic(path, None, "warning", skipped_message(exc))), err=True)
            continue
        built += 1
        yield report
    if not built:
        raise DeckgenError(f"{selection.describe()} selects no card in any source")
