"""Which heading levels hold the parts and the questions of a document."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from markdown_it.token import Token

from deckgen.errors import DeckgenError

_NOT_A_BODY = frozenset({"heading_open", "heading_close", "inline", "hr", "front_matter"})


@dataclass(frozen=True, slots=True)
class Shape:
    """The heading levels a document uses: `part_level` None means it has no parts."""

    part_level: int | None
    question_level: int

    def describe(self) -> str:
        """`parts at ##, questions at ###`, as a user reads their own Markdown."""
        questions = f"questions at {'#' * self.question_level}"
        if self.part_level is None:
            return f"no parts, {questions}"
        return f"parts at {'#' * self.part_level}, {questions}"


SEED_SHAPE = Shape(part_level=2, question_level=3)


def detect_shape(
    tokens: Sequence[Token], *, part_level: int | None = None, question_level: int | None = None
) -> Shape:
    """The levels of `tokens`, with either level pinned by the caller (`part_level=0`: no parts).

    The question level is the level with the most headings that have a body of their own (the
    deepest on a tie), so a few `####` details inside answers do not take over. The part level is
    the deepest level above it that has headings; a lone `#` is the title, not a part.
    """
    headings = _top_level_headings(tokens)
    if question_level is None:
        question_level = _question_level(tokens, headings)
        if question_level is None:
            # Nothing looks like a question: read it as the seed is, so errors name `##`/`###`.
            question_level = SEED_SHAPE.question_level
            part_level = SEED_SHAPE.part_level if part_level is None else part_level
    if part_level is None:
        part_level = _part_level(headings, question_level)
    elif part_level == 0:
        part_level = None
    if part_level is not None and part_level >= question_level:
        raise DeckgenError(
            f"part level {part_level} must be above question level {question_level} "
            f"(parts at {'#' * part_level} hold questions at {'#' * question_level})"
        )
    return Shape(part_level, question_level)


def _top_level_headings(tokens: Sequence[Token]) -> list[tuple[int, int]]:
    """(token index, level) of every heading outside lists, quotes and code."""
    return [
        (i, int(t.tag[1:]))
        for i, t in enumerate(tokens)
        if t.level == 0 and t.type == "heading_open"
    ]


def _question_level(tokens: Sequence[Token], headings: list[tuple[int, int]]) -> int | None:
    title = _title_index(headings)
    bodied: Counter[int] = Counter()
    ends = [index for index, _ in headings[1:]] + [len(tokens)] if headings else []
    for (start, level), end in zip(headings, ends, strict=True):
        if start == title:
            continue
        if any(t.level == 0 and t.type not in _NOT_A_BODY for t in tokens[start + 3 : end]):
            bodied[level] += 1
    if not bodied:
        return None
    return max(bodied, key=lambda level: (bodied[level], level))


def _part_level(headings: list[tuple[int, int]], question_level: int) -> int | None:
    counts = Counter(level for _, level in headings)
    for level in range(question_level - 1, 0, -1):
        if counts[level] > (1 if level == 1 else 0):
            return level
    return None


def _title_index(headings: list[tuple[int, int]]) -> int | None:
    """The token index of the document's title: its only `#` heading, if it has exactly one."""
    firsts = [index for index, level in headings if level == 1]
    return firsts[0] if len(firsts) == 1 else None


def heading_bodies(tokens: Sequence[Token]) -> list[tuple[int, int, bool]]:
    """(token index, level, has a body) of every top-level heading, as detection counts them.

    Two documents whose headings give the same levels and bodies are read with the same shape.
    """
    headings = _top_level_headings(tokens)
    ends = [index for index, _ in headings[1:]] + [len(tokens)]
    return [
        (
            start,
            level,
            any(t.level == 0 and t.type not in _NOT_A_BODY for t in tokens[start + 3 : end]),
        )
        for (start, level), end in zip(headings, ends, strict=True)
    ]
