"""`make corpus` (tests/corpus_report.py): the table it prints over a corpus folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.corpus_report import main, math_spans, plain

DOCUMENT = """# Statistics drill

## What is a p-value?

The chance, under the null hypothesis, of a result at least as extreme: $P(T \\ge t)$.

## Why divide by $n - 1$?

It makes the sample variance unbiased: $\\frac{1}{n-1}\\sum_i (x_i - \\bar x)^2$.
"""


def _corpus(folder: Path, low: int, high: int, last: str) -> Path:
    folder.mkdir()
    (folder / "stats.md").write_text(DOCUMENT, encoding="utf-8")
    entry = {
        "qa_pairs_range": [low, high],
        "first_questions": ["What is a p-value?"],
        "last_question": last,
    }
    (folder / "expected-a.json").write_text(json.dumps({"stats.md": entry}), encoding="utf-8")
    return folder


def test_corpus_report__a_missing_corpus_is_said_and_is_no_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path / "nowhere")]) == 0
    assert "no corpus at" in capsys.readouterr().out


def test_corpus_report__a_document_read_as_its_person_reads_it_is_right(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _corpus(tmp_path / "corpus", 2, 2, "Why divide by $n - 1$?")
    assert main([str(folder)]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("stats.md"))
    assert row.split()[1:5] == ["2", "2-2", "2/2", "3/3"]  # the heading's formula too
    assert out.rstrip().endswith("1 of 1 documents right")


def test_corpus_report__a_count_out_of_range_and_a_missing_question_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _corpus(tmp_path / "corpus", 3, 4, "What is a z-score?")
    main([str(folder)])
    out = capsys.readouterr().out
    assert "2 cards, a person counts 3-4" in out
    assert "not a card's question: 'What is a z-score?'" in out
    assert out.rstrip().endswith("0 of 1 documents right")


def test_corpus_report__math_is_what_dollar_math_reads() -> None:
    text = "Costs \\$3 or \\$10; $a \\\\ b$ and `$code$`.\n\n```\n$fenced$\n```\n\n$$x^2$$\n"
    assert [tex for _, tex in math_spans(text)] == ["a \\\\ b", "x^2"]


def test_corpus_report__questions_compare_as_plain_text() -> None:
    assert plain("<b>What is <code>x</code>?</b>") == "What is x?"
    assert plain("12. Why \\(x^2\\)?") == "Why $x^2$?"
    assert plain("**Q3:** What is *bias*?") == "What is bias?"
