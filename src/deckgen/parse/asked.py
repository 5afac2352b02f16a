"""Questions that are not headings: bold paragraphs, `Q:`/`A:` list items, `<details>` summaries.

Each finder reads the block tokens and gives the questions it sees as `Asked` records: where the
card begins, which inline token holds the question and what its text is, which tokens belong to
the question rather than the answer, and where the card ends (a list item or a `<details>` block
ends its card; a bold question's answer runs to the next question or heading). Whether a found
question is a card is the splitter's call: one inside a heading question's answer is part of that
answer (`deckgen.parse.cards`).

- **bold**: a top-level paragraph that is only bold text ending in `?` (an emoji after it is
  fine) or starting with `Q:`: `**What is bias? 👶**`. Bold labels such as `**Why it works**:`
  are answer text.
- **list**: a list item whose first block is `Q: …` (bold or not), a heading (`1. ### What …`),
  or text that asks (`1. **What is X?**`, `- Why is Y?`, where there are several), with more
  below it in the item; an `A:` label opening the answer is dropped, and an answer that is one nested item
  is unwrapped.
- **details**: `<details><summary>What is X?</summary> … </details>`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from markdown_it.token import Token

from deckgen.parse.details import CLOSE, OPEN, SUMMARY_OPEN
from deckgen.parse.details import blocks as details_blocks
from deckgen.parse.exercises import find_exercises
from deckgen.parse.nesting import closing
from deckgen.parse.numbered import find_numbered
from deckgen.parse.phrasing import looks_like_question, names_a_reveal
from deckgen.parse.terms import (
    Term,
    find_definitions,
    find_pairs,
    find_rows,
    find_term_lines,
)

Kind = Literal["bold", "list", "details", "numbered", "exercise", "term"]

_BOLD = re.compile(r"^\s*(\*\*|__)(?P<text>(?:(?!\1).)+?)\1(?P<tail>[^\w*_:]{0,8})\s*$")
_ASKS = re.compile(r"\?\s*[^\w\s]{0,4}\s*$")
_Q_LABEL = re.compile(
    r"^\s*(?:\*\*|__)?\s*(?:q(?:uestion)?\s*\d*\s*[:.)]|\d+\s*[.)]\s*q\s*[:.])\s*", re.IGNORECASE
)
_A_LABEL = re.compile(
    r"^\s*(?:\*\*|__|\*|_)?\s*(?:a|ans|answer)\s*\d*\s*[:.]\s*(?:\*\*|__|\*|_)?\s*", re.IGNORECASE
)
_WRAPPERS = ("bullet_list_open", "ordered_list_open")


@dataclass(frozen=True, slots=True)
class Asked:
    """A question that is not a heading, found in the block tokens (indices into them)."""

    kind: Kind
    opener: int
    """The token its card begins with."""
    inline: int
    """The inline token that holds the question."""
    text: str
    """The question as Markdown, without its bold markers or `Q:` label."""
    question: tuple[int, ...]
    """Tokens of the question itself (and of labels and wrappers): not part of the answer."""
    end: int | None
    """The token its card ends before; None: the next question or heading ends it."""
    answer_label: int | None = None
    """An inline token of the answer whose leading `A:` label is to be dropped."""
    labelled: bool = True
    """Marked as a question by its form (`Q:`, a heading, a summary), not only by asking."""
    rest: str | None = None
    """Where the question opens a paragraph that goes on with its answer (`**term**: its
    definition`): the answer's text. The question then has an inline token of its own."""


