"""Render a card's tokens to the HTML that goes into Anki fields: the one render step."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token

from deckgen.model import NoteFields
from deckgen.render.media import ENV_KEY
from deckgen.render.sanitize import sanitize_html


def render_fields(
    heading: Token,
    answer: Sequence[Token],
    part_html: str,
    md: MarkdownIt,
    *,
    media: Mapping[str, str],
    allow_html: bool,
) -> NoteFields:
    """A card's fields from its question heading's `inline` token and its answer's block tokens
    (inline content parsed), with images under their packed names (`media`: src → name).

    With `allow_html` the author's raw HTML is kept, cleaned; else it was escaped when parsed.
    """
    env = {ENV_KEY: media}
    renderer = cast(RendererHTML, md.renderer)
    question = renderer.renderInline(heading.children or [], md.options, env)
    html: str = renderer.render(list(answer), md.options, env)
    answer_html = html.strip()
    if allow_html:
        question, answer_html = sanitize_html(question, media), sanitize_html(answer_html, media)
    return NoteFields(question, answer_html, part_html)


def render_part(heading: str, md: MarkdownIt, *, allow_html: bool) -> str:
    """A part heading (inline Markdown source) as HTML, for the Part field."""
    html: str = md.renderInline(heading).strip()
    return sanitize_html(html, {}) if allow_html else html
