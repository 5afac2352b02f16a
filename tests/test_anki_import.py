"""The built package, imported into a real Anki collection, is what a user studies."""

from __future__ import annotations

from pathlib import Path

import pytest
from anki.collection import Collection

from deckgen.api import BuildOptions, build
from deckgen.notetype.definition import FIELDS, NOTETYPE_NAME
from tests.anki_support import import_apkg, notes
from tests.conftest import SEED

pytestmark = pytest.mark.anki


def test_anki__seed_imports_as_162_cards_with_tags(collection: Collection, tmp_path: Path) -> None:
    out = tmp_path / "ml-interview-qa.apkg"
    report = build(SEED, out)
    assert report.cards == 162 and report.parts == 18
    import_apkg(collection, out)

    seen = notes(collection)
    assert len(seen) == 162
    assert collection.card_count() == 162
    assert {n.notetype for n in seen.values()} == {NOTETYPE_NAME}
    assert list(next(iter(seen.values())).fields) == list(FIELDS)
    assert {d for n in seen.values() for d in n.decks} == {"Interview Questions & Answers"}
    first = next(
        n for n in seen.values() if n.fields["Question"].startswith("What problem does LSTM")
    )
    assert first.tags == ["ml-interview-qa::01-lstm"]
    assert first.fields["Part"] == "Part 1: LSTM"
    assert first.fields["ID"] == first.guid
    assert r"\(C_t = f_t \odot C_{t-1} + i_t \odot \tilde{C}_t\)" in first.fields["Answer"]
    assert (
        first.fields["Source"]
        == "ml-interview-qa.md#what-problem-does-lstm-solve-compared-to-vanilla-rnn"
    )

    lstm = collection.find_cards("tag:ml-interview-qa::01-lstm")
    assert len(lstm) == 7
    assert len(collection.find_notes(f"ID:{first.guid}")) == 1


def test_anki__card_shows_question_part_and_answer(collection: Collection, tmp_path: Path) -> None:
    out = tmp_path / "deck.apkg"
    build(SEED, out)
    import_apkg(collection, out)
    (cid,) = collection.find_cards('"Question:Why do we scale by*"')
    card = collection.get_card(cid)
    front, back = card.question(), card.answer()
    assert "Part 2: Attention Mechanism" in front and "Why do we scale by" in front
    assert "Why do we scale by" in back and '<hr id="answer">' in back
    assert "ml-interview-qa.md#why-do-we-scale-by-dk" in back
    css = card.note_type()["css"]
    assert ".nightMode" in css and ".highlight .k" in css


def test_anki__subdecks_put_each_part_in_its_own_deck(
    collection: Collection, tmp_path: Path
) -> None:
    out = tmp_path / "deck.apkg"
    build(SEED, out, BuildOptions(deck_name="ML", subdecks=True))
    import_apkg(collection, out)
    names = {d.name for d in collection.decks.all_names_and_ids()}
    assert (
        "ML::Part 1: LSTM" in names and "ML::Part 18: Counterfactual Regret Minimization" in names
    )
    assert len(collection.find_cards('"deck:ML::Part 1: LSTM"')) == 7
    assert len(collection.find_cards("deck:ML")) == 162


def test_anki__reimporting_a_rebuild_adds_nothing(collection: Collection, tmp_path: Path) -> None:
    first, second = tmp_path / "a.apkg", tmp_path / "b.apkg"
    build(SEED, first)
    build(SEED, second)
    import_apkg(collection, first)
    import_apkg(collection, second)
    assert collection.note_count() == 162 and collection.card_count() == 162
