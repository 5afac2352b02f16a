"""`make corpus`: how deckgen reads real documents that other people wrote, against a person's count.

The development corpus lives outside the project, in `../shared/corpus/` beside the repository
(twenty public documents by other authors, each with a person's reading of it in
`expected-*.json`; its README says what every key means). It is never copied into the project:
when the folder is not there, this says so and exits 0. Each document is built with no settings,
no config and no state file, through the same pipeline `deckgen build` runs, and measured:

- **cards**: how many, against the person's `qa_pairs_range`;
- **first/last**: whether each of `first_questions` and the `last_question` is a card's question;
- **math**: the formulas of the document (a plain scan, code and `\\$` left out) from the first
  card on that no card shows, as `\\(…\\)` or `\\[…\\]` with the same TeX;
- **errors**: a build would stop (missing images, say): the first error is shown;
- **time**: the pipeline's seconds.

A document is right when its count is in range, its first and last questions are found, no
formula is lost and nothing stops the build. Run: `python -m tests.corpus_report [FOLDER]`.
"""

from __future__ import annotations

import html
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deckgen.errors import DeckgenError
from deckgen.model import Card, NoteFields
from deckgen.options import BuildOptions
from deckgen.pipeline import run

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"


@dataclass(frozen=True, slots=True)
class Expected:
    """A person's reading of one document (the keys this report uses)."""

    name: str
    low: int
    high: int
    first: tuple[str, ...]
    last: str


@dataclass(frozen=True, slots=True)
class Measured:
    """What deckgen made of one document."""

    expected: Expected
    cards: int
    missing: tuple[str, ...]
    """Expected first and last questions that are no card's question."""
    lost_math: int
    formulas: int
    error: str | None
    """The first error that stops the build, or why nothing was built."""
    seconds: float

    @property
    def in_range(self) -> bool:
        return self.expected.low <= self.cards <= self.expected.high

    @property
    def right(self) -> bool:
        return self.in_range and not self.missing and not self.lost_math and self.error is None


def load_expected(folder: Path) -> list[Expected]:
    """Every entry of every `expected-*.json` in `folder`, by document name."""
    found: list[Expected] = []
    for path in sorted(folder.glob("expected-*.json")):
        entries: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        for name, entry in entries.items():
            low, high = entry["qa_pairs_range"]
            found.append(
                Expected(
                    name,
                    int(low),
                    int(high),
                    tuple(entry["first_questions"]),
                    entry["last_question"],
                )
            )
    return sorted(found, key=lambda expected: expected.name.lower())


# --- questions as a reader reads them -------------------------------------------------------

_LABEL = re.compile(
    r"^(?:(?:Q(?:uestion)?\s*\d*|\d+)\s*[:.)\-\u2013\u2014]\s*|Q\d+\s+)", re.IGNORECASE
)
_TAG = re.compile(r"<[^>]+>")
_SHOWN_MATH = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)
_EMPHASIS = re.compile(r"\*\*|__|~~|(?<![\w\\])[*_]|[*_](?!\w)|`")


def plain(text: str) -> str:
    """`text` (a card's question HTML or Markdown, or a person's words) as plain words: no tags,
    entities, emphasis or backticks, math as `$…$`, no leading number label, one space."""
    shown = _SHOWN_MATH.sub(lambda m: f"${m[1] or m[2]}$", text)
    words = " ".join(html.unescape(_TAG.sub("", _EMPHASIS.sub("", shown))).split())
    return _LABEL.sub("", words, count=1).strip()


def missing_questions(
    expected: Expected, cards: Sequence[Card], fields: Sequence[NoteFields]
) -> tuple[str, ...]:
    """The expected questions that are no card's question, read from its Markdown or its HTML."""
    asked = {plain(card.question) for card in cards} | {plain(f.question) for f in fields}
    wanted = [*expected.first, expected.last]
    return tuple(question for question in wanted if plain(question) not in asked)


# --- math -----------------------------------------------------------------------------------

_FENCE = re.compile(r"^ *(`{3,}|~{3,}).*?^ *\1", re.DOTALL | re.MULTILINE)
_INLINE_CODE = re.compile(r"(`+)[^`]+?\1")
_ESCAPED = re.compile(r"\\[\\$]")
_MATH = re.compile(r"\$\$(.+?)\$\$|\$(?!\s)([^$\n]+?)(?<!\s)\$(?!\d)", re.DOTALL)


