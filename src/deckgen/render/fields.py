"""Render a card's token slice to the HTML that goes into Anki fields."""

from __future__ import annotations

from typing import cast

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.utils import EnvType

from deckgen.model import Card


def render_question(card: Card, md: MarkdownIt, env: EnvType | None = None) -> str:
    """The question heading's inline HTML (math and code included)."""
    renderer = cast(RendererHTML, md.renderer)
    return renderer.renderInline(card.heading.children or [], md.options, env or {})


def render_answer(card: Card, md: MarkdownIt, env: EnvType | None = None) -> str:
    """The answer's HTML, rendered from the card's slice of the document's tokens (no re-parse).

    `env` reaches the render rules, e.g. the packed image names (`deckgen.render.media.ENV_KEY`).
    """
    html: str = md.renderer.render(list(card.answer), md.options, env or {})
    return html.strip()


def render_inline_source(text: str, md: MarkdownIt) -> str:
    """Inline Markdown such as a part heading, rendered to HTML."""
    html: str = md.renderInline(text)
    return html.strip()
