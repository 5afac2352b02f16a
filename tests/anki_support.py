"""Helpers that drive Anki's real backend the way a user's import would."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest


def open_collection(folder: Path) -> Collection:
    """A new collection file in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    return Collection(str(folder / "collection.anki2"))


def import_apkg(col: Collection, package: Path) -> object:
    """Import with Anki's default options (update notes and notetypes: if newer)."""
    request = ImportAnkiPackageRequest(
        package_path=str(package), options=ImportAnkiPackageOptions(with_scheduling=False)
    )
    return col.import_anki_package(request)


@dataclass(frozen=True)
class SeenNote:
    """A note as the Browser shows it."""

    guid: str
    fields: dict[str, str]
    tags: list[str]
    notetype: str
    decks: list[str]
    mtime: int


def notes(col: Collection) -> dict[str, SeenNote]:
    """Every note in the collection, by GUID."""
    seen = {}
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        decks = sorted({col.decks.name(card.did) for card in note.cards()})
        seen[note.guid] = SeenNote(
            guid=note.guid,
            fields=dict(note.items()),
            tags=list(note.tags),
            notetype=note.note_type()["name"],  # type: ignore[index]
            decks=decks,
            mtime=note.mod,
        )
    return seen
