"""Pinned IDs: `<!-- id: … -->` under a question keeps that card's ID whatever else changes."""

from __future__ import annotations

import re

from deckgen.errors import SourceError
from deckgen.identity.ids import NOTE_ID
from deckgen.model import Card, Document

MARKER = re.compile(r"^<!--\s*id:\s*(.*?)\s*-->\s*$")
"""A line that is exactly an ID marker (the parser reads these; see `deckgen.parse.marker`)."""


def pinned_ids(document: Document) -> list[str | None]:
    """Each card's pinned ID in document order (None when it has no marker).

    A malformed ID, two markers on one card, or one ID pinned by two cards is an error at the
    marker's line: each would otherwise merge or split review histories.
    """
    pins: list[str | None] = []
    where: dict[str, int] = {}
    for card in document.cards:
        pin = _card_pin(card, document)
        if pin is not None:
            note_id, line = pin
            if note_id in where:
                raise SourceError(
                    document.path, line, f"ID {note_id} is already pinned at line {where[note_id]}"
                )
            where[note_id] = line
        pins.append(pin[0] if pin else None)
    return pins


def _card_pin(card: Card, document: Document) -> tuple[str, int] | None:
    if not card.pins:
        return None
    first, *more = card.pins
    if more:
        raise SourceError(
            document.path,
            more[0].line,
            f"second ID marker for this question (first at {first.line})",
        )
    if not NOTE_ID.match(first.id):
        raise SourceError(
            document.path,
            first.line,
            f"{first.id!r} is not an ID (letters, digits, - and _; at most 64)",
        )
    return first.id, first.line


def without_markers(markdown: str) -> str:
    """Markdown with its ID marker lines dropped: what a content digest should see."""
    if "<!--" not in markdown:
        return markdown  # no marker (nearly every answer): no line need be looked at
    return "".join(
        line for line in markdown.splitlines(keepends=True) if not MARKER.match(line.strip())
    )
