"""`deckgen preview`: one offline page with every card, as the deck's own templates draw it."""

from __future__ import annotations

import html
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from deckgen.api import BuildOptions
from deckgen.cli.commands import cli
from deckgen.errors import DeckgenError
from deckgen.model import Note
from deckgen.notetype.definition import BACK, FRONT, notetype_css
from deckgen.preview.page import PreviewReport, card_faces, fill_template, preview
from deckgen.render.mathml import html_with_mathml
from tests.conftest import ROOT, SEED


def _page(report: PreviewReport) -> str:
    return report.output.read_text(encoding="utf-8")


def test_preview__page_has_every_card_front_and_back_grouped_by_part(
    seed_preview: PreviewReport,
) -> None:
    page = _page(seed_preview)
    assert (seed_preview.cards, seed_preview.parts, seed_preview.math) == (162, 18, 376)
    assert page.count('<article class="pv-card"') == 162
    assert page.count('data-label="Front"><div class="card card1">') == 162
    assert page.count('data-label="Back"><div class="card card1">') == 162
    assert page.count('<hr id="answer">') == 162
    sections = re.findall(r'<section class="pv-part" id="([^"]+)">', page)
    index = re.findall(r'<li><a href="#([^"]+)">', page)
    assert len(sections) == 18 and index == sections
    assert sections[0] == "part-01-lstm"
    lstm = page[page.index('id="part-01-lstm"') : page.index('id="part-02-')]
    assert lstm.count('<article class="pv-card"') == 7
    assert seed_preview.diagnostics == ()


def test_preview__cards_use_the_decks_own_css_and_templates(seed_preview: PreviewReport) -> None:
    page = _page(seed_preview)
    assert notetype_css("default") in page
    note = Note(
        id="dg-000000000000",
        question="Q?",
        answer="<p>A</p>",
        part="Part 1: P",
        source="doc.md#q",
        tags=(),
        deck="D",
        mtime=0,
    )
    front, back = card_faces(note)
    assert front == FRONT.replace("{{Part}}", "Part 1: P").replace("{{Question}}", "Q?")
    assert back.startswith(front + '\n<hr id="answer">')
    assert '<div class="dg-card dg-answer"><p>A</p></div>' in back
    assert '<div class="dg-source">doc.md#q</div>' in back
    assert "{{" not in back and "{{FrontSide}}" in BACK


def test_preview__template_field_the_note_lacks_is_an_error() -> None:
    with pytest.raises(DeckgenError, match=r"\{\{Extra\}\}"):
        fill_template("{{Question}} {{Extra}}", {"Question": "Q"})


def test_preview__page_is_self_contained(seed_preview: PreviewReport) -> None:
    page = _page(seed_preview)
    assert re.findall(r"""(?:src|href)\s*=\s*["']?(?!#)[^"'\s>]+""", page) == []
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert re.findall(r"<script[^>]*>", page) == ["<script>", "<script>"]
    assert "\\(" not in page.replace("\\\\(", "")


def test_preview__theme_changes_only_the_css(tmp_path: Path) -> None:
    paper = preview(SEED, tmp_path / "paper.html", BuildOptions(theme="paper"))
    page = _page(paper)
    assert notetype_css("paper") in page and notetype_css("default") not in page
    assert "theme paper" in page


