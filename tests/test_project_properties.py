"""Properties of a project's one identity space (issue 12), through the real build.

A model of a project keeps "logical cards": each has a key of the test's own, a question, an
answer and a place (file, part). Random edit sequences (moves, renames, splits, merges, shape
changes, rewordings, answer edits, additions, deletions, reorders) change the model; after each
step the model is written out, `build_project` runs, and the state file and the package must say:

- every card keeps the ID it got when it was first built, through every edit the spec promises to
  follow; a new card's ID is `question_id(<project namespace>, <question>)`;
- no two live cards share an ID, and the package holds exactly the live cards, under those IDs;
- every deleted card's ID is in the state's removed list (and nothing else is);
- a deleted card added back with its exact question and answer takes its old ID again: the state
  keeps removed cards until `deckgen prune`, and identity searches them by question text first
  (`deckgen.identity.history.identify`), so this test requires it rather than merely allowing it;
- building again with nothing changed, with or without the build cache and at a later clock,
  writes a byte-identical package and state file;
- a fresh project's IDs depend on its questions only: the same cards in other files, folders,
  shapes and order give the same IDs.

The questions are written so that the spec's promise applies: each is a template around three
topic words that no other question uses (from a vocabulary of made-up words no two of which look
like typos of each other), so a "slight" reword (one topic or template word, the case, the end
punctuation, a numbering prefix) keeps most of the weighted words, and no two questions are ever
close enough for the matcher's "ambiguous → new ID" rule. A card gets at most one question edit
per build, and never a complete rewording together with an answer edit (then nothing of it is
left to follow). A question may also be asked again in another place with an answer of its own
(the spec: both stay cards with distinct, stable IDs); its answer is then never edited, and in
the step that asks it again, the cards already asking it are neither reworded nor deleted, since
the spec trusts the same question text before the same answer and the new copy would continue
them (`test_a_question_reworded_while_its_old_text_is_asked_anew`).
"""

from __future__ import annotations

import random
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from functools import cache
from pathlib import Path
from typing import Literal

from hypothesis import given, note, settings
from hypothesis import strategies as st

from deckgen.api import build_project
from deckgen.config.members import project_of
from deckgen.config.project import load_config
from deckgen.identity.ids import question_id
from deckgen.identity.ledger import load_ledger
from deckgen.identity.state import CardRecord
from deckgen.options import BuildReport
from tests.project_support import package_notes, write

DECK = "Interview"
NAMESPACE = "interview"
"""The deck's slug: what a project without `namespace` hashes its new IDs under."""
TOML = f'deck = "{DECK}"\ninclude = ["notes/**/*.md"]\n'
STATE = "deckgen-state.jsonl"
PACKAGE = "build/interview.apkg"
CACHE = "build/.cache"
START = 1_700_000_000
"""The first build's clock; every later build's clock is later."""


# Questions and answers


@cache
def vocabulary() -> tuple[str, ...]:
    """Made-up topic words, no two of which deckgen's typo rule (character similarity 0.8)
    could take for one another, and none like an English template word."""
    rng = random.Random(12)
    consonants, vowels = "bdfgklmnprstvz", "aeiou"
    words: list[str] = []
    while len(words) < 400:
        word = "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(3))
        word += rng.choice(consonants)
        if all(_far(word, other) for other in words):
            words.append(word)
    return tuple(words)


def _far(a: str, b: str) -> bool:
    matcher = SequenceMatcher(None, a, b)
    return matcher.quick_ratio() < 0.7 or matcher.ratio() < 0.7


LEADS = ("What", "How", "Why", "When", "Where")
TEMPLATES = (
    "{lead} does {0} {1} {2} mean",
    "{lead} is {0} used with {1} and {2}",
    "{lead} would {0} replace {1} in {2}",
)
NUMBERINGS = ("{}) ", "{}. ", "Q{}: ")
ENDS = ("?", "", "?!", ".")
Case = Literal["as written", "lower", "upper"]
CASES: tuple[Case, ...] = ("as written", "lower", "upper")
Shape = Literal["parts", "topics", "flat2", "flat3"]
SHAPES: tuple[Shape, ...] = ("parts", "topics", "flat2", "flat3")
"""`# T` / `## Part N: P` / `### Q`; `# T` / `## Part N: P` / `### topic` / `#### Q`;
`# T` / `## Q` and `# T` / `### Q` (no parts)."""
FOLDERS = ("ml", "cs", "ml/deep", "math/linear")


@dataclass(frozen=True)
class Question:
    template: int
    lead: str
    words: tuple[str, str, str]
    number: int | None = None
    numbering: int = 0
    case: Case = "as written"
    end: str = "?"

    def text(self) -> str:
        body = TEMPLATES[self.template].format(*self.words, lead=self.lead)
        if self.case == "lower":
            body = body.lower()
        elif self.case == "upper":
            body = body.upper()
        prefix = "" if self.number is None else NUMBERINGS[self.numbering].format(self.number)
        return prefix + body + self.end


@dataclass(frozen=True)
class Card:
    """A logical card: `key` is the test's own identity for it, whatever its text says."""

    key: int
    question: Question
    answer: str
    family: int
    """The key of the card this one copies the question of (its own key if none)."""


@dataclass
class Part:
    title: str
    cards: list[Card]


