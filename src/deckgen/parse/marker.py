"""`<!-- id: … -->` under a question pins that card's ID; the marker never shows on the card."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock

from deckgen.identity.pins import MARKER

TOKEN = "deckgen_id"


def id_marker_plugin(md: MarkdownIt, *, token_type: str = TOKEN) -> None:
    """A block rule for a line that is exactly `<!-- id: X -->`: a `token_type` token, no HTML.

    It runs before the HTML block rule, so the marker is recognised and hidden whether raw HTML
    is allowed or escaped.
    """

    def rule(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        if state.is_code_block(start):
            return False
        first = state.bMarks[start] + state.tShift[start]
        # Tried at the start of every block: most are told apart without copying their line.
        if not state.src.startswith("<!--", first):
            return False
        line = state.src[first : state.eMarks[start]]
        match = MARKER.match(line)
        if match is None:
            return False
        if not silent:
            token = state.push(token_type, "", 0)
            token.map = [start, start + 1]
            token.content = match[1]
        state.line = start + 1
        return True

    md.block.ruler.before("html_block", token_type, rule)
    md.add_render_rule(token_type, lambda *_: "")
