"""Filtered and merged packages are subsets of the full decks: same notes, never duplicates."""

from __future__ import annotations

import json
import shutil
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from anki.collection import Collection
from click.testing import CliRunner

from deckgen.api import BuildOptions, build
from deckgen.cli.commands import cli
from deckgen.config.project import load_config
from deckgen.identity.state import load_state, state_path
from deckgen.merge import build_merged
from deckgen.notetype.definition import NOTETYPE_NAME
from deckgen.select import Selection
from tests.anki_support import SeenNote, import_apkg, notes, open_collection
from tests.conftest import ROOT, SEED

SHAPES = Path(__file__).parent / "fixtures" / "shapes"
CONFIG = load_config(ROOT / "deckgen.toml")


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The seed built whole, by topic and by part range, with the shipped config."""
    folder = tmp_path_factory.mktemp("packages")
    selections = {
        "full": Selection(),
        "llm": Selection(topics=("llm",)),
        "game": Selection(parts=("11-18",)),
    }
    built = {}
    for name, selection in selections.items():
        out = folder / f"{name}.apkg"
        build(SEED, out, BuildOptions(config=CONFIG, selection=selection))
        built[name] = out
    return built


def _seen(package: Path, folder: Path) -> dict[str, SeenNote]:
    col = open_collection(folder)
    try:
        import_apkg(col, package)
        return dict(notes(col))
    finally:
        col.close()


@pytest.mark.anki
def test_topics__filtered_builds_are_subsets_with_equal_guids(
    packages: dict[str, Path], tmp_path: Path
) -> None:
    full = _seen(packages["full"], tmp_path / "full")
    llm = _seen(packages["llm"], tmp_path / "llm")
    game = _seen(packages["game"], tmp_path / "game")
    assert (len(full), len(llm), len(game)) == (162, 30, 74)
    assert set(llm) < set(full) and set(game) < set(full)
    for guid, note in llm.items():
        # Everything but the modification time, which is the build's.
        assert replace(note, mtime=0) == replace(full[guid], mtime=0)


@pytest.mark.anki
def test_topics__importing_subset_then_full_adds_no_duplicate(
    packages: dict[str, Path], collection: Collection
) -> None:
    import_apkg(collection, packages["llm"])
    import_apkg(collection, packages["game"])
    assert collection.note_count() == 104
    import_apkg(collection, packages["full"])
    assert collection.note_count() == collection.card_count() == 162
    assert {d for n in notes(collection).values() for d in n.decks} == {
        "Interview Questions & Answers"
    }
    # One notetype, not a renamed copy per package.
    names = [m.name for m in collection.models.all_names_and_ids()]
    assert [n for n in names if n.startswith(NOTETYPE_NAME)] == [NOTETYPE_NAME]


@pytest.mark.anki
def test_topics__every_card_carries_its_topic_tags(
    packages: dict[str, Path], collection: Collection
) -> None:
    import_apkg(collection, packages["full"])
    assert len(collection.find_notes("tag:ml-interview-qa::topic::llm")) == 30
    assert len(collection.find_notes("tag:ml-interview-qa::topic::game-theory")) == 74
    both = collection.find_notes(
        "tag:ml-interview-qa::topic::game-theory tag:ml-interview-qa::14-alphazero"
    )
    assert len(both) == 10
    # The combined searches the README shows.
    readme = "tag:ml-interview-qa::topic::game-theory -tag:ml-interview-qa::12-*"
    assert len(collection.find_notes(readme)) == 74 - 9
    either = "tag:ml-interview-qa::01-* OR tag:ml-interview-qa::02-*"
    assert len(collection.find_notes(either)) == 7 + 7
    (nid,) = collection.find_notes('"Question:What problem does LSTM solve*"')
    assert sorted(collection.get_note(nid).tags) == [
        "ml-interview-qa::01-lstm",
        "ml-interview-qa::topic::architectures",
    ]


@pytest.mark.anki
def test_topics__list_prints_the_search_that_finds_each_topic(
    packages: dict[str, Path], collection: Collection
) -> None:
    result = CliRunner().invoke(cli, ["list", str(SEED), "--config", str(ROOT / "deckgen.toml")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    topics = lines[lines.index("  topics:") + 1 :]
    assert len(topics) == len(CONFIG.for_source(SEED).topics)
    import_apkg(collection, packages["full"])
    for line in lines[2:20] + topics:
        count, search = int(line.split()[0]), line.split()[-1]
        assert len(collection.find_cards(search)) == count, line


def test_topics__cli_names_the_subset_after_the_selection(
    seed_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = ["--config", str(ROOT / "deckgen.toml")]
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["build", str(seed_copy), "--topic", "llm", *config])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("30 cards in 3 parts → build/ml-interview-qa--llm.apkg")
    empty = runner.invoke(cli, ["build", str(seed_copy), "--topic", "llm", "--part", "1"])
    assert empty.exit_code == 1
    assert empty.output.startswith(f"{seed_copy}: error: no topic named 'llm' (no topics")
    empty = runner.invoke(cli, ["build", str(seed_copy), "--part", "1", "--grep", "zebra"])
    assert empty.output.startswith(
        f"{seed_copy}: error: --part 1 --grep 'zebra' selects no card (parts: 1 LSTM, "
    )
    outputs = sorted(p.name for p in Path("build").iterdir() if p.name != ".cache")
    assert outputs == ["ml-interview-qa--llm.apkg"]


@pytest.mark.anki
def test_topics__merge_puts_files_in_one_package_with_their_own_ids(
    collection: Collection, tmp_path: Path
) -> None:
    sources = [SHAPES / "flat.md", SHAPES / "three-levels.md"]
    separate = {}
    for source in sources:
        out = tmp_path / f"{source.stem}.apkg"
        build(source, out)
        separate.update(_seen(out, tmp_path / source.stem))
    merged = tmp_path / "merged.apkg"
    report = build_merged(sources, merged, BuildOptions(deck_name="All", subdecks=True))
    assert report.cards == 9
    with zipfile.ZipFile(merged) as zf:
        assert zf.namelist() == ["collection.anki2", "media"]
    import_apkg(collection, merged)
    seen = notes(collection)
    assert set(seen) == set(separate)
    assert {t.split("::")[0] for n in seen.values() for t in n.tags} == {"flat", "three-levels"}
    assert {d for n in seen.values() for d in n.decks} == {
        "All::Statistics Flashcards::flat",
        "All::Systems Design Notes::Indexes",
        "All::Systems Design Notes::Replication",
        "All::Systems Design Notes::Transport",
    }
    for source in sources:
        import_apkg(collection, tmp_path / f"{source.stem}.apkg")
    assert collection.note_count() == 9


def test_topics__merge_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    # Copies: the command writes each source's state file beside it.
    shutil.copytree(SHAPES, tmp_path / "source")
    monkeypatch.chdir(tmp_path)
    args = ["build", "--merge", "source/flat.md", "source/three-levels.md"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "9 cards in 4 parts → build/deckgen.apkg" in result.output
    assert sorted(p.name for p in Path("source").glob("*.json")) == [
        "flat.deckgen.json",
        "three-levels.deckgen.json",
    ]
    result = runner.invoke(cli, [*args, "--grep", "tcp|p-value", "--deck", "Mixed Bag"])
    assert "2 cards in 2 parts → build/mixed-bag--grep-tcpp-value.apkg" in result.output


def test_topics__filtered_build_keeps_every_card_in_the_state(seed_copy: Path) -> None:
    state_file = state_path(seed_copy)
    full = build(seed_copy, seed_copy.parent / "full.apkg", state_file=state_file)
    before = load_state(state_file)
    options = BuildOptions(config=CONFIG, selection=Selection(topics=("llm",)))
    subset = build(seed_copy, seed_copy.parent / "llm.apkg", options, state_file=state_file)
    after = load_state(state_file)
    assert (full.cards, subset.cards) == (162, 30)
    assert before is not None and after is not None
    assert [c.id for c in after.cards] == [c.id for c in before.cards]
    assert after.removed == ()
    assert subset.revision is not None
    assert not [c for c in subset.revision.changes if "removed" in c.kinds]


@pytest.mark.anki
def test_topics__subset_carries_only_the_images_its_cards_show(
    tmp_path: Path, collection: Collection
) -> None:
    source = tmp_path / "pics.md"
    (tmp_path / "one.png").write_bytes(b"first picture")
    (tmp_path / "two.png").write_bytes(b"second picture")
    source.write_text(
        "## Part 1: A\n\n### Q1\n\n![one](one.png)\n\n## Part 2: B\n\n### Q2\n\n![two](two.png)\n",
        encoding="utf-8",
    )
    full, part = tmp_path / "full.apkg", tmp_path / "part.apkg"
    build(source, full)
    build(source, part, BuildOptions(selection=Selection(parts=("2",))))
    with zipfile.ZipFile(full) as zf:
        assert len(json.loads(zf.read("media"))) == 2
    with zipfile.ZipFile(part) as zf:
        (name,) = json.loads(zf.read("media")).values()
    import_apkg(collection, part)
    (note,) = notes(collection).values()
    assert f'src="{name}"' in note.fields["Answer"]
    assert Path(collection.media.dir(), name).read_bytes() == b"second picture"