@dataclass
class NoteFile:
    path: str
    title: str
    shape: Shape
    parts: list[Part]

    def render(self) -> str:
        out = [f"# {self.title}", ""]
        for number, part in enumerate(self.parts, start=1):
            if self.shape in ("parts", "topics"):
                out += [f"## Part {number}: {part.title}", ""]
            for index, card in enumerate(part.cards):
                if self.shape == "topics" and index % 2 == 0:
                    out += [f"### {part.title} topic {index // 2 + 1}", ""]
                level = {"parts": "###", "topics": "####", "flat2": "##", "flat3": "###"}
                out += [f"{level[self.shape]} {card.question.text()}", "", card.answer, ""]
        return "\n".join(out)

    def cards(self) -> list[Card]:
        return [card for part in self.parts for card in part.cards]


QuestionEdit = Literal["slight", "complete", "new"]


@dataclass
class Model:
    """A project as data, and what the edits since the last build did to each card."""

    files: list[NoteFile] = field(default_factory=list)
    deleted: dict[int, Card] = field(default_factory=dict)
    """Each deleted card as it was when deleted, by key (until added back)."""
    next_word: int = 0
    next_key: int = 0
    question_edits: dict[int, QuestionEdit] = field(default_factory=dict)
    answer_edits: set[int] = field(default_factory=set)
    copied: set[int] = field(default_factory=set)
    """The families of cards whose question was ever asked twice."""
    built: dict[int, Question] = field(default_factory=dict)
    """Each card's question as the last build saw it."""
    removed_templates: set[int] = field(default_factory=set)
    """The templates of the questions of every card deleted after it was built."""

    def new_templates(self) -> list[int]:
        """The templates a new question may use: not those of a removed card's question.

        A new question like one deleted in the same build is, by design, that card reworded
        (nothing tells the two apart), so the model keeps new questions off removed cards'
        phrasings. Cards removed in an earlier build are never matched by resemblance
        (`test_a_new_question_never_takes_the_id_of_one_removed_in_an_earlier_build`)."""
        return [t for t in range(len(TEMPLATES)) if t not in self.removed_templates]

    def word(self) -> str:
        """A topic word no question, answer, title or file name has used yet."""
        words = vocabulary()
        assert self.next_word < len(words), "the vocabulary is too small for this example"
        self.next_word += 1
        return words[self.next_word - 1]

    def new_card(self, template: int, lead: str, number: int | None) -> Card:
        key = self.next_key
        self.next_key += 1
        words = (self.word(), self.word(), self.word())
        self.question_edits[key] = "new"
        return Card(key, Question(template, lead, words, number), answer(key, 0, self.word()), key)

    def copy_card(self, card: Card) -> Card:
        """A new card asking `card`'s question, with an answer of its own."""
        key = self.next_key
        self.next_key += 1
        self.question_edits[key] = "new"
        self.copied.add(card.family)
        return Card(key, card.question, answer(key, 0, self.word()), card.family)

    def may_copy(self, card: Card) -> bool:
        """Whether a copy of `card`'s question is sure to be a new card. Not while a card that
        asked it is deleted, nor when one that asks it is reworded in the same step: the spec
        trusts the same question text before the same answer, so the copy continues that card
        (see `test_a_question_reworded_while_its_old_text_is_asked_anew`)."""
        family = [c for c in [*self.cards(), *self.deleted.values()] if c.family == card.family]
        return card.question.template in self.new_templates() and all(
            c.key not in self.deleted and self.question_edits.get(c.key) in (None, "new")
            for c in family
        )

    def may_reword(self, card: Card) -> bool:
        """Whether `card`'s question may change in this step: once a step, and not when its
        question was just asked again by a new card (see `may_copy`)."""
        return card.key not in self.question_edits and self.may_delete(card)

    def may_delete(self, card: Card) -> bool:
        """Whether `card` may go in this step: not when its question was just asked again by a
        new card, which would then continue it (see `may_copy`)."""
        return all(
            self.question_edits.get(c.key) != "new"
            for c in self.cards()
            if c.family == card.family and c.key != card.key
        )

    def may_edit_answer(self, card: Card) -> bool:
        """Whether `card`'s answer may change in this step. Never for a question asked more than
        once (then its answer is what tells the copies apart), and never together with a
        complete rewording."""
        return (
            card.key not in self.answer_edits
            and self.question_edits.get(card.key) not in ("complete", "new")
            and card.family not in self.copied
        )

    def new_path(self, folder: str) -> str:
        return f"notes/{folder}/{self.next_word % 100:02d}-{self.word()}.md"

    def cards(self) -> list[Card]:
        return [card for file in self.files for card in file.cards()]

    def places(self) -> list[tuple[NoteFile, Part, int]]:
        return [
            (file, part, index)
            for file in self.files
            for part in file.parts
            for index in range(len(part.cards))
        ]

    def tidy(self) -> None:
        """Drop empty parts, then empty files: a file of no card is deleted."""
        for file in self.files:
            file.parts = [part for part in file.parts if part.cards]
        self.files = [file for file in self.files if file.parts]

    def next_step(self) -> None:
        """A build happened: edits from here on belong to the next step."""
        self.question_edits.clear()
        self.answer_edits.clear()
        self.built = {card.key: card.question for card in self.cards()}

    def describe(self) -> str:
        return "\n".join(f"--- {file.path}\n{file.render()}" for file in self.files)


def answer(key: int, revision: int, word: str) -> str:
    """An answer that names its card's key (the checks find each note's card by it)."""
    return f"Card {key} answer {revision}: {word}."


_KEY = re.compile(r"Card (\d+) answer \d+:")


# Edits: each a strategy that edits the model as it is when drawn, and describes the edit


