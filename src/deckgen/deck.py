"""Assembling a deck: each card's rendered fields become a note with its ID, tags, deck and mtime."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from deckgen.model import Deck, Document, MediaFile, Note, NoteFields
from deckgen.options import BuildOptions
from deckgen.select import Selection, part_topics
from deckgen.slug import slugify


def deck_name(document: Document, options: BuildOptions) -> str:
    """`--deck`, else the `# Title`, else the file name."""
    name = options.deck_name or document.title or document.stem
    return " ".join(name.split())


def tag_prefix(document: Document) -> str:
    """The file's namespace: the default top of its tags, and what its IDs are hashed under."""
    return slugify(document.stem) or "deck"


def assemble(
    document: Document,
    fields: Sequence[NoteFields],
    media: tuple[MediaFile, ...],
    options: BuildOptions,
    *,
    ids: Sequence[str],
    mtimes: Sequence[int],
) -> Deck:
    """The deck of `document`: one note per card, with the card's rendered `fields`, its ID from
    `ids`, its part's tags and its mtime from `mtimes`, in a deck (or part subdeck) of its own."""
    name = deck_name(document, options)
    prefix = options.tag_prefix or tag_prefix(document)
    topics = part_topics(document, options.topics)
    # A card's tags are its part's: made once per part, not once per card.
    tags = {
        part: (
            f"{prefix}::{part.tag_name}",
            *(f"{prefix}::topic::{topic}" for topic in topics[part]),
        )
        for part in {card.part for card in document.cards}
    }
    notes = []
    for card, card_fields, note_id, mtime in zip(document.cards, fields, ids, mtimes, strict=True):
        subdeck = f"{name}::{card.part.heading.replace('::', ':').strip()}"
        notes.append(
            Note(
                id=note_id,
                question=card_fields.question,
                answer=card_fields.answer,
                part=card_fields.part,
                source=f"{document.path.name}#{card.anchor}",
                tags=tags[card.part],
                deck=subdeck if options.subdecks else name,
                mtime=mtime,
            )
        )
    return Deck(name, tuple(notes), media)


def default_output(
    source: Path, build_dir: Path = Path("build"), selection: Selection | None = None
) -> Path:
    """`build/<stem>.apkg`, or `build/<stem>--<what was selected>.apkg` for a subset."""
    label = selection.label() if selection else ""
    return build_dir / (f"{source.stem}--{label}.apkg" if label else f"{source.stem}.apkg")
