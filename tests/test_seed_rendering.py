"""The seed's math and lists come out intact, checked against extractions done without markdown-it."""

from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt

from tests.conftest import SEED
from tests.pipeline_support import deck_of


def _seed_notes(md: MarkdownIt, seed_text: str):  # type: ignore[no-untyped-def]
    return deck_of(seed_text, SEED).notes


def _math_spans(text: str) -> tuple[list[str], list[str]]:
    """Display and inline math of the seed by a plain scan: fences and inline code skipped."""
    display, inline = [], []
    prose = re.sub(r"^```.*?^```", "", text, flags=re.DOTALL | re.MULTILINE)
    prose = re.sub(r"`[^`\n]*`", "", prose)
    for match in re.finditer(r"\$\$(.+?)\$\$|\$([^$\n]+?)\$", prose, flags=re.DOTALL):
        if match[1] is not None:
            display.append(match[1].strip("\n"))
        else:
            inline.append(match[2])
    return display, inline


def test_seed__every_math_span_is_intact(md: MarkdownIt, seed_text: str) -> None:
    display, inline = _math_spans(seed_text)
    assert len(display) > 20 and len(inline) > 300
    rendered = "\n".join(n.question + "\n" + n.answer for n in _seed_notes(md, seed_text))
    found_display = [
        html.unescape(m) for m in re.findall(r"\\\[(.+?)\\\]", rendered, flags=re.DOTALL)
    ]
    found_inline = [
        html.unescape(m) for m in re.findall(r"\\\((.+?)\\\)", rendered, flags=re.DOTALL)
    ]
    assert sorted(found_display) == sorted(display)
    assert sorted(found_inline) == sorted(inline)


def test_seed__math_is_never_touched_by_markdown(md: MarkdownIt, seed_text: str) -> None:
    for note in _seed_notes(md, seed_text):
        for body in re.findall(r"\\\((.+?)\\\)|\\\[(.+?)\\\]", note.answer, flags=re.DOTALL):
            text = "".join(body)
            assert "<em>" not in text and "<strong>" not in text
    answers = "\n".join(n.question + n.answer for n in _seed_notes(md, seed_text))
    for trap in [
        r"\(P(x_t | x_{&lt;t})\)",
        r"\(X_*\)",
        r"\mu_{f_*|y}",
        r"\(\|x - x'\|\)",
        r"\{x_1, \ldots, x_n\}",
        r"\(2 \times n_{layers} \times d_{model} \times\) sequence_length",
        r"\(35^{10} \approx 2.8 \times 10^{15}\)",
    ]:
        assert trap in answers, trap


def test_seed__all_984_list_items_become_li(md: MarkdownIt, seed_text: str) -> None:
    prose = re.sub(r"^```.*?^```", "", seed_text, flags=re.DOTALL | re.MULTILINE)
    items = re.findall(r"^\s*(?:[-*+]|\d+[.)])\s+\S", prose, flags=re.MULTILINE)
    assert len(items) == 984
    rendered = "".join(n.answer for n in _seed_notes(md, seed_text))
    assert rendered.count("<li>") == 984


def test_seed__code_is_highlighted_and_diagrams_keep_whitespace(
    md: MarkdownIt, seed_text: str
) -> None:
    answers = [n.answer for n in _seed_notes(md, seed_text)]
    assert any('<pre class="highlight"><code class="language-json">' in a for a in answers)
    diagrams = [a for a in answers if "↓" in a and "<pre><code>" in a]
    assert diagrams
    block = re.search(r"<pre><code>(.*?)</code></pre>", diagrams[0], flags=re.DOTALL)
    assert block is not None
    assert html.unescape(block[1]) in seed_text


def test_seed__emoji_survive(md: MarkdownIt, seed_text: str) -> None:
    rendered = "".join(n.answer for n in _seed_notes(md, seed_text))
    for emoji in "✅❌":
        assert seed_text.count(emoji) == rendered.count(emoji)


def test_seed__part_field_and_source_anchor(md: MarkdownIt, seed_text: str) -> None:
    notes = _seed_notes(md, seed_text)
    assert notes[0].part == "Part 1: LSTM"
    assert notes[0].tags == ("ml-interview-qa::01-lstm",)
    sources = {n.source for n in notes}
    assert "ml-interview-qa.md#why-do-we-scale-by-dk" in sources
    # Every card links to its own heading in the file it came from.
    assert len(sources) == len(notes)
    assert all(source.startswith("ml-interview-qa.md#") for source in sources)
