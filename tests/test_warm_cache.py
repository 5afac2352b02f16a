"""The build cache kept in memory by a long-running process (`deckgen watch`): builds give the
same bytes as one-shot builds, a cache file another process rewrote is read again; and what a
watch needs of a project's cache: a file saved while a build runs is built again by the next
one, a config edit is no "up to date"."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

import deckgen.api
import deckgen.cache.store
import deckgen.package.writer
from deckgen.api import build, build_project
from deckgen.cache import warm
from deckgen.config.members import Project, project_of
from deckgen.config.project import load_config
from deckgen.identity.state import state_path

from .conftest import SEED
from .project_support import package_notes

CLOCK = 1_700_000_000

A = """# A

## Part 1: Letters

### What is A?

The first letter.

### What is B?

The second letter.
"""

B = """# B

## Part 1: Numbers

### What is one?

The first number.
"""


@pytest.fixture
def kept() -> Iterator[None]:
    """Cache files kept in memory for the test, forgotten after it."""
    warm.keep()
    try:
        yield
    finally:
        warm.stop()


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """One entry per cache file read from disk (unpickled) during the test."""
    read: list[Path] = []
    real = deckgen.cache.store._RecordUnpickler

    class Counting(real):  # type: ignore[misc, valid-type]
        def load(self) -> object:
            read.append(Path("unpickled"))
            return super().load()

    monkeypatch.setattr(deckgen.cache.store, "_RecordUnpickler", Counting)
    return read


def _project(root: Path, *, write: bool = True) -> Project:
    if write:
        (root / "notes").mkdir(parents=True, exist_ok=True)
        (root / "notes" / "a.md").write_text(A, encoding="utf-8")
        (root / "notes" / "b.md").write_text(B, encoding="utf-8")
        (root / "deckgen.toml").write_text(
            'deck = "Letters"\ninclude = ["notes/**/*.md"]\n', encoding="utf-8"
        )
    return project_of(load_config(root / "deckgen.toml"))


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _outputs(root: Path) -> tuple[bytes, bytes]:
    return (
        (root / "build" / "letters.apkg").read_bytes(),
        (root / "deckgen-state.jsonl").read_bytes(),
    )


EDITS = [
    ("The first letter.", "The first letter of the alphabet."),
    ("### What is B?", "### What is the letter B?"),
    ("The first number.", "One, the first number."),
    ("The second letter.", "The second letter, after A."),
]


def test_warm__project_builds_give_one_shot_bytes_without_reading_the_cache_again(
    tmp_path: Path, kept: None, loads: list[Path]
) -> None:
    """Each edit built twice: by a warm process that keeps its cache in memory, and from
    scratch (no cache) on the same previous state; same package, same state, and the warm
    builds never unpickle their cache file."""
    warm_root, cold_root = tmp_path / "warm", tmp_path / "cold"
    project = _project(warm_root)
    build_project(project, clock=lambda: CLOCK)
    for step, (old, new) in enumerate(EDITS, start=1):
        shutil.rmtree(cold_root, ignore_errors=True)
        shutil.copytree(warm_root, cold_root)
        shutil.rmtree(cold_root / "build" / ".cache")
        for root in (warm_root, cold_root):
            _edit(root / "notes" / ("b.md" if "number" in old else "a.md"), old, new)
        loads.clear()
        report = build_project(project, clock=partial(float, CLOCK + step))
        build_project(_project(cold_root, write=False), clock=partial(float, CLOCK + step))
        assert not report.up_to_date
        assert report.reparsed is not None and report.reparsed < report.cards
        assert loads == [], f"step {step}: a build unpickled a cache file"
        assert _outputs(warm_root) == _outputs(cold_root), f"step {step}"


def test_warm__one_file_builds_give_one_shot_bytes_without_reading_the_cache_again(
    tmp_path: Path, kept: None, loads: list[Path]
) -> None:
    warm_source = tmp_path / "warm" / SEED.name
    cold_source = tmp_path / "cold" / SEED.name
    warm_source.parent.mkdir()
    shutil.copyfile(SEED, warm_source)
    output = warm_source.parent / "deck.apkg"
    build(warm_source, output, state_file=state_path(warm_source), clock=lambda: CLOCK)
    lines = warm_source.read_text(encoding="utf-8").splitlines(keepends=True)
    answers = [i for i, line in enumerate(lines) if line[:1].isalpha()]
    for step, line in enumerate(answers[:: len(answers) // 4][:4], start=1):
        shutil.rmtree(cold_source.parent, ignore_errors=True)
        shutil.copytree(warm_source.parent, cold_source.parent)
        shutil.rmtree(cold_source.parent / ".cache")
        lines[line] = lines[line].rstrip("\n") + f" Edited {step}.\n"
        for source in (warm_source, cold_source):
            source.write_text("".join(lines), encoding="utf-8")
        loads.clear()
        report = build(
            warm_source,
            output,
            state_file=state_path(warm_source),
            clock=partial(float, CLOCK + step),
        )
        cold_output = cold_source.parent / "deck.apkg"
        build(
            cold_source,
            cold_output,
            state_file=state_path(cold_source),
            clock=partial(float, CLOCK + step),
        )
        assert report.reparsed is not None and report.reparsed < report.cards
        assert loads == [], f"step {step}: a build unpickled a cache file"
        assert output.read_bytes() == cold_output.read_bytes(), f"step {step}"
        assert state_path(warm_source).read_bytes() == state_path(cold_source).read_bytes()


def test_warm__a_cache_file_rewritten_by_another_process_is_read_again(
    tmp_path: Path, kept: None, loads: list[Path]
) -> None:
    project = _project(tmp_path)
    build_project(project, clock=lambda: CLOCK)
    _edit(tmp_path / "notes" / "a.md", "The first letter.", "A, the first letter.")
    loads.clear()
    build_project(project, clock=lambda: CLOCK + 1)
    assert loads == []
    # Another process (a `deckgen build` beside the watch) writes the cache file anew: the
    # same bytes under a new inode, as its atomic rename leaves them.
    cache = tmp_path / "build" / ".cache" / "letters.files.cache"
    copy = cache.with_name("copy")
    shutil.copyfile(cache, copy)
    copy.replace(cache)
    _edit(tmp_path / "notes" / "a.md", "A, the first letter.", "The letter A.")
    report = build_project(project, clock=lambda: CLOCK + 2)
    assert loads == [Path("unpickled")]
    assert report.reparsed == 2  # the cache read from the file still spared b.md's card


def test_warm__without_keep_every_build_reads_its_cache_file(
    tmp_path: Path, loads: list[Path]
) -> None:
    project = _project(tmp_path)
    build_project(project, clock=lambda: CLOCK)
    _edit(tmp_path / "notes" / "a.md", "The first letter.", "A, the first letter.")
    loads.clear()
    build_project(project, clock=lambda: CLOCK + 1)
    assert loads == [Path("unpickled")]


def test_cache__a_file_saved_again_while_the_project_builds_is_built_by_the_next_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An editor's save that lands after the build read the file but before it wrote the cache
    must not let the next build call itself up to date with the older text in the package."""
    project = _project(tmp_path)
    build_project(project, clock=lambda: CLOCK)
    source = tmp_path / "notes" / "a.md"
    _edit(source, "The first letter.", "Saved once.")
    real = deckgen.package.writer.write_package

    def saved_meanwhile(*args: object, **kwargs: object) -> str:
        _edit(source, "Saved once.", "Saved twice.")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(deckgen.api, "write_package", saved_meanwhile)
    build_project(project, clock=lambda: CLOCK + 1)
    monkeypatch.setattr(deckgen.api, "write_package", real)
    report = build_project(project, clock=lambda: CLOCK + 2)
    assert not report.up_to_date
    answers = [note.fields[1] for note in package_notes(report.output).values()]
    assert any("Saved twice." in answer for answer in answers)


def test_cache__a_config_edit_is_no_up_to_date_project(tmp_path: Path) -> None:
    """The sources, state and package as the last build left them, but `subdecks` turned on in
    deckgen.toml: the deck changes, so the build is no "up to date"."""
    build_project(_project(tmp_path), clock=lambda: CLOCK)
    config = tmp_path / "deckgen.toml"
    config.write_text(config.read_text(encoding="utf-8") + "subdecks = true\n", "utf-8")
    report = build_project(_project(tmp_path, write=False), clock=lambda: CLOCK + 1)
    assert not report.up_to_date
    assert report.subdecks
