"""Issue 12's promise, end to end: a project's history of edits, each step checked with
`deckgen status`, built, and re-imported into a real Anki collection where every card was studied.

v0 is the seed as a project of one file; then it is split into twelve files in two folders, files
are renamed, renumbered and moved to the other folder, questions reworded, moved between files,
one file changes heading shape, and questions are added and deleted. After each step every studied
card whose question still exists keeps its note, card and review log, nothing is duplicated, the
edits show in Anki, and building again gives the same bytes.
"""

from __future__ import annotations

import html
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from anki.collection import Collection

from tests.anki_support import SeenNote, database, import_apkg, notes, open_collection
from tests.conftest import SEED
from tests.project_support import (
    QA,
    NoteFile,
    Part,
    deckgen,
    file_tag,
    parse_seed,
    part_tag,
    write_toml,
)
from tests.test_roundtrip import DECK, Schedule, schedules, study_everything

pytestmark = pytest.mark.anki

PREFIX = "interview"
PACKAGE = Path("build/interview-questions-answers.apkg")
STATE = Path("deckgen-state.jsonl")
TOML_V0 = f'deck = "{DECK}"\ntag-prefix = "{PREFIX}"\ninclude = ["ml-interview-qa.md"]\n'
TOML = (
    f'deck = "{DECK}"\ntag-prefix = "{PREFIX}"\n'
    'include = ["notes/**/*.md"]\nexclude = ["**/README.md"]\n'
)
README = "# Notes\n\n## About\n\n### How are these notes organised?\n\nBy folder, then by topic.\n"
"""In every folder of notes and excluded: its question must never become a card."""

SPLIT = {
    "notes/ml/01-lstm.md": ("LSTM", [1]),
    "notes/ml/02-attention.md": ("Attention", [2]),
    "notes/ml/03-transformers.md": ("Transformers", [3]),
    "notes/ml/04-llm.md": ("Large language models", [4]),
    "notes/ml/05-fine-tuning.md": ("Fine-tuning and alignment", [5, 6]),
    "notes/ml/06-graph-networks.md": ("Graph networks", [7]),
    "notes/ml/07-generative.md": ("Diffusion and Gaussian processes", [8, 9]),
    "notes/ml/08-vla.md": ("Vision-language-action models", [10]),
    "notes/cs/01-game-theory.md": ("Game theory", [11, 12]),
    "notes/cs/02-game-search.md": ("Game search", [13, 14]),
    "notes/cs/03-populations.md": ("Populations", [15, 16]),
    "notes/cs/04-regret.md": ("Regret", [17, 18]),
}
RENAMED = {
    "notes/ml/02-attention.md": "notes/ml/03-attention.md",
    "notes/ml/03-transformers.md": "notes/ml/02-transformers.md",
    "notes/ml/08-vla.md": "notes/cs/05-robot-learning.md",
}
REWORDED = {
    "Why do we scale by √d_k?": "Why do we scale the dot products by √d_k?",
    "What is catastrophic forgetting and how to prevent it?": (
        "What is catastrophic forgetting, and how can we prevent it?"
    ),
    "Explain the Chinchilla scaling laws": "What do the Chinchilla scaling laws say?",
    "Explain regret matching strategy update": "Explain the regret matching update of the strategy",
}
REWORDED_AND_EDITED = (
    "What's the KL penalty term and why is it critical?",
    "Why is the KL penalty term critical?",
    "Revised: without it the policy drifts into reward hacking.",
)
"""Reworded and its answer edited too: only question similarity can keep this card."""
MOVED = {
    "When would you still use LSTM over transformer?": (
        "notes/ml/02-transformers.md",
        "Part 3: Transformer Architecture",
    ),
    "What's Grouped-Query Attention (GQA) and why use it?": (
        "notes/ml/03-attention.md",
        "Part 2: Attention Mechanism",
    ),
    "What's the Bradley-Terry model for reward modeling?": (
        "notes/cs/01-game-theory.md",
        "Part 11: Game Theory Foundations",
    ),
}
REORDERED = ("notes/cs/02-game-search.md", "Part 13: Classical Game Algorithms")
"""A part whose questions are put in reverse order: no card changes."""
RESHAPED = ("notes/ml/05-fine-tuning.md", {"Training": [0], "Alignment": [1]})
"""The file that changes shape: `## <group>` / `### <part>` / `#### <question>`."""
ADDED = {
    "What is speculative decoding?": ("notes/ml/04-llm.md", "Part 4: Large Language Models"),
    "What is the lottery ticket hypothesis?": (
        "notes/ml/05-fine-tuning.md",
        "Part 5: Fine-tuning & PEFT",
    ),
    "What is a Stackelberg equilibrium?": (
        "notes/cs/01-game-theory.md",
        "Part 11: Game Theory Foundations",
    ),
}
DELETED = (
    "What do the Chinchilla scaling laws say?",  # reworded before
    "What rank should you use for LoRA?",  # in the reshaped file
    "When would you still use LSTM over transformer?",  # moved before
    "What's transfer learning in NeuPL?",
)