def _place(draw: st.DrawFn, model: Model) -> tuple[NoteFile, Part, int]:
    """Somewhere to put a card: a position in an existing part, a new part or a new file."""
    file_index = draw(st.integers(0, len(model.files)))
    if file_index == len(model.files):
        file = NoteFile(
            model.new_path(draw(st.sampled_from(FOLDERS))),
            model.word().title(),
            draw(st.sampled_from(SHAPES)),
            [],
        )
        model.files.append(file)
    else:
        file = model.files[file_index]
    part_index = draw(st.integers(0, len(file.parts)))
    if part_index == len(file.parts):
        file.parts.append(Part(model.word().title(), []))
    part = file.parts[part_index]
    return file, part, draw(st.integers(0, len(part.cards)))


@st.composite
def move_card(draw: st.DrawFn, model: Model) -> str:
    file, part, index = draw(st.sampled_from(model.places()))
    card = part.cards.pop(index)
    to_file, to_part, position = _place(draw, model)
    to_part.cards.insert(position, card)
    return (
        f"move {card.question.text()!r} from {file.path} / {part.title} "
        f"to {to_file.path} / {to_part.title} at {position}"
    )


@st.composite
def rename_file(draw: st.DrawFn, model: Model) -> str:
    file = draw(st.sampled_from(model.files))
    old = file.path
    file.path = model.new_path(draw(st.sampled_from(FOLDERS)))
    return f"rename {old} to {file.path}"


@st.composite
def split_file(draw: st.DrawFn, model: Model) -> str:
    file = draw(st.sampled_from([f for f in model.files if len(f.cards()) >= 2]))
    cut = draw(st.integers(1, len(file.cards()) - 1))
    first: list[Part] = []
    second: list[Part] = []
    seen = 0
    for part in file.parts:
        before = part.cards[: max(0, cut - seen)]
        after = part.cards[len(before) :]
        seen += len(part.cards)
        if before:
            first.append(Part(part.title, before))
        if after:
            second.append(Part(part.title, after))
    new = NoteFile(
        model.new_path(draw(st.sampled_from(FOLDERS))),
        model.word().title(),
        draw(st.sampled_from(SHAPES)),
        second,
    )
    file.parts = first
    old = file.path
    if draw(st.booleans()):
        file.path = model.new_path(draw(st.sampled_from(FOLDERS)))
    model.files.append(new)
    return f"split {old} after {cut} card(s) into {file.path} and {new.path}"


@st.composite
def merge_files(draw: st.DrawFn, model: Model) -> str:
    first, second = draw(st.permutations(model.files))[:2]
    first.parts += second.parts
    model.files.remove(second)
    old = first.path
    if draw(st.booleans()):
        first.path = draw(st.sampled_from([second.path, model.new_path("ml")]))
    return f"merge {second.path} into {old}, now {first.path}"


def _questions_free(model: Model) -> list[tuple[Part, int]]:
    return [
        (part, index) for _, part, index in model.places() if model.may_reword(part.cards[index])
    ]


@st.composite
def reword_slightly(draw: st.DrawFn, model: Model) -> str:
    part, index = draw(st.sampled_from(_questions_free(model)))
    card = part.cards[index]
    question = card.question
    how = draw(st.sampled_from(["topic word", "lead word", "case", "end", "numbering"]))
    if how == "topic word":
        words = list(question.words)
        words[draw(st.integers(0, 2))] = model.word()
        new = replace(question, words=(words[0], words[1], words[2]))
    elif how == "lead word":
        new = replace(question, lead=draw(st.sampled_from(LEADS).filter(question.lead.__ne__)))
    elif how == "case":
        new = replace(question, case=draw(st.sampled_from(CASES).filter(question.case.__ne__)))
    elif how == "end":
        new = replace(question, end=draw(st.sampled_from(ENDS).filter(question.end.__ne__)))
    else:
        number = draw(st.none() | st.integers(1, 30).filter(lambda n: n != question.number))
        new = replace(question, number=number, numbering=draw(st.integers(0, 2)))
    part.cards[index] = replace(card, question=new)
    model.question_edits[card.key] = "slight"
    return f"reword ({how}) {question.text()!r} to {new.text()!r}"


@st.composite
def reword_completely(draw: st.DrawFn, model: Model) -> str:
    free = [(p, i) for p, i in _questions_free(model) if p.cards[i].key not in model.answer_edits]
    part, index = draw(st.sampled_from(free))
    card = part.cards[index]
    words = (model.word(), model.word(), model.word())
    new = Question(draw(st.integers(0, len(TEMPLATES) - 1)), draw(st.sampled_from(LEADS)), words)
    part.cards[index] = replace(card, question=new)
    model.question_edits[card.key] = "complete"
    return f"reword {card.question.text()!r} completely to {new.text()!r}"


@st.composite
def edit_answer(draw: st.DrawFn, model: Model) -> str:
    places = [
        (part, index)
        for _, part, index in model.places()
        if model.may_edit_answer(part.cards[index])
    ]
    part, index = draw(st.sampled_from(places))
    card = part.cards[index]
    revision = int(card.answer.split(" answer ")[1].split(":")[0]) + 1
    part.cards[index] = replace(card, answer=answer(card.key, revision, model.word()))
    model.answer_edits.add(card.key)
    return f"edit the answer of {card.question.text()!r}"


@st.composite
def add_card(draw: st.DrawFn, model: Model) -> str:
    card = model.new_card(
        draw(st.sampled_from(model.new_templates())),
        draw(st.sampled_from(LEADS)),
        draw(st.none() | st.integers(1, 30)),
    )
    file, part, position = _place(draw, model)
    part.cards.insert(position, card)
    return f"add {card.question.text()!r} to {file.path} / {part.title}"


