"""The mobile path: `deckgen sync` writes into a desktop collection, Anki's own sync server (the
one the `anki` package ships) carries it to a phone, and the phone's study comes back.

AnkiDroid and AnkiMobile only ever see a collection through a sync server, so everything
deckgen writes must travel as an ordinary incremental sync: a full sync makes the user pick one
side and throw the other away, the reviews done on the phone since the last sync included. The
phone here is a second collection that syncs with the same server, as the apps do.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from anki.collection import Collection
from anki.scheduler.v3 import CardAnswer
from anki.sync import SyncAuth
from anki.sync_pb2 import SyncCollectionResponse, SyncStatusResponse

from deckgen.collection.plan import REMOVED_TAG
from deckgen.collection.profiles import COLLECTION, Target
from deckgen.collection.write import RECORD_KEY, SyncSettings
from deckgen.identity.state import state_path
from deckgen.notetype.definition import NOTETYPE_ID, notetype_css
from deckgen.options import BuildOptions
from deckgen.sync import SyncReport, sync
from tests.anki_support import SeenNote, database, notes, notetype, open_collection, scheduler

pytestmark = pytest.mark.anki

USER, PASSWORD = "deckgen", "mobile"
DECK = "Interview Questions & Answers"
SEED_NOTES = 162

CHANGED = "LSTM vs GRU: when to use each?"
CHANGED_FROM = "**In practice**: Try both, GRU is a good default for efficiency."
CHANGED_TO = "**In practice**: Try both; GRU is the cheaper default."
REMOVED = "What's the difference between cell state and hidden state?"
ADDED = "What is a peephole connection in an LSTM?"
EDITED_ON_PHONE = "Explain the three gates in LSTM and their purposes (forget, input, output)"
PHONE_TEXT = "<p>My own mnemonic, typed on the phone.</p>"
PHONE_TAG = "phone::mnemonic"
REVIEWED_LINE = "Reworded after the phone's review."

FULL = {
    SyncCollectionResponse.FULL_SYNC,
    SyncCollectionResponse.FULL_UPLOAD,
    SyncCollectionResponse.FULL_DOWNLOAD,
}


# The server ----------------------------------------------------------------------------------


@pytest.fixture
def sync_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Anki's self-hosted sync server with one user, on a free port; its endpoint."""
    # The sync client runs in this process and would send even 127.0.0.1 through a proxy the
    # environment names.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    port = _free_port()
    env = {
        **os.environ,
        "SYNC_USER1": f"{USER}:{PASSWORD}",
        "SYNC_BASE": str(tmp_path / "server"),
        "SYNC_HOST": "127.0.0.1",
        "SYNC_PORT": str(port),
    }
    log = tmp_path / "syncserver.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "anki.syncserver"], env=env, stdout=out, stderr=out
        )
    try:
        _wait_until_up(server, port, log)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(server: subprocess.Popen[bytes], port: int, log: Path) -> None:
    """Until the server answers its health check; a failure shows what it printed."""
    deadline = time.monotonic() + 20
    while True:
        if server.poll() is not None:
            pytest.fail(f"the sync server exited ({server.returncode}):\n{log.read_text()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            try:
                conn.request("GET", "/health")
                if conn.getresponse().status == 200:
                    return
            finally:
                conn.close()
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"the sync server did not answer on port {port}:\n{log.read_text()}")
        time.sleep(0.05)


# The devices ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Synced:
    """One sync as the client saw it: the status before, what the sync said it required."""

    device: str
    status: str
    required: str


class Study(NamedTuple):
    """One card's place and scheduling, as the Browser's card columns show it."""

    deck: str
    queue: int
    type: int
    due: int
    ivl: int
    factor: int
    reps: int
    lapses: int
    left: int
    mtime: int


@dataclass(frozen=True)
class Snapshot:
    """What a device holds that a sync must carry: notes, study, deckgen's record, notetype."""

    notes: dict[str, SeenNote]
    cards: dict[tuple[str, int], Study]
    """By note GUID and template."""
    revlog: list[tuple[Any, ...]]
    decks: list[str]
    record: Any
    css: str