_CHANGE = re.compile(
    r"^(?P<where>\S.*?): (?P<kinds>(?:new|reworded|moved|changed|removed)"
    r"(?:\+(?:reworded|moved|changed))*): (?P<rest>.*)$"
)


class Sources:
    """The project's Markdown as data: what is written, and what every card should be."""

    def __init__(self, files: list[NoteFile]) -> None:
        self.files = files

    def cards(self) -> Iterator[tuple[NoteFile, Part, QA]]:
        for file in self.files:
            for part, qa in file.cards():
                yield file, part, qa

    def questions(self) -> list[str]:
        return [qa.question for _, _, qa in self.cards()]

    def find(self, question: str) -> tuple[NoteFile, Part, QA]:
        (found,) = [card for card in self.cards() if card[2].question == question]
        return found

    def file(self, path: str) -> NoteFile:
        (found,) = [file for file in self.files if file.path == path]
        return found

    def part(self, path: str, heading: str) -> Part:
        (found,) = [part for part in self.file(path).parts if part.heading == heading]
        return found

    def write(self, root: Path) -> None:
        """Write every file under notes/ (and a README in each folder); delete the others."""
        shutil.rmtree(root / "notes", ignore_errors=True)
        for file in self.files:
            path = root / file.path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(file.render(), encoding="utf-8")
            (path.parent / "README.md").write_text(README, encoding="utf-8")
        (root / "notes" / "README.md").write_text(README, encoding="utf-8")

    def where(self, question: str) -> str:
        """`path:line` of a question, as `status` names it."""
        file, _, _ = self.find(question)
        return f"{file.path}:{file.lines[question]}"


@dataclass
class Step:
    """What one step of the history left, to be checked by the tests below."""

    name: str
    status: str
    expected: dict[str, str]
    """Question → the kinds `status` should give it (`changed`, `moved`, `new`, `removed`, …)."""
    where: dict[str, str]
    """Question → `path:line` of each expected change that is not a removal."""
    questions: list[str]
    removed: list[str]
    """Every question deleted so far: Anki keeps its note."""
    seen: dict[str, SeenNote]
    schedules: dict[str, Schedule]
    card_ids: dict[str, int]
    tags: dict[str, list[str]]
    """Question → the tags its note should have."""
    parts: dict[str, str]
    origins: dict[str, str]
    """Question → the seed question it continues (studied cards only)."""
    rebuilt_same: bool
    status_after: str
    build_output: str
    listed: str = ""
    """`deckgen list` before the build."""
    texts: dict[str, str] = field(default_factory=dict)
    """Each file's text as written."""


@dataclass
class History:
    steps: list[Step]
    studied: dict[str, Schedule]
    """By note GUID: every seed card's schedule and review log right after studying v0."""
    guids: dict[str, str]
    """Seed question → its note's GUID after v0."""
    card_ids: dict[str, int]
    """Note GUID → its card's ID after v0."""


def card_ids(col: Collection) -> dict[str, int]:
    return {
        str(guid): int(cid)
        for guid, cid in database(col).all(
            "select n.guid, c.id from cards c join notes n on n.id = c.nid"
        )
    }


def split(seed: list[Part]) -> Sources:
    by_number = {int(p.heading.split()[1].rstrip(":")): p for p in seed}
    return Sources(
        [
            NoteFile(path, title, [by_number[n] for n in numbers])
            for path, (title, numbers) in SPLIT.items()
        ]
    )


