"""Builds that remember: skip a build whose inputs did not change, re-parse only what did.

`cached_build` is `deckgen.pipeline.build` with a state file and a cache (see
`deckgen.cache.store`). Its package and state are byte for byte what a build from scratch writes;
the tests hold it to that for many random edits.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from markdown_it import MarkdownIt

from deckgen.anki.package import known_skeleton, known_stylesheet, notetype_css, skeletons
from deckgen.anki.themes import DEFAULT_THEME
from deckgen.cache.incremental import respliced
from deckgen.cache.landing import land
from deckgen.cache.pack import pack_snapshot, unpack_snapshot
from deckgen.cache.snapshot import (
    LOCAL_RULES,
    Snapshot,
    headings_of,
    merged,
    run_rules,
    snapshot_of,
    spliceable,
)
from deckgen.cache.store import (
    CacheEntry,
    cache_key,
    cache_path,
    load_cache,
    pack_state,
    unpack_state,
)
from deckgen.check.context import Lint
from deckgen.identity.history import Revision
from deckgen.identity.ids import normalize_question, remember_normalized
from deckgen.identity.state import DeckState, load_state
from deckgen.model import Document, NoteFields
from deckgen.parse.markdown import make_markdown
from deckgen.pipeline import (
    BuildOptions,
    BuildReport,
    package_selected,
    revise_document,
    settled,
    stop_on_errors,
)
from deckgen.render.media import find_images
from deckgen.source import read_source


def cached_build(
    source: Path,
    output: Path,
    options: BuildOptions,
    state_file: Path,
    clock: Callable[[], float],
    progress: Callable[[int, int], None] | None = None,
) -> BuildReport:
    """Build `source` into `output`, updating `state_file`, with the help of the cache.

    `progress(done, total)` hears about the cards rendered, when all of them are.
    """
    started = time.perf_counter()
    key = cache_key(str(source), str(output), str(state_file), options)
    where = cache_path(output)
    cached = load_cache(where, key)
    entry, files = cached if cached is not None else (None, {})
    if not isinstance(entry, CacheEntry):
        entry = None
    text = read_source(source)
    state_bytes = _read(state_file)
    state_digest = _digest(state_bytes) if state_bytes is not None else None
    if entry is not None and files.get("state") != state_digest:
        entry = None  # the state was edited (or merged) by hand since: trust only the file
    source_digest = _digest(text.encode())
    if entry is not None and entry.source == source_digest:
        package = _read(output)
        if package is not None and _digest(package) == files.get("package"):
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
    snapshot = _unpacked(entry)
    if snapshot is None:
        entry = None
    previous = unpack_state(entry.state) if entry is not None else load_state(state_file)
    if entry is not None:
        known_stylesheet(*entry.stylesheet)
        known_skeleton(*entry.skeleton)
    now = int(clock())
    md = make_markdown(allow_html=options.allow_html)
    revised = None
    if entry is not None and snapshot is not None:
        revised = _revise_spliced(entry, snapshot, text, source, md, previous, now, options.force)
    if revised is None:
        revised = _revise_full(source, text, md, options, previous, now, progress)
    document, revision, settled_options, snapshot, reparsed = revised
    deck, writing = package_selected(document, revision, settled_options, output)
    theme = settled_options.theme or DEFAULT_THEME
    parts = len({note.part for note in deck.notes})

    def next_entry() -> CacheEntry:
        return CacheEntry(
            snapshot=pack_snapshot(snapshot),
            options=settled_options,
            source=source_digest if snapshot.text == text else _digest(snapshot.text.encode()),
            state=pack_state(revision.state),
            diagnostics=revision.diagnostics,
            cards=len(deck.notes),
            parts=parts,
            stylesheet=(theme, notetype_css(theme)),
            skeleton=(writing.skeleton, skeletons()[writing.skeleton]),
            normalized=tuple(normalize_question(card.question) for card in snapshot.cards),
        )

    written = land(writing, revision.state, state_file, where, key, next_entry)
    return BuildReport(
        source=source,
        output=output,
        cards=len(deck.notes),
        parts=parts,
        seconds=time.perf_counter() - started,
        diagnostics=revision.diagnostics,
        revision=revision,
        state_written=state_file if written else None,
        reparsed=reparsed,
        subdecks=bool(settled_options.subdecks),
    )


_Revised = tuple[Document, Revision, BuildOptions, Snapshot, int]


def _revise_full(
    source: Path,
    text: str,
    md: MarkdownIt,
    options: BuildOptions,
    previous: DeckState | None,
    now: int,
    progress: Callable[[int, int], None] | None,
) -> _Revised:
    """`deckgen.pipeline.revise_settled`, keeping what the next build needs.

    The inline content is parsed card by card (see `deckgen.process`) when that gives the same.
    """
    from deckgen.process import block_markdown, stream, streamable  # a full build's only

    streaming = streamable(text, md)
    parser = block_markdown(options.allow_html) if streaming else md
    loaded, options = settled(source, parser, options)
    document = loaded.document
    lint = Lint(
        path=document.path,
        lines=tuple(loaded.text.splitlines()),
        tokens=loaded.tokens,
        document=document,
        allow_html=options.allow_html,
        max_nesting=int(md.options["maxNesting"]),
        shape=loaded.shape,
    )
    rendered: list[NoteFields] | None = None
    if streaming:
        streamed = stream(
            loaded.tokens,
            document.cards,
            md,
            lint,
            question_level=loaded.shape.question_level,
            progress=progress,
        )
        found, rendered, has_images = streamed.found, streamed.rendered, streamed.has_images
        diagnostics = merged(document, found)
    else:
        diagnostics, found = run_rules(lint)
        has_images = any(True for _ in find_images(loaded.tokens))
    stop_on_errors(source, document, diagnostics, loaded.shape, force=options.force)
    revision = revise_document(
        document, diagnostics, options, md, previous, now=now, rendered=rendered
    )
    if streaming:
        revision = replace(revision, deck=replace(revision.deck, media=streamed.media))
    snapshot = snapshot_of(
        loaded.text,
        document,
        revision,
        loaded.shape,
        headings_of(loaded.tokens),
        tuple(tuple(found[rule]) for rule in LOCAL_RULES),
        spliceable=spliceable(loaded.text, loaded.tokens, found, has_images=has_images),
    )
    return document, revision, options, snapshot, len(document.cards)


def _revise_spliced(
    entry: CacheEntry,
    snapshot: Snapshot,
    text: str,
    source: Path,
    md: MarkdownIt,
    previous: DeckState | None,
    now: int,
    force: bool,
) -> _Revised | None:
    options = replace(entry.options, force=force)
    shape = snapshot.shape
    lint = Lint(
        path=source,
        lines=(),
        tokens=(),
        document=Document(source, None, (), ()),
        allow_html=options.allow_html,
        max_nesting=int(md.options["maxNesting"]),
        shape=shape,
    )
    splice = respliced(snapshot, text, source, md, lint)
    if splice is None:
        return None
    document = splice.document
    stop_on_errors(source, document, splice.diagnostics, shape, force=options.force)
    revision = revise_document(
        document,
        splice.diagnostics,
        options,
        md,
        previous,
        now=now,
        rendered=splice.rendered,
        answers=splice.answers,
        contents=splice.contents,
    )
    snapshot = snapshot_of(
        text, document, revision, shape, splice.headings, splice.local, spliceable=True
    )
    return document, revision, options, snapshot, splice.reparsed


def _unpacked(entry: CacheEntry | None) -> Snapshot | None:
    """The entry's snapshot; None without an entry, or when its columns do not fit together."""
    if entry is None:
        return None
    try:
        snapshot = unpack_snapshot(entry.snapshot)
        questions = [card.question for card in snapshot.cards]
        remember_normalized(questions, entry.normalized)
    except (ValueError, TypeError, IndexError):
        return None
    return snapshot


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
