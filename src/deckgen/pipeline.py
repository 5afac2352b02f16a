"""The pipeline, written down once: read → parse → identify → render → package."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from markdown_it import MarkdownIt

from deckgen.anki.themes import DEFAULT_THEME
from deckgen.check.structure import no_cards_reason
from deckgen.errors import CheckError, SourceError
from deckgen.identity.ids import question_ids
from deckgen.model import Deck, Diagnostic, Document, Note, NoteFields
from deckgen.parse.markdown import make_markdown
from deckgen.parse.shape import Shape
from deckgen.render.fields import render_answer, render_inline_source, render_question
from deckgen.render.media import ENV_KEY as MEDIA_ENV_KEY
from deckgen.render.media import plan_media
from deckgen.render.sanitize import sanitize_html
from deckgen.select import Selection, Topic, part_topics, select_deck
from deckgen.slug import slugify

if TYPE_CHECKING:
    # Imported where used: a build the cache spares reads no source (loading, config), and
    # `deckgen list` checks, identifies and packages nothing (check, history, state, package).
    from deckgen.anki.package import PackageWrite
    from deckgen.config.loading import LoadedSource
    from deckgen.config.project import Config
    from deckgen.identity.history import NoteKey, Revision
    from deckgen.identity.state import DeckState


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """How to turn a source into a deck; every field has the default a new user expects."""

    deck_name: str | None = None
    """Overrides the document's `# Title`."""
    subdecks: bool | None = None
    """Put each part in its own subdeck (tags are the default way to filter); None: as configured."""
    allow_html: bool = False
    """Pass raw HTML in the source through (sanitised) instead of escaping it."""
    force: bool = False
    """Write the deck even when `check` finds errors."""
    selection: Selection = field(default_factory=Selection)
    """Which cards go into the package; a subset keeps the full deck's IDs and deck name."""
    tag_prefix: str | None = None
    """The top of every tag (default: the file name); IDs never depend on it."""
    topics: tuple[Topic, ...] = ()
    """Named groups of parts; each card also gets `<prefix>::topic::<name>`."""
    part_level: int | None = None
    """Heading level of parts (0: none); None detects it."""
    question_level: int | None = None
    """Heading level of questions; None detects it."""
    config: Config | None = None
    """Project settings; the fields above, when given, win over it and over front matter."""
    theme: str | None = None
    """The card theme (CSS only: switching keeps every note and its history); None: the
    file's front matter or the config, else the default theme."""


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
    state_written: Path | None = None
    """The state file, when this build created or changed it."""
    up_to_date: bool = False
    """Nothing changed since the previous build, so nothing was written."""
    reparsed: int | None = None
    """How many cards were parsed and rendered (all of them unless the cache spared some)."""
    subdecks: bool = False
    """Each part went into its own subdeck (the options as they settled: flag, front matter,
    config)."""


def load_document(path: Path, md: MarkdownIt, options: BuildOptions | None = None) -> Document:
    """Read and parse a source; a document without a single card is an error that says why."""
    return load_with_settings(path, md, options or BuildOptions())[0]


def load_with_settings(
    path: Path, md: MarkdownIt, options: BuildOptions
) -> tuple[Document, BuildOptions]:
    """The document and the options that apply to it (see `settled`); no cards is an error."""
    loaded, options = settled(path, md, options)
    reason = no_cards_reason(loaded.document, loaded.shape)
    if reason:
        raise SourceError(path, None, f"no cards: {reason}")
    return loaded.document, options


def load_checked(
    path: Path, md: MarkdownIt, options: BuildOptions
) -> tuple[Document, tuple[Diagnostic, ...], BuildOptions]:
    """Read, parse and check a source; errors stop here unless `options.force`.

    Also returns the options that apply to this source (see `settled`).
    """
    from deckgen.check.rules import check_document

    loaded, options = settled(path, md, options)
    document = loaded.document
    diagnostics = tuple(
        check_document(
            loaded.text,
            document,
            allow_html=options.allow_html,
            shape=loaded.shape,
            tokens=loaded.tokens,
        )
    )
    stop_on_errors(path, document, diagnostics, loaded.shape, force=options.force)
    return document, diagnostics, options


def stop_on_errors(
    path: Path,
    document: Document,
    diagnostics: Sequence[Diagnostic],
    shape: Shape,
    *,
    force: bool,
) -> None:
    """Raise when `check` found errors (unless `force`), or when the document has no cards."""
    from deckgen.check.rules import error_count

    reason = no_cards_reason(document, shape)
    errors = error_count(diagnostics)
    if reason and errors == 1:
        raise SourceError(path, None, f"no cards: {reason}")
    if errors and (reason or not force):
        raise CheckError(path, tuple(diagnostics))


