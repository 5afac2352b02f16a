"""The pipeline, written down once: read → parse → check → render → identify → assemble.

`run` is the whole of it, and every command goes through it: `build` writes what it returns
(`deckgen.api`), `status` reports its changes, `preview` draws its notes, `check` lists its
diagnostics, `--merge` joins the decks of several sources. Each stage is a plain function of the
previous stage's records; a cache (`deckgen.cache`) can hand `run` what a previous build made
of the cards that did not change (`Reuse`), and the stages then run only on the rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from markdown_it import MarkdownIt
from markdown_it.token import Token

from deckgen.anki.package import FIELDS, notetype_digest
from deckgen.anki.themes import DEFAULT_THEME
from deckgen.check.context import Rule, lint_for
from deckgen.check.rules import error_count, merged, run_rules
from deckgen.check.structure import no_cards_reason
from deckgen.config.loading import LoadedSource, load_source
from deckgen.config.settings import SourceSettings
from deckgen.deck import assemble, tag_prefix
from deckgen.errors import CheckError, SourceError
from deckgen.identity.history import NoteKey, Revision, identify, revise
from deckgen.identity.state import DeckState, NotetypeRecord
from deckgen.model import Diagnostic, Document, MediaFile, NoteFields
from deckgen.options import BuildOptions
from deckgen.parse.markdown import block_markdown, make_markdown
from deckgen.parse.shape import Shape
from deckgen.process import Progress, process_cards
from deckgen.source import read_source


@dataclass(frozen=True, slots=True)
class Rendered:
    """A source read, parsed, checked and rendered: everything a deck needs but identities."""

    text: str
    document: Document
    shape: Shape
    options: BuildOptions
    """The options that apply to this source: the given ones, front matter, config, levels."""
    diagnostics: tuple[Diagnostic, ...]
    """Everything `check` found, in line order."""
    fields: tuple[NoteFields, ...]
    """Each card's rendered fields, in card order."""
    media: tuple[MediaFile, ...]
    found: Mapping[Rule, Sequence[Diagnostic]] = field(repr=False)
    """Each rule's own diagnostics (what a cache keeps per card)."""
    blocks: tuple[Token, ...] = field(default=(), repr=False)
    """The block tokens this run parsed (inline content freed)."""
    has_images: bool = False
    answers: tuple[str | None, ...] | None = None
    """Per card, its answer digest where a previous build knew it (see `identify`)."""
    contents: tuple[tuple[NoteKey, str] | None, ...] | None = None
    """Per card, its note key and note digest where a previous build knew them (see `revise`)."""


@dataclass(frozen=True, slots=True)
class Built:
    """What the pipeline makes of one source, before anything is written."""

    rendered: Rendered
    revision: Revision
    """The deck, the state the next build starts from, and what changed since `previous`."""


class Reuse(Protocol):
    """What a previous build left that `run` may use instead of running stages again."""

    def rendered(
        self, source: Path, text: str, md: MarkdownIt, options: BuildOptions
    ) -> Rendered | None:
        """`render_source(source, text, md, options)`, made by running the stages on what
        changed only; None when that cannot be done."""


def run(
    source: Path,
    options: BuildOptions,
    previous: DeckState | None,
    *,
    now: int,
    reuse: Reuse | None = None,
    thorough: bool = False,
    verdict: bool = True,
    progress: Progress | None = None,
) -> Built:
    """Read, parse, check and render `source`, then give its cards their identities on top of
    `previous` and assemble the deck (notes changed since `previous` are stamped `now`).

    Errors `check` finds stop here (unless `options.force`, or `verdict` is False: `deckgen
    check` wants them all listed). `thorough` adds the slow rules only `check` runs.
    """
    text = read_source(source)
    md = make_markdown(allow_html=options.allow_html)
    rendered = reuse.rendered(source, text, md, options) if reuse is not None else None
    if rendered is None:
        rendered = render_source(source, text, md, options, thorough=thorough, progress=progress)
    if verdict:
        stop_on_errors(rendered, force=rendered.options.force)
    return Built(rendered, revise_rendered(rendered, previous, now=now))


