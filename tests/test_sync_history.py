"""Issue 22's promise, end to end: `deckgen sync` through a project's history in a collection
the user studies and edits, the package and the sync side by side, and the planner's edge rows.

The history: the seed split into three files is synced; in Anki the user tags notes, studies every
card through the v3 scheduler and edits one answer; then the Markdown changes step by step (an
answer changed with a `deckgen build` before the sync, a file split in two, a question reworded,
one moved to another file, one removed and later re-added, another answer changed, the edited
note's part renamed, the Anki edit copied into the Markdown) with a `deckgen sync` after every step. After each sync: every note has
the ID the state file gives its question, user tags and reviews are as they were, the Anki edit is
kept (and reported until the Markdown says the same), removed notes are suspended and tagged,
restored ones are not, notes the step does not concern are not touched, and nothing is duplicated.
"""

from __future__ import annotations

import html
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from anki.collection import Collection
from anki.consts import QUEUE_TYPE_SUSPENDED
from anki.scheduler.v3 import CardAnswer

from deckgen.collection.plan import (
    REMOVED_TAG,
    HeldCard,
    HeldNote,
    Holding,
    Origin,
    Plan,
    Removed,
    Written,
    fields_digest,
    fields_of,
    plan_sync,
)
from deckgen.identity.history import note_digest
from deckgen.model import Note
from deckgen.notetype.definition import NOTETYPE_ID
from tests.anki_support import (
    SeenNote,
    database,
    import_apkg,
    notes,
    notetype,
    open_collection,
    scheduler,
)
from tests.conftest import SEED
from tests.project_support import QA, NoteFile, Part, deckgen, parse_seed, state_lines, write_toml
from tests.test_project_history import Sources
from tests.test_roundtrip import DECK, Schedule, answer_queue, schedules, study_everything

pytestmark = pytest.mark.anki

TOML = (
    f'deck = "{DECK}"\ntag-prefix = "interview"\n'
    'include = ["notes/**/*.md"]\nexclude = ["**/README.md"]\n'
)
"""As the project history's: `Sources.write` puts an excluded README in every folder."""
PACKAGE = Path("build/interview-questions-answers.apkg")
STATE = Path("deckgen-state.jsonl")

FILES = {
    "notes/foundations.md": ("Foundations", range(1, 7)),
    "notes/models.md": ("Models", range(7, 11)),
    "notes/games.md": ("Games", range(11, 19)),
}
SPLIT_OFF = ("notes/populations.md", "Populations", range(15, 19))
"""The parts `split` moves out of notes/games.md into a file of their own."""

MARKED, REVIEW = "marked", "my::review-before-interview"
EDITED_IN_ANKI = "What problem does LSTM solve compared to vanilla RNN?"
ANKI_EDIT = "Edited in Anki: the forget gate keeps the gradient path open."
"""A paragraph the user adds to the answer in Anki; the `agree` step adds it to the Markdown."""
BUILT_BETWEEN = "What is in-context learning?"
IN_SPLIT_PART = "What's an empirical game?"
REWORDED = ("Why do we scale by √d_k?", "Why do we scale the dot products by √d_k?")
MOVED = (
    "What's the Bradley-Terry model for reward modeling?",
    "notes/games.md",
    "Part 11: Game Theory Foundations",
)
REMOVED = "What's the over-smoothing problem?"
CHANGED = "What's FiLM conditioning?"
RENAMED_PART = "Part 1: LSTM networks"
USER_TAGS = {
    EDITED_IN_ANKI: [REVIEW],
    BUILT_BETWEEN: [MARKED],
    IN_SPLIT_PART: [MARKED],
    REWORDED[0]: [REVIEW],
    MOVED[0]: [MARKED, REVIEW],
    REMOVED: [MARKED, REVIEW],
    CHANGED: [REVIEW],
}
"""Seed question → the tags the user gives its note in Anki after the first sync."""
RESTUDIED = [MOVED[0], REWORDED[0], REMOVED, CHANGED, "What is message passing in GNNs?"]
"""Seed questions studied again mid-history (before `move`): later reviews must survive too."""


def initial_sources() -> Sources:
    parts = {int(p.heading.split()[1].rstrip(":")): p for p in parse_seed(SEED.read_text("utf-8"))}
    return Sources(
        [
            NoteFile(path, title, [parts[n] for n in numbers])
            for path, (title, numbers) in FILES.items()
        ]
    )


@dataclass(frozen=True)
class Snapshot:
    """The collection as the user sees it, by note GUID."""

    notes: dict[str, SeenNote]
    schedules: dict[str, Schedule]
    queues: dict[str, list[int]]


