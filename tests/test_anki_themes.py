"""Switching themes in real Anki: the cards take the new look and keep their history."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from deckgen.api import BuildOptions, build
from deckgen.notetype.definition import FIELDS, NOTETYPE_ID, NOTETYPE_NAME, notetype_css
from tests.anki_support import database, import_apkg, notetype, open_collection
from tests.conftest import SEED

if TYPE_CHECKING:
    # Only for annotations: anki's modules load in order only through `anki.collection`.
    from anki.cards import CardId
    from anki.notes import NoteId

pytestmark = pytest.mark.anki

# Anki replaces a notetype on import only when the package's copy is newer. The state file
# records when the notetype's CSS last changed, so a rebuild with another theme a minute later
# stamps the notetype with that minute, while unchanged notes keep their first time.
FIRST_BUILD = 1_750_000_000
THEME_CHANGE = FIRST_BUILD + 60


@dataclass(frozen=True)
class Seen:
    """What a user could check in the Browser and the notetype manager."""

    notetypes: list[str]
    css: str
    fields: list[str]
    templates: list[str]
    cards: list[CardId]
    notes: list[NoteId]
    due: int
    reviews: int


def _package(theme: str, when: int, path: Path) -> Path:
    state = path.parent / "state.json"
    build(SEED, path, BuildOptions(theme=theme), state_file=state, clock=lambda: when)
    return path


def _look(folder: Path, studied: CardId | None = None) -> Seen:
    """Open the collection afresh (Python caches notetypes) and look at it."""
    collection = open_collection(folder)
    try:
        found = notetype(collection, NOTETYPE_ID)
        cards = sorted(collection.find_cards(""))
        card = collection.get_card(studied or cards[0])
        return Seen(
            notetypes=[
                n.name for n in collection.models.all_names_and_ids() if "deckgen" in n.name
            ],
            css=found["css"],
            fields=[f["name"] for f in found["flds"]],
            templates=[t["name"] for t in found["tmpls"]],
            cards=cards,
            notes=sorted(collection.find_notes("")),
            due=card.due,
            reviews=database(collection).scalar(
                "select count() from revlog where cid = ?", card.id
            ),
        )
    finally:
        collection.close()


def _import(folder: Path, package: Path, study: CardId | None = None) -> None:
    collection = open_collection(folder)
    try:
        import_apkg(collection, package)
        if study is not None:
            collection.sched.set_due_date([study], "5")
    finally:
        collection.close()


def test_anki__reimport_with_another_theme_restyles_cards_and_keeps_history(
    tmp_path: Path,
) -> None:
    anki = tmp_path / "anki"
    _import(anki, _package("default", FIRST_BUILD, tmp_path / "default.apkg"))
    studied = _look(anki).cards[0]
    _import(anki, tmp_path / "default.apkg", study=studied)
    before = _look(anki, studied)
    assert before.css == notetype_css("default") and before.reviews == 1

    _import(anki, _package("paper", THEME_CHANGE, tmp_path / "paper.apkg"))
    after = _look(anki, studied)

    assert after.notetypes == [NOTETYPE_NAME]  # updated in place: no "deckgen Q&A-…" copy
    assert after.css == notetype_css("paper") != before.css
    assert after.fields == list(FIELDS) and after.templates == ["Card"]
    assert (after.cards, after.notes) == (before.cards, before.notes)
    assert len(after.cards) == 162
    assert (after.due, after.reviews) == (before.due, before.reviews)