def settled(path: Path, md: MarkdownIt, options: BuildOptions) -> tuple[LoadedSource, BuildOptions]:
    """Read and parse `path`, and the options that apply to it: `options` where they say
    something, then the file's front matter, then the config; levels as detected."""
    from deckgen.config.loading import load_source
    from deckgen.config.settings import SourceSettings

    overrides = SourceSettings(
        deck=options.deck_name,
        tag_prefix=options.tag_prefix,
        subdecks=options.subdecks,
        part_level=options.part_level,
        question_level=options.question_level,
        topics=options.topics,
        theme=options.theme,
    )
    loaded = load_source(path, md, overrides, options.config)
    settings, shape = loaded.settings, loaded.shape
    return loaded, replace(
        options,
        deck_name=settings.deck,
        tag_prefix=settings.tag_prefix,
        subdecks=bool(settings.subdecks),
        topics=settings.topics,
        part_level=shape.part_level or 0,
        question_level=shape.question_level,
        theme=settings.theme or DEFAULT_THEME,
    )


def deck_name(document: Document, options: BuildOptions) -> str:
    """`--deck`, else the `# Title`, else the file name."""
    name = options.deck_name or document.title or document.stem
    return " ".join(name.split())


def tag_prefix(document: Document) -> str:
    """The file's namespace: the default top of its tags, and what its IDs are hashed under."""
    return slugify(document.stem) or "deck"


def make_deck(
    document: Document,
    md: MarkdownIt,
    options: BuildOptions,
    *,
    mtime: int | None = None,
    mtimes: Sequence[int] | None = None,
    ids: Sequence[str] | None = None,
    rendered: Sequence[NoteFields | None] | None = None,
) -> Deck:
    """Render every card of `document` into the notes of one deck.

    `ids` are the cards' identities (see `deckgen.identity.history.identify`); by default each card
    gets the ID of its question text. `rendered` holds, per card, fields a previous build
    rendered from the same Markdown (None: render this card). Notes are stamped `mtimes`, one
    per card, else `mtime`, else now.
    """
    name = deck_name(document, options)
    prefix = options.tag_prefix or tag_prefix(document)
    stamp = int(time.time()) if mtime is None else mtime
    if ids is None:
        ids = question_ids(tag_prefix(document), [card.question for card in document.cards])
    topics = part_topics(document, options.topics)
    # Part headings are parsed once per part, not once per card.
    part_html: dict[str, str] = {}
    media = plan_media(
        (token for card in document.cards for token in (card.heading, *card.answer)),
        document.path,
    )
    env = {MEDIA_ENV_KEY: media.names}

    def clean(html: str) -> str:
        return sanitize_html(html, media.names) if options.allow_html else html

    # A card's tags are its part's: made once per part, not once per card.
    tags = {
        part: (
            f"{prefix}::{part.tag_name}",
            *(f"{prefix}::topic::{topic}" for topic in topics[part]),
        )
        for part in {card.part for card in document.cards}
    }
    notes = []
    for index, (card, note_id) in enumerate(zip(document.cards, ids, strict=True)):
        subdeck = f"{name}::{card.part.heading.replace('::', ':').strip()}"
        fields = rendered[index] if rendered is not None else None
        if fields is None:
            heading = card.part.heading
            if heading not in part_html:
                part_html[heading] = clean(render_inline_source(heading, md))
            fields = NoteFields(
                clean(render_question(card, md, env)),
                clean(render_answer(card, md, env)),
                part_html[heading],
            )
        notes.append(
            Note(
                id=note_id,
                question=fields.question,
                answer=fields.answer,
                part=fields.part,
                source=f"{document.path.name}#{card.anchor}",
                tags=tags[card.part],
                deck=subdeck if options.subdecks else name,
                mtime=stamp if mtimes is None else mtimes[index],
            )
        )
    return Deck(name, tuple(notes), media.files)


def default_output(
    source: Path, build_dir: Path = Path("build"), selection: Selection | None = None
) -> Path:
    """`build/<stem>.apkg`, or `build/<stem>--<what was selected>.apkg` for a subset."""
    label = selection.label() if selection else ""
    return build_dir / (f"{source.stem}--{label}.apkg" if label else f"{source.stem}.apkg")