@dataclass
class Device:
    """One collection that syncs with the server, as Anki desktop or a phone app does."""

    name: str
    path: Path
    endpoint: str
    log: list[Synced]
    auth: SyncAuth | None = field(default=None, repr=False)

    def open(self) -> Collection:
        col = open_collection(self.path.parent)
        if self.auth is None:
            self.auth = col.sync_login(USER, PASSWORD, self.endpoint)
        return col

    def first_sync(self, *, upload: bool) -> None:
        """The one full sync: the desktop uploads, the phone downloads."""
        col = self.open()
        assert self.auth is not None
        out = col.sync_collection(self.auth, sync_media=False)
        expected = (
            SyncCollectionResponse.FULL_UPLOAD if upload else SyncCollectionResponse.FULL_DOWNLOAD
        )
        assert out.required == expected, _name(out.required)
        col.close_for_full_sync()
        col.full_upload_or_download(auth=self.auth, server_usn=None, upload=upload)
        col.reopen(after_full_sync=True)
        col.close()

    def sync(self) -> Synced:
        """An incremental sync; fails on any sign that Anki wants a full one."""
        col = self.open()
        assert self.auth is not None
        try:
            status = col.sync_status(self.auth).required
            # The seed has no media; a media sync would run on after the call returns.
            out = col.sync_collection(self.auth, sync_media=False)
        finally:
            col.close()
        done = Synced(self.name, SyncStatusResponse.Required.Name(status), _name(out.required))
        self.log.append(done)
        assert status != SyncStatusResponse.FULL_SYNC, done
        assert out.required not in FULL, done
        return done

    def snapshot(self) -> Snapshot:
        col = self.open()
        try:
            return _snapshot(col)
        finally:
            col.close()


def _devices(folder: Path, endpoint: str) -> tuple[Device, Device, list[Synced]]:
    """The desktop deckgen writes to and the phone, and the log of their incremental syncs.

    `sync` keeps its lock and build cache under build/ of the working folder: a test changes
    to `folder` first."""
    log: list[Synced] = []
    desktop = Device("desktop", folder / "desktop" / COLLECTION, endpoint, log)
    phone = Device("phone", folder / "phone" / COLLECTION, endpoint, log)
    return desktop, phone, log


def _name(required: SyncCollectionResponse.ChangesRequired.ValueType) -> str:
    return str(SyncCollectionResponse.ChangesRequired.Name(required))


def _snapshot(col: Collection) -> Snapshot:
    db = database(col)
    cards = {}
    for guid, ord_, did, *study in db.all(
        "select n.guid, c.ord, c.did, c.queue, c.type, c.due, c.ivl, c.factor, c.reps, "
        "c.lapses, c.left, c.mod from cards c join notes n on n.id = c.nid"
    ):
        cards[(str(guid), int(ord_))] = Study(col.decks.name(did), *study)
    revlog = db.all("select id, cid, ease, ivl, lastIvl, factor, type from revlog order by id")
    return Snapshot(
        notes(col),
        cards,
        [tuple(row) for row in revlog],
        sorted(deck.name for deck in col.decks.all_names_and_ids()),
        col.get_config(RECORD_KEY, None),
        notetype(col, NOTETYPE_ID)["css"],
    )


# The Markdown --------------------------------------------------------------------------------


def _replace_once(source: Path, old: str, new: str) -> None:
    text = source.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not in the seed exactly once"
    source.write_text(text.replace(old, new), encoding="utf-8")


def _remove_question(source: Path, question: str) -> None:
    """The question's heading and answer, up to the next question's heading."""
    text = source.read_text(encoding="utf-8")
    start = text.index(f"### {question}\n")
    end = text.index("\n### ", start) + 1
    source.write_text(text[:start] + text[end:], encoding="utf-8")


def _deckgen_sync(source: Path, desktop: Device, theme: str | None = None) -> SyncReport:
    report = sync(
        source,
        Target(desktop.path),
        BuildOptions(theme=theme),
        SyncSettings(),
        state_file=state_path(source),
    )
    assert report.applied.changed, "the sync wrote nothing"
    return report


