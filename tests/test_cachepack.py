"""The cache keeps a snapshot as columns and gives back exactly the snapshot it was given."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from deckgen.cache.pack import pack_snapshot, unpack_snapshot
from deckgen.cache.snapshot import CardOutput, Heading, Snapshot
from deckgen.model import Diagnostic, Part
from deckgen.parse.shape import SEED_SHAPE

PARTS = (Part(1, "One", "Part 1: One", 3), Part(2, "Two", "Part 2: Two", 9))


def _card(
    n: int, answer_html: str = "<p>a</p>", tags: tuple[str, ...] = ("d::01-one",)
) -> CardOutput:
    return CardOutput(
        question=f"Q{n}?",
        part=n % 2,
        line=4 + n * 3,
        anchor=f"q{n}",
        source=f"### Q{n}?\n\nA{n}.\n",
        question_html=f"Q{n}?",
        answer_html=answer_html,
        part_html="Part 1: One" if n % 2 == 0 else "Part 2: Two",
        answer=f"{n:016x}",
        note=(f"dg-{n:012x}", f"doc.md#q{n}", tags),
        content=f"{n + 1:016x}",
    )


def _snapshot(cards: tuple[CardOutput, ...]) -> Snapshot:
    return Snapshot(
        text="# Doc\n\n## Part 1: One\n",
        title="Doc",
        shape=SEED_SHAPE,
        parts=PARTS,
        cards=cards,
        headings=(Heading(0, 1, 1, False), Heading(2, 3, 2, True)),
        parse_diagnostics=(Diagnostic(Path("doc.md"), 3, "warning", "odd"),),
        local=((), (Diagnostic(Path("doc.md"), 5, "error", "bad"),)),
        spliceable=True,
    )


@pytest.mark.parametrize(
    "cards",
    [
        (),
        (_card(0),),
        tuple(_card(n, tags=("d::01-one", f"d::topic::t{n % 3}")) for n in range(50)),
        (_card(0), _card(1, answer_html="<p>a\x00b</p>"), _card(2, tags=())),
    ],
    ids=["no-cards", "one-card", "many-cards", "odd-values"],
)
def test_cachepack__unpacks_to_the_same_snapshot(cards: tuple[CardOutput, ...]) -> None:
    snapshot = _snapshot(cards)
    packed = pickle.loads(pickle.dumps(pack_snapshot(snapshot)))
    assert unpack_snapshot(packed) == snapshot


def test_cachepack__columns_that_disagree_are_refused() -> None:
    text, title, shape, parts, cards, tags, headings, diags, local, ok = pack_snapshot(
        _snapshot(tuple(_card(n) for n in range(3)))
    )
    strings, part_of, lines, tags_of = cards
    short = (strings, part_of[:-1], lines, tags_of)
    with pytest.raises(ValueError, match="disagree"):
        unpack_snapshot((text, title, shape, parts, short, tags, headings, diags, local, ok))