def test_preview__cli_writes_build_stem_html_and_reports_math(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = tmp_path / "source" / "tiny.md"
    doc.parent.mkdir()
    doc.write_text(
        "# Tiny\n\n## Part 1: Maths\n\n### Good?\n\n$$e^{i\\pi} + 1 = 0$$\n\n"
        "### Bad?\n\nFine $x$ then\n\nBut $\\frac{a}$ is not\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["preview"])
    assert result.exit_code == 0, result.output
    page = Path("build/tiny.html")
    assert page.is_file()
    assert result.stdout.startswith("2 cards in 1 part, 2 math spans → build/tiny.html (")
    assert result.stderr == (
        "source/tiny.md:13: warning: math shown as LaTeX in the preview "
        "(frac needs 2 arguments, got 1): \\frac{a}\n"
    )
    assert 'class="dg-math-raw"' in page.read_text(encoding="utf-8")


def test_preview__bad_source_is_a_one_line_error_and_writes_nothing(tmp_path: Path) -> None:
    doc = tmp_path / "plain.md"
    doc.write_text("# Title\n\nJust prose.\n", encoding="utf-8")
    out = tmp_path / "plain.html"
    result = CliRunner().invoke(cli, ["preview", str(doc), "-o", str(out)])
    assert result.exit_code == 1
    assert result.output == (
        f"{doc}: error: no cards: no part headings (`## …`) found; it holds headings at # (1)\n"
    )
    assert list(tmp_path.iterdir()) == [doc]


def test_preview__takes_builds_settings_and_selection(
    seed_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = seed_copy.parent.parent
    shutil.copyfile(ROOT / "deckgen.toml", project / "deckgen.toml")
    monkeypatch.chdir(project)
    result = CliRunner().invoke(cli, ["preview", "--topic", "llm"])
    assert result.exit_code == 0, result.output
    page = Path("build/ml-interview-qa--llm.html").read_text(encoding="utf-8")
    assert result.stdout.startswith("30 cards in 3 parts, ")
    sections = re.findall(r'<section class="pv-part" id="([^"]+)">', page)
    assert sections == [
        "part-04-large-language-models",
        "part-05-fine-tuning-peft",
        "part-06-alignment-rlhf",
    ]
    assert page.count('<article class="pv-card"') == 30
    assert "<title>Interview Questions &amp; Answers · preview</title>" in page


def test_preview__ordinary_latex_the_converter_cannot_draw_is_shown_as_latex(
    tmp_path: Path,
) -> None:
    # Issue 15: both stopped the preview with an internal error while `check` was clean.
    source = tmp_path / "math.md"
    source.write_text(
        "## Part 1: A\n\n### Q\n\n$$\\begin{aligned} a &= b \\end{aligned}$$\n\n"
        "Costs: $\\text{R&D}$.\n",
        encoding="utf-8",
    )
    out = tmp_path / "math.html"
    result = CliRunner().invoke(cli, ["preview", str(source), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"{source}:5: warning: math shown as LaTeX in the preview (`&` outside an environment "
        "the converter knows (e.g. aligned)): \\begin{aligned} a &= b \\end{aligned}\n"
    )
    assert result.stdout.startswith(f"1 card in 1 part, 1 math span → {out} (")
    page = out.read_text(encoding="utf-8")
    assert "<mtext>R&amp;D</mtext>" in page
    assert 'class="dg-math-raw" title="not rendered: `&amp;` outside' in page


# Pieces of LaTeX, joined at random: commands, environments, braces and HTML-ish characters.
LATEX_PIECES = [
    *"ab1{}[]()^_&<>|\\ ,.'=+-%#",
    *("\\frac", "\\text", "\\begin{aligned}", "\\end{aligned}", "\\left(", "\\right)"),
    *("\\sqrt", "\\mathbb", "\\\\", "\\begin{matrix}", "\\end{matrix}", "\\operatorname"),
    *("\\sum_", "\\hat", "\\overbrace", "&amp;", "\\{", "\\}", "\\text{R&D}"),
]
LATEX = st.lists(st.sampled_from(LATEX_PIECES), max_size=20).map("".join)


@settings(max_examples=400)
@given(latex=LATEX, display=st.booleans())
def test_preview__any_formula_becomes_mathml_or_latex_never_an_error(
    latex: str, display: bool
) -> None:
    span = f"\\[{latex}\\]" if display else f"\\({latex}\\)"
    shown = html_with_mathml(f"<p>{html.escape(span)}</p>")  # never raises
    drawn = re.findall(r"<math\b.*?</math>", shown.html, re.DOTALL)
    assert len(drawn) == shown.rendered
    for mathml in drawn:
        ET.fromstring(mathml)  # well-formed: a browser draws it as MathML, not as text
