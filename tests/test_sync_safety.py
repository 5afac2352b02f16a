"""`deckgen sync` and the user's collection: nothing changed when it refuses, one sync at a time,
never half a sync after a kill -9, the collection Anki desktop would open, and a backup that
restores what was there before.

Every run goes through the command line in a process of its own, as a user runs it: what it
prints to standard error and its exit status are what the user sees (only the sync that finishes
a killed one's job runs in this process).
"""

from __future__ import annotations

import json
import os
import pickle
import random
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from anki._backend import RustBackend
from anki.collection import Collection
from click.testing import CliRunner

from deckgen.cli.commands import cli
from deckgen.collection.apply import RECORD_KEY
from deckgen.collection.plan import REMOVED_TAG
from deckgen.collection.profiles import COLLECTION
from tests.anki_support import database, notes, open_collection
from tests.conftest import ROOT, SEED

SOURCE = f"source/{SEED.name}"
STATE = f"source/{SEED.stem}.deckgen.json"
SEED_NOTES = 162
RANDOM_SEED = 22
"""Every random choice here is seeded: a failure comes back on the next run."""

# The edit of the kill and backup tests: three answers changed, one question removed, one added.
EDITED = (
    "What problem does LSTM solve compared to vanilla RNN?",
    "Why do we scale by √d_k?",
    "Why do we need positional encoding?",
)
REMOVED = "What's the difference between cell state and hidden state?"
ADDED = "What is a peephole connection in an LSTM?"


# --- running deckgen ------------------------------------------------------------------------


def _env(base: Path) -> dict[str, str]:
    """This environment with Anki's base folder in the test's tree: a run that fell back to a
    profile must never find the machine's own Anki profiles."""
    env = {k: v for k, v in os.environ.items() if k != "DECKGEN_DEBUG"}
    return {**env, "ANKI_BASE": str(base)}


def _argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "deckgen", "sync", *args]