def snapshot(col: Collection) -> Snapshot:
    queues: dict[str, list[int]] = {}
    for guid, queue in database(col).all(
        "select n.guid, c.queue from cards c join notes n on n.id = c.nid order by c.ord"
    ):
        queues.setdefault(str(guid), []).append(int(queue))
    return Snapshot(notes(col), schedules(col), queues)


@dataclass
class Step:
    """One Markdown edit and the `deckgen sync` after it."""

    name: str
    touched: set[str]
    """Seed questions whose notes this sync must change (fields or tags); no other note."""
    before: Snapshot
    after: Snapshot
    output: str
    state: dict[str, str]
    """Question → its ID, as the state file has it after the sync."""
    removed_state: dict[str, str]
    """Removed question → its ID, as the state file keeps it."""
    origins: dict[str, str]
    """Question now in the Markdown → the seed question it continues."""
    removed: set[str] = field(default_factory=set)
    """Seed questions not in the Markdown after this step."""


@dataclass
class History:
    steps: list[Step]
    guids: dict[str, str]
    """Seed question → the GUID the first sync gave its note."""
    edited_answer: str
    """The Answer field as the user edited it in Anki."""
    built_output: str


def _anki_side(col: Collection, guids: dict[str, str]) -> str:
    """What the user does in Anki after the first sync; returns the edited Answer field."""
    for question, tags in USER_TAGS.items():
        note = col.get_note(col.find_notes(f'"ID:{guids[question]}"')[0])
        note.tags += tags
        col.update_note(note)
    study_everything(col)
    note = col.get_note(col.find_notes(f'"ID:{guids[EDITED_IN_ANKI]}"')[0])
    note["Answer"] += f"\n<p>{ANKI_EDIT}</p>"
    col.update_note(note)
    return note["Answer"]


def _study_again(col: Collection, guids: dict[str, str]) -> None:
    """Bring some studied cards back today and answer them: a second review session."""
    cards = [cid for q in RESTUDIED for cid in col.find_cards(f'"ID:{guids[q]}"')]
    scheduler(col).set_due_date(cards, "0")
    answer_queue(col, lambda n: CardAnswer.AGAIN if n % 2 == 0 else CardAnswer.GOOD)


def _edit_answer(sources: Sources, question: str, added: str) -> None:
    _, _, qa = sources.find(question)
    qa.body += f"\n\n{added}"


def split_file(sources: Sources) -> set[str]:
    games = sources.file("notes/games.md")
    path, title, numbers = SPLIT_OFF
    moved = [p for p in games.parts if int(p.heading.split()[1].rstrip(":")) in numbers]
    games.parts = [p for p in games.parts if p not in moved]
    sources.files.append(NoteFile(path, title, moved))
    return {qa.origin for part in moved for qa in part.questions}


def reword(sources: Sources) -> set[str]:
    _, _, qa = sources.find(REWORDED[0])
    qa.question = REWORDED[1]
    return {REWORDED[0]}


def move(sources: Sources) -> set[str]:
    question, path, heading = MOVED
    _, part, qa = sources.find(question)
    part.questions.remove(qa)
    (target,) = [p for p in sources.file(path).parts if p.heading == heading]
    target.questions.append(qa)
    return {question}


@dataclass
class Removal:
    """The removed question, kept to be put back where it was."""

    part: Part | None = None
    qa: QA | None = None
    index: int = 0

    def remove(self, sources: Sources) -> set[str]:
        _, self.part, self.qa = sources.find(REMOVED)
        self.index = self.part.questions.index(self.qa)
        self.part.questions.remove(self.qa)
        return {REMOVED}

    def restore(self, sources: Sources) -> set[str]:
        assert self.part is not None and self.qa is not None
        self.part.questions.insert(self.index, self.qa)
        return {REMOVED}


def change_answer(question: str, added: str) -> Callable[[Sources], set[str]]:
    def edit(sources: Sources) -> set[str]:
        _edit_answer(sources, question, added)
        return {question}

    return edit


def rename_part(sources: Sources) -> set[str]:
    """While the Anki edit is a conflict, a change of deckgen's own to the same note."""
    part = sources.find(EDITED_IN_ANKI)[1]
    part.heading = RENAMED_PART
    return {qa.origin for qa in part.questions}


def agree(sources: Sources) -> set[str]:
    _edit_answer(sources, EDITED_IN_ANKI, ANKI_EDIT)
    # Anki has this answer already; the part's new name, kept out while the note was a
    # conflict, is written now.
    return {EDITED_IN_ANKI}