def find_asked(
    tokens: Sequence[Token], only: str | None = None, pattern: str | None = None
) -> list[Asked]:
    """Every bold, list and `<details>` question of `tokens`, in document order; a kind needs
    two questions (one for `Q:` labels and summaries) to count: one bold question in a document
    of headings is emphasis. `only` keeps one kind (`heading`: none), as the `question` setting
    says; `pattern` keeps the questions whose text it finds."""
    if only == "heading":
        return []
    # Each kind below reads the whole document: the kinds whose blocks it lacks are skipped.
    types = {token.type for token in tokens}
    bold = _bold(tokens, any_text=only == "bold")
    items = _list_items(tokens)
    labelled = [a for a in items if a.labelled]
    # Bold questions, in paragraphs or in list items, count where there are several.
    asking = [a for a in items if not a.labelled]
    numbered = [
        Asked("numbered", n.opener, n.inline, n.text, n.question, None)
        for n in find_numbered(tokens)
    ]
    # A numbered question's answer runs past its item: it is that, not an item's question.
    taken = {asked.opener for asked in numbered}
    found = [
        *(a for a in bold if len(bold) >= 2 or only == "bold" if a.opener not in taken),
        *(a for a in labelled if a.opener not in taken),
        *(a for a in asking if len(asking) >= 2 or only == "list" if a.opener not in taken),
        *(_details(tokens) if OPEN in types else ()),
        *numbered,
        *(
            Asked("exercise", e.opener, e.inline, tokens[e.inline].content, e.question, e.end)
            for e in find_exercises(tokens)
        ),
        *(
            Asked("term", d.opener, d.inline, d.text, d.question, d.end, rest=d.rest)
            for d in _terms(tokens, types)
        ),
    ]
    if only is not None:
        kinds = {only, "numbered"} if only == "list" else {only}
        found = [asked for asked in found if asked.kind in kinds]
    if pattern is not None:
        search = re.compile(pattern, re.IGNORECASE).search
        found = [asked for asked in found if search(asked.text)]
    return sorted(found, key=lambda asked: asked.opener)


def _terms(tokens: Sequence[Token], types: set[str]) -> list[Term]:
    """Glossaries, vocabulary and Q&A tables, phrase books and `**term**:` lines, each looked
    for only where the document has the blocks it is made of."""
    found: list[Term] = []
    if "dl_open" in types:
        found += find_definitions(tokens)
    if "table_open" in types:
        found += find_rows(tokens)
    if "blockquote_open" in types:
        found += find_pairs(tokens)
    if any(t.type == "inline" and t.content[:2] in ("**", "__") for t in tokens):
        found += find_term_lines(tokens)
    return found


def _bold(tokens: Sequence[Token], *, any_text: bool = False) -> list[Asked]:
    """Bold-only paragraphs that ask (any bold-only paragraph but a `Label:`, with
    `any_text`: the `question = "bold"` setting)."""
    found = []
    for i, token in enumerate(tokens[:-1]):
        if token.type != "paragraph_open" or token.level != 0:
            continue
        content = tokens[i + 1].content
        plain = _Q_LABEL.match(content)
        if plain is not None:  # `Q: What is X?` (see `deckgen.parse.qalines`)
            text = re.sub(r"(\*\*|__)", "", content[plain.end() :]).strip()
            answer = i + 4 if i + 4 < len(tokens) else None
            if answer is not None and not _A_LABEL.match(tokens[answer].content):
                answer = None
            if text:
                found.append(Asked("bold", i, i + 1, text, (i, i + 1, i + 2), None, answer))
            continue
        match = _BOLD.match(content)
        if match is None or "\n" in content:
            continue
        text = (match["text"].strip() + " " + match["tail"].strip()).strip()
        labelled = _Q_LABEL.match(text)
        if labelled is not None:
            text = text[labelled.end() :]
        if text and (labelled is not None or any_text or _ASKS.search(text)):
            found.append(Asked("bold", i, i + 1, text, (i, i + 1, i + 2), None))
    return found


def _list_items(tokens: Sequence[Token]) -> list[Asked]:
    found = []
    for i, token in enumerate(tokens):
        if token.type != "list_item_open" or token.level != 1 or i + 2 >= len(tokens):
            continue
        first, content = tokens[i + 1], tokens[i + 2].content
        if first.type == "heading_open":
            if (
                looks_like_question(content)
                and (close := closing(tokens, i, past_end=True)) > i + 4
            ):
                found.append(Asked("list", i, i + 2, content, (i + 1, i + 2, i + 3), close))
        # Most items are answer text: the label or bold test first, the item's end only then.
        elif first.type == "paragraph_open" and (_Q_LABEL.match(content) or _ASKS.search(content)):
            asked = _q_item(tokens, i, closing(tokens, i, past_end=True))
            if asked is not None:
                found.append(asked)
        elif first.type == "paragraph_open" and (ends := _hides_answer(tokens, i)) is not None:
            # `1. Which service…` + options + `<details><summary>Answer`: an exam question.
            asked = _q_item(tokens, i, ends, hides=True)
            if asked is not None:
                found.append(asked)
    return found


