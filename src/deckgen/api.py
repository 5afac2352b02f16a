"""deckgen as a library: one function per command, each a run of `deckgen.pipeline.run`.

`build` writes what the pipeline makes (the package, then the state file), with the build cache
around it when there is a state file; `check` lists what the pipeline's rules find. The preview
is `deckgen.preview.page.preview`, the merged package `deckgen.merge.build_merged`.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path

from deckgen.anki.package import write_package
from deckgen.anki.themes import DEFAULT_THEME
from deckgen.cache.layer import BuildCache
from deckgen.config.project import Config
from deckgen.config.settings import SourceSettings
from deckgen.deck import default_output, tag_prefix
from deckgen.errors import SourceError
from deckgen.identity.state import dump_state, load_state, state_path, write_state_text
from deckgen.model import Diagnostic
from deckgen.options import BuildOptions, BuildReport
from deckgen.pipeline import Built, run
from deckgen.process import Progress
from deckgen.select import select_deck
from deckgen.source import read_source

__all__ = [
    "BuildOptions",
    "BuildReport",
    "build",
    "check_file",
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
    started = time.perf_counter()
    output = output or default_output(source, selection=options.selection)
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
    written, cards, parts = _write(built, output, state_file, cache)
    return BuildReport(
        source=source,
        output=output,
        cards=cards,
        parts=parts,
        seconds=time.perf_counter() - started,
        diagnostics=built.revision.diagnostics,
        revision=built.revision if state_file else None,
        state_written=state_file if written else None,
        reparsed=len(built.rendered.document.cards)
        if cache is None or cache.reparsed is None
        else cache.reparsed,
        subdecks=bool(built.rendered.options.subdecks),
    )


def _write(
    built: Built, output: Path, state_file: Path | None, cache: BuildCache | None
) -> tuple[bool, int, int]:
    """The write stage: the selected notes' package, then the state file, then the cache.
    Returns whether the state file changed, and the package's card and part counts."""
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
        return False, cards, parts
    state_text = dump_state(revision.state)
    written = write_state_text(state_text, state_file)
    if cache is not None:
        state = hashlib.sha256(state_text.encode()).hexdigest()
        cache.save(built, package=package, state=state, cards=cards, parts=parts)
    return written, cards, parts


def check_file(
    path: Path,
    *,
    allow_html: bool = False,
    overrides: SourceSettings | None = None,
    config: Config | None = None,
) -> list[Diagnostic]:
    """Every diagnostic of one source, the slow rules included, read with its settings (front
    matter, config, levels given in `overrides`); nothing is written. A file or setting that
    cannot be read is one error diagnostic."""
    given = overrides or SourceSettings()
    options = BuildOptions(
        allow_html=allow_html,
        part_level=given.part_level,
        question_level=given.question_level,
        config=config,
    )
    try:
        built = run(path, options, None, now=0, thorough=True, verdict=False)
    except SourceError as exc:
        return [Diagnostic(exc.path, exc.line, "error", exc.message)]
    return list(built.rendered.diagnostics)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
