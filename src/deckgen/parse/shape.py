"""How a document asks its questions: which headings are questions, which are parts, and why.

People write Q&A notes in many shapes. Detection reads them as a person would, with no settings:

- headings that look like questions (a `?`, a `Q:`/`Q1.`/`1.`/`12)` label, an opening such as
  What, Why, How, Explain, Compare) mark the question levels; the level with most of them is
  the main one, and every heading there is a question (so `### Draw the architecture` among
  `###` questions is one too), while question-like headings at other levels are questions
  where they stand on their own;
- a heading inside an answer (below a question, deeper than it) is part of the answer, unless
  it continues the question's own numbering (`### 13)` then `#### 14)`);
- `Answer`, `Solution` and the like under or after a question hold its answer;
- with no question-like headings at all, the level with most headings that have a body of their
  own is the question level (the deepest on a tie), as for flashcards titled by a term;
- the part level is the deepest level above the questions with other headings; a lone `#` is
  the title.

`detect_shape` decides once per document; `heading_roles` applies the decision to each heading
(the splitter and the cache call it alike).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from markdown_it.token import Token

from deckgen.errors import DeckgenError
from deckgen.parse.asked import Asked, Kind, find_asked
from deckgen.parse.details import blocks as details_blocks
from deckgen.parse.phrasing import (
    is_contents,
    looks_like_question,
    names_a_part,
    names_a_reveal,
    names_an_answer,
    names_an_aside,
    numbering_style,
)

_NOT_A_BODY = frozenset({"heading_open", "heading_close", "inline", "hr", "front_matter"})

Role = Literal["title", "part", "section", "question", "answer", "content"]
"""What a heading is: the title; a part; another heading that ends a card but opens no part
(`section`); a question; the label of an answer (`Answer`, `Solution`), whose body is the
answer; or a heading inside an answer or a part's introduction (`content`)."""


@dataclass(frozen=True, slots=True)
class Shape:
    """How a document asks its questions (see the module's docstring)."""

    part_level: int | None
    """Heading level of parts; None: the document has none."""
    question_level: int
    """The main question level: every heading there is a question."""
    question_levels: frozenset[int] = frozenset()
    """Other levels where a heading that looks like a question, on its own, is one."""
    reason: str = ""
    """Why, in a few words, for `deckgen list`."""
    asked: frozenset[Kind] = frozenset()
    """Questions that are not headings: bold paragraphs, list items, `<details>` summaries."""
    only: str | None = None
    """The `question` setting: the one way questions are written (`heading`, `bold`, …)."""
    pattern: str | None = None
    """The `question-pattern` setting: what a question's text must contain."""

    def describe(self) -> str:
        """`parts at ##, questions at ###`, as a user reads their own Markdown."""
        kinds = [_KIND_NAMES[kind] for kind in sorted(self.asked)]
        if self.question_level <= MAX_LEVEL:
            levels = sorted({self.question_level, *self.question_levels})
            kinds.insert(0, f"at {' and '.join('#' * level for level in levels)}")
        questions = f"questions {', '.join(kinds)}"
        if self.part_level is None:
            return f"no parts, {questions}"
        return f"parts at {'#' * self.part_level}, {questions}"

    @property
    def plain(self) -> bool:
        """Questions at one level only: every heading there, and only there, is a question."""
        return not (self.question_levels - {self.question_level}) and not self.asked


SEED_SHAPE = Shape(part_level=2, question_level=3)
MAX_LEVEL = 6
NO_HEADING = MAX_LEVEL + 1
"""The question level of a document whose questions are none of its headings."""
_KIND_NAMES: dict[Kind, str] = {
    "bold": "as bold or Q: paragraphs",
    "list": "as list items",
    "details": "in <details> summaries",
    "numbered": "as numbered lines",
    "exercise": "as exercises with solutions",
    "term": "as terms to define",
}


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading as detection sees it."""

    index: int
    """Its `heading_open` token's index."""
    level: int
    text: str
    bodied: bool
    """Some block stands between it and the next heading."""
    question: bool
    """It looks like a question."""
    numbering: str | None
    """Its numbering's style (`1)`, `1.`, `q1:`…), to tell sibling questions from subheadings."""
    label: bool
    """It names an answer: `Answer`, `Solution`, `Explanation`."""
    holds: int = 0
    """Questions that are not headings (bold, list, details) directly below it."""
    leads: bool = False
    """The first block below it is such a question: nothing answers the heading itself."""
    aside: bool = False
    """A table of contents (a list of links to the document's own headings, or so named), or a
    section named as notes are (`Summary`, `References`, `Quick-fire round`…): never a card."""


