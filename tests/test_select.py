"""Choosing parts, topics and questions of the seed to study."""

from __future__ import annotations

from pathlib import Path

import pytest

from deckgen.api import default_output
from deckgen.errors import SourceError
from deckgen.model import Document
from deckgen.parse.cards import parse_document
from deckgen.parse.markdown import make_markdown
from deckgen.select import Selection, Topic, parse_part_selector, select_cards
from tests.conftest import SEED

TOPICS = (
    Topic("llm", tuple(map(parse_part_selector, [4, 5, 6]))),
    Topic("game-theory", (parse_part_selector("11-18"),)),
    Topic("attention-and-after", (parse_part_selector("attention"), parse_part_selector(3))),
)


@pytest.fixture(scope="module")
def seed() -> Document:
    return parse_document(SEED.read_text(encoding="utf-8"), SEED, make_markdown())


def _parts(seed: Document, **selection: tuple[str, ...]) -> list[int]:
    cards = select_cards(seed, Selection(**selection), TOPICS)
    return sorted({card.part.number for card in cards})


def _count(seed: Document, *numbers: int) -> int:
    return sum(1 for card in seed.cards if card.part.number in numbers)


def test_select__no_selection_is_the_whole_deck(seed: Document) -> None:
    assert select_cards(seed, Selection(), TOPICS) == seed.cards


def test_select__part_by_number(seed: Document) -> None:
    cards = select_cards(seed, Selection(parts=("4",)), TOPICS)
    assert {card.part.title for card in cards} == {"Large Language Models"}
    assert len(cards) == _count(seed, 4) == 10


def test_select__part_range_is_inclusive(seed: Document) -> None:
    assert _parts(seed, parts=("11-18",)) == list(range(11, 19))
    assert len(select_cards(seed, Selection(parts=("11-18",)))) == 74


def test_select__part_by_title_piece_ignores_case(seed: Document) -> None:
    assert _parts(seed, parts=("ATTENTION",)) == [2]
    assert _parts(seed, parts=("models",)) == [4, 8, 10]


def test_select__parts_are_a_union_and_keep_document_order(seed: Document) -> None:
    cards = select_cards(seed, Selection(parts=("14", "1", "lstm")))
    assert sorted({c.part.number for c in cards}) == [1, 14]
    assert [c.line for c in cards] == sorted(c.line for c in cards)


def test_select__topic_selects_its_parts(seed: Document) -> None:
    assert _parts(seed, topics=("llm",)) == [4, 5, 6]
    assert _parts(seed, topics=("llm", "attention-and-after")) == [2, 3, 4, 5, 6]


def test_select__options_intersect(seed: Document) -> None:
    assert _parts(seed, topics=("game-theory",), parts=("14", "2")) == [14]
    cards = select_cards(seed, Selection(topics=("llm",), grep=("lora", "rlhf")), TOPICS)
    assert {c.part.number for c in cards} <= {4, 5, 6}
    assert cards and all(
        "lora" in c.question.lower() or "rlhf" in c.question.lower() for c in cards
    )


def test_select__grep_searches_questions_case_insensitively(seed: Document) -> None:
    cards = select_cards(seed, Selection(grep=(r"nash\b",)))
    expected = [c for c in seed.cards if "nash" in c.question.lower()]
    assert cards == tuple(expected) and len(cards) > 1


def test_select__empty_selection_lists_parts_and_topics(seed: Document) -> None:
    with pytest.raises(SourceError) as caught:
        select_cards(seed, Selection(topics=("llm",), parts=("18",)), TOPICS)
    assert caught.value.path == SEED and caught.value.line is None
    message = caught.value.message
    assert message.startswith("--topic llm --part 18 selects no card (parts: 1 LSTM, 2 Attention")
    assert "18 Counterfactual Regret Minimization; " in message
    assert message.endswith("topics: llm, game-theory, attention-and-after)")


def _error(seed: Document, selection: Selection) -> str:
    with pytest.raises(SourceError) as caught:
        select_cards(seed, selection, TOPICS)
    assert caught.value.path == seed.path
    return caught.value.message


def test_select__part_matching_nothing_is_an_error(seed: Document) -> None:
    message = _error(seed, Selection(parts=("4", "40")))
    assert message.startswith("--part 40 matches no part (parts: 1 LSTM, 2 Attention Mechanism, ")


def test_select__unknown_topic_suggests_the_close_one(seed: Document) -> None:
    assert _error(seed, Selection(topics=("lm",))) == (
        "no topic named 'lm' (did you mean 'llm'? topics: llm, game-theory, attention-and-after)"
    )


def test_select__bad_regex_and_backwards_range_are_errors(seed: Document) -> None:
    assert _error(seed, Selection(grep=("(",))) == (
        "--grep '(' is not a regular expression: missing ), unterminated subpattern at position 0"
    )
    assert _error(seed, Selection(parts=("18-11",))) == (
        "--part 18-11: range '18-11' runs backwards; write 11-18"
    )


def test_select__topic_selector_matching_nothing_points_at_the_topic(seed: Document) -> None:
    typo = Topic("typo", (parse_part_selector(4), parse_part_selector(40)), Path("deckgen.toml"), 7)
    with pytest.raises(SourceError) as caught:
        select_cards(seed, Selection(topics=("typo",)), (typo,))
    assert (caught.value.path, caught.value.line) == (Path("deckgen.toml"), 7)
    assert caught.value.message.startswith(
        "topic 'typo': part '40' matches no part of ml-interview-qa.md (parts: 1 LSTM"
    )


def test_select__output_name_says_what_was_selected() -> None:
    source = Path("source/ml-interview-qa.md")
    assert default_output(source) == Path("build/ml-interview-qa.apkg")
    assert default_output(source, selection=Selection(topics=("llm",))) == Path(
        "build/ml-interview-qa--llm.apkg"
    )
    both = Selection(parts=("11-18", "4", "Attention Mech"), topics=("llm",), grep=("nash|cfr",))
    assert default_output(source, selection=both) == Path(
        "build/ml-interview-qa--llm--part-11-18--part-4--attention-mech--grep-nashcfr.apkg"
    )


def test_select__parts_one_by_one_partition_the_deck(seed: Document) -> None:
    picked = [select_cards(seed, Selection(parts=(str(p.number),))) for p in seed.parts]
    flat = [card for cards in picked for card in cards]
    assert len(flat) == len(set(flat)) == len(seed.cards)
    assert select_cards(seed, Selection(parts=("1-18",))) == seed.cards