STEPS = [
    "first-sync",
    "anki-side",
    "build-between",
    "split",
    "reword",
    "move",
    "remove",
    "change-answer",
    "re-add",
    "rename-part",
    "agree",
    "after-agree",
]
AGREED = STEPS.index("agree")


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[History]:
    root = tmp_path_factory.mktemp("sync-history")
    project, anki = root / "project", root / "anki"
    project.mkdir()
    open_collection(anki).close()
    collection = anki / "collection.anki2"
    sources = initial_sources()
    removal = Removal()
    edits: dict[str, Callable[[Sources], set[str]]] = {
        "first-sync": lambda s: set(),
        "anki-side": lambda s: set(),
        "build-between": change_answer(BUILT_BETWEEN, "Changed, then built before the sync."),
        "split": split_file,
        "reword": reword,
        "move": move,
        "remove": removal.remove,
        "change-answer": change_answer(CHANGED, "Changed after the removal."),
        "re-add": removal.restore,
        "rename-part": rename_part,
        "agree": agree,
        "after-agree": change_answer(EDITED_IN_ANKI, "Changed once the Markdown agreed."),
    }
    steps: list[Step] = []
    guids: dict[str, str] = {}
    edited, built_output = "", ""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(project)
        write_toml(project, TOML)
        for name in STEPS:
            touched = edits[name](sources)
            sources.write(project)
            col = open_collection(anki)
            try:
                if name == "anki-side":
                    edited = _anki_side(col, guids)
                elif name == "move":
                    _study_again(col, guids)
                before = snapshot(col)
            finally:
                col.close()
            if name == "build-between":
                built = deckgen("build")
                assert built.exit_code == 0, built.output
                built_output = built.output
            synced = deckgen("sync", "--collection", str(collection))
            assert synced.exit_code == 0, synced.output
            col = open_collection(anki)
            try:
                after = snapshot(col)
            finally:
                col.close()
            lines = state_lines(STATE)[1:]
            if name == "first-sync":
                guids = {str(line["question"]): str(line["id"]) for line in lines}
            steps.append(
                Step(
                    name,
                    touched,
                    before,
                    after,
                    synced.output,
                    {str(ln["question"]): str(ln["id"]) for ln in lines if not ln.get("removed")},
                    {str(ln["question"]): str(ln["id"]) for ln in lines if ln.get("removed")},
                    {qa.question: qa.origin for _, _, qa in sources.cards()},
                    set(guids) - {qa.origin for _, _, qa in sources.cards()},
                )
            )
    yield History(steps, guids, edited, built_output)


def _step(history: History, name: str) -> Step:
    (step,) = [s for s in history.steps if s.name == name]
    return step


def _conflicts(step: Step) -> list[str]:
    return [
        line.split(": warning: ")[0]
        for line in step.output.splitlines()
        if "edited in Anki since deckgen wrote it" in line
    ]


@pytest.mark.parametrize("name", STEPS)
def test_history__every_note_has_the_id_the_state_gives_its_question(
    history: History, name: str
) -> None:
    step = _step(history, name)
    assert len(history.guids) == 162
    # Every question the Markdown still has continues its seed question's note.
    assert {q: step.state[q] for q in step.origins} == {
        q: history.guids[origin] for q, origin in step.origins.items()
    }
    assert {q: step.removed_state[q] for q in step.removed} == {
        q: history.guids[q] for q in step.removed
    }
    seen = step.after.notes
    assert set(seen) == set(step.state.values()) | set(step.removed_state.values())
    for question, guid in step.state.items():
        assert seen[guid].fields["ID"] == guid
        assert html.unescape(seen[guid].fields["Question"]) == question


@pytest.mark.parametrize("name", STEPS)
def test_history__no_note_is_ever_duplicated(history: History, name: str) -> None:
    step = _step(history, name)
    questions = Counter(html.unescape(n.fields["Question"]) for n in step.after.notes.values())
    assert [q for q, n in questions.items() if n > 1] == []
    assert len(step.after.notes) == 162
    assert all(n.notetype == "deckgen Q&A" and n.decks == [DECK] for n in step.after.notes.values())


@pytest.mark.parametrize("name", STEPS[1:])
def test_history__user_tags_survive(history: History, name: str) -> None:
    step = _step(history, name)
    for question, tags in USER_TAGS.items():
        held = step.after.notes[history.guids[question]].tags
        assert set(tags) <= set(held), (question, held)
    assert sum(MARKED in n.tags for n in step.after.notes.values()) == 4


@pytest.mark.parametrize("name", STEPS[1:])
def test_history__the_sync_changes_no_review(history: History, name: str) -> None:
    step = _step(history, name)
    assert step.after.schedules == step.before.schedules
    assert all(len(s.revlog) >= 1 for s in step.after.schedules.values())
    if STEPS.index(name) >= STEPS.index("move"):
        for question in RESTUDIED:
            # The first session's review and the second's, at least.
            assert len(step.after.schedules[history.guids[question]].revlog) >= 2


