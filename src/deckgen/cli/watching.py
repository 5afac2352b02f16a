"""What `deckgen watch` runs and prints: what to watch (as `build` and `sync` find it), how each
deck is made (`deckgen.api.build_project`/`build`, or `deckgen.sync.sync_project`/`sync`), a
line per rebuild, and the preview server.

Every rebuild ends with one line on standard output that starts with the time (`12:04:31 …`):
the summary `build` or `sync` prints, or `not rebuilt: … left as it was` after an error, which
is printed before it as `path:line: error: …`. Findings a rebuild shares with the one before
are not repeated.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

import click

from deckgen.api import build, build_project, project_output
from deckgen.cli import say
from deckgen.cli.errors import INTERRUPTED, echo_error
from deckgen.cli.options import ConfigFinder, refuse_collisions
from deckgen.cli.output import build_summary, echo_revision
from deckgen.cli.say import plural
from deckgen.cli.targets import targets
from deckgen.deck import default_output
from deckgen.errors import DeckgenError
from deckgen.identity.state import state_path
from deckgen.model import Diagnostic
from deckgen.options import BuildOptions, BuildReport
from deckgen.watch.pages import Pages
from deckgen.watch.scope import Scope, Unit
from deckgen.watch.server import PreviewServer
from deckgen.watch.session import Watch

if TYPE_CHECKING:  # `deckgen.sync` needs Anki's library: loaded for `--sync` only
    from deckgen.collection.apply import SyncSettings
    from deckgen.sync import SyncReport

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Request:
    """What the command line asked the watch for."""

    sources: tuple[Path, ...]
    config_path: Path | None
    options: BuildOptions
    output: Path | None = None
    sync: SyncSettings | None = None
    """Sync into a collection instead of building the package."""
    collection: Path | None = None
    profile: str | None = None
    preview: bool = False


def run_watch(request: Request) -> None:
    """Watch until Ctrl-C, which ends the process with status 130."""
    if any(str(source) == "-" for source in request.sources):
        raise DeckgenError("deckgen watch reads files, not standard input (-)")
    find = _finder(request)
    _refuse(request, find())
    # Ctrl-C is how a watch ends, even when started in the background of a script, where the
    # shell starts it with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    lock = threading.Lock()
    pages = Pages(request.options, lock) if request.preview else None
    server = PreviewServer(pages).start() if pages is not None else None
    try:
        if server is not None:
            # Printed even with -q: without it the page cannot be found.
            click.echo(f"preview → {server.url}")
        if request.sync is not None:
            # A sync per save: a backup per save would fill Anki's backups folder, so one no
            # older than the collection's own backup interval will do, as Anki keeps them.
            make_sync = _syncer(request, replace(request.sync, fresh_backup=False))
            Watch(find, make_sync, SyncLines(pages, server), lock).run()
        else:
            make = _builder(request)
            Watch(find, make, PackageLines(pages, server, request), lock).run()
    except KeyboardInterrupt:
        # Whatever was being written went to a temporary file that is gone now: the package,
        # state and cache are as the last rebuild left them.
        say.result("watch stopped")
        sys.exit(INTERRUPTED)
    finally:
        if server is not None:
            server.close()


def _finder(request: Request) -> Callable[[], Scope]:
    """What the sources name now: a project (its files listed again), or files with configs."""

    def find() -> Scope:
        found = targets(request.sources, request.config_path)
        if found.project is not None:
            return Scope(project=found.project)
        configs = ConfigFinder(request.config_path)
        return Scope(files=tuple((path, configs.for_source(path)) for path in found.files))

    return find


def _refuse(request: Request, scope: Scope) -> None:
    """What `build` refuses, refused before watching: `-o` for several decks, `--deck` for a
    project, two sources writing the same package."""
    if request.output is not None and len(scope.units) != 1:
        raise DeckgenError("-o needs exactly one source (or a project)")
    if request.options.deck_name is not None and scope.project is not None:
        raise DeckgenError("a project's deck is `deck` in its deckgen.toml, not --deck")
    if request.output is None and request.sync is None and scope.project is None:
        selection = request.options.selection
        refuse_collisions(
            [path for path, _ in scope.files],
            lambda path: default_output(path, selection=selection),
        )


def _builder(request: Request) -> Callable[[Unit], BuildReport]:
    """Each unit's package, as `deckgen build` makes it."""
    options, output = request.options, request.output

    def make(unit: Unit) -> BuildReport:
        if unit.project is not None:
            return build_project(unit.project, output, options)
        assert unit.source is not None
        own = replace(options, config=unit.config)
        return build(unit.source, output, own, state_file=state_path(unit.source))

    return make


