"""Helpers that drive Anki's real backend the way a user's import would."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.dbproxy import DBProxy
from anki.models import NotetypeDict, NotetypeId
from anki.scheduler.v3 import Scheduler


def open_collection(folder: Path) -> Collection:
    """A new collection file in `folder`."""
    from tests.conftest import require_anki_mark

    require_anki_mark()
    folder.mkdir(parents=True, exist_ok=True)
    return Collection(str(folder / "collection.anki2"))


def database(col: Collection) -> DBProxy:
    """The collection's database: Anki types it optional because `close` drops it."""
    assert col.db is not None, "the collection is closed"
    return col.db


def notetype(col: Collection, notetype_id: int) -> NotetypeDict:
    """The notetype with `notetype_id`, which must be in the collection."""
    found = col.models.get(NotetypeId(notetype_id))
    assert found is not None, f"no notetype {notetype_id}"
    return found


def scheduler(col: Collection) -> Scheduler:
    """The v3 scheduler of every new collection (Anki's stand-in serves only old schemas)."""
    assert isinstance(col.sched, Scheduler), f"not the v3 scheduler: {col.sched!r}"
    return col.sched


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
        notetype = note.note_type()
        assert notetype is not None, f"note {nid} has no notetype"
        seen[note.guid] = SeenNote(
            guid=note.guid,
            fields=dict(note.items()),
            tags=list(note.tags),
            notetype=notetype["name"],
            decks=decks,
            mtime=note.mod,
        )
    return seen
