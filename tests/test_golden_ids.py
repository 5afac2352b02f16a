"""Identities pinned to literal values: note IDs, deck IDs and the notetype as the decks people
have already imported carry them.

Every expected value here was computed once and written down. A test that computed it with
deckgen's own functions would pass whatever those functions became; any change to the hash, the
normalisation, the namespace rule or the prefix must fail here, because Anki would take every
card of every imported deck for a new one.
"""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from deckgen.api import build
from deckgen.identity.ids import deck_id, question_id, question_ids
from deckgen.identity.state import load_state, state_path
from deckgen.options import BuildOptions
from deckgen.pipeline import run
from tests.conftest import SEED
from tests.project_support import deckgen, markdown, package_notes, state_lines, write, write_toml

LSTM_ID = "dg-59a84ec0d3e6"
"""`What is LSTM?` in the seed's namespace."""


@pytest.mark.parametrize(
    ("namespace", "question", "expected"),
    [
        ("ml-interview-qa", "What is LSTM?", LSTM_ID),
        # Case, runs of spaces and end punctuation are ignored ...
        ("ml-interview-qa", "  what IS \t  lstm ?! ", LSTM_ID),
        # ... and so are full-width letters (NFKC) ...
        ("ml-interview-qa", "\uff37hat is \uff2c\uff33\uff34\uff2d?", LSTM_ID),
        # ... but the namespace is not.
        ("other", "What is LSTM?", "dg-d7cc95fdef0a"),
        ("ml-interview-qa", "Qu'est-ce qu'un « réseau » ?", "dg-694026e650f9"),
        # Case folding, not lower-casing: ß and SS are one question.
        ("ml-interview-qa", "STRASSE", "dg-3101db2f820f"),
        ("ml-interview-qa", "straße", "dg-3101db2f820f"),
        (
            "ml-interview-qa",
            "What problem does LSTM solve compared to vanilla RNN?",
            "dg-3a1863742e84",
        ),
    ],
)
def test_golden__question_ids_are_the_ones_decks_were_built_with(
    namespace: str, question: str, expected: str
) -> None:
    assert question_id(namespace, question) == expected


def test_golden__a_repeated_question_gets_its_occurrence_id() -> None:
    assert question_ids("d", ["Why?", "How?", "why"]) == [
        "dg-9ee43c4e9d3b",
        "dg-735ab24fdbd5",
        "dg-94cb34c889f1",
    ]
    assert question_id("d", "Why", occurrence=2) == "dg-94cb34c889f1"


def test_golden__deck_ids_are_the_ones_decks_were_built_with() -> None:
    assert deck_id("Interview Questions & Answers") == 5_663_983_993_865_884
    assert deck_id("A") == 7_790_220_277_355_881
    assert deck_id("A::B") == 5_176_402_853_167_159


def _collection(package: Path) -> sqlite3.Connection:
    with zipfile.ZipFile(package) as archive:
        data = archive.read("collection.anki2")
    db = sqlite3.connect(":memory:")
    db.deserialize(data)
    return db


def _models_and_decks(package: Path) -> tuple[dict[int, str], dict[int, str]]:
    """The package's notetypes and decks: ID → name."""
    db = _collection(package)
    try:
        models, decks = db.execute("select models, decks from col").fetchone()
    finally:
        db.close()
    return (
        {int(k): v["name"] for k, v in json.loads(models).items()},
        {int(k): v["name"] for k, v in json.loads(decks).items()},
    )


def test_golden__a_fresh_seed_build_gives_the_committed_ids(tmp_path: Path) -> None:
    committed = load_state(state_path(SEED))
    assert committed is not None
    expected = {card.question: card.id for card in committed.cards}
    assert len(committed.cards) == len(expected) == 162

    # Built with no state: every ID comes from the question text alone. The committed state
    # gave every seed card the ID of its question as written today (no reworded question keeps
    # an older ID), so the two agree card for card.
    built = run(SEED, BuildOptions(), None, now=0)
    assert {c.question: c.id for c in built.revision.state.cards} == expected

    package = tmp_path / "seed.apkg"
    build(SEED, package, state_file=None)
    notes = package_notes(package)
    assert set(notes) == set(expected.values())
    assert all(note.fields[4] == guid for guid, note in notes.items())
    models, decks = _models_and_decks(package)
    assert models == {1_607_392_401: "deckgen Q&A"}
    assert decks[5_663_983_993_865_884] == "Interview Questions & Answers"


def test_golden__one_file_hashes_ids_under_its_file_name_slug(tmp_path: Path) -> None:
    source = tmp_path / "Neural Nets.md"
    source.write_text(markdown("RNN", {"Part 1: Gates": ["What is LSTM?"]}), encoding="utf-8")
    built = run(source, BuildOptions(), None, now=0)
    assert [note.id for note in built.revision.deck.notes] == ["dg-38a0490d03d8"]


def test_golden__a_project_hashes_ids_under_its_deck_slug_or_its_namespace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path,
        {
            "notes/rnn.md": markdown("RNN", {"Part 1: Gates": ["What is LSTM?"]}),
            "notes/attention.md": markdown("Attention", {"Part 1: Basics": ["Why scale by √d?"]}),
        },
    )
    write_toml(tmp_path, 'deck = "My ML Notes"\ninclude = ["notes/*.md"]\n')
    result = deckgen("build")
    assert result.exit_code == 0, result.output
    expected = {"What is LSTM?": "dg-655909cd8c5e", "Why scale by √d?": "dg-556584681471"}
    state = state_lines(Path("deckgen-state.jsonl"))
    assert state[0]["namespace"] == "my-ml-notes"
    assert {str(line["question"]): line["id"] for line in state[1:]} == expected
    assert set(package_notes(Path("build/my-ml-notes.apkg"))) == set(expected.values())

    # A namespace of its own: the same questions, other IDs.
    other = tmp_path / "other"
    write(other, {"notes/rnn.md": markdown("RNN", {"Part 1: Gates": ["What is LSTM?"]})})
    write_toml(other, 'deck = "My ML Notes"\nnamespace = "shared"\ninclude = ["notes/*.md"]\n')
    monkeypatch.chdir(other)
    result = deckgen("build")
    assert result.exit_code == 0, result.output
    assert set(package_notes(Path("build/my-ml-notes.apkg"))) == {"dg-c7ca9d12f40f"}
