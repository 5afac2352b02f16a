"""`deckgen watch` as a process, with files edited the way editors save them: in place, by a
rename over the file, by vim's backup-and-write; bursts of saves, swap files, files added to and
removed from a project, a config edit, a Markdown error and its fix, Ctrl-C."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from deckgen.cli.commands import cli

from .conftest import SEED
from .project_support import package_notes
from .watch_support import QUIET, Watching

A = """# Letters

## Part 1: Vowels

### What is A?

The first letter.

### What is E?

The fifth letter.
"""

B = """# Numbers

## Part 1: Small

### What is one?

The first number.
"""

C = """# Colours

## Part 1: Primary

### What is red?

A primary colour.

### What is blue?

Another primary colour.
"""

PACKAGE = Path("build", "letters.apkg")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.md").write_text(A, encoding="utf-8")
    (tmp_path / "notes" / "b.md").write_text(B, encoding="utf-8")
    (tmp_path / "deckgen.toml").write_text(
        'deck = "Letters"\ninclude = ["notes/**/*.md"]\n', encoding="utf-8"
    )
    return tmp_path


@pytest.fixture
def watching(project: Path) -> Iterator[Watching]:
    """`deckgen watch` in the project, its first build done."""
    process = Watching(project)
    try:
        process.ready()
        yield process
    finally:
        process.stop()


def _answers(package: Path) -> list[str]:
    return sorted(note.fields[1] for note in package_notes(package).values())


def _edited(path: Path, old: str, new: str) -> str:
    text = path.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cards(line: str) -> int:
    found = re.search(r"(\d+) cards? in", line)
    assert found, line
    return int(found[1])


def test_watch__the_first_build_then_a_write_in_place(project: Path, watching: Watching) -> None:
    assert _cards(watching.seen[-1]) == 3
    assert any("The first letter." in answer for answer in _answers(project / PACKAGE))
    source = project / "notes" / "a.md"
    source.write_text(_edited(source, "The first letter.", "Written in place."), "utf-8")
    line = watching.rebuilt()
    assert "→ build/letters.apkg" in line, line
    assert "1 rendered again" in line or "2 rendered again" in line, line
    assert any("Written in place." in answer for answer in _answers(project / PACKAGE))


def test_watch__a_rename_over_the_file_is_one_rebuild(project: Path, watching: Watching) -> None:
    """The safe save of most editors: a temporary file beside the source, renamed over it."""
    source = project / "notes" / "a.md"
    temporary = source.with_name(".a.md.tmp-4821")
    temporary.write_text(_edited(source, "The first letter.", "Renamed over."), "utf-8")
    temporary.replace(source)
    assert "→ build/letters.apkg" in watching.rebuilt()
    assert watching.rebuilds_within(QUIET) == []
    assert any("Renamed over." in answer for answer in _answers(project / PACKAGE))


def test_watch__vims_save_is_one_rebuild(project: Path, watching: Watching) -> None:
    """vim: a probe file `4913` made and deleted, the source renamed to its backup `a.md~`, the
    new text written under the source's name, the backup deleted; a swap file beside it all."""
    folder = project / "notes"
    source, backup = folder / "a.md", folder / "a.md~"
    text = _edited(source, "The fifth letter.", "Saved by vim.")
    (folder / ".a.md.swp").write_bytes(b"b0VIM 9.0" + bytes(100))
    (folder / "4913").write_text("", "utf-8")
    (folder / "4913").unlink()
    source.rename(backup)
    source.write_text(text, "utf-8")
    backup.unlink()
    assert "→ build/letters.apkg" in watching.rebuilt()
    assert watching.rebuilds_within(QUIET) == []
    assert any("Saved by vim." in answer for answer in _answers(project / PACKAGE))


def test_watch__a_slow_save_through_an_empty_file_is_one_rebuild(
    project: Path, watching: Watching
) -> None:
    """A write in place truncates the file first: seen empty (or gone, for vim's rename) the
    file would leave the project and its cards the deck, until the rest of the save came."""
    source = project / "notes" / "b.md"
    source.write_text("", "utf-8")
    time.sleep(0.2)  # many times the quiet that ends a batch
    source.write_text(B.replace("The first number.", "Written slowly."), "utf-8")
    line = watching.rebuilt()
    assert _cards(line) == 3 and "→ build/letters.apkg" in line, line
    assert watching.rebuilds_within(QUIET) == []
    assert any("Written slowly." in answer for answer in _answers(project / PACKAGE))
    gone = project / "notes" / "a.md"
    text = gone.read_text("utf-8")
    gone.unlink()
    time.sleep(0.2)
    gone.write_text(text.replace("The first letter.", "Back again."), "utf-8")
    line = watching.rebuilt()
    assert _cards(line) == 3, line
    assert watching.rebuilds_within(QUIET) == []


