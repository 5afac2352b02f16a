"""Choosing what to study: parts by number, range or title, named topics, and question text.

Pure functions over a parsed `Document`; the build, `deckgen list` and previews all share them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from deckgen.errors import SourceError
from deckgen.globs import names_path
from deckgen.model import Card, Deck, Document, Part
from deckgen.slug import slugify

_RANGE = re.compile(r"^\s*(\d+)\s*[-\u2013]\s*(\d+)\s*$")
TOPIC_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


class EmptySelectionError(SourceError):
    """The selection matches nothing in this source (another source may still have it)."""


@dataclass(frozen=True, slots=True)
class PartSelector:
    """`4`, `11-18` or a case-insensitive piece of a part's title such as `attention`."""

    text: str
    first: int | None = None
    last: int | None = None
    path: str | None = None
    """A file or folder of a project (`notes/ml/`, `ml/*.md`): every part of the files it names."""

    def covers(self, document: Document, part: Part) -> bool:
        """Whether `part` of `document` is one this selector names."""
        if self.path is not None:
            return names_path(self.path, document.path.as_posix())
        return self.matches(part)

    def matches(self, part: Part) -> bool:
        """Whether `part` is one this selector names (a path selector names no part by itself)."""
        if self.path is not None:
            return False
        if self.first is not None and self.last is not None:
            return self.first <= part.number <= self.last
        piece = self.text.casefold()
        return piece in part.heading.casefold() or piece in part.title.casefold()

    @property
    def label(self) -> str:
        """A file-name piece: `part-4`, `part-11-18`, `attention`."""
        if self.first is None:
            return slugify(self.text.removesuffix(".md")) or "part"
        if self.first == self.last:
            return f"part-{self.first}"
        return f"part-{self.first}-{self.last}"


def parse_part_selector(value: str | int) -> PartSelector:
    """Read a selector as written on the command line or in a config; ValueError says why not."""
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"part number {value} is negative")
        return PartSelector(str(value), value, value)
    text = value.strip()
    if not text:
        raise ValueError("empty part selector")
    if text.isdigit():
        return PartSelector(text, int(text), int(text))
    if "/" in text or text.lower().endswith((".md", ".markdown")):
        return PartSelector(text, path=text)
    match = _RANGE.match(text)
    if match:
        first, last = int(match[1]), int(match[2])
        if first > last:
            raise ValueError(f"range {text!r} runs backwards; write {last}-{first}")
        return PartSelector(text, first, last)
    return PartSelector(text)


@dataclass(frozen=True, slots=True)
class Topic:
    """A named group of parts (`llm = [4, 5, 6]`); its cards also carry `<prefix>::topic::<name>`."""

    name: str
    parts: tuple[PartSelector, ...]
    origin: Path | None = None
    """The file that defines the topic, so a selector that matches nothing can be pointed at."""
    line: int | None = None
    shared: bool = False
    """Defined for every file of a project: a selector need not match something in each file."""


@dataclass(frozen=True, slots=True)
class Selection:
    """What the user asked to study. Each option is a union of its values; options intersect."""

    parts: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    grep: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.parts or self.topics or self.grep)

    def describe(self) -> str:
        """The options as typed: `--topic llm --part 4`."""
        words = [f"--topic {t}" for t in self.topics] + [f"--part {p}" for p in self.parts]
        return " ".join(words + [f"--grep {g!r}" for g in self.grep])

    def label(self) -> str:
        """What an output file name says was selected: `llm`, `part-11-18`, `grep-nash`."""
        pieces = [slugify(t) for t in self.topics]
        for text in self.parts:
            try:
                pieces.append(parse_part_selector(text).label)
            except ValueError:
                pieces.append(slugify(text))
        pieces += [f"grep-{slugify(g)[:24].strip('-') or 'regex'}" for g in self.grep]
        return "--".join(piece for piece in pieces if piece)


