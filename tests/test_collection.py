"""The collection inside a package holds exactly the rows genanki itself would write."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import genanki
import pytest

from deckgen.api import BuildOptions
from deckgen.identity.ids import deck_id
from deckgen.model import Deck
from deckgen.notetype.definition import (
    BACK,
    FIELDS,
    FRONT,
    NOTETYPE_ID,
    NOTETYPE_NAME,
    notetype_css,
)
from deckgen.package import writer
from deckgen.package.rows import SkeletonKey
from deckgen.package.writer import write_package
from deckgen.pipeline import run

from .conftest import SEED

STAMP = 1_700_000_000


def _deck(subdecks: bool) -> Deck:
    revision = run(SEED, BuildOptions(subdecks=subdecks), None, now=STAMP).revision
    # Notes stamped at different times, as after edits: row IDs start from the newest.
    notes = tuple(
        replace(note, mtime=STAMP + index % 7) for index, note in enumerate(revision.deck.notes)
    )
    return replace(revision.deck, notes=notes)


def _genanki_rows(deck: Deck, stamp: int) -> dict[str, Any]:
    """Every note written by genanki's own objects, one `Note.write_to_db` at a time."""

    class TimedNote(genanki.Note):  # type: ignore[misc]
        def __init__(self, mtime: int, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.mtime = mtime

        def write_to_db(self, cursor: Any, timestamp: float, did: int, id_gen: Any) -> None:
            super().write_to_db(cursor, self.mtime, did, id_gen)

    model = genanki.Model(
        NOTETYPE_ID,
        NOTETYPE_NAME,
        fields=[{"name": name} for name in FIELDS],
        templates=[{"name": "Card", "qfmt": FRONT, "afmt": BACK}],
        css=notetype_css(),
        sort_field_index=0,
    )
    decks: dict[str, Any] = {}
    for note in deck.notes:
        if note.deck not in decks:
            decks[note.deck] = genanki.Deck(deck_id(note.deck), note.deck)
        decks[note.deck].add_note(
            TimedNote(
                note.mtime,
                model=model,
                fields=[note.question, note.answer, note.part, note.source, note.id],
                tags=list(note.tags),
                guid=note.id,
            )
        )
    if deck.name not in decks:
        decks[deck.name] = genanki.Deck(deck_id(deck.name), deck.name)
    conn = sqlite3.connect(":memory:")
    newest = max(note.mtime for note in deck.notes)
    genanki.Package(list(decks.values())).write_to_db(
        conn.cursor(), stamp, iter(range(newest * 1000, newest * 1000 + 10**9))
    )
    return _rows(conn)


def _rows(conn: sqlite3.Connection) -> dict[str, Any]:
    col = conn.execute("SELECT * FROM col").fetchall()
    (models, decks, dconf), *_ = conn.execute("SELECT models, decks, dconf FROM col").fetchall()
    return {
        "notes": conn.execute("SELECT * FROM notes ORDER BY id").fetchall(),
        "cards": conn.execute("SELECT * FROM cards ORDER BY id").fetchall(),
        "col": list(col),
        "models": json.loads(models),
        "decks": json.loads(decks),
        "dconf": json.loads(dconf),
    }


def _package_rows(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as zf:
        data = zf.read("collection.anki2")
    conn = sqlite3.connect(":memory:")
    conn.deserialize(data)
    return _rows(conn)


@pytest.mark.parametrize("subdecks", [False, True], ids=["one-deck", "subdecks"])
def test_collection__rows_are_genankis_own(tmp_path: Path, subdecks: bool) -> None:
    deck = _deck(subdecks)
    write_package(deck, tmp_path / "ours.apkg", notetype_mtime=STAMP - 5)
    ours = _package_rows(tmp_path / "ours.apkg")
    theirs = _genanki_rows(deck, STAMP - 5)
    assert len(ours["notes"]) == len(ours["cards"]) == 162
    assert len(ours["decks"]) == (19 if subdecks else 1) + 1  # and Anki's "Default"
    assert ours == theirs


def test_collection__a_known_empty_collection_makes_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deck = _deck(subdecks=True)
    known: dict[SkeletonKey, bytes] = {}
    write_package(deck, tmp_path / "first.apkg", notetype_mtime=STAMP, skeletons=known)
    assert len(known) == 1
    # As in a later process that has the empty collection from its cache: genanki is not asked.
    monkeypatch.setattr(writer, "_genanki_skeleton", _refuse)
    write_package(deck, tmp_path / "again.apkg", notetype_mtime=STAMP, skeletons=dict(known))
    assert (tmp_path / "again.apkg").read_bytes() == (tmp_path / "first.apkg").read_bytes()


def _refuse(*args: object) -> bytes:
    raise AssertionError("genanki was asked for an empty collection the cache had")


REBUILD = """
import sys
from pathlib import Path
from deckgen.api import build
source = Path(sys.argv[1])
build(source, source.with_suffix(".apkg"), state_file=source.with_suffix(".json"))
print(" ".join(sorted(m for m in sys.modules if m.split(".")[0] == "genanki")))
"""


def test_collection__a_rebuild_after_an_edit_does_not_load_genanki(seed_copy: Path) -> None:
    def loaded() -> str:
        run = [sys.executable, "-c", REBUILD, str(seed_copy)]
        return subprocess.run(run, capture_output=True, text=True, check=True).stdout.strip()

    assert loaded() != ""  # the first build makes the empty collection with genanki
    seed_copy.write_text(seed_copy.read_text().replace("Vanishing", "Fading", 1))
    assert loaded() == ""
