"""Rebuilding after an edit: run the stages again only on the cards whose lines changed.

A build leaves a `Snapshot`: the source text, every card's rendered fields and answer digest,
the top-level headings, and the diagnostics of the `tokens` rules. The next build finds the
changed lines (common prefix and suffix), widens them to whole cards (from a card's heading to
the next heading at or above the question level), and runs the same parse and card stages as a
full build on that region alone (`parse_tokens`, `process_cards`); the cards before and after it
are the snapshot's, moved to their new lines.

The splice is used only when it provably gives what a full parse gives, else the build parses
everything (`respliced` returns None):

- the region starts at an unchanged card heading and its parse ends at the next heading, at the
  same line it would have in the whole document, so no block (an unclosed fence or `$$`, an HTML
  block, a setext underline, a list) runs across either edge;
- the region's headings have the same levels and bodies before and after the edit, and none is
  above the question level, so the parts, the title and the detected shape stay the same;
- nothing in the document reaches across cards: no link reference definitions, images (their
  files may change), pinned IDs (checked against each other), blocks nested too deep, a `$$`
  line that opens no math block (the math rule would pair it with a `$$` however far away), or
  a short answer that several questions share or the region gives (a placeholder or not by
  how many share it: `deckgen.parse.substance`), or answers in `<details>` (a question without
  one is a card or not by how many others have one: `deckgen.parse.cards`).

Measured gain (`make bench`, rebuild of the seed x20 after one edit): see docs/performance.md.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from deckgen.cache.linediff import line_edit, line_start
from deckgen.cache.snapshot import (
    ODD_BREAKS,
    REFERENCE,
    CardOutputs,
    Heading,
    Snapshot,
    headings_of,
    stray_math,
)
from deckgen.check.context import Lint, Rule, lint_for
from deckgen.check.rules import rules
from deckgen.identity.history import NoteKey
from deckgen.model import Card, Diagnostic, Document, NoteFields, Part
from deckgen.parse.cards import HIDDEN, Split, parse_tokens
from deckgen.parse.marker import TOKEN as MARKER_TOKEN
from deckgen.parse.shape import Features
from deckgen.parse.substance import SHARED
from deckgen.process import CardsDone, process_cards
from deckgen.slug import unique_anchors


@dataclass(frozen=True, slots=True)
class Splice:
    """A document rebuilt from a snapshot and one re-parsed region."""

    document: Document
    found: dict[Rule, list[Diagnostic]]
    """Each build rule's diagnostics over the whole new text."""
    fields: tuple[NoteFields, ...]
    answers: tuple[str | None, ...]
    """Per card: the answer digest of an unchanged card, None for a card of the region."""
    contents: tuple[tuple[NoteKey, str] | None, ...]
    """Per card: the note key and digest of an unchanged card, None for a card of the region."""
    headings: tuple[Heading, ...]
    reparsed: int
    """How many cards were parsed and rendered again."""


@dataclass(frozen=True, slots=True)
class _Region:
    """The lines of the new text that are parsed again, and where they were in the old one."""

    text: str
    start: int
    """0-based line where the region starts, in the old text and the new alike."""
    old_end: int
    """0-based line where the region ends in the old text (exclusive)."""
    delta: int
    """Lines added by the edit (negative: removed)."""
    lines: int
    """How many lines the new text has."""
    stop: Heading | None
    """The old text's heading that ends the region (None: the region runs to the end)."""


