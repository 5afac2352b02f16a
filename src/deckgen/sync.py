"""`deckgen sync` as a library: the same pipeline as `build`, then the collection writer.

The pipeline runs exactly as for a package, with the same build cache around it and the same
state file written the same way; instead of a package, `deckgen.collection.apply` applies the
deck to an Anki collection. Both writers take what changed and what was removed from the one
`Revision`.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from deckgen.addon.client import AddonError, answers_for, find_addon, sync_via_addon
from deckgen.addon.wire import SyncRequest
from deckgen.api import cache_or_warn, previous_project_state, project_output, select_project
from deckgen.cache.files import ProjectCache
from deckgen.cache.layer import BuildCache
from deckgen.collection.apply import Applied, SyncSettings, sync_collection
from deckgen.collection.guard import check_path
from deckgen.collection.plan import Origin, Plan, Removed
from deckgen.collection.profiles import Target
from deckgen.collection.stamp import collection_stamp
from deckgen.config.members import Project
from deckgen.deck import default_output
from deckgen.identity.history import Revision
from deckgen.identity.ledger import ProjectState, dump_ledger
from deckgen.identity.state import dump_state, load_state, write_state_text
from deckgen.model import Deck, Diagnostic, location
from deckgen.notetype.definition import notetype_css
from deckgen.options import BuildOptions
from deckgen.outputs import deck_lock
from deckgen.package.writer import write_package
from deckgen.pipeline import run, run_project
from deckgen.select import select_deck
from deckgen.source import read_source

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


@dataclass(frozen=True, slots=True)
class _Made:
    """What the pipeline made for a sync: the selected deck, the revision, the look, the
    state file's new text, and how to leave the cache for the next run."""

    deck: Deck
    revision: Revision
    theme: str | None
    state: str
    save: Callable[..., None]


@dataclass(frozen=True, slots=True)
class _Cached:
    """What a sync needs of the cache, whichever kind: its shortcut and what it remembers."""

    cards: int
    diagnostics: tuple[Diagnostic, ...]


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
    options = options or BuildOptions()
    output = default_output(source, selection=options.selection)
    cache = BuildCache(source, output, state_file, options)

    def shortcut(state: bytes | None, stamp: str) -> _Cached | None:
        entry = cache.synced(read_source(source), state, stamp)
        return _Cached(entry.cards, entry.diagnostics) if entry is not None else None

    def make(state: bytes | None) -> _Made:
        previous = cache.previous_state(state) or load_state(state_file)
        built = run(source, options, previous, now=int(clock()), reuse=cache)
        rendered, revision = built.rendered, built.revision
        deck = select_deck(rendered.document, revision.deck, options.selection, options.topics)
        text = dump_state(revision.state)
        return _Made(deck, revision, rendered.options.theme, text, partial(cache.save, built))

    return _sync(source, target, settings, output, state_file, shortcut, make)


def sync_project(
    project: Project,
    target: Target,
    options: BuildOptions | None = None,
    settings: SyncSettings | None = None,
    *,
    clock: Callable[[], float] = time.time,
) -> SyncReport:
    """`sync` for a project: every file's cards, one identity space, the project's state."""
    options = options or BuildOptions()
    output = project_output(project, options.selection)
    cache = ProjectCache(project, output, options)

    def shortcut(state: bytes | None, stamp: str) -> _Cached | None:
        entry = cache.synced(project, state, stamp)
        return _Cached(entry.cards, entry.diagnostics) if entry is not None else None

    def make(state: bytes | None) -> _Made:
        previous = cache.previous_state(state) or previous_project_state(project)
        built = run_project(project, options, previous, now=int(clock()), reuse=cache)
        deck = select_project(built, options.selection)
        theme = built.members[0].rendered.options.theme
        text = dump_ledger(ProjectState(built.namespace, built.revision.state))
        return _Made(deck, built.revision, theme, text, partial(cache.save, built))

    shown = project.config.path or project.root
    return _sync(shown, target, settings, output, project.state_file, shortcut, make)


def _sync(
    shown: Path,
    target: Target,
    settings: SyncSettings | None,
    output: Path,
    state_file: Path,
    shortcut: Callable[[bytes | None, str], _Cached | None],
    make: Callable[[bytes | None], _Made],
) -> SyncReport:
    """The one route of every sync: the lock, the shortcut when nothing is new, the pipeline,
    the collection writer, then the state file and the cache as `build` writes them."""
    started = time.perf_counter()
    settings = settings or SyncSettings()
    check_path(target.path)  # before its lock, which would make a mistyped path's folders
    with deck_lock(target.path), deck_lock(output):
        state = _read(state_file)
        cached = shortcut(state, collection_stamp(target.path, repr(settings)))
        if cached is not None:
            done = Applied(target.path, Plan(unchanged=cached.cards), "", dry_run=settings.dry_run)
            seconds = time.perf_counter() - started
            return SyncReport(shown, target, done, cached.cards, cached.diagnostics, None, seconds)
        made = make(state)
        deck = made.deck
        applied = _apply(
            target, deck, made.revision, replace(settings, theme=made.theme or settings.theme)
        )
        written = None
        diagnostics = made.revision.diagnostics
        if not settings.dry_run:
            written = state_file if write_state_text(made.state, state_file) else None
            save = _saver(target, settings, applied, made.state)
            diagnostics += cache_or_warn(
                output, lambda: made.save(cards=len(deck.notes), parts=_parts(deck), **save())
            )
        seconds = time.perf_counter() - started
        return SyncReport(shown, target, applied, len(deck.notes), diagnostics, written, seconds)


def _parts(deck: Deck) -> int:
    return len({(note.source.split("#")[0], note.part) for note in deck.notes})


def _saver(
    target: Target, settings: SyncSettings, applied: Applied, state_text: str
) -> Callable[[], dict[str, str]]:
    """What the cache records of this sync: no package, the state's digest, and the
    collection's stamp when the sync left nothing to report (a conflict, a card left where the
    user put it, a file kept) that a later sync must say again."""

    def save() -> dict[str, str]:
        plan = applied.plan
        quiet = not (plan.conflicts or plan.stay or plan.foreign or applied.media_kept)
        stamp = collection_stamp(target.path, repr(settings)) if quiet else ""
        state = hashlib.sha256(state_text.encode()).hexdigest()
        return {"package": "", "state": state, "synced": stamp}

    return save


def _apply(target: Target, deck: Deck, revision: Revision, settings: SyncSettings) -> Applied:
    """The file sync, or the same sync inside a running Anki through its add-on (`via`)."""
    removed, origins = removed_and_origins(revision)
    if settings.via != "file":
        endpoint = find_addon(target.path)
        if settings.via == "addon" and endpoint is None:
            raise AddonError(
                f"no deckgen add-on is running for {target.path}: start Anki with the add-on "
                "installed (`deckgen addon install`), or sync the file with --via file"
            )
        if endpoint is not None and (settings.via == "addon" or answers_for(endpoint, target.path)):
            css = notetype_css(settings.theme)
            request = SyncRequest(deck, tuple(removed), origins, settings, css)
            applied = sync_via_addon(
                endpoint, request, partial(write_package, theme=settings.theme)
            )
            return replace(applied, via="addon")
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
        built = change.before.content if change.before is not None else ""
        origins[change.id] = Origin(place, since, built)
    return removed, origins


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