def _note(snapshot: Snapshot, question: str) -> SeenNote:
    found = [note for note in snapshot.notes.values() if note.fields["Question"] == question]
    assert len(found) == 1, f"{len(found)} notes with the question {question!r}"
    return found[0]


def _cards_of(snapshot: Snapshot, guid: str) -> list[Study]:
    return [study for (owner, _), study in snapshot.cards.items() if owner == guid]


# The scenario --------------------------------------------------------------------------------


# Either the desktop pulls the phone's review before deckgen writes, or deckgen writes first and
# the desktop's sync meets the review on the server: Anki merges row by row, newer wins, so the
# review survives only if deckgen leaves the studied card's row alone when it updates its note.
@pytest.mark.parametrize(
    "desktop_pulls_first",
    [True, False],
    ids=["desktop-synced-before-deckgen", "deckgen-before-desktop-synced"],
)
def test_sync_server__changes_reach_the_phone_and_its_review_survives(
    tmp_path: Path,
    seed_copy: Path,
    sync_server: str,
    monkeypatch: pytest.MonkeyPatch,
    desktop_pulls_first: bool,
) -> None:
    monkeypatch.chdir(tmp_path)
    desktop, phone, log = _devices(tmp_path, sync_server)
    for device in (desktop, phone):
        open_collection(device.path.parent).close()

    # 1. The first sync, then the one full sync each side ever makes.
    first = _deckgen_sync(seed_copy, desktop)
    assert len(first.plan.add) == SEED_NOTES
    desktop.first_sync(upload=True)
    phone.first_sync(upload=False)
    start = phone.snapshot()
    assert len(start.notes) == SEED_NOTES
    assert start == desktop.snapshot()

    # 2. An answer changed, a question removed, one added: all of it an incremental sync.
    _replace_once(seed_copy, CHANGED_FROM, CHANGED_TO)
    _remove_question(seed_copy, REMOVED)
    _replace_once(
        seed_copy,
        f"### {CHANGED}\n",
        f"### {ADDED}\n\nGates that also read $C_{{t-1}}$.\n\n### {CHANGED}\n",
    )
    second = _deckgen_sync(seed_copy, desktop)
    assert [note.question for note in second.plan.add] == [ADDED]
    assert [update.note.question for update in second.plan.update] == [CHANGED]
    assert [retire.question for retire in second.plan.retire] == [REMOVED]
    # deckgen's writes wait as ordinary changes (a schema change would say FULL_SYNC).
    assert desktop.sync().status == "NORMAL_SYNC"
    phone.sync()
    got = phone.snapshot()
    assert got == desktop.snapshot()
    assert len(got.notes) == SEED_NOTES + 1
    added = _note(got, ADDED)
    assert "Gates that also read" in added.fields["Answer"]
    assert added.decks == [DECK]
    assert added.tags == _note(got, CHANGED).tags
    changed = _note(got, CHANGED)
    assert "GRU is the cheaper default" in changed.fields["Answer"]
    assert "GRU is a good default" not in changed.fields["Answer"]
    removed = _note(got, REMOVED)
    assert REMOVED_TAG in removed.tags
    assert [study.queue for study in _cards_of(got, removed.guid)] == [-1]  # suspended
    untouched = set(start.notes) - {changed.guid, removed.guid}
    assert {g: got.notes[g] for g in untouched} == {g: start.notes[g] for g in untouched}

    # 3. The phone studies a card through the v3 scheduler, and edits another note.
    col = phone.open()
    try:
        sched = scheduler(col)
        deck_id = col.decks.id_for_name(DECK)
        assert deck_id is not None
        col.decks.select(deck_id)
        queue = sched.get_queued_cards().cards
        assert queue, f"nothing to study in {DECK!r} on the phone"
        queued = queue[0]
        card = col.get_card(queued.card.id)
        card.start_timer()
        sched.answer_card(
            sched.build_answer(card=card, states=queued.states, rating=CardAnswer.EASY)
        )
        reviewed_guid = card.note().guid
        mine = col.get_note(col.find_notes(f'"Question:{EDITED_ON_PHONE}"')[0])
        mine["Answer"] += PHONE_TEXT
        mine.tags.append(PHONE_TAG)
        col.update_note(mine)
    finally:
        col.close()
    studied = phone.snapshot()
    reviewed = studied.notes[reviewed_guid]
    assert reviewed.guid != mine.guid
    review = _cards_of(studied, reviewed_guid)
    assert [(study.queue, study.type, study.reps) for study in review] == [(2, 2, 1)]  # review
    assert review[0].ivl >= 1, "an easy first answer gives an interval of days"
    assert [row[1] for row in studied.revlog] == [queued.card.id]
    phone.sync()
    if desktop_pulls_first:
        desktop.sync()

    # Another Markdown edit, to the very note the phone studied, and a new card theme (the
    # notetype's CSS: synced as a change, never a schema change).
    question = reviewed.fields["Question"]
    _replace_once(seed_copy, f"### {question}\n\n", f"### {question}\n\n{REVIEWED_LINE}\n\n")
    third = _deckgen_sync(seed_copy, desktop, theme="paper")
    assert [update.note.id for update in third.plan.update] == [reviewed_guid]
    assert third.applied.notetype == "updated"
    if desktop_pulls_first:
        # The phone's edit arrived first: kept, and reported as edited in Anki.
        assert [conflict.note.id for conflict in third.plan.conflicts] == [mine.guid]
        assert not third.plan.conflicts[0].overwritten
    for _ in range(2):
        desktop.sync()
        phone.sync()

    # Both sides hold the same: the review as the phone made it, every change of both.
    final = phone.snapshot()
    assert final == desktop.snapshot()
    assert _cards_of(final, reviewed_guid) == review
    assert final.revlog == studied.revlog
    assert REVIEWED_LINE in final.notes[reviewed_guid].fields["Answer"]
    assert final.notes[mine.guid].fields["Answer"].endswith(PHONE_TEXT)
    assert PHONE_TAG in final.notes[mine.guid].tags
    assert final.css == notetype_css("paper")
    assert len(final.notes) == SEED_NOTES + 1

    # Besides the first upload and download: steps 2 and 3's syncs, then the two rounds.
    assert len(log) == 2 + 1 + int(desktop_pulls_first) + 4
    assert all(s.status != "FULL_SYNC" and s.required in {"NO_CHANGES", "NORMAL_SYNC"} for s in log)