@st.composite
def copy_question(draw: st.DrawFn, model: Model) -> str:
    """Ask a question again, with another answer: usually in another file."""
    card = draw(st.sampled_from([c for c in model.cards() if model.may_copy(c)]))
    copy = model.copy_card(card)
    file, part, position = _place(draw, model)
    part.cards.insert(position, copy)
    return f"ask {card.question.text()!r} again in {file.path} / {part.title}"


@st.composite
def rename_folder(draw: st.DrawFn, model: Model) -> str:
    """Move every file of a folder to a folder no file is in."""
    folders = sorted({file.path.removeprefix("notes/").rsplit("/", 1)[0] for file in model.files})
    old = draw(st.sampled_from(folders))
    new = draw(st.sampled_from([f for f in FOLDERS if f not in folders]))
    for file in model.files:
        if file.path.startswith(f"notes/{old}/") and "/" not in file.path[len(old) + 7 :]:
            file.path = f"notes/{new}/{file.path.rsplit('/', 1)[1]}"
    return f"rename folder notes/{old} to notes/{new}"


@st.composite
def add_back(draw: st.DrawFn, model: Model) -> str:
    key = draw(st.sampled_from(sorted(model.deleted)))
    card = model.deleted.pop(key)
    model.question_edits[key] = "new"
    file, part, position = _place(draw, model)
    part.cards.insert(position, card)
    return f"add back {card.question.text()!r} to {file.path} / {part.title}"


@st.composite
def delete_card(draw: st.DrawFn, model: Model) -> str:
    places = [(f, p, i) for f, p, i in model.places() if model.may_delete(p.cards[i])]
    file, part, index = draw(st.sampled_from(places))
    card = part.cards.pop(index)
    model.deleted[card.key] = card
    if card.key in model.built:
        model.removed_templates |= {card.question.template, model.built[card.key].template}
    return f"delete {card.question.text()!r} from {file.path}"


@st.composite
def reshape_file(draw: st.DrawFn, model: Model) -> str:
    file = draw(st.sampled_from(model.files))
    old = file.shape
    file.shape = draw(st.sampled_from(SHAPES).filter(old.__ne__))
    return f"change {file.path} from {old} to {file.shape}"


@st.composite
def reorder(draw: st.DrawFn, model: Model) -> str:
    file = draw(st.sampled_from(model.files))
    if draw(st.booleans()):
        file.parts = draw(st.permutations(file.parts))
        return f"reorder the parts of {file.path}"
    part = draw(st.sampled_from(file.parts))
    part.cards = draw(st.permutations(part.cards))
    return f"reorder the cards of {file.path} / {part.title}"


@st.composite
def rename_part(draw: st.DrawFn, model: Model) -> str:
    file = draw(st.sampled_from(model.files))
    part = draw(st.sampled_from(file.parts))
    old = part.title
    part.title = model.word().title()
    return f"rename part {old} of {file.path} to {part.title}"


@st.composite
def renumber_file(draw: st.DrawFn, model: Model) -> str:
    """Number every question of a file `1)`, `2)`, … in order, maybe after inserting a new
    question at the top (so every old one is renumbered)."""
    files = [f for f in model.files if all(model.may_reword(c) for c in f.cards())]
    file = draw(st.sampled_from(files))
    inserted = ""
    if len(model.new_templates()) > 0 and draw(st.booleans()):
        card = model.new_card(draw(st.sampled_from(model.new_templates())), "What", None)
        file.parts[0].cards.insert(0, card)
        inserted = f" after inserting {card.question.text()!r} at the top"
    number = 0
    for part in file.parts:
        for index, card in enumerate(part.cards):
            number += 1
            part.cards[index] = replace(card, question=replace(card.question, number=number))
            model.question_edits.setdefault(card.key, "slight")
    return f"renumber {file.path}{inserted}"


EDITS: tuple[tuple[Callable[[Model], st.SearchStrategy[str]], Callable[[Model], bool]], ...] = (
    (move_card, lambda m: True),
    (rename_file, lambda m: True),
    (reshape_file, lambda m: True),
    (reorder, lambda m: True),
    (rename_part, lambda m: True),
    (add_card, lambda m: bool(m.new_templates())),
    (merge_files, lambda m: len(m.files) >= 2),
    (split_file, lambda m: any(len(file.cards()) >= 2 for file in m.files)),
    (delete_card, lambda m: len(m.cards()) >= 2 and any(map(m.may_delete, m.cards()))),
    (add_back, lambda m: bool(m.deleted)),
    (reword_slightly, lambda m: bool(_questions_free(m))),
    (
        reword_completely,
        lambda m: any(part.cards[i].key not in m.answer_edits for part, i in _questions_free(m)),
    ),
    (edit_answer, lambda m: any(m.may_edit_answer(card) for card in m.cards())),
    (copy_question, lambda m: any(m.may_copy(card) for card in m.cards())),
    (rename_folder, lambda m: len({f.path.rsplit("/", 1)[0] for f in m.files}) < len(FOLDERS)),
    (
        renumber_file,
        lambda m: any(all(m.may_reword(c) for c in f.cards()) for f in m.files),
    ),
)
"""Every edit, and when it applies."""


def edits(model: Model) -> st.SearchStrategy[str]:
    """Every edit that applies to the model as it is."""
    return st.one_of([edit(model) for edit, applies in EDITS if applies(model)])


