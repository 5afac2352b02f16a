"""`deckgen sync` as a library: the same pipeline as `build`, then the collection writer.

The pipeline runs exactly as for a package (the build cache around it, the same state file
written the same way); instead of a package, `deckgen.collection.apply` applies the deck to an
Anki collection. Both writers take what changed and what was removed from the one `Revision`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from deckgen.api import previous_project_state, project_output, select_project
from deckgen.cache.layer import BuildCache
from deckgen.collection.apply import Applied, SyncSettings, sync_collection
from deckgen.collection.plan import Origin, Plan, Removed
from deckgen.collection.profiles import Target
from deckgen.config.members import Project
from deckgen.deck import default_output
from deckgen.identity.history import Revision
from deckgen.identity.ledger import ProjectState, dump_ledger
from deckgen.identity.state import dump_state, load_state, write_state_text
from deckgen.model import Deck, Diagnostic, location
from deckgen.options import BuildOptions
from deckgen.outputs import deck_lock
from deckgen.pipeline import run, run_project
from deckgen.select import select_deck

__all__ = ["SyncReport", "SyncSettings", "sync", "sync_project"]


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What one sync did: the collection, its outcome, what the pipeline found."""

    source: Path
    target: Target
    applied: Applied
    notes: int
    diagnostics: tuple[Diagnostic, ...]
    state_written: Path | None
    seconds: float

    @property
    def plan(self) -> Plan:
        return self.applied.plan


def sync(
    source: Path,
    target: Target,
    options: BuildOptions | None = None,
    settings: SyncSettings | None = None,
    *,
    state_file: Path,
    clock: Callable[[], float] = time.time,
) -> SyncReport:
    """Build `source` through the pipeline and apply its deck to `target`'s collection; the
    state file is then written as `build` writes it (not with `dry_run`)."""
    started = time.perf_counter()
    options = options or BuildOptions()
    settings = settings or SyncSettings()
    output = default_output(source, selection=options.selection)
    with deck_lock(target.path), deck_lock(output):
        cache = BuildCache(source, output, state_file, options)
        state = _read(state_file)
        previous = cache.previous_state(state) or load_state(state_file)
        built = run(source, options, previous, now=int(clock()), reuse=cache)
        rendered, revision = built.rendered, built.revision
        theme = rendered.options.theme or settings.theme
        deck = select_deck(rendered.document, revision.deck, options.selection, options.topics)
        applied = _apply(target, deck, revision, _with_theme(settings, theme))
        written = None
        if not settings.dry_run:
            text = dump_state(revision.state)
            if write_state_text(text, state_file):
                written = state_file
        return SyncReport(
            source,
            target,
            applied,
            len(deck.notes),
            revision.diagnostics,
            written,
            time.perf_counter() - started,
        )


def sync_project(
    project: Project,
    target: Target,
    options: BuildOptions | None = None,
    settings: SyncSettings | None = None,
    *,
    clock: Callable[[], float] = time.time,
) -> SyncReport:
    """`sync` for a project: every file's cards, one identity space, the project's state."""
    started = time.perf_counter()
    options = options or BuildOptions()
    settings = settings or SyncSettings()
    output = project_output(project, options.selection)
    with deck_lock(target.path), deck_lock(output):
        previous = previous_project_state(project)
        built = run_project(project, options, previous, now=int(clock()))
        revision = built.revision
        theme = built.members[0].rendered.options.theme or settings.theme
        deck = select_project(built, options.selection)
        applied = _apply(target, deck, revision, _with_theme(settings, theme))
        written = None
        if not settings.dry_run:
            text = dump_ledger(ProjectState(built.namespace, revision.state))
            if write_state_text(text, project.state_file):
                written = project.state_file
        return SyncReport(
            project.config.path or project.root,
            target,
            applied,
            len(deck.notes),
            revision.diagnostics,
            written,
            time.perf_counter() - started,
        )


def _with_theme(settings: SyncSettings, theme: str) -> SyncSettings:
    from dataclasses import replace

    return replace(settings, theme=theme)


def _apply(target: Target, deck: Deck, revision: Revision, settings: SyncSettings) -> Applied:
    removed, origins = removed_and_origins(revision)
    return sync_collection(target.path, deck, removed, origins, settings)


def removed_and_origins(
    revision: Revision,
) -> tuple[Sequence[Removed], dict[str, Origin]]:
    """The questions gone from the Markdown (as `status` and the package's report name them),
    and where every other card is and when its content last changed before this build."""
    removed: list[Removed] = []
    origins: dict[str, Origin] = {}
    mtimes = {note.id: note.mtime for note in revision.deck.notes}
    for change in revision.changes:
        if "removed" in change.kinds:
            removed.append(Removed(change.id, change.question))
            continue
        since = change.before.mtime if change.before is not None else mtimes.get(change.id, 0)
        place = location(change.path, change.line) if change.path is not None else change.file
        origins[change.id] = Origin(place, since)
    return removed, origins


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