def test_sync_server__a_collection_already_synced_takes_the_first_sync_incrementally(
    tmp_path: Path, seed_copy: Path, sync_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The usual start: the user's collection is on the server and on the phone before deckgen
    # ever writes to it; the first sync brings deckgen's notetype in through Anki's importer.
    monkeypatch.chdir(tmp_path)
    desktop, phone, log = _devices(tmp_path, sync_server)
    col = open_collection(desktop.path.parent)
    try:
        basic = col.models.by_name("Basic")
        assert basic is not None
        own = col.new_note(basic)
        own["Front"], own["Back"] = "A card of my own", "kept"
        default = col.decks.id_for_name("Default")
        assert default is not None
        col.add_note(own, default)
    finally:
        col.close()
    open_collection(phone.path.parent).close()
    desktop.first_sync(upload=True)
    phone.first_sync(upload=False)

    report = _deckgen_sync(seed_copy, desktop)
    assert report.applied.notetype == "added"
    assert len(report.plan.add) == SEED_NOTES
    assert desktop.sync().status == "NORMAL_SYNC"
    phone.sync()

    got = phone.snapshot()
    assert got == desktop.snapshot()
    assert len(got.notes) == SEED_NOTES + 1
    assert got.notes[own.guid].fields == {"Front": "A card of my own", "Back": "kept"}
    assert got.css == notetype_css()
    assert [s.device for s in log] == ["desktop", "phone"]
