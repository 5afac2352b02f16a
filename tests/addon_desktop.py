"""deckgen's add-on inside the real Anki desktop, driven by `deckgen sync` over 127.0.0.1.

`tests/test_addon_desktop.py` runs this module in processes of their own: Qt allows one
application per process (the desktop tests hold the pytest process's), and the Anki under test
is whichever the process's Python finds first, the project's (the newest) or the oldest the
add-on claims. `python -m tests.addon_desktop PHASE WORK --deckgen PYTHON --src SRC` starts Anki
headless on `WORK/anki`, runs the phase's steps in order and writes `WORK/PHASE.json`: every
case with `ok` and, when it failed, why. The command line runs as a user runs it, in a process
of its own with the project's Python and sources (`--deckgen`, `--src`), while this process
pumps Anki's events: the add-on does its work on Anki's main thread.

Two phases, on the same folder: `desktop` (the add-on installed by `deckgen addon install`:
every case of the sync table, undo, the token, Anki busy, cut requests, the package on a second
collection; then the `.ankiaddon` installed through Anki's own add-on manager, Anki quits, and
a token file left behind is tried), then `restart` (Anki again: the add-on its manager installed
loads and syncs).

Nothing here imports deckgen: the add-on must run on the copy it carries (its `vendor/`), which
`addon_loads` checks. Nothing is written to standard error either: inside Anki that is what
shows the user an error dialog, which Anki's handler here records instead (`anki_showed_no_error`).
"""

from __future__ import annotations

import argparse
import contextlib
import email
import hashlib
import http.client
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time
import traceback
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from anki.collection import Collection
    from anki.models import NotetypeDict
    from aqt.main import AnkiQt
    from aqt.qt import QApplication

NOTETYPE_ID = 1607392401
"""deckgen's notetype ID, pinned: what the add-on writes must be what every package carries."""
FIELDS = ["Question", "Answer", "Part", "Source", "ID"]
REMOVED_TAG = "deckgen::removed"
PROFILE = "User 1"
TOKEN_FILE = "deckgen-addon.json"
ADDON = "deckgen_sync"
UNDO_TEXT = "Undo deckgen sync"
DECK = "Add-on Deck"
CONTROL = "deckgen-test: a line Anki's error handler must catch"
# Guards against a hang, far above what a step takes; nothing is asserted about time.
CLI_TIMEOUT = 120.0
WAIT = 60.0

PARTS = ("Part 1: Basics", "Part 2: Safety")
QUESTIONS = {
    "A": (PARTS[0], "What is the add-on for?", "Syncing inside Anki. ![a chart](a.png)"),
    "B": (PARTS[0], "Which address does it listen on?", "Only 127.0.0.1."),
    "C": (PARTS[0], "What keeps other programs out?", "A token in the profile folder."),
    "D": (PARTS[1], "How is a sync undone?", "Edit, then Undo deckgen sync."),
    "E": (PARTS[1], "What if Anki shows a dialog?", "The command line says Anki is busy."),
    "F": (PARTS[1], "What happens to a removed question?", "Its cards are suspended."),
    "G": (PARTS[1], "What does a dry run write?", "Nothing at all. ![a picture](g.png)"),
    "H": (PARTS[0], "Which thread writes?", "Anki's main thread."),
    "I": (PARTS[1], "What if the command line is killed?", "All or nothing."),
    "J": (PARTS[0], "What if the connection is cut?", "The next sync finishes the job."),
}
FIRST = "ABCDEF"
"""The questions of the first sync; the others come in later."""
IMAGES = {"a.png": (2, 2), "g.png": (3, 3)}
"""The images beside the Markdown, by their sizes (plain grey PNGs: other sizes, other bytes)."""


@dataclass(slots=True)
class Run:
    """One run of the command line: what a user sees of it."""

    args: tuple[str, ...]
    code: int
    out: str
    err: str

    def __str__(self) -> str:
        return f"deckgen {' '.join(self.args)} → {self.code}\n{self.out}{self.err}"

    def summary(self) -> str:
        """The summary line of a run that succeeded with nothing on standard error but
        findings (`warning`, `info`)."""
        assert self.code == 0, str(self)
        assert "Traceback" not in self.err and "error:" not in self.err, str(self)
        lines = self.out.splitlines()
        assert len(lines) == 1, str(self)
        return lines[0]

    def through_addon(self) -> str:
        """The summary of a sync the add-on applied inside Anki (not the file sync)."""
        line = self.summary()
        assert "through Anki's add-on" in line, line
        return line

    def refused(self, *said: str) -> str:
        """The one error line of a run that stopped with status 1, holding each of `said`."""
        assert self.code == 1, str(self)
        assert self.out == "", str(self)
        lines = self.err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("deckgen: error: "), str(self)
        for words in said:
            assert words in lines[0], f"{words!r} not in {lines[0]!r}"
        return lines[0]


def says(line: str, *parts: str) -> None:
    for part in parts:
        assert part in line, f"{part!r} not in {line!r}"


@dataclass(slots=True)
class Doc:
    """The Markdown the command line syncs: questions by letter, their answers as now."""

    path: Path
    answers: dict[str, str] = field(default_factory=dict)

    def write(self) -> None:
        lines = [f"# {DECK}", ""]
        for part in PARTS:
            lines += [f"## {part}", ""]
            for letter, answer in self.answers.items():
                if QUESTIONS[letter][0] == part:
                    lines += [f"### {QUESTIONS[letter][1]}", "", answer, ""]
        self.path.write_text("\n".join(lines), encoding="utf-8")

    def change(self, letter: str, added: str) -> None:
        self.answers[letter] += f" {added}"

    def add(self, letter: str) -> None:
        self.answers[letter] = QUESTIONS[letter][2]

    def remove(self, letter: str) -> None:
        del self.answers[letter]