@pytest.mark.parametrize("name", STEPS[1:])
def test_history__only_the_notes_the_step_concerns_change(history: History, name: str) -> None:
    step = _step(history, name)
    touched = {history.guids[q] for q in step.touched}
    changed = {g for g, n in step.after.notes.items() if n != step.before.notes[g]}
    assert changed == touched
    for guid in touched:
        before, after = step.before.notes[guid], step.after.notes[guid]
        assert (before.fields, before.tags) != (after.fields, after.tags), guid
    for guid, queues in step.after.queues.items():
        if guid != history.guids[REMOVED]:
            assert queues == step.before.queues[guid], guid


@pytest.mark.parametrize("name", STEPS[1:])
def test_history__the_anki_edit_is_kept_and_reported_until_the_markdown_agrees(
    history: History, name: str
) -> None:
    step = _step(history, name)
    index = STEPS.index(name)
    note = step.after.notes[history.guids[EDITED_IN_ANKI]]
    answer = note.fields["Answer"]
    # Anki's note is kept whole while it is a conflict: the part's new name too waits.
    part = "Part 1: LSTM" if index < AGREED else RENAMED_PART
    assert note.fields["Part"] == part
    if index < AGREED:
        assert answer == history.edited_answer
        assert _conflicts(step) == [f"notes/foundations.md:{_line(EDITED_IN_ANKI)}"], step.output
        assert "1 conflict kept" in step.output
    elif name == "agree":
        assert answer == history.edited_answer
        assert _conflicts(step) == [], step.output
    else:
        assert answer.startswith(history.edited_answer)
        assert "Changed once the Markdown agreed." in answer
        assert _conflicts(step) == [], step.output
    assert "conflict overwritten" not in step.output


def _line(question: str) -> int:
    """The question's line in the file as first written (notes/foundations.md's first part
    is never edited above it)."""
    file = initial_sources().file("notes/foundations.md")
    file.render()
    return file.lines[question]


def test_history__a_build_between_two_syncs_makes_no_false_conflict(history: History) -> None:
    step = _step(history, "build-between")
    assert "changes: 1 changed" in history.built_output, history.built_output
    answer = step.after.notes[history.guids[BUILT_BETWEEN]].fields["Answer"]
    assert "Changed, then built before the sync." in answer
    assert "1 updated" in step.output and "1 conflict kept" in step.output, step.output


def test_history__splitting_a_file_retags_its_notes_and_keeps_them(history: History) -> None:
    step = _step(history, "split")
    note = step.after.notes[history.guids[IN_SPLIT_PART]]
    assert any(t.startswith("interview::populations::") for t in note.tags), note.tags
    assert note.fields["Source"].startswith("notes/populations.md#")
    assert f"{len(step.touched)} updated" in step.output
    assert len(step.touched) == 35  # parts 15 to 18


def test_history__a_reworded_question_keeps_its_note(history: History) -> None:
    step = _step(history, "reword")
    note = step.after.notes[history.guids[REWORDED[0]]]
    assert html.unescape(note.fields["Question"]) == REWORDED[1]
    assert step.after.schedules[note.guid] == step.before.schedules[note.guid]


def test_history__a_moved_question_follows_its_new_file(history: History) -> None:
    note = _step(history, "move").after.notes[history.guids[MOVED[0]]]
    assert "interview::games::11-game-theory-foundations" in note.tags
    assert note.fields["Part"] == MOVED[2]
    assert note.fields["Source"].startswith(f"{MOVED[1]}#")


@pytest.mark.parametrize("name", STEPS)
def test_history__removed_is_suspended_and_tagged_re_added_is_neither(
    history: History, name: str
) -> None:
    step = _step(history, name)
    guid = history.guids[REMOVED]
    note, queues = step.after.notes[guid], step.after.queues[guid]
    removed = STEPS.index("remove") <= STEPS.index(name) < STEPS.index("re-add")
    assert (REMOVED_TAG in note.tags) is removed
    assert (queues == [QUEUE_TYPE_SUSPENDED]) is removed
    assert (REMOVED in step.removed) is removed
    tagged = [g for g, n in step.after.notes.items() if REMOVED_TAG in n.tags]
    suspended = [g for g, q in step.after.queues.items() if QUEUE_TYPE_SUSPENDED in q]
    assert tagged == suspended == ([guid] if removed else [])
    if name in ("remove", "re-add"):
        assert ("suspended (removed from the Markdown)" in step.output) is removed
        assert ("restored (back in the Markdown)" in step.output) is not removed