def headings_of(
    tokens: Sequence[Token],
    asked: Sequence[Asked] | None = None,
    pattern: str | None = None,
) -> list[Heading]:
    """Every heading outside lists, quotes and code, with what detection reads off it; with
    `pattern`, a heading asks a question when its text contains a match."""
    search = re.compile(pattern, re.IGNORECASE).search if pattern is not None else None
    hidden = _in_answer_blocks(tokens)
    found = [
        (i, t)
        for i, t in enumerate(tokens)
        if t.level == 0 and t.type == "heading_open" and i not in hidden
    ]
    ends = [index for index, _ in found[1:]] + [len(tokens)] if found else []
    openers = [a.opener for a in (find_asked(tokens) if asked is None else asked)]
    headings = []
    for (start, token), end in zip(found, ends, strict=True):
        text = tokens[start + 1].content
        body = tokens[start + 3 : end]
        bodied = any(t.level == 0 and t.type not in _NOT_A_BODY for t in body)
        aside = names_an_aside(text) or (bodied and is_contents(body))
        headings.append(
            Heading(
                index=start,
                level=int(token.tag[1:]),
                text=text,
                bodied=bodied,
                question=not aside
                and (bool(search(text)) if search is not None else looks_like_question(text)),
                numbering=numbering_style(text),
                label=names_an_answer(text),
                holds=sum(1 for opener in openers if start < opener < end),
                leads=_first_block(tokens, start + 3, end) in openers,
                aside=aside,
            )
        )
    return _asides_inherited(headings)


def _asides_inherited(headings: list[Heading]) -> list[Heading]:
    """A heading below a section named as notes (`### Manuals` under `## External
    references`) is part of it. (Not below one that is only a table of contents by its
    body: `## FAQ` above its list of links holds the questions too.)"""
    stack: list[Heading] = []
    kept: list[Heading] = []
    for heading in headings:
        while stack and stack[-1].level >= heading.level:
            stack.pop()
        parent = stack[-1] if stack else None
        # (A `# Notes` title names the document, not a section of it.)
        if parent and parent.level > 1 and parent.aside and names_an_aside(parent.text):
            heading = replace(heading, aside=True, question=False)
        stack.append(heading)
        kept.append(heading)
    return kept


def _in_answer_blocks(tokens: Sequence[Token]) -> set[int]:
    """Indices of the headings inside a `<details>` block that holds an answer (its summary
    asks, labels the answer, `show`, or is missing): `#### Good to hear` in there is part of
    the answer GitHub reveals, never a question or part of its own."""
    inside: set[int] = set()
    for start, end, summary in details_blocks(tokens):
        if summary is None or names_a_reveal(summary) or looks_like_question(summary):
            inside.update(i for i in range(start + 1, end) if tokens[i].type == "heading_open")
    return inside


def detect_shape(
    tokens: Sequence[Token],
    *,
    part_level: int | None = None,
    question_level: int | None = None,
    question: str | None = None,
    pattern: str | None = None,
    asked: Sequence[Asked] | None = None,
    headings: list[Heading] | None = None,
) -> Shape:
    """The shape of `tokens`, with either level pinned by the caller (`part_level=0`: no parts);
    `question` and `pattern` are the settings of that name (see `Shape`); `asked` and
    `headings` are what `find_asked` and `headings_of` give, where the caller has them."""
    if asked is None:
        asked = find_asked(tokens, question, pattern)
    if headings is None:
        headings = headings_of(tokens, asked, pattern)
    reason = "question-level is set"
    if question not in (None, "heading"):
        question_level, reason = question_level or NO_HEADING, f'question = "{question}" is set'
    title = _title_index(headings)
    levels: frozenset[int] = frozenset()
    if question_level is None:
        # An exercise boxed with its solution is a question however its lesson's headings read.
        exercises = any(a.kind == "exercise" for a in asked)
        others = len(asked) if not exercises else len(headings) * 2
        question_level, levels, reason = _question_levels(headings, title, others)
        if question_level is None and asked:
            question_level, reason = NO_HEADING, _asked_reason(asked)
        elif question_level is None:
            # Nothing looks like a question: read it as the seed is, so errors name `##`/`###`.
            question_level = SEED_SHAPE.question_level
            part_level = SEED_SHAPE.part_level if part_level is None else part_level
            reason = "nothing reads as a question"
    else:
        levels = frozenset({question_level})
    if part_level is None:
        part_level = _part_level(headings, title, question_level, levels)
    elif part_level == 0:
        part_level = None
    if part_level is not None and part_level >= question_level:
        raise DeckgenError(
            f"part level {part_level} must be above question level {question_level} "
            f"(parts at {'#' * part_level} hold questions at {'#' * question_level})"
        )
    kinds = frozenset(a.kind for a in asked)
    levels -= {question_level}
    return Shape(part_level, question_level, levels, reason, kinds, question, pattern)


