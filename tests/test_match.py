"""Matching edited questions to the identities of the previous build (a pure function)."""

from __future__ import annotations

from deckgen.identity.ids import question_ids
from deckgen.identity.match import (
    MAX_PAIRS,
    Current,
    Known,
    Matching,
    match_cards,
    similarity,
    unnumbered,
)

NS = "deck"


def known(*cards: tuple[str, str, str]) -> list[Known]:
    """Remembered cards with the IDs a first build would have given them."""
    ids = question_ids(NS, [question for question, _, _ in cards])
    return [Known(i, q, part, answer) for i, (q, part, answer) in zip(ids, cards, strict=True)]


def methods(matching: Matching) -> list[str]:
    return [a.method for a in matching.assignments]


def test_match__without_state_ids_are_question_ids() -> None:
    current = [Current("What is A?", "P1", "a"), Current("What is A?", "P2", "b")]
    matching = match_cards([], current, NS)
    assert [a.id for a in matching.assignments] == question_ids(NS, ["What is A?", "What is A?"])
    assert len({a.id for a in matching.assignments}) == 2


def test_match__same_text_keeps_the_id_even_when_answer_and_part_change() -> None:
    before = known(("What is LSTM?", "P1", "a1"), ("What is GRU?", "P1", "g1"))
    matching = match_cards(before, [Current("what is  GRU", "P2", "g2")], NS)
    assert matching.assignments[0].id == before[1].id
    assert methods(matching) == ["question"]
    assert matching.unmatched == (0,)


def test_match__identical_questions_follow_their_part_and_answer() -> None:
    before = known(("Why?", "P1", "a"), ("Why?", "P2", "b"), ("Why?", "P3", "c"))
    # The first one is deleted, the other two swap order: each keeps its own identity.
    matching = match_cards(before, [Current("Why?", "P3", "c"), Current("Why?", "P2", "b")], NS)
    assert [a.id for a in matching.assignments] == [before[2].id, before[1].id]
    assert matching.unmatched == (0,)


def test_match__a_reworded_question_with_the_same_answer_keeps_its_id() -> None:
    before = known(("Explain the Chinchilla scaling laws", "P4", "chin"), ("What is X?", "P4", "x"))
    current = [Current("What do compute-optimal models need?", "P4", "chin")]
    matching = match_cards(before, current, NS)
    assert matching.assignments[0].id == before[0].id
    assert methods(matching) == ["answer"]


def test_match__a_rephrased_question_with_a_new_answer_is_found_by_similarity() -> None:
    before = known(
        ("What's the KV cache and why is it needed?", "P4", "kv1"),
        ("What is in-context learning?", "P4", "icl"),
    )
    current = [
        Current("What is in-context learning?", "P4", "icl"),
        Current("What is the KV cache, and why do we need it?", "P4", "kv2"),
    ]
    matching = match_cards(before, current, NS)
    assert [a.id for a in matching.assignments] == [before[1].id, before[0].id]
    assert methods(matching) == ["question", "similar"]
    assert matching.assignments[1].score >= 0.55


def test_match__an_unrelated_new_question_is_new_and_the_old_one_removed() -> None:
    before = known(("What is dropout?", "P1", "d"))
    matching = match_cards(before, [Current("How does beam search work?", "P1", "b")], NS)
    assert methods(matching) == ["new"]
    assert matching.unmatched == (0,)
    assert matching.assignments[0].id == question_ids(NS, ["How does beam search work?"])[0]


def test_match__two_equally_close_candidates_are_reported_not_guessed() -> None:
    before = known(
        ("How is attention masked in the encoder?", "P3", "enc"),
        ("How is attention masked in the decoder?", "P3", "dec"),
    )
    current = [Current("How is attention masked in the transformer?", "P3", "new")]
    matching = match_cards(before, current, NS)
    assert methods(matching) == ["new"]
    assert [k for k, _ in matching.ambiguities[0].candidates] == [0, 1]
    assert matching.unmatched == (0, 1)


