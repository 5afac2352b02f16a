"""Math for the preview: LaTeX becomes MathML, and what cannot be converted says so."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from markdown_it import MarkdownIt

from deckgen.render.mathml import RAW_CLASS, html_with_mathml
from tests.conftest import SEED
from tests.pipeline_support import deck_of


def test_mathml__every_formula_in_the_seed_converts(md: MarkdownIt) -> None:
    deck = deck_of(SEED.read_text(encoding="utf-8"), SEED, now=0)
    rendered = 0
    for note in deck.notes:
        for field in (note.question, note.answer, note.part):
            result = html_with_mathml(field)
            assert result.unrendered == (), note.id
            assert "\\(" not in result.html and "\\[" not in result.html, note.id
            rendered += result.rendered
    assert rendered == 376


def test_mathml__inline_and_display_math_become_math_elements() -> None:
    result = html_with_mathml(
        r'<p>Scale by \(\sqrt{d_k}\):</p><div class="math">\[\frac{QK^T}{\sqrt{d_k}}\]</div>'
    )
    assert result.rendered == 2
    inline, display = (ET.fromstring(m) for m in re.findall("<math.*?</math>", result.html))
    assert inline.get("display") == "inline" and display.get("display") == "block"
    assert "msqrt" in ET.tostring(inline, encoding="unicode")
    assert "mfrac" in ET.tostring(display, encoding="unicode")


def test_mathml__escaped_html_in_latex_is_read_as_latex() -> None:
    result = html_with_mathml(r"<p>\(x_{&lt;t}\)</p>")
    (math,) = re.findall("<math.*?</math>", result.html)
    assert result.unrendered == ()
    assert [e.text for e in ET.fromstring(math).iter() if e.text] == ["x", "<", "t"]


def test_mathml__arg_max_is_an_operator_not_an_unknown_command() -> None:
    result = html_with_mathml(r"\(a^* = \arg\max_a N(s,a)\)")
    assert result.unrendered == () and "<mo>arg</mo>" in result.html


def test_mathml__code_is_left_alone() -> None:
    fragment = r"<p><code>\(x\)</code></p><pre><code>print('\[y\]')</code></pre>"
    result = html_with_mathml(fragment)
    assert result.html == fragment and result.rendered == 0


@pytest.mark.parametrize(
    ("latex", "reason"),
    [
        (r"\frac{a}", "frac needs 2 arguments, got 1"),
        (r"\foo x", r"unknown command \foo"),
        ("x^", "missing super script or subscript"),
        (r"\left( x", "extra left or missing right"),
        ("a_{b", "unbalanced braces: '{' without '}'"),
        ("a}", "unbalanced braces: '}' without '{'"),
        (r"\text", "ends too early: a command lacks its argument"),
        (r"\frac", "ends too early: a command lacks its argument"),
    ],
)
def test_mathml__unconvertible_math_is_shown_raw_and_reported(latex: str, reason: str) -> None:
    result = html_with_mathml(f"<p>before \\({latex}\\) after</p>")
    assert result.rendered == 0
    assert [(u.latex, u.reason) for u in result.unrendered] == [(latex, reason)]
    assert f'<span class="{RAW_CLASS}" title="not rendered: ' in result.html
    assert f"\\({latex}\\)</span> after" in result.html
