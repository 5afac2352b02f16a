"""`Q: …` / `A: …` lines: the plain-text way of writing a card, one question line at a time.

Markdown joins consecutive lines into one paragraph, so `Q: What is X?` followed by `A: It is Y.`
would be one block. This block rule reads a `Q:` line as a paragraph of its own, so the question
and its answer are blocks of their own (`deckgen.parse.asked` pairs them).
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock

_FIRST = frozenset("Qq*_")
_Q_LINE = re.compile(r"^(?:\*\*|__)?\s*(?:q|question)\s*\d*\s*[:.)]", re.IGNORECASE)


def qa_lines_plugin(md: MarkdownIt) -> None:
    """Read a `Q:` line as a paragraph of its own."""
    md.block.ruler.before("paragraph", "deckgen_qa_lines", _question_lines, {"alt": ["paragraph"]})


def _question_lines(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    begin = state.bMarks[start] + state.tShift[start]
    # Every block start comes here: the cheapest test first.
    if state.src[begin : begin + 1] not in _FIRST or state.sCount[start] - state.blkIndent >= 4:
        return False
    if not _Q_LINE.match(_line(state, start)):
        return False
    if silent:
        return True
    # One line: what follows (an `A:` line, a nested list, more text) is the answer's.
    last = start + 1
    opened = state.push("paragraph_open", "p", 1)
    opened.map = [start, last]
    inline = state.push("inline", "", 0)
    inline.content = state.getLines(start, last, state.blkIndent, False).strip()
    inline.map = [start, last]
    inline.children = []
    state.push("paragraph_close", "p", -1)
    state.line = last
    return True


def _line(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]
