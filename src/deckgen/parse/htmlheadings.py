"""Raw HTML headings (`<h3 name="config">` … `</h3>`) read as the headings GitHub shows.

Project FAQs and READMEs write headings in HTML to give them an anchor or centre them. GitHub
renders them as headings, and a reader sees a question or a title there; as an HTML block (or,
with raw HTML off, as a paragraph of text) detection would not. This block rule reads an
`<hN …>` that opens a line and closes (`</hN>`) a few lines below, with no blank line between,
as a heading token of level N whose text is the heading's words as Markdown.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock

from deckgen.parse.tagtext import markdown_text

_OPEN = re.compile(r"^<h([1-6])\b[^>]*>", re.IGNORECASE)
_LINES = 6
"""How many lines a heading may run over (`<h3 name="x">`, its text, `</h3>`)."""


def html_headings_plugin(md: MarkdownIt) -> None:
    """Read `<h1>`…`<h6>` blocks as headings."""
    md.block.ruler.before(
        "html_block", "deckgen_html_headings", _html_heading, {"alt": ["paragraph"]}
    )


def _html_heading(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if state.sCount[start] - state.blkIndent >= 4:
        return False  # indented code
    begin = state.bMarks[start] + state.tShift[start]
    if not state.src.startswith("<", begin):
        return False  # every block start comes here: the cheapest test first
    first = state.src[begin : state.eMarks[start]]
    opened = _OPEN.match(first)
    if opened is None:
        return False
    level, closing = opened[1], f"</h{opened[1]}>"
    lines = [first[opened.end() :]]
    for line in range(start, min(end, start + _LINES)):
        if line > start:
            text = state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]
            if not text.strip():
                return False  # a blank line ends an HTML block before the heading closed
            lines.append(text)
        at = lines[-1].lower().find(closing)
        if at >= 0:
            if lines[-1][at + len(closing) :].strip():
                return False  # more after the heading on its line: not a heading block
            lines[-1] = lines[-1][:at]
            return _push(state, start, line + 1, int(level), " ".join(lines), silent)
    return False


def _push(state: StateBlock, start: int, end: int, level: int, html: str, silent: bool) -> bool:
    text = markdown_text(html)
    if not text:
        return False
    if silent:
        return True
    opened = state.push("heading_open", f"h{level}", 1)
    opened.markup = "#" * level
    opened.map = [start, end]
    inline = state.push("inline", "", 0)
    inline.content = text
    inline.map = [start, end]
    inline.children = []
    state.push("heading_close", f"h{level}", -1)
    state.line = end
    return True
