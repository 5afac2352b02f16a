"""Numbered questions whose answers follow them at the margin, not inside a list item.

`3. Difference between checked and unchecked exceptions` then `- Runtime …` bullets at column
0; `**1. What is an exception?**` then text; `21.Why …?`; `26. ### What is hoisting?` then its
answer unindented. Markdown ends the list item at the first line that is not indented under it,
so the answer is not in the item; a reader takes it for the answer all the same (see also
`deckgen.parse.numberedlines`, which keeps such a question's line to itself). Two readings:

- **a numbered sequence**: numbered paragraphs and ordered-list items whose numbers run on
  (1, 2, 3, …) across the document, most of them asking, with other blocks between them: each
  is a question, its answer everything up to the next;
- **an item without its answer**: an ordered-list item that asks (a heading in it, or a
  question) with nothing under it, and text right after its list; where there are several.

Each question's card runs to the next question or heading (`Asked.end` is None).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from markdown_it.token import Token

from deckgen.parse.details import CLOSE as DETAILS_CLOSE
from deckgen.parse.details import OPEN as DETAILS_OPEN
from deckgen.parse.details import SUMMARY_OPEN
from deckgen.parse.details import blocks as details_blocks
from deckgen.parse.nesting import closing
from deckgen.parse.phrasing import looks_like_question

_NUMBERED = re.compile(r"^\s*(?:\*\*|__)?\s*(?P<n>\d{1,4})\s*[.)]\s*(?P<text>\S.*?)\s*$")
_BOLD_ENDS = re.compile(r"^(?:\*\*|__)|(?:\*\*|__)$")
_LEAST = 3
"""Numbered questions a sequence needs."""
_NOT_TEXT = frozenset(
    ("heading_open", "hr", "ordered_list_open", DETAILS_OPEN, DETAILS_CLOSE, SUMMARY_OPEN)
)
_LEAST_BARE = 2
"""Items without their answer a document needs."""


@dataclass(frozen=True, slots=True)
class Numbered:
    """A numbered paragraph or ordered-list item that may be a question (indices into tokens)."""

    opener: int
    number: int
    inline: int
    text: str
    question: tuple[int, ...]
    """Its own tokens and wrappers: not part of an answer."""
    ends: int
    """The index of its last token (a paragraph's or item's close)."""
    bare: bool = False
    """A list item with nothing in it but its first block."""


def find_numbered(tokens: Sequence[Token]) -> list[Numbered]:
    """The numbered questions of `tokens` whose answers follow them (see the module)."""
    candidates = _candidates(tokens)
    run = _longest_run(candidates)
    asking = sum(1 for c in run if looks_like_question(c.text))
    if len(run) >= _LEAST and 2 * asking >= len(run) and _apart(run, tokens):
        return run
    bare = [
        c for c in candidates if c.bare and _asks(tokens, c) and _followed_by_text(tokens, c.ends)
    ]
    return bare if len(bare) >= _LEAST_BARE else []


def _asks(tokens: Sequence[Token], candidate: Numbered) -> bool:
    """A heading in the item (`26. ### What is hoisting?`), or a question mark: an item that
    stands for a question even without its answer under it."""
    heading = tokens[candidate.inline - 1].type == "heading_open"
    return looks_like_question(candidate.text) and (heading or "?" in candidate.text)


def _candidates(tokens: Sequence[Token]) -> list[Numbered]:
    """Numbered paragraphs and ordered-list items at the top, outside `<details>` blocks (an
    answer hidden there numbers its own points)."""
    hidden = {i for start, end, _ in details_blocks(tokens) for i in range(start, end)}
    found: list[Numbered] = []
    asking = False  # under a heading that asks: its answer numbers its points
    for i, token in enumerate(tokens[:-2]):
        if token.level != 0 or i in hidden:
            continue
        if token.type == "heading_open":
            asking = looks_like_question(tokens[i + 1].content)
        if asking:
            continue
        if token.type == "paragraph_open":
            match = _NUMBERED.match(tokens[i + 1].content)
            if match is not None and "\n" not in tokens[i + 1].content:
                text = _BOLD_ENDS.sub("", match["text"]).strip()
                found.append(Numbered(i, int(match["n"]), i + 1, text, (i, i + 1, i + 2), i + 2))
        elif token.type == "ordered_list_open":
            found += _items(tokens, i)
    return found


def _items(tokens: Sequence[Token], opened: int) -> list[Numbered]:
    """The items of the ordered list opened at `opened` whose first block is text."""
    start = _start(tokens[opened])
    close = closing(tokens, opened)
    items: list[Numbered] = []
    j, number = opened + 1, start
    while j < close:
        ends = closing(tokens, j)
        first = tokens[j + 1].type
        if first in ("paragraph_open", "heading_open") and j + 3 <= ends:
            text = _BOLD_ENDS.sub("", tokens[j + 2].content.split("\n")[0]).strip()
            wrappers = (ends, close) if ends + 1 == close else (ends,)
            question = (j + 1, j + 2, j + 3, *wrappers)
            items.append(Numbered(j, number, j + 2, text, question, ends, ends == j + 4))
        j, number = ends + 1, number + 1
    return items


def _start(token: Token) -> int:
    start = token.attrGet("start")
    return int(start) if isinstance(start, int | str) and str(start).isdigit() else 1


def _longest_run(candidates: list[Numbered]) -> list[Numbered]:
    """The longest stretch of candidates, in document order, numbered one after another."""
    best: list[Numbered] = []
    run: list[Numbered] = []
    for candidate in candidates:
        if run and candidate.number == run[-1].number + 1:
            run.append(candidate)
        else:
            run = [candidate]
        if len(run) > len(best):
            best = list(run)
    return best


def _apart(run: list[Numbered], tokens: Sequence[Token]) -> bool:
    """Other blocks stand between most neighbours of `run`: the answers are outside them."""
    apart = sum(1 for a, b in pairwise(run) if _blocks_between(tokens, a.ends, b.opener))
    return 2 * apart >= len(run) - 1


def _blocks_between(tokens: Sequence[Token], after: int, before: int) -> bool:
    """Some block opens between `after` and `before` (the list `before` opens aside)."""
    if tokens[before - 1].type == "ordered_list_open":
        before -= 1
    return any(t.level == 0 and t.nesting >= 0 for t in tokens[after + 1 : before])


def _followed_by_text(tokens: Sequence[Token], ends: int) -> bool:
    """The item that ends at `ends` is its list's last, and text follows the list (not a
    heading, a rule, another list of questions or a `<details>` wrapper)."""
    after = ends + 1
    if after >= len(tokens) or tokens[after].type != "ordered_list_close":
        return False
    for token in tokens[after + 1 :]:
        if token.level == 0 and token.nesting >= 0:
            return token.type not in _NOT_TEXT
    return False