# --- The package and the sync give the same notes ------------------------------------------------


@dataclass(frozen=True)
class Held:
    """A note as two collections must both hold it."""

    notetype_id: int
    notetype: str
    fields: list[str]
    tags: list[str]
    decks: list[str]
    """The deck of each of its cards."""


def held(col: Collection) -> dict[str, Held]:
    found = {}
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        kind = note.note_type()
        assert kind is not None
        decks = [col.decks.name(card.did) for card in note.cards()]
        found[note.guid] = Held(
            int(note.mid), kind["name"], list(note.fields), sorted(note.tags), decks
        )
    return found


def notetype_shape(col: Collection) -> dict[str, object]:
    kind = notetype(col, NOTETYPE_ID)
    return {
        "id": kind["id"],
        "name": kind["name"],
        "fields": [(f["name"], f["ord"]) for f in kind["flds"]],
        "templates": [(t["name"], t["qfmt"], t["afmt"]) for t in kind["tmpls"]],
        "css": kind["css"],
        "sort": kind["sortf"],
        "type": kind["type"],
    }


def _summary(output: str) -> str:
    return output.strip().splitlines()[-1]


@pytest.mark.parametrize("later", [False, True], ids=["first-sync", "added-later"])
@pytest.mark.parametrize("subdecks", [False, True], ids=["one-deck", "subdecks"])
def test_package_and_sync_give_the_same_notes(
    seed_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, subdecks: bool, later: bool
) -> None:
    """Collection B synced, collection A given the package built after: the same notes, cards
    and notetype. `added-later`: B's first sync has parts 1 to 9 only, so the other half comes
    through Anki's own `add_notes` (a later sync's way), not through the first sync's import."""
    monkeypatch.chdir(tmp_path)
    flags = ["--subdecks"] if subdecks else []
    open_collection(tmp_path / "b").close()
    text = seed_copy.read_text(encoding="utf-8")
    if later:
        seed_copy.write_text(text[: text.index("\n## Part 10: ")], encoding="utf-8")
        synced = deckgen("sync", str(seed_copy), "--collection", "b/collection.anki2", *flags)
        assert synced.exit_code == 0, synced.output
        assert _summary(synced.output).startswith("80 notes: 80 added, notetype added")
        seed_copy.write_text(text, encoding="utf-8")
    synced = deckgen("sync", str(seed_copy), "--collection", "b/collection.anki2", *flags)
    assert synced.exit_code == 0, synced.output
    added = 82 if later else 162
    assert _summary(synced.output).startswith(f"162 notes: {added} added"), synced.output
    built = deckgen("build", str(seed_copy), "-o", "seed.apkg", *flags)
    assert built.exit_code == 0, built.output
    package_col = open_collection(tmp_path / "a")
    sync_col = open_collection(tmp_path / "b")
    try:
        import_apkg(package_col, Path("seed.apkg"))
        by_package, by_sync = held(package_col), held(sync_col)
        assert len(by_package) == 162
        assert by_sync == by_package
        decks = {d for note in by_sync.values() for d in note.decks}
        assert len(decks) == (18 if subdecks else 1)
        assert all(len(n.decks) == 1 and n.notetype_id == NOTETYPE_ID for n in by_sync.values())
        assert notetype_shape(sync_col) == notetype_shape(package_col)
    finally:
        package_col.close()
        sync_col.close()


# --- Import on one device, sync on another, in any order ---------------------------------------


@pytest.fixture
def device(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed_copy: Path) -> Path:
    """The working folder, with the seed at `source/` and an empty collection at `anki/`."""
    monkeypatch.chdir(tmp_path)
    open_collection(tmp_path / "anki").close()
    return tmp_path / "anki" / "collection.anki2"


def _build(seed: Path, output: str) -> None:
    built = deckgen("build", str(seed), "-o", output)
    assert built.exit_code == 0, built.output


def _sync(seed: Path, collection: Path) -> str:
    synced = deckgen("sync", str(seed), "--collection", str(collection))
    assert synced.exit_code == 0, synced.output
    assert "edited in Anki" not in synced.output, synced.output
    return _summary(synced.output)


def _with(collection: Path, act: Callable[[Collection], object]) -> object:
    col = open_collection(collection.parent)
    try:
        return act(col)
    finally:
        col.close()


def _notes(collection: Path) -> dict[str, SeenNote]:
    col = open_collection(collection.parent)
    try:
        return notes(col)
    finally:
        col.close()