class Driver:
    """One Anki desktop in this process, the project beside it, and the cases' outcomes."""

    def __init__(self, work: Path, deckgen: str, src: str) -> None:
        self.work = work
        self.base = work / "anki"
        self.profile = self.base / PROFILE
        self.project = work / "project"
        self.doc = Doc(self.project / "source" / "addon.md")
        self.deckgen = deckgen
        self.env = {k: v for k, v in os.environ.items() if k not in ("DECKGEN_DEBUG",)}
        self.env.update(ANKI_BASE=str(self.base), PYTHONPATH=src)
        self.results: list[dict[str, Any]] = []
        self.errors: list[str] = []
        self.expected: dict[str, Any] = json.loads((work / "expected.json").read_text("utf-8"))
        self.app: QApplication | None = None
        self._mw: AnkiQt | None = None
        self.ids: dict[str, str] = {}
        self.subdecks = False
        self.edited = 0.0
        """When the last edit inside Anki was made."""
        self.chart = Path()
        """The media file of a.png, which the user replaced by one of their own."""

    # -- Anki ----------------------------------------------------------------------------------

    def start(self) -> None:
        """Anki on `base` as a person starts it; the dialog an error would open is recorded."""
        if os.geteuid() == 0:
            os.environ["QTWEBENGINE_DISABLE_SANDBOX"] = "1"  # Chromium refuses root otherwise
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        import aqt
        import aqt.errors

        errors = self.errors
        stale = self.token_path.read_text("utf-8") if self.token_path.exists() else None

        def record(handler: aqt.errors.ErrorHandler) -> None:
            errors.append(handler.pool)
            handler.pool = ""

        aqt.errors.ErrorHandler.onTimeout = record  # type: ignore[method-assign,assignment]
        # One Anki per user answers: every run starts its own.
        aqt.AnkiApp.KEY = f"deckgen-addon-test-{os.getpid()}"
        self.app = aqt._run(["anki", "-b", str(self.base)], exec=False)
        assert self.app is not None, "Anki did not start"
        self._mw = aqt.mw
        # A control: what reaches Anki's stderr is what the recorder sees (taken out again,
        # and only it: the add-on loads meanwhile).
        sys.stderr.write(f"{CONTROL}\n")
        self.pump(lambda: CONTROL in "".join(errors), "Anki's error handler")
        errors[:] = [kept for e in errors if (kept := e.replace(f"{CONTROL}\n", ""))]
        try:
            self.pump(lambda: self.mw.col is not None and self._fresh(stale), "Anki")
        except TimeoutError:
            raise TimeoutError(f"the add-on never served; Anki's errors: {errors}") from None

    def _fresh(self, stale: str | None) -> bool:
        """Whether the add-on has left its token file (not the one a crash left behind)."""
        try:
            return self.token_path.read_text("utf-8") != stale
        except FileNotFoundError:
            return False

    @property
    def mw(self) -> AnkiQt:
        assert self._mw is not None, "Anki is not running"
        return self._mw

    @property
    def col(self) -> Collection:
        col = self.mw.col
        assert col is not None, "no collection open"
        return col

    @property
    def token_path(self) -> Path:
        return self.profile / TOKEN_FILE

    def pump(self, done: Callable[[], bool], what: str, seconds: float = WAIT) -> None:
        """Run Anki's event loop until `done()`."""
        from aqt.qt import QEventLoop

        assert self.app is not None
        deadline = time.monotonic() + seconds
        while not done():
            if time.monotonic() > deadline:
                raise TimeoutError(f"gave up waiting for {what}")
            self.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)

    def quit(self) -> None:
        """Quit as Anki's own Quit does, then let Qt run what that leaves to do."""
        from aqt.qt import QTimer

        assert self.app is not None
        self.mw.unloadProfileAndExit()
        QTimer.singleShot(int(WAIT * 1000), self.app.quit)  # a guard, not a measurement
        self.app.exec()
        self._mw = None

    def idle(self) -> None:
        """Wait until the add-on has finished the request it was given: its server's lock,
        held while a sync runs, is free (what the command line would have been told is
        lost with its connection)."""
        server = sys.modules["deckgen.addon.server"]
        running = server._running
        assert running is not None, "the add-on is not serving"
        self.pump(lambda: not running._lock.locked(), "the add-on to finish")

    # -- the command line ----------------------------------------------------------------------

    def start_cli(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [self.deckgen, "-m", "deckgen", *args],
            cwd=self.project,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def cli(self, *args: str) -> Run:
        """`deckgen ARGS` in the project, Anki's events pumped until it ends."""
        started = time.perf_counter()
        process = self.start_cli(*args)
        if self._mw is not None:
            self.pump(lambda: process.poll() is not None, f"deckgen {args}", CLI_TIMEOUT)
        out, err = process.communicate(timeout=CLI_TIMEOUT)
        print(f"  deckgen {' '.join(args)}: {time.perf_counter() - started:.2f} s", flush=True)
        return Run(args, process.returncode, out, err)

    def sync(self, *args: str) -> Run:
        subdecks = ("--subdecks",) if self.subdecks else ()
        self.doc.write()
        return self.cli("sync", "source/addon.md", "--profile", PROFILE, *subdecks, *args)

    # -- what the collection holds -------------------------------------------------------------

    def guid(self, letter: str) -> str:
        """The note ID deckgen gave a question (the state file's, remembered once seen)."""
        if letter not in self.ids:
            state = json.loads(self.doc.path.with_suffix(".deckgen.json").read_text("utf-8"))
            for card in state["cards"]:
                for known, (_, question, _) in QUESTIONS.items():
                    if card["question"] == question:
                        self.ids[known] = card["id"]
        return self.ids[letter]

    def state_questions(self) -> set[str]:
        state = json.loads(self.doc.path.with_suffix(".deckgen.json").read_text("utf-8"))
        return {card["question"] for card in state["cards"]}

    def notes(self) -> dict[str, dict[str, Any]]:
        """Every note by GUID: notetype, fields, tags, modification time, decks, queues."""
        return notes_of(self.col)

    def note(self, letter: str) -> dict[str, Any]:
        return self.notes()[self.guid(letter)]

    def anki_note(self, letter: str) -> Any:
        return self.col.get_note(self.col.find_notes(f'"ID:{self.guid(letter)}"')[0])

    def model(self) -> NotetypeDict:
        return model_of(self.col)

    def media(self, image: str) -> list[Path]:
        """The files in the collection's media folder that hold `image`'s bytes."""
        data = (self.doc.path.parent / image).read_bytes()
        return [p for p in (self.profile / "collection.media").iterdir() if p.read_bytes() == data]

    def backups(self) -> set[str]:
        folder = self.profile / "backups"
        return {p.name for p in folder.iterdir()} if folder.is_dir() else set()

    def undo_text(self) -> str:
        """Edit → Undo's label, without the marks Anki's translations put around a name."""
        return str(self.mw.form.actionUndo.text()).replace("\u2068", "").replace("\u2069", "")

    # -- the cases -----------------------------------------------------------------------------

    def check(self, name: str, test: Callable[[], None]) -> None:
        started = time.perf_counter()
        try:
            test()
        except Exception:  # noqa: BLE001 (every failure is a case's outcome)
            outcome: dict[str, Any] = {"ok": False, "error": traceback.format_exc()}
        else:
            outcome = {"ok": True}
        seconds = round(time.perf_counter() - started, 2)
        self.results.append({"name": name, **outcome, "seconds": seconds})
        print(f"{name}: {'ok' if outcome['ok'] else 'FAILED'} ({seconds} s)", flush=True)


def notes_of(col: Collection) -> dict[str, dict[str, Any]]:
    seen = {}
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        cards = note.cards()
        seen[note.guid] = {
            "mid": int(note.mid),
            "fields": list(note.fields),
            "tags": sorted(note.tags),
            "mod": int(note.mod),
            "decks": sorted({col.decks.name(card.did) for card in cards}),
            "queues": [int(card.queue) for card in cards],
        }
    return seen


def model_of(col: Collection) -> NotetypeDict:
    """deckgen's notetype in `col`, found by its ID."""
    from anki.models import NotetypeId

    found = col.models.get(NotetypeId(NOTETYPE_ID))
    assert found is not None, "no deckgen notetype"
    return found


def without_mtimes(notes: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {guid: {k: v for k, v in note.items() if k != "mod"} for guid, note in notes.items()}


# -- phase `desktop` ---------------------------------------------------------------------------


def addon_loads(d: Driver) -> None:
    """`deckgen addon install` before Anki starts; Anki loads it, and it serves on 127.0.0.1
    with its own copy of deckgen and a token only the user can read."""
    d.project.mkdir(parents=True, exist_ok=True)
    (d.project / "source").mkdir(exist_ok=True)
    d.doc.answers = {letter: QUESTIONS[letter][2] for letter in FIRST}
    from tests.desktop_support import _prepare_base, png

    for name, size in IMAGES.items():
        (d.doc.path.parent / name).write_bytes(png(*size))

    _prepare_base(d.base)
    run = d.cli("addon", "install")
    folder = d.base / "addons21" / ADDON

    def installed() -> None:
        says(run.summary(), f"add-on → {folder}")

    d.check("addon_install_cli", installed)
    # Any free port (the user's config, as Tools → Add-ons → Config sets it): the newest and
    # the oldest Anki run side by side, and a real Anki may hold the default one.
    meta = json.loads((folder / "meta.json").read_text("utf-8"))
    (folder / "meta.json").write_text(json.dumps({**meta, "config": {"port": 0}}), "utf-8")
    d.start()

    def loads() -> None:
        assert ADDON in d.mw.addonManager.allAddons()
        deckgen = sys.modules["deckgen"].__file__
        assert deckgen is not None and Path(deckgen).is_relative_to(folder / "vendor"), deckgen
        info = json.loads(d.token_path.read_text("utf-8"))
        assert set(info) == {"port", "token", "protocol"} and info["port"] > 0, info
        assert stat.S_IMODE(d.token_path.stat().st_mode) == 0o600
        status, body = call(info["port"], "GET", "/deckgen/status", token=info["token"])
        assert status == 200 and body["collection"] == d.col.path, body

    d.check("addon_loads", loads)


def first_sync(d: Driver) -> None:
    run = d.sync()

    def added() -> None:
        says(run.through_addon(), "6 notes: 6 added, notetype added, 1 media file added")
        assert len(d.media("a.png")) == 1
        ours = {g for g, note in d.notes().items() if note["mid"] == NOTETYPE_ID}
        assert ours == {d.guid(letter) for letter in FIRST}, ours
        assert [f["name"] for f in d.model()["flds"]] == FIELDS
        assert all(note["decks"] == [DECK] for note in d.notes().values())
        d.pump(lambda: d.undo_text() == UNDO_TEXT, "Edit → Undo deckgen sync")

    d.check("new_notes_with_deckgens_guids_and_notetype", added)

    def backup() -> None:
        line = run.through_addon()
        path = Path(line.partition("; backup → ")[2].rpartition(" (")[0])
        assert path.parent == d.profile / "backups" and path.suffix == ".colpkg", line
        assert path.is_file() and path.name in d.backups()

    d.check("backup_made", backup)


def unchanged(d: Driver) -> None:
    before, backups = d.notes(), d.backups()
    run = d.sync()

    def untouched() -> None:
        says(run.through_addon(), "6 notes: nothing to change")
        assert d.notes() == before and d.backups() == backups

    d.check("nothing_new_writes_nothing", untouched)


def dry_run(d: Driver) -> None:
    """Edits on both sides (kept for the next step), then a dry run of their sync."""
    a = d.anki_note("A")
    a.tags += ["marked", "my::own"]
    d.col.update_note(a)
    b = d.anki_note("B")
    b["Answer"] += "<p>Fixed in Anki.</p>"
    d.col.update_note(b)
    (chart,) = d.media("a.png")
    chart.write_bytes(b"the user's own file")
    d.chart = chart
    cards = d.anki_note("C").card_ids()
    d.col.set_deck(cards, int(d.col.decks.id("My own deck") or 0))
    d.edited = time.time()
    d.doc.change("A", "Changed in the Markdown.")
    d.doc.change("B", "Changed in the Markdown too.")
    d.doc.remove("F")
    d.doc.add("G")
    d.subdecks = True
    state = d.doc.path.with_suffix(".deckgen.json").read_bytes()
    before, backups, undo = d.notes(), d.backups(), d.undo_text()
    # `--via addon`: a dry run's summary does not say which way it went.
    run = d.sync("--dry-run", "--via", "addon")

    def nothing_written() -> None:
        says(run.summary(), "1 added", "1 updated", "1 suspended", "1 conflict kept", "dry run")
        assert d.notes() == before and d.backups() == backups and d.undo_text() == undo
        assert not d.media("g.png") and d.chart.read_bytes() == b"the user's own file"
        assert d.doc.path.with_suffix(".deckgen.json").read_bytes() == state

    d.check("dry_run_writes_nothing", nothing_written)


@dataclass(frozen=True, slots=True)
class Synced:
    """One sync: its run, the notes before and after it, the backups before it."""

    run: Run
    before: dict[str, dict[str, Any]]
    after: dict[str, dict[str, Any]]
    backups: set[str]

    @property
    def line(self) -> str:
        return self.run.through_addon() if self.run.code == 0 else str(self.run)


def every_case(d: Driver) -> None:
    """The sync of `dry_run`'s edits, case by case."""
    # Anki's note mtimes are whole seconds: the sync's must be a later one than the edits'.
    time.sleep(max(0.0, d.edited + 1.1 - time.time()))
    before, backups = d.notes(), d.backups()
    run = d.sync()
    synced = Synced(run, before, d.notes(), backups)
    for name, test in CASES_OF_ONE_SYNC:
        d.check(name, partial(test, d, synced))


def _added(d: Driver, s: Synced) -> None:
    says(s.line, "1 added")
    note = s.after[d.guid("G")]
    assert note["mid"] == NOTETYPE_ID and "Nothing at all." in note["fields"][1], note


def _tags_kept(d: Driver, s: Synced) -> None:
    says(s.line, "1 updated")
    note = s.after[d.guid("A")]
    assert "Changed in the Markdown." in note["fields"][1], note
    assert {"marked", "my::own"} <= set(note["tags"]), note
    assert any(tag.startswith("addon::") for tag in note["tags"]), note


def _untouched(d: Driver, s: Synced) -> None:
    for letter in "DE":  # only moved: their cards' deck changed, not the notes
        was, now = s.before[d.guid(letter)], s.after[d.guid(letter)]
        assert [now[k] for k in ("fields", "tags", "mod")] == [
            was[k] for k in ("fields", "tags", "mod")
        ]


def _conflict(d: Driver, s: Synced) -> None:
    says(s.line, "1 conflict kept")
    assert "Fixed in Anki." in s.after[d.guid("B")]["fields"][1]
    says(s.run.err, "warning: edited in Anki since deckgen wrote it", "-", "+")


def _stays(d: Driver, s: Synced) -> None:
    says(s.line, "moved", "1 left in your deck")
    assert s.after[d.guid("C")]["decks"] == ["My own deck"]
    assert s.after[d.guid("A")]["decks"] == [f"{DECK}::{PARTS[0]}"], s.after[d.guid("A")]
    says(s.run.err, "left where it is")


def _suspended(d: Driver, s: Synced) -> None:
    says(s.line, "1 suspended")
    note = s.after[d.guid("F")]
    assert REMOVED_TAG in note["tags"] and note["queues"] == [-1], note


def _backup(d: Driver, s: Synced) -> None:
    assert len(d.backups() - s.backups) == 1
    says(s.line, "; backup → ")


def _media(d: Driver, s: Synced) -> None:
    says(s.line, "1 media file added")
    (picture,) = d.media("g.png")
    assert f'src="{picture.name}"' in s.after[d.guid("G")]["fields"][1]
    assert d.chart.read_bytes() == b"the user's own file"
    says(s.run.err, f"the media folder has another file named {d.chart.name}")


CASES_OF_ONE_SYNC: tuple[tuple[str, Callable[[Driver, Synced], None]], ...] = (
    ("new_question_added", _added),
    ("update_keeps_the_users_tags", _tags_kept),
    ("unchanged_notes_untouched", _untouched),
    ("edit_in_anki_kept_as_a_conflict", _conflict),
    ("card_moved_by_hand_stays", _stays),
    ("removed_suspended_and_tagged", _suspended),
    ("backup_before_each_change", _backup),
    ("media_added_never_overwritten", _media),
)


def overwrite(d: Driver) -> None:
    run = d.sync("--overwrite")
    again = d.sync()

    def taken() -> None:
        says(run.through_addon(), "1 conflict overwritten")
        answer = d.note("B")["fields"][1]
        assert "Fixed in Anki." not in answer and "Changed in the Markdown too." in answer
        assert "conflict" not in again.through_addon() and "edited in Anki" not in again.err

    d.check("overwrite_takes_the_markdown", taken)


def restored(d: Driver) -> None:
    d.doc.add("F")
    run = d.sync()

    def back() -> None:
        says(run.through_addon(), "1 restored")
        note = d.note("F")
        assert REMOVED_TAG not in note["tags"] and note["queues"] == [0], note

    d.check("back_in_the_markdown_restored", back)


def delete(d: Driver) -> None:
    d.doc.remove("F")
    run = d.sync("--delete")

    def deleted() -> None:
        says(run.through_addon(), "1 deleted", "; backup → ")
        assert d.guid("F") not in d.notes()

    d.check("delete_deletes_removed_notes", deleted)


def fields_refused(d: Driver) -> None:
    model = d.model()
    d.col.models.add_field(model, d.col.models.new_field("Extra"))
    d.col.models.update_dict(model)
    before = d.notes()
    refused = d.sync()
    held = d.notes()
    allowed = d.sync("--allow-full-sync")

    def refuse() -> None:
        refused.refused("one-way full sync", "--allow-full-sync")
        assert held == before

    def allow() -> None:
        says(allowed.through_addon(), "notetype updated")
        assert [f["name"] for f in d.model()["flds"]] == FIELDS

    d.check("field_change_refused_without_allow_full_sync", refuse)
    d.check("field_change_with_allow_full_sync", allow)


def theme(d: Driver) -> None:
    ids = sorted(int(m.id) for m in d.col.models.all_names_and_ids())
    paper = d.sync("--theme", "paper")
    css = d.model()["css"]
    default = d.sync()

    def in_place() -> None:
        says(paper.through_addon(), "notetype updated")
        assert css == d.expected["css"]["paper"]
        says(default.through_addon(), "notetype updated")
        assert d.model()["css"] == d.expected["css"]["default"]
        assert sorted(int(m.id) for m in d.col.models.all_names_and_ids()) == ids

    d.check("notetype_css_updated_in_place", in_place)


def undo(d: Driver) -> None:
    """A sync that adds, updates and suspends, undone in one step from the Edit menu; the
    next sync does it again, with no conflict."""
    d.doc.change("D", "Changed before an undo.")
    d.doc.add("H")
    d.doc.remove("E")
    before, record = d.notes(), d.col.get_config("deckgen:written")
    run = d.sync()
    synced = d.notes()
    d.pump(lambda: d.undo_text() == UNDO_TEXT, "Edit → Undo deckgen sync")
    d.mw.form.actionUndo.trigger()
    d.pump(lambda: d.col.undo_status().redo == "deckgen sync", "the undo")
    undone, undone_record = d.notes(), d.col.get_config("deckgen:written")
    again = d.sync()

    def reverted() -> None:
        says(run.through_addon(), "1 added", "1 updated", "1 suspended", "Edit → Undo deckgen sync")
        assert undone == before
        assert undone_record == record

    def redone() -> None:
        says(again.through_addon(), "1 added", "1 updated", "1 suspended")
        assert "edited in Anki" not in again.err and "conflict" not in again.through_addon()
        assert without_mtimes(d.notes()) == without_mtimes(synced)

    d.check("undo_reverts_the_whole_sync_in_one_step", reverted)
    d.check("sync_after_undo_redoes_it_without_a_conflict", redone)


def token(d: Driver) -> None:
    port = json.loads(d.token_path.read_text("utf-8"))["port"]
    d.doc.change("A", "Changed while the token is wrong.")
    before = d.notes()

    def others_refused() -> None:
        assert call(port, "GET", "/deckgen/status", token=None)[0] == 401
        assert call(port, "POST", "/deckgen/sync", token=None, body=b"{}")[0] == 401
        assert call(port, "POST", "/deckgen/sync", token="not-it", body=b"{}")[0] == 401
        assert d.notes() == before

    d.check("another_program_without_the_token_refused", others_refused)
    saved = d.token_path.read_text("utf-8")
    d.token_path.write_text(json.dumps({**json.loads(saved), "token": "wrong"}), "utf-8")
    try:
        addon = d.sync("--via", "addon")
        # Not the file sync instead: Anki has the collection open (and, since the backups of
        # the syncs before, no lock on it that would stop the file sync).
        auto = d.sync()
    finally:
        d.token_path.write_text(saved, "utf-8")

    def wrong_token() -> None:
        for run in (addon, auto):
            run.refused("the add-on refused deckgen's token", "restart Anki")
        assert d.notes() == before

    d.check("wrong_token_one_line", wrong_token)


def busy(d: Driver) -> None:
    from aqt.qt import QDialog

    before = d.notes()
    dialog = QDialog(d.mw)
    dialog.setWindowTitle("A dialog the user has open")
    dialog.open()
    try:
        d.pump(dialog.isVisible, "the dialog")
        run = d.sync()
        held = d.notes()
    finally:
        dialog.reject()
    closed = d.sync()

    def refused() -> None:
        run.refused("Anki is busy")
        assert held == before
        says(closed.through_addon(), "1 updated")

    d.check("busy_in_a_modal_dialog", refused)


def cut_by_kill(d: Driver) -> None:
    """The command line killed once its request reached Anki, before Anki ran it."""
    d.doc.change("A", "Changed by a killed sync.")
    d.doc.add("I")
    d.doc.remove("D")
    d.doc.write()
    before = d.notes()
    taskman = d.mw.taskman

    def waiting() -> bool:
        """Whether the add-on's sync waits in the queue of work for Anki's main thread."""
        return any("_Server.run" in getattr(c, "__qualname__", "") for c in taskman._closures)

    process = d.start_cli("sync", "source/addon.md", "--profile", PROFILE, "--subdecks")
    # Anki's events are not pumped: the request waits for the main thread, where it is seen.
    deadline = time.monotonic() + CLI_TIMEOUT
    while not waiting() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    reached = waiting()
    process.kill()
    print("  the killed sync said:", *process.communicate(), flush=True)
    d.idle()
    cut = d.notes()
    run = d.sync()
    _finished(d, "cli_killed_mid_request", reached, run, cut, before, "I", "D")


def _finished(
    d: Driver,
    name: str,
    reached: bool,
    run: Run,
    cut: dict[str, dict[str, Any]],
    before: dict[str, dict[str, Any]],
    added: str,
    removed: str,
) -> None:
    """After a cut request: the collection held all or nothing of the sync, and the next sync
    finished the job (no conflict, the state file written)."""

    def all_or_nothing() -> None:
        assert reached, "the request never reached Anki"
        run.through_addon()
        assert "edited in Anki" not in run.err
        after = d.notes()
        left = "all" if cut == after else "nothing" if cut == before else "half"
        print(f"  the cut sync left {left} of its changes", flush=True)
        assert left != "half", "half a sync"
        assert d.guid(added) in after and REMOVED_TAG in after[d.guid(removed)]["tags"]
        questions = d.state_questions()
        assert QUESTIONS[added][1] in questions and QUESTIONS[removed][1] not in questions

    d.check(name, all_or_nothing)


def cut_before_reply(d: Driver) -> None:
    """The connection closed by the client's side once the request is sent, before Anki's
    reply: the command line says what that means."""
    d.doc.change("A", "Changed by a cut sync.")
    d.doc.add("J")
    d.doc.remove("I")
    before = d.notes()
    saved = d.token_path.read_text("utf-8")
    info = json.loads(saved)
    with Cutter(info["port"]) as cutter:
        d.token_path.write_text(json.dumps({**info, "port": cutter.port}), "utf-8")
        try:
            cut_run = d.sync()
        finally:
            d.token_path.write_text(saved, "utf-8")
        d.pump(cutter.replied.is_set, "Anki's reply to the cut request")
    cut = d.notes()
    run = d.sync()

    def said() -> None:
        cut_run.refused("the connection to Anki was cut", "run deckgen sync again")

    d.check("connection_cut_one_line", said)
    _finished(d, "connection_cut_before_the_reply", cutter.cut, run, cut, before, "J", "I")


def cut_upload(d: Driver) -> None:
    """A request cut half-way through its upload: nothing applied, Anki serves on."""
    info = json.loads(d.token_path.read_text("utf-8"))
    before = d.notes()
    known = _handlers()
    with socket.create_connection(("127.0.0.1", info["port"])) as sock:
        head = (
            "POST /deckgen/sync HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {info['token']}\r\nContent-Length: 1000\r\n\r\n"
        )
        sock.sendall(head.encode() + b'{"protocol": 1, "deck": ')
        # The add-on's thread for it waits for the rest of the request, until the cut.
        d.pump(lambda: bool(_handlers() - known), "the add-on to take the request")
    d.pump(lambda: not _handlers() - known, "the add-on to drop the cut request")
    status = call(info["port"], "GET", "/deckgen/status", info["token"])[0]

    def nothing() -> None:
        assert d.notes() == before
        assert status == 200

    d.check("upload_cut_half_way_changes_nothing", nothing)


def _handlers() -> set[threading.Thread]:
    """The threads in which the add-on's server handles a request."""
    return {t for t in threading.enumerate() if "process_request_thread" in t.name}


def package_import(d: Driver) -> None:
    """The package `deckgen build` makes of the same Markdown, imported into a second
    collection and into Anki's own: the notes the add-on added, no duplicates."""
    from anki.collection import Collection, ImportAnkiPackageRequest

    package = d.work / "addon.apkg"
    run = d.cli("build", "source/addon.md", "--subdecks", "-o", str(package))
    ours = {g: note for g, note in d.notes().items() if note["mid"] == NOTETYPE_ID}
    model = d.model()
    (d.work / "second").mkdir()
    second = Collection(str(d.work / "second" / "collection.anki2"))
    try:
        request = ImportAnkiPackageRequest(
            package_path=str(package), options=second._backend.get_import_anki_package_presets()
        )
        second.import_anki_package(request)
        theirs, their_model = notes_of(second), model_of(second)
    finally:
        second.close()
    count, notetypes = d.col.note_count(), len(d.col.models.all_names_and_ids())
    request = ImportAnkiPackageRequest(
        package_path=str(package), options=d.col._backend.get_import_anki_package_presets()
    )
    d.col.import_anki_package(request)

    def same_notes() -> None:
        assert run.code == 0 and f"→ {package}" in run.out, str(run)
        kept = {g for g, note in ours.items() if REMOVED_TAG not in note["tags"]}
        assert set(theirs) == kept, set(theirs) ^ kept
        assert {n["mid"] for n in theirs.values()} == {NOTETYPE_ID}
        # The notetype as deckgen defines it: its fields, templates and look.
        assert _defined(their_model) == _defined(model)
        assert d.col.note_count() == count
        assert len(d.col.models.all_names_and_ids()) == notetypes

    d.check("package_on_a_second_collection_no_duplicates", same_notes)


def _defined(model: NotetypeDict) -> tuple[Any, ...]:
    """What deckgen defines of its notetype: the fields, the card's two sides, the CSS."""
    (template,) = model["tmpls"]
    fields = [field["name"] for field in model["flds"]]
    return fields, template["qfmt"], template["afmt"], model["css"]


def manager_install(d: Driver) -> None:
    """`deckgen addon package` installed through Anki's own add-on manager, over the copy the
    command line installed (removed first: what loads at the next start is the manager's)."""
    from aqt.addons import InstallOk

    package = d.work / "deckgen.ankiaddon"
    run = d.cli("addon", "package", "-o", str(package))
    folder = d.base / "addons21" / ADDON
    shutil.rmtree(folder)
    result = d.mw.addonManager.install(str(package))
    d.mw.addonManager.writeConfig(ADDON, {"port": 0})  # as in `addon_loads`

    def installed() -> None:
        run.summary()
        assert isinstance(result, InstallOk) and result.compatible, result
        with zipfile.ZipFile(package) as zf:
            names = {n for n in zf.namelist() if not n.endswith("/")}
        there = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
        assert there - names == {"meta.json"}, there ^ names
        assert d.mw.addonManager.addonName(ADDON) == "deckgen sync"

    d.check("ankiaddon_installs_through_anki", installed)


def no_error_shown(d: Driver, name: str = "anki_showed_no_error") -> None:
    """Nothing reached Anki's error handler, which would have shown it to the user (that it
    catches what it should is checked as Anki starts)."""

    def none() -> None:
        assert d.errors == [], d.errors

    d.check(name, none)


def not_running(d: Driver) -> None:
    """Anki gone with its token file left behind (as after a crash): `--via addon` says Anki
    is not running, `--via auto` syncs the file."""
    from anki.collection import Collection

    leftover = d.token_path.read_text("utf-8")
    d.quit()
    gone = not d.token_path.exists()
    d.token_path.write_text(leftover, "utf-8")
    d.doc.change("A", "Changed while Anki is closed.")
    path = d.profile / "collection.anki2"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    addon = d.sync("--via", "addon")
    kept = hashlib.sha256(path.read_bytes()).hexdigest() == digest
    auto = d.sync()
    col = Collection(str(path))
    try:
        answer = notes_of(col)[d.guid("A")]["fields"][1]
    finally:
        col.close()

    def token_removed() -> None:
        assert gone, "the token file outlived Anki"

    def refused() -> None:
        addon.refused("Anki is not running")
        assert kept

    def falls_back() -> None:
        line = auto.summary()
        says(line, "1 updated")
        assert "add-on" not in line
        assert "Changed while Anki is closed." in answer

    d.check("token_file_removed_when_anki_quits", token_removed)
    d.check("not_running_via_addon_one_line", refused)
    d.check("not_running_auto_syncs_the_file", falls_back)


# -- phase `restart` ---------------------------------------------------------------------------


def restart(d: Driver) -> None:
    """Anki started again: the add-on its manager installed loads and syncs."""
    d.doc.answers = json.loads((d.work / "doc.json").read_text("utf-8"))
    d.subdecks = True
    d.doc.change("A", "Changed after the restart.")
    d.start()
    run = d.sync("--via", "addon")

    def loads_and_syncs() -> None:
        folder = d.base / "addons21" / ADDON
        deckgen = sys.modules["deckgen"].__file__
        assert deckgen is not None and Path(deckgen).is_relative_to(folder / "vendor"), deckgen
        says(run.summary(), "1 updated", "through Anki's add-on")
        assert "Changed after the restart." in d.note("A")["fields"][1]

    d.check("ankiaddon_loads_and_syncs", loads_and_syncs)
    no_error_shown(d, "anki_showed_no_error_after_restart")


Step = Callable[[Driver], None]
PHASES: dict[str, tuple[tuple[Step, tuple[str, ...]], ...]] = {
    "desktop": (
        (addon_loads, ("addon_install_cli", "addon_loads")),
        (first_sync, ("new_notes_with_deckgens_guids_and_notetype", "backup_made")),
        (unchanged, ("nothing_new_writes_nothing",)),
        (dry_run, ("dry_run_writes_nothing",)),
        (every_case, tuple(name for name, _ in CASES_OF_ONE_SYNC)),
        (overwrite, ("overwrite_takes_the_markdown",)),
        (restored, ("back_in_the_markdown_restored",)),
        (delete, ("delete_deletes_removed_notes",)),
        (
            fields_refused,
            ("field_change_refused_without_allow_full_sync", "field_change_with_allow_full_sync"),
        ),
        (theme, ("notetype_css_updated_in_place",)),
        (
            undo,
            (
                "undo_reverts_the_whole_sync_in_one_step",
                "sync_after_undo_redoes_it_without_a_conflict",
            ),
        ),
        (token, ("another_program_without_the_token_refused", "wrong_token_one_line")),
        (busy, ("busy_in_a_modal_dialog",)),
        (cut_by_kill, ("cli_killed_mid_request",)),
        (cut_before_reply, ("connection_cut_one_line", "connection_cut_before_the_reply")),
        (cut_upload, ("upload_cut_half_way_changes_nothing",)),
        (package_import, ("package_on_a_second_collection_no_duplicates",)),
        (manager_install, ("ankiaddon_installs_through_anki",)),
        (no_error_shown, ("anki_showed_no_error",)),
        (
            not_running,
            (
                "token_file_removed_when_anki_quits",
                "not_running_via_addon_one_line",
                "not_running_auto_syncs_the_file",
            ),
        ),
    ),
    "restart": ((restart, ("ankiaddon_loads_and_syncs", "anki_showed_no_error_after_restart")),),
}
CASES = {phase: [name for _, names in steps for name in names] for phase, steps in PHASES.items()}
"""Every case of each phase, in order: the test expects each to be reported."""


# -- plumbing ----------------------------------------------------------------------------------


def call(
    port: int, method: str, path: str, token: str | None, body: bytes | None = None
) -> tuple[int, dict[str, Any]]:
    """A call to the add-on as any local program can make it."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        connection.close()


class Cutter:
    """A stand-in for the add-on's port: passes calls on to it, but closes the connection of a
    sync as soon as its request is passed on, before the reply."""

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.cut = False
        self.replied = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.listener.close()
        self.thread.join(timeout=WAIT)

    def _serve(self) -> None:
        with contextlib.suppress(OSError):  # the listener closed
            while not self.cut:
                client, _ = self.listener.accept()
                with client:
                    self._pass(client)

    def _pass(self, client: socket.socket) -> None:
        request = _read_request(client)
        with socket.create_connection(("127.0.0.1", self.upstream)) as upstream:
            upstream.sendall(request)
            if request.startswith(b"POST"):
                client.shutdown(socket.SHUT_RDWR)
                client.close()
                self.cut = True
                upstream.settimeout(CLI_TIMEOUT)
                while upstream.recv(65536):  # Anki's reply, read by nobody
                    pass
                self.replied.set()
                return
            client.sendall(_read_response(upstream))


def _read_request(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(email.message_from_bytes(head.partition(b"\r\n")[2]).get("Content-Length", 0))
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def _read_response(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def run_phase(phase: str, driver: Driver) -> None:
    """Each step in order; a step that stops fails its cases that were not reported, and when
    it is the one that starts Anki, every later case too (nothing is there to drive)."""
    steps = PHASES[phase]
    for number, (step, names) in enumerate(steps):
        print(f"{step.__name__} ({time.perf_counter():.1f})", flush=True)
        before = len(driver.results)
        try:
            step(driver)
        except Exception:  # noqa: BLE001 (the step's cases fail with it; the next ones run)
            error = traceback.format_exc()
            done = {result["name"] for result in driver.results[before:]}
            _failed(driver, [name for name in names if name not in done], error)
            if number == 0:
                later = [name for _, names in steps[1:] for name in names]
                _failed(driver, later, f"not run: {step.__name__} stopped\n{error}")
                return


def _failed(driver: Driver, names: list[str], error: str) -> None:
    for name in names:
        driver.results.append({"name": name, "ok": False, "error": error})
        print(f"{name}: FAILED (its step stopped)", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("phase", choices=sorted(PHASES))
    parser.add_argument("work", type=Path)
    parser.add_argument("--deckgen", required=True, help="the Python that runs deckgen")
    parser.add_argument("--src", required=True, help="deckgen's sources, for that Python")
    args = parser.parse_args(argv)
    driver = Driver(args.work, args.deckgen, args.src)
    started = time.perf_counter()
    try:
        run_phase(args.phase, driver)
    finally:
        import anki.buildinfo

        loaded = {
            name: getattr(module, "__file__", None) or ""
            for name, module in sys.modules.items()
            if name.split(".")[0] in ("anki", "aqt", "_aqt")
        }
        report = {
            "anki": anki.buildinfo.version,
            "modules": sorted({str(Path(f).parent) for f in loaded.values() if f}),
            "cases": driver.results,
            "seconds": round(time.perf_counter() - started, 1),
        }
        (args.work / f"{args.phase}.json").write_text(json.dumps(report, indent=1), "utf-8")
        (args.work / "doc.json").write_text(json.dumps(driver.doc.answers), "utf-8")
        if driver._mw is not None:
            driver.quit()
    # Qt's objects are gone with the application; the interpreter's own exit would find
    # some still referenced from Python and crash.
    os._exit(0)


if __name__ == "__main__":
    main()
