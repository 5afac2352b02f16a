"""Themes: readable colours in light and night mode, and a safe way to choose one."""

from __future__ import annotations

import json
import sqlite3
import tempfile
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from pygments.styles import get_style_by_name

from deckgen.api import BuildOptions, build
from deckgen.cli.commands import cli
from deckgen.config.project import load_config
from deckgen.errors import DeckgenError, SourceError
from deckgen.notetype.definition import notetype_css
from deckgen.notetype.themes import THEMES, CodeColors, code_foreground
from tests.colors import contrast, theme_colours
from tests.conftest import SEED

AA = 4.5
TEXT_COLOURS = ("fg", "heading", "strong", "muted", "faint", "accent", "link")


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_themes__text_colours_are_readable_in_both_modes(theme: str) -> None:
    for mode, colours in theme_colours(theme).items():
        for name in TEXT_COLOURS:
            ratio = contrast(colours[name], colours["bg"])
            assert ratio >= AA, f"{theme} {mode}: --dg-{name} on the card is {ratio:.2f}:1"


@pytest.mark.parametrize(
    ("theme", "mode"), [(t, m) for t in sorted(THEMES) for m in ("light", "dark")]
)
def test_themes__every_code_token_is_readable_on_the_code_background(theme: str, mode: str) -> None:
    colors: CodeColors = getattr(THEMES[theme], mode)
    plain = code_foreground(colors) or theme_colours(theme)[mode]["fg"]
    assert contrast(plain, colors.background) >= AA
    low = []
    for token, style in get_style_by_name(colors.style):
        # Whitespace has no visible colour; error tokens carry their own background.
        if not style["color"] or style["bgcolor"] or "Whitespace" in str(token):
            continue
        ratio = contrast(f"#{style['color']}", colors.background)
        if ratio < AA:
            low.append(f"{token} #{style['color']} {ratio:.2f}:1")
    assert low == [], f"{colors.style} on {colors.background}"


def test_themes__night_mode_is_dark_and_light_mode_is_light() -> None:
    for theme in THEMES:
        modes = theme_colours(theme)
        assert contrast(modes["light"]["bg"], "#000000") > 15
        assert contrast(modes["dark"]["bg"], "#ffffff") > 14


def test_themes__each_theme_is_its_own_stylesheet() -> None:
    sheets = {theme: notetype_css(theme) for theme in THEMES}
    assert len(set(sheets.values())) == len(THEMES) >= 2
    for theme, css in sheets.items():
        assert f"/* theme: {theme} */" in css
        assert ".nightMode .highlight .k" in css and ".mobile" in css


def test_themes__unknown_theme_is_an_error_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "deck.apkg"
    with pytest.raises(DeckgenError, match="unknown theme 'neon'; choose one of: default, paper"):
        build(SEED, out, BuildOptions(theme="neon"))
    assert not out.exists()


def test_themes__cli_offers_the_themes_by_name(seed_copy: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "deck.apkg"
    ok = runner.invoke(cli, ["build", str(seed_copy), "-o", str(out), "--theme", "paper"])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(cli, ["build", str(seed_copy), "--theme", "neon"])
    assert bad.exit_code == 2
    assert "'neon' is not one of 'default', 'paper'" in bad.output


def _package_css(package: Path) -> str:
    with zipfile.ZipFile(package) as zf, tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "collection.anki2"
        db.write_bytes(zf.read("collection.anki2"))
        connection = sqlite3.connect(db)
        try:
            (models,) = connection.execute("select models from col").fetchone()
        finally:
            connection.close()
    (notetype,) = json.loads(models).values()
    return str(notetype["css"])


def test_themes__config_chooses_the_theme_and_the_command_line_wins(
    seed_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = seed_copy.parent.parent
    (project / "deckgen.toml").write_text('theme = "paper"\n', encoding="utf-8")
    monkeypatch.chdir(project)
    runner = CliRunner()
    assert runner.invoke(cli, ["build"]).exit_code == 0
    assert _package_css(Path("build/ml-interview-qa.apkg")) == notetype_css("paper")
    assert runner.invoke(cli, ["build", "--theme", "default"]).exit_code == 0
    assert _package_css(Path("build/ml-interview-qa.apkg")) == notetype_css("default")


def test_themes__unknown_theme_in_config_names_file_line_and_choices(tmp_path: Path) -> None:
    config = tmp_path / "deckgen.toml"
    config.write_text('deck = "D"\ntheme = "neon"\n', encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        load_config(config)
    assert str(caught.value) == (
        f"{config}:2: theme: expected a theme, one of 'default', 'paper'; got 'neon'"
    )


def test_themes__status_tells_when_the_look_of_the_cards_changes(
    seed_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(seed_copy.parent.parent)
    runner = CliRunner()
    assert runner.invoke(cli, ["build", "--theme", "paper"]).exit_code == 0
    same = runner.invoke(cli, ["status", "--theme", "paper"])
    other = runner.invoke(cli, ["status"])
    assert same.exit_code == other.exit_code == 0
    assert "card styling" not in same.output
    assert "card styling or templates changed" in other.output
