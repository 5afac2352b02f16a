"""The promise, end to end: study in Anki, edit the Markdown, rebuild, re-import, lose nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from anki.collection import Collection
from anki.scheduler.v3 import CardAnswer

from deckgen.api import BuildReport, build
from deckgen.cli.report import removed_notice, removed_search
from deckgen.identity.state import state_path
from tests.anki_support import database, import_apkg, notes, open_collection, scheduler
from tests.conftest import SEED

pytestmark = pytest.mark.anki

V1_TIME = 1_700_000_000
V2_TIME = V1_TIME + 3 * 86_400
DECK = "Interview Questions & Answers"

ANSWER_CHANGED = "What is in-context learning?"
REWORDED = ("Why do we scale by √d_k?", "Why do we scale the dot products by √d_k?")
TYPO_FIXED_AND_EDITED = (
    "What's the KV cache and why is it needed?",
    "What is the KV cache, and why is it needed?",
)
MOVED = "When would you still use LSTM over transformer?"
RENAMED_PART = ("## Part 2: Attention Mechanism", "## Part 2: Attention")
DELETED = "Explain the Chinchilla scaling laws"
ADDED = "What is speculative decoding?"


@dataclass(frozen=True)
class Schedule:
    """Everything a user's study left on one card."""

    ivl: int
    due: int
    reps: int
    lapses: int
    revlog: tuple[tuple[object, ...], ...]


def study_everything(col: Collection) -> None:
    """Answer every card through the scheduler, then bring some back and fail half of those."""
    did = col.decks.id_for_name(DECK)
    assert did is not None
    config = col.decks.config_dict_for_deck_id(did)
    config["new"]["perDay"] = 9999
    config["rev"]["perDay"] = 9999
    col.decks.update_config(config)
    col.decks.select(did)
    ratings = [CardAnswer.EASY, CardAnswer.GOOD, CardAnswer.HARD]
    answer_queue(col, lambda n: ratings[n % len(ratings)])
    assert database(col).scalar("select count() from cards where type != 2") == 0
    again = col.find_cards(f'"deck:{DECK}"')[::4]
    col.sched.set_due_date(again, "0")
    answer_queue(col, lambda n: CardAnswer.AGAIN if n % 2 == 0 else CardAnswer.GOOD)


def answer_queue(col: Collection, rating: Callable[[int], CardAnswer.Rating.V]) -> None:
    sched = scheduler(col)
    answered = 0
    while queued := sched.get_queued_cards().cards:
        card = col.get_card(queued[0].card.id)
        card.start_timer()
        choice = rating(answered)
        sched.answer_card(sched.build_answer(card=card, states=queued[0].states, rating=choice))
        answered += 1
    assert answered > 0


def schedules(col: Collection) -> dict[str, Schedule]:
    """Per note GUID: the card's interval, due day, reps, lapses and its review-log rows."""
    db = database(col)
    found = {}
    for guid, cid, ivl, due, reps, lapses in db.all(
        "select n.guid, c.id, c.ivl, c.due, c.reps, c.lapses from cards c join notes n on n.id = c.nid"
    ):
        revlog = db.all(
            "select id, ease, ivl, lastIvl, factor, type from revlog where cid = ? order by id", cid
        )
        found[guid] = Schedule(ivl, due, reps, lapses, tuple(map(tuple, revlog)))
    return found


def edit_source(path: Path) -> None:
    """Every kind of edit a user makes between two builds."""
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        f"### {ANSWER_CHANGED}\n", f"### {ANSWER_CHANGED}\n\nRevised: learning from the prompt.\n"
    )
    text = text.replace(f"### {REWORDED[0]}", f"### {REWORDED[1]}")
    text = text.replace(
        f"### {TYPO_FIXED_AND_EDITED[0]}\n",
        f"### {TYPO_FIXED_AND_EDITED[1]}\n\nRevised: it trades memory for speed.\n",
    )
    moved = _section(text, MOVED)
    text = text.replace(moved, "")
    anchor = "### Why do we need positional encoding?"
    text = text.replace(anchor, moved + anchor)
    text = text.replace(RENAMED_PART[0] + "\n", RENAMED_PART[1] + "\n")
    text = text.replace(_section(text, DELETED), "")
    text = text.replace(
        "### What is in-context learning?",
        f"### {ADDED}\n\nA small model drafts tokens; the large one verifies them.\n\n"
        "### What is in-context learning?",
    )
    path.write_text(text, encoding="utf-8")


