"""Q&A documents as people write them, read with no settings: one parametrized test over a corpus.

Each `tests/fixtures/corpus/<name>.md` is a short document in one of the shapes of issue #13
(or several of them), written for this corpus; `<name>.expect.toml` beside it says what a person
counts in it. An expect file with a `source` key (a path from the repository root) describes a
document kept elsewhere: the seed. Keys:

- `cards`: how many cards the document gives (built with no settings).
- `questions`: questions that must each be the question of exactly one card.
- `not_questions`: texts that must be no card's question (subheadings inside answers, notes).
- `answers_contain`: question → a text its card's answer must show. It is looked for in the
  answer HTML with entities decoded (`<mark>…</mark>`, `\\frac{…}`) and in the answer's text with
  the tags removed (a phrase split by syntax-highlighting spans).
- `not_rendered`: texts no card's question or answer may show, entities decoded (Obsidian
  syntax such as `[[` or `==`, `<details>` tags that should have become the answer block).
- `unanswered`: how many questions are warned about as having no answer (default 0).
- `no_card_lines`: [first, last] line ranges (content lines; the heading above them may or may
  not be counted) that `check` must report as belonging to no card.
- `media`: how many image files the package holds (default: not checked).
- `warnings`: how many warnings `check` reports in all (default: not checked), for documents
  whose point is what is no card without a word (a table of contents).
- `settings`: none; a document that needs one defeats the point of the corpus.

Every document also keeps its math: each `$…$` and `$$…$$` of the source (code left out) outside
the `no_card_lines` ranges shows in some card, as `\\(…\\)` or `\\[…\\]` with the same TeX.

Question texts are compared as plain text, by one rule applied to both sides (the card's
question is its Markdown source, the expected one is what a reader says): Markdown emphasis
markers (`**`, `__`, `*`, `_`, `~~`, `==`) and code-span backticks are removed (code spans keep
their content as is), as is a leading label that only numbers the question (`Q:`, `Q1:`, `1.`,
`12)`, `Question 3:`); whitespace is collapsed. Everything else stays as written: `$…$` math,
a trailing emoji, a question mark or its absence.

Diagnostics come from `check`'s run of the pipeline; a range reported as belonging to no card is
read from any diagnostic whose message contains "belong to no card": `lines N-M` (hyphen or en
dash) or `line N` in the message, else the diagnostic's own line. Unanswered questions are
warnings whose message says "no answer" or "unanswered".
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
import tomllib
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from deckgen.api import build
from deckgen.model import Card, Diagnostic, NoteFields
from deckgen.options import BuildOptions
from deckgen.pipeline import run
from tests.conftest import ROOT

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
NO_CARD = "to no card"
UNANSWERED = ("no answer", "unanswered")


@dataclass(frozen=True, slots=True)
class Expected:
    """What a person counts in one corpus document (see the module docstring for each key)."""

    source: Path
    cards: int
    questions: tuple[str, ...]
    not_questions: tuple[str, ...] = ()
    answers_contain: dict[str, str] = field(default_factory=dict)
    not_rendered: tuple[str, ...] = ()
    unanswered: int = 0
    no_card_lines: tuple[tuple[int, int], ...] = ()
    media: int | None = None
    warnings: int | None = None


_KEYS = {
    "source",
    "cards",
    "questions",
    "not_questions",
    "answers_contain",
    "not_rendered",
    "unanswered",
    "no_card_lines",
    "media",
    "warnings",
    "settings",
}


def _strings(value: Any, key: str) -> tuple[str, ...]:
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), key
    return tuple(value)


def load_expected(path: Path) -> Expected:
    """The expectations of `path` (`<name>.expect.toml`), checked for shape as they are read."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    unknown = set(data) - _KEYS
    assert not unknown, f"{path.name}: unknown keys {sorted(unknown)}"
    assert "settings" not in data, f"{path.name}: the corpus is read with no settings"
    source = ROOT / data["source"] if "source" in data else path.with_name(_stem(path) + ".md")
    cards, unanswered, media = data["cards"], data.get("unanswered", 0), data.get("media")
    warnings = data.get("warnings")
    assert isinstance(cards, int) and isinstance(unanswered, int), path.name
    assert media is None or isinstance(media, int), path.name
    assert warnings is None or isinstance(warnings, int), path.name
    answers = data.get("answers_contain", {})
    assert isinstance(answers, dict) and all(isinstance(v, str) for v in answers.values())
    ranges = data.get("no_card_lines", [])
    assert isinstance(ranges, list), path.name
    spans: list[tuple[int, int]] = []
    for span in ranges:
        assert isinstance(span, list) and len(span) == 2, f"{path.name}: {span!r}"
        first, last = span
        assert isinstance(first, int) and isinstance(last, int) and first <= last, path.name
        spans.append((first, last))
    return Expected(
        source=source,
        cards=cards,
        questions=_strings(data["questions"], "questions"),
        not_questions=_strings(data.get("not_questions", []), "not_questions"),
        answers_contain={str(k): v for k, v in answers.items()},
        not_rendered=_strings(data.get("not_rendered", []), "not_rendered"),
        unanswered=unanswered,
        no_card_lines=tuple(spans),
        media=media,
        warnings=warnings,
    )