def test_devices__import_then_sync_adds_nothing(seed_copy: Path, device: Path) -> None:
    _build(seed_copy, "seed.apkg")
    _with(device, lambda col: import_apkg(col, Path("seed.apkg")))
    imported = _notes(device)
    assert len(imported) == 162
    summary = _sync(seed_copy, device)
    assert summary.startswith("162 notes: nothing to change"), summary
    assert _notes(device) == imported  # fields, tags and mtimes: no note written
    assert _sync(seed_copy, device).startswith("162 notes: nothing to change")


def test_devices__imported_notes_take_markdown_changes_but_keep_anki_edits(
    seed_copy: Path, device: Path
) -> None:
    """Imported, never synced: deckgen has no record of what it wrote, and tells an edit made in
    Anki by its time, later than the package's (the build's) mtime."""
    _build(seed_copy, "seed.apkg")
    _with(device, lambda col: import_apkg(col, Path("seed.apkg")))
    time.sleep(1.1)  # Anki's mtimes are whole seconds: the edit must be a later one
    mine, theirs = "What is in-context learning?", "What's the KV cache and why is it needed?"

    def edit(col: Collection) -> None:
        note = col.get_note(col.find_notes(f'"Question:{mine}"')[0])
        note["Answer"] += "\n<p>Mine.</p>"
        col.update_note(note)

    _with(device, edit)
    text = seed_copy.read_text(encoding="utf-8")
    for question in (mine, theirs):
        anchor = f"### {question}\n\n"
        text = text.replace(anchor, f"{anchor}Revised in the Markdown.\n\n")
    seed_copy.write_text(text, encoding="utf-8")
    synced = deckgen("sync", str(seed_copy), "--collection", str(device))
    assert synced.exit_code == 0, synced.output
    assert _summary(synced.output).startswith("162 notes: 1 updated, 1 conflict kept")
    by_question = {html.unescape(n.fields["Question"]): n for n in _notes(device).values()}
    assert by_question[mine].fields["Answer"].endswith("\n<p>Mine.</p>")
    assert "Revised in the Markdown." not in by_question[mine].fields["Answer"]
    assert "Revised in the Markdown." in by_question[theirs].fields["Answer"]


def test_devices__sync_then_import_the_package_built_after(seed_copy: Path, device: Path) -> None:
    assert _sync(seed_copy, device).startswith("162 notes: 162 added")
    synced = _notes(device)
    _build(seed_copy, "seed.apkg")
    _with(device, lambda col: import_apkg(col, Path("seed.apkg")))
    assert _notes(device) == synced
    assert _sync(seed_copy, device).startswith("162 notes: nothing to change")


def test_devices__an_older_package_imported_after_a_sync_changes_nothing(
    seed_copy: Path, device: Path
) -> None:
    _build(seed_copy, "old.apkg")
    _sync(seed_copy, device)
    text = seed_copy.read_text(encoding="utf-8")
    anchor = "### What is in-context learning?\n\n"
    seed_copy.write_text(text.replace(anchor, f"{anchor}Revised after the package.\n\n"), "utf-8")
    assert _sync(seed_copy, device).startswith("162 notes: 1 updated")
    synced = _notes(device)
    _with(device, lambda col: import_apkg(col, Path("old.apkg")))
    after = _notes(device)
    assert after == synced
    (note,) = [n for n in after.values() if "Revised after the package." in n.fields["Answer"]]
    assert note.fields["Question"] == "What is in-context learning?"
    assert _sync(seed_copy, device).startswith("162 notes: nothing to change")


def test_devices__a_newer_package_imported_is_no_edit_for_the_next_sync(
    seed_copy: Path, device: Path
) -> None:
    """Synced here; the Markdown changed, built, and that package imported (on another device
    whose collection Anki's sync brings back); then changed again and synced here: the note
    the package brought is deckgen's text, not an edit made in Anki."""
    _sync(seed_copy, device)
    question = "What is in-context learning?"
    anchor = f"### {question}\n\n"
    text = seed_copy.read_text(encoding="utf-8")
    time.sleep(1.1)  # Anki imports a package's note only when it is newer, in whole seconds
    seed_copy.write_text(text.replace(anchor, f"{anchor}Version A.\n\n"), "utf-8")
    _build(seed_copy, "a.apkg")
    _with(device, lambda col: import_apkg(col, Path("a.apkg")))
    (imported,) = [n for n in _notes(device).values() if "Version A." in n.fields["Answer"]]
    seed_copy.write_text(text.replace(anchor, f"{anchor}Version B.\n\n"), "utf-8")
    assert _sync(seed_copy, device).startswith("162 notes: 1 updated")
    note = _notes(device)[imported.guid]
    assert "Version B." in note.fields["Answer"] and "Version A." not in note.fields["Answer"]


