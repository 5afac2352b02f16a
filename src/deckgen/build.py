"""The pipeline, written down once: read → parse → identify → render → package."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

from deckgen.errors import SourceError
from deckgen.identity import question_ids
from deckgen.markdown import make_markdown
from deckgen.model import Deck, Diagnostic, Document, Note
from deckgen.parse import parse_document
from deckgen.render import render_answer, render_inline_source, render_question
from deckgen.slug import slugify
from deckgen.source import read_source


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """How to turn a source into a deck; every field has the default a new user expects."""

    deck_name: str | None = None
    """Overrides the document's `# Title`."""
    subdecks: bool = False
    """Put each part in its own subdeck (tags are the default way to filter)."""
    allow_html: bool = False
    """Pass raw HTML in the source through instead of escaping it."""


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What a build did, for the one-line summary."""

    source: Path
    output: Path
    cards: int
    parts: int
    seconds: float
    diagnostics: tuple[Diagnostic, ...] = ()


def load_document(path: Path, md: MarkdownIt) -> Document:
    """Read and parse a source; a document without a single card is an error that says why."""
    document = parse_document(read_source(path), path, md)
    if not document.cards:
        if any(d.message.startswith("question has no answer") for d in document.diagnostics):
            reason = "no question has an answer"
        elif not document.parts:
            reason = "no part headings (`## …`) found"
        else:
            reason = "no question headings (`### …`) under any part"
        raise SourceError(path, None, f"no cards: {reason}")
    return document


def deck_name(document: Document, options: BuildOptions) -> str:
    """`--deck`, else the `# Title`, else the file name."""
    name = options.deck_name or document.title or document.stem
    return " ".join(name.split())


def tag_prefix(document: Document) -> str:
    """The top of every tag this document's notes carry."""
    return slugify(document.stem) or "deck"


def make_deck(
    document: Document, md: MarkdownIt, options: BuildOptions, *, mtime: int | None = None
) -> Deck:
    """Render every card of `document` into the notes of one deck."""
    name = deck_name(document, options)
    prefix = tag_prefix(document)
    stamp = int(time.time()) if mtime is None else mtime
    ids = question_ids(prefix, [card.question for card in document.cards])
    # Part headings are parsed once per part, not once per card.
    part_html = {part: render_inline_source(part.heading, md) for part in document.parts}
    notes = []
    for card, note_id in zip(document.cards, ids, strict=True):
        subdeck = f"{name}::{card.part.heading.replace('::', ':').strip()}"
        notes.append(
            Note(
                id=note_id,
                question=render_question(card, md),
                answer=render_answer(card, md),
                part=part_html.get(card.part) or render_inline_source(card.part.heading, md),
                source=f"{document.path.name}#{card.anchor}",
                tags=(f"{prefix}::{card.part.tag_name}",),
                deck=subdeck if options.subdecks else name,
                mtime=stamp,
            )
        )
    return Deck(name, tuple(notes))


def default_output(source: Path, build_dir: Path = Path("build")) -> Path:
    """`build/<stem>.apkg`."""
    return build_dir / f"{source.stem}.apkg"


def build(
    source: Path, output: Path | None = None, options: BuildOptions | None = None
) -> BuildReport:
    """Build one source file into one `.apkg`."""
    from deckgen.package import write_package

    options = options or BuildOptions()
    started = time.perf_counter()
    md = make_markdown(allow_html=options.allow_html)
    document = load_document(source, md)
    deck = make_deck(document, md, options)
    output = output or default_output(source)
    write_package(deck, output, subdecks=options.subdecks)
    return BuildReport(
        source=source,
        output=output,
        cards=len(deck.notes),
        parts=len({card.part for card in document.cards}),
        seconds=time.perf_counter() - started,
        diagnostics=document.diagnostics,
    )
