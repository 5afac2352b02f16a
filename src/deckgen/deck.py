"""Assembling a deck: each card's rendered fields become a note with its ID, tags, deck and mtime."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from deckgen.config.members import Project
from deckgen.model import Deck, Document, MediaFile, Note, NoteFields
from deckgen.options import BuildOptions
from deckgen.outputs import safe_default
from deckgen.select import Selection, part_topics
from deckgen.slug import bounded, slugify


def deck_name(document: Document, options: BuildOptions) -> str:
    """`--deck`, else the `# Title`, else the file name."""
    name = options.deck_name or document.title or document.stem
    return " ".join(name.split())


def tag_prefix(document: Document) -> str:
    """The file's namespace: the default top of its tags, and what its IDs are hashed under."""
    return slugify(document.stem) or "deck"


@dataclass(frozen=True, slots=True)
class Placement:
    """Where one file's notes go in the package: decks, tags, and how their Source field reads."""

    deck: str
    """The package's deck."""
    tags: str
    """What every part tag starts with: the prefix, then (in a project) folders and file."""
    topics: str
    """What topic tags start with (`<topics>::topic::<name>`): the prefix."""
    subdeck: str | None = None
    """The deck of the file's notes when not `deck` itself (a folder's or the file's subdeck)."""
    part_subdecks: bool = False
    """Each part in a subdeck of its own, below `subdeck` (or `deck`)."""
    part_tags: bool = True
    """Tag the part: False for a file with no parts, whose tag is its file's."""
    source: str = ""
    """What the Source field names before `#anchor`: the file name, or its path in a project."""


def placement(document: Document, options: BuildOptions) -> Placement:
    """A one-file deck's placement: its own deck, tags under its own prefix."""
    prefix = options.tag_prefix or tag_prefix(document)
    return Placement(
        deck=deck_name(document, options),
        tags=prefix,
        topics=prefix,
        part_subdecks=bool(options.subdecks),
        source=document.path.name,
    )


def assemble(
    document: Document,
    fields: Sequence[NoteFields],
    media: tuple[MediaFile, ...],
    options: BuildOptions,
    *,
    ids: Sequence[str],
    mtimes: Sequence[int],
    place: Placement | None = None,
) -> Deck:
    """The deck of `document`: one note per card, with the card's rendered `fields`, its ID from
    `ids`, its part's tags and its mtime from `mtimes`, in the deck `place` says (by default
    the document's own, see `placement`)."""
    place = place or placement(document, options)
    topics = part_topics(document, options.topics)
    # A card's tags are its part's: made once per part, not once per card.
    tags = {
        part: (
            f"{place.tags}::{part.tag_name}" if place.part_tags else place.tags,
            *(f"{place.topics}::topic::{topic}" for topic in topics.get(part, ())),
        )
        for part in {card.part for card in document.cards}
    }
    home = place.subdeck or place.deck
    notes = []
    for card, card_fields, note_id, mtime in zip(document.cards, fields, ids, mtimes, strict=True):
        deck = home
        if place.part_subdecks and place.part_tags:
            deck = f"{home}::{card.part.heading.replace('::', ':').strip()}"
        notes.append(
            Note(
                id=note_id,
                question=card_fields.question,
                answer=card_fields.answer,
                part=card_fields.part,
                source=f"{place.source or document.path.name}#{card.anchor}",
                tags=tags[card.part],
                deck=deck,
                mtime=mtime,
            )
        )
    return Deck(place.deck, tuple(notes), media)


def project_placement(
    project: Project, document: Document, *, subdecks: bool | None, has_parts: bool
) -> Placement:
    """A project member's placement: the project's deck, tags `<prefix>::<folders>::<file>`
    (then the part) in slug form, subdecks by folder, file or part as the project says."""
    relative = project.relative(document.path)
    folders = project.folders(document.path)
    stem = document.path.stem
    place = (
        *(bounded(slugify(folder)) or "folder" for folder in folders),
        bounded(slugify(stem)) or "file",
    )
    layout = project_subdecks(project, subdecks)
    subdeck = None
    if layout in ("folders", "files", "parts"):
        names = [_deck_part(folder) for folder in folders]
        if layout != "folders":
            names.append(_deck_part(stem))
        subdeck = "::".join([project.deck, *names]) if names else None
    return Placement(
        deck=project.deck,
        tags="::".join((project.tag_prefix, *place)),
        topics=project.tag_prefix,
        subdeck=subdeck,
        part_subdecks=layout == "parts",
        part_tags=has_parts,
        source=relative,
    )


def project_subdecks(project: Project, subdecks: bool | None) -> str | None:
    """The project's subdeck layout: `--subdecks` (parts) over the config; None: no subdecks."""
    given: object = subdecks
    if given is None:
        given = project.config.defaults.subdecks
    if given is True:
        return "parts"
    return given if isinstance(given, str) else None


def _deck_part(name: str) -> str:
    # `::` separates deck levels in Anki, so it cannot be inside one.
    return " ".join(name.replace("::", ":").split()) or "-"


def default_output(
    source: Path, build_dir: Path = Path("build"), selection: Selection | None = None
) -> Path:
    """`build/<stem>.apkg`, or `build/<stem>--<what was selected>.apkg` for a subset;
    `deck-<name>` when Anki would take the name for a whole-collection backup."""
    label = selection.label() if selection else ""
    name = f"{source.stem}--{label}.apkg" if label else f"{source.stem}.apkg"
    return safe_default(build_dir / name)
