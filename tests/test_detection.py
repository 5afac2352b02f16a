"""Shape detection's settings and reports: `question`, `question-pattern`, coverage, hints."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from deckgen.cli.commands import cli
from deckgen.options import BuildOptions
from deckgen.pipeline import outline, run

TERMS = """# Notes

## Optimisers

**Gradient descent**

Step against the gradient.

**Momentum**

Keep a running average of the steps.
"""

PATTERNED = """# Notes

## Topic

### Card: backprop

The chain rule, layer by layer.

### Background

Reading, not a card.

### Card: dropout

Zero random units while training.
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _questions(path: Path) -> list[str]:
    built = run(path, BuildOptions(), None, now=0, verdict=False)
    return [card.question for card in built.rendered.document.cards]


def test_detection__bold_terms_are_questions_only_when_the_setting_says_so(
    tmp_path: Path,
) -> None:
    plain = _write(tmp_path, "plain.md", TERMS)
    # Bold labels that do not ask are emphasis: the `##` heading is the one card.
    assert _questions(plain) == ["Optimisers"]
    told = _write(tmp_path, "told.md", "---\ndeckgen:\n  question: bold\n---\n" + TERMS)
    assert _questions(told) == ["Gradient descent", "Momentum"]
    read = outline(told, BuildOptions())
    assert read.shape.describe() == "parts at ##, questions as bold or Q: paragraphs"
    assert read.shape.reason == 'question = "bold" is set'


def test_detection__a_question_pattern_picks_the_headings_and_reports_the_rest(
    tmp_path: Path,
) -> None:
    path = _write(
        tmp_path, "p.md", "---\ndeckgen:\n  question-pattern: '^Card:'\n---\n" + PATTERNED
    )
    assert _questions(path) == ["Card: backprop", "Card: dropout"]
    checked = CliRunner().invoke(cli, ["check", str(path)])
    assert f"{path}:15: info: line 15 belongs to no card (not under a question)" in checked.output


def test_detection__question_heading_ignores_bold_questions(tmp_path: Path) -> None:
    text = (
        "## Part 1: A\n\n### What is X?\n\nA thing.\n\n**Is it Y?**\n\nNo.\n\n"
        "**Is it Z?**\n\nYes.\n"
    )
    detected = _write(tmp_path, "d.md", text)
    assert _questions(detected) == ["What is X?"]  # bold lines inside an answer stay in it
    headings = _write(tmp_path, "h.md", "---\ndeckgen:\n  question: heading\n---\n" + text)
    assert _questions(headings) == ["What is X?"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('question = "cards"', 'question: expected one of "heading", "bold", "list", "details"'),
        ('question-pattern = "(unclosed"', "question-pattern: '(unclosed' is not a regular"),
    ],
)
def test_detection__bad_settings_name_their_line(tmp_path: Path, line: str, message: str) -> None:
    config = _write(tmp_path, "deckgen.toml", line + "\n")
    source = _write(tmp_path, "a.md", PATTERNED)
    result = CliRunner().invoke(cli, ["list", str(source), "--config", str(config)])
    assert result.exit_code == 1
    assert result.output.startswith(f"{config}:1: error: {message}"), result.output


def test_detection__details_answers_render_as_markdown_without_the_wrapper(
    tmp_path: Path,
) -> None:
    text = (
        "## Part 1: A\n\n### What is X?\n\n<details><summary>Answer</summary>\n\n"
        "It is **bold** and `code`.\n\n</details>\n"
    )
    built = run(_write(tmp_path, "x.md", text), BuildOptions(), None, now=0)
    (fields,) = built.rendered.fields
    assert fields.answer == "<p>It is <strong>bold</strong> and <code>code</code>.</p>"


def test_detection__list_answers_lose_their_label_and_single_item_wrapper(tmp_path: Path) -> None:
    text = (
        "## Unit 1\n\n- **Q: When?**\n  - *A:* In 476.\n- **Q: Who?**\n  - **Answer:** Odoacer.\n"
    )
    built = run(_write(tmp_path, "l.md", text), BuildOptions(), None, now=0)
    cards = built.rendered.document.cards
    assert [card.question for card in cards] == ["When?", "Who?"]
    assert [f.answer for f in built.rendered.fields] == ["In 476.", "Odoacer."]


def test_detection__coverage_counts_every_line(tmp_path: Path) -> None:
    text = "# T\n\nIntro.\n\n## Part 1: A\n\n### Q?\n\nAnswer one.\n\n## Notes\n\nLeft out.\n"
    read = outline(_write(tmp_path, "c.md", text), BuildOptions())
    # Title, intro and the part heading are kept; the `## Notes` body is in no card.
    assert (read.coverage.lines, read.coverage.in_cards) == (13, 4)
    assert read.coverage.dropped == ((13, 13),)
    assert read.coverage.describe() == (
        "4 of 13 lines in cards; 8 in preamble, trailer, headings and part intros; 1 in no card"
    )