# --- The planner's edge rows ---------------------------------------------------------------------

DECK_ID, USER_DECK, OTHER_NOTETYPE = 100, 200, 1_234
BUILT, EDITED = 1_700_000_000, 1_700_000_100
"""The card's state mtime, and a later one: when the note was last changed in Anki."""
TAGS = ("interview::notes::01-lstm",)


def _note(guid: str = "dg-000000000001", **changes: object) -> Note:
    note = Note(
        guid,
        "What is an LSTM?",
        "<p>A recurrent network with gates.</p>",
        "Part 1: LSTM",
        "notes/a.md#what-is-an-lstm",
        TAGS,
        "Deck",
        BUILT,
    )
    return replace(note, **changes)  # type: ignore[arg-type]


def _held(
    note: Note,
    *,
    cards: tuple[HeldCard, ...] = (HeldCard(11, DECK_ID, False),),
    tags: tuple[str, ...] | None = None,
    notetype_id: int = NOTETYPE_ID,
) -> HeldNote:
    return HeldNote(1, note.id, notetype_id, EDITED, fields_of(note), tags or note.tags, cards)


def _written(note: Note, *, deck: int = DECK_ID, suspended: tuple[int, ...] = ()) -> Written:
    return Written(fields_digest(fields_of(note)), deck, note.tags, suspended)


def _plan(
    notes_: list[Note],
    held_: list[HeldNote],
    written: dict[str, Written],
    *,
    removed: list[Removed] | None = None,
    decks: dict[str, int] | None = None,
    delete: bool = False,
) -> Plan:
    holding = Holding({h.guid: h for h in held_}, decks or {"Deck": DECK_ID}, written, NOTETYPE_ID)
    origins = {n.id: Origin("notes/a.md:3", BUILT) for n in notes_}
    return plan_sync(notes_, removed or [], holding, origins, delete=delete)


def test_plan__a_deckgen_guid_on_another_notetype_is_never_touched() -> None:
    note = _note()
    changed = replace(note, answer="<p>Changed in the Markdown.</p>", tags=("other::tag",))
    foreign = _held(note, notetype_id=OTHER_NOTETYPE, cards=(HeldCard(11, USER_DECK, True),))
    plan = _plan([changed], [foreign], {}, decks={"Deck": DECK_ID})
    assert plan.foreign == (changed,)
    assert not (plan.add or plan.update or plan.conflicts or plan.move or plan.unsuspend)
    assert not plan.changes and note.id not in plan.written
    # Nor when its question leaves the Markdown, even with --delete.
    gone = [Removed(note.id, note.question)]
    for delete in (False, True):
        plan = _plan([], [foreign], {}, removed=gone, delete=delete)
        assert not (plan.retire or plan.delete or plan.changes), delete


def test_plan__a_card_the_user_moved_stays_one_deckgen_placed_moves() -> None:
    placed, moved = _note("dg-000000000001"), _note("dg-000000000002", question="Other?")
    held_ = [
        _held(placed, cards=(HeldCard(11, DECK_ID, False),)),
        replace(_held(moved, cards=(HeldCard(12, USER_DECK, False),)), id=2),
    ]
    written = {n.id: _written(n) for n in (placed, moved)}
    # Subdecks turned on: both notes now belong in a part's deck.
    into = [replace(n, deck="Deck::Part 1: LSTM") for n in (placed, moved)]
    plan = _plan(into, held_, written, decks={"Deck": DECK_ID})
    assert [(m.note.id, m.cards, m.deck) for m in plan.move] == [
        (placed.id, (11,), "Deck::Part 1: LSTM")
    ]
    assert [s.note.id for s in plan.stay] == [moved.id]
    assert plan.written[moved.id].deck == DECK_ID  # still deckgen's deck to move out of later
    # In the deck it belongs to already: neither moved nor reported.
    plan = _plan([placed], held_[:1], written)
    assert not plan.move and not plan.stay and plan.unchanged == 1


def test_plan__tags_that_differ_only_in_case_change_nothing() -> None:
    note = _note()
    shouted = _held(note, tags=("Interview::Notes::01-LSTM", "Marked"))
    for written in ({note.id: _written(note)}, {}):  # synced before, or imported
        plan = _plan([note], [shouted], written)
        assert not plan.update and not plan.conflicts and plan.unchanged == 1, written
    # A real tag change still rewrites deckgen's tag and keeps the user's in its case.
    retagged = replace(note, tags=("interview::notes::02-gru",))
    (update,) = _plan([retagged], [shouted], {note.id: _written(note)}).update
    assert update.tags == ("Marked", "interview::notes::02-gru") and not update.fields_changed


