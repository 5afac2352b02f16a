"""The records that flow between pipeline stages, named after what a user sees."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from deckgen.slug import bounded, slugify


@dataclass(frozen=True, slots=True)
class Part:
    """A `## Part N: Title` section of a document; its cards share a topic tag."""

    number: int
    """The number written in the heading (`Part 4`), else the part's position (1-based)."""
    title: str
    """The heading without its `Part N:` prefix, as Markdown source."""
    heading: str
    """The whole heading text, as Markdown source."""
    line: int
    """1-based line of the heading in the source."""

    @property
    def tag_name(self) -> str:
        """Tag component that sorts by number and reads as the topic, e.g. `01-lstm` (at most
        `MAX_TAG_PIECE` characters after the number)."""
        slug = bounded(slugify(self.title)) or "part"
        return f"{self.number:02d}-{slug}"


@dataclass(frozen=True, slots=True)
class Card:
    """One question heading and the Markdown answer below it, still as tokens."""

    question: str
    """The question heading's inline Markdown source."""
    part: Part
    line: int
    """1-based line of the question heading."""
    anchor: str
    """The heading's anchor, unique within the file (GitHub style)."""
    source: str
    """The card's Markdown text (heading and answer); what a content hash is taken of."""
    pins: tuple[Pin, ...] = ()
    """The `<!-- id: … -->` markers under the question, in order (valid: at most one)."""


@dataclass(frozen=True, slots=True)
class Pin:
    """An `<!-- id: … -->` marker: the ID it pins, as written, and its line."""

    id: str
    line: int


Severity = Literal["error", "warning", "info"]


def location(path: Path, line: int | None) -> str:
    """`path:line`, or `path` alone when the line is unknown: how every message names a place."""
    return f"{path}:{line}" if line is not None else str(path)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """Something worth telling the user about a place in a source file."""

    path: Path
    line: int | None
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{location(self.path, self.line)}: {self.severity}: {self.message}"


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed source file: its title, parts and cards in document order."""

    path: Path
    title: str | None
    parts: tuple[Part, ...]
    cards: tuple[Card, ...]
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def stem(self) -> str:
        """The file name without `.md`; names the output and prefixes every tag."""
        return self.path.stem


@dataclass(frozen=True, slots=True)
class Note:
    """A card as Anki will store it: rendered fields, identity, tags, deck and mtime."""

    id: str
    """Stable identity: the `ID` field and the note's GUID."""
    question: str
    answer: str
    part: str
    source: str
    tags: tuple[str, ...]
    deck: str
    mtime: int
    """Seconds since the epoch; Anki updates an existing note only when this is newer."""


@dataclass(frozen=True, slots=True)
class NoteFields:
    """A card's rendered fields, as HTML ready for Anki."""

    question: str
    answer: str
    part: str


@dataclass(frozen=True, slots=True)
class Deck:
    """What goes into one `.apkg`: a deck name and its notes."""

    name: str
    notes: tuple[Note, ...]
    media: tuple[MediaFile, ...] = ()
    """Image files the notes show, packed beside them."""


@dataclass(frozen=True, slots=True)
class MediaFile:
    """An image packed into the deck under a name derived from its content."""

    name: str
    """The file name in Anki's media folder, e.g. `dg-3f09c2a1b7e4d5f6.png`."""
    data: bytes = field(repr=False)