def _stem(path: Path) -> str:
    return path.name.removesuffix(".expect.toml")


CASES = sorted(CORPUS.glob("*.expect.toml"))

# --- plain text of a question ---------------------------------------------------------------

_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
_LABEL = re.compile(
    r"^(?:(?:Q(?:uestion)?\s*\d*|\d+)\s*[:.)\-\u2013\u2014]\s*|Q\d+\s+)", re.IGNORECASE
)
_PAIRED = re.compile(r"\*\*|__|~~|==")
_SINGLE = re.compile(r"(?<![\w\\])[*_]|[*_](?![\w])")


def plain_question(text: str) -> str:
    """`text` as plain text: no emphasis markers, no backticks, no leading number label."""
    pieces: list[str] = []
    last = 0
    for match in _CODE_SPAN.finditer(text):
        pieces.append(_unemphasized(text[last : match.start()]))
        pieces.append(match[2].strip())
        last = match.end()
    pieces.append(_unemphasized(text[last:]))
    plain = " ".join("".join(pieces).split())
    return _LABEL.sub("", plain, count=1).strip()


def _unemphasized(text: str) -> str:
    return _SINGLE.sub("", _PAIRED.sub("", text))


def test_plain_question__the_rule_the_corpus_is_compared_by() -> None:
    assert plain_question("**What is bias? 👶**") == "What is bias? 👶"
    assert plain_question("Q1: What is a *load* balancer?") == "What is a load balancer?"
    assert plain_question("12) What does `__init__` do?") == "What does __init__ do?"
    assert plain_question("Q: When did _Rome_ fall?") == "When did Rome fall?"
    assert plain_question("3. Why is $x_1$ scaled by $n - 1$?") == "Why is $x_1$ scaled by $n - 1$?"
    assert plain_question("Quick-fire round") == "Quick-fire round"
    assert plain_question("snake_case names") == "snake_case names"


# --- what deckgen made ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Made:
    """One document as deckgen reads it with no settings."""

    cards: tuple[Card, ...]
    fields: tuple[NoteFields, ...]
    diagnostics: tuple[Diagnostic, ...]

    def questions(self) -> list[str]:
        return [plain_question(card.question) for card in self.cards]

    def answer_of(self, question: str) -> str:
        found = [
            f.answer for f, q in zip(self.fields, self.questions(), strict=True) if q == question
        ]
        assert len(found) == 1, f"{question!r} is the question of {len(found)} cards"
        return found[0]

    def no_card_lines(self) -> set[int]:
        lines: set[int] = set()
        for diagnostic in self.diagnostics:
            if NO_CARD in diagnostic.message:
                first, last = _range_of(diagnostic)
                lines.update(range(first, last + 1))
        return lines

    def unanswered(self) -> list[Diagnostic]:
        return [
            d
            for d in self.diagnostics
            if d.severity == "warning" and any(w in d.message for w in UNANSWERED)
        ]


_RANGE = re.compile(r"\blines?\s+(\d+)(?:\s*[\u2013\-]\s*(\d+))?")


def _range_of(diagnostic: Diagnostic) -> tuple[int, int]:
    match = _RANGE.search(diagnostic.message)
    if match:
        first = int(match[1])
        return first, int(match[2]) if match[2] else first
    assert diagnostic.line is not None, f"no line range in {diagnostic}"
    return diagnostic.line, diagnostic.line


