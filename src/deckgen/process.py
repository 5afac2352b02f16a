"""A full build that holds one card's inline tokens at a time.

markdown-it parses in two passes: blocks for the whole text, then the inline content of every
block. Only the blocks are needed to find the settings, the shape, the parts and the cards, and
to run the rules that read the document. So the text is block-parsed once; then, card by card,
the inline content is parsed (exactly as markdown-it's own `inline` and `text_join` passes do),
checked by the rules that look at one token at a time, rendered, and dropped. Every token is
parsed once, and the largest documents need a fraction of the memory of a whole token stream.

When a document has link reference definitions (inline links need all of them before any inline
content is parsed) or `check` has a rule this module does not know, the caller parses the whole
stream at once instead (`streamable` says which).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from markdown_it import MarkdownIt
from markdown_it.rules_core.state_core import StateCore
from markdown_it.token import Token

from deckgen.cache.forked import start_in_child
from deckgen.cache.snapshot import DOCUMENT_RULES, LOCAL_RULES, REFERENCE
from deckgen.check.context import Lint, Rule
from deckgen.check.rules import RULES
from deckgen.check.structure import deep_nesting
from deckgen.model import Card, Diagnostic, MediaFile, NoteFields
from deckgen.parse.markdown import block_markdown, passes_after_block
from deckgen.render.fields import render_answer, render_inline_source, render_question
from deckgen.render.media import ENV_KEY, find_images, plan_media
from deckgen.render.sanitize import sanitize_html

# `block_markdown` lives with the other parsers (`deckgen list` needs no more), and is the
# parser this module streams.
__all__ = ["PARALLEL_CARDS", "Streamed", "block_markdown", "stream", "streamable"]

_CHUNK_LOCAL = frozenset({"inline", "text_join", "deckgen_leads"})
"""Core passes that may follow `block`: each reads and changes only the tokens of one block and
the few after it, so running them over one card's tokens gives what they give over the whole."""


@dataclass(slots=True)
class Streamed:
    """What the inline pass over a block-parsed document gives."""

    found: dict[Rule, list[Diagnostic]]
    """Every build rule's diagnostics, as `deckgen.cache.incremental.run_rules` gives them."""
    rendered: list[NoteFields] = field(default_factory=list)
    """Each card's fields, in document order."""
    media: tuple[MediaFile, ...] = ()
    has_images: bool = False


def streamable(text: str, md: MarkdownIt) -> bool:
    """Whether `stream` gives for `text` exactly what one whole parse with `md` gives."""
    active = md.get_active_rules()["core"]
    return (
        active[:2] == ["normalize", "block"]
        and "inline" in active
        and set(active[2:]) <= _CHUNK_LOCAL
        and set(RULES) <= {*LOCAL_RULES, *DOCUMENT_RULES, deep_nesting}
        and not REFERENCE.search(text)
    )


PARALLEL_CARDS = 500
"""From this many cards on, a second process renders half of them (see `deckgen.cache.forked`)."""


def stream(
    tokens: Sequence[Token],
    cards: Sequence[Card],
    md: MarkdownIt,
    lint: Lint,
    *,
    question_level: int,
    progress: Callable[[int, int], None] | None = None,
) -> Streamed:
    """Parse, check and render the inline content of block `tokens` one card at a time.

    `lint` is over the whole block stream; `progress(done, total)` hears about each card. A large
    document's second half is done in a forked child at the same time; the result is the same.
    """
    found: dict[Rule, list[Diagnostic]] = {rule: list(rule(lint)) for rule in DOCUMENT_RULES}
    found[deep_nesting] = list(deep_nesting(lint))
    ranges = _chunks(tokens, question_level)
    work = _Worker(tokens, cards, md, lint)
    halves = [ranges]
    if len(cards) >= PARALLEL_CARDS:
        middle = _middle(ranges)
        halves = [ranges[:middle], ranges[middle:]]
    second = start_in_child(lambda: work.run(halves[1])) if len(halves) == 2 else None
    # While a child does the other half, this half's count stands for both.
    shares = [work.run(halves[0], progress, scale=2 if second is not None else 1)]
    if len(halves) == 2:
        shares.append((second() if second is not None else None) or work.run(halves[1]))
    result = Streamed(found)
    files: dict[str, MediaFile] = {}
    for share in shares:
        for rule, diagnostics in zip(LOCAL_RULES, share.local, strict=True):
            found.setdefault(rule, []).extend(diagnostics)
        result.rendered.extend(NoteFields(*fields) for fields in share.rendered)
        result.has_images |= share.has_images
        files.update((name, MediaFile(name, data)) for name, data in share.files)
    if progress is not None:
        progress(len(cards), len(cards))
    result.media = tuple(files[name] for name in sorted(files))
    return result