def rename(sources: Sources) -> dict[str, str]:
    changed: dict[str, str] = {}
    for file in sources.files:
        if file.path in RENAMED:
            file.path = RENAMED[file.path]
            changed.update((qa.question, "changed") for _, qa in file.cards())
    sources.files.sort(key=lambda f: f.path)
    return changed


def reword(sources: Sources) -> dict[str, str]:
    for old, new in REWORDED.items():
        _, _, qa = sources.find(old)
        qa.question = new
    old, new, revised = REWORDED_AND_EDITED
    _, _, qa = sources.find(old)
    qa.question = new
    qa.body += f"\n\n{revised}"
    return {**dict.fromkeys(REWORDED.values(), "reworded"), new: "reworded+changed"}


def move(sources: Sources) -> dict[str, str]:
    for question, (path, heading) in MOVED.items():
        _, part, qa = sources.find(question)
        part.questions.remove(qa)
        sources.part(path, heading).questions.append(qa)
    sources.part(*REORDERED).questions.reverse()
    return dict.fromkeys(MOVED, "moved")


def reshape(sources: Sources) -> dict[str, str]:
    path, groups = RESHAPED
    file = sources.file(path)
    file.groups = {file.parts[i].heading: group for group, ids in groups.items() for i in ids}
    return {}


def add_and_delete(sources: Sources) -> dict[str, str]:
    for question, (path, heading) in ADDED.items():
        body = f"An answer about {question.removeprefix('What is ').rstrip('?')}."
        sources.part(path, heading).questions.insert(1, QA(question, body))
    for question in DELETED:
        _, part, qa = sources.find(question)
        part.questions.remove(qa)
    return {**dict.fromkeys(ADDED, "new"), **dict.fromkeys(DELETED, "removed")}


def _origins(sources: Sources) -> dict[str, str]:
    return {qa.question: qa.origin for _, _, qa in sources.cards() if qa.origin}


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[History]:
    root = tmp_path_factory.mktemp("project-history")
    col = open_collection(root / "anki")
    project = root / "project"
    project.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(project)
        seed = parse_seed(SEED.read_text(encoding="utf-8"))
        shutil.copyfile(SEED, project / SEED.name)
        write_toml(project, TOML_V0)
        built = deckgen("build")
        assert built.exit_code == 0, built.output
        import_apkg(col, PACKAGE)
        study_everything(col)
        studied = schedules(col)
        guids = {html.unescape(n.fields["Question"]): n.guid for n in notes(col).values()}
        history = History([], studied, guids, card_ids(col))

        sources = split(seed)
        edits: list[tuple[str, Callable[[Sources], dict[str, str]]]] = [
            ("split", lambda s: dict.fromkeys(s.questions(), "changed")),
            ("rename", rename),
            ("reword", reword),
            ("move", move),
            ("reshape", reshape),
            ("add-and-delete", add_and_delete),
        ]
        removed: list[str] = []
        for name, edit in edits:
            expected = edit(sources)
            if name == "split":
                (project / SEED.name).unlink()
                write_toml(project, TOML)
            sources.write(project)
            removed += [q for q, kinds in expected.items() if kinds == "removed"]
            history.steps.append(_step(name, sources, expected, removed, col))
    yield history
    col.close()


def _step(
    name: str, sources: Sources, expected: dict[str, str], removed: list[str], col: Collection
) -> Step:
    status = deckgen("status")
    assert status.exit_code == 0, status.output
    listed = deckgen("list")
    assert listed.exit_code == 0, listed.output
    built = deckgen("build")
    assert built.exit_code == 0, built.output
    package, state = PACKAGE.read_bytes(), STATE.read_bytes()
    import_apkg(col, PACKAGE)
    again = deckgen("build")
    assert again.exit_code == 0, again.output
    rebuilt_same = PACKAGE.read_bytes() == package and STATE.read_bytes() == state
    after = deckgen("status")
    return Step(
        name=name,
        status=status.output,
        expected=expected,
        where={q: sources.where(q) for q, kinds in expected.items() if kinds != "removed"},
        questions=sources.questions(),
        removed=list(removed),
        seen=notes(col),
        schedules=schedules(col),
        card_ids=card_ids(col),
        tags={
            qa.question: [f"{file_tag(PREFIX, file.path)}::{part_tag(part.heading)}"]
            for file, part, qa in sources.cards()
        },
        parts={qa.question: part.heading for _, part, qa in sources.cards()},
        origins=_origins(sources),
        rebuilt_same=rebuilt_same,
        status_after=after.output,
        build_output=built.output,
        listed=listed.output,
        texts={file.path: Path(file.path).read_text(encoding="utf-8") for file in sources.files},
    )


