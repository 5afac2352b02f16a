"""Split one markdown-it token stream into parts and cards, and each card's slice of tokens."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from deckgen.model import Card, Diagnostic, Document, Part, Pin
from deckgen.parse.marker import TOKEN as MARKER_TOKEN
from deckgen.slug import unique_anchors

_PART_PREFIX = re.compile(r"^\s*part\s+(\d+)\s*[:.)\-\u2013\u2014]\s*(.*)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class CardTokens:
    """A card's slice of the document's token stream: what renders it and what rules read."""

    heading: Token = field(repr=False)
    """The question heading's `inline` token; its children render the question."""
    answer: tuple[Token, ...] = field(repr=False)
    """The block tokens of the answer."""


@dataclass(frozen=True, slots=True)
class Split:
    """A document split into parts and cards, with each card's tokens (in card order)."""

    document: Document
    tokens: tuple[CardTokens, ...]


@dataclass(slots=True)
class _OpenCard:
    heading: Token
    part: Part
    line: int
    answer: list[Token] = field(default_factory=list)


def parse_document(
    text: str,
    path: Path,
    md: MarkdownIt,
    *,
    part_level: int | None = 2,
    question_level: int = 3,
) -> Document:
    """Parts open at `part_level` headings, questions at `question_level`; answers run to the
    next heading at or above the question level, or a thematic break (`---`).

    Only top-level tokens count, so a `#` line in a code block or a list is never a heading.
    Text before the first part (the preamble) and after a closing `---` (a trailer) is no card.
    """
    return parse_tokens(
        md.parse(text, {}), text, path, part_level=part_level, question_level=question_level
    ).document


def parse_tokens(
    tokens: Sequence[Token],
    text: str,
    path: Path,
    *,
    part_level: int | None = 2,
    question_level: int = 3,
) -> Split:
    """`parse_document` over tokens already parsed from `text`, so a caller that needs to look
    at the stream first (front matter, heading levels) still parses the document only once."""
    title: str | None = None
    parts: list[Part] = []
    raw: list[_OpenCard] = []
    diagnostics: list[Diagnostic] = []
    part: Part | None = None if part_level is not None else Part(1, path.stem, path.stem, 1)
    card: _OpenCard | None = None

    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.level == 0 and token.type == "heading_open":
            level = int(token.tag[1:])
            inline = tokens[i + 1]
            if level == 1 and title is None:
                title = inline.content
            opened, part = _heading(
                level,
                inline,
                _line(token),
                path,
                part,
                parts,
                raw,
                diagnostics,
                part_level=part_level,
                question_level=question_level,
            )
            if level <= question_level:
                # Any heading at or above the question level ends the open card.
                card = opened
                i += 3
                continue
        if token.level == 0 and token.type == "hr":
            card = None
        elif card is not None and token.type != "front_matter":
            card.answer.append(token)
        i += 1

    if part_level is None and raw:
        parts.append(raw[0].part)
    cards, slices = _cards(raw, text.splitlines(keepends=True), path, diagnostics)
    document = Document(path, title, tuple(parts), tuple(cards), tuple(diagnostics))
    return Split(document, tuple(slices))


def _heading(
    level: int,
    inline: Token,
    line: int,
    path: Path,
    part: Part | None,
    parts: list[Part],
    raw: list[_OpenCard],
    diagnostics: list[Diagnostic],
    *,
    part_level: int | None,
    question_level: int,
) -> tuple[_OpenCard | None, Part | None]:
    """Apply one top-level heading: it may open a part, open a card (appended to `raw`), or
    close the part. Returns the card it opened, if any, and the part open after it."""
    if part_level is not None and level == part_level:
        part = _part(inline.content, len(parts) + 1, line)
        parts.append(part)
    elif level == question_level:
        if part is None:
            diagnostics.append(
                Diagnostic(path, line, "info", "question before the first part is no card")
            )
        else:
            card = _OpenCard(inline, part, line)
            raw.append(card)
            return card, part
    elif level < question_level and part_level is not None and level < part_level:
        part = None
    return None, part


def _cards(
    raw: list[_OpenCard], lines: list[str], path: Path, diagnostics: list[Diagnostic]
) -> tuple[list[Card], list[CardTokens]]:
    """Turn the open cards into cards and their token slices, skipping (with a warning) any
    question without an answer."""
    anchors = unique_anchors([c.heading.content for c in raw])
    cards: list[Card] = []
    slices: list[CardTokens] = []
    for open_card, anchor in zip(raw, anchors, strict=True):
        if not open_card.answer:
            diagnostics.append(
                Diagnostic(path, open_card.line, "warning", "question has no answer; skipped")
            )
            continue
        cards.append(
            Card(
                question=open_card.heading.content,
                part=open_card.part,
                line=open_card.line,
                anchor=anchor,
                source=_source_text(lines, open_card),
                pins=tuple(_pins(open_card)),
            )
        )
        slices.append(CardTokens(open_card.heading, tuple(open_card.answer)))
    return cards, slices


def _pins(card: _OpenCard) -> list[Pin]:
    return [
        Pin(token.content, _line(token) or card.line)
        for token in card.answer
        if token.type == MARKER_TOKEN
    ]


def _line(token: Token) -> int:
    return token.map[0] + 1 if token.map else 0


def _part(heading: str, position: int, line: int) -> Part:
    match = _PART_PREFIX.match(heading)
    if match:
        return Part(int(match[1]), match[2].strip() or heading, heading, line)
    return Part(position, heading.strip(), heading, line)


def _source_text(lines: list[str], card: _OpenCard) -> str:
    start = card.line - 1
    end = max((t.map[1] for t in card.answer if t.map), default=card.line)
    return "".join(lines[start:end])