@st.composite
def projects(draw: st.DrawFn, max_cards: int = 12) -> Model:
    model = Model()
    for _ in range(draw(st.integers(1, 4))):
        file = NoteFile(
            model.new_path(draw(st.sampled_from(FOLDERS))),
            model.word().title(),
            draw(st.sampled_from(SHAPES)),
            [],
        )
        for _ in range(draw(st.integers(1, 3))):
            part = Part(model.word().title(), [])
            for _ in range(draw(st.integers(1, 4))):
                if len(model.cards()) < max_cards:
                    part.cards.append(
                        model.new_card(
                            draw(st.integers(0, len(TEMPLATES) - 1)),
                            draw(st.sampled_from(LEADS)),
                            draw(st.none() | st.integers(1, 30)),
                        )
                    )
            file.parts.append(part)
        model.files.append(file)
    model.tidy()
    cards = model.cards()
    for _ in range(draw(st.integers(0, 2))):
        card = model.copy_card(draw(st.sampled_from(cards)))
        draw(st.sampled_from(model.files)).parts[-1].cards.append(card)
    model.next_step()
    return model


# Building a model and checking what deckgen made of it


class Workspace:
    """A project folder that a model is written into and built, one step after another."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.clock = START
        write(root, {"deckgen.toml": TOML})

    def write(self, model: Model) -> None:
        shutil.rmtree(self.root / "notes", ignore_errors=True)
        write(self.root, {file.path: file.render() for file in model.files})

    def build(self, *, cold: bool = False) -> BuildReport:
        """Build the project at a later clock than the build before; `cold`: without the build
        cache."""
        if cold:
            shutil.rmtree(self.root / CACHE, ignore_errors=True)
        self.clock += 1000
        now = self.clock
        project = project_of(load_config(self.root / "deckgen.toml"))
        report = build_project(project, clock=lambda: float(now))
        ambiguous = [str(d) for d in report.diagnostics if "ambiguous" in d.message]
        assert not ambiguous, f"the test made questions too alike: {ambiguous}"
        return report

    def records(self) -> tuple[CardRecord, ...]:
        """Every live card's record in the state file; checks that the package holds exactly
        these cards, each note's GUID and `ID` field its ID."""
        state = load_ledger(self.root / STATE)
        assert state is not None
        assert state.namespace == NAMESPACE
        cards = state.deck.cards
        assert len({record.id for record in cards}) == len(cards), "two live cards share an ID"
        notes = package_notes(self.root / PACKAGE)
        assert {guid: (n.fields[0], n.fields[-1]) for guid, n in notes.items()} == {
            record.id: (record.question, record.id) for record in cards
        }
        return cards

    def ids(self) -> dict[str, str]:
        """Question → ID of every live card (the questions must be distinct)."""
        ids = {record.question: record.id for record in self.records()}
        assert len(ids) == len(self.records()), "the same question twice"
        return ids

    def removed(self) -> set[str]:
        state = load_ledger(self.root / STATE)
        assert state is not None
        return {record.id for record in state.deck.removed}

    def files(self) -> dict[str, str]:
        """Question → file of every live card, from the state file."""
        state = load_ledger(self.root / STATE)
        assert state is not None
        return {record.question: record.file for record in state.deck.cards}

    def outputs(self) -> tuple[bytes, bytes]:
        return (self.root / PACKAGE).read_bytes(), (self.root / STATE).read_bytes()


@contextmanager
def workspace() -> Iterator[Workspace]:
    with tempfile.TemporaryDirectory(prefix="deckgen-prop-") as folder:
        yield Workspace(Path(folder))


@dataclass
class Expected:
    """The ID each logical card got when it was first built."""

    ids: dict[int, str] = field(default_factory=dict)

    def check(self, model: Model, space: Workspace) -> None:
        records = {record.id: record for record in space.records()}
        notes = package_notes(space.root / PACKAGE)
        found: dict[int, str] = {}
        for guid, found_note in notes.items():
            match = _KEY.search(found_note.fields[1])
            assert match is not None, found_note
            found[int(match[1])] = guid
        live = model.cards()
        assert sorted(found) == sorted(card.key for card in live)
        counts = Counter(card.question.text() for card in live)
        for file in model.files:
            for card in file.cards():
                text, got = card.question.text(), found[card.key]
                assert (records[got].question, records[got].file) == (text, file.path)
                if card.key in self.ids:
                    assert got == self.ids[card.key], (
                        f"{text!r} (card {card.key}) took {got}, but it had {self.ids[card.key]}"
                    )
                    continue
                assert got not in self.ids.values(), f"new {text!r} took another card's ID"
                if counts[text] == 1:
                    assert got == question_id(NAMESPACE, text), f"new {text!r}"
                self.ids[card.key] = got
        gone = {self.ids[key] for key in model.deleted if key in self.ids}
        assert space.removed() == gone, "the removed cards are not the ones deleted"


# The properties


