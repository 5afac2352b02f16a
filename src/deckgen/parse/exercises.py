"""Exercises with their solutions in fenced divs: `::: challenge` holding `::: solution`.

A lesson boxes each exercise (`challenge`, `exercise`, `problem`, `quiz`…) with its title as a
heading and its solution in a nested box (`solution`, `answer`), itself often headed `##
Solution`. Each such exercise is a question: its title (or first paragraph) the question, the
rest of the box, solution included, the answer. A box with no solution in it asks nothing a
card could answer; callouts, objectives and key points are no exercises at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markdown_it.token import Token

from deckgen.parse.divs import OPEN
from deckgen.parse.nesting import closing
from deckgen.parse.phrasing import names_an_answer

_EXERCISES = frozenset(
    [
        "challenge",
        "exercise",
        "exercises",
        "problem",
        "question",
        "quiz",
        "task",
        "practice",
        "checkpoint",
    ]
)
_SOLUTIONS = frozenset(["solution", "solutions", "answer", "answers"])


@dataclass(frozen=True, slots=True)
class Exercise:
    """A fenced-div exercise (indices into the tokens)."""

    opener: int
    inline: int
    """The inline token of its title heading, or of its first paragraph."""
    question: tuple[int, ...]
    """Its title's tokens and its solution's `Solution` heading: not the answer."""
    end: int
    """Its closing token."""


def find_exercises(tokens: Sequence[Token]) -> list[Exercise]:
    """Every top-level exercise div with a solution div in it."""
    found = []
    for i, token in enumerate(tokens):
        if token.type != OPEN or token.level != 0 or token.info not in _EXERCISES:
            continue
        end = closing(tokens, i)
        solutions = [
            j for j in range(i + 1, end) if tokens[j].type == OPEN and tokens[j].info in _SOLUTIONS
        ]
        title = next(
            (j for j in range(i + 1, end) if tokens[j].type in ("heading_open", "paragraph_open")),
            None,
        )
        if not solutions or title is None or title > solutions[0]:
            continue
        question = [title, title + 1, title + 2]
        label = solutions[0] + 1
        if tokens[label].type == "heading_open" and names_an_answer(tokens[label + 1].content):
            question += [label, label + 1, label + 2]
        found.append(Exercise(i, title + 1, tuple(question), end))
    return found
