"""Numbered questions whose answers are not indented under them, read as their author wrote them.

People number their questions and write the answer on the lines below, at the margin or
indented less than Markdown's list rules want. GitHub then joins the first answer line to the
question (`6. What are the keywords?` + `try - …` on the next line: one paragraph), or shows an
answer indented by four spaces under `437. ### What is hoisting?` as code (the item's content
starts at column six). A reader sees a question, then its answer. Two block rules read it so:

- a numbered line that asks (`21.Why…?`, with no space after the number, or the first line of
  an ordered list item whose next line is not indented under it) is a paragraph of its own, so
  the lines after it are the answer's, not the question's;
- lines indented four spaces or more right after such a list, but less than its last item's
  content, are Markdown at that indentation (the answer), not an indented code block.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock

from deckgen.parse.phrasing import looks_like_question

_STUCK_NUMBER = re.compile(r"^(?:\*\*|__)?\d{1,4}[.)](?=[^\s\d.)])")
"""`21.Why …`: a number glued to its text, which Markdown reads as a paragraph."""
_BOLD_NUMBERED = re.compile(r"^(\*\*|__)\d{1,4}[.)]\s+(?:(?!\1).)+\1\s*$")
"""`**2. Exception hierarchy**`: a whole line in bold, numbered: a question's label."""
_ITEM_MARKER = re.compile(r"^ *\d{1,9}[.)] *")


def numbered_lines_plugin(md: MarkdownIt) -> None:
    """A numbered question line alone; an under-indented answer after a numbered item."""
    md.block.ruler.before("paragraph", "deckgen_numbered_question", _question_line)
    md.block.ruler.before("code", "deckgen_outdented_answer", _outdented_answer)


def _question_line(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    below = start + 1
    if state.sCount[start] - state.blkIndent >= 4 or below >= end or state.isEmpty(below):
        return False  # a line alone is a paragraph of its own already
    line = _line(state, start)
    # The first block of an ordered item (`parentType` is no guide: `lheading` leaves it
    # set to "paragraph" when it finds no underline).
    opens_item = (
        bool(state.tokens)
        and state.tokens[-1].type == "list_item_open"
        and state.tokens[-1].info.isdigit()
    )
    if opens_item:
        if state.sCount[below] >= state.blkIndent:
            return False  # the next line is indented under the item: Markdown's own reading
    elif state.blkIndent != 0:
        return False
    elif _BOLD_NUMBERED.match(line):
        return _paragraph(state, start, line, silent)
    elif not _STUCK_NUMBER.match(line):
        return False
    if not looks_like_question(line.strip("*_ ")):
        return False
    return _paragraph(state, start, line, silent)


def _paragraph(state: StateBlock, start: int, line: str, silent: bool) -> bool:
    """`line` alone as a paragraph."""
    below = start + 1
    if silent:
        return True
    opened = state.push("paragraph_open", "p", 1)
    opened.map = [start, below]
    inline = state.push("inline", "", 0)
    inline.content = line.strip()
    inline.map = [start, below]
    inline.children = []
    state.push("paragraph_close", "p", -1)
    state.line = below
    return True


def _outdented_answer(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    indent = state.sCount[start] - state.blkIndent
    if indent < 4 or not state.tokens or state.tokens[-1].type != "ordered_list_close":
        return False
    width = _last_item_width(state)
    if width is None or indent >= width:
        return False
    last = start
    while last < end and (state.isEmpty(last) or state.sCount[last] - state.blkIndent >= 4):
        last += 1
    while last > start and state.isEmpty(last - 1):
        last -= 1
    if silent:
        return True
    outer = state.blkIndent
    state.blkIndent = outer + 4
    try:
        state.md.block.tokenize(state, start, last)
    finally:
        state.blkIndent = outer
    state.line = last
    return True


def _last_item_width(state: StateBlock) -> int | None:
    """How far the content of the list just closed starts (`437. ` → 5), from its last item."""
    level = state.tokens[-1].level + 1
    for token in reversed(state.tokens):
        if token.type == "list_item_open" and token.level == level and token.map:
            marker = _ITEM_MARKER.match(_line(state, token.map[0], raw=True))
            return len(marker[0]) if marker else None
    return None


def _line(state: StateBlock, line: int, *, raw: bool = False) -> str:
    begin = state.bMarks[line] + (0 if raw else state.tShift[line])
    return state.src[begin : state.eMarks[line]]