def math_spans(text: str) -> list[tuple[int, str]]:
    """(line, TeX) of each `$…$` and `$$…$$` of `text` by a plain scan: fences, code spans and
    escaped dollars (`\\$3`, money) are no math."""
    blank = _ESCAPED.sub("  ", _INLINE_CODE.sub(_spaces, _FENCE.sub(_spaces, text)))
    # Found in the blanked text, read from the text itself: `\\` in TeX stays.
    return [
        (
            blank.count("\n", 0, m.start()) + 1,
            text[m.start(m.lastindex or 0) : m.end(m.lastindex or 0)].strip(),
        )
        for m in _MATH.finditer(blank)
    ]


def _spaces(match: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", match[0])


def lost_math(text: str, cards: Sequence[Card], fields: Sequence[NoteFields]) -> tuple[int, int]:
    """(formulas lost, formulas looked for): the document's formulas from its first card's line
    on that no card shows."""
    first = min((card.line for card in cards), default=None)
    if first is None:
        return 0, 0
    wanted = Counter(" ".join(tex.split()) for line, tex in math_spans(text) if line >= first)
    shown_text = "\n".join(html.unescape(f.question + "\n" + f.answer) for f in fields)
    shown = Counter(" ".join((m[1] or m[2]).split()) for m in _SHOWN_MATH.finditer(shown_text))
    return sum((wanted - shown).values()), sum(wanted.values())


# --- one document, then the table -----------------------------------------------------------


def measure(folder: Path, expected: Expected) -> Measured:
    """Build `expected`'s document with no settings and measure it."""
    source = folder / expected.name
    start = time.perf_counter()
    try:
        built = run(source, BuildOptions(), None, now=0, verdict=False)
    except DeckgenError as exc:
        seconds = time.perf_counter() - start
        return Measured(expected, 0, (*expected.first, expected.last), 0, 0, str(exc), seconds)
    seconds = time.perf_counter() - start
    rendered = built.rendered
    cards, fields = rendered.document.cards, rendered.fields
    lost, formulas = lost_math(rendered.text, cards, fields)
    errors = [d for d in rendered.diagnostics if d.severity == "error"]
    error = f"{len(errors)} errors, first: {errors[0]}" if errors else None
    missing = missing_questions(expected, cards, fields)
    return Measured(expected, len(cards), missing, lost, formulas, error, seconds)


def table(rows: Sequence[Measured]) -> list[str]:
    """One line per document, then the notes of those not right, then the total."""
    lines = [f"{'document':<44} {'cards':>5} {'range':>9}  first/last  math     time  right"]
    for row in rows:
        wanted = len(row.expected.first) + 1
        found = f"{wanted - len(row.missing)}/{wanted}"
        math = f"{row.formulas - row.lost_math}/{row.formulas}"
        span = f"{row.expected.low}-{row.expected.high}"
        lines.append(
            f"{row.expected.name[:44]:<44} {row.cards:>5} {span:>9}  {found:>10}  {math:>7}"
            f" {row.seconds:6.2f}s  {'yes' if row.right else 'NO'}"
        )
    for row in rows:
        if row.right:
            continue
        lines.append(f"{row.expected.name}:")
        if not row.in_range:
            lines.append(
                f"  {row.cards} cards, a person counts {row.expected.low}-{row.expected.high}"
            )
        lines += [f"  not a card's question: {question!r}" for question in row.missing]
        if row.lost_math:
            lines.append(f"  {row.lost_math} of {row.formulas} formulas shown by no card")
        if row.error is not None:
            lines.append(f"  {row.error}")
    right = sum(1 for row in rows if row.right)
    lines.append(f"{right} of {len(rows)} documents right")
    return lines


def main(argv: Sequence[str]) -> int:
    folder = Path(argv[0]) if argv else CORPUS
    if not folder.is_dir():
        print(f"no corpus at {folder}: nothing to measure (see tests/corpus_report.py)")
        return 0
    expected = load_expected(folder)
    if not expected:
        print(f"{folder} holds no expected-*.json: nothing to measure")
        return 0
    print(f"corpus: {folder}")
    for line in table([measure(folder, entry) for entry in expected]):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
