"""The command line behaves as people expect of one (issue 15): verbosity, exit statuses, pipes,
standard input and output, streams and colour, several sources, --strict, pre-commit, tags."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from deckgen.cli.commands import cli
from tests.conftest import ROOT

DOC = "## Part 1: A\n\n### Q1\n\nA1.\n\n### Q2\n\nA2.\n"
WARNED = "## Part 1: A\n\n### Q1\n\nA1.\n\n### Q2\n\n### Q3\n\nA3.\n"
"""A document `check` warns about: Q2 has no answer."""


def _doc(folder: Path, name: str = "doc.md", text: str = DOC) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _leaves() -> list[str]:
    """Every command's words: `build`, and a group's own commands (`addon install`)."""
    import click

    found = []
    for name, command in sorted(cli.commands.items()):
        if isinstance(command, click.Group):
            found += [f"{name} {sub}" for sub in sorted(command.commands)]
        else:
            found.append(name)
    return found


@pytest.mark.parametrize("command", _leaves())
def test_conventions__every_command_takes_quiet_and_verbose(command: str) -> None:
    result = CliRunner().invoke(cli, [*command.split(), "--help"])
    assert result.exit_code == 0
    assert "-q, --quiet" in result.output and "-v, --verbose" in result.output


def test_conventions__quiet_prints_errors_only_and_verbose_adds_notes(tmp_path: Path) -> None:
    source = _doc(tmp_path, text=WARNED + "\n```\n## not a heading\n```\n")
    out = tmp_path / "doc.apkg"
    quiet = CliRunner().invoke(cli, ["build", "-q", str(source), "-o", str(out)])
    assert quiet.exit_code == 0 and quiet.output == ""
    normal = CliRunner().invoke(cli, ["check", str(source)])
    verbose = CliRunner().invoke(cli, ["build", "-v", str(source), "-o", str(out)])
    note = f"{source}:14: info: "
    assert note in normal.stderr  # `check` lists its notes; `build` only when asked
    assert note in verbose.stderr
    missing = CliRunner().invoke(cli, ["build", "-q", str(tmp_path / "nope.md")])
    assert missing.exit_code == 1
    assert missing.output == f"{tmp_path / 'nope.md'}: error: no such file\n"


def test_conventions__findings_go_to_standard_error_results_to_standard_output(
    tmp_path: Path,
) -> None:
    source = _doc(tmp_path, text=WARNED)
    warning = f"{source}:7: warning: "
    for args in (["check", str(source)], ["build", str(source), "-o", str(tmp_path / "d.apkg")]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        assert warning in result.stderr and warning not in result.stdout
    checked = CliRunner().invoke(cli, ["check", str(source)])
    assert checked.stdout == "1 file checked: 0 errors, 1 warning, 0 notes\n"


def test_conventions__colour_only_when_wanted(tmp_path: Path) -> None:
    source = _doc(tmp_path, text=WARNED)
    coloured = CliRunner().invoke(cli, ["check", str(source)], color=True)
    assert f"{source}:7: \x1b[33m\x1b[1mwarning\x1b[0m: " in coloured.stderr
    plain = CliRunner().invoke(cli, ["check", str(source)], color=True, env={"NO_COLOR": "1"})
    assert "\x1b[" not in plain.output
    piped = CliRunner().invoke(cli, ["check", str(source)])  # not a terminal
    assert "\x1b[" not in piped.output


def test_conventions__check_strict_fails_on_warnings(tmp_path: Path) -> None:
    source = _doc(tmp_path, text=WARNED)
    assert CliRunner().invoke(cli, ["check", str(source)]).exit_code == 0
    strict = CliRunner().invoke(cli, ["check", "--strict", str(source)])
    assert strict.exit_code == 1
    assert strict.stdout == "1 file checked: 0 errors, 1 warning, 0 notes\n"
    clean = _doc(tmp_path, "clean.md")
    assert CliRunner().invoke(cli, ["check", "--strict", str(clean)]).exit_code == 0


def test_conventions__usage_errors_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["build", "--no-such-option"])
    assert result.exit_code == 2
    assert "No such option '--no-such-option'" in result.output


def test_conventions__ctrl_c_exits_130_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import deckgen.package.writer

    source = _doc(tmp_path)
    out = tmp_path / "build" / "doc.apkg"
    assert CliRunner().invoke(cli, ["build", str(source), "-o", str(out)]).exit_code == 0
    before = {p.name: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    _doc(tmp_path, text=DOC.replace("A2.", "A2, edited."))

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt  # Ctrl-C while the package is being written

    monkeypatch.setattr(deckgen.package.writer, "_write_zip", interrupted)
    result = CliRunner().invoke(cli, ["build", str(source), "-o", str(out)])
    assert result.exit_code == 130
    assert result.output == "deckgen: error: interrupted\n"
    after = {p.name: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert set(after) == set(before)  # no temp file, no lock file
    assert after["doc.apkg"] == before["doc.apkg"]


def test_conventions__a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    # Enough lines to fill the pipe: deckgen is still writing when the reader goes.
    parts = "".join(f"## Part {n}: P{n}\n\n### Q{n}\n\nA.\n\n" for n in range(1, 3001))
    source = _doc(tmp_path, text=parts)
    proc = subprocess.Popen(
        [sys.executable, "-m", "deckgen", "list", str(source)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().startswith(str(source).encode())
    proc.stdout.close()  # `| head -1`
    stderr = proc.stderr.read()
    assert proc.wait() == 141
    assert stderr == b""


def test_conventions__standard_input_and_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["build", "-", "--name", "notes"], input=DOC)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("2 cards in 1 part → build/notes.apkg (")
    with zipfile.ZipFile(tmp_path / "build" / "notes.apkg") as package:
        assert "collection.anki2" in package.namelist()
    warned = CliRunner().invoke(cli, ["check", "-"], input=WARNED)
    assert warned.stderr.startswith("<stdin>:7: warning: ")

    source = _doc(tmp_path / "source")
    streamed = CliRunner().invoke(cli, ["build", str(source), "-o", "-"])
    assert streamed.exit_code == 0, streamed.stderr
    assert streamed.stdout_bytes.startswith(b"PK\x03\x04")  # the package, and nothing else
    assert streamed.stderr.startswith("2 cards in 1 part → <stdout> (")
    assert sorted(p.name for p in (tmp_path / "build").iterdir()) == ["notes.apkg"]


def test_conventions__several_sources_build_what_they_can(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    good, bad, also = (
        _doc(tmp_path, "a.md"),
        _doc(tmp_path, "b.md", "no cards"),
        _doc(tmp_path, "c.md"),
    )
    result = CliRunner().invoke(cli, ["build", str(good), str(bad), str(also)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"{bad}: error: no cards: no part headings (`## …`) found; it holds no headings, "
        "bold paragraphs or list items to read as questions\n"
        "deckgen: error: 2 built, 1 failed\n"
    )
    assert sorted(p.name for p in (tmp_path / "build").glob("*.apkg")) == ["a.apkg", "c.apkg"]


def test_conventions__two_sources_of_one_name_are_refused_before_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    one, two = _doc(tmp_path / "x", "notes.md"), _doc(tmp_path / "y", "notes.md")
    result = CliRunner().invoke(cli, ["build", str(one), str(two)])
    assert result.exit_code == 1
    assert result.output == (
        f"deckgen: error: {one} and {two} would both be written to build/notes.apkg; build "
        "them one at a time with -o, or into one package with --merge\n"
    )
    assert not (tmp_path / "build").exists()
    assert not (tmp_path / "x" / "notes.deckgen.json").exists()


def test_conventions__a_symlinked_source_is_the_file_it_points_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    real = _doc(tmp_path / "notes", "ml.md")
    (tmp_path / "link.md").symlink_to(real)
    by_link = CliRunner().invoke(cli, ["build", "link.md"])
    assert by_link.exit_code == 0, by_link.output
    # The file's name and folder: its state file, its output, its tags and IDs.
    assert by_link.stdout.startswith("2 cards in 1 part → build/ml.apkg (")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "link.md", "notes"]
    assert (tmp_path / "notes" / "ml.deckgen.json").is_file()
    package = (tmp_path / "build" / "ml.apkg").read_bytes()
    again = CliRunner().invoke(cli, ["build", "notes/ml.md"])
    assert "is up to date, nothing written" in again.stdout
    assert (tmp_path / "build" / "ml.apkg").read_bytes() == package


def test_conventions__a_huge_part_heading_makes_a_bounded_tag() -> None:
    from deckgen.model import Part
    from deckgen.slug import MAX_TAG_PIECE

    long = Part(1, "x" * 100_000, "Part 1: " + "x" * 100_000, 1)
    other = Part(1, "x" * 99_999 + "y", "Part 1: " + "x" * 99_999 + "y", 1)
    assert len(long.tag_name) == len("01-") + MAX_TAG_PIECE
    assert long.tag_name.startswith("01-" + "x" * 50) and long.tag_name != other.tag_name
    # Headings as long as the seed's and the corpus's keep their tags exactly.
    assert Part(18, "Transformers and LLMs", "Part 18: Transformers and LLMs", 1).tag_name == (
        "18-transformers-and-llms"
    )


def test_conventions__pre_commit_hook_is_shipped_and_shown() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = hooks
    assert hook["id"] == "deckgen-check"
    assert hook["entry"] == "deckgen check --strict"
    assert hook["language"] == "python"
    # The hook runs what the command line accepts.
    assert CliRunner().invoke(cli, [*hook["entry"].split()[1:], "--help"]).exit_code == 0
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "    hooks: [{id: deckgen-check}]\n" in readme


def test_conventions__readme_says_how_to_run_deckgen_and_complete_it() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert ".venv/bin/deckgen" in readme and "source .venv/bin/activate" in readme
    assert 'eval "$(_DECKGEN_COMPLETE=bash_source deckgen)"' in readme
    script = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "deckgen")],
        env={**os.environ, "_DECKGEN_COMPLETE": "bash_source"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "_deckgen_completion" in script.stdout
