"""Settings in use: which layer wins, what they change and what they never change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from deckgen.api import BuildOptions
from deckgen.cli.commands import cli
from deckgen.config.project import load_config
from deckgen.pipeline import outline
from tests.conftest import ROOT, SEED
from tests.pipeline_support import deck_of

SHAPES = Path(__file__).parent / "fixtures" / "shapes"


def _project(tmp_path: Path, config: str, *fixtures: Path) -> Path:
    """A folder with `deckgen.toml` and copies of `fixtures` in `source/`."""
    (tmp_path / "deckgen.toml").write_text(config, encoding="utf-8")
    (tmp_path / "source").mkdir()
    for fixture in fixtures:
        shutil.copy(fixture, tmp_path / "source")
    return tmp_path


def _settled(source: Path, options: BuildOptions) -> BuildOptions:
    return outline(source, options).options


def test_settings__command_line_over_front_matter_over_config(tmp_path: Path) -> None:
    config = '[sources.front-matter]\ndeck = "From config"\ntag-prefix = "cfg"\nsubdecks = true\n'
    root = _project(tmp_path, config, SHAPES / "front-matter.md")
    source = root / "source" / "front-matter.md"
    options = BuildOptions(config=load_config(root / "deckgen.toml"))
    settled = _settled(source, options)
    # Front matter names the deck and the prefix; only the config says subdecks.
    assert (settled.deck_name, settled.tag_prefix, settled.subdecks) == (
        "Probability Drills",
        "prob",
        True,
    )
    given = _settled(source, BuildOptions(deck_name="Typed", config=options.config))
    assert given.deck_name == "Typed"


def test_settings__tag_prefix_changes_tags_never_ids() -> None:
    text = SEED.read_text(encoding="utf-8")
    before = deck_of(text, SEED, BuildOptions()).notes
    after = deck_of(text, SEED, BuildOptions(tag_prefix="ml::qa")).notes
    assert [n.id for n in after] == [n.id for n in before]
    assert after[0].tags == ("ml::qa::01-lstm",) and before[0].tags == ("ml-interview-qa::01-lstm",)


def test_settings__check_reads_each_shape_and_the_config(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["check", str(SHAPES / "three-levels.md")])
    assert result.exit_code == 0, result.output
    assert result.output == "1 file checked: 0 errors, 0 warnings, 0 notes\n"
    root = _project(tmp_path, "[sources.three-levels]\nquestion-levle = 4\n")
    result = CliRunner().invoke(
        cli, ["check", str(SHAPES / "three-levels.md"), "--config", str(root / "deckgen.toml")]
    )
    assert result.exit_code == 1
    assert result.output.startswith(
        f"{root / 'deckgen.toml'}:2: error: sources.three-levels.question-levle: unknown key "
        "(did you mean 'question-level'?)\n"
    )


def test_settings__status_sees_the_config_the_build_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path, (ROOT / "deckgen.toml").read_text(encoding="utf-8"), SEED)
    monkeypatch.chdir(root)
    runner = CliRunner()
    assert runner.invoke(cli, ["build"]).exit_code == 0
    status = runner.invoke(cli, ["status"])
    assert status.output == "source/ml-interview-qa.md: no changes\n"
    (root / "deckgen.toml").write_text(
        '[sources.ml-interview-qa.topics]\nllm = [4, 5, 6, "fine-tuning"]\nrl = [6]\n',
        encoding="utf-8",
    )
    status = runner.invoke(cli, ["status"])
    # Only parts 4 and 5 (10 cards each) keep exactly the topic tags they had: `llm`.
    assert status.output.splitlines()[0] == f"source/ml-interview-qa.md: {162 - 20} changed"


def test_settings__several_sources_skip_the_ones_a_selection_misses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path, "", SHAPES / "flat.md", SHAPES / "three-levels.md")
    monkeypatch.chdir(root)
    runner = CliRunner()
    result = runner.invoke(cli, ["build", "--grep", "tcp"])
    assert result.exit_code == 0, result.output
    assert "source/flat.md: warning: --grep 'tcp' selects no card (" in result.output
    assert "1 card in 1 part → build/three-levels--grep-tcp.apkg" in result.output
    outputs = sorted(p.name for p in Path("build").iterdir() if p.name != ".cache")
    assert outputs == ["three-levels--grep-tcp.apkg"]
    merged = runner.invoke(cli, ["build", "--merge", "--grep", "tcp"])
    assert merged.exit_code == 0, merged.output
    assert "1 card in 1 part → build/deckgen--grep-tcp.apkg" in merged.output
    nothing = runner.invoke(cli, ["build", "--grep", "zebra"])
    assert nothing.exit_code == 1
    assert nothing.output.endswith("deckgen: error: --grep 'zebra' selects no card in any source\n")


def test_settings__merging_files_with_different_themes_says_which_one_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path, "", SHAPES / "flat.md", SHAPES / "three-levels.md")
    paper = root / "source" / "three-levels.md"
    paper.write_text("---\ndeckgen:\n  theme: paper\n---\n" + paper.read_text(encoding="utf-8"))
    monkeypatch.chdir(root)
    runner = CliRunner()
    result = runner.invoke(cli, ["build", "--merge", "source/flat.md", "source/three-levels.md"])
    assert result.exit_code == 0, result.output
    assert (
        "source/three-levels.md: warning: theme 'paper' is not used: one package has one card "
        "style, and flat.md sets 'default' (choose one with --theme)"
    ) in result.output
    agreed = runner.invoke(
        cli, ["build", "--merge", "source/flat.md", "source/three-levels.md", "--theme", "paper"]
    )
    assert agreed.exit_code == 0, agreed.output
    assert "warning: theme" not in agreed.output
