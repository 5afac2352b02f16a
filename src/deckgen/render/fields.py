"""Render a card's tokens to the HTML that goes into Anki fields: the one render step."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import cast

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token

from deckgen.model import NoteFields
from deckgen.render.media import ENV_KEY, UNPACKED_KEY
from deckgen.render.sanitize import sanitize_html

_RAW = frozenset(("html_inline", "html_block"))


def render_fields(
    heading: Token,
    answer: Sequence[Token],
    part_html: str,
    md: MarkdownIt,
    *,
    media: Mapping[str, str],
    unpacked: Mapping[str, str] | None = None,
    allow_html: bool,
) -> NoteFields:
    """A card's fields from its question heading's `inline` token and its answer's block tokens
    (inline content parsed), with images under their packed names (`media`: src → name) and
    the images it does not carry as their alt text and a note (`unpacked`: src → note).

    With `allow_html` the author's raw HTML is kept, and a field that holds some is cleaned
    (see `deckgen.render.sanitize`); else it was escaped when parsed. A field without raw HTML
    is deckgen's own escaped output, written as it is.
    """
    env = {ENV_KEY: media, UNPACKED_KEY: unpacked or {}}
    renderer = cast(RendererHTML, md.renderer)
    question = renderer.renderInline(heading.children or [], md.options, env)
    html: str = renderer.render(list(answer), md.options, env)
    answer_html = html.strip()
    if allow_html and has_raw_html([heading]):
        question = sanitize_html(question, media)
    if allow_html and has_raw_html(answer):
        answer_html = sanitize_html(answer_html, media)
    return NoteFields(question, answer_html, part_html)


def render_part(heading: str, md: MarkdownIt, *, allow_html: bool) -> str:
    """A part heading (inline Markdown source) as HTML, for the Part field."""
    if not allow_html or "<" not in heading:
        return str(md.renderInline(heading)).strip()
    env: dict[str, object] = {}
    tokens = md.parseInline(heading, env)
    html = str(md.renderer.render(tokens, md.options, env)).strip()
    return sanitize_html(html, {}) if has_raw_html(tokens) else html


def has_raw_html(tokens: Iterable[Token]) -> bool:
    """Some token, or some child of an inline token, is raw HTML."""
    for token in tokens:
        if token.type in _RAW:
            return True
        if token.children and any(child.type in _RAW for child in token.children):
            return True
    return False
