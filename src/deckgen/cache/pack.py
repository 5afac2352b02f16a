"""A snapshot (see `deckgen.cache.snapshot`) as columns, for the build cache.

A rebuild loads the previous snapshot and stores the next one every time. Pickle spends most of
its time per record: a snapshot of 3,000 cards is 3,000 records of eleven fields. Kept as one
tuple per field instead, the same strings pickle and load about twice as fast, and no string is
copied to do it.
"""

from __future__ import annotations

from deckgen.cache.snapshot import CardOutput, Heading, Snapshot
from deckgen.model import Diagnostic, Part
from deckgen.parse.shape import Shape

Column = tuple[str, ...]

PackedCards = tuple[tuple[Column, ...], tuple[int, ...], tuple[int, ...], tuple[int, ...]]
"""The string columns, part indexes, lines, and indexes into the distinct tag sets."""

PackedSnapshot = tuple[
    str,
    str | None,
    Shape,
    tuple[Part, ...],
    PackedCards,
    tuple[tuple[str, ...], ...],
    tuple[int, ...],
    tuple[Diagnostic, ...],
    tuple[tuple[Diagnostic, ...], ...],
    bool,
]

# The fields of `CardOutput` kept as string columns; `part` and `line` are kept as numbers and
# `note` as three columns: ID, Source field, and an index into the distinct tag sets.
_STRINGS = (
    "question",
    "anchor",
    "source",
    "question_html",
    "answer_html",
    "part_html",
    "answer",
    "content",
)


def pack_snapshot(snapshot: Snapshot) -> PackedSnapshot:
    """`snapshot` as columns (see the module doc)."""
    cards = snapshot.cards
    # Transposing with zip runs in C; a comprehension per field would not.
    columns = zip(*cards, strict=True) if cards else [()] * len(CardOutput._fields)
    fields = dict(zip(CardOutput._fields, columns, strict=True))
    ids, note_sources, tags = zip(*fields["note"], strict=True) if cards else [()] * 3
    tag_sets = dict.fromkeys(tags)
    number = {tag_set: index for index, tag_set in enumerate(tag_sets)}
    strings = (*(fields[name] for name in _STRINGS), ids, note_sources)
    tags_of = tuple(map(number.__getitem__, tags))
    packed_cards = (strings, fields["part"], fields["line"], tags_of)
    headings = tuple(value for h in snapshot.headings for value in h)
    return (
        snapshot.text,
        snapshot.title,
        snapshot.shape,
        snapshot.parts,
        packed_cards,
        tuple(tag_sets),
        headings,
        snapshot.parse_diagnostics,
        snapshot.local,
        snapshot.spliceable,
    )


def unpack_snapshot(packed: PackedSnapshot) -> Snapshot:
    """The snapshot `pack_snapshot` packed; ValueError when its parts do not fit together."""
    text, title, shape, parts, cards, tag_sets, headings, parse_diagnostics, local, ok = packed
    strings, part_of, lines, tags_of = cards
    count = len(lines)
    if len(strings) != len(_STRINGS) + 2 or any(
        len(column) != count for column in (*strings, part_of, tags_of)
    ):
        raise ValueError("a packed snapshot's columns disagree")
    if len(headings) % 4:
        raise ValueError("a packed snapshot's headings are cut short")
    fields: dict[str, tuple[object, ...]] = dict(zip(_STRINGS, strings, strict=False))
    ids, note_sources = strings[len(_STRINGS) :]
    tag_values = map(tag_sets.__getitem__, tags_of)
    notes = tuple(zip(ids, note_sources, tag_values, strict=True))
    fields.update(part=part_of, line=lines, note=notes)
    # `_make` builds each record in C; calling the class would run Python code per card.
    rows = zip(*(fields[name] for name in CardOutput._fields), strict=True)
    starts, ends, levels, bodied = (headings[i::4] for i in range(4))
    return Snapshot(
        text=text,
        title=title,
        shape=shape,
        parts=parts,
        cards=tuple(map(CardOutput._make, rows)),
        headings=tuple(
            map(Heading._make, zip(starts, ends, levels, map(bool, bodied), strict=True))
        ),
        parse_diagnostics=parse_diagnostics,
        local=local,
        spliceable=ok,
    )