@settings(max_examples=60)
@given(projects(), st.data())
def test_ids_follow_every_card_through_random_edits(model: Model, data: st.DataObject) -> None:
    """Up to six steps of up to four edits each, a build after each step (with or without the
    build cache), every card checked against the ID it first got; then the same project built
    again, warm and cold at later clocks, gives the same bytes."""
    expected = Expected()
    with workspace() as space:
        space.write(model)
        note(f"initial project:\n{model.describe()}")
        space.build()
        expected.check(model, space)
        for step in range(data.draw(st.integers(1, 6), label="steps")):
            model.next_step()
            for _ in range(data.draw(st.integers(1, 4), label="edits")):
                edit = data.draw(edits(model))
                model.tidy()
                note(f"step {step + 1}: {edit}")
            space.write(model)
            note(f"after step {step + 1}:\n{model.describe()}")
            space.build(cold=data.draw(st.booleans(), label="cold"))
            expected.check(model, space)
            before = space.outputs()
            space.build()
            assert space.outputs() == before, "an unchanged project wrote other bytes"
        before = space.outputs()
        space.build(cold=True)
        assert space.outputs() == before, "a cold rebuild of an unchanged project differs"
        expected.check(model, space)


@settings(max_examples=40)
@given(projects(), st.data())
def test_fresh_ids_depend_on_the_questions_only(model: Model, data: st.DataObject) -> None:
    """The same cards in other files (names, folders, how many), shapes and order, built fresh
    in another project of the same deck, get the same IDs: `question_id` of their questions."""
    cards = model.cards()
    other = Model(next_word=model.next_word)
    order = data.draw(st.permutations(cards))
    while order:
        take = data.draw(st.integers(1, len(order)))
        other.files.append(
            NoteFile(
                other.new_path(data.draw(st.sampled_from(FOLDERS))),
                other.word().title(),
                data.draw(st.sampled_from(SHAPES)),
                [Part(other.word().title(), order[:take])],
            )
        )
        order = order[take:]
    note(f"first:\n{model.describe()}\nsecond:\n{other.describe()}")
    found = []
    for each in (model, other):
        with workspace() as space:
            space.write(each)
            space.build()
            found.append(sorted((r.question, r.id) for r in space.records()))
    assert found[0] == found[1]
    # A question asked n times has the IDs of occurrences 1..n, in some order.
    counts = Counter(card.question.text() for card in cards)
    assert found[0] == sorted(
        (text, question_id(NAMESPACE, text, n))
        for text, count in counts.items()
        for n in range(1, count + 1)
    )


# The nastiest cases, one by one

QA = tuple[str, str]


def doc(title: str, parts: dict[str, list[QA]]) -> str:
    """`# title`, then `## <part>` / `### <question>` / its answer."""
    out = [f"# {title}", ""]
    for part, cards in parts.items():
        out += [f"## {part}", ""]
        for question, reply in cards:
            out += [f"### {question}", "", reply, ""]
    return "\n".join(out)


def topics_doc(title: str, parts: dict[str, dict[str, list[QA]]]) -> str:
    """`# title`, then `## <part>` / `### <topic>` / `#### <question>` / its answer."""
    out = [f"# {title}", ""]
    for part, groups in parts.items():
        out += [f"## {part}", ""]
        for topic, cards in groups.items():
            out += [f"### {topic}", ""]
            for question, reply in cards:
                out += [f"#### {question}", "", reply, ""]
    return "\n".join(out)


def flat_doc(title: str, cards: list[QA]) -> str:
    """`# title`, then `## <question>` / its answer: no parts."""
    out = [f"# {title}", ""]
    for question, reply in cards:
        out += [f"## {question}", "", reply, ""]
    return "\n".join(out)


def build_files(space: Workspace, files: dict[str, str]) -> dict[str, str]:
    """Make the project's notes exactly `files`, build, and give question → ID."""
    shutil.rmtree(space.root / "notes", ignore_errors=True)
    write(space.root, files)
    space.build()
    return space.ids()


FORGET = ("What does the forget gate of an LSTM do?", "It scales the old cell state.")
TANH = ("Why does an LSTM squash its cell output with tanh?", "To bound it in -1..1.")
ATTENTION = ("What is scaled dot-product attention?", "softmax(QK^T / sqrt(d)) V.")
HEADS = ("Why use several attention heads?", "Each head attends to other patterns.")
NASH = ("What is a Nash equilibrium?", "No player gains by deviating alone.")
MINIMAX = ("What does the minimax theorem state?", "Max-min equals min-max in zero-sum games.")


def test_two_files_swap_names() -> None:
    with workspace() as space:
        first = build_files(
            space,
            {
                "notes/ml/a.md": doc("A", {"Part 1: Gates": [FORGET, TANH]}),
                "notes/ml/b.md": doc("B", {"Part 1: Attention": [ATTENTION, HEADS]}),
            },
        )
        second = build_files(
            space,
            {
                "notes/ml/b.md": doc("A", {"Part 1: Gates": [FORGET, TANH]}),
                "notes/ml/a.md": doc("B", {"Part 1: Attention": [ATTENTION, HEADS]}),
            },
        )
        assert second == first
        assert space.files()[FORGET[0]] == "notes/ml/b.md"
        assert space.removed() == set()


def test_two_files_swap_names_with_the_same_question_in_both() -> None:
    """The same question in two files, with different answers, in parts of the same name:
    when the files swap names, each copy keeps the ID that goes with its answer."""
    same = "What is a gradient?"
    calculus = (same, "The vector of partial derivatives.")
    training = (same, "What backpropagation computes for every weight.")
    with workspace() as space:
        write(
            space.root,
            {
                "notes/math/calculus.md": doc("C", {"Part 1: Basics": [calculus, NASH]}),
                "notes/ml/training.md": doc("T", {"Part 1: Basics": [training, FORGET]}),
            },
        )
        space.build()
        first = {(r.question, r.file): r.id for r in space.records()}
        assert len(set(first.values())) == 4
        write(
            space.root,
            {
                "notes/ml/training.md": doc("C", {"Part 1: Basics": [calculus, NASH]}),
                "notes/math/calculus.md": doc("T", {"Part 1: Basics": [training, FORGET]}),
            },
        )
        space.build()
        assert {(r.question, r.file): r.id for r in space.records()} == {
            (same, "notes/ml/training.md"): first[same, "notes/math/calculus.md"],
            (same, "notes/math/calculus.md"): first[same, "notes/ml/training.md"],
            (NASH[0], "notes/ml/training.md"): first[NASH[0], "notes/math/calculus.md"],
            (FORGET[0], "notes/math/calculus.md"): first[FORGET[0], "notes/ml/training.md"],
        }
        assert space.removed() == set()


