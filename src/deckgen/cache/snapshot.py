"""What one build of a source leaves for the next: its cards as rendered, its headings, and the
diagnostics of the `tokens` rules (see `deckgen.cache.incremental`), as named records."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markdown_it.token import Token

from deckgen.check.context import Rule
from deckgen.check.rules import rules
from deckgen.identity.history import NoteKey, Revision
from deckgen.model import Diagnostic, Document, NoteFields, Part
from deckgen.parse.marker import TOKEN as MARKER_TOKEN
from deckgen.parse.shape import Features, Reading, Shape, bodies_of, heading_bodies

# Anything that could be a link reference definition, which changes links in every card.
REFERENCE = re.compile(r"\]:")
# Line breaks Python splits on but markdown-it does not (or normalises): lines would not match.
ODD_BREAKS = re.compile("[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


@dataclass(frozen=True, slots=True)
class CardOutputs:
    """What a build made of its cards, enough to reuse them without parsing them again: one
    named column per field, the i-th card's value at index i of each (a record per card would
    be made, pickled and made again for every card of every build)."""

    question: tuple[str, ...]
    part: tuple[int, ...]
    """Index into `Snapshot.parts`."""
    line: tuple[int, ...]
    """The line of the card's heading, ascending."""
    anchor: tuple[str, ...]
    source: tuple[str, ...]
    fields: tuple[NoteFields, ...]
    answer: tuple[str, ...]
    """`deckgen.identity.history.answer_digest` of the card."""
    note: tuple[NoteKey, ...]
    """The note's ID, Source field and tags when `content` was taken."""
    content: tuple[str, ...]
    """`deckgen.identity.history.note_digest` of the note these fields went into."""

    def __len__(self) -> int:
        return len(self.line)


@dataclass(frozen=True, slots=True)
class Heading:
    """A top-level heading: its lines (0-based, end exclusive), level, and whether it has a body."""

    start: int
    end: int
    level: int
    bodied: bool
    asks: Features = (False, None, False, False)
    """What shape detection reads off it (see `deckgen.parse.shape.heading_bodies`)."""

    def moved(self, delta: int) -> Heading:
        """The same heading `delta` lines further down."""
        return Heading(self.start + delta, self.end + delta, self.level, self.bodied, self.asks)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What one build of a source leaves for the next."""

    text: str
    title: str | None
    shape: Shape
    parts: tuple[Part, ...]
    cards: CardOutputs
    headings: tuple[Heading, ...]
    parse_diagnostics: tuple[Diagnostic, ...]
    """The parser's own diagnostics (`Document.diagnostics`)."""
    local: tuple[tuple[Diagnostic, ...], ...]
    """The diagnostics of each `tokens` rule (`deckgen.check.rules.rules("tokens")`)."""
    spliceable: bool
    """False when something in the document reaches across cards: the next build parses all."""


def headings_of(tokens: Sequence[Token], offset: int = 0) -> tuple[Heading, ...]:
    """The top-level headings of `tokens` (as parsed, before the splitter edits any), their
    lines moved down by `offset`."""
    return _located(heading_bodies(tokens), tokens, offset)


def headings_read(reading: Reading, tokens: Sequence[Token], shape: Shape) -> tuple[Heading, ...]:
    """`headings_of(tokens)`, from what detection read off them before the splitter's edits."""
    return _located(bodies_of(reading.headings, pattern=shape.pattern), tokens, 0)


def _located(
    bodies: Sequence[tuple[int, int, bool, Features]], tokens: Sequence[Token], offset: int
) -> tuple[Heading, ...]:
    found = []
    for index, level, bodied, features in bodies:
        start, end = tokens[index].map or (0, 0)
        found.append(Heading(start + offset, end + offset, level, bodied, features))
    return tuple(found)


# A line on which the `$$` block rule looks for its closing `$$` on later lines: `$$` after
# indentation, quote and list markers, and no other `$$` on the line.
_MATH_OPENER = re.compile(
    r"^[ \t>]*(?:(?:[-+*]|\d{1,9}[.)])[ \t]+)*\$\$(?!.*\$\$)", flags=re.MULTILINE
)
# Blocks whose lines no other block rule reads.
_OPAQUE = frozenset(
    ("math_block", "math_block_label", "fence", "code_block", "html_block", "front_matter")
)


def stray_math(text: str, tokens: Sequence[Token]) -> bool:
    """Whether a line of `text` (split at `\\n` only) could open `$$` math yet is in no math
    block: the math rule pairs such a line with the next one ending in `$$`, however far away,
    past blank lines and headings."""
    openers = []
    # One search over the whole text: such lines are few, and splitting it into lines is not.
    line = start = 0
    for found in _MATH_OPENER.finditer(text):
        line += text.count("\n", start, found.start())
        start = found.start()
        openers.append(line)
    if not openers:
        return False
    spans = sorted(tuple(t.map) for t in tokens if t.type in _OPAQUE and t.map)
    starts = [first for first, _ in spans]
    for number in openers:
        at = bisect_right(starts, number) - 1
        # Opaque blocks do not overlap: the last one starting at or before the line is the
        # only one that can hold it.
        if at < 0 or number >= spans[at][1]:
            return True
    return False


def spliceable(
    text: str,
    tokens: Sequence[Token],
    found: Mapping[Rule, Sequence[Diagnostic]],
    *,
    has_images: bool,
) -> bool:
    """Whether a later build may re-parse part of this document alone (see
    `deckgen.cache.incremental`)."""
    return (
        not any(found[rule] for rule in rules("blocks"))
        and all(d.line for rule in rules("tokens") for d in found[rule])
        and not REFERENCE.search(text)
        and not ODD_BREAKS.search(text)
        and not stray_math(text, tokens)
        and not has_images
        # A marker is a `<!--` line: without one in the text, no token need be looked at.
        and not ("<!--" in text and any(t.type == MARKER_TOKEN for t in tokens))
    )


def snapshot_of(
    text: str,
    document: Document,
    revision: Revision,
    shape: Shape,
    headings: tuple[Heading, ...],
    found: Mapping[Rule, Sequence[Diagnostic]],
    *,
    spliceable: bool,
) -> Snapshot:
    """What `document`, built into `revision`, leaves for the next build."""
    index = {part: number for number, part in enumerate(document.parts)}
    cards, notes, records = document.cards, revision.deck.notes, revision.state.cards
    if not len(cards) == len(notes) == len(records):
        raise ValueError("a revision's notes and records must match the document's cards")
    outputs = CardOutputs(
        question=tuple(card.question for card in cards),
        part=tuple(index[card.part] for card in cards),
        line=tuple(card.line for card in cards),
        anchor=tuple(card.anchor for card in cards),
        source=tuple(card.source for card in cards),
        fields=tuple(NoteFields(note.question, note.answer, note.part) for note in notes),
        answer=tuple(record.answer for record in records),
        note=tuple((note.id, note.source, note.tags) for note in notes),
        content=tuple(record.content for record in records),
    )
    return Snapshot(
        text=text,
        title=document.title,
        shape=shape,
        parts=document.parts,
        cards=outputs,
        headings=headings,
        parse_diagnostics=document.diagnostics,
        local=tuple(tuple(found[rule]) for rule in rules("tokens")),
        spliceable=spliceable,
    )
