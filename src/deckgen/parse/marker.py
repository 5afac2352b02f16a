"""`<!-- id: … -->` under a question pins that card's ID; the marker never shows on the card."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock

from deckgen.errors import SourceError
from deckgen.identity.ids import NOTE_ID
from deckgen.model import Card, Document

TOKEN = "deckgen_id"
MARKER = re.compile(r"^<!--\s*id:\s*(.*?)\s*-->\s*$")


def id_marker_plugin(md: MarkdownIt, *, token_type: str = TOKEN) -> None:
    """A block rule for a line that is exactly `<!-- id: X -->`: a `token_type` token, no HTML.

    It runs before the HTML block rule, so the marker is recognised and hidden whether raw HTML
    is allowed or escaped.
    """

    def rule(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        if state.is_code_block(start):
            return False
        line = state.src[state.bMarks[start] + state.tShift[start] : state.eMarks[start]]
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


def pinned_ids(document: Document) -> list[str | None]:
    """Each card's pinned ID in document order (None when it has no marker).

    A malformed ID, two markers on one card, or one ID pinned by two cards is an error at the
    marker's line: each would otherwise merge or split review histories.
    """
    pins: list[str | None] = []
    where: dict[str, int] = {}
    for card in document.cards:
        pin = _card_pin(card, document)
        if pin is not None:
            note_id, line = pin
            if note_id in where:
                raise SourceError(
                    document.path, line, f"ID {note_id} is already pinned at line {where[note_id]}"
                )
            where[note_id] = line
        pins.append(pin[0] if pin else None)
    return pins


def _card_pin(card: Card, document: Document) -> tuple[str, int] | None:
    found: tuple[str, int] | None = None
    for token in card.answer:
        if token.type != TOKEN:
            continue
        line = token.map[0] + 1 if token.map else card.line
        if found is not None:
            raise SourceError(
                document.path, line, f"second ID marker for this question (first at {found[1]})"
            )
        if not NOTE_ID.match(token.content):
            raise SourceError(
                document.path,
                line,
                f"{token.content!r} is not an ID (letters, digits, - and _; at most 64)",
            )
        found = (token.content, line)
    return found


def without_markers(markdown: str) -> str:
    """Markdown with its ID marker lines dropped: what a content digest should see."""
    return "".join(
        line for line in markdown.splitlines(keepends=True) if not MARKER.match(line.strip())
    )
