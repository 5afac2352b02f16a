"""What `deckgen list` says about a source: parts and topics, card counts, Anki searches."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from deckgen.config.members import Project
from deckgen.deck import project_placement, tag_prefix
from deckgen.errors import SourceError
from deckgen.model import Document
from deckgen.options import BuildOptions
from deckgen.parse.cards import skipped
from deckgen.pipeline import Outline
from deckgen.select import topic_parts


@dataclass(frozen=True, slots=True)
class Entry:
    """One part or topic: how many cards it has and the Anki search that finds exactly them."""

    label: str
    cards: int
    search: str


def header(path: Path, read: Outline) -> list[str]:
    """`source/x.md: 162 cards (parts at ##, questions at ###): why`, then where its lines
    went, and how many questions are no cards (unanswered, or answered only by a link)."""
    shape = read.shape
    lines = [
        f"{path}: {len(read.document.cards)} cards ({shape.describe()}): {shape.reason}",
        f"  {read.coverage.describe()}",
    ]
    unanswered, links = skipped(read.document.diagnostics)
    if unanswered or links:
        lines.append(
            f"  no cards: {unanswered} unanswered, {links} answered only by links"
            " (deckgen check lists them)"
        )
    return lines


def part_entries(document: Document, options: BuildOptions) -> tuple[Entry, ...]:
    """Every part in document order."""
    prefix = options.tag_prefix or tag_prefix(document)
    # Counted once over the cards: comparing every card's part with every part is quadratic.
    counts = Counter(card.part for card in document.cards)
    return tuple(
        Entry(part.heading, counts[part], f"tag:{prefix}::{part.tag_name}")
        for part in document.parts
    )


def topic_entries(document: Document, options: BuildOptions) -> tuple[Entry, ...]:
    """Every configured topic, with the numbers of the parts it groups."""
    prefix = options.tag_prefix or tag_prefix(document)
    entries = []
    for topic in options.topics:
        parts = topic_parts(document, topic)
        entries.append(
            Entry(
                f"{topic.name} (part{'s' if len(parts) != 1 else ''} {_spans([part.number for part in parts])})",
                sum(1 for card in document.cards if card.part in parts),
                f"tag:{prefix}::topic::{topic.name}",
            )
        )
    return tuple(entries)


def project_lines(project: Project, options: BuildOptions) -> list[str]:
    """`deckgen list` for a project: each file's parts as for a file of its own, with the
    project's searches, then the project's topics and totals."""
    from deckgen.pipeline import outline

    lines: list[str] = []
    cards = files = 0
    topics: dict[str, tuple[int, int]] = {}
    for path in project.files:
        try:
            read = outline(path, replace(options, config=project.config))
        except SourceError as exc:
            lines.append(f"{path}: left out: {exc.message}")
            continue
        document, settled = read.document, read.options
        place = project_placement(
            project, document, subdecks=None, has_parts=bool(settled.part_level)
        )
        cards, files = cards + len(document.cards), files + 1
        lines += header(path, read)
        parts = part_entries(document, replace(settled, tag_prefix=place.tags))
        if not place.part_tags:
            parts = tuple(replace(entry, search=f"tag:{place.tags}") for entry in parts)
        lines += format_entries(parts)
        for topic in settled.topics:
            grouped = topic_parts(document, topic)
            count = sum(1 for card in document.cards if card.part in grouped)
            had = topics.get(topic.name, (0, 0))
            topics[topic.name] = (had[0] + count, had[1] + len(grouped))
    if topics:
        lines.append("topics:")
        lines += format_entries(
            tuple(
                Entry(f"{name} ({n} part{'s' if n != 1 else ''})", count, _topic(project, name))
                for name, (count, n) in topics.items()
            )
        )
    lines.append(
        f"project {project.deck!r}: {cards} cards in {files} file{'s' if files != 1 else ''} "
        f"(search: tag:{project.tag_prefix}::*)"
    )
    return lines


def _topic(project: Project, name: str) -> str:
    return f"tag:{project.tag_prefix}::topic::{name}"


def format_entries(entries: tuple[Entry, ...]) -> list[str]:
    """Aligned lines: count, label, search."""
    width = max((len(entry.label) for entry in entries), default=0)
    return [f"  {e.cards:4d}  {e.label:<{width}}  {e.search}" for e in entries]


def _spans(numbers: list[int]) -> str:
    """`1-3, 7` for [1, 2, 3, 7]."""
    spans: list[list[int]] = []
    for number in sorted(set(numbers)):
        if spans and number == spans[-1][1] + 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)