STEPS = ["split", "rename", "reword", "move", "reshape", "add-and-delete"]


def _step_named(history: History, name: str) -> Step:
    (step,) = [s for s in history.steps if s.name == name]
    return step


def _by_question(step: Step) -> dict[str, SeenNote]:
    found: dict[str, list[SeenNote]] = {}
    for note in step.seen.values():
        found.setdefault(html.unescape(note.fields["Question"]), []).append(note)
    duplicated = {q: len(n) for q, n in found.items() if len(n) > 1}
    assert not duplicated, f"duplicate notes: {duplicated}"
    return {q: n[0] for q, n in found.items()}


@pytest.mark.parametrize("name", STEPS)
def test_history__status_lists_exactly_the_changes(history: History, name: str) -> None:
    step = _step_named(history, name)
    seen: dict[str, str] = {}
    where: dict[str, str] = {}
    candidates = sorted(set(step.expected) | set(step.questions), key=len, reverse=True)
    lines = step.status.splitlines()
    for line in lines:
        match = _CHANGE.match(line)
        if match is None:
            continue
        rest = match["rest"]
        question = next(
            (q for q in candidates if rest == q or rest.startswith((f"{q} (", f"{q} ["))), rest
        )
        assert question not in seen, f"{question!r} listed twice:\n{step.status}"
        seen[question] = match["kinds"]
        where[question] = match["where"]
    assert seen == step.expected, step.status
    for question, place in step.where.items():
        assert where[question] == place, (question, step.status)
    counts = Counter(step.expected.values())
    order = ["new", "reworded", "reworded+changed", "moved", "changed", "removed"]
    first = Counter(kinds.split("+")[0] for kinds in step.expected.values())
    summary = ", ".join(f"{first[k]} {k}" for k in order if "+" not in k and first[k])
    assert lines[0] == f"deckgen.toml: {summary or 'no changes'}", (counts, step.status)
    assert not [line for line in lines if "warning" in line or "error" in line], step.status


@pytest.mark.parametrize("name", STEPS)
def test_history__studied_cards_keep_note_card_and_review_log(history: History, name: str) -> None:
    step = _step_named(history, name)
    assert len(step.origins) > 140
    for question, origin in step.origins.items():
        guid = history.guids[origin]
        note = _by_question(step)[question]
        assert note.guid == guid, (question, origin)
        assert step.card_ids[guid] == history.card_ids[guid], question
        assert step.schedules[guid] == history.studied[guid], question
        assert len(step.schedules[guid].revlog) >= 1


@pytest.mark.parametrize("name", STEPS)
def test_history__no_duplicate_notes(history: History, name: str) -> None:
    step = _step_named(history, name)
    shown = Counter(html.unescape(n.fields["Question"]) for n in step.seen.values())
    assert shown == Counter(step.questions + step.removed)
    assert len(step.seen) == len(step.questions) + len(step.removed)


@pytest.mark.parametrize("name", STEPS)
def test_history__anki_shows_every_edit(history: History, name: str) -> None:
    step = _step_named(history, name)
    by_question = _by_question(step)
    wrong_tags = {
        q: (by_question[q].tags, tags)
        for q, tags in step.tags.items()
        if by_question[q].tags != tags
    }
    assert not wrong_tags
    wrong_parts = {
        q: by_question[q].fields["Part"]
        for q, part in step.parts.items()
        if html.unescape(by_question[q].fields["Part"]) != part
    }
    assert not wrong_parts
    assert all(n.decks == [DECK] for n in step.seen.values())


@pytest.mark.parametrize("name", STEPS)
def test_history__building_again_changes_no_byte(history: History, name: str) -> None:
    step = _step_named(history, name)
    assert step.rebuilt_same, step.build_output
    # Removed notes are listed until `deckgen prune` forgets them; nothing else is left to do.
    listed = [m for m in map(_CHANGE.match, step.status_after.splitlines()) if m is not None]
    assert sorted((m["kinds"], m["rest"].split(" [")[0]) for m in listed) == sorted(
        ("removed", q) for q in step.removed
    ), step.status_after


