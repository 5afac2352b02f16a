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

OPEN = "details_open"
CLOSE = "details_close"
SUMMARY_OPEN = "summary_open"
SUMMARY_CLOSE = "summary_close"

_LINE = re.compile(
    r"^(?:<details\b[^>]*>\s*(?P<inline><summary\b[^>]*>(?P<text>.*?)</summary>)?"
    r"|<summary\b[^>]*>(?P<alone>.*?)</summary>"
    r"|(?P<close></details>))\s*$",
    re.IGNORECASE,
)


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
    line = state.src[begin : state.eMarks[start]]
    if (match := _LINE.match(line)) is None:
        return False
    if silent:
        return True
    where = [start, start + 1]
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
    state.line = start + 1
    return True


def _summary(state: StateBlock, text: str, where: list[int]) -> None:
    _push(state, SUMMARY_OPEN, where)
    inline = state.push("inline", "", 0)
    inline.content = _without_tags(text).strip()
    inline.map = where
    inline.children = []
    _push(state, SUMMARY_CLOSE, where)


def _push(state: StateBlock, kind: str, where: list[int]) -> None:
    token = state.push(kind, "", 0)
    token.map = where
    token.block = True


_TAG = re.compile(r"</?(?:b|strong|i|em|p|span|code)\b[^>]*>", re.IGNORECASE)


def _without_tags(text: str) -> str:
    # `<summary><b>Answer</b></summary>`: the words, as Markdown would have them.
    return _TAG.sub("", text)


def _nothing(
    self: RendererProtocol, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return ""
