"""Split one markdown-it token stream into parts and cards, and each card's slice of tokens."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from deckgen.model import Card, Diagnostic, Document, Part, Pin
from deckgen.parse.asked import Asked, strip_answer_label
from deckgen.parse.details import SUMMARY_OPEN
from deckgen.parse.marker import TOKEN as MARKER_TOKEN
from deckgen.parse.shape import Reading, Role, Shape, read_questions, roles_of
from deckgen.parse.substance import (
    REPEATED,
    SHARED,
    SHORT_WORDS,
    links_only,
    lookalikes,
    normal,
    placeholder,
    repeated,
    revealed,
    short_substance,
)
from deckgen.slug import unique_anchors

_TOP_LEVEL_TURNS = frozenset(("heading_open", "hr", "front_matter"))
"""Top-level tokens that may end a card or open one, or are never part of an answer."""
_TRAILER_BLOCKS = 3
"""Blocks after a `---` that can still be a trailer or a note between parts, not an answer's."""
_PART_PREFIX = re.compile(r"^\s*part\s+(\d+)\s*[:.)\-\u2013\u2014]\s*(.*)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class CardTokens:
    """A card's slice of the document's token stream: what renders it and what rules read."""

    heading: Token = field(repr=False)
    """The question heading's `inline` token; its children render the question."""
    answer: tuple[Token, ...] = field(repr=False)
    """The block tokens of the answer."""
    opener: Token = field(repr=False)
    """The block token the card begins with (its heading's `heading_open`, say): the card and
    its answer lie between it and the next card's."""


@dataclass(frozen=True, slots=True)
class Split:
    """A document split into parts and cards, with each card's tokens (in card order)."""

    document: Document
    tokens: tuple[CardTokens, ...]
    crossing: bool = False
    """Whether some card is one depends on the other cards (a region parsed alone cannot tell):
    some answer is a short text that could be a placeholder, or hides in `<details>`."""


@dataclass(slots=True)
class _OpenCard:
    heading: Token
    part: Part
    line: int
    opener: Token
    answer: list[Token] = field(default_factory=list)
    until: int | None = None
    """The token index the card ends before (a list item's or `<details>` block's end)."""
    asked: bool = False
    """A bold, list or `<details>` question: another such question ends it."""
    texted: bool = False
    """Its answer has its first inline text already."""


def parse_document(
    text: str,
    path: Path,
    md: MarkdownIt,
    *,
    part_level: int | None = 2,
    question_level: int = 3,
    shape: Shape | None = None,
) -> Document:
    """Parts, questions and answers as `shape` reads them (by default: parts at `part_level`
    headings, questions at `question_level`); an answer runs to the next heading that is not
    inside it, or a thematic break (`---`).

    Only top-level tokens count, so a `#` line in a code block or a list is never a heading.
    Text after a closing `---` (a trailer) is no card.
    """
    return parse_tokens(
        md.parse(text, {}),
        text,
        path,
        part_level=part_level,
        question_level=question_level,
        shape=shape,
    ).document


def parse_tokens(
    tokens: Sequence[Token],
    text: str,
    path: Path,
    *,
    part_level: int | None = 2,
    question_level: int = 3,
    shape: Shape | None = None,
    reading: Reading | None = None,
) -> Split:
    """`parse_document` over tokens already parsed from `text`, so a caller that needs to look
    at the stream first (front matter, shape) still parses the document only once; `reading`
    is `read_questions(tokens, …)` for `shape`, where the caller has it already."""
    shape = shape or Shape(part_level, question_level)
    if reading is None:
        reading = read_questions(tokens, shape.only, shape.pattern)
    walk = _Walk(path, shape, roles_of(reading.headings, shape), reading.asked)
    walk.run(tokens)
    if shape.part_level is None and walk.raw and walk.raw[0].part not in walk.parts:
        walk.parts.append(walk.raw[0].part)
    shared = lookalikes([revealed(card.answer) for card in walk.raw])
    hidden = _hidden_answers(walk.raw)
    lines = text.splitlines(keepends=True)
    cards, slices = _cards(walk.raw, lines, path, walk.diagnostics, shared, hidden)
    used = {card.part for card in cards}
    # The part of questions outside any part exists only while it has cards.
    parts = tuple(part for part in walk.parts if part is not walk.unplaced or part in used)
    document = Document(path, walk.title, parts, tuple(cards), tuple(walk.diagnostics))
    crossing = bool(shared) or any(hidden.values())
    return Split(document, tuple(slices), crossing)


class _Walk:
    """The splitter's state as it walks the top-level tokens once."""

    def __init__(
        self, path: Path, shape: Shape, roles: dict[int, Role], asked: Sequence[Asked]
    ) -> None:
        self.path = path
        self.shape = shape
        self.roles = roles
        self.asked = {question.opener: question for question in asked}
        self.skip: set[int] = set()
        """Tokens of the open card's question, labels and wrappers: not its answer."""
        self.title: str | None = None
        self.parts: list[Part] = []
        self.raw: list[_OpenCard] = []
        self.diagnostics: list[Diagnostic] = []
        self.part: Part | None = (
            None if shape.part_level is not None else Part(1, path.stem, path.stem, 1)
        )
        self.card: _OpenCard | None = None
        self.unplaced: Part | None = None

    def run(self, tokens: Sequence[Token]) -> None:
        """Take every token in order."""
        asked, i, end = self.asked, 0, len(tokens)
        while i < end:
            token, card = tokens[i], self.card
            if (
                card is not None
                and card.until is None
                and (card.texted or token.type != "inline")
                and (token.level or token.type not in _TOP_LEVEL_TURNS)
                and token.type != SUMMARY_OPEN
                and i not in asked
                and i not in self.skip
            ):
                # Most tokens are more of a heading card's answer: this is what `step` would
                # conclude for them, without a call per token.
                card.answer.append(token)
                i += 1
            else:
                i = self.step(tokens, i)

    def step(self, tokens: Sequence[Token], i: int) -> int:
        """Take the token at `i`; the index of the next one to take."""
        token = tokens[i]
        card = self.card
        if card is not None and card.until is not None and i >= card.until:
            self.card = None  # a list item or `<details>` block ends its card
        asked = self.asked.get(i)
        if asked is not None and (card is None or card.until is not None or card.asked):
            # A bold, list or `<details>` question, unless it is inside a heading's answer.
            self._open_asked(tokens, asked)
            return i + 1
        if token.level == 0 and token.type == "heading_open":
            role = self.roles.get(i, "content")
            inline = tokens[i + 1]
            if int(token.tag[1:]) == 1 and self.title is None:
                self.title = inline.content
            if role != "content":
                self._heading(role, token, inline)
                return i + 3
        if token.type == SUMMARY_OPEN and self.card is not None:
            return i + 3  # `<summary>Answer</summary>`: a label, not part of the answer
        if token.level == 0 and token.type == "hr":
            if self.card is not None and self.card.until is None and self._rule_within(tokens, i):
                self.card.answer.append(token)
            else:
                self.card = None
        elif self.card is not None and token.type != "front_matter" and i not in self.skip:
            return self._append(tokens, i, self.card)
        return i + 1

    def _rule_within(self, tokens: Sequence[Token], i: int) -> bool:
        """The `---` at `i` divides the open card's answer rather than ending it: more than a
        few blocks follow it before the next heading or rule (`e) Given S…` after part d) of
        one worked answer), and no question opens right after it. A short text after a last
        rule is a trailer (`Good luck!`), and a rule before a heading or a question only
        spaces them."""
        blocks = 0
        for j in range(i + 1, len(tokens)):
            token = tokens[j]
            if token.level != 0 or token.nesting == -1:
                continue
            if token.type in _TOP_LEVEL_TURNS or j in self.asked or j + 1 in self.asked:
                return False
            blocks += 1
            if blocks > _TRAILER_BLOCKS:
                return True
        return False

    def _append(self, tokens: Sequence[Token], i: int, card: _OpenCard) -> int:
        """Add the token at `i` to `card`'s answer; the index of the next token to take."""
        token = tokens[i]
        if token.type == "inline" and not card.texted:
            if _LABEL_ONLY.match(token.content) and self._drop_paragraph(tokens, i):
                return i + 2  # `**Answer**` alone above the answer: the card's back is it
            # `**Answer:** It is…` opening the answer: the label is the card's back itself.
            token.content = _ANSWER_LEAD.sub("", token.content, count=1) or token.content
            card.texted = True
        card.answer.append(token)
        return i + 1

    def _drop_paragraph(self, tokens: Sequence[Token], i: int) -> bool:
        """Take the paragraph whose inline token is at `i` out of the open card's answer."""
        assert self.card is not None
        answer = self.card.answer
        closes = i + 1 < len(tokens) and tokens[i + 1].type == "paragraph_close"
        if not (closes and answer and answer[-1] is tokens[i - 1]):
            return False
        answer.pop()
        return True

    def _open_asked(self, tokens: Sequence[Token], asked: Asked) -> None:
        if self.card is not None:
            # A list that opens just before this item belongs to it, not to the last answer.
            while self.card.answer and self.card.answer[-1].nesting == 1:
                self.card.answer.pop()
        inline, opener = tokens[asked.inline], tokens[asked.opener]
        if asked.rest is not None:
            # `**term**: definition`: the paragraph keeps the definition, the term is asked
            # by a token of its own (the card stage parses it: it is in no stretch).
            inline.content = asked.rest
            inline = Token("inline", "", 0, content=asked.text, map=inline.map)
        else:
            inline.content = asked.text
        if asked.answer_label is not None:
            label = tokens[asked.answer_label]
            label.content = strip_answer_label(label.content)
        line = _line(opener) or _line(inline)
        part = self.part or self._unplaced(line)
        self.card = _OpenCard(inline, part, line, opener, until=asked.end, asked=True)
        if asked.rest is not None:
            self.card.answer.append(opener)  # the paragraph the definition goes on in
        self.raw.append(self.card)
        self.skip = set(asked.question)

    def _heading(self, role: Role, opener: Token, inline: Token) -> None:
        level, line = int(opener.tag[1:]), _line(opener)
        if role == "answer":
            return  # `Answer`, `Solution`: the open card's answer goes on below it
        self.card = None
        if role in ("part", "question"):
            # `### <a name="q1"></a> What is X?`: READMEs anchor headings for their contents.
            inline.content = _ANCHOR.sub("", inline.content).strip() or inline.content
        if role == "part":
            self.part = _part(inline.content, len(self.parts) + 1, line)
            self.parts.append(self.part)
        elif role == "question":
            part = self.part or self._unplaced(line)
            self.card = _OpenCard(inline, part, line, opener)
            self.raw.append(self.card)
        elif self.shape.part_level is not None and level < self.shape.part_level:
            self.part = None  # a title or a heading above the parts closes the part

    def _unplaced(self, line: int) -> Part:
        """The part of questions before the first part (or after a heading above the parts)."""
        if self.unplaced is None:
            name = self.title or self.path.stem
            self.unplaced = Part(0, name, name, line)
            self.parts.insert(0, self.unplaced)
        return self.unplaced


def _cards(
    raw: list[_OpenCard],
    lines: list[str],
    path: Path,
    diagnostics: list[Diagnostic],
    shared: Counter[str],
    hidden: dict[int, bool],
) -> tuple[list[Card], list[CardTokens]]:
    """Turn the open cards into cards and their token slices, skipping (with a warning) any
    question without an answer: none, a placeholder, or only links (`deckgen.parse.substance`;
    `shared`: its `lookalikes` of the answers), or none hidden where the others hide theirs
    (`hidden`: `_hidden_answers`)."""
    anchors = unique_anchors([c.heading.content for c in raw])
    placeholders = repeated(shared)
    diagnostics += _shared_answers(raw, shared, path)
    hiding = _hiding(hidden)
    if hiding:
        first = next(card.line for card in raw if hidden.get(id(card)))
        note = f"{sum(hidden.values())} of {len(hidden)} {HIDDEN}: one that does not is unanswered"
        diagnostics.append(Diagnostic(path, first, "info", note))
    cards: list[Card] = []
    slices: list[CardTokens] = []
    for open_card, anchor in zip(raw, anchors, strict=True):
        skipped = _unanswered(open_card.answer, placeholders)
        if skipped is None and hiding and not hidden.get(id(open_card), True):
            skipped = f"{NO_ANSWER} in <details>, where the others have theirs; skipped"
        if skipped is not None:
            diagnostics.append(Diagnostic(path, open_card.line, "warning", skipped))
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
        slices.append(CardTokens(open_card.heading, tuple(open_card.answer), open_card.opener))
    return cards, slices


NO_ANSWER = "question has no answer"
PLACEHOLDER = "unanswered: the answer is only"
LINKS_ONLY = "the answer is only a link to elsewhere"
"""How the warnings about a question that is no card begin (see `skipped`)."""
HIDDEN = "questions hide their answer in <details>"
"""What the finding about a document of `<details>` answers says."""
_HIDING = 0.8
"""The share of heading questions with a `<details>` answer from which one without has none."""
_HIDING_LEAST = 5


def skipped(diagnostics: Sequence[Diagnostic]) -> tuple[int, int]:
    """(unanswered, answered only by links): the questions the splitter made no card of."""
    unanswered = sum(1 for d in diagnostics if d.message.startswith((NO_ANSWER, PLACEHOLDER)))
    links = sum(1 for d in diagnostics if d.message.startswith(LINKS_ONLY))
    return unanswered, links


def _hidden_answers(raw: Sequence[_OpenCard]) -> dict[int, bool]:
    """For each heading question (by `id`), whether its answer is a `<details>` block."""
    return {id(card): revealed(card.answer) is not card.answer for card in raw if not card.asked}


def _hiding(hidden: dict[int, bool]) -> bool:
    """Nearly every heading question hides its answer in `<details>` (flashcards written for
    GitHub): one that shows its text openly (`### Template` and a code block) is no card."""
    count = sum(hidden.values())
    return count >= _HIDING_LEAST and count >= _HIDING * len(hidden)


def _shared_answers(raw: Sequence[_OpenCard], shared: Counter[str], path: Path) -> list[Diagnostic]:
    """One note per short text that several questions share as their whole answer, at the
    first of them: where it reads as a placeholder, and why (the cache splices no such
    document, since editing one of them changes what the others are)."""
    firsts: dict[str, int] = {}
    for card in raw:
        # Only short texts are counted as shared (`lookalikes`): a longer one need not be read.
        text = normal(short_substance(revealed(card.answer), SHORT_WORDS) or "")
        if text and shared.get(text, 0) >= 2:
            firsts.setdefault(text, card.line)
    return [
        Diagnostic(
            path,
            line,
            "info",
            f"{shared[text]} {SHARED} {text!r}"
            + (": read as a placeholder" if shared[text] >= REPEATED else ""),
        )
        for text, line in firsts.items()
    ]


def _unanswered(answer: Sequence[Token], placeholders: frozenset[str]) -> str | None:
    """Why a question with this answer is no card, or None when it is one."""
    answer = revealed(answer)
    if not answer:
        return f"{NO_ANSWER}; skipped"
    shown = placeholder(answer, placeholders)
    if shown is not None:
        return f"{PLACEHOLDER} {shown!r}; skipped"
    if links_only(answer):
        return f"{LINKS_ONLY}; skipped (write the answer to make a card)"
    return None


_ANCHOR = re.compile(r"<a\s+(?:name|id)\s*=\s*[\"'][^\"']*[\"']\s*/?>\s*(?:</a>)?", re.IGNORECASE)
_LABEL_ONLY = re.compile(
    r"^\s*(?:\*\*|__|\*|_)?\s*(?:answer|ans|solution|explanation)\s*:?\s*(?:\*\*|__|\*|_)?\s*:?\s*$",
    re.IGNORECASE,
)
_ANSWER_LEAD = re.compile(
    r"^\s*(?:\*\*|__)?\s*(?:answer|ans|a)\s*:\s*(?:\*\*|__)?\s*(?=\S)", re.IGNORECASE
)


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
