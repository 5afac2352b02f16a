"""Documents not shaped like the seed: detected levels, overrides, front matter, real imports."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from anki.collection import Collection
from click.testing import CliRunner
from markdown_it import MarkdownIt

from deckgen.api import BuildOptions, build
from deckgen.cli.commands import cli
from deckgen.parse.shape import Shape, detect_shape
from tests.anki_support import import_apkg, notes
from tests.conftest import SEED

SHAPES = Path(__file__).parent / "fixtures" / "shapes"


def _shape(
    md: MarkdownIt, path: Path, *, part_level: int | None = None, question_level: int | None = None
) -> Shape:
    """The detected levels (the reason and other question levels are not compared here)."""
    tokens = md.parse(path.read_text(encoding="utf-8"), {})
    found = detect_shape(tokens, part_level=part_level, question_level=question_level)
    return Shape(found.part_level, found.question_level)


def test_shape__detected_for_each_fixture_and_the_seed(md: MarkdownIt) -> None:
    assert _shape(md, SEED) == Shape(part_level=2, question_level=3)
    assert _shape(md, SHAPES / "flat.md") == Shape(part_level=None, question_level=2)
    assert _shape(md, SHAPES / "three-levels.md") == Shape(part_level=3, question_level=4)
    # One `####` detail inside an answer does not make `####` the question level.
    assert _shape(md, SHAPES / "front-matter.md") == Shape(part_level=2, question_level=3)


def test_shape__pinned_levels_win_and_part_level_follows(md: MarkdownIt) -> None:
    three = SHAPES / "three-levels.md"
    assert _shape(md, three, question_level=3) == Shape(part_level=2, question_level=3)
    assert _shape(md, three, part_level=2) == Shape(part_level=2, question_level=4)
    assert _shape(md, three, part_level=0) == Shape(part_level=None, question_level=4)


CASES = {
    # fixture: (cards, deck, one question, its tags)
    "flat.md": (3, "Statistics Flashcards", "What is a p-value?", ["flat::01-flat"]),
    "three-levels.md": (
        6,
        "Systems Design Notes",
        "Why does TCP slow-start?",
        ["three-levels::03-transport"],
    ),
    "front-matter.md": (
        3,
        "Probability Drills",
        "What does the weak law say?",
        ["prob::02-laws-of-large-numbers", "prob::topic::limits"],
    ),
}


@pytest.mark.anki
@pytest.mark.parametrize("name", sorted(CASES))
def test_shape__fixture_imports_with_expected_cards(
    name: str, collection: Collection, tmp_path: Path
) -> None:
    cards, deck, question, tags = CASES[name]
    out = tmp_path / f"{name}.apkg"
    report = build(SHAPES / name, out)
    import_apkg(collection, out)
    seen = notes(collection)
    assert report.cards == collection.card_count() == len(seen) == cards
    assert {d for n in seen.values() for d in n.decks} == {deck}
    (note,) = [n for n in seen.values() if n.fields["Question"] == question]
    assert sorted(note.tags) == tags


def test_shape__unanswered_question_is_skipped_with_a_warning(tmp_path: Path) -> None:
    # A copy: the command writes its state file beside the source.
    source = Path(shutil.copy(SHAPES / "flat.md", tmp_path))
    result = CliRunner().invoke(cli, ["build", str(source), "-o", str(tmp_path / "f.apkg")])
    assert result.exit_code == 0, result.output
    assert f"{source}:16: warning: question has no answer; skipped\n" in result.output
    assert "3 cards in 1 part" in result.output


def test_shape__command_line_levels_override_detection(tmp_path: Path) -> None:
    source = SHAPES / "three-levels.md"
    listed = CliRunner().invoke(cli, ["list", str(source), "--question-level", "3"])
    assert listed.exit_code == 0, listed.output
    assert listed.output.splitlines()[0] == (
        f"{source}: 3 cards (parts at ##, questions at ###): question-level is set"
    )
    bad = CliRunner().invoke(cli, ["list", str(source), "--part-level", "4"])
    assert bad.exit_code == 1
    assert bad.output == (
        f"{source}: error: part level 4 must be above question level 4 "
        "(parts at #### hold questions at ####)\n"
    )


def test_shape__list_reads_front_matter_topics(tmp_path: Path) -> None:
    source = SHAPES / "front-matter.md"
    result = CliRunner().invoke(cli, ["list", str(source)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"{source}: 3 cards (parts at ##, questions at ###): 3 headings at ### ask questions",
        "  15 of 32 lines in cards; 17 in preamble, trailer, headings and part intros",
        "     2  Part 1: Counting               tag:prob::01-counting",
        "     1  Part 2: Laws of Large Numbers  tag:prob::02-laws-of-large-numbers",
        "  topics:",
        "     2  basics (part 1)  tag:prob::topic::basics",
        "     1  limits (part 2)  tag:prob::topic::limits",
    ]


@pytest.mark.anki
def test_shape__front_matter_deck_loses_to_the_command_line(
    collection: Collection, tmp_path: Path
) -> None:
    out = tmp_path / "fm.apkg"
    build(SHAPES / "front-matter.md", out, BuildOptions(deck_name="Mine"))
    import_apkg(collection, out)
    assert {d for n in notes(collection).values() for d in n.decks} == {"Mine"}
