"""Rebuilding after an edit: parse again only the cards whose lines changed.

A build leaves a `Snapshot`: the source text, every card's rendered fields and answer digest,
the top-level headings, and the diagnostics of the rules that look at one token at a time. The
next build finds the changed lines (common prefix and suffix), widens them to whole cards (from
a card's heading to the next heading at or above the question level), parses that region alone
and splices it between the unchanged cards before and after it.

The splice is used only when it provably gives what a full parse gives, else the build parses
everything (`respliced` returns None):

- the region starts at an unchanged card heading and its parse ends at the next heading, at the
  same line it would have in the whole document, so no block (an unclosed fence or `$$`, an HTML
  block, a setext underline, a list) runs across either edge;
- the region's headings have the same levels and bodies before and after the edit, and none is
  above the question level, so the parts, the title and the detected shape stay the same;
- nothing in the document reaches across cards: no link reference definitions, images (their
  files may change), pinned IDs (checked against each other), blocks nested too deep, or a `$$`
  line that opens no math block (the math rule would pair it with a `$$` however far away).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from deckgen.cache.linediff import line_edit, line_start
from deckgen.cache.snapshot import (
    DOCUMENT_RULES,
    LOCAL_RULES,
    ODD_BREAKS,
    REFERENCE,
    CardOutput,
    Heading,
    Snapshot,
    headings_of,
    merged,
    stray_math,
)
from deckgen.check.context import Lint, Rule
from deckgen.check.structure import deep_nesting
from deckgen.identity.history import NoteKey
from deckgen.model import Card, Diagnostic, Document, NoteFields, Part
from deckgen.parse.cards import parse_tokens
from deckgen.parse.marker import TOKEN as MARKER_TOKEN
from deckgen.render.media import find_images
from deckgen.slug import unique_anchors

# A card that was not parsed again needs no tokens: its fields are already rendered.
_NO_TOKEN = Token("inline", "", 0)


@dataclass(frozen=True, slots=True)
class Splice:
    """A document rebuilt from a snapshot and one re-parsed region."""

    document: Document
    diagnostics: tuple[Diagnostic, ...]
    """Every `check` diagnostic, as `deckgen.check.rules.check_document` would give them."""
    rendered: tuple[NoteFields | None, ...]
    """Per card: the fields of an unchanged card, None for a card of the region."""
    answers: tuple[str | None, ...]
    """Per card: the answer digest of an unchanged card, None for a card of the region."""
    contents: tuple[tuple[NoteKey, str] | None, ...]
    """Per card: the note key and digest of an unchanged card, None for a card of the region."""
    headings: tuple[Heading, ...]
    local: tuple[tuple[Diagnostic, ...], ...]
    reparsed: int
    """How many cards were parsed and rendered again."""


def respliced(
    snapshot: Snapshot, text: str, path: Path, md: MarkdownIt, lint: Lint
) -> Splice | None:
    """`text` parsed by re-parsing only what changed since `snapshot`, or None when that cannot
    be proven to give what a full parse gives. `lint` carries the rules' settings (its document,
    lines and tokens are replaced)."""
    if not snapshot.spliceable or not snapshot.cards:
        return None
    shape = snapshot.shape
    if shape.question_level < 2:
        return None  # `#` questions would compete with the title
    # The snapshot's text breaks lines at `\n` only (see `spliceable`); so does the new text
    # outside the region, which is the same, and inside it, which is checked below.
    edit = line_edit(snapshot.text, text)
    first, old_end, delta = edit.first, edit.old_end, edit.delta
    starts = [card.line - 1 for card in snapshot.cards]
    before = [start for start in starts if start < first]
    if not before:
        return None
    region_start = before[-1]
    bounds = [h for h in snapshot.headings if h.level <= shape.question_level]
    after = [h for h in bounds if h.start >= old_end and h.start > region_start]
    stop = after[0] if after else None
    region_end = stop.start if stop else edit.old_lines
    start_offset = line_start(text, region_start, first, edit.first_offset)
    end_offset = len(text)
    if stop is not None:
        old_end_offset = line_start(snapshot.text, old_end, first, edit.first_offset)
        stop_end = line_start(snapshot.text, stop.end, old_end, old_end_offset)
        end_offset = stop_end + len(text) - len(snapshot.text)
    region_text = text[start_offset:end_offset]
    if ODD_BREAKS.search(region_text) or REFERENCE.search(region_text):
        return None
    env: dict[str, object] = {}
    tokens = md.parse(region_text, env)
    if env.get("references"):
        return None
    if stop is not None:
        before_stop = _without_stop(tokens, stop, region_end + delta - region_start)
        if before_stop is None:
            return None
        tokens = before_stop
    if not tokens or tokens[0].type != "heading_open" or tokens[0].level != 0:
        return None
    if (tokens[0].map or (1,))[0] != 0 or tokens[0].tag != f"h{shape.question_level}":
        return None
    headings = headings_of(tokens, region_start)
    old_headings = [h for h in snapshot.headings if region_start <= h.start < region_end]
    if _levels(headings) != _levels(old_headings):
        return None
    if any(h.level < shape.question_level for h in headings):
        return None
    if any(True for _ in find_images(tokens)) or any(t.type == MARKER_TOKEN for t in tokens):
        return None
    if stray_math(region_text.splitlines(), tokens):
        return None  # a `$$` that opens no math here may pair with one beyond the region

    region = parse_tokens(
        tokens, region_text, path, part_level=None, question_level=shape.question_level
    )
    region_lint = replace(
        lint, lines=tuple(region_text.splitlines()), tokens=tuple(tokens), document=region
    )
    if any(True for _ in deep_nesting(region_lint)):
        return None
    region_local = [list(rule(region_lint)) for rule in LOCAL_RULES]
    if not all(d.line for found in region_local for d in found):
        return None

    def moved(line: int | None) -> int | None:
        """A line of the old text in the new one; None for a line inside the region."""
        if line is None or line <= region_start:
            return line
        if line <= region_end:
            return None
        return line + delta

    parts = tuple(
        part if part.line <= region_start else replace(part, line=part.line + delta)
        for part in snapshot.parts
    )
    start_card = snapshot.cards[starts.index(region_start)]
    region_part = parts[start_card.part]
    kept_before = [c for c in snapshot.cards if c.line <= region_start]
    kept_after = [c for c in snapshot.cards if c.line > region_end]
    old_region = snapshot.cards[len(kept_before) : len(snapshot.cards) - len(kept_after)]
    if [c.question for c in old_region] == [card.question for card in region.cards]:
        # The same questions in the same order: every anchor stays as it was.
        anchors = iter([c.anchor for c in snapshot.cards])
    else:
        questions = [c.question for c in kept_before]
        questions += [card.question for card in region.cards]
        questions += [c.question for c in kept_after]
        anchors = iter(unique_anchors(questions))
    cards = [_card(c, parts, c.line, next(anchors)) for c in kept_before]
    cards += [
        replace(card, part=region_part, line=card.line + region_start, anchor=next(anchors))
        for card in region.cards
    ]
    cards += [_card(c, parts, c.line + delta, next(anchors)) for c in kept_after]
    rendered: list[NoteFields | None] = [c.fields for c in kept_before]
    rendered += [None] * len(region.cards)
    rendered += [c.fields for c in kept_after]
    answers: list[str | None] = [c.answer for c in kept_before]
    answers += [None] * len(region.cards)
    answers += [c.answer for c in kept_after]
    contents: list[tuple[NoteKey, str] | None] = [(c.note, c.content) for c in kept_before]
    contents += [None] * len(region.cards)
    contents += [(c.note, c.content) for c in kept_after]
    parse_diagnostics = _spliced(
        snapshot.parse_diagnostics, region.diagnostics, moved, region_start
    )
    if any(d.message.startswith("question has no answer") for d in parse_diagnostics):
        return None  # a skipped question still numbers the anchors after it
    document = Document(path, snapshot.title, parts, tuple(cards), parse_diagnostics)

    local = tuple(
        _spliced(cached, found, moved, region_start)
        for cached, found in zip(snapshot.local, region_local, strict=True)
    )
    # The document rules look at cards and parts, and at the lines only to count them.
    whole_lint = replace(lint, lines=(), line_count=edit.new_lines, tokens=(), document=document)
    found: dict[Rule, list[Diagnostic]] = {rule: list(rule(whole_lint)) for rule in DOCUMENT_RULES}
    found.update({rule: list(diags) for rule, diags in zip(LOCAL_RULES, local, strict=True)})
    found[deep_nesting] = []
    kept = [h for h in snapshot.headings if h.start < region_start] + list(headings)
    kept += [
        h._replace(start=h.start + delta, end=h.end + delta)
        for h in snapshot.headings
        if h.start >= region_end
    ]
    return Splice(
        document=document,
        diagnostics=merged(document, found),
        rendered=tuple(rendered),
        answers=tuple(answers),
        contents=tuple(contents),
        headings=tuple(kept),
        local=local,
        reparsed=len(region.cards),
    )


def _without_stop(tokens: list[Token], stop: Heading, line: int) -> list[Token] | None:
    """The region's tokens without the heading that ends it, if that heading is where the whole
    document has it (else a block of the region ran into it)."""
    if len(tokens) < 3:
        return None
    opening = tokens[-3]
    if opening.type != "heading_open" or opening.level != 0 or opening.tag != f"h{stop.level}":
        return None
    if opening.map != [line, line + stop.end - stop.start]:
        return None
    return tokens[:-3]


def _levels(headings: Sequence[Heading]) -> Counter[tuple[int, bool]]:
    return Counter((h.level, h.bodied) for h in headings)


def _card(output: CardOutput, parts: tuple[Part, ...], line: int, anchor: str) -> Card:
    return Card(
        question=output.question,
        part=parts[output.part],
        line=line,
        anchor=anchor,
        source=output.source,
        heading=_NO_TOKEN,
        answer=(),
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