def _sync(project: Path, *args: str, base: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`deckgen sync ARGS` run in `project`, as a user runs it."""
    return subprocess.run(
        _argv(*args),
        cwd=project,
        env=_env(base if base is not None else project.parent / "no-anki-base"),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def _refused(run: subprocess.CompletedProcess[str], *said: str) -> str:
    """The one error line of a run that stopped with status 1, holding each of `said`."""
    assert run.returncode == 1, (run.returncode, run.stdout, run.stderr)
    assert "Traceback" not in run.stderr
    assert run.stdout == ""
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("deckgen: error: "), lines[0]
    for words in said:
        assert words in lines[0], lines[0]
    return lines[0]


def _summary(run: subprocess.CompletedProcess[str]) -> str:
    """The summary line of a run that succeeded with nothing to say on standard error."""
    assert run.returncode == 0, (run.returncode, run.stdout, run.stderr)
    assert run.stderr == ""
    lines = run.stdout.splitlines()
    assert len(lines) == 1, run.stdout
    return lines[0]


# --- the files a test starts from -------------------------------------------------------------


def _project(folder: Path) -> Path:
    """The seed and its config, as in this repository, in `folder`."""
    (folder / "source").mkdir(parents=True)
    shutil.copyfile(SEED, folder / SOURCE)
    shutil.copyfile(ROOT / "deckgen.toml", folder / "deckgen.toml")
    return folder


def _new_collection(folder: Path) -> None:
    """A new, empty collection (Anki's library makes it, as Anki desktop does a profile's)."""
    open_collection(folder).close()


@pytest.fixture(scope="session")
def empty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a new, empty collection: copied, never changed."""
    folder = tmp_path_factory.mktemp("empty")
    _new_collection(folder)
    return folder


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`project/` (the seed and its state) synced once into `anki/collection.anki2`, with the
    backup that sync made: copied, never changed."""
    root = tmp_path_factory.mktemp("seeded")
    _project(root / "project")
    _new_collection(root / "anki")
    assert "162 added" in _summary(_sync(root / "project", SOURCE, "--collection", _COL))
    return root


_COL = f"..{os.sep}anki{os.sep}{COLLECTION}"
"""The collection of a `seeded` copy, as its project's command line names it."""


def _copy(template: Path, folder: Path) -> Path:
    shutil.copytree(template, folder, symlinks=True)
    return folder


def _seeded_copy(seeded: Path, folder: Path) -> tuple[Path, Path]:
    """A copy of `seeded` in `folder`: its `anki/` folder and its `project/`."""
    _copy(seeded, folder)
    return folder / "anki", folder / "project"


def _edit(project: Path) -> None:
    """The edit: three answers changed, one question removed, one added."""
    source = project / SOURCE
    text = source.read_text(encoding="utf-8")
    for number, question in enumerate(EDITED, 1):
        heading = f"### {question}\n\n"
        assert text.count(heading) == 1, question
        text = text.replace(heading, f"{heading}Reworded in edit {number}.\n\n")
    start = text.index(f"### {REMOVED}\n")
    end = text.index("\n### ", start + 1) + 1
    text = text[:start] + text[end:]
    part_2 = text.index("## Part 2:")
    added = f"### {ADDED}\n\nGates that also read the cell state $C_{{t-1}}$.\n\n"
    source.write_text(text[:part_2] + added + text[part_2:], encoding="utf-8")


def _tree(folder: Path) -> dict[str, tuple[int, bytes | None]]:
    """Every file and folder below `folder`: its mode bits and, for a file, its bytes."""
    return {
        str(path.relative_to(folder)): (
            path.lstat().st_mode,
            path.read_bytes() if path.is_file() and not path.is_symlink() else None,
        )
        for path in sorted(folder.rglob("*"))
    }


# --- what a collection holds ------------------------------------------------------------------


@dataclass(frozen=True)
class NoteState:
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    decks: tuple[str, ...]
    suspended: tuple[bool, ...]


@dataclass(frozen=True)
class Holding:
    """A collection's notes by GUID and deckgen's record of what it wrote (mtimes left out:
    the same sync run twice stamps different ones)."""

    notes: dict[str, NoteState]
    record: str

    def differences(self, other: Holding) -> list[str]:
        """The GUIDs whose notes differ, and the record if it does."""
        guids = sorted(self.notes.keys() | other.notes.keys())
        found = [g for g in guids if self.notes.get(g) != other.notes.get(g)]
        return found + (["the record"] if self.record != other.record else [])


def _holding(col: Collection) -> Holding:
    seen = notes(col)
    assert len(seen) == len(col.find_notes("")), "a GUID held by two notes"
    states = {}
    for guid, note in seen.items():
        queues = database(col).list(
            "select queue from cards where nid = (select id from notes where guid = ?) order by ord",
            guid,
        )
        states[guid] = NoteState(
            tuple(note.fields.values()),
            tuple(sorted(note.tags)),
            tuple(note.decks),
            tuple(queue == -1 for queue in queues),
        )
    return Holding(states, json.dumps(col.get_config(RECORD_KEY, None), sort_keys=True))


def _read(folder: Path) -> Holding:
    col = open_collection(folder)
    try:
        return _holding(col)
    finally:
        col.close()


def _check(folder: Path) -> tuple[Holding, tuple[str, bool]]:
    """What the collection holds, and what Anki's Check Database says of it."""
    col = open_collection(folder)
    try:
        return _holding(col), col.fix_integrity()
    finally:
        col.close()


# --- 1. refusals change nothing ---------------------------------------------------------------


def _page_size(data: bytes) -> int:
    size = int.from_bytes(data[16:18], "big")
    return 65536 if size == 1 else size


def _truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _garbled(path: Path) -> None:
    data = bytearray(path.read_bytes())
    noise = random.Random(RANDOM_SEED)
    for index in range(len(data) // 3, 2 * len(data) // 3):
        data[index] = noise.randrange(256)
    path.write_bytes(bytes(data))


def _note_page_garbled(path: Path) -> None:
    """One page of notes garbled, every other page as it was: the damage SQLite meets only
    when it reads that note, which the schema's page alone does not show."""
    data = bytearray(path.read_bytes())
    at = data.find(b"When would you still use LSTM over transformer")
    assert at > 0, "the seed's notes are in the collection"
    size = _page_size(bytes(data))
    start = at - at % size
    noise = random.Random(RANDOM_SEED)
    data[start : start + size] = bytes(noise.randrange(256) for _ in range(size))
    path.write_bytes(bytes(data))


@dataclass(frozen=True)
class Refusal:
    """A collection deckgen must leave alone: how to make it, the arguments, the error."""

    make: Callable[[Path, Path], list[str]]
    """Given the test's `anki/` folder and the seeded template, make the case; the args."""
    said: tuple[str, ...]


def _seeded_collection(anki: Path, template: Path, damage: Callable[[Path], None]) -> list[str]:
    shutil.copytree(template / "anki", anki)
    damage(anki / COLLECTION)
    return ["--collection", str(anki / COLLECTION)]


def _text_file(anki: Path, template: Path) -> list[str]:
    anki.mkdir()
    (anki / COLLECTION).write_text("# My notes\n\nNot a collection at all.\n", encoding="utf-8")
    return ["--collection", str(anki / COLLECTION)]


def _folder(anki: Path, template: Path) -> list[str]:
    (anki / "User 1").mkdir(parents=True)
    shutil.copyfile(template / "anki" / COLLECTION, anki / "User 1" / COLLECTION)
    return ["--collection", str(anki / "User 1")]


def _missing_folder(anki: Path, template: Path) -> list[str]:
    anki.mkdir()
    return ["--collection", str(anki / "User 1" / COLLECTION)]


def _no_such_profile(anki: Path, template: Path) -> list[str]:
    shutil.copytree(template / "anki", anki / "User 1")
    return ["--profile", "Nobody"]


def _read_only(anki: Path, template: Path) -> list[str]:
    shutil.copytree(template / "anki", anki)
    (anki / COLLECTION).chmod(0o444)
    return ["--collection", str(anki / COLLECTION)]


def _older_schema(anki: Path, template: Path) -> list[str]:
    shutil.copytree(template / "anki", anki)
    open_collection(anki).close(downgrade=True)  # what Anki 2.1.49 and older read: schema 11
    with closing(sqlite3.connect(anki / COLLECTION)) as db:
        assert db.execute("select ver from col").fetchone() == (11,)
    return ["--collection", str(anki / COLLECTION)]


REFUSALS = {
    "not-a-collection": Refusal(_text_file, ("not an Anki collection",)),
    "truncated": Refusal(
        lambda anki, t: _seeded_collection(anki, t, _truncated), ("damaged collection",)
    ),
    "garbled": Refusal(
        lambda anki, t: _seeded_collection(anki, t, _garbled), ("damaged collection",)
    ),
    "a-page-of-notes-garbled": Refusal(
        lambda anki, t: _seeded_collection(anki, t, _note_page_garbled),
        ("damaged collection", "Check Database"),
    ),
    "a-folder": Refusal(_folder, ("User 1: is a folder",)),
    "in-a-missing-folder": Refusal(_missing_folder, ("no such collection",)),
    "no-such-profile": Refusal(_no_such_profile, ("no Anki profile 'Nobody'", "User 1")),
    "read-only": Refusal(_read_only, ("read-only",)),
    "older-schema": Refusal(_older_schema, ("older than 2.1.50", "schema 11")),
}


@pytest.mark.anki
@pytest.mark.parametrize("case", list(REFUSALS))
def test_sync_safety__a_refused_collection_is_left_exactly_as_it_was(
    seeded: Path, tmp_path: Path, case: str
) -> None:
    refusal = REFUSALS[case]
    anki = tmp_path / "anki"
    args = refusal.make(anki, seeded)
    project = _project(tmp_path / "project")
    before, sources = _tree(anki), _tree(project / "source")
    run = _sync(project, SOURCE, *args, base=anki)
    _refused(run, *refusal.said)
    assert _tree(anki) == before
    assert _tree(project / "source") == sources  # no state file
    assert not (project / STATE).exists()


HOLDER = """
import sys
from anki.collection import Collection

col = Collection(sys.argv[1])
print("open", flush=True)
sys.stdin.read()
col.close()
"""


@contextmanager
def _open_in_anki(collection: Path) -> Iterator[None]:
    """The collection held open by another process, as Anki desktop holds its profile's."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(collection)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "open\n"
        yield
    finally:
        holder.communicate("", timeout=60)
    assert holder.returncode == 0


@pytest.mark.anki
def test_sync_safety__a_collection_open_in_anki_is_left_exactly_as_it_was(
    seeded: Path, tmp_path: Path
) -> None:
    anki, project = _seeded_copy(seeded, tmp_path / "copy")
    _edit(project)  # there is something to write
    state = (project / STATE).read_bytes()
    held = _read(anki)
    with _open_in_anki(anki / COLLECTION):
        before = _tree(anki)
        _refused(_sync(project, SOURCE, "--collection", _COL), "open in Anki")
        assert _tree(anki) == before
    assert (project / STATE).read_bytes() == state
    assert _read(anki) == held  # nothing written through the other process's hold either


# --- 2. two syncs at once ---------------------------------------------------------------------


@pytest.mark.anki
@pytest.mark.parametrize("projects", [1, 2], ids=["same-project", "two-copies-of-the-project"])
def test_sync_safety__two_syncs_at_once_write_each_note_once(
    empty: Path, tmp_path: Path, projects: int
) -> None:
    # Two copies of the project share no build lock and no state file: only the collection's
    # own lock stands between them.
    anki = _copy(empty, tmp_path / "anki")
    folders = [_project(tmp_path / f"project-{n}") for n in range(projects)]
    runs = [
        subprocess.Popen(
            _argv(SOURCE, "--collection", str(anki / COLLECTION)),
            cwd=folders[n % projects],
            env=_env(tmp_path / "no-anki-base"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(2)
    ]
    ended = [run.communicate(timeout=120) for run in runs]
    summaries = []
    for run, (out, err) in zip(runs, ended, strict=True):
        done = subprocess.CompletedProcess(run.args, run.returncode, out, err)
        if run.returncode == 0:
            summaries.append(_summary(done))
        else:
            _refused(done, "open in Anki")  # the other one held it: one clear line
    assert summaries, "neither sync finished"
    assert sum(f"{SEED_NOTES} added" in line for line in summaries) == 1, summaries
    col = open_collection(anki)
    try:
        held = _holding(col)
        assert len(held.notes) == SEED_NOTES
        assert len(col.find_cards("")) == SEED_NOTES
        assert col.fix_integrity()[1]
    finally:
        col.close()


# --- 3. kill -9 at any moment -----------------------------------------------------------------

KILLS = 30
SLICES = 10
"""Kills in each round; a round's kills are spread over the whole run."""
REACH = 1.25
"""Kills are spread over this many times the measured sync: a run slower than that one still
has its end (the commit, the state file, the exit) among them."""
MID_WRITE_KILLS = 6
MID_WRITE = 0.04
"""Seconds after its backup appears within which a sync writes and commits its transaction."""

Wait = Callable[["subprocess.Popen[str]"], None]
"""Waits for the moment to kill the running sync."""


@dataclass
class Kills:
    """Where the kills landed: before the sync's commit, after it, or after the run ended."""

    before: int = 0
    after: int = 0
    ran_out: int = 0
    """Runs that ended on their own before their kill came (checked all the same)."""

    @property
    def landed(self) -> int:
        return self.before + self.after


@dataclass(frozen=True)
class KillRun:
    """What every kill is checked against: the copy to kill in, and the two states."""

    template: Path
    work: Path
    before: Holding
    after: Holding
    clean: tuple[str, bool]
    monkeypatch: pytest.MonkeyPatch

    def kill(self, wait: Wait, where: str, kills: Kills) -> None:
        """Sync a fresh copy, kill -9 it when `wait` returns, and check what it left."""
        shutil.rmtree(self.work, ignore_errors=True)
        _copy(self.template, self.work)
        run = subprocess.Popen(
            _argv(SOURCE, "--collection", _COL),
            cwd=self.work / "project",
            env=_env(self.work / "no-anki-base"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        wait(run)
        run.send_signal(signal.SIGKILL)
        _, err = run.communicate(timeout=60)
        landed = run.returncode == -signal.SIGKILL
        assert landed or run.returncode == 0, f"the sync failed on its own: {err}"
        found, integrity = _check(self.work / "anki")
        if found != self.after:
            assert found == self.before, f"{where}: a mix, {found.differences(self.after)}"
            assert landed, "a sync that ran to its end left the notes as they were"
        kills.ran_out += not landed
        kills.before += landed and found == self.before
        kills.after += landed and found == self.after
        assert integrity == self.clean, where
        _backups_whole(self.work / "anki")
        json.loads((self.work / "project" / STATE).read_text(encoding="utf-8"))
        # The user's next sync (in this process: only the killed runs must be processes).
        self.monkeypatch.chdir(self.work / "project")
        result = CliRunner().invoke(cli, ["sync", SOURCE, "--collection", _COL])
        assert (result.exit_code, result.stderr) == (0, ""), result.output
        assert _read(self.work / "anki") == self.after, f"{where}: the next sync did not finish"


def _timed_sync(template: Path, folder: Path) -> float:
    """Seconds a whole sync of a copy of `template` (into `folder`) runs."""
    _copy(template, folder)
    started = time.perf_counter()
    _summary(_sync(folder / "project", SOURCE, "--collection", _COL))
    return time.perf_counter() - started


def _sleep(delay: float) -> Wait:
    return lambda run: time.sleep(delay)


def _listed(anki: Path) -> set[Path]:
    """The backups Anki lists (and thins): `backup-*.colpkg` in `backups/`."""
    return set((anki / "backups").glob("backup-*.colpkg"))


def _backed_up(anki: Path, delay: float) -> Wait:
    """Until the sync's backup is listed (Anki has written it, and the sync's transaction
    follows at once), then `delay` seconds more."""

    def wait(run: subprocess.Popen[str]) -> None:
        made = _listed(anki)
        while run.poll() is None and _listed(anki) <= made:
            time.sleep(0.0005)
        time.sleep(delay)

    return wait


def _backups_whole(anki: Path) -> None:
    """Every backup Anki lists is a whole package, whenever its sync was killed."""
    for backup in _listed(anki):
        with zipfile.ZipFile(backup) as package:
            assert package.testzip() is None, backup


@pytest.mark.anki
def test_sync_safety__a_sync_killed_at_any_moment_leaves_the_notes_before_or_after(
    seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = _copy(seeded, tmp_path / "template")
    _edit(template / "project")
    before = _read(template / "anki")
    # Whole syncs: the state after one, and how long a sync runs (the middle of the last three
    # timed: the machine may be busier at one moment than at the next).
    durations = [_timed_sync(template, tmp_path / f"timed-{n}") for n in range(3)]
    after, clean = _check(tmp_path / "timed-0" / "anki")
    assert clean == ("Database rebuilt and optimized.", True)  # Anki's "nothing to fix"
    changed = [g for g in before.notes if before.notes[g].fields != after.notes[g].fields]
    assert len(changed) == len(EDITED)
    assert len(after.notes.keys() - before.notes.keys()) == 1
    assert [n.suspended for n in after.notes.values() if REMOVED_TAG in n.tags] == [(True,)]
    runs = KillRun(template, tmp_path / "work", before, after, clean, monkeypatch)

    # In each round, one kill in each slice of the run, at a seeded place in the slice (and more,
    # seeded too, for the runs that ended before their kill came); each round timed afresh.
    noise = random.Random(RANDOM_SEED)
    kills = Kills()
    for round_ in range(KILLS // SLICES):
        if round_:
            durations.append(_timed_sync(template, tmp_path / f"timed-{len(durations)}"))
        duration = statistics.median(durations[-3:])
        delays = [duration * REACH * (n + noise.random()) / SLICES for n in range(SLICES)]
        while kills.landed < (round_ + 1) * SLICES:
            # A loaded machine times a sync slower than it then runs: runs that end before
            # their kill are retried, earlier (bounded, so a sync that never lands stops).
            assert kills.ran_out <= 3 * KILLS, f"most runs ended before their kill: {kills}"
            delay = delays.pop(0) if delays else noise.uniform(0, duration / 2)
            where = f"killed {delay:.3f} s into a {duration:.3f} s sync"
            runs.kill(_sleep(delay), where, kills)
    # The few milliseconds of the writing itself, which kills spread over the run seldom hit.
    for n in range(MID_WRITE_KILLS):
        delay = MID_WRITE * (n + noise.random()) / MID_WRITE_KILLS
        wait = _backed_up(runs.work / "anki", delay)
        runs.kill(wait, f"killed {delay:.3f} s after its backup", kills)
    # Kills before the sync's commit and after it: the kills covered the whole run.
    assert kills.before and kills.after, kills


# --- 4. which collection: a profile of Anki's base folder -------------------------------------


def _profiles(base: Path, empty: Path, names: tuple[str, ...]) -> None:
    """Profile folders as Anki desktop makes them, each with a new collection."""
    for name in names:
        _copy(empty, base / name)


def _prefs(base: Path, names: tuple[str, ...], last: str | None) -> None:
    """`prefs21.db` as Anki desktop's `aqt/profiles.py` writes it: a `profiles` table of pickles
    by name, `_global` holding the preferences of every profile (the last one loaded among
    them)."""
    meta: dict[str, object] = {
        "ver": 0,
        "updates": True,
        "created": 1_700_000_000,
        "id": 1,
        "lastMsg": 0,
        "suppressUpdate": False,
        "firstRun": False,
        "defaultLang": "en_US",
    }
    if last is not None:
        meta["last_loaded_profile_name"] = last
    with closing(sqlite3.connect(base / "prefs21.db")) as db:
        db.execute(
            "create table if not exists profiles "
            "(name text primary key collate nocase, data blob not null);"
        )
        db.execute(
            "insert or replace into profiles values ('_global', ?)",
            (pickle.dumps(meta, protocol=4),),
        )
        for name in names:
            profile = {"numBackups": 50, "syncKey": None, "allowHTML": False, "importMode": 1}
            db.execute(
                "insert or ignore into profiles values (?, ?)",
                (name, pickle.dumps(profile, protocol=4)),
            )
        db.commit()


def _chosen(run: subprocess.CompletedProcess[str], base: Path, name: str) -> None:
    """The run synced into profile `name`, named so in its summary, and into no other."""
    summary = _summary(run)
    assert f"→ profile {name!r} ({base / name / COLLECTION})" in summary, summary
    for folder in sorted(p for p in base.iterdir() if p.is_dir()):
        synced = (folder / "backups").is_dir()
        assert synced == (folder.name == name), f"{folder.name}: synced {synced}"


@pytest.mark.anki
def test_sync_safety__the_only_profile_is_chosen(empty: Path, tmp_path: Path) -> None:
    base = tmp_path / "Anki2"
    _profiles(base, empty, ("Alice",))
    project = _project(tmp_path / "project")
    _chosen(_sync(project, SOURCE, base=base), base, "Alice")
    assert len(_read(base / "Alice").notes) == SEED_NOTES


@pytest.mark.anki
@pytest.mark.parametrize("last", ["Alice", "Bob"])
def test_sync_safety__of_two_profiles_the_last_loaded_is_chosen(
    empty: Path, tmp_path: Path, last: str
) -> None:
    base = tmp_path / "Anki2"
    _profiles(base, empty, ("Alice", "Bob"))
    _prefs(base, ("Alice", "Bob"), last)
    project = _project(tmp_path / "project")
    _chosen(_sync(project, SOURCE, base=base), base, last)


LAST = {"none": None, "no-last-profile": None, "last-profile-gone": "Carol", "in-other-case": "bob"}
"""The last loaded profile each case's `prefs21.db` names (`none`: no `prefs21.db`). Anki
desktop itself opens the last one only when its name is in the list as it is, case and all."""


@pytest.mark.anki
@pytest.mark.parametrize("prefs", list(LAST))
def test_sync_safety__of_two_profiles_and_no_last_one_neither_is_chosen(
    empty: Path, tmp_path: Path, prefs: str
) -> None:
    base = tmp_path / "Anki2"
    _profiles(base, empty, ("Alice", "Bob"))
    if prefs != "none":
        _prefs(base, ("Alice", "Bob", "Carol"), LAST[prefs])
    project = _project(tmp_path / "project")
    before = _tree(base)
    line = _refused(_sync(project, SOURCE, base=base), "several Anki profiles", "--profile NAME")
    assert re.search(r"\(Alice, Bob\)", line), line
    assert _tree(base) == before
    assert not (project / STATE).exists()


@pytest.mark.anki
def test_sync_safety__a_profile_is_chosen_by_name_and_a_wrong_name_is_refused(
    empty: Path, tmp_path: Path
) -> None:
    base = tmp_path / "Anki2"
    _profiles(base, empty, ("Alice", "Bob"))
    _prefs(base, ("Alice", "Bob"), "Bob")
    project = _project(tmp_path / "project")
    before = _tree(base)
    wrong = _sync(project, SOURCE, "--profile", "Carol", base=base)
    _refused(wrong, f"no Anki profile 'Carol' in {base}", "(profiles: Alice, Bob)")
    assert _tree(base) == before
    # Named, the profile that is not the last loaded one.
    _chosen(_sync(project, SOURCE, "--profile", "alice", base=base), base, "Alice")


@pytest.mark.anki
def test_sync_safety__the_config_names_the_collection_or_profile(
    empty: Path, tmp_path: Path
) -> None:
    base = tmp_path / "Anki2"
    _profiles(base, empty, ("Alice", "Bob", "Carol"))
    _prefs(base, ("Alice", "Bob", "Carol"), "Bob")
    project = _project(tmp_path / "project")
    config = project / "deckgen.toml"
    settings = config.read_text(encoding="utf-8")
    # `profile`: chosen over the last loaded one; the command line's choice over both.
    config.write_text('profile = "Alice"\n' + settings, encoding="utf-8")
    _chosen(_sync(project, SOURCE, base=base), base, "Alice")
    summary = _summary(_sync(project, SOURCE, "--profile", "Carol", base=base))
    assert f"→ profile 'Carol' ({base / 'Carol' / COLLECTION})" in summary
    # `collection`: a path from the config's folder, whatever Anki's profiles are.
    elsewhere = _copy(empty, tmp_path / "elsewhere")
    config.write_text('collection = "../elsewhere/collection.anki2"\n' + settings, "utf-8")
    summary = _summary(_sync(project, SOURCE, base=base))
    assert f"→ {project / '..' / 'elsewhere' / COLLECTION};" in summary, summary
    assert len(_read(elsewhere).notes) == SEED_NOTES
    assert not (base / "Bob" / "backups").exists()  # the last loaded profile never synced


# --- 5. backups Anki can restore --------------------------------------------------------------


def _backups(anki: Path) -> set[str]:
    folder = anki / "backups"
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


def _restore(backup: Path, folder: Path) -> Holding:
    """Restore `backup` as Anki desktop's Open Backup does (its backend's collection-package
    import), into a new profile folder; what the restored collection holds."""
    folder.mkdir()
    RustBackend().import_collection_package(
        col_path=str(folder / COLLECTION),
        backup_path=str(backup),
        media_folder=str(folder / "collection.media"),
        media_db=str(folder / "collection.media.db2"),
    )
    return _read(folder)


def _backup_named(summary: str) -> Path:
    found = re.search(r"; backup → (.+\.colpkg) \(", summary)
    assert found, summary
    return Path(found[1])


@pytest.mark.anki
def test_sync_safety__a_sync_that_changes_notes_leaves_a_backup_of_them_before(
    seeded: Path, tmp_path: Path
) -> None:
    anki, project = _seeded_copy(seeded, tmp_path / "copy")
    _edit(project)
    before = _read(anki)
    made = _backups(anki)
    summary = _summary(_sync(project, SOURCE, "--collection", _COL))
    backup = project / _backup_named(summary)
    assert backup.parent.resolve() == (anki / "backups").resolve()
    assert _backups(anki) == made | {backup.name}, "one new backup, and nothing else"
    after = _read(anki)
    assert after != before
    assert _restore(backup, tmp_path / "restored") == before


@pytest.mark.anki
def test_sync_safety__the_first_sync_leaves_a_backup_of_the_empty_collection(
    empty: Path, tmp_path: Path
) -> None:
    anki = _copy(empty, tmp_path / "anki")
    project = _project(tmp_path / "project")
    summary = _summary(_sync(project, SOURCE, "--collection", str(anki / COLLECTION)))
    backup = _backup_named(summary)
    assert _backups(anki) == {backup.name}
    assert len(_read(anki).notes) == SEED_NOTES
    assert _restore(backup, tmp_path / "restored").notes == {}


@pytest.mark.anki
def test_sync_safety__a_sync_with_nothing_to_change_makes_no_backup(
    seeded: Path, tmp_path: Path
) -> None:
    anki, project = _seeded_copy(seeded, tmp_path / "copy")
    assert len(_backups(anki)) == 1
    before = _tree(anki)
    # The copy (opened: the build cache's stamp is of the collection at its old path), again
    # (the stamp's shortcut), and without the build cache (opened, and found as it was left).
    for run in ("copied", "again", "no build cache"):
        if run == "no build cache":
            shutil.rmtree(project / "build")
        summary = _summary(_sync(project, SOURCE, "--collection", _COL))
        assert "nothing to change" in summary and "backup" not in summary, summary
        assert _tree(anki) == before, run


@pytest.mark.anki
@pytest.mark.parametrize("start", ["empty", "seeded-and-edited"])
def test_sync_safety__a_dry_run_makes_no_backup_and_changes_nothing(
    empty: Path, seeded: Path, tmp_path: Path, start: str
) -> None:
    if start == "empty":
        anki = _copy(empty, tmp_path / "anki")
        project = _project(tmp_path / "project")
    else:
        anki, project = _seeded_copy(seeded, tmp_path / "copy")
        _edit(project)
    before, sources = _tree(anki), _tree(project / "source")
    run = _sync(project, SOURCE, "--collection", str(anki / COLLECTION), "--dry-run")
    assert "(dry run: " in _summary(run)
    assert _tree(anki) == before
    assert _tree(project / "source") == sources