def respliced(
    snapshot: Snapshot,
    text: str,
    path: Path,
    blocks_md: MarkdownIt,
    md: MarkdownIt,
    *,
    allow_html: bool,
) -> Splice | None:
    """`text` parsed, checked and rendered by running the stages only on what changed since
    `snapshot`, or None when that cannot be proven to give what a full build gives. `blocks_md`
    is `md` without the passes after `block`."""
    if (
        not snapshot.spliceable
        or not snapshot.cards
        or snapshot.shape.question_level < 2
        or not snapshot.shape.plain
    ):
        return None  # (`#` questions would compete with the title)
    region = _region(snapshot, text)
    if region is None:
        return None
    env: dict[str, object] = {}
    parsed = _region_tokens(region, snapshot, blocks_md, env)
    if parsed is None:
        return None
    tokens, headings = parsed
    level = snapshot.shape.question_level
    split = parse_tokens(tokens, region.text, path, part_level=None, question_level=level)
    if split.crossing or any(
        note in d.message for d in snapshot.parse_diagnostics for note in (SHARED, HIDDEN)
    ):
        return None  # whether a card is one depends on the others (deckgen.parse.cards)
    lint = lint_for(split.document, region.text, tokens, snapshot.shape, md, allow_html=allow_html)
    if any(True for rule in rules("blocks") for _ in rule(lint)):
        return None  # (a snapshot is spliceable only when no `blocks` rule found anything)
    # The region's cards are in the part of the card it starts at (it holds no part heading).
    part = snapshot.parts[snapshot.cards.part[snapshot.cards.line.index(region.start + 1)]]
    cards = tuple(replace(card, part=part) for card in split.document.cards)
    split = replace(split, document=replace(split.document, cards=cards))
    done = process_cards(tokens, cards, split.tokens, md, lint, env=env)
    if done.has_images or not all(d.line for found in done.found.values() for d in found):
        return None
    return _spliced_document(snapshot, region, split, done, headings, lint)


def _region(snapshot: Snapshot, text: str) -> _Region | None:
    """The whole cards around the lines that changed, as lines of the new text."""
    # The snapshot's text breaks lines at `\n` only (see `spliceable`); so does the new text
    # outside the region, which is the same, and inside it, which is checked below.
    edit = line_edit(snapshot.text, text)
    # The last card that starts on a line before the first changed one.
    before = bisect_left(snapshot.cards.line, edit.first + 1)
    if not before:
        return None
    start = snapshot.cards.line[before - 1] - 1
    level = snapshot.shape.question_level
    after = [
        h
        for h in snapshot.headings
        if h.level <= level and h.start >= edit.old_end and h.start > start
    ]
    stop = after[0] if after else None
    start_offset = line_start(text, start, edit.first, edit.first_offset)
    end_offset = len(text)
    if stop is not None:
        old_end_offset = line_start(snapshot.text, edit.old_end, edit.first, edit.first_offset)
        stop_end = line_start(snapshot.text, stop.end, edit.old_end, old_end_offset)
        end_offset = stop_end + len(text) - len(snapshot.text)
    region_text = text[start_offset:end_offset]
    if ODD_BREAKS.search(region_text) or REFERENCE.search(region_text):
        return None
    old_end = stop.start if stop else edit.old_lines
    return _Region(region_text, start, old_end, edit.delta, edit.new_lines, stop)


def _region_tokens(
    region: _Region, snapshot: Snapshot, blocks_md: MarkdownIt, env: dict[str, object]
) -> tuple[list[Token], tuple[Heading, ...]] | None:
    """The region's block tokens, when they are what a parse of the whole text gives there, and
    its headings (read before the splitter edits them, as a whole build reads them)."""
    tokens = blocks_md.parse(region.text, env)
    if env.get("references"):
        return None
    if region.stop is not None:
        tokens = _without_stop(tokens, region.stop, region.old_end + region.delta - region.start)
    level = snapshot.shape.question_level
    if not tokens or tokens[0].type != "heading_open" or tokens[0].level != 0:
        return None
    if (tokens[0].map or (1,))[0] != 0 or tokens[0].tag != f"h{level}":
        return None
    headings = headings_of(tokens, region.start)
    old = [h for h in snapshot.headings if region.start <= h.start < region.old_end]
    if _levels(headings) != _levels(old) or any(h.level < level for h in headings):
        return None
    if any(t.type == MARKER_TOKEN for t in tokens):
        return None
    if stray_math(region.text, tokens):
        return None  # a `$$` that opens no math here may pair with one beyond the region
    return tokens, headings