def _text(answer: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", answer)).split())


def _package_notes(package: Path) -> tuple[int, int]:
    """(notes, media files) in a built `.apkg`."""
    with zipfile.ZipFile(package) as archive:
        collection = archive.read("collection.anki2")
        media = json.loads(archive.read("media"))
    db = sqlite3.connect(":memory:")
    try:
        db.deserialize(collection)
        (count,) = db.execute("SELECT count(*) FROM notes").fetchone()
    finally:
        db.close()
    assert isinstance(count, int) and isinstance(media, dict)
    return count, len(media)


_FENCE = re.compile(r"^ *(`{3,}|~{3,}).*?^ *\1", re.DOTALL | re.MULTILINE)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$\n]+?)\$", re.DOTALL)
_RENDERED_MATH = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)


def math_spans(text: str) -> list[tuple[int, str]]:
    """(line, TeX) of every math span of `text` by a plain scan, fences and code spans skipped."""
    blank = _INLINE_CODE.sub(_spaces, _FENCE.sub(_spaces, text))
    return [
        (blank.count("\n", 0, m.start()) + 1, m[1].strip("\n") if m[1] is not None else m[2])
        for m in _MATH.finditer(blank)
    ]


def _spaces(match: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", match[0])


def rendered_math(fields: tuple[NoteFields, ...]) -> Counter[str]:
    """Every formula the cards show, as TeX."""
    shown = "\n".join(f.question + "\n" + f.answer for f in fields)
    return Counter(html.unescape(m[1] or m[2]) for m in _RENDERED_MATH.finditer(shown))


def source_math(expected: Expected) -> Counter[str]:
    """The formulas of the document that its cards must show: all but those on lines that
    belong to no card. Read from the file here, so no name in the test can stand in for it."""
    text = expected.source.read_text(encoding="utf-8")
    skipped = {n for first, last in expected.no_card_lines for n in range(first, last + 1)}
    return Counter(tex for line, tex in math_spans(text) if line not in skipped)


def test_corpus__the_math_check_sees_the_seeds_formulas() -> None:
    # The seed is full of math: a check that counted none would pass whatever deckgen lost.
    assert sum(source_math(load_expected(CORPUS / "ml-interview-qa.expect.toml")).values()) > 300


def _nonblank(source: Path, first: int, last: int) -> set[int]:
    lines = source.read_text(encoding="utf-8").splitlines()
    return {n for n in range(first, last + 1) if n <= len(lines) and lines[n - 1].strip()}


@pytest.mark.parametrize("expect_file", CASES, ids=_stem)
def test_corpus__document_gives_the_cards_a_person_counts(
    expect_file: Path, tmp_path: Path
) -> None:
    expected = load_expected(expect_file)
    built = run(expected.source, BuildOptions(), None, now=0, thorough=True, verdict=False)
    made = Made(built.rendered.document.cards, built.rendered.fields, built.rendered.diagnostics)
    questions = made.questions()
    shown = "\n".join(str(d) for d in made.diagnostics)

    assert len(made.cards) == expected.cards, f"cards: {questions}\n{shown}"
    for question in expected.questions:
        assert questions.count(plain_question(question)) == 1, f"{question!r} in {questions}"
    for phrase in expected.not_questions:
        assert plain_question(phrase) not in questions, f"{phrase!r} became a card"
    for question, shows in expected.answers_contain.items():
        answer = made.answer_of(plain_question(question))
        assert shows in html.unescape(answer) or shows in _text(answer), f"{question!r}: {answer}"
    for hidden in expected.not_rendered:
        for card, note in zip(made.cards, made.fields, strict=True):
            assert hidden not in html.unescape(note.question + note.answer), (card.question, hidden)
    assert len(made.unanswered()) == expected.unanswered, shown
    if expected.warnings is not None:
        assert sum(d.severity == "warning" for d in made.diagnostics) == expected.warnings, shown

    reported = made.no_card_lines()
    for first, last in expected.no_card_lines:
        missing = _nonblank(expected.source, first, last) - reported
        assert not missing, f"lines {sorted(missing)} not reported as in no card\n{shown}"
    for card in made.cards:
        assert card.line not in reported, f"line {card.line} is a card's and reported as none"

    lost = source_math(expected) - rendered_math(made.fields)
    assert not lost, f"formulas lost: {sorted(lost)}"

    # The same document builds (no errors) into a package holding those cards.
    package = tmp_path / "deck.apkg"
    report = build(expected.source, package, state_file=None)
    notes, media = _package_notes(package)
    assert report.cards == notes == expected.cards
    if expected.media is not None:
        assert media == expected.media