def test_match__a_pinned_id_wins_over_everything() -> None:
    before = known(("What is A?", "P1", "a"), ("What is B?", "P1", "b"))
    current = [
        Current("What is A?", "P1", "a", pinned=before[1].id),
        Current("What is A?", "P1", "a"),
    ]
    matching = match_cards(before, current, NS)
    assert [a.id for a in matching.assignments] == [before[1].id, before[0].id]
    assert methods(matching) == ["pinned", "question"]


def test_match__a_new_id_never_reuses_a_remembered_one() -> None:
    # "What is A?" was removed earlier under its question ID; an unrelated pin took it since.
    before = [Known(question_ids(NS, ["What is A?"])[0], "Something else", "P1", "z")]
    current = [Current("Something else", "P1", "z"), Current("What is A?", "P1", "a")]
    matching = match_cards(before, current, NS)
    assert matching.assignments[1].id == question_ids(NS, ["What is A?"] * 2)[1]
    assert len({a.id for a in matching.assignments}) == 2


def test_match__similarity_discounts_template_words() -> None:
    templated = similarity(
        "What's the difference between pre-LN and post-LN?",
        "What's the difference between RLHF and DPO?",
        {
            word: 0.2 if word in {"what", "s", "the", "difference", "between", "and"} else 1.0
            for word in [
                "what",
                "s",
                "the",
                "difference",
                "between",
                "pre",
                "ln",
                "post",
                "and",
                "rlhf",
                "dpo",
            ]
        },
    )
    typo = similarity("What is in-context lerning?", "What is in-context learning?")
    assert templated < 0.55 < typo


def test_match__a_wholesale_rewrite_skips_similarity_and_says_so() -> None:
    size = 700  # 700 x 700 leftover pairs: beyond MAX_PAIRS
    assert size * size > MAX_PAIRS
    before = known(*((f"What is old topic {n}?", "P", f"a{n}") for n in range(size)))
    current = [Current(f"What is new topic {n}?", "P", f"b{n}") for n in range(size)]
    matching = match_cards(before, current, NS)
    assert matching.similarity_skipped
    assert set(methods(matching)) == {"new"}
    assert len(matching.unmatched) == size


def test_match__renumbered_questions_keep_their_ids() -> None:
    # A question inserted near the top renumbers every one below it.
    old = [f"{n}) What is topic {word}?" for n, word in enumerate(["alpha", "beta", "gamma"], 1)]
    new = ["1) What is the new one?"] + [
        f"{n}) What is topic {word}?" for n, word in enumerate(["alpha", "beta", "gamma"], 2)
    ]
    before = [Known(f"id-{i}", q, "P", f"a{i}") for i, q in enumerate(old)]
    matching = match_cards(before, [Current(q, "P", f"edited{i}") for i, q in enumerate(new)], NS)
    assert [a.id for a in matching.assignments][1:] == ["id-0", "id-1", "id-2"]
    assert matching.assignments[0].method == "new"
    assert unnumbered("q12: what is x") == "what is x"
    assert unnumbered("3.5 ways") == "3.5 ways"


def test_match__a_renumbered_question_keeps_its_id_over_another_files_copy() -> None:
    # File a numbers the question `6)` and then `7)`; file b asks the same words, unnumbered,
    # then numbered `6)`: each copy follows its own answer, not the other's old text.
    before = [
        Known("id-a", "6) What does X mean?", "P1", "answer-a", "a.md"),
        Known("id-b", "What does X mean?", "P3", "answer-b", "b.md"),
    ]
    current = [
        Current("7) What does X mean?", "P1", "answer-a", None, "a.md"),
        Current("6) What does X mean?", "P3", "answer-b", None, "b.md"),
    ]
    assert [a.id for a in match_cards(before, current, NS).assignments] == ["id-a", "id-b"]