def _spliced_document(
    snapshot: Snapshot,
    region: _Region,
    split: Split,
    done: CardsDone,
    headings: tuple[Heading, ...],
    lint: Lint,
) -> Splice | None:
    """The snapshot's cards before and after the region, moved, around the region's own."""
    start, old_end, delta = region.start, region.old_end, region.delta

    def moved(line: int | None) -> int | None:
        """A line of the old text in the new one; None for a line inside the region."""
        if line is None or line <= start:
            return line
        return None if line <= old_end else line + delta

    parse_diagnostics = _spliced(
        snapshot.parse_diagnostics, split.document.diagnostics, moved, start
    )
    if any(d.message.startswith("question has no answer") for d in parse_diagnostics):
        return None  # a skipped question still numbers the anchors after it
    parts = tuple(p if p.line <= start else replace(p, line=p.line + delta) for p in snapshot.parts)
    old = snapshot.cards
    # The old cards before the region and from where those after it begin (lines ascend).
    before, after = bisect_right(old.line, start), bisect_right(old.line, old_end)
    region_part = parts[old.part[old.line.index(start + 1)]]
    anchors = iter(_anchors(old, before, after, split.document.cards))
    cards = [_card(old, i, parts, old.line[i], next(anchors)) for i in range(before)]
    cards += [
        replace(card, part=region_part, line=card.line + start, anchor=next(anchors))
        for card in split.document.cards
    ]
    cards += [
        _card(old, i, parts, old.line[i] + delta, next(anchors)) for i in range(after, len(old))
    ]
    document = Document(lint.path, snapshot.title, parts, tuple(cards), parse_diagnostics)
    tokens_rules = rules("tokens")
    found: dict[Rule, list[Diagnostic]] = {
        rule: list(_spliced(cached, done.found[rule], moved, start))
        for rule, cached in zip(tokens_rules, snapshot.local, strict=True)
    }
    # The document rules look at cards and parts, and at the lines only to count them.
    whole = replace(lint, lines=(), line_count=region.lines, tokens=(), document=document)
    found.update({rule: list(rule(whole)) for rule in rules("document")})
    found.update({rule: [] for rule in rules("blocks")})
    kept = [h for h in snapshot.headings if h.start < start] + list(headings)
    kept += [h.moved(delta) for h in snapshot.headings if h.start >= old_end]
    count = len(split.document.cards)
    kept_contents = list(zip(old.note, old.content, strict=True))
    return Splice(
        document=document,
        found=found,
        fields=(*old.fields[:before], *done.fields, *old.fields[after:]),
        answers=(*old.answer[:before], *[None] * count, *old.answer[after:]),
        contents=(*kept_contents[:before], *[None] * count, *kept_contents[after:]),
        headings=tuple(kept),
        reparsed=count,
    )


def _anchors(old: CardOutputs, before: int, after: int, region: Sequence[Card]) -> list[str]:
    """Every card's anchor: `old`'s cards up to `before` and from `after`, `region`'s between."""
    questions = [card.question for card in region]
    if list(old.question[before:after]) == questions:
        # The same questions in the same order: every anchor stays as it was.
        return list(old.anchor)
    return unique_anchors([*old.question[:before], *questions, *old.question[after:]])


def _without_stop(tokens: list[Token], stop: Heading, line: int) -> list[Token]:
    """The region's tokens without the heading that ends it, if that heading is where the whole
    document has it (else a block of the region ran into it: nothing is left)."""
    if len(tokens) < 3:
        return []
    opening = tokens[-3]
    if opening.type != "heading_open" or opening.level != 0 or opening.tag != f"h{stop.level}":
        return []
    if opening.map != [line, line + stop.end - stop.start]:
        return []
    return tokens[:-3]


def _levels(headings: Sequence[Heading]) -> Counter[tuple[int, bool, Features]]:
    return Counter((h.level, h.bodied, h.asks) for h in headings)


def _card(old: CardOutputs, i: int, parts: tuple[Part, ...], line: int, anchor: str) -> Card:
    return Card(
        question=old.question[i],
        part=parts[old.part[i]],
        line=line,
        anchor=anchor,
        source=old.source[i],
    )


def _spliced(
    cached: Sequence[Diagnostic],
    region: Sequence[Diagnostic],
    moved: Callable[[int | None], int | None],
    offset: int,
) -> tuple[Diagnostic, ...]:
    """`cached` outside the region (moved to their new lines), with `region`'s in between."""
    before = [d for d in cached if d.line is not None and d.line <= offset]
    after = []
    for d in cached:
        line = moved(d.line)
        if d.line is not None and d.line > offset and line is not None:
            after.append(d if line == d.line else replace(d, line=line))
    inside = [replace(d, line=d.line + offset) if d.line else d for d in region]
    return tuple(before + inside + after)
