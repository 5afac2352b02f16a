"""Bold lead-ins as small headings: `**Why it works**:` on its own line opens a section.

Answers often label their parts with a bold phrase and a colon, alone in a paragraph or right
before a list. Such a paragraph gets the class `dg-lead`, which the card CSS draws as a small
heading, so a long answer can be scanned by its labels. A bold word that merely starts a
sentence stays ordinary bold text.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

LEAD_CLASS = "dg-lead"
_LABEL_TAIL = re.compile(r"\s*:?\s*")
_LISTS = ("bullet_list_open", "ordered_list_open")


def lead_plugin(md: MarkdownIt) -> None:
    """Mark lead-in paragraphs with `class="dg-lead"`."""
    md.core.ruler.push("deckgen_leads", _mark_leads)


def _mark_leads(state: StateCore) -> None:
    tokens = state.tokens
    for i, token in enumerate(tokens[:-2]):
        if token.type == "paragraph_open" and not token.hidden and _is_lead(tokens, i):
            token.attrJoin("class", LEAD_CLASS)


def _is_lead(tokens: list[Token], i: int) -> bool:
    # markdown-it leaves an empty text token where the `**` delimiter was.
    children = [c for c in tokens[i + 1].children or [] if c.type != "text" or c.content]
    if not children or children[0].type != "strong_open":
        return False
    close = next((n for n, child in enumerate(children) if child.type == "strong_close"), None)
    if close is None:
        return False
    tail = children[close + 1 :]
    if all(c.type == "text" for c in tail) and _LABEL_TAIL.fullmatch(
        "".join(c.content for c in tail)
    ):
        return True
    # "**GRU** (Gated Recurrent Unit):" on one line, then a list: the list's label.
    after = tokens[i + 3] if i + 3 < len(tokens) else None
    one_line = all(c.type not in ("softbreak", "hardbreak") for c in children)
    ends_with_colon = tokens[i + 1].content.rstrip().endswith(":")
    return one_line and ends_with_colon and after is not None and after.type in _LISTS