def _section(text: str, question: str) -> str:
    start = text.index(f"### {question}\n")
    end = min(text.find(mark, start + 4) for mark in ("\n### ", "\n## ", "\n---"))
    return text[start : end + 1]


def _note_by_question(col: Collection, question: str) -> str:
    matches = [n.guid for n in notes(col).values() if n.fields["Question"] == question]
    assert len(matches) == 1, (question, matches)
    return matches[0]


@dataclass(frozen=True)
class RoundTrip:
    col: Collection
    report: BuildReport
    """The v2 build's report."""
    before: dict[str, Schedule]
    """Every card's schedule after studying v1, by note GUID."""
    ids_v1: dict[str, str]
    """Note GUID by v1 question text."""


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RoundTrip]:
    """v1 built, imported and studied; the source edited; v2 built and imported."""
    folder = tmp_path_factory.mktemp("roundtrip")
    source = folder / "source" / SEED.name
    source.parent.mkdir()
    source.write_bytes(SEED.read_bytes())
    state = state_path(source)
    build(source, folder / "v1.apkg", state_file=state, clock=lambda: V1_TIME)
    col = open_collection(folder / "anki")
    import_apkg(col, folder / "v1.apkg")
    study_everything(col)
    before = schedules(col)
    ids_v1 = {n.fields["Question"]: n.guid for n in notes(col).values()}

    edit_source(source)
    report = build(source, folder / "v2.apkg", state_file=state, clock=lambda: V2_TIME)
    import_apkg(col, folder / "v2.apkg")
    yield RoundTrip(col, report, before, ids_v1)
    col.close()


def test_roundtrip__every_surviving_card_keeps_its_schedule_and_review_log(
    round_trip: RoundTrip,
) -> None:
    col, before, ids_v1 = round_trip.col, round_trip.before, round_trip.ids_v1
    after = schedules(col)
    deleted = ids_v1[DELETED]
    assert set(before) - {deleted} <= set(after)
    assert sum(s.lapses for s in before.values()) > 0
    assert all(len(s.revlog) >= 1 for s in before.values())
    for guid, schedule in before.items():
        assert after[guid] == schedule, guid


def test_roundtrip__edits_show_and_nothing_is_duplicated(round_trip: RoundTrip) -> None:
    col, ids_v1 = round_trip.col, round_trip.ids_v1
    seen = notes(col)
    assert col.note_count() == 162 + 1  # one added; the deleted one stays until the user acts
    assert col.card_count() == col.note_count()
    assert len({n.fields["Question"] for n in seen.values()}) == col.note_count()

    changed = seen[ids_v1[ANSWER_CHANGED]]
    assert "Revised: learning from the prompt." in changed.fields["Answer"]
    (cid,) = col.find_cards(f"ID:{changed.guid}")
    assert "Revised: learning from the prompt." in col.get_card(cid).answer()

    assert _note_by_question(col, REWORDED[1]) == ids_v1[REWORDED[0]]
    edited = seen[ids_v1[TYPO_FIXED_AND_EDITED[0]]]
    assert edited.fields["Question"] == TYPO_FIXED_AND_EDITED[1]
    assert "Revised: it trades memory for speed." in edited.fields["Answer"]

    moved = seen[ids_v1[MOVED]]
    assert moved.tags == ["ml-interview-qa::03-transformer-architecture"]
    assert moved.fields["Part"] == "Part 3: Transformer Architecture"

    renamed = seen[ids_v1["What is the scaled dot-product attention formula?"]]
    assert renamed.tags == ["ml-interview-qa::02-attention"]
    assert renamed.fields["Part"] == "Part 2: Attention"

    added = seen[_note_by_question(col, ADDED)]
    assert added.guid not in ids_v1.values()
    assert added.tags == ["ml-interview-qa::04-large-language-models"]