def test_a_question_moves_out_of_a_file_that_is_deleted() -> None:
    with workspace() as space:
        first = build_files(
            space,
            {
                "notes/ml/lstm.md": doc("LSTM", {"Part 1: Gates": [FORGET, TANH]}),
                "notes/cs/games.md": doc("Games", {"Part 1: Equilibria": [NASH]}),
            },
        )
        second = build_files(
            space,
            {"notes/cs/games.md": doc("Games", {"Part 1: Equilibria": [NASH, FORGET]})},
        )
        assert second == {NASH[0]: first[NASH[0]], FORGET[0]: first[FORGET[0]]}
        assert space.removed() == {first[TANH[0]]}


def test_reworded_moved_to_another_file_and_its_part_renamed_in_one_step() -> None:
    reworded = ("What does an LSTM's forget gate do?", FORGET[1])
    with workspace() as space:
        first = build_files(
            space,
            {
                "notes/ml/lstm.md": doc("LSTM", {"Part 1: Gates": [FORGET, TANH]}),
                "notes/ml/attention.md": doc("Attention", {"Part 1: Basics": [ATTENTION]}),
            },
        )
        second = build_files(
            space,
            {
                "notes/ml/lstm.md": doc("LSTM", {"Part 1: Gating": [TANH]}),
                "notes/ml/deep/memory.md": doc(
                    "Memory", {"Part 1: Attention": [ATTENTION], "Part 2: Cells": [reworded]}
                ),
            },
        )
        assert second == {
            TANH[0]: first[TANH[0]],
            ATTENTION[0]: first[ATTENTION[0]],
            reworded[0]: first[FORGET[0]],
        }
        assert space.removed() == set()


def test_every_question_renumbered_after_one_is_inserted_at_the_top() -> None:
    cards = [FORGET, TANH, ATTENTION, HEADS, NASH]
    new = ("What is a residual connection?", "x + f(x): an identity path around a layer.")
    with workspace() as space:
        first = build_files(
            space,
            {
                "notes/ml/all.md": doc(
                    "All",
                    {"Part 1: Mixed": [(f"{n}) {q}", a) for n, (q, a) in enumerate(cards, 1)]},
                )
            },
        )
        second = build_files(
            space,
            {
                "notes/ml/all.md": doc(
                    "All",
                    {
                        "Part 1: Mixed": [
                            (f"{n}) {q}", a) for n, (q, a) in enumerate([new, *cards], 1)
                        ]
                    },
                )
            },
        )
        for n, (question, _) in enumerate(cards, 1):
            assert second[f"{n + 1}) {question}"] == first[f"{n}) {question}"]
        assert second[f"1) {new[0]}"] == question_id(NAMESPACE, f"1) {new[0]}")
        assert space.removed() == set()


def test_split_into_files_of_other_names_and_shapes_then_merged_under_a_third() -> None:
    with workspace() as space:
        first = build_files(
            space,
            {
                "notes/interview.md": doc(
                    "Interview",
                    {
                        "Part 1: Recurrent": [FORGET, TANH],
                        "Part 2: Attention": [ATTENTION, HEADS],
                        "Part 3: Games": [NASH, MINIMAX],
                    },
                )
            },
        )
        split = build_files(
            space,
            {
                "notes/ml/01-rnn.md": flat_doc("RNN", [TANH, FORGET]),
                "notes/ml/deep/02-attention.md": topics_doc(
                    "Attention",
                    {"Part 1: Transformers": {"Scoring": [ATTENTION], "Heads": [HEADS]}},
                ),
                "notes/cs/games.md": doc("Games", {"Part 1: Theory": [MINIMAX, NASH]}),
            },
        )
        assert split == first
        merged = build_files(
            space,
            {
                "notes/everything.md": topics_doc(
                    "Everything",
                    {
                        "Part 1: All": {"Games": [NASH, MINIMAX], "Nets": [HEADS, FORGET]},
                        "Part 2: Rest": {"Misc": [ATTENTION, TANH]},
                    },
                )
            },
        )
        assert merged == first
        assert space.removed() == set()


def test_a_deleted_question_added_back_elsewhere_takes_its_old_id() -> None:
    with workspace() as space:
        first = build_files(
            space,
            {
                "notes/ml/lstm.md": doc("LSTM", {"Part 1: Gates": [FORGET, TANH]}),
                "notes/cs/games.md": doc("Games", {"Part 1: Equilibria": [NASH]}),
            },
        )
        build_files(
            space,
            {
                "notes/ml/lstm.md": doc("LSTM", {"Part 1: Gates": [FORGET]}),
                "notes/cs/games.md": doc("Games", {"Part 1: Equilibria": [NASH]}),
            },
        )
        assert space.removed() == {first[TANH[0]]}
        again = build_files(
            space,
            {
                "notes/ml/lstm.md": doc("LSTM", {"Part 1: Gates": [FORGET]}),
                "notes/cs/games.md": flat_doc("Games", [NASH, TANH]),
            },
        )
        assert again == first
        assert space.removed() == set()