def test_watch__a_burst_of_saves_is_one_rebuild_of_the_last(
    project: Path, watching: Watching
) -> None:
    source = project / "notes" / "a.md"
    for number in range(1, 8):
        source.write_text(A.replace("The first letter.", f"Save {number}."), "utf-8")
    assert "→ build/letters.apkg" in watching.rebuilt()
    assert watching.rebuilds_within(QUIET) == []
    answers = _answers(project / PACKAGE)
    assert any("Save 7." in answer for answer in answers)
    assert not any("Save 6." in answer for answer in answers)


def test_watch__swap_backup_and_lock_files_rebuild_nothing(
    project: Path, watching: Watching
) -> None:
    """What editors write beside a source while it is open or saved, and files no project
    includes: no rebuild. A real save after them is one rebuild."""
    folder = project / "notes"
    package = _digest(project / PACKAGE)
    for name in (".a.md.swp", ".a.md.swx", "a.md~", "#a.md#", ".#a.md", "4913", "a.md.orig"):
        (folder / name).write_text("# Not a source\n\n## x?\n\ny\n", "utf-8")
    (project / "build" / "notes.md").write_text("# In the output folder\n\n## q?\n\na\n", "utf-8")
    (project / "README.txt").write_text("not Markdown", "utf-8")
    assert watching.rebuilds_within(QUIET) == []
    assert _digest(project / PACKAGE) == package
    source = folder / "b.md"
    source.write_text(_edited(source, "The first number.", "After the swap files."), "utf-8")
    assert "→ build/letters.apkg" in watching.rebuilt()
    assert watching.rebuilds_within(QUIET) == []


def test_watch__a_file_added_to_and_one_removed_from_the_project(
    project: Path, watching: Watching
) -> None:
    (project / "notes" / "more").mkdir()
    (project / "notes" / "more" / "c.md").write_text(C, "utf-8")
    watching.line(r"^watching .*\(3 files\)")
    assert _cards(watching.rebuilt()) == 5
    assert any("Another primary colour." in a for a in _answers(project / PACKAGE))
    (project / "notes" / "b.md").unlink()
    watching.line(r"^watching .*\(2 files\)")
    assert _cards(watching.rebuilt()) == 4
    assert not any("The first number." in a for a in _answers(project / PACKAGE))
    # A Markdown file the config excludes is no member: no rebuild.
    config = project / "deckgen.toml"
    config.write_text(config.read_text("utf-8") + 'exclude = ["**/draft.md"]\n', "utf-8")
    assert _cards(watching.rebuilt()) == 4
    (project / "notes" / "draft.md").write_text(C, "utf-8")
    assert watching.rebuilds_within(QUIET) == []


def test_watch__a_config_edit_rebuilds_with_the_new_settings(
    project: Path, watching: Watching
) -> None:
    config = project / "deckgen.toml"
    config.write_text(_edited(config, 'deck = "Letters"', 'deck = "Alphabet"'), "utf-8")
    assert "→ build/alphabet.apkg" in watching.rebuilt()
    assert len(package_notes(project / "build" / "alphabet.apkg")) == 3


def test_watch__an_error_is_printed_the_package_kept_and_the_fix_rebuilt(
    project: Path, watching: Watching
) -> None:
    package = _digest(project / PACKAGE)
    source = project / "notes" / "a.md"
    broken = "```python\nx = 1"  # a fence never closed swallows the next question
    source.write_text(_edited(source, "The first letter.", broken), "utf-8")
    line = watching.rebuilt()
    assert line.endswith("not rebuilt: build/letters.apkg left as it was"), line
    watching.error(r"^notes/a\.md:7: error: code fence never closed")
    assert _digest(project / PACKAGE) == package
    # Still broken after another save: still kept, and the watch still goes on.
    source.write_text(_edited(source, "The fifth letter.", "Still broken."), "utf-8")
    assert "not rebuilt" in watching.rebuilt()
    assert _digest(project / PACKAGE) == package
    source.write_text(_edited(source, broken, "Fixed."), "utf-8")
    assert "→ build/letters.apkg" in watching.rebuilt()
    answers = _answers(project / PACKAGE)
    assert any("Fixed." in answer for answer in answers)
    assert any("Still broken." in answer for answer in answers)


def test_watch__a_broken_config_waits_for_its_fix(project: Path, watching: Watching) -> None:
    config = project / "deckgen.toml"
    good = config.read_text("utf-8")
    config.write_text(good + "subdeck = true\n", "utf-8")
    assert "not rebuilt" in watching.rebuilt()
    watching.error(r"^deckgen\.toml:3: error: .*subdeck")
    config.write_text(good + "subdecks = true\n", "utf-8")
    assert "→ build/letters.apkg" in watching.rebuilt()