def revise_source(
    source: Path, options: BuildOptions, previous: DeckState | None, *, now: int
) -> tuple[Document, Revision]:
    """What building `source` on top of `previous` gives, without writing anything.

    The revision's diagnostics are the source's check results, then any ambiguous matches.
    """
    document, revision, _ = revise_settled(source, options, previous, now=now)
    return document, revision


def revise_settled(
    source: Path, options: BuildOptions, previous: DeckState | None, *, now: int
) -> tuple[Document, Revision, BuildOptions]:
    """`revise_source`, and the options that apply to `source` (see `settled`).

    The revision always covers the whole document, whatever `options.selection` says, so a
    filtered build never records unselected cards as removed.
    """
    md = make_markdown(allow_html=options.allow_html)
    document, diagnostics, options = load_checked(source, md, options)
    revision = revise_document(document, diagnostics, options, md, previous, now=now)
    return document, revision, options


def revise_document(
    document: Document,
    diagnostics: tuple[Diagnostic, ...],
    options: BuildOptions,
    md: MarkdownIt,
    previous: DeckState | None,
    *,
    now: int,
    rendered: Sequence[NoteFields | None] | None = None,
    answers: Sequence[str | None] | None = None,
    contents: Sequence[tuple[NoteKey, str] | None] | None = None,
) -> Revision:
    """A checked document (see `load_checked`) made into a deck on top of `previous`.

    `rendered`, `answers` and `contents` are per-card results a previous build left (see
    `make_deck`, `deckgen.identity.history.identify` and `deckgen.identity.history.revise`).
    """
    from deckgen.anki.package import FIELDS, notetype_digest
    from deckgen.identity.history import identify, revise
    from deckgen.identity.state import NotetypeRecord

    identities = identify(document, previous, tag_prefix(document), answers=answers)
    # Stamped as the previous build had them: `revise` then re-stamps only the changed notes.
    mtimes = [
        identities.known[a.known].mtime if a.known is not None else now
        for a in identities.matching.assignments
    ]
    deck = make_deck(
        document, md, options, mtime=now, mtimes=mtimes, ids=identities.ids, rendered=rendered
    )
    notetype = NotetypeRecord(notetype_digest(options.theme or DEFAULT_THEME), FIELDS, now)
    revision = revise(document, deck, identities, previous, notetype, now=now, contents=contents)
    return replace(revision, diagnostics=diagnostics + revision.diagnostics)


def build(
    source: Path,
    output: Path | None = None,
    options: BuildOptions | None = None,
    *,
    state_file: Path | None = None,
    clock: Callable[[], float] = time.time,
    progress: Callable[[int, int], None] | None = None,
) -> BuildReport:
    """Build one source file into one `.apkg`.

    With `state_file` (the CLI passes `state_path(source)`), cards keep the IDs and mtimes of the
    previous build recorded there, and the file is updated after the package is written.
    Without it, IDs come from the question text and every note is stamped `clock()`.
    With a state file the build also keeps a cache beside the output (see `deckgen.cache.layer`),
    and `progress(done, total)` hears about each card rendered.
    """
    return _build(source, output, options or BuildOptions(), state_file, clock, progress)


def package_selected(
    document: Document, revision: Revision, options: BuildOptions, output: Path
) -> tuple[Deck, PackageWrite]:
    """Start writing the notes `options.selection` picks from `revision` to `output`: those
    notes, and the write to `wait` for (see `deckgen.anki.package.start_package`)."""
    from deckgen.anki.package import start_package

    deck = select_deck(document, revision.deck, options.selection, options.topics)
    writing = start_package(
        deck,
        output,
        notetype_mtime=revision.state.notetype.mtime,
        theme=options.theme or DEFAULT_THEME,
    )
    return deck, writing


def _build(
    source: Path,
    output: Path | None,
    options: BuildOptions,
    state_file: Path | None,
    clock: Callable[[], float],
    progress: Callable[[int, int], None] | None,
) -> BuildReport:
    if state_file is not None:
        from deckgen.cache.layer import cached_build

        output = output or default_output(source, selection=options.selection)
        return cached_build(source, output, options, state_file, clock, progress)
    started = time.perf_counter()
    document, revision, options = revise_settled(source, options, None, now=int(clock()))
    output = output or default_output(source, selection=options.selection)
    deck, writing = package_selected(document, revision, options, output)
    writing.wait()
    return BuildReport(
        source=source,
        output=output,
        cards=len(deck.notes),
        parts=len({note.part for note in deck.notes}),
        seconds=time.perf_counter() - started,
        diagnostics=revision.diagnostics,
        subdecks=bool(options.subdecks),
    )
