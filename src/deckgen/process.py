"""The card stage: each card's inline content parsed, checked and rendered, one card at a time.

markdown-it parses in two passes: blocks for the whole text, then the inline content of every
block. The parse stage needs only the blocks (settings, shape, parts, cards, the rules that read
blocks). This stage runs markdown-it's own passes after `block` over one stretch of tokens at a
time (a card, or the text between cards), with the environment the block pass filled (link
reference definitions included), so every token is parsed exactly as one whole parse would
parse it; then it runs the `tokens` rules over that stretch, renders the card's fields, and frees
the stretch's inline tokens. The largest documents so need a fraction of the memory of a whole
token stream.

A document of many cards is split in two halves by tokens, and a forked child does the second
(see `deckgen.forked`): the result is the same either way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.rules_core.state_core import StateCore
from markdown_it.token import Token

from deckgen.check.context import Lint, Rule
from deckgen.check.rules import rules
from deckgen.forked import started_in_child
from deckgen.model import Card, Diagnostic, MediaFile, NoteFields
from deckgen.parse.cards import CardTokens
from deckgen.parse.markdown import passes_after_block
from deckgen.render.fields import render_fields, render_part
from deckgen.render.media import ImageStamp, find_images, plan_media, stamp_images

PARALLEL_CARDS = 500
"""From this many cards on, a forked child renders half of them. Measured gain: see
docs/performance.md (cold build of the seed x20, 2 cores)."""

_STRETCH_LOCAL = frozenset({"inline", "text_join", "deckgen_leads"})
"""Core passes that may follow `block`: each reads and changes only the tokens of one block and
the few after it, so running them over one stretch of tokens gives what they give over all."""

Progress = Callable[[int, int], None]
"""`progress(done, total)`: told about the cards rendered."""


@dataclass(frozen=True, slots=True)
class CardsDone:
    """What the card stage made of a stretch of cards."""

    fields: tuple[NoteFields, ...]
    """Each card's fields, in order."""
    found: dict[Rule, list[Diagnostic]]
    """Each `tokens` rule's diagnostics over the stretch, in line order."""
    media: tuple[MediaFile, ...]
    """The images the cards show, packed by content, sorted by name."""
    has_images: bool
    """Some token of the stretch is an image (even one that is not packed)."""
    images: tuple[ImageStamp, ...] = ()
    """The image files the cards were made from or looked for, as they were then."""


def process_cards(
    blocks: Sequence[Token],
    cards: Sequence[Card],
    tokens: Sequence[CardTokens],
    md: MarkdownIt,
    lint: Lint,
    *,
    env: MutableMapping[str, object],
    thorough: bool = False,
    progress: Progress | None = None,
) -> CardsDone:
    """Parse the inline content of `blocks` (block tokens, as the parse stage left them) one
    stretch at a time, check it with the `tokens` rules and render each card of `cards` (whose
    slices of `blocks` are `tokens`). `lint` carries the rules' settings; `env` is the block
    pass's. A large document's second half is done in a forked child at the same time."""
    if not set(_after_block(md)) <= _STRETCH_LOCAL:
        raise ValueError("the parser has a core pass that reads across blocks")
    stretches = _stretches(blocks, tokens)
    work = _Worker(blocks, cards, tokens, md, lint, env, thorough)
    halves = [stretches]
    if len(cards) >= PARALLEL_CARDS:
        middle = _middle(stretches)
        halves = [stretches[:middle], stretches[middle:]]
    shares = _run_halves(work, halves, progress)
    if progress is not None:
        progress(len(cards), len(cards))
    found: dict[Rule, list[Diagnostic]] = {rule: [] for rule in work.rules}
    fields: list[NoteFields] = []
    files: dict[str, MediaFile] = {}
    read: set[Path] = set()
    for share in shares:
        read.update(share.read)
        for rule, diagnostics in zip(work.rules, share.found, strict=True):
            found[rule].extend(diagnostics)
        fields.extend(NoteFields(*item) for item in share.fields)
        files.update((name, MediaFile(name, data)) for name, data in share.files)
    return CardsDone(
        fields=tuple(fields),
        found=found,
        media=tuple(files[name] for name in sorted(files)),
        has_images=any(share.has_images for share in shares),
        images=stamp_images(read),
    )