def _question_levels(
    headings: list[Heading], title: int | None, others: int = 0
) -> tuple[int | None, frozenset[int], str]:
    """The main question level, the other levels where questions stand, and why; None when
    no heading asks and the `others` questions that are not headings (bold, list, summaries)
    outnumber the headings with text at any level two to one."""
    candidates = [
        h
        for h in headings
        if h.index != title and not h.label and not h.aside and not _holds_questions(h)
    ]
    inside = _under_questions(candidates)
    # A subheading of a question's answer (`### Architecture` under `## 1. What are LLMs?`) is
    # how that answer is laid out, not a heading competing with the questions for a level.
    bodied = Counter(h.level for h in candidates if h.bodied and h.index not in inside)
    if not bodied:
        return None, frozenset(), ""
    by_body = max(bodied, key=lambda level: (bodied[level], level))
    asked = Counter(h.level for h in candidates if h.question)
    nested = Counter(h.level for h in _nested_questions(candidates))
    # A level whose questions mostly sit inside other questions' answers is answer detail.
    levels = frozenset(level for level, n in asked.items() if 2 * nested[level] < n)
    evidence = sum(asked[level] for level in levels)
    if not levels or evidence < max(2, bodied[by_body] / 4):
        if not asked and others >= 2 * bodied[by_body]:
            return None, frozenset(), ""
        why = f"{'#' * by_body} has the most headings with text under them"
        return by_body, frozenset(), why
    main = max(levels, key=lambda level: (asked[level], -level))
    extra = " and others" if len(levels) > 1 else ""
    return main, levels, f"{asked[main]} headings at {'#' * main}{extra} ask questions"


def _under_questions(headings: list[Heading]) -> set[int]:
    """Headings below a question-like heading, at a level where several headings ask: the
    layout of answers. (One question-like heading above many, `## What is covered?`, is a
    part that happens to ask.)"""
    asking = Counter(h.level for h in headings if h.question)
    inside: set[int] = set()
    stack: list[Heading] = []
    for heading in headings:
        while stack and stack[-1].level >= heading.level:
            stack.pop()
        if any(h.question and asking[h.level] >= 2 for h in stack):
            inside.add(heading.index)
        stack.append(heading)
    return inside


def _first_block(tokens: Sequence[Token], start: int, end: int) -> int:
    """The index of the first top-level block in `tokens[start:end]` (list items count)."""
    for index in range(start, end):
        token = tokens[index]
        if token.level == 0 and token.type not in _NOT_A_BODY:
            inner = index + 1 if token.type.endswith("list_open") else index
            return inner if inner < end else index
    return end


def _asked_reason(asked: Sequence[Asked]) -> str:
    counts = Counter(a.kind for a in asked)
    words = {
        "bold": "paragraphs",
        "list": "list items",
        "details": "<details> summaries",
        "numbered": "numbered lines",
        "exercise": "exercises with solutions",
        "term": "terms",
    }
    found = " and ".join(f"{n} {words[kind]}" for kind, n in sorted(counts.items()))
    return f"{found} ask questions"


def _holds_questions(heading: Heading) -> bool:
    """A heading above bold, list or `<details>` questions is their part, not a question, when
    the questions start right below it, or when it does not ask itself and holds several
    (a question, or a lone question, after some answer text belongs to that answer).
    """
    return heading.holds >= 1 and (heading.leads or (not heading.question and heading.holds >= 2))


def _nested_questions(headings: list[Heading]) -> list[Heading]:
    """Question-like headings whose nearest shallower heading also looks like a question (and
    is not a sibling in its numbering)."""
    nested = []
    stack: list[Heading] = []
    for heading in headings:
        while stack and stack[-1].level >= heading.level:
            stack.pop()
        parent = stack[-1] if stack else None
        if (
            heading.question
            and parent is not None
            and parent.question
            and not _siblings(parent, heading)
        ):
            nested.append(heading)
        stack.append(heading)
    return nested


def _siblings(parent: Heading, child: Heading) -> bool:
    """Two numbered questions in one sequence, however deep each was written."""
    return parent.numbering is not None and parent.numbering == child.numbering


def heading_roles(
    tokens: Sequence[Token], shape: Shape, asked: Sequence[Asked] | None = None
) -> dict[int, Role]:
    """The role of every top-level heading (by its token index) under `shape` (`asked`: the
    questions `find_asked` gives for it, where the caller has them)."""
    if asked is None:
        asked = find_asked(tokens, shape.only, shape.pattern)
    return roles_of(headings_of(tokens, asked, shape.pattern), shape)


@dataclass(frozen=True, slots=True)
class Reading:
    """What detection read off a token stream, for the splitter not to read it again."""

    asked: tuple[Asked, ...]
    headings: tuple[Heading, ...]


