"""Splitting a document into parts and cards."""

from __future__ import annotations

import re
from pathlib import Path

from markdown_it import MarkdownIt

from deckgen.parse.cards import parse_document, parse_tokens


def _parse(md: MarkdownIt, text: str, name: str = "doc.md"):  # type: ignore[no-untyped-def]
    return parse_document(text, Path(name), md)


def test_seed__every_question_heading_is_one_card_in_order(md: MarkdownIt, seed_text: str) -> None:
    # Independent of the parser: `### ` lines outside fences, in order.
    expected, in_fence = [], False
    for number, line in enumerate(seed_text.splitlines(), 1):
        if line.startswith("```"):
            in_fence = not in_fence
        elif not in_fence and line.startswith("### "):
            expected.append((number, line[4:].strip()))
    document = _parse(md, seed_text)
    assert len(document.cards) == 162
    assert [(c.line, c.question) for c in document.cards] == expected


def test_seed__cards_know_their_part(md: MarkdownIt, seed_text: str) -> None:
    document = _parse(md, seed_text)
    assert [p.number for p in document.parts] == list(range(1, 19))
    assert document.parts[0].title == "LSTM"
    assert document.parts[17].title == "Counterfactual Regret Minimization"
    headings = [
        (n, line) for n, line in enumerate(seed_text.splitlines(), 1) if line.startswith("## ")
    ]
    for card in document.cards:
        owning = [line for n, line in headings if n < card.line][-1]
        assert owning == f"## {card.part.heading}"
    assert document.cards[0].part.tag_name == "01-lstm"


def test_seed__preamble_and_trailer_are_not_cards(md: MarkdownIt, seed_text: str) -> None:
    document = _parse(md, seed_text)
    assert document.title == "Interview Questions & Answers"
    assert all("How to use" not in card.source for card in document.cards)
    assert all("End of answers" not in card.source for card in document.cards)
    assert (
        document.cards[-1].source.rstrip().endswith("(two-player general-sum with modifications).")
    )


def test_parse__hash_line_in_code_block_is_not_a_heading(md: MarkdownIt) -> None:
    text = "## Part 1: A\n\n### Q1\n\n```bash\n### not a question\n# nor a title\n```\n\n### Q2\n\nA2\n"
    document = _parse(md, text)
    assert [c.question for c in document.cards] == ["Q1", "Q2"]
    assert "### not a question" in document.cards[0].source


def test_parse__answer_ends_at_thematic_break(md: MarkdownIt) -> None:
    text = "## Part 1: A\n\n### Q\n\nThe answer.\n\n---\n\nNot part of it.\n"
    (card,) = _parse(md, text).cards
    assert card.source == "### Q\n\nThe answer.\n"


def test_parse__deeper_headings_stay_in_the_answer(md: MarkdownIt) -> None:
    text = "## Part 1: A\n\n### Q\n\n#### Detail\n\nMore.\n\n### Q2\n\nB\n"
    split = parse_tokens(md.parse(text), text, Path("doc.md"))
    first, _ = split.document.cards
    assert "#### Detail" in first.source
    assert [t.type for t in split.tokens[0].answer][:1] == ["heading_open"]


def test_parse__question_without_answer_is_skipped_with_warning(md: MarkdownIt) -> None:
    text = "## Part 1: A\n\n### Empty\n\n### Full\n\nYes.\n"
    document = _parse(md, text)
    assert [c.question for c in document.cards] == ["Full"]
    (warning,) = [d for d in document.diagnostics if d.severity == "warning"]
    assert str(warning) == "doc.md:3: warning: question has no answer; skipped"


def test_parse__part_without_number_takes_its_position(md: MarkdownIt) -> None:
    text = "## Basics\n\n### Q\n\nA\n\n## Part 7: Later\n\n### R\n\nB\n"
    document = _parse(md, text)
    assert [(p.number, p.title) for p in document.parts] == [(1, "Basics"), (7, "Later")]


def test_parse__anchors_are_github_style_and_unique(md: MarkdownIt, seed_text: str) -> None:
    document = _parse(md, seed_text)
    anchors = [c.anchor for c in document.cards]
    assert "why-do-we-scale-by-dk" in anchors
    assert len(set(anchors)) == len(anchors)
    assert all(re.fullmatch(r"[\w-]+", a) for a in anchors)
