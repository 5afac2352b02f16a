"""The collection inside a package: genanki's empty collection, then every note in one go.

genanki builds a Python object per note and writes it with a statement of its own, which on
thousands of notes costs more than everything else in a rebuild. Here genanki writes only the
empty collection (schema, decks, the notetype) and the notes and cards go in with one
`executemany` each, as exactly the rows genanki writes (`tests/test_collection.py` compares
them with genanki's own). The empty collection is kept by its inputs, so a rebuild whose decks
and notetype did not change does not load genanki at all.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Iterator, Sequence

from deckgen.model import Deck, Note

DeckLayout = tuple[tuple[str, int, bool], ...]
"""(deck name, deck ID, has notes) in the order genanki writes the decks."""

SkeletonKey = tuple[DeckLayout, str, int]
"""What the empty collection is made of: the decks, the notetype's CSS, its stamp."""

_NOTE = "INSERT INTO notes VALUES(?,?,?,?,?,?,?,?,?,?,?)"
_CARD = "INSERT INTO cards VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"


def layout(deck: Deck, deck_id: Callable[[str], int]) -> tuple[DeckLayout, list[list[Note]]]:
    """The decks in genanki's order (as first used by a note, then the top deck) and their notes."""
    grouped: dict[str, list[Note]] = {}
    for note in deck.notes:
        grouped.setdefault(note.deck, []).append(note)
    names = [*grouped, *([deck.name] if deck.name not in grouped else [])]
    decks = tuple((name, deck_id(name), name in grouped) for name in names)
    return decks, [grouped.get(name, []) for name in names]


def fill(
    empty: bytes,
    decks: DeckLayout,
    notes: Sequence[Sequence[Note]],
    *,
    notetype_id: int,
    first_id: int,
) -> bytes:
    """`empty` with `notes` (grouped as `decks`) added: the bytes of the collection file."""
    ids = itertools.count(first_id)
    card_rows: list[tuple[object, ...]] = []

    def note_rows() -> Iterator[tuple[object, ...]]:
        # Made one at a time as SQLite takes them: each holds a copy of its note's fields.
        for (_, did, _), group in zip(decks, notes, strict=True):
            for note in group:
                nid = next(ids)
                fields = (
                    f"{note.question}\x1f{note.answer}\x1f{note.part}\x1f{note.source}\x1f{note.id}"
                )
                tags = " " + " ".join(note.tags) + " "
                yield (
                    nid,
                    note.id,
                    notetype_id,
                    note.mtime,
                    -1,
                    tags,
                    fields,
                    note.question,
                    0,
                    0,
                    "",
                )
                # As genanki: the card exists when its front shows something (Question or Part).
                if note.question or note.part:
                    card_rows.append(
                        (
                            next(ids),
                            nid,
                            did,
                            0,
                            note.mtime,
                            -1,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            "",
                        )
                    )

    conn = sqlite3.connect(":memory:")
    try:
        conn.deserialize(empty)
        conn.executemany(_NOTE, note_rows())
        conn.executemany(_CARD, card_rows)
        conn.commit()
        return conn.serialize()
    finally:
        conn.close()
