"""Stable IDs: same source, same IDs; answers never move them; duplicates stay apart."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from deckgen.identity.ids import deck_id, normalize_question, question_id, question_ids
from tests.conftest import ROOT, SEED
from tests.pipeline_support import deck_of


def _ids(md: MarkdownIt, text: str) -> list[str]:
    deck = deck_of(text, SEED)
    return [n.id for n in deck.notes]


# The seed's IDs as another Python process computes them.
_SEED_IDS = """
from tests.conftest import ROOT, SEED
from tests.pipeline_support import deck_of
print(" ".join(note.id for note in deck_of(SEED.read_text(encoding="utf-8"), SEED).notes))
"""


def test_identity__another_process_gives_identical_ids(md: MarkdownIt, seed_text: str) -> None:
    # Another process hashes strings with another salt: an ID that leaned on `hash()`, or on
    # the order of a set, would differ there.
    salt = "1" if os.environ.get("PYTHONHASHSEED") != "1" else "2"
    other = subprocess.run(
        [sys.executable, "-c", _SEED_IDS],
        cwd=ROOT,
        env={**os.environ, "PYTHONHASHSEED": salt},
        capture_output=True,
        text=True,
        check=True,
    )
    ids = _ids(md, seed_text)
    assert other.stdout.split() == ids
    assert len(set(ids)) == 162


def test_identity__editing_an_answer_keeps_every_id(md: MarkdownIt, seed_text: str) -> None:
    edited = seed_text.replace("This prevents learning dependencies", "This blocks dependencies", 1)
    assert edited != seed_text
    assert _ids(md, edited) == _ids(md, seed_text)


def test_identity__inserting_a_question_moves_no_other_id(md: MarkdownIt, seed_text: str) -> None:
    edited = seed_text.replace(
        "## Part 1: LSTM\n", "## Part 1: LSTM\n\n### A new one?\n\nYes.\n", 1
    )
    before, after = _ids(md, seed_text), _ids(md, edited)
    assert len(after) == 163
    assert after[1:] == before


def test_identity__ignores_case_spacing_and_end_punctuation() -> None:
    assert normalize_question("  What  is LSTM? ") == normalize_question("what is lstm")
    assert question_id("d", "What is LSTM?") == question_id("d", "what is  LSTM")
    assert question_id("d", "What is LSTM?") != question_id("other", "What is LSTM?")


def _normalized_as_first_defined(text: str) -> str:
    """The normalisation every ID made so far was hashed from, as it was first written."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\s?.!:;]+$", "", re.sub(r"\s+", " ", text).strip())


_QUESTIONY = st.text(
    st.sampled_from(list(" \t\n\r\x0b\x0c\x1c\x85\xa0\u2028\u3000?.!:;,-aZé\u00bd\ufb01\u212b"))
    | st.characters(),
    max_size=40,
)


@settings(max_examples=400)
@given(_QUESTIONY)
def test_identity__the_normalisation_is_the_one_ids_were_made_with(text: str) -> None:
    # Every stored ID was hashed from this normalisation: any change would give every card of
    # every deck a new ID on its next build.
    assert normalize_question(text) == _normalized_as_first_defined(text)


def test_identity__identical_questions_get_distinct_stable_ids() -> None:
    ids = question_ids("d", ["Why?", "How?", "Why?"])
    assert len(set(ids)) == 3
    assert ids[0] == question_id("d", "Why?")
    assert ids[2] == question_id("d", "why", occurrence=2)


def test_identity__ids_are_searchable_in_anki() -> None:
    ident = question_id("d", "What?")
    assert ident.startswith("dg-") and len(ident) == 15 and ident[3:].isalnum()


def test_identity__deck_id_depends_on_name_only() -> None:
    assert deck_id("A") != deck_id("A::B") != deck_id("a::B")
    assert all(2**52 <= deck_id(name) < 2**53 for name in ("A", "A::B", "", "Ω" * 300))
