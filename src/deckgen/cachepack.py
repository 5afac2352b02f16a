"""A snapshot (see `deckgen.snapshot`) as columns, for the build cache.

A rebuild loads the previous snapshot and stores the next one every time. Pickle spends its
time per object, and a snapshot of 3,000 cards is 30,000 strings in 3,000 records; the same
strings joined into one per field pickle and load many times faster, and splitting them again
costs little.
"""

from __future__ import annotations

from collections.abc import Sequence

from deckgen.model import Diagnostic, Part
from deckgen.shape import Shape
from deckgen.snapshot import CardOutput, Heading, Snapshot

_SEP = "\x00"
"""Between the values of a column: the source may not hold it, so nothing rendered does."""

Column = str | tuple[str, ...]
"""Values joined by `_SEP`; a tuple when a value holds `_SEP` after all."""

PackedCards = tuple[int, tuple[Column, ...], tuple[int, ...], tuple[int, ...], tuple[int, ...]]
"""Card count, the string columns, part indexes, lines, indexes into the tag sets."""

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
    strings = (*(_column(fields[name]) for name in _STRINGS), _column(ids), _column(note_sources))
    tags_of = tuple(map(number.__getitem__, tags))
    packed_cards = (len(cards), strings, fields["part"], fields["line"], tags_of)
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
    count, strings, part_of, lines, tags_of = cards
    columns = [_values(column, count) for column in strings]
    if len(columns) != len(_STRINGS) + 2 or any(
        len(c) != count for c in (*columns, part_of, lines, tags_of)
    ):
        raise ValueError("a packed snapshot's columns disagree")
    if len(headings) % 4:
        raise ValueError("a packed snapshot's headings are cut short")
    fields: dict[str, Sequence[object]] = dict(zip(_STRINGS, columns[: len(_STRINGS)], strict=True))
    ids, note_sources = columns[len(_STRINGS) :]
    tag_values = map(tag_sets.__getitem__, tags_of)
    fields.update(
        part=part_of, line=lines, note=list(zip(ids, note_sources, tag_values, strict=True))
    )
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


def column(values: Sequence[str]) -> Column:
    """`values` as one column (see `Column`)."""
    return _column(values)


def column_values(packed: Column, count: int) -> list[str]:
    """The `count` values of a column; ValueError when it holds another number of them."""
    found = _values(packed, count)
    if len(found) != count:
        raise ValueError("a packed column has the wrong number of values")
    return found


def _column(values: Sequence[str]) -> Column:
    joined = _SEP.join(values)
    return joined if joined.count(_SEP) == max(len(values) - 1, 0) else tuple(values)


def _values(column: Column, count: int) -> list[str]:
    if isinstance(column, tuple):
        return list(column)
    return column.split(_SEP) if count else []
