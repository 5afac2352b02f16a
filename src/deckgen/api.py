"""deckgen as a library: one function per command, each a run of `deckgen.pipeline.run`.

`build` writes what the pipeline makes (the package, then the state file), with the build cache
around it when there is a state file; `check` lists what the pipeline's rules find. The preview
is `deckgen.preview.page.preview`, the merged package `deckgen.merge.build_merged`.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from deckgen.atomic import clean_stale
from deckgen.cache.files import ProjectCache
from deckgen.cache.layer import BuildCache
from deckgen.config.members import Project
from deckgen.config.project import Config
from deckgen.config.settings import SourceSettings
from deckgen.deck import default_output, project_subdecks, tag_prefix
from deckgen.errors import DeckgenError, SourceError
from deckgen.identity.ledger import ProjectState, adopt, dump_ledger, load_ledger
from deckgen.identity.state import dump_state, load_state, state_path, write_state_text
from deckgen.model import Deck, Diagnostic, Note
from deckgen.notetype.names import DEFAULT_THEME
from deckgen.options import BuildOptions, BuildReport
from deckgen.outputs import check_output, deck_lock, safe_default
from deckgen.package.writer import write_package
from deckgen.pipeline import Built, BuiltProject, run, run_project
from deckgen.process import Progress
from deckgen.select import EmptySelectionError, Selection, select_deck
from deckgen.slug import slugify
from deckgen.source import read_source

__all__ = [
    "BuildOptions",
    "BuildReport",
    "build",
    "build_project",
    "check_file",
    "check_project",
    "default_output",
    "state_path",
    "tag_prefix",
]


def build(
    source: Path,
    output: Path | None = None,
    options: BuildOptions | None = None,
    *,
    state_file: Path | None = None,
    clock: Callable[[], float] = time.time,
    progress: Progress | None = None,
) -> BuildReport:
    """Build one source file into one `.apkg` (default: `build/<stem>.apkg`).

    With `state_file` (the CLI passes `state_path(source)`), cards keep the IDs and mtimes of the
    previous build recorded there, the file is updated after the package is written, and a
    cache beside the output spares the work that did not change. Without it, IDs come from the
    question text and every note is stamped `clock()`. `progress(done, total)` hears about each
    card rendered.
    """
    options = options or BuildOptions()
    output = output or default_output(source, selection=options.selection)
    config = options.config.path if options.config else None
    check_output(output, ".apkg", (source, state_file, config))
    with deck_lock(output):
        for written in (output, state_file):
            if written is not None:
                clean_stale(written)
        return _build(source, output, options, state_file, clock, progress)


def _build(
    source: Path,
    output: Path,
    options: BuildOptions,
    state_file: Path | None,
    clock: Callable[[], float],
    progress: Progress | None,
) -> BuildReport:
    started = time.perf_counter()
    cache = BuildCache(source, output, state_file, options) if state_file else None
    previous = None
    if state_file is not None and cache is not None:
        state = _read(state_file)
        entry = cache.unchanged(read_source(source), state, _read(output))
        if entry is not None:
            return BuildReport(
                source=source,
                output=output,
                cards=entry.cards,
                parts=entry.parts,
                seconds=time.perf_counter() - started,
                diagnostics=entry.diagnostics,
                up_to_date=True,
                subdecks=bool(entry.options.subdecks),
            )
        previous = cache.previous_state(state) or load_state(state_file)
    built = run(source, options, previous, now=int(clock()), reuse=cache, progress=progress)
    written, cards, parts, unsaved = _write(built, output, state_file, cache)
    return BuildReport(
        source=source,
        output=output,
        cards=cards,
        parts=parts,
        seconds=time.perf_counter() - started,
        diagnostics=built.revision.diagnostics + unsaved,
        revision=built.revision if state_file else None,
        state_written=state_file if written else None,
        reparsed=len(built.rendered.document.cards)
        if cache is None or cache.reparsed is None
        else cache.reparsed,
        subdecks=bool(built.rendered.options.subdecks),
    )


def _write(
    built: Built, output: Path, state_file: Path | None, cache: BuildCache | None
) -> tuple[bool, int, int, tuple[Diagnostic, ...]]:
    """The write stage: the selected notes' package, then the state file, then the cache.
    Returns whether the state file changed, the package's card and part counts, and a warning
    when the cache could not be written."""
    rendered, revision = built.rendered, built.revision
    options = rendered.options
    deck = select_deck(rendered.document, revision.deck, options.selection, options.topics)
    package = write_package(
        deck,
        output,
        notetype_mtime=revision.state.notetype.mtime,
        theme=options.theme or DEFAULT_THEME,
        skeletons=cache.skeletons if cache else None,
    )
    cards, parts = len(deck.notes), len({note.part for note in deck.notes})
    if state_file is None:
        return False, cards, parts, ()
    state_text = dump_state(revision.state)
    written = write_state_text(state_text, state_file)
    unsaved: tuple[Diagnostic, ...] = ()
    if cache is not None:
        state = hashlib.sha256(state_text.encode()).hexdigest()
        unsaved = cache_or_warn(
            output,
            lambda: cache.save(built, package=package, state=state, cards=cards, parts=parts),
        )
    return written, cards, parts, unsaved


def cache_or_warn(output: Path, save: Callable[[], None]) -> tuple[Diagnostic, ...]:
    """Run `save`; a cache that cannot be written (a full disk) is a warning, not a failure:
    the package and state are written by then, and the cache only makes the next build faster."""
    try:
        save()
    except (DeckgenError, OSError) as exc:
        if isinstance(exc, SourceError):
            reason = exc.message.removeprefix("cannot write: ")
        else:
            reason = getattr(exc, "strerror", None) or str(exc)
        return (
            Diagnostic(
                output,
                None,
                "warning",
                f"build cache not saved ({reason}); the next build renders every card again",
            ),
        )
    return ()


def build_project(
    project: Project,
    output: Path | None = None,
    options: BuildOptions | None = None,
    *,
    clock: Callable[[], float] = time.time,
    progress: Progress | None = None,
) -> BuildReport:
    """Build every file of `project` into one `.apkg` (default: `build/<slug of deck>.apkg`)
    with one identity space: a card keeps its ID however its question moves between parts,
    files and folders, and the project's one state file (`project.state_file`) is updated after
    the package is written. A project without a state file yet adopts the one-file states its
    files had, so converting keeps every ID."""
    options = options or BuildOptions()
    output = output or project_output(project, options.selection)
    check_output(output, ".apkg", (*project.files, project.config.path, project.state_file))
    with deck_lock(output):
        for written in (output, project.state_file):
            clean_stale(written)
        return _build_project(project, output, options, clock)


def _build_project(
    project: Project, output: Path, options: BuildOptions, clock: Callable[[], float]
) -> BuildReport:
    started = time.perf_counter()
    cache = ProjectCache(project, output, options)
    state_bytes = _read(project.state_file)
    entry = cache.unchanged(project, state_bytes, _read(output))
    if entry is not None:
        return BuildReport(
            source=project.config.path or project.root,
            output=output,
            cards=entry.cards,
            parts=entry.parts,
            seconds=time.perf_counter() - started,
            diagnostics=entry.diagnostics,
            up_to_date=True,
        )
    previous = cache.previous_state(state_bytes) or previous_project_state(project)
    built = run_project(project, options, previous, now=int(clock()), reuse=cache)
    revision = built.revision
    deck = select_project(built, options.selection)
    theme = built.members[0].rendered.options.theme or DEFAULT_THEME
    package = write_package(
        deck,
        output,
        notetype_mtime=revision.state.notetype.mtime,
        theme=theme,
        skeletons=cache.skeletons,
    )
    state_text = dump_ledger(ProjectState(built.namespace, revision.state))
    written = write_state_text(state_text, project.state_file)
    cards = len(deck.notes)
    parts = len({(note.source.split("#")[0], note.part) for note in deck.notes})
    state = hashlib.sha256(state_text.encode()).hexdigest()
    unsaved = cache_or_warn(
        output, lambda: cache.save(built, package=package, state=state, cards=cards, parts=parts)
    )
    return BuildReport(
        source=project.config.path or project.root,
        output=output,
        cards=cards,
        parts=parts,
        seconds=time.perf_counter() - started,
        diagnostics=revision.diagnostics + unsaved,
        revision=revision,
        state_written=project.state_file if written else None,
        reparsed=sum(len(m.rendered.document.cards) for m in built.members)
        - cache.reused_cards(built),
        subdecks=project_subdecks(project, options.subdecks) is not None,
    )


def previous_project_state(project: Project) -> ProjectState | None:
    """The project's state file, else what its files' one-file states say (None: nothing)."""
    state = load_ledger(project.state_file)
    if state is not None:
        return state
    legacy = []
    for path in project.files:
        one = load_state(state_path(path))
        if one is not None:
            legacy.append((project.relative(path), one))
    adopted = adopt(legacy)
    return ProjectState(project.namespace, adopted) if adopted is not None else None


def project_output(project: Project, selection: Selection | None = None) -> Path:
    """`build/<slug of the deck>.apkg` in the project, or `…--<what was selected>.apkg`."""
    stem = slugify(project.deck) or "deck"
    label = selection.label() if selection else ""
    return safe_default(project.build_dir / (f"{stem}--{label}.apkg" if label else f"{stem}.apkg"))


def select_project(built: BuiltProject, selection: Selection) -> Deck:
    """The project's deck cut down to what `selection` picks in each file (see `select_deck`);
    a file it finds nothing in is left out, nothing in any file is an error."""
    deck = built.revision.deck
    if not selection:
        return deck
    notes: list[Note] = []
    start = 0
    for member in built.members:
        rendered = member.rendered
        end = start + len(rendered.document.cards)
        own = replace(deck, notes=deck.notes[start:end])
        start = end
        try:
            chosen = select_deck(rendered.document, own, selection, rendered.options.topics)
        except EmptySelectionError:
            continue
        notes.extend(chosen.notes)
    if not notes:
        raise DeckgenError(f"{selection.describe()} selects no card in any file of the project")
    shown = "".join(note.question + note.answer for note in notes)
    media = tuple(file for file in deck.media if file.name in shown)
    return replace(deck, notes=tuple(notes), media=media)


def check_file(
    path: Path,
    *,
    html: bool | None = None,
    overrides: SourceSettings | None = None,
    config: Config | None = None,
) -> list[Diagnostic]:
    """Every diagnostic of one source, the slow rules included, read with its settings (front
    matter, config, levels given in `overrides`); nothing is written. A file or setting that
    cannot be read is one error diagnostic."""
    given = overrides or SourceSettings()
    options = BuildOptions(
        html=html,
        part_level=given.part_level,
        question_level=given.question_level,
        config=config,
    )
    try:
        built = run(path, options, None, now=0, thorough=True, verdict=False)
    except SourceError as exc:
        return [Diagnostic(exc.path, exc.line, "error", exc.message)]
    return list(built.rendered.diagnostics)


def check_project(project: Project, options: BuildOptions | None = None) -> list[Diagnostic]:
    """Every diagnostic of every file of `project`, the slow rules included, and what matching
    its cards to the project's state finds; nothing is written. A file with no cards is a
    warning (it is left out of the deck)."""
    try:
        built = run_project(
            project,
            options or BuildOptions(),
            previous_project_state(project),
            now=0,
            thorough=True,
            verdict=False,
        )
    except SourceError as exc:
        return [Diagnostic(exc.path, exc.line, "error", exc.message)]
    return list(built.revision.diagnostics)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
