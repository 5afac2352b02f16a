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
    pytest.param(text, expected, "[allow-html]" in title, id=f"{path.stem}:{line}:{title}")
    for path in sorted(FIXTURES.glob("*.md"))
    for line, title, text, expected in read_fixture_file(path)
]


@pytest.mark.parametrize(("text", "expected", "allow_html"), CASES)
def test_check__fixture(
    text: str, expected: str, allow_html: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("doc.md").write_text(text, encoding="utf-8")
    found = check_file(Path("doc.md"), allow_html=allow_html)
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
    doc.write_text("## Part 1: A\n\n### Q\n\n![x](nope.png)\n\n### R\n\nR.\n", encoding="utf-8")
    out = tmp_path / "doc.apkg"
    refused = CliRunner().invoke(cli, ["build", str(doc), "-o", str(out)])
    assert refused.exit_code == 1
    assert refused.output == (
        f"{doc}:5: error: image nope.png not found\n"
        f"{doc}: error: 1 error; nothing written (fix them, or build with --force)\n"
    )
    assert not out.exists()
    forced = CliRunner().invoke(cli, ["build", str(doc), "-o", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert forced.output.startswith(f"{doc}:5: error: image nope.png not found\n2 cards in 1 part")
    assert out.is_file()


def test_build__leaves_the_latex_parse_to_check(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text("## Part 1: A\n\n### Q\n\nOpen $\\left( x$.\n", encoding="utf-8")
    built = CliRunner().invoke(cli, ["build", str(doc), "-o", str(tmp_path / "doc.apkg")])
    assert built.exit_code == 0 and built.stderr == ""
    checked = CliRunner().invoke(cli, ["check", str(doc)])
    assert checked.output.startswith(f"{doc}:5: warning: math `\\left( x` does not parse")
