"""Where every line of a document went: into a card, or into what is knowingly no card.

Nothing is dropped without a word. Each non-blank line is in a card (its question or answer), or
in the preamble (before the first part or question), a part's introduction (between a part
heading and its first question), a table of contents, a heading that structures the document,
or the trailer (after a closing `---`). Any other block, such as the body of a notes section
(`### Quick-fire round`) or of a topic heading with no question under it, belongs to no card:
`deckgen check` reports it, and `deckgen list` counts it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from markdown_it.token import Token

from deckgen.model import Document
from deckgen.parse.phrasing import is_contents
from deckgen.parse.shape import Role, Shape, heading_roles

Place = Literal["card", "kept", "dropped"]
"""A line in a card; in the preamble, a part's introduction, a table of contents, a heading or
the trailer (`kept`: no card, knowingly); or in none of those (`dropped`)."""


@dataclass(frozen=True, slots=True)
class Coverage:
    """How many lines of a document went where (blank lines with the rest): into cards, kept
    out knowingly, and the ranges (1-based, inclusive) of the non-blank lines in no card."""

    lines: int
    in_cards: int
    kept: int
    dropped: tuple[tuple[int, int], ...]

    def describe(self) -> str:
        """`2,871 of 2,926 lines in cards; 55 in preamble, trailer and part intros`."""
        text = (
            f"{self.in_cards:,} of {self.lines:,} lines in cards; "
            f"{self.kept:,} in preamble, trailer, headings and part intros"
        )
        dropped = sum(end - start + 1 for start, end in self.dropped)
        return text + (f"; {dropped:,} in no card" if dropped else "")


def coverage(
    tokens: Sequence[Token],
    text: str,
    document: Document,
    shape: Shape,
    roles: dict[int, Role] | None = None,
) -> Coverage:
    """Where each line of `text` (parsed into `tokens` and `document`) went; `roles` are the
    headings' (`heading_roles`), where the caller has them."""
    lines = text.splitlines()
    places: list[Place | None] = [None] * len(lines)
    for card in document.cards:
        start = card.line - 1
        end = min(start + card.source.count("\n") + 1, len(lines))
        places[start:end] = ["card"] * max(end - start, 0)
    if roles is None:
        roles = heading_roles(tokens, shape)
    for (start, end), went in _blocks(tokens, document, roles, places):
        for line in range(start, min(end, len(lines))):
            if places[line] is None:
                places[line] = went
    blank = [not line.strip() for line in lines]
    counted: list[Place] = []
    for is_blank, place in zip(blank, places, strict=True):
        # A blank line goes with the text above it: an answer's trailing blank, a card's.
        above: Place = counted[-1] if counted else "kept"
        counted.append(above if is_blank else (place or "kept"))
    dropped = [
        number
        for number, (is_blank, place) in enumerate(zip(blank, counted, strict=True), 1)
        if place == "dropped" and not is_blank
    ]
    ranges = (
        _ranges(dropped, {n for n, is_blank in enumerate(blank, 1) if is_blank}) if dropped else ()
    )
    return Coverage(
        lines=len(lines),
        in_cards=counted.count("card"),
        kept=len(lines) - counted.count("card") - len(dropped),
        dropped=tuple(ranges),
    )


def _blocks(
    tokens: Sequence[Token],
    document: Document,
    roles: dict[int, Role],
    places: Sequence[Place | None],
) -> Iterator[tuple[tuple[int, int], Place]]:
    """Each top-level block's lines (0-based, end exclusive) and where they went, when not in
    a card: before the first question or part (preamble), in a part before its first question
    (its introduction), or after the last card's closing `---` (trailer) is kept; the rest
    belongs to no card. Blocks whose every line has its place in `places` already are
    skipped."""
    firsts: dict[int, int] = {}
    for card in document.cards:
        firsts.setdefault(card.part.line, card.line)
    first_card = min((card.line for card in document.cards), default=None)
    last_card = max((card.line for card in document.cards), default=0)
    # None: the preamble; else the line of the part (or notes heading) the text is under.
    under: int | None = None
    trailer = False
    for index, token in enumerate(tokens):
        if token.level != 0 or token.map is None or token.nesting == -1:
            continue
        span, line = (token.map[0], token.map[1]), token.map[0] + 1
        if token.type == "heading_open":
            role: Role = roles.get(index, "content")
            if role in ("part", "section"):
                under = line
            yield span, "kept"
        elif token.type == "hr":
            trailer = trailer or line > last_card
            yield span, "kept"
        elif None not in places[span[0] : span[1]]:
            continue  # every line of it is placed already (a card's): where it goes is moot
        elif trailer or "card" in places[span[0] : span[1]] or _contents(tokens, index):
            # (A table whose rows are cards: its header and wrappers are kept.)
            yield span, "kept"
        elif under is None:
            yield span, "kept" if first_card is None or line < first_card else "dropped"
        else:
            yield span, "kept" if line < firsts.get(under, 0) else "dropped"


def _contents(tokens: Sequence[Token], index: int) -> bool:
    """The block at `index` is a list of links to the document's headings."""
    return tokens[index].type.endswith("list_open") and is_contents(_block(tokens, index))


def _block(tokens: Sequence[Token], opened: int) -> Sequence[Token]:
    depth = 0
    for end in range(opened, len(tokens)):
        depth += tokens[end].nesting
        if depth == 0:
            return tokens[opened : end + 1]
    return tokens[opened:]


def _ranges(numbers: list[int], blank: set[int]) -> Iterator[tuple[int, int]]:
    """[3, 4, 6, 9] with line 5 blank → (3, 6), (9, 9): blank lines do not split a range."""
    start = previous = None
    for number in numbers:
        if start is None or previous is None:
            start = previous = number
        elif all(n in blank for n in range(previous + 1, number)):
            previous = number
        else:
            yield start, previous
            start = previous = number
    if start is not None and previous is not None:
        yield start, previous