def test_watch__one_file_and_its_state_beside_it(seed_copy: Path) -> None:
    """A source file given by name: its own deck, its state file beside it; an answer edited
    renders that card alone."""
    folder = seed_copy.parent.parent
    process = Watching(folder, "source/ml-interview-qa.md")
    try:
        assert "162 cards" in process.ready()
        text = seed_copy.read_text("utf-8")
        seed_copy.write_text(text.replace("forget gate", "forgetting gate", 1), "utf-8")
        line = process.rebuilt()
        assert "→ build/ml-interview-qa.apkg" in line and "1 rendered again" in line, line
        assert (folder / "source" / "ml-interview-qa.deckgen.json").is_file()
    finally:
        process.stop()


def test_watch__ctrl_c_mid_rebuild_exits_130_and_leaves_no_temporary_file(
    project: Path,
) -> None:
    process = Watching(project)
    try:
        process.ready()
        package = _digest(project / PACKAGE)
        # Enough to render that the interrupt comes while the rebuild runs (several seconds).
        text = SEED.read_text("utf-8")
        (project / "notes" / "big.md").write_text(text * 8, "utf-8")
        process.line(r"^watching .*\(3 files\)")
        assert process.interrupt() == 130
        process.stop()
        assert "watch stopped" in process.seen + list(process.out.queue)
        assert not any(re.match(r"^\d\d:\d\d:\d\d ", line) for line in process.out.queue)
    finally:
        process.stop()
    assert [p for p in project.rglob("*") if p.name.endswith(".tmp")] == []
    assert _digest(project / PACKAGE) == package
    assert len(package_notes(project / PACKAGE)) == 3
    # The deck's lock went with the process (a lock file left by an interrupt is taken over):
    # the next build neither waits nor fails.
    done = subprocess.run(
        [sys.executable, "-m", "deckgen", "build", "-q"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert len(package_notes(project / PACKAGE)) == 3 + 162 * 8


def test_watch__without_watchfiles_says_how_to_install_it(tmp_path: Path) -> None:
    shutil.copytree(SEED.parent, tmp_path / "source")
    blocked = (
        "import sys; sys.modules['watchfiles'] = None; "
        "sys.argv = ['deckgen', 'watch']; from deckgen.cli.commands import main; main()"
    )
    done = subprocess.run(
        [sys.executable, "-c", blocked],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "pip install 'deckgen[watch]'" in done.stderr
    assert not (tmp_path / "build").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dry-run"], "are options of --sync"),
        (["--collection", "x.anki2"], "are options of --sync"),
        (["--via", "file"], "are options of --sync"),
        (["--sync", "-o", "x.apkg"], "-o and --deck are for the package"),
        (["--sync", "--collection", "x", "--profile", "y"], "not both"),
    ],
)
def test_watch__options_of_the_other_mode_are_refused(args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["watch", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_watch__standard_input_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["watch", "-"])
    assert result.exit_code == 1
    assert "not standard input" in result.output


@pytest.mark.anki
def test_watch__sync_writes_every_save_into_the_collection(tmp_path: Path) -> None:
    from .anki_support import open_collection

    open_collection(tmp_path / "anki").close()
    collection = tmp_path / "anki" / "collection.anki2"
    source = tmp_path / "source" / "letters.md"
    source.parent.mkdir()
    source.write_text(A, "utf-8")
    process = Watching(tmp_path, "--sync", "--collection", str(collection), "source/letters.md")
    try:
        assert re.search(r"2 notes: 2 added", process.ready())
        source.write_text(A.replace("The fifth letter.", "Synced on save."), "utf-8")
        assert re.search(r"2 notes: 1 updated", process.rebuilt())
        source.write_text(A.replace("The first letter.", "```\nnever closed"), "utf-8")
        assert process.rebuilt().endswith("not rebuilt: the collection left as it was")
    finally:
        process.stop()
    col = open_collection(tmp_path / "anki")
    try:
        found = [col.get_note(note)["Answer"] for note in col.find_notes("")]
    finally:
        col.close()
    assert len(found) == 2
    assert any("Synced on save." in answer for answer in found)
    assert not any("never closed" in answer for answer in found)


def test_watch__quiet_prints_errors_and_the_preview_address_only(project: Path) -> None:
    process = Watching(project, "-q", "--preview")
    try:
        assert re.match(r"^preview → http://127\.0\.0\.1:\d+/$", process.line(r"preview"))
        source = project / "notes" / "a.md"
        source.write_text(A.replace("The first letter.", "```\nnever closed"), "utf-8")
        process.error(r"^notes/a\.md:7: error: code fence never closed")
        assert process.rebuilds_within(QUIET) == []
    finally:
        process.stop()
    assert process.seen == [line for line in process.seen if line.startswith("preview → ")]