def test_plan__a_returning_note_unsuspends_only_the_cards_deckgen_suspended() -> None:
    note = _note()
    gone = [Removed(note.id, note.question)]
    cards = (HeldCard(11, DECK_ID, False), HeldCard(12, DECK_ID, True))  # 12: the user's
    present = _held(note, cards=cards, tags=(*TAGS, "mine"))
    retired = _plan([], [present], {note.id: _written(note)}, removed=gone)
    (retire,) = retired.retire
    assert retire.cards == (11,) and REMOVED_TAG in retire.tags and "mine" in retire.tags
    assert retired.written[note.id].suspended == (11,)
    # As the removal left the note: both cards suspended, tagged.
    away = _held(
        note,
        cards=(HeldCard(11, DECK_ID, True), HeldCard(12, DECK_ID, True)),
        tags=retire.tags,
    )
    back = _plan([note], [away], dict(retired.written))
    assert back.unsuspend == (11,) and back.restored == (note,)
    (update,) = back.update
    assert REMOVED_TAG not in update.tags and "mine" in update.tags
    assert not update.fields_changed
    # A note never removed keeps the card its user suspended.
    plan = _plan([note], [present], {note.id: _written(note)})
    assert not plan.unsuspend and not plan.changes


def test_plan__a_conflict_ends_once_the_markdown_says_what_anki_has() -> None:
    """The user edited the answer; deckgen meanwhile renamed the note's part. Once the Markdown
    has the user's answer, the note is no longer a conflict: the new part name is written."""
    note = _note()
    edited = "<p>A recurrent network with gates, as the user put it.</p>"
    held_ = _held(replace(note, answer=edited))
    renamed = replace(note, part="Part 1: LSTM networks")
    plan = _plan([renamed], [held_], {note.id: _written(note)})
    (conflict,) = plan.conflicts
    assert not conflict.overwritten and not plan.update
    assert plan.written[note.id].fields == _written(note).fields  # what deckgen last wrote
    agreed = replace(renamed, answer=edited)
    plan = _plan([agreed], [held_], {note.id: _written(note)})
    assert not plan.conflicts
    (update,) = plan.update
    assert update.fields == fields_of(agreed)
    assert plan.written[note.id].fields == _written(agreed).fields
    # A field the user edited that the Markdown does not say yet keeps it a conflict.
    both = replace(agreed, question="What is an LSTM network?")
    held_both = _held(replace(note, answer=edited, question="What's an LSTM?"))
    assert len(_plan([both], [held_both], {note.id: _written(note)}).conflicts) == 1


def test_plan__a_record_of_an_earlier_deckgen_still_finds_edits() -> None:
    """Records written before digests were kept field by field hold one digest of them all."""
    import hashlib

    note = _note()
    whole = hashlib.sha256("\x1f".join(fields_of(note)).encode()).hexdigest()[:16]
    old = {note.id: replace(_written(note), fields=whole)}
    changed = replace(note, answer="<p>Changed in the Markdown.</p>")
    (update,) = _plan([changed], [_held(note)], old).update
    assert update.fields == fields_of(changed)
    edited = _held(replace(note, answer="<p>Edited in Anki.</p>"))
    assert len(_plan([changed], [edited], old).conflicts) == 1


def test_plan__the_previous_builds_package_imported_is_no_edit() -> None:
    """Synced, then the package of a later build imported (Anki's importer takes its fields
    and tags, and sorts the tags): the note is that build's, whose digest the state keeps, so
    the next sync writes the Markdown's text over it; one edit more and it is the user's."""
    note = _note()
    built = replace(
        note, answer="<p>Version A.</p>", tags=("interview::topic::lstm", "interview::a::01-x")
    )
    want = replace(note, answer="<p>Version B.</p>")
    origins = {note.id: Origin("notes/a.md:3", BUILT, note_digest(built))}
    imported = _held(built, tags=tuple(sorted(built.tags)))
    edited = replace(imported, fields=fields_of(replace(built, answer="<p>Mine.</p>")))
    retagged = replace(imported, tags=(*imported.tags, "mine"))
    for held_, conflict in ((imported, False), (edited, True), (retagged, True)):
        written = {note.id: _written(note)}
        holding = Holding({note.id: held_}, {"Deck": DECK_ID}, written, NOTETYPE_ID)
        plan = plan_sync([want], [], holding, origins)
        assert bool(plan.conflicts) is conflict, held_
        # Anki's text stays in a conflict (deckgen's tags are still replaced).
        assert [u.fields for u in plan.update] == [held_.fields if conflict else fields_of(want)]