def test_history__rewordings_and_edited_answers_show(history: History) -> None:
    step = _step_named(history, "reword")
    by_question = _by_question(step)
    for old, new in REWORDED.items():
        assert by_question[new].guid == history.guids[old]
        assert old not in by_question
    old, new, revised = REWORDED_AND_EDITED
    assert by_question[new].guid == history.guids[old]
    assert revised in by_question[new].fields["Answer"]


def test_history__moved_cards_tags_follow_their_new_file(history: History) -> None:
    by_question = _by_question(_step_named(history, "move"))
    assert by_question["When would you still use LSTM over transformer?"].tags == [
        "interview::ml::02-transformers::03-transformer-architecture"
    ]
    assert by_question["What's the Bradley-Terry model for reward modeling?"].tags == [
        "interview::cs::01-game-theory::11-game-theory-foundations"
    ]


def test_history__deleted_notes_stay_in_anki_and_added_ones_are_new(history: History) -> None:
    step = _step_named(history, "add-and-delete")
    by_question = _by_question(step)
    for question in DELETED:
        assert by_question[question].guid in history.studied
    for question in ADDED:
        assert by_question[question].guid not in history.studied
        assert question in by_question[question].fields["Question"]
    assert len(step.seen) == 162 + len(ADDED)


def test_seed_built_the_old_way_keeps_every_id_as_a_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, collection: Collection
) -> None:
    """`deckgen build source/ml-interview-qa.md` (a one-file state), studied, then a deckgen.toml
    with `include`: the project adopts the file's state, and Anki keeps every note and review."""
    monkeypatch.chdir(tmp_path)
    source = Path("source/ml-interview-qa.md")
    source.parent.mkdir()
    shutil.copyfile(SEED, source)
    old = deckgen("build", str(source))
    assert old.exit_code == 0, old.output
    assert Path("source/ml-interview-qa.deckgen.json").is_file()
    import_apkg(collection, Path("build/ml-interview-qa.apkg"))
    study_everything(collection)
    studied = schedules(collection)
    before = {html.unescape(n.fields["Question"]): n.guid for n in notes(collection).values()}
    cards_before = card_ids(collection)
    assert len(before) == 162

    write_toml(tmp_path, f'deck = "{DECK}"\ninclude = ["source/ml-interview-qa.md"]\n')
    status = deckgen("status")
    assert status.exit_code == 0, status.output
    kinds = Counter(m["kinds"] for m in map(_CHANGE.match, status.output.splitlines()) if m)
    # Only the tags and Source field change (the project's tag prefix and the file's path).
    assert kinds == {"changed": 162}, status.output
    built = deckgen("build")
    assert built.exit_code == 0, built.output
    state = Path("deckgen-state.jsonl").read_text(encoding="utf-8").splitlines()
    assert {line.split('"id": "')[1].split('"')[0] for line in state[1:]} == set(before.values())
    import_apkg(collection, PACKAGE)

    after = {html.unescape(n.fields["Question"]): n for n in notes(collection).values()}
    assert collection.note_count() == 162
    assert {q: n.guid for q, n in after.items()} == before
    assert card_ids(collection) == cards_before
    assert schedules(collection) == studied
    lstm = after["What problem does LSTM solve compared to vanilla RNN?"]
    assert lstm.tags == ["interview-questions-answers::ml-interview-qa::01-lstm"]


def test_history__the_reshaped_file_is_read_with_its_new_shape(history: History) -> None:
    """`## Training` / `### Part 5: …` / `#### question`: the parts are the `###` topics."""
    path = RESHAPED[0]
    before, after = _step_named(history, "move"), _step_named(history, "reshape")
    assert f"{path}: 19 cards (parts at ##, questions at ###): " in before.listed
    assert f"{path}: 19 cards (parts at ###, questions at ####): " in after.listed
    text = after.texts[path]
    assert "\n## Training\n\n### Part 5: Fine-tuning & PEFT\n\n#### " in text
    assert "\n## Alignment\n\n### Part 6: Alignment & RLHF\n\n#### " in text
    assert len(re.findall(r"^#### ", text, flags=re.MULTILINE)) == 19
