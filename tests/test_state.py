"""The state file: written readably and atomically, read strictly, errors at the right line."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from deckgen.api import build
from deckgen.errors import SourceError
from deckgen.identity.state import (
    CardRecord,
    DeckState,
    NotetypeRecord,
    dump_state,
    load_state,
    parse_state,
    save_state,
    state_path,
)

STATE = DeckState(
    NotetypeRecord("0123456789abcdef", ("Question", "Answer"), 1_700_000_000),
    (
        CardRecord(
            "dg-aaaaaaaaaaaa", "What is √d?", "Part 1: A", "1" * 16, "2" * 16, 1_700_000_000
        ),
        CardRecord("dg-bbbbbbbbbbbb", "Why?", "Part 2: B", "3" * 16, "4" * 16, 1_700_000_001),
    ),
    (CardRecord("dg-cccccccccccc", "Gone?", "Part 1: A", "5" * 16, "6" * 16, 1_600_000_000),),
)


def _broken(tmp_path: Path, edit: str, replacement: str) -> SourceError:
    path = tmp_path / "x.deckgen.json"
    text = dump_state(STATE)
    assert edit in text
    path.write_text(text.replace(edit, replacement, 1), encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        load_state(path)
    assert caught.value.path == path
    return caught.value


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_state__lives_beside_the_source() -> None:
    assert state_path(Path("source/ml-interview-qa.md")) == Path(
        "source/ml-interview-qa.deckgen.json"
    )


def test_state__round_trips_through_its_text(tmp_path: Path) -> None:
    path = tmp_path / "x.deckgen.json"
    assert save_state(STATE, path) is True
    assert load_state(path) == STATE
    assert path.read_text(encoding="utf-8") == dump_state(STATE)


def test_state__text_is_one_object_per_card_in_order_with_a_final_newline() -> None:
    text = dump_state(STATE)
    assert text.endswith("}\n")
    assert '"question": "What is √d?"' in text
    assert text.index("dg-aaaaaaaaaaaa") < text.index("dg-bbbbbbbbbbbb") < text.index("dg-ccc")
    first = json.loads(text)["cards"][0]
    assert list(first) == ["id", "question", "part", "answer", "content", "mtime"]


def test_state__saving_the_same_state_leaves_the_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "x.deckgen.json"
    save_state(STATE, path)
    os.utime(path, ns=(0, 0))
    before = path.stat()
    assert save_state(STATE, path) is False
    # A write replaces the file (another inode) and stamps it now; root ignores a read-only bit.
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_state__no_file_means_no_state(tmp_path: Path) -> None:
    assert load_state(tmp_path / "none.deckgen.json") is None


def test_state__broken_json_names_line_and_column(tmp_path: Path) -> None:
    text = dump_state(STATE)
    error = _broken(tmp_path, '"part": "Part 2: B",', '"part": "Part 2: B"')
    assert error.line == _line_of(text, '"answer": "3333')
    assert error.message.startswith("not valid JSON: Expecting ',' delimiter (column ")


def test_state__a_bad_entry_names_its_own_line(tmp_path: Path) -> None:
    text = dump_state(STATE)
    error = _broken(tmp_path, '"mtime": 1700000001', '"mtime": "yesterday"')
    assert error.line == _line_of(text, '"id": "dg-bbbbbbbbbbbb"') - 1
    assert error.message == '"mtime" must be an integer, not "yesterday"'


@pytest.mark.parametrize(
    ("edit", "replacement", "message"),
    [
        ('"id": "dg-bbbbbbbbbbbb"', '"id": "dg bad"', "\"id\" 'dg bad' is not an ID"),
        ('"id": "dg-bbbbbbbbbbbb"', '"id": "dg-aaaaaaaaaaaa"', "ID dg-aaaaaaaaaaaa appears twice"),
        ('"id": "dg-cccccccccccc"', '"id": "dg-aaaaaaaaaaaa"', "ID dg-aaaaaaaaaaaa appears twice"),
        ('"content": "4444444444444444"', '"content": "44"', '"content" must be 16 lower-case'),
        ('"mtime": 1700000001', '"mtime": true', '"mtime" must be an integer, not true'),
        ('"mtime": 1700000001', '"mtime": -1', '"mtime" must be seconds from 0 to'),
        ('"part": "Part 2: B",', '"part": "Part 2: B", "extra": 1,', "card has unknown 'extra'"),
        ('"part": "Part 2: B",', "", "card lacks 'part'"),
    ],
)
def test_state__hand_edits_that_would_lose_ids_are_refused(
    tmp_path: Path, edit: str, replacement: str, message: str
) -> None:
    error = _broken(tmp_path, edit, replacement)
    assert error.message.startswith(message)
    assert error.line is not None and error.line > 1


def test_state__a_newer_format_asks_for_a_newer_deckgen(tmp_path: Path) -> None:
    error = _broken(tmp_path, '"version": 1', '"version": 2')
    assert error.line == 1
    assert "newer deckgen" in error.message


def test_state__not_an_object_is_refused() -> None:
    with pytest.raises(SourceError, match="expected a JSON object"):
        parse_state("[]\n", Path("x.deckgen.json"))


def test_state__a_broken_state_stops_the_build_without_writing(seed_copy: Path) -> None:
    state = state_path(seed_copy)
    state.write_text("{\n", encoding="utf-8")
    out = seed_copy.parent / "deck.apkg"
    with pytest.raises(SourceError) as caught:
        build(seed_copy, out, state_file=state)
    assert caught.value.path == state
    assert not out.exists()
    assert state.read_text(encoding="utf-8") == "{\n"