def test_roundtrip__unchanged_notes_keep_their_mtime(round_trip: RoundTrip) -> None:
    col, report, ids_v1 = round_trip.col, round_trip.report, round_trip.ids_v1
    assert report.revision is not None
    seen = notes(col)
    unchanged = seen[ids_v1["What problem does LSTM solve compared to vanilla RNN?"]]
    assert unchanged.mtime == V1_TIME
    assert seen[ids_v1[ANSWER_CHANGED]].mtime == V2_TIME
    kinds = {c.id: c.kinds for c in report.revision.changes}
    assert kinds[ids_v1[ANSWER_CHANGED]] == ("changed",)
    assert kinds[ids_v1[REWORDED[0]]] == ("reworded",)
    assert kinds[ids_v1[TYPO_FIXED_AND_EDITED[0]]] == ("reworded", "changed")
    assert kinds[ids_v1[MOVED]] == ("moved",)
    assert kinds[ids_v1[DELETED]] == ("removed",)
    assert kinds[ids_v1["What is the scaled dot-product attention formula?"]] == ("changed",)
    assert report.revision.renamed_parts == (("Part 2: Attention Mechanism", "Part 2: Attention"),)


def test_roundtrip__the_removed_note_is_reported_and_found_by_the_search(
    round_trip: RoundTrip,
) -> None:
    col, report, ids_v1 = round_trip.col, round_trip.report, round_trip.ids_v1
    assert report.revision is not None
    deleted = ids_v1[DELETED]
    assert [card.id for card in report.revision.state.removed] == [deleted]
    search = removed_search([deleted])
    assert f"  Find it in the Browser: {search}" in removed_notice(report.revision)
    found = col.find_notes(search)
    assert [col.get_note(nid).guid for nid in found] == [deleted]


def test_roundtrip__search_for_several_removed_notes_finds_exactly_them(
    round_trip: RoundTrip,
) -> None:
    col, ids_v1 = round_trip.col, round_trip.ids_v1
    wanted = sorted([ids_v1[DELETED], ids_v1[MOVED], ids_v1[ANSWER_CHANGED]])
    found = col.find_notes(removed_search(wanted))
    assert sorted(col.get_note(nid).guid for nid in found) == wanted


def test_roundtrip__an_edit_made_in_anki_survives_an_unchanged_rebuild(
    collection: Collection, seed_copy: Path, tmp_path: Path
) -> None:
    state = state_path(seed_copy)
    build(seed_copy, tmp_path / "v1.apkg", state_file=state, clock=lambda: V1_TIME)
    import_apkg(collection, tmp_path / "v1.apkg")
    (nid,) = collection.find_notes('"Question:What is in-context learning?"')
    note = collection.get_note(nid)
    note["Answer"] = "My own words."
    collection.update_note(note)
    assert collection.get_note(nid).mod > V1_TIME

    build(seed_copy, tmp_path / "v2.apkg", state_file=state, clock=lambda: V2_TIME)
    assert (tmp_path / "v2.apkg").read_bytes() == (tmp_path / "v1.apkg").read_bytes()
    import_apkg(collection, tmp_path / "v2.apkg")
    assert collection.get_note(nid)["Answer"] == "My own words."

    # Once the source itself changes after the user's edit, the source wins, as it should.
    text = seed_copy.read_text(encoding="utf-8")
    seed_copy.write_text(
        text.replace(
            "### What is in-context learning?\n", "### What is in-context learning?\n\nNew.\n"
        ),
        encoding="utf-8",
    )
    later = collection.get_note(nid).mod + 1
    build(seed_copy, tmp_path / "v3.apkg", state_file=state, clock=lambda: later)
    import_apkg(collection, tmp_path / "v3.apkg")
    assert collection.get_note(nid)["Answer"].startswith("<p>New.</p>")