def read_questions(
    tokens: Sequence[Token], question: str | None = None, pattern: str | None = None
) -> Reading:
    """`find_asked` and `headings_of` of `tokens`, once."""
    asked = find_asked(tokens, question, pattern)
    return Reading(tuple(asked), tuple(headings_of(tokens, asked, pattern)))


def roles_of(headings: Sequence[Heading], shape: Shape) -> dict[int, Role]:
    """`heading_roles` of headings already read."""
    title = _title_index(list(headings))
    roles: dict[int, Role] = {}
    open_headings: list[tuple[Heading, Role]] = []
    containers = _containers(headings, shape)
    for heading in headings:
        while open_headings and open_headings[-1][0].level >= heading.level:
            open_headings.pop()
        question = next((h for h, role in reversed(open_headings) if role == "question"), None)
        role: Role
        if heading.index == title:
            role = "title"
        elif heading.label and (question is not None or _follows_question(roles)):
            role = "answer"
        elif question is not None and not (heading.question and _siblings(question, heading)):
            role = "content"
        elif heading.index in containers and heading.level >= (shape.part_level or 0):
            role = "part"  # `## Networking` above `### Q1: …` questions is their part
        else:
            role = _standing_role(heading, shape)
        roles[heading.index] = role
        open_headings.append((heading, role))
    return roles


def _containers(headings: Sequence[Heading], shape: Shape) -> set[int]:
    """Headings that do not ask but hold headings below them that do (at a question level)."""
    asked = shape.question_levels | {shape.question_level}
    found = set()
    for position, heading in enumerate(headings):
        if _holds_questions(heading):
            found.add(heading.index)
        if heading.question or heading.label:
            continue
        for below in headings[position + 1 :]:
            if below.level <= heading.level:
                break
            if below.question and below.level in asked:
                found.add(heading.index)
                break
    return found


def _standing_role(heading: Heading, shape: Shape) -> Role:
    """The role of a heading outside any answer."""
    if heading.aside:
        return "section" if heading.level <= shape.question_level else "content"
    if heading.question and heading.level in shape.question_levels | {shape.question_level}:
        return "question"
    if names_a_part(heading.text) and heading.level <= shape.question_level:
        # `## Part A` among `## Question 1` headings divides them; it asks nothing.
        return "part" if heading.level == shape.part_level else "section"
    if heading.level == shape.question_level:
        # A question phrased as a statement ("Bias-variance trade-off"), unless a pattern says
        # what questions look like.
        return "question" if shape.pattern is None else "section"
    if heading.level == shape.part_level:
        return "part"
    return "section" if heading.level < shape.question_level else "content"


def _follows_question(roles: dict[int, Role]) -> bool:
    """The nearest heading so far that is not part of an answer (`Hint`, a subheading) is a
    question: an `Answer` heading beside it, after its `Hint` too, is its answer."""
    for index in reversed(roles):
        if roles[index] not in ("answer", "content"):
            return roles[index] == "question"
    return False


def _part_level(
    headings: list[Heading], title: int | None, question_level: int, levels: frozenset[int]
) -> int | None:
    """The deepest level above the questions with headings that are not questions."""
    counts = Counter(
        h.level
        for h in headings
        if not h.label
        and not h.aside
        and not (h.question and h.level in levels)
        and h.index != title
    )
    for level in range(question_level - 1, 0, -1):
        if counts[level] > 0:
            return level
    return None


def _title_index(headings: list[Heading]) -> int | None:
    """The token index of the document's title: its only `#` heading, if it has exactly one."""
    firsts = [h.index for h in headings if h.level == 1]
    return firsts[0] if len(firsts) == 1 else None


Features = tuple[bool, str | None, bool, bool]
"""What detection reads off a heading besides its level and body: asks a question, numbering,
names an answer, is an aside."""


def heading_bodies(tokens: Sequence[Token]) -> list[tuple[int, int, bool, Features]]:
    """(token index, level, has a body, features) of every top-level heading: two documents
    that agree on these are read with the same shape and roles."""
    # What non-heading questions a heading holds is not a feature: a document that has any is
    # never spliced (`Shape.plain`).
    return bodies_of(headings_of(tokens, asked=()), pattern=None)


def bodies_of(
    headings: Sequence[Heading], *, pattern: str | None
) -> list[tuple[int, int, bool, Features]]:
    """`heading_bodies` of headings detection already read with `pattern`: the same, since
    whether a heading asks is read without the pattern here, as `heading_bodies` reads it."""
    return [
        (h.index, h.level, h.bodied, (_asks(h, pattern), h.numbering, h.label, h.aside))
        for h in headings
    ]


def _asks(heading: Heading, pattern: str | None) -> bool:
    if pattern is None:
        return heading.question
    return not heading.aside and looks_like_question(heading.text)
