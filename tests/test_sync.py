"""`deckgen sync`, row by row of what it does to a note, against real collections."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from anki.collection import Collection
from anki.notes import Note
from click.testing import CliRunner

from deckgen.cli.commands import cli
from deckgen.collection.apply import SyncSettings
from deckgen.collection.plan import REMOVED_TAG
from deckgen.collection.profiles import Target
from deckgen.identity.state import state_path
from deckgen.notetype.definition import FIELDS, NOTETYPE_ID, notetype_css
from deckgen.options import BuildOptions
from deckgen.sync import SyncReport, sync

from .anki_support import database, notetype

pytestmark = pytest.mark.anki
T = TypeVar("T")

TICK = iter(range(1_800_000_000, 1_900_000_000, 100))


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sync keeps its cache and lock under `build/` of the current folder, as `build` does:
    never the repository's."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    """An empty collection in a profile folder, closed, as Anki leaves it."""
    folder = tmp_path / "Anki2" / "User 1"
    folder.mkdir(parents=True)
    Collection(str(folder / "collection.anki2")).close()
    return folder / "collection.anki2"


def _sync(
    source: Path, path: Path, *, subdecks: bool | None = None, **settings: bool
) -> SyncReport:
    return sync(
        source,
        Target(path),
        BuildOptions(subdecks=subdecks),
        SyncSettings(**settings),  # type: ignore[arg-type]
        state_file=state_path(source),
        clock=lambda: next(TICK),
    )


def _with(path: Path, act: Callable[[Collection], T]) -> T:
    col = Collection(str(path))
    try:
        return act(col)
    finally:
        col.close()


def _note(col: Collection, guid: str) -> Note:
    return col.get_note(col.find_notes(f'"ID:{guid}"')[0])


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _first_id(source: Path) -> str:
    import json

    state = json.loads(state_path(source).read_text(encoding="utf-8"))
    return str(state["cards"][0]["id"])


def _edit_first_answer(source: Path, added: str) -> None:
    text = source.read_text(encoding="utf-8")
    heading = text.index("\n### ")
    end = text.index("\n\n", text.index("\n", heading + 1) + 1)
    source.write_text(text[:end] + f"\n\n{added}" + text[end:], encoding="utf-8")


def test_sync__first_sync_adds_every_note_with_the_packages_identity(
    seed_copy: Path, profile: Path
) -> None:
    report = _sync(seed_copy, profile)
    assert len(report.plan.add) == 162 and report.applied.notetype == "added"
    assert report.applied.backup is not None and report.applied.backup.parent.name == "backups"

    def check(col: Collection) -> None:
        db = database(col)
        assert db.scalar("select count() from notes where mid = ?", NOTETYPE_ID) == 162
        assert [f["name"] for f in notetype(col, NOTETYPE_ID)["flds"]] == list(FIELDS)
        guids = set(db.list("select guid from notes"))
        assert guids == {note.id for note in report.plan.add}

    _with(profile, check)


def test_sync__nothing_changed_writes_nothing(seed_copy: Path, profile: Path) -> None:
    _sync(seed_copy, profile)
    before, state = _digest(profile), state_path(seed_copy).read_bytes()
    report = _sync(seed_copy, profile)
    assert not report.plan.changes and report.applied.backup is None
    assert _digest(profile) == before
    assert state_path(seed_copy).read_bytes() == state


def test_sync__changed_answer_updates_one_note_and_keeps_the_users_tags(
    seed_copy: Path, profile: Path
) -> None:
    _sync(seed_copy, profile)
    guid = _first_id(seed_copy)

    def tag(col: Collection) -> dict[str, int]:
        note = _note(col, guid)
        note.tags += ["marked", "leech", "my::review-before-interview"]
        col.update_note(note)
        return {str(g): int(m) for g, m in database(col).all("select guid, mod from notes")}

    before = _with(profile, tag)
    time.sleep(1.1)  # Anki's note mtimes are whole seconds: the sync's must be a later one
    _edit_first_answer(seed_copy, "A sentence added in the Markdown.")
    report = _sync(seed_copy, profile)
    assert [u.note.id for u in report.plan.update] == [guid] and not report.plan.conflicts

    def check(col: Collection) -> None:
        note = _note(col, guid)
        assert "A sentence added in the Markdown." in note["Answer"]
        tags = set(note.tags)
        assert {"marked", "leech", "my::review-before-interview"} <= tags
        assert any(t.startswith("ml-interview-qa::") for t in tags)
        after = {str(g): int(m) for g, m in database(col).all("select guid, mod from notes")}
        assert [g for g in after if after[g] != before[g]] == [guid]

    _with(profile, check)


def test_sync__an_edit_made_in_anki_is_kept_and_reported_until_overwritten(
    seed_copy: Path, profile: Path
) -> None:
    _sync(seed_copy, profile)
    guid = _first_id(seed_copy)

    _fix_in_anki(profile, guid)
    _edit_first_answer(seed_copy, "Changed in the Markdown too.")
    report = _sync(seed_copy, profile)
    (conflict,) = report.plan.conflicts
    assert conflict.note.id == guid and not conflict.overwritten
    assert conflict.place == f"{seed_copy}:{_line_of_first_question(seed_copy)}"
    assert any(line.startswith("-") and "Fixed in Anki." in line for line in conflict.diff)
    assert any(line.startswith("+") and "Changed in the Markdown" in line for line in conflict.diff)
    answer = lambda col: _note(col, guid)["Answer"]
    assert "Fixed in Anki." in str(_with(profile, answer))
    # Still a conflict next time: nothing resolved it.
    assert len(_sync(seed_copy, profile).plan.conflicts) == 1
    report = _sync(seed_copy, profile, overwrite=True)
    assert report.plan.conflicts[0].overwritten
    written = str(_with(profile, answer))
    assert "Fixed in Anki." not in written and "Changed in the Markdown too." in written
    assert not _sync(seed_copy, profile).plan.conflicts


def _fix_in_anki(profile: Path, guid: str) -> None:
    def fix(col: Collection) -> None:
        note = _note(col, guid)
        note["Answer"] += "<p>Fixed in Anki.</p>"
        col.update_note(note)

    _with(profile, fix)


def _line_of_first_question(source: Path) -> int:
    lines = source.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.startswith("### "))


def test_sync__a_tag_added_in_anki_is_no_conflict(seed_copy: Path, profile: Path) -> None:
    _sync(seed_copy, profile)
    guid = _first_id(seed_copy)

    def tag(col: Collection) -> None:
        note = _note(col, guid)
        note.tags.append("mine")
        col.update_note(note)

    _with(profile, tag)
    before = _digest(profile)
    report = _sync(seed_copy, profile)
    assert not report.plan.conflicts and not report.plan.changes
    assert _digest(profile) == before


def test_sync__a_removed_question_is_suspended_and_comes_back(
    seed_copy: Path, profile: Path
) -> None:
    _sync(seed_copy, profile)
    original = seed_copy.read_text(encoding="utf-8")
    guid = _first_id(seed_copy)
    start = original.index("\n### ")
    end = original.index("\n### ", start + 1)
    seed_copy.write_text(original[:start] + original[end:], encoding="utf-8")
    report = _sync(seed_copy, profile)
    assert [r.held.guid for r in report.plan.retire] == [guid]

    def state(col: Collection) -> tuple[list[str], list[int]]:
        note = _note(col, guid)
        queues = [int(card.queue) for card in note.cards()]
        return list(note.tags), queues

    tags, queues = _with(profile, state)
    assert REMOVED_TAG in tags and queues == [-1]
    assert not _sync(seed_copy, profile).plan.changes  # idempotent
    seed_copy.write_text(original, encoding="utf-8")
    report = _sync(seed_copy, profile)
    assert [n.id for n in report.plan.restored] == [guid]
    tags, queues = _with(profile, state)
    assert REMOVED_TAG not in tags and queues == [0]


def test_sync__delete_removes_the_notes_of_removed_questions(
    seed_copy: Path, profile: Path
) -> None:
    _sync(seed_copy, profile)
    guid = _first_id(seed_copy)
    text = seed_copy.read_text(encoding="utf-8")
    start = text.index("\n### ")
    seed_copy.write_text(text[:start] + text[text.index("\n### ", start + 1) :], "utf-8")
    report = _sync(seed_copy, profile, delete=True)
    assert [held.guid for held in report.plan.delete] == [guid]
    count = lambda col: col.find_notes(f'"ID:{guid}"')
    assert list(_with(profile, count)) == []
    assert report.applied.backup is not None


def test_sync__cards_move_out_of_decks_deckgen_chose_but_not_out_of_the_users(
    seed_copy: Path, profile: Path
) -> None:
    _sync(seed_copy, profile)
    ids = [str(card_id) for card_id in _state_ids(seed_copy)[:2]]

    def move_by_hand(col: Collection) -> None:
        note = _note(col, ids[1])
        col.set_deck([c.id for c in note.cards()], col.decks.id("My own deck") or 0)

    _with(profile, move_by_hand)
    report = _sync(seed_copy, profile, subdecks=True)
    moved = {m.note.id for m in report.plan.move}
    assert ids[0] in moved and ids[1] not in moved
    assert [s.note.id for s in report.plan.stay] == [ids[1]]

    def decks(col: Collection) -> list[str]:
        return [col.decks.name(_note(col, guid).cards()[0].did) for guid in ids]

    first, second = _with(profile, decks)
    assert "::" in first and second == "My own deck"


def _state_ids(source: Path) -> list[str]:
    import json

    return [c["id"] for c in json.loads(state_path(source).read_text("utf-8"))["cards"]]


def test_sync__a_new_look_updates_the_notetype_in_place(seed_copy: Path, profile: Path) -> None:
    _sync(seed_copy, profile)
    report = sync(
        seed_copy,
        Target(profile),
        BuildOptions(theme="paper"),
        SyncSettings(),
        state_file=state_path(seed_copy),
    )
    assert report.applied.notetype == "updated"

    def check(col: Collection) -> None:
        assert notetype(col, NOTETYPE_ID)["css"] == notetype_css("paper")
        assert len(col.models.all_names_and_ids()) == 7  # Anki's six and deckgen's one

    _with(profile, check)


def test_sync__changed_notetype_fields_are_refused_without_allow_full_sync(
    seed_copy: Path, profile: Path
) -> None:
    _sync(seed_copy, profile)

    def add_field(col: Collection) -> None:
        model = notetype(col, NOTETYPE_ID)
        col.models.add_field(model, col.models.new_field("Extra"))
        col.models.update_dict(model)

    _with(profile, add_field)
    before = _digest(profile)
    result = CliRunner().invoke(cli, ["sync", str(seed_copy), "--collection", str(profile)])
    assert result.exit_code == 1, result.output
    assert "one-way full sync" in result.output and "--allow-full-sync" in result.output
    assert _digest(profile) == before
    report = _sync(seed_copy, profile, allow_full_sync=True)
    assert report.applied.notetype == "updated"
    names = lambda col: [f["name"] for f in notetype(col, NOTETYPE_ID)["flds"]]
    assert _with(profile, names) == list(FIELDS)
    browser = lambda col: [(t["bqfmt"], t["bafmt"]) for t in notetype(col, NOTETYPE_ID)["tmpls"]]
    assert _with(profile, browser) == [("", "")]  # as the package has it


def test_sync__dry_run_writes_nothing(seed_copy: Path, profile: Path) -> None:
    before = _digest(profile)
    report = _sync(seed_copy, profile, dry_run=True)
    assert report.applied.dry_run and report.applied.notetype == "added"
    assert _digest(profile) == before
    assert not state_path(seed_copy).exists()
    assert not (profile.parent / "backups").exists()


def test_sync__the_summary_names_each_kind_and_the_backup(seed_copy: Path, profile: Path) -> None:
    result = CliRunner().invoke(cli, ["sync", str(seed_copy), "--collection", str(profile)])
    assert result.exit_code == 0, result.output
    line = result.stdout.strip().splitlines()[-1]
    assert line.startswith("162 notes: 162 added, notetype added → ")
    assert "; backup → " in line and ".colpkg" in line


def test_sync__media_of_the_same_name_is_never_overwritten(tmp_path: Path, profile: Path) -> None:
    source = tmp_path / "notes" / "pics.md"
    source.parent.mkdir()
    (source.parent / "chart.png").write_bytes(b"\x89PNG\r\n\x1a\n a chart")
    source.write_text(
        "# Pics\n\n## Part 1: Charts\n\n### What does the chart show?\n\n![chart](chart.png)\n",
        encoding="utf-8",
    )
    report = _sync(source, profile)
    (name,) = report.applied.media_added
    media = profile.parent / "collection.media"
    assert (media / name).read_bytes() == b"\x89PNG\r\n\x1a\n a chart"
    (media / name).write_bytes(b"the user's own file")
    report = _sync(source, profile)
    assert report.applied.media_kept == (name,)
    assert (media / name).read_bytes() == b"the user's own file"


def test_sync__nothing_new_is_known_without_opening_the_collection(
    seed_copy: Path, profile: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import deckgen.sync

    _sync(seed_copy, profile)
    _sync(seed_copy, profile)  # the first sync's stamp is of the notetype's import
    api_build(seed_copy)  # a build between two syncs keeps the last sync's stamp

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("opened the collection")

    original = getattr(deckgen.sync, "sync_collection")  # noqa: B009 (not exported)
    monkeypatch.setattr(deckgen.sync, "sync_collection", refuse)
    assert _sync(seed_copy, profile).plan.unchanged == 162
    # Put back by hand: `undo` would take the fixture's change of folder back too.
    monkeypatch.setattr(deckgen.sync, "sync_collection", original)

    # Any change in Anki: the collection is read again, and an edit there is reported.
    guid = _first_id(seed_copy)

    _fix_in_anki(profile, guid)
    assert [c.note.id for c in _sync(seed_copy, profile).plan.conflicts] == [guid]
    # A sync that has something to say says it every time: no stamp.
    monkeypatch.setattr(deckgen.sync, "sync_collection", refuse)
    with pytest.raises(AssertionError, match="opened the collection"):
        _sync(seed_copy, profile)


def api_build(source: Path) -> None:
    from deckgen.api import build

    report = build(source, state_file=state_path(source), clock=lambda: next(TICK))
    assert report.revision is not None
    assert not [c for c in report.revision.changes if c.kinds != ("unchanged",)]


def test_sync__without_ankis_library_says_how_to_install_it(seed_copy: Path, profile: Path) -> None:
    import subprocess
    import sys

    # As if the `sync` extra were not installed: the import of `anki` fails.
    script = (
        "import sys; sys.modules['anki'] = None; sys.modules['anki.collection'] = None\n"
        "from deckgen.cli.commands import main\n"
        f"sys.argv = ['deckgen', 'sync', {str(seed_copy)!r}, '--collection', {str(profile)!r}]\n"
        "main()\n"
    )
    before = _digest(profile)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1, done.stderr
    assert "pip install 'deckgen[sync]'" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert _digest(profile) == before and not state_path(seed_copy).exists()


HOLD = """
import sys
from anki.collection import Collection
col = Collection(sys.argv[1])
col.create_backup(backup_folder=sys.argv[2], force=True, wait_for_completion=True)
print("ready", flush=True)
sys.stdin.read()
"""


def test_sync__a_collection_anki_holds_without_its_lock_is_refused(
    seed_copy: Path, profile: Path
) -> None:
    import subprocess
    import sys

    # Anki lets go of its lock once it has made a backup, and keeps writing the file.
    (profile.parent / "backups").mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            HOLD,
            str(profile),
            str(profile.parent / "backups"),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        before = _digest(profile)
        result = CliRunner().invoke(
            cli, ["sync", str(seed_copy), "--collection", str(profile), "--via", "file"]
        )
        assert result.exit_code == 1, result.output
        assert "open in Anki" in result.output
        assert _digest(profile) == before
    finally:
        holder.communicate("")
    # Closed: the same sync goes through.
    assert len(_sync(seed_copy, profile).plan.add) == 162


def test_sync__a_recent_backup_stands_for_a_new_one_when_not_fresh(
    seed_copy: Path, profile: Path
) -> None:
    first = _sync(seed_copy, profile).applied.backup
    assert first is not None
    _edit_first_answer(seed_copy, "One save in a watch.")
    again = _sync(seed_copy, profile, fresh_backup=False)
    assert again.plan.update and again.applied.backup == first
    assert sorted(first.parent.glob("backup-*.colpkg")) == [first]
    # Older than the collection's backup interval (Anki's 30 minutes): a new one.
    old = time.time() - 31 * 60
    os.utime(first, (old, old))
    _edit_first_answer(seed_copy, "A save half an hour later.")
    later = _sync(seed_copy, profile, fresh_backup=False).applied.backup
    # (Anki names a backup by its second: within this test's second, the same name again.)
    assert later is not None and later.stat().st_mtime > old + 60