def test_detection__a_document_with_no_cards_says_what_it_holds(tmp_path: Path) -> None:
    path = _write(tmp_path, "n.md", "# T\n\n## A\n## B\n#### c\n")
    result = CliRunner().invoke(cli, ["build", str(path), "-o", str(tmp_path / "n.apkg")])
    assert result.exit_code == 1
    assert result.output == (
        f"{path}: error: no cards: no question headings (`### …`) under any part; it holds "
        "headings at # (1) and ## (2) and #### (1); try `question-level = 2` or "
        "`question-level = 4` (deckgen.toml or front matter)\n"
    )


def test_detection__q_and_a_lines_are_cards(tmp_path: Path) -> None:
    text = (
        "## TCP\n\nQ: What does the handshake do?\nA: It syncs sequence numbers.\n\n"
        "**Q:** Why slow start?\n**A:** To probe the path.\nIt doubles each round trip.\n"
    )
    built = run(_write(tmp_path, "q.md", text), BuildOptions(), None, now=0)
    assert [c.question for c in built.rendered.document.cards] == [
        "What does the handshake do?",
        "Why slow start?",
    ]
    assert [f.answer for f in built.rendered.fields] == [
        "<p>It syncs sequence numbers.</p>",
        "<p>To probe the path.\nIt doubles each round trip.</p>",
    ]


def test_detection__numbered_bold_questions_in_a_list_are_cards(tmp_path: Path) -> None:
    text = (
        "# SQL\n\n1. **What is a primary key?**\n\n   It identifies a row.\n\n"
        "2. **What is a foreign key?**\n\n   It points at another table's key.\n"
    )
    built = run(_write(tmp_path, "l.md", text), BuildOptions(), None, now=0)
    assert [c.question for c in built.rendered.document.cards] == [
        "What is a primary key?",
        "What is a foreign key?",
    ]
    assert built.rendered.fields[1].answer == "<p>It points at another table's key.</p>"


def test_detection__readme_anchors_and_answer_labels_are_not_card_text(tmp_path: Path) -> None:
    text = (
        '## Basics\n\n### <a name="q1"></a> What is X?\n\n**Answer:** It is Y.\n\n'
        "### <a id='q2'></a>What is Z?\n\nA: Zed.\n\n### What is W?\n\nA. Smith named it.\n"
    )
    built = run(_write(tmp_path, "r.md", text), BuildOptions(), None, now=0)
    assert [c.question for c in built.rendered.document.cards] == [
        "What is X?",
        "What is Z?",
        "What is W?",
    ]
    # A label is dropped only with its colon: "A. Smith" is the answer's first words.
    assert [f.answer for f in built.rendered.fields] == [
        "<p>It is Y.</p>",
        "<p>Zed.</p>",
        "<p>A. Smith named it.</p>",
    ]


def test_detection__a_lone_answer_label_above_the_answer_is_dropped(tmp_path: Path) -> None:
    text = "## Basics\n\n### 1. Bias-variance tradeoff\n\n**Answer**\n\nBias and variance.\n"
    built = run(_write(tmp_path, "a.md", text), BuildOptions(), None, now=0)
    assert [f.answer for f in built.rendered.fields] == ["<p>Bias and variance.</p>"]


def test_detection__plain_numbered_questions_with_nested_answers_are_cards(tmp_path: Path) -> None:
    text = (
        "# Stats\n\n1. What is overfitting?\n   - Memorizing noise.\n"
        "2. What is underfitting?\n   - Too simple a model.\n"
    )
    built = run(_write(tmp_path, "p.md", text), BuildOptions(), None, now=0)
    assert [c.question for c in built.rendered.document.cards] == [
        "What is overfitting?",
        "What is underfitting?",
    ]
    assert [f.answer for f in built.rendered.fields] == ["Memorizing noise.", "Too simple a model."]


def test_detection__list_counts_the_questions_that_are_no_cards(tmp_path: Path) -> None:
    text = (
        "# FAQ\n\n## What is it?\n\nA tool.\n\n## Who wrote it?\n\nTODO\n\n"
        "## How does it compare?\n\nSee the [comparison page](https://example.org/compare).\n"
    )
    listed = CliRunner().invoke(cli, ["list", str(_write(tmp_path, "f.md", text))])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0].endswith("1 cards (no parts, questions at ##): 3 headings at ## ask questions")
    assert (
        lines[2] == "  no cards: 1 unanswered, 1 answered only by links (deckgen check lists them)"
    )