@dataclass(slots=True)
class _Share:
    """One worker's results, as plain data (a child sends them back pickled)."""

    local: list[list[Diagnostic]] = field(default_factory=lambda: [[] for _ in LOCAL_RULES])
    rendered: list[tuple[str, str, str]] = field(default_factory=list)
    has_images: bool = False
    files: list[tuple[str, bytes]] = field(default_factory=list)


class _Worker:
    def __init__(
        self,
        tokens: Sequence[Token],
        cards: Sequence[Card],
        md: MarkdownIt,
        lint: Lint,
    ) -> None:
        self.tokens = tokens
        self.cards = cards
        self.md = md
        self.lint = lint
        self.by_heading = {id(card.heading): card for card in cards}
        self.passes = [step for _, step in passes_after_block(md)]

    def run(
        self,
        ranges: Sequence[tuple[int, int]],
        progress: Callable[[int, int], None] | None = None,
        *,
        scale: int = 1,
    ) -> _Share:
        """Parse, check and render the chunks in `ranges`, then free their inline tokens."""
        md, lint = self.md, self.lint
        allow_html = lint.allow_html
        share = _Share()
        part_html: dict[str, str] = {}
        env: dict[str, object] = {}
        for start, end in ranges:
            chunk = list(self.tokens[start:end])
            state = StateCore("", md, env, chunk)
            for step in self.passes:
                step(state)
            chunk_lint = _with_tokens(lint, chunk)
            for rule, found in zip(LOCAL_RULES, share.local, strict=True):
                found.extend(rule(chunk_lint))
            has_images = any(True for _ in find_images(chunk))
            share.has_images |= has_images
            card = self.by_heading.get(id(chunk[1])) if len(chunk) > 1 else None
            if card is not None:
                names: Mapping[str, str] = {}
                if has_images:
                    media = plan_media(chunk, lint.path)
                    share.files.extend((file.name, file.data) for file in media.files)
                    names = media.names
                render_env = {ENV_KEY: names}
                heading = card.part.heading

                def clean(html: str, names: Mapping[str, str] = names) -> str:
                    return sanitize_html(html, names) if allow_html else html

                if heading not in part_html:
                    part_html[heading] = clean(render_inline_source(heading, md))
                share.rendered.append(
                    (
                        clean(render_question(card, md, render_env)),
                        clean(render_answer(card, md, render_env)),
                        part_html[heading],
                    )
                )
                done = min(scale * len(share.rendered), len(self.cards) - 1)
                if progress is not None:
                    progress(done, len(self.cards))
            for token in chunk:
                if token.type == "inline":
                    token.children = None  # rendered and checked: free them
        return share


def _middle(ranges: Sequence[tuple[int, int]]) -> int:
    """The index that splits `ranges` into two runs of about as many tokens."""
    total = ranges[-1][1] - ranges[0][0] if ranges else 0
    for index, (start, _) in enumerate(ranges):
        if start - ranges[0][0] >= total // 2:
            return index
    return len(ranges)


def _chunks(tokens: Sequence[Token], question_level: int) -> list[tuple[int, int]]:
    """Token ranges split before every top-level heading at or above the question level, so a
    card (heading and answer) lies in one range, at its start."""
    starts = [
        index
        for index, token in enumerate(tokens)
        if token.level == 0
        and token.type == "heading_open"
        and int(token.tag[1:]) <= question_level
    ]
    bounds = sorted({0, *starts, len(tokens)})
    return list(pairwise(bounds))


def _with_tokens(lint: Lint, tokens: list[Token]) -> Lint:
    return Lint(
        path=lint.path,
        lines=lint.lines,
        tokens=tuple(tokens),
        document=lint.document,
        allow_html=lint.allow_html,
        max_nesting=lint.max_nesting,
        shape=lint.shape,
    )
