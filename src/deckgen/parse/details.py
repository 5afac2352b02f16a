"""`<details><summary>…</summary> … </details>`: the GitHub README way of hiding an answer.

A block rule reads the three kinds of line it is written with (`<details>`, `<summary>…</summary>`,
`</details>`, the first two often on one line) as tokens of their own, whether raw HTML is
allowed or not, so the Markdown between them is parsed as Markdown: the answer a card shows. The
wrapper itself renders as nothing (a card's back is already what the reader opens), and a summary
that asks a question is one (see `deckgen.parse.asked`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererProtocol
from markdown_it.rules_block import StateBlock
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from deckgen.parse.tagtext import markdown_text

OPEN = "details_open"
CLOSE = "details_close"
SUMMARY_OPEN = "summary_open"
SUMMARY_CLOSE = "summary_close"

_LINE = re.compile(
    r"^(?:<details\b[^>]*>\s*(?P<inline><summary\b[^>]*>(?P<text>.*?)</summary>)?"
    r"|<summary\b[^>]*>(?P<alone>.*?)</summary>"
    r"|(?P<close></details>))(?:\s*<br\s*/?>)*\s*$",
    re.IGNORECASE,
)
"""A `<details>`, `<summary>…</summary>` or `</details>` line; the `<br>` READMEs put after a
summary to space the answer from it is part of the line."""


def blocks(tokens: Sequence[Token]) -> list[tuple[int, int, str | None]]:
    """(opening index, closing index, summary text or None) of every top-level `<details>`
    block that is closed, in document order (nested ones too); one never closed is none."""
    found: list[tuple[int, int, str | None]] = []
    opened: list[int] = []
    for index, token in enumerate(tokens):
        if token.level != 0:
            continue
        if token.type == OPEN:
            opened.append(index)
        elif token.type == CLOSE and opened:
            start = opened.pop()
            summary = start + 1 < len(tokens) and tokens[start + 1].type == SUMMARY_OPEN
            found.append((start, index, tokens[start + 2].content if summary else None))
    return sorted(found)


def details_plugin(md: MarkdownIt) -> None:
    """Read `<details>`, `<summary>` and `</details>` lines as tokens; render them as nothing."""
    md.block.ruler.before(
        "html_block",
        "deckgen_details",
        _details_line,
        {"alt": ["paragraph", "reference", "blockquote", "list"]},
    )
    for kind in (OPEN, CLOSE, SUMMARY_OPEN, SUMMARY_CLOSE):
        md.add_render_rule(kind, _nothing)


def _details_line(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if state.sCount[start] - state.blkIndent >= 4:
        return False  # indented code
    begin = state.bMarks[start] + state.tShift[start]
    if not state.src.startswith("<", begin):
        return False  # every block start comes here: the cheapest test first
    line, last = state.src[begin : state.eMarks[start]], start + 1
    if (match := _LINE.match(line)) is None:
        line, last = _summary_lines(state, start, end, line)
        if (match := _LINE.match(line)) is None:
            return False
    if silent:
        return True
    where = [start, last]
    # Nesting 0 throughout: a `<details>` never closed must not push every later heading
    # down a level, out of sight.
    if match["close"]:
        _push(state, CLOSE, where)
    elif match["alone"] is not None:
        _summary(state, match["alone"], where)
    else:
        _push(state, OPEN, where)
        if match["inline"]:
            _summary(state, match["text"], where)
    state.line = last
    return True


_SUMMARY_LINES = 4
"""How many lines a summary may run over (`<summary><b>What is X?` then `</b></summary>`)."""


def _summary_lines(state: StateBlock, start: int, end: int, line: str) -> tuple[str, int]:
    """A `<summary>` opened on `line` and closed a few lines below: the lines joined by spaces,
    and the line after them; else `line` as it is."""
    if "<summary" not in line.lower() or "</summary>" in line.lower():
        return line, start + 1
    joined = line
    for below in range(start + 1, min(end, start + _SUMMARY_LINES)):
        text = state.src[state.bMarks[below] + state.tShift[below] : state.eMarks[below]]
        if not text.strip():
            break  # a blank line ends any HTML block: the summary was never closed
        joined += " " + text
        if "</summary>" in text.lower():
            return joined, below + 1
    return line, start + 1


def _summary(state: StateBlock, text: str, where: list[int]) -> None:
    _push(state, SUMMARY_OPEN, where)
    inline = state.push("inline", "", 0)
    inline.content = markdown_text(text)
    inline.map = where
    inline.children = []
    _push(state, SUMMARY_CLOSE, where)


def _push(state: StateBlock, kind: str, where: list[int]) -> None:
    token = state.push(kind, "", 0)
    token.map = where
    token.block = True


def _nothing(
    self: RendererProtocol, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return ""