def topic_parts(document: Document, topic: Topic) -> tuple[Part, ...]:
    """The parts of `document` that `topic` groups; a selector matching none of them is an error."""
    for selector in () if topic.shared else topic.parts:
        if not any(selector.covers(document, part) for part in document.parts):
            raise SourceError(
                topic.origin or document.path,
                topic.line,
                f"topic '{topic.name}': part {selector.text!r} matches no part of "
                f"{document.path.name} ({_available_parts(document)})",
            )
    return tuple(p for p in document.parts if any(s.covers(document, p) for s in topic.parts))


def part_topics(document: Document, topics: tuple[Topic, ...]) -> dict[Part, tuple[str, ...]]:
    """For every part, the names of the topics it belongs to, in the order topics are defined."""
    grouped = {topic.name: topic_parts(document, topic) for topic in topics}
    return {
        part: tuple(name for name, parts in grouped.items() if part in parts)
        for part in document.parts
    }


def select_cards(
    document: Document, selection: Selection, topics: tuple[Topic, ...] = ()
) -> tuple[Card, ...]:
    """The cards of `document` that `selection` picks, in document order.

    `--part` values form one union, `--topic` values another, `--grep` values a third (regular
    expressions searched case-insensitively in the question); a card must be in every union given.
    Selecting nothing is an error that lists what there is to select.
    """
    if not selection:
        return document.cards
    path = document.path
    by_name = {topic.name: topic for topic in topics}
    keep: list[set[Part]] = []
    if selection.parts:
        wanted: set[Part] = set()
        for text in selection.parts:
            selector = _selector(path, text)
            found = {p for p in document.parts if selector.covers(document, p)}
            if not found:
                raise EmptySelectionError(
                    path,
                    None,
                    f"--part {text} matches no part ({_available_parts(document)})",
                )
            wanted |= found
        keep.append(wanted)
    if selection.topics:
        wanted = set()
        for name in selection.topics:
            if name not in by_name:
                import difflib  # only to word this error

                close = difflib.get_close_matches(name, list(by_name), n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                raise EmptySelectionError(
                    path, None, f"no topic named {name!r} ({hint}{_available_topics(topics)})"
                )
            wanted |= set(topic_parts(document, by_name[name]))
        keep.append(wanted)
    patterns = [_regex(path, g) for g in selection.grep]
    cards = tuple(
        card
        for card in document.cards
        if all(card.part in parts for parts in keep)
        and (not patterns or any(p.search(card.question) for p in patterns))
    )
    if not cards:
        raise EmptySelectionError(
            path,
            None,
            f"{selection.describe()} selects no card "
            f"({_available_parts(document)}; {_available_topics(topics)})",
        )
    return cards


def skipped_message(error: EmptySelectionError) -> str:
    """What to say about a source left out of a build of several because nothing matched."""
    return f"{error.message}; skipped"


def select_deck(
    document: Document, deck: Deck, selection: Selection, topics: tuple[Topic, ...] = ()
) -> Deck:
    """`deck` (made from every card of `document`, in order) cut down to what `selection`
    picks: same deck name, same notes, same IDs, so it is a subset of the full package.
    Only the media files the chosen notes show come along."""
    if not selection:
        return deck
    chosen = set(select_cards(document, selection, topics))
    notes = tuple(
        note for card, note in zip(document.cards, deck.notes, strict=True) if card in chosen
    )
    # Packed names are content hashes, so a name found in a note's HTML is that file.
    shown = "".join(note.question + note.answer for note in notes)
    media = tuple(file for file in deck.media if file.name in shown)
    return replace(deck, notes=notes, media=media)


def _selector(path: Path, text: str) -> PartSelector:
    try:
        return parse_part_selector(text)
    except ValueError as exc:
        raise SourceError(path, None, f"--part {text}: {exc}") from None


def _regex(path: Path, pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise SourceError(
            path, None, f"--grep {pattern!r} is not a regular expression: {exc}"
        ) from None


def _available_parts(document: Document) -> str:
    listed = ", ".join(f"{p.number} {p.title}" for p in document.parts)
    return f"parts: {listed}" if listed else "no parts"


def _available_topics(topics: tuple[Topic, ...]) -> str:
    if not topics:
        return "no topics configured"
    return "topics: " + ", ".join(topic.name for topic in topics)