def render_source(
    source: Path,
    text: str,
    md: MarkdownIt,
    options: BuildOptions,
    *,
    thorough: bool = False,
    progress: Progress | None = None,
) -> Rendered:
    """The stages that read the text: parse the blocks and settle the options, run the rules
    that read blocks and cards, then parse, check and render each card's inline content."""
    loaded, options = settle(source, text, block_markdown(options.allow_html), options)
    document = loaded.document
    lint = lint_for(document, text, loaded.tokens, loaded.shape, md, allow_html=options.allow_html)
    found = {**run_rules(lint, "document"), **run_rules(lint, "blocks")}
    cards = process_cards(
        loaded.tokens,
        document.cards,
        loaded.cards,
        md,
        lint,
        env=loaded.env,
        question_level=loaded.shape.question_level,
        thorough=thorough,
        progress=progress,
    )
    found.update(cards.found)
    return Rendered(
        text=text,
        document=document,
        shape=loaded.shape,
        options=options,
        diagnostics=merged(document, found),
        fields=cards.fields,
        media=cards.media,
        found=found,
        blocks=loaded.tokens,
        has_images=cards.has_images,
    )


def revise_rendered(rendered: Rendered, previous: DeckState | None, *, now: int) -> Revision:
    """Identify the cards against `previous`, assemble the deck, and stamp what changed."""
    document, options = rendered.document, rendered.options
    identities = identify(document, previous, tag_prefix(document), answers=rendered.answers)
    # Stamped as the previous build had them: `revise` then re-stamps only the changed notes.
    mtimes = [
        identities.known[a.known].mtime if a.known is not None else now
        for a in identities.matching.assignments
    ]
    deck = assemble(
        document, rendered.fields, rendered.media, options, ids=identities.ids, mtimes=mtimes
    )
    theme = options.theme or DEFAULT_THEME
    notetype = NotetypeRecord(notetype_digest(theme), FIELDS, now)
    revision = revise(
        document, deck, identities, previous, notetype, now=now, contents=rendered.contents
    )
    return replace(revision, diagnostics=rendered.diagnostics + revision.diagnostics)


def settle(
    path: Path, text: str, md: MarkdownIt, options: BuildOptions
) -> tuple[LoadedSource, BuildOptions]:
    """Parse `text` with `md`, and the options that apply to it: `options` where they say
    something, then the file's front matter, then the config; levels as detected."""
    overrides = SourceSettings(
        deck=options.deck_name,
        tag_prefix=options.tag_prefix,
        subdecks=options.subdecks,
        part_level=options.part_level,
        question_level=options.question_level,
        topics=options.topics,
        theme=options.theme,
    )
    loaded = load_source(path, md, overrides, options.config, text=text)
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


def stop_on_errors(rendered: Rendered, *, force: bool) -> None:
    """Raise when `check` found errors (unless `force`), or when the document has no cards."""
    path = rendered.document.path
    reason = no_cards_reason(rendered.document, rendered.shape)
    errors = error_count(rendered.diagnostics)
    if reason and errors == 1:
        raise SourceError(path, None, f"no cards: {reason}")
    if errors and (reason or not force):
        raise CheckError(path, rendered.diagnostics)


def outline(source: Path, options: BuildOptions) -> tuple[Document, BuildOptions]:
    """The parse stage alone, as `deckgen list` shows it: the parts and cards of `source` and
    the options that apply to it; no inline content is parsed. No cards is an error."""
    loaded, options = settle(source, read_source(source), block_markdown(False), options)
    reason = no_cards_reason(loaded.document, loaded.shape)
    if reason:
        raise SourceError(source, None, f"no cards: {reason}")
    return loaded.document, options
