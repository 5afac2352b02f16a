"""What keeps a large build's memory down changes nothing a build gives: lean block tokens,
lines read off the text, and the collector leaving the parent's objects alone during a fork."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.parser_block import ParserBlock
from markdown_it.token import Token

from deckgen.check.context import Lines
from deckgen.parse.lean import LeanToken, lean_blocks_plugin
from deckgen.parse.markdown import make_markdown
from tests.fragments import FRAGMENTS

FIXTURES = Path(__file__).parent / "fixtures"
DOCUMENTS = sorted(FIXTURES.rglob("*.md"))


def _plain(md: MarkdownIt) -> MarkdownIt:
    """`md` with markdown-it's own block parser back: ordinary tokens."""
    plain = make_markdown(allow_html=bool(md.options["html"]))
    blocks = ParserBlock()
    blocks.ruler = plain.block.ruler
    plain.block = blocks
    return plain


def _fields(token: Token) -> dict[str, object]:
    values = {f.name: getattr(token, f.name) for f in fields(Token)}
    if token.children is not None:
        values["children"] = [_fields(child) for child in token.children]
    return values


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(FIXTURES)))
@pytest.mark.parametrize("allow_html", [False, True])
def test_lean__tokens_equal_markdown_its_own_field_for_field(path: Path, allow_html: bool) -> None:
    text = path.read_text(encoding="utf-8")
    md = make_markdown(allow_html=allow_html)
    lean, plain = md.parse(text), _plain(md).parse(text)
    assert any(type(token) is LeanToken for token in lean)
    assert not any(type(token) is LeanToken for token in plain)
    assert [_fields(t) for t in lean] == [_fields(t) for t in plain]
    assert md.render(text) == _plain(md).render(text)


def test_lean__dicts_appear_when_used_and_keep_what_is_written() -> None:
    md = MarkdownIt("commonmark")
    md.use(lean_blocks_plugin)
    tokens = md.parse("1. one\n\n---\n")
    assert all(type(token) is LeanToken for token in tokens)
    ordered = tokens[0]
    assert ordered.attrItems() == [] and ordered.attrGet("start") is None
    assert ordered.attrs == {}  # "1." starts at 1: no `start` attribute
    ordered.attrSet("start", 5)
    ordered.meta["seen"] = True
    assert ordered.attrs == {"start": 5}
    assert ordered.meta == {"seen": True}
    assert ordered.attrItems() == [("start", 5)] and ordered.attrGet("start") == 5
    ordered.attrs = {"class": "x"}
    assert ordered.attrGet("class") == "x"
    copy = ordered.copy()
    assert copy.attrs == {"class": "x"} and copy.meta == {"seen": True}
    # Every token gets dicts of its own, never one shared by all.
    tokens[1].attrs["a"] = "1"
    assert tokens[2].attrs == {}


def test_lean__a_plugins_block_rules_still_run() -> None:
    md = make_markdown()
    tokens = md.parse("$$\nx^2\n$$\n")
    assert [t.type for t in tokens] == ["math_block"]
    assert type(tokens[0]) is LeanToken


TEXT = st.text(
    alphabet=st.sampled_from(list("ab \t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029é🚀")),
    max_size=60,
)


@settings(max_examples=400)
@given(TEXT)
def test_lines__are_the_texts_splitlines(text: str) -> None:
    lines, expected = Lines(text), text.splitlines()
    assert len(lines) == len(expected)
    assert [lines[i] for i in range(len(lines))] == expected
    assert [lines[-i] for i in range(1, len(lines) + 1)] == expected[::-1]
    assert list(lines) == expected
    assert list(lines[1:3]) == expected[1:3]
    with pytest.raises(IndexError):
        lines[len(expected)]


# Run in a fresh interpreter: this one may have threads running (the desktop tests'), and a
# process with threads never forks.
FORK_CHECK = """
import gc, sys
from deckgen import forked
forked.usable_cores = lambda: 2  # a second core, so that a child is forked
if sys.argv[1] == "theirs":
    gc.freeze()
before = gc.get_freeze_count()
with forked.started_in_child(gc.get_freeze_count) as child:
    assert child is not None, "no child started"
    during = gc.get_freeze_count()
    in_child = child()
print(before, during, in_child, gc.get_freeze_count())
"""


def _freeze_counts(case: str) -> list[int]:
    done = subprocess.run(
        [sys.executable, "-c", FORK_CHECK, case], capture_output=True, text=True, check=True
    )
    return [int(count) for count in done.stdout.split()]


def test_fork__objects_are_frozen_only_while_a_child_runs() -> None:
    before, during, in_child, after = _freeze_counts("ours")
    assert before == 0 and after == 0
    assert during > 0 and in_child > 0  # the parent's objects, in both processes


def test_fork__leaves_objects_frozen_by_someone_else_frozen() -> None:
    before, during, in_child, after = _freeze_counts("theirs")
    assert before > 0
    assert during == before == after
    assert in_child > 0


@settings(max_examples=300)
@given(
    pieces=st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=4), max_size=40),
    allow_html=st.booleans(),
)
def test_lean__any_text_parses_and_renders_as_markdown_it_does(
    pieces: list[str], allow_html: bool
) -> None:
    text = "".join(pieces)
    md = make_markdown(allow_html=allow_html)
    plain = _plain(md)
    assert [_fields(t) for t in md.parse(text)] == [_fields(t) for t in plain.parse(text)]
    assert md.render(text) == plain.render(text)
