"""Pandoc fenced divs (`::: challenge` … `:::`), as lessons written for Pandoc use them.

The Carpentries and other lesson sources box their exercises, solutions, callouts and key
points in fenced divs: a line of three or more colons and a class name (or `{.class}`) opens
one, a line of colons alone closes the innermost open one, and they nest. This block rule reads
a div that is closed as a `div_open` token (its class in `info`) around its content, parsed as
Markdown; a line of colons that closes nothing, or opens a div never closed, is left to the
other rules. The wrapper renders as nothing (the card shows what is inside it). Which divs ask
a question is `deckgen.parse.exercises`'s to say.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererProtocol
from markdown_it.rules_block import StateBlock
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

OPEN = "div_open"
CLOSE = "div_close"
_OPENING = re.compile(r"^:{3,}\s*(?:\{\s*\.?(?P<braced>[\w-]+)[^}]*\}|(?P<name>[\w-]+))\s*:*\s*$")
_CLOSING = re.compile(r"^:{3,}\s*$")


def divs_plugin(md: MarkdownIt) -> None:
    """Read `::: name` … `:::` blocks as `div_open`/`div_close` around Markdown."""
    md.block.ruler.before(
        "fence", "deckgen_divs", _div, {"alt": ["paragraph", "blockquote", "list"]}
    )
    for kind in (OPEN, CLOSE):
        md.add_render_rule(kind, _nothing)


def _div(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if state.sCount[start] - state.blkIndent >= 4:
        return False  # indented code
    begin = state.bMarks[start] + state.tShift[start]
    if not state.src.startswith(":::", begin):
        return False  # every block start comes here: the cheapest test first
    opening = _OPENING.match(state.src[begin : state.eMarks[start]])
    if opening is None:
        return False
    close = _closing_line(state, start, end)
    if close is None:
        return False
    if silent:
        return True
    opened = state.push(OPEN, "div", 1)
    opened.info = (opening["braced"] or opening["name"] or "").lower()
    opened.map = [start, close + 1]
    opened.block = True
    old_max, old_parent = state.lineMax, state.parentType
    state.lineMax, state.parentType = close, "div"
    try:
        state.md.block.tokenize(state, start + 1, close)
    finally:
        state.lineMax, state.parentType = old_max, old_parent
    closed = state.push(CLOSE, "div", -1)
    closed.map = [close, close + 1]
    closed.block = True
    state.line = close + 1
    return True


def _closing_line(state: StateBlock, start: int, end: int) -> int | None:
    """The line of colons that closes the div opened at `start` (divs nest), or None."""
    depth, fence = 1, ""
    for line in range(start + 1, end):
        if state.sCount[line] - state.blkIndent >= 4:
            continue
        text = state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]
        if fence or text.startswith(("```", "~~~")):
            # Colons inside a code fence are code.
            fence = "" if fence and text.startswith(fence) else (fence or text[:3])
            continue
        if not text.startswith(":::"):
            continue
        if _CLOSING.match(text):
            depth -= 1
            if depth == 0:
                return line
        elif _OPENING.match(text):
            depth += 1
    return None


def _nothing(
    self: RendererProtocol, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return ""