def _syncer(request: Request, settings: SyncSettings) -> Callable[[Unit], SyncReport]:
    """Each unit synced into its collection, as `deckgen sync` does it."""
    from deckgen.cli.syncing import chosen_target
    from deckgen.sync import sync, sync_project

    options, collection, profile = request.options, request.collection, request.profile

    def make(unit: Unit) -> SyncReport:
        if unit.project is not None:
            target = chosen_target(collection, profile, unit.project.config)
            return sync_project(unit.project, target, options, settings)
        assert unit.source is not None
        target = chosen_target(collection, profile, unit.config)
        own = replace(options, config=unit.config)
        return sync(unit.source, target, own, settings, state_file=state_path(unit.source))

    return make


class Lines(ABC, Generic[R]):
    """What the watch prints, whatever it makes; and the preview's reload after a rebuild."""

    def __init__(self, pages: Pages | None, server: PreviewServer | None) -> None:
        self.pages = pages
        self.server = server
        self.said: dict[Path, frozenset[str]] = {}
        """Each unit's findings the last rebuild printed."""

    def watching(self, scope: Scope) -> None:
        if self.pages is not None:
            self.pages.use(scope)
        if scope.project is not None:
            project = scope.project
            what = f"{project.root} ({plural(len(project.files), 'file')})"
        else:
            what = ", ".join(str(path) for path, _ in scope.files)
        say.result(f"watching {what} for changes; Ctrl-C stops")

    def made(self, unit: Unit, report: R) -> None:
        self.echo(unit, report)

    def failed(self, unit: Unit | None, error: DeckgenError) -> None:
        echo_error(error)
        if unit is None:
            say.result(f"{_now()} not rebuilt: fix the error and save again")
            return
        self.said.pop(unit.shown, None)
        say.result(f"{_now()} not rebuilt: {self.kept(unit)} left as it was")

    def rebuilt(self) -> None:
        if self.pages is not None:
            self.pages.changed()
        if self.server is not None:
            self.server.reload()

    def findings(self, unit: Unit, diagnostics: tuple[Diagnostic, ...]) -> None:
        """The findings the last rebuild of `unit` did not print already."""
        lines = [(str(diagnostic), diagnostic.severity) for diagnostic in diagnostics]
        before = self.said.get(unit.shown, frozenset())
        for line, severity in lines:
            if line not in before:
                say.finding(line, severity)
        self.said[unit.shown] = frozenset(line for line, _ in lines)

    @abstractmethod
    def echo(self, unit: Unit, report: R) -> None:
        """Print what rebuilding `unit` made, ending with the time and the summary."""

    @abstractmethod
    def kept(self, unit: Unit) -> str:
        """What a failed rebuild of `unit` left as it was."""


class PackageLines(Lines[BuildReport]):
    """A package's rebuild: findings, changes, the state file, then `build`'s summary."""

    def __init__(self, pages: Pages | None, server: PreviewServer | None, request: Request) -> None:
        super().__init__(pages, server)
        self.request = request

    def echo(self, unit: Unit, report: BuildReport) -> None:
        self.findings(unit, report.diagnostics)
        if report.revision is not None:
            echo_revision(report.revision, subdecks=report.subdecks)
        if report.state_written is not None:
            say.result(f"state → {report.state_written} (commit it with the source)")
        say.result(f"{_now()} {build_summary(report)}")

    def kept(self, unit: Unit) -> str:
        output, selection = self.request.output, self.request.options.selection
        if output is not None:
            return str(output)
        if unit.project is not None:
            return str(project_output(unit.project, selection))
        assert unit.source is not None
        return str(default_output(unit.source, selection=selection))


class SyncLines(Lines["SyncReport"]):
    """A sync: what `sync` finds and its summary."""

    def echo(self, unit: Unit, report: SyncReport) -> None:
        from deckgen.cli.syncing import echo_sync_findings, sync_summary

        self.findings(unit, report.diagnostics)
        echo_sync_findings(replace(report, diagnostics=()))
        say.result(f"{_now()} {sync_summary(report)}")

    def kept(self, unit: Unit) -> str:
        return "the collection"


def _now() -> str:
    return time.strftime("%H:%M:%S")