def _run_halves(
    work: _Worker, halves: Sequence[Sequence[tuple[int, int]]], progress: Progress | None
) -> list[_Share]:
    """Each half's share: the second in a forked child when one can be started."""
    if len(halves) == 1:
        return [work.run(halves[0], progress)]
    with started_in_child(lambda: work.run(halves[1])) as second:
        # While a child does the other half, this half's count stands for both.
        first = work.run(halves[0], progress, scale=2 if second is not None else 1)
        done = second() if second is not None else None
    return [first, done or work.run(halves[1])]


@dataclass(slots=True)
class _Share:
    """One worker's results, as plain data (a child sends them back pickled)."""

    found: list[list[Diagnostic]]
    fields: list[tuple[str, str, str]] = field(default_factory=list)
    has_images: bool = False
    files: list[tuple[str, bytes]] = field(default_factory=list)
    read: list[Path] = field(default_factory=list)


class _Worker:
    def __init__(
        self,
        blocks: Sequence[Token],
        cards: Sequence[Card],
        tokens: Sequence[CardTokens],
        md: MarkdownIt,
        lint: Lint,
        env: MutableMapping[str, object],
        thorough: bool,
    ) -> None:
        self.blocks = blocks
        self.md = md
        self.lint = lint
        self.env = env
        self.total = len(cards)
        self.rules = rules("tokens", thorough=thorough)
        self.by_opener = {
            id(slice_.opener): (card, slice_) for card, slice_ in zip(cards, tokens, strict=True)
        }
        self.passes = [step for _, step in passes_after_block(md)]
        self.part_html: dict[str, str] = {}

    def run(
        self,
        stretches: Sequence[tuple[int, int]],
        progress: Progress | None = None,
        *,
        scale: int = 1,
    ) -> _Share:
        """Parse, check and render the stretches, then free their inline tokens."""
        share = _Share(found=[[] for _ in self.rules])
        for start, end in stretches:
            stretch = list(self.blocks[start:end])
            state = StateCore("", self.md, self.env, stretch)
            for step in self.passes:
                step(state)
            stretch_lint = replace(self.lint, tokens=tuple(stretch))
            for rule, found in zip(self.rules, share.found, strict=True):
                found.extend(rule(stretch_lint))
            has_images = any(True for _ in find_images(stretch))
            share.has_images |= has_images
            pair = self.by_opener.get(id(stretch[0])) if stretch else None
            if pair is not None:
                self._render(*pair, has_images, share)
                if progress is not None:
                    progress(min(scale * len(share.fields), self.total - 1), self.total)
            for token in stretch:
                if token.type == "inline":
                    token.children = None  # rendered and checked: free them
        return share

    def _render(self, card: Card, tokens: CardTokens, has_images: bool, share: _Share) -> None:
        if tokens.heading.children is None:
            # A question the splitter wrote itself (`**term**: …` asks `term`): in no stretch.
            state = StateCore("", self.md, self.env, [tokens.heading])
            for step in self.passes:
                step(state)
        names: Mapping[str, str] = {}
        unpacked: Mapping[str, str] = {}
        if has_images:
            media = plan_media(
                (tokens.heading, *tokens.answer), self.lint.path, self.lint.image_roots
            )
            share.files.extend((file.name, file.data) for file in media.files)
            share.read.extend(media.read)
            names, unpacked = media.names, media.unpacked
        allow_html = self.lint.allow_html
        heading = card.part.heading
        if heading not in self.part_html:
            self.part_html[heading] = render_part(heading, self.md, allow_html=allow_html)
        fields = render_fields(
            tokens.heading,
            tokens.answer,
            self.part_html[heading],
            self.md,
            media=names,
            unpacked=unpacked,
            allow_html=allow_html,
        )
        share.fields.append((fields.question, fields.answer, fields.part))


def _after_block(md: MarkdownIt) -> list[str]:
    active = md.get_active_rules()["core"]
    return active[active.index("block") + 1 :] if "block" in active else active


def _middle(stretches: Sequence[tuple[int, int]]) -> int:
    """The index that splits `stretches` into two runs of about as many tokens."""
    total = stretches[-1][1] - stretches[0][0] if stretches else 0
    for index, (start, _) in enumerate(stretches):
        if start - stretches[0][0] >= total // 2:
            return index
    return len(stretches)


def _stretches(blocks: Sequence[Token], cards: Sequence[CardTokens]) -> list[tuple[int, int]]:
    """Token ranges split where each card begins, so a card (its question and its answer) lies
    in one range, at its start."""
    openers = {id(card.opener) for card in cards}
    starts = [index for index, token in enumerate(blocks) if id(token) in openers]
    bounds = sorted({0, *starts, len(blocks)})
    return list(pairwise(bounds))
