"""Reading one source with its settings: command line over front matter over config file.

The document is parsed once; front matter and heading levels are read off that token stream
before it is split into parts and cards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from markdown_it import MarkdownIt
from markdown_it.token import Token

from deckgen.config.frontmatter import front_matter_settings
from deckgen.config.settings import SourceSettings
from deckgen.errors import DeckgenError, SourceError
from deckgen.model import Document
from deckgen.parse.cards import CardTokens, parse_tokens
from deckgen.parse.shape import Reading, Shape, detect_shape, read_questions
from deckgen.source import read_source

if TYPE_CHECKING:
    from deckgen.config.project import Config


@dataclass(frozen=True, slots=True)
class LoadedSource:
    """A source's text, the document parsed from it, its settings and the shape it was read with."""

    text: str
    document: Document
    settings: SourceSettings
    shape: Shape
    tokens: tuple[Token, ...] = field(default=(), repr=False, compare=False)
    """The one parse's token stream (block tokens only, when parsed with the block parser)."""
    cards: tuple[CardTokens, ...] = field(default=(), repr=False, compare=False)
    """Each card's slice of `tokens`."""
    env: dict[str, object] = field(default_factory=dict, repr=False, compare=False)
    """The parse's environment: the link reference definitions the inline pass needs."""
    reading: Reading | None = field(default=None, repr=False, compare=False)
    """What detection read off `tokens` (questions, headings), before the splitter's edits."""


def load_source(
    path: Path,
    md: MarkdownIt,
    overrides: SourceSettings | None = None,
    config: Config | None = None,
    *,
    text: str | None = None,
    parser: Callable[[bool], MarkdownIt] | None = None,
) -> LoadedSource:
    """Read (unless `text` is given), parse and settle the settings of `path` (a document may
    still have no card).

    Whether raw HTML is kept changes the parse (an HTML block holds its lines), and the front
    matter may say so: with `parser` (a parser by `html`), a document whose settled `html`
    differs from `md`'s is parsed again by the parser that matches (the front matter reads the
    same either way).
    """
    if text is None:
        text = read_source(path)
    env: dict[str, object] = {}
    tokens = md.parse(text, env)
    settings = (overrides or SourceSettings()).over(front_matter_settings(tokens, path))
    if config is not None:
        settings = settings.over(config.for_source(path))
    if parser is not None and settings.keeps_html != bool(md.options["html"]):
        env = {}
        tokens = parser(settings.keeps_html).parse(text, env)
    try:
        reading = read_questions(tokens, settings.question, settings.question_pattern)
        shape = detect_shape(
            tokens,
            part_level=settings.part_level,
            question_level=settings.question_level,
            question=settings.question,
            pattern=settings.question_pattern,
            asked=reading.asked,
            headings=list(reading.headings),
        )
    except DeckgenError as exc:
        raise SourceError(path, None, str(exc)) from None
    split = parse_tokens(tokens, text, path, shape=shape, reading=reading)
    return LoadedSource(
        text, split.document, settings, shape, tuple(tokens), split.tokens, env, reading
    )
