"""`deckgen check`: each rule on a small fixture document, then the command itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown_it.utils import read_fixture_file

from deckgen.api import check_file
from deckgen.cli.commands import cli
from tests.conftest import SEED

FIXTURES = Path(__file__).parent / "fixtures" / "check"
CASES = [
    pytest.param(text, "[no-html]" not in title, expected, id=f"{path.stem}:{line}:{title}")
    for path in sorted(FIXTURES.glob("*.md"))
    for line, title, text, expected in read_fixture_file(path)
]


@pytest.mark.parametrize(("text", "html", "expected"), CASES)
def test_check__fixture(
    text: str, html: bool, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A case titled `[no-html]` is checked with `--no-html`, every other one as by default."""
    monkeypatch.chdir(tmp_path)
    Path("doc.md").write_text(text, encoding="utf-8")
    found = check_file(Path("doc.md"), html=False if not html else None)
    assert "".join(f"{d}\n" for d in found) == expected


def test_check__seed_is_clean() -> None:
    result = CliRunner().invoke(cli, ["check", str(SEED)])
    assert result.exit_code == 0, result.output
    assert result.output == "1 file checked: 0 errors, 0 warnings, 0 notes\n"


def test_check__reports_every_file_and_exits_1_on_errors(tmp_path: Path) -> None:
    good = tmp_path / "good.md"
    good.write_text("## Part 1: A\n\n### Q\n\n### Q\n\nA.\n", encoding="utf-8")
    missing = tmp_path / "missing.md"
    result = CliRunner().invoke(cli, ["check", str(good), str(missing)])
    assert result.exit_code == 1
    assert result.output == (
        f"{good}:3: warning: question has no answer; skipped\n"
        f"{missing}: error: no such file\n"
        "2 files checked: 1 error, 1 warning, 0 notes\n"
    )


def test_check__warnings_alone_exit_0(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text("## Part 1: A\n\n### Q\n\nThe $x never closes.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(doc)])
    assert result.exit_code == 0
    assert result.output.endswith("1 file checked: 0 errors, 1 warning, 0 notes\n")


def test_check__writes_nothing(seed_copy: Path) -> None:
    before = sorted(p.name for p in seed_copy.parent.parent.rglob("*"))
    CliRunner().invoke(cli, ["check", str(seed_copy)])
    assert sorted(p.name for p in seed_copy.parent.parent.rglob("*")) == before


def test_build__refuses_on_errors_and_writes_with_force(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(
        "## Part 1: A\n\n### Q\n\nA.\n\n### R\n\nR.\n\n```\n### S\n\nS.\n", encoding="utf-8"
    )
    out = tmp_path / "doc.apkg"
    error = f"{doc}:11: error: code fence never closed; it swallows 3 lines, including 1 heading"
    refused = CliRunner().invoke(cli, ["build", str(doc), "-o", str(out)])
    assert refused.exit_code == 1
    assert refused.output == (
        f"{error} from `### S`\n"
        f"{doc}: error: 1 error; nothing written (fix them, or build with --force)\n"
    )
    assert not out.exists()
    forced = CliRunner().invoke(cli, ["build", str(doc), "-o", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert forced.output.startswith(f"{error} from `### S`\n2 cards in 1 part")
    assert out.is_file()


def test_build__a_missing_image_is_a_warning_and_the_deck_is_written(tmp_path: Path) -> None:
    """A document copied without its pictures still makes its deck; `check --strict` fails."""
    doc = tmp_path / "doc.md"
    doc.write_text("## Part 1: A\n\n### Q\n\n![x](nope.png)\n\n### R\n\nR.\n", encoding="utf-8")
    out = tmp_path / "doc.apkg"
    warning = f"{doc}:5: warning: image nope.png not found; the card shows its alt text\n"
    built = CliRunner().invoke(cli, ["build", str(doc), "-o", str(out)])
    assert built.exit_code == 0, built.output
    assert built.output.startswith(f"{warning}2 cards in 1 part")
    assert out.is_file()
    assert CliRunner().invoke(cli, ["check", str(doc)]).exit_code == 0
    strict = CliRunner().invoke(cli, ["check", "--strict", str(doc)])
    assert (strict.exit_code, strict.output) == (
        1,
        f"{warning}1 file checked: 0 errors, 1 warning, 0 notes\n",
    )


def test_build__leaves_the_latex_parse_to_check(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text("## Part 1: A\n\n### Q\n\nOpen $\\left( x$.\n", encoding="utf-8")
    built = CliRunner().invoke(cli, ["build", str(doc), "-o", str(tmp_path / "doc.apkg")])
    assert built.exit_code == 0 and built.stderr == ""
    checked = CliRunner().invoke(cli, ["check", str(doc)])
    assert checked.output.startswith(f"{doc}:5: warning: math `\\left( x` does not parse")