def _hides_answer(tokens: Sequence[Token], opened: int) -> int | None:
    """The closing index of the list item opened at `opened` when a `<details>` block whose
    summary labels an answer (`Answer`, `show`) is among its own blocks; else None."""
    close = closing(tokens, opened, past_end=True)
    return close if _reveals(tokens, opened, close) else None


def _reveals(tokens: Sequence[Token], opened: int, close: int) -> bool:
    """The item between `opened` and `close` holds a `<details>` labelled as an answer."""
    inside = tokens[opened].level + 1
    return any(
        tokens[j].type == OPEN
        and tokens[j].level == inside
        and tokens[j + 1].type == SUMMARY_OPEN
        and names_a_reveal(tokens[j + 2].content)
        for j in range(opened + 1, close - 2)
    )


def _q_item(tokens: Sequence[Token], i: int, close: int, *, hides: bool = False) -> Asked | None:
    """A `- **Q: …**` item (or `1. What is X?`, bold or not, that asks; or, with `hides`, an
    item whose answer is in its `<details>`) with an answer below the question in the item,
    or None."""
    content = tokens[i + 2].content
    label = _Q_LABEL.match(content)
    bold = _BOLD.match(content) if label is None else None
    asks = hides or (label is None and "\n" not in content and _ASKS.search(content) is not None)
    if close <= i + 4 or (label is None and not asks):
        return None
    if label is not None:
        text = re.sub(r"(\*\*|__)\s*$", "", content[label.end() :]).strip()
    elif bold is not None:
        text = (bold["text"].strip() + " " + bold["tail"].strip()).strip()
    else:
        text = content.strip()
    if not text:
        return None
    skip = [i + 1, i + 2, i + 3]
    start = i + 4
    # One nested `A:` item is the answer itself: unwrap it.
    if tokens[start].type in _WRAPPERS and closing(tokens, start, past_end=True) == close - 1:
        item_end = closing(tokens, start + 1, past_end=True)
        if item_end == close - 2:
            skip += [start, start + 1, item_end, close - 1]
    label_at = next(
        (j for j in range(start, close) if tokens[j].type == "inline"),
        None,
    )
    if label_at is not None and not _A_LABEL.match(tokens[label_at].content):
        label_at = None
    labelled = label is not None or hides or _reveals(tokens, i, close)
    return Asked("list", i, i + 2, text, tuple(skip), close, label_at, labelled)


def _details(tokens: Sequence[Token]) -> list[Asked]:
    """`<details>` blocks whose summary asks; where most summaries ask (three or more), every
    summary but a label (`show`, `Answer`) is a question, as every heading at a question level
    is: `Create a pod that…` among `What is…?` summaries."""
    found: list[tuple[Asked, bool]] = []
    inner = _nested_details(tokens)
    for i, token in enumerate(tokens[:-2]):
        if token.type != OPEN or token.level != 0 or tokens[i + 1].type != SUMMARY_OPEN:
            continue
        if i in inner:
            continue  # a block inside another's answer (`Show example` in it) is that answer's
        text = tokens[i + 2].content
        if not text.strip() or names_a_reveal(text):
            continue  # `<summary>Answer</summary>`, `show`: the answer of the question above
        close = next(
            (j for j in range(i + 4, len(tokens)) if tokens[j].type in (CLOSE, OPEN)), None
        )
        end = close if close is not None and tokens[close].type == CLOSE else None
        asked = Asked("details", i, i + 2, text, (i, i + 1, i + 2, i + 3), end)
        found.append((asked, looks_like_question(text)))
    asking = sum(1 for _, asks in found if asks)
    everyone = asking >= _MOST_SUMMARIES and 3 * asking >= 2 * len(found)
    return [asked for asked, asks in found if asks or everyone]


_MOST_SUMMARIES = 3


def _nested_details(tokens: Sequence[Token]) -> set[int]:
    """Openers of `<details>` blocks that lie inside another one."""
    nested: set[int] = set()
    open_until: list[int] = []  # closing indices of the blocks around the one at hand
    for start, close, _ in details_blocks(tokens):  # by opening index
        while open_until and open_until[-1] < start:
            open_until.pop()
        if open_until:
            nested.add(start)
        open_until.append(close)
    return nested


def strip_answer_label(content: str) -> str:
    """An answer's first line without its `A:` / `*A:*` / `**Answer:**` label."""
    return _A_LABEL.sub("", content, count=1)