def test_two_questions_swap_numbers_and_places() -> None:
    with workspace() as space:
        first = build_files(
            space,
            {
                "notes/a.md": doc(
                    "A",
                    {"Part 1: P": [(f"1) {NASH[0]}", NASH[1]), (f"2) {MINIMAX[0]}", MINIMAX[1])]},
                )
            },
        )
        second = build_files(
            space,
            {
                "notes/a.md": doc(
                    "A",
                    {"Part 1: P": [(f"1) {MINIMAX[0]}", MINIMAX[1]), (f"2) {NASH[0]}", NASH[1])]},
                )
            },
        )
        assert second[f"2) {NASH[0]}"] == first[f"1) {NASH[0]}"]
        assert second[f"1) {MINIMAX[0]}"] == first[f"2) {MINIMAX[0]}"]


def test_rewritten_question_follows_its_answer_into_another_file_of_another_shape() -> None:
    rewritten = ("Which mechanism weighs values by query-key similarity?", ATTENTION[1])
    with workspace() as space:
        first = build_files(
            space,
            {
                "notes/ml/attention.md": doc("Attention", {"Part 1: Basics": [ATTENTION, HEADS]}),
                "notes/cs/games.md": doc("Games", {"Part 1: Equilibria": [NASH]}),
            },
        )
        second = build_files(
            space,
            {
                "notes/ml/attention.md": doc("Attention", {"Part 1: Basics": [HEADS]}),
                "notes/cs/games.md": topics_doc(
                    "Games", {"Part 1: Mixed": {"Equilibria": [NASH], "Other": [rewritten]}}
                ),
            },
        )
        assert second[rewritten[0]] == first[ATTENTION[0]]
        assert space.removed() == set()


def test_a_question_reworded_while_its_old_text_is_asked_anew() -> None:
    """The spec trusts the same question text before the same answer: when a question is
    reworded and, in the same edit, its old text is asked again elsewhere with another answer,
    the new copy continues the card, and the reworded question (with the old answer) is new.
    The random edits above never do this (`Model.may_copy`)."""
    reworded = ("What is a Nash equilibrium in game theory?", NASH[1])
    again = (NASH[0], "A profile of strategies that are best responses to each other.")
    with workspace() as space:
        first = build_files(space, {"notes/cs/games.md": doc("G", {"Part 1: E": [NASH, MINIMAX]})})
        second = build_files(
            space,
            {
                "notes/cs/games.md": doc("G", {"Part 1: E": [reworded, MINIMAX]}),
                "notes/ml/marl.md": doc("M", {"Part 1: Agents": [again]}),
            },
        )
        assert second == {
            NASH[0]: first[NASH[0]],
            MINIMAX[0]: first[MINIMAX[0]],
            reworded[0]: question_id(NAMESPACE, reworded[0]),
        }


def test_split_in_two_and_each_half_numbered_from_one_in_other_folders_and_shapes() -> None:
    cards = [FORGET, TANH, ATTENTION, HEADS, NASH, MINIMAX]
    numbered = [(f"{n}) {q}", a) for n, (q, a) in enumerate(cards, 1)]
    with workspace() as space:
        first = build_files(space, {"notes/all.md": doc("All", {"Part 1: Mixed": numbered})})
        second = build_files(
            space,
            {
                "notes/ml/deep/nets.md": topics_doc(
                    "Nets",
                    {
                        "Part 1: Recurrent": {"Gates": [(f"1) {q}", a) for q, a in cards[:2]]},
                        "Part 2: Attention": {
                            "All": [(f"{n}) {q}", a) for n, (q, a) in enumerate(cards[2:4], 3)]
                        },
                    },
                ),
                "notes/cs/games.md": flat_doc(
                    "Games", [(f"Q{n}: {q}", a) for n, (q, a) in enumerate(cards[4:], 1)]
                ),
            },
        )
        assert second == {
            "1) " + FORGET[0]: first["1) " + FORGET[0]],
            "1) " + TANH[0]: first["2) " + TANH[0]],
            "3) " + ATTENTION[0]: first["3) " + ATTENTION[0]],
            "4) " + HEADS[0]: first["4) " + HEADS[0]],
            "Q1: " + NASH[0]: first["5) " + NASH[0]],
            "Q2: " + MINIMAX[0]: first["6) " + MINIMAX[0]],
        }
        assert space.removed() == set()


def test_a_new_question_never_takes_the_id_of_one_removed_in_an_earlier_build() -> None:
    softmax = ("What is the softmax function used for in attention?", "Scores to weights.")
    relu = ("What is the ReLU function used for in convolutions?", "A cheap nonlinearity.")
    background = [FORGET, TANH, ATTENTION, HEADS, NASH, MINIMAX]
    with workspace() as space:
        first = build_files(space, {"notes/a.md": doc("A", {"Part 1: P": [softmax, *background]})})
        build_files(space, {"notes/a.md": doc("A", {"Part 1: P": background})})
        assert space.removed() == {first[softmax[0]]}
        third = build_files(
            space,
            {
                "notes/a.md": doc("A", {"Part 1: P": background}),
                "notes/b.md": doc("B", {"Part 1: Q": [relu]}),
            },
        )
        assert third[relu[0]] != first[softmax[0]], "a new question took a removed card's ID"
        assert third[relu[0]] == question_id(NAMESPACE, relu[0])
        assert space.removed() == {first[softmax[0]]}
