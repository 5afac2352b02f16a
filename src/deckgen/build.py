"""The pipeline, written down once: read → parse → identify → render → package."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from markdown_it import MarkdownIt

from deckgen.check import check_document, error_count, no_cards_reason
from deckgen.errors import CheckError, SourceError
from deckgen.history import Revision, identify, revise
from deckgen.identity import question_ids
from deckgen.markdown import make_markdown
from deckgen.media import ENV_KEY as MEDIA_ENV_KEY
from deckgen.media import plan_media
from deckgen.model import Deck, Diagnostic, Document, Note
from deckgen.parse import parse_document
from deckgen.render import render_answer, render_inline_source, render_question
from deckgen.sanitize import sanitize_html
from deckgen.slug import slugify
from deckgen.source import read_source
from deckgen.state import DeckState, NotetypeRecord, load_state, save_state


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """How to turn a source into a deck; every field has the default a new user expects."""

    deck_name: str | None = None
    """Overrides the document's `# Title`."""
    subdecks: bool = False
    """Put each part in its own subdeck (tags are the default way to filter)."""
    allow_html: bool = False
    """Pass raw HTML in the source through (sanitised) instead of escaping it."""
    force: bool = False
    """Write the deck even when `check` finds errors."""


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What a build did, for the one-line summary."""

    source: Path
    output: Path
    cards: int
    parts: int
    seconds: float
    diagnostics: tuple[Diagnostic, ...] = ()
    revision: Revision | None = None
    """What changed since the previous build; None when the build kept no state."""


def load_document(path: Path, md: MarkdownIt) -> Document:
    """Read and parse a source; a document without a single card is an error that says why."""
    document = parse_document(read_source(path), path, md)
    reason = no_cards_reason(document)
    if reason:
        raise SourceError(path, None, f"no cards: {reason}")
    return document


def load_checked(
    path: Path, md: MarkdownIt, options: BuildOptions
) -> tuple[Document, tuple[Diagnostic, ...]]:
    """Read, parse and check a source; errors stop here unless `options.force`."""
    text = read_source(path)
    document = parse_document(text, path, md)
    diagnostics = tuple(check_document(text, document, allow_html=options.allow_html))
    reason = no_cards_reason(document)
    errors = error_count(diagnostics)
    if reason and errors == 1:
        raise SourceError(path, None, f"no cards: {reason}")
    if errors and (reason or not options.force):
        raise CheckError(path, diagnostics)
    return document, diagnostics


def deck_name(document: Document, options: BuildOptions) -> str:
    """`--deck`, else the `# Title`, else the file name."""
    name = options.deck_name or document.title or document.stem
    return " ".join(name.split())


def tag_prefix(document: Document) -> str:
    """The top of every tag this document's notes carry."""
    return slugify(document.stem) or "deck"


def make_deck(
    document: Document,
    md: MarkdownIt,
    options: BuildOptions,
    *,
    mtime: int | None = None,
    ids: Sequence[str] | None = None,
) -> Deck:
    """Render every card of `document` into the notes of one deck.

    `ids` are the cards' identities (see `deckgen.history.identify`); by default each card
    gets the ID of its question text.
    """
    name = deck_name(document, options)
    prefix = tag_prefix(document)
    stamp = int(time.time()) if mtime is None else mtime
    if ids is None:
        ids = question_ids(prefix, [card.question for card in document.cards])
    # Part headings are parsed once per part, not once per card.
    part_html = {part: render_inline_source(part.heading, md) for part in document.parts}
    media = plan_media(
        (token for card in document.cards for token in (card.heading, *card.answer)),
        document.path,
    )
    env = {MEDIA_ENV_KEY: media.names}
    clean = sanitize_html if options.allow_html else str
    notes = []
    for card, note_id in zip(document.cards, ids, strict=True):
        subdeck = f"{name}::{card.part.heading.replace('::', ':').strip()}"
        notes.append(
            Note(
                id=note_id,
                question=clean(render_question(card, md, env)),
                answer=clean(render_answer(card, md, env)),
                part=clean(part_html.get(card.part) or render_inline_source(card.part.heading, md)),
                source=f"{document.path.name}#{card.anchor}",
                tags=(f"{prefix}::{card.part.tag_name}",),
                deck=subdeck if options.subdecks else name,
                mtime=stamp,
            )
        )
    return Deck(name, tuple(notes), media.files)


def default_output(source: Path, build_dir: Path = Path("build")) -> Path:
    """`build/<stem>.apkg`."""
    return build_dir / f"{source.stem}.apkg"


def revise_source(
    source: Path, options: BuildOptions, previous: DeckState | None, *, now: int
) -> tuple[Document, Revision]:
    """What building `source` on top of `previous` gives, without writing anything.

    The revision's diagnostics are the source's check results, then any ambiguous matches.
    """
    from deckgen.package import FIELDS, notetype_digest

    md = make_markdown(allow_html=options.allow_html)
    document, diagnostics = load_checked(source, md, options)
    identities = identify(document, previous, tag_prefix(document))
    deck = make_deck(document, md, options, mtime=now, ids=identities.ids)
    notetype = NotetypeRecord(notetype_digest(), FIELDS, now)
    revision = revise(document, deck, identities, previous, notetype, now=now)
    return document, replace(revision, diagnostics=diagnostics + revision.diagnostics)


def build(
    source: Path,
    output: Path | None = None,
    options: BuildOptions | None = None,
    *,
    state_file: Path | None = None,
    clock: Callable[[], float] = time.time,
) -> BuildReport:
    """Build one source file into one `.apkg`.

    With `state_file` (the CLI passes `state_path(source)`), cards keep the IDs and mtimes of the
    previous build recorded there, and the file is updated after the package is written.
    Without it, IDs come from the question text and every note is stamped `clock()`.
    """
    from deckgen.package import write_package

    options = options or BuildOptions()
    started = time.perf_counter()
    previous = load_state(state_file) if state_file is not None else None
    document, revision = revise_source(source, options, previous, now=int(clock()))
    output = output or default_output(source)
    write_package(
        revision.deck,
        output,
        subdecks=options.subdecks,
        notetype_mtime=revision.state.notetype.mtime,
    )
    if state_file is not None:
        save_state(revision.state, state_file)
    return BuildReport(
        source=source,
        output=output,
        cards=len(revision.deck.notes),
        parts=len({card.part for card in document.cards}),
        seconds=time.perf_counter() - started,
        diagnostics=revision.diagnostics,
        revision=revision if state_file is not None else None,
    )
