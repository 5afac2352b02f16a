"""Rendering edge cases as fixture files: title / Markdown input / expected card HTML."""

from __future__ import annotations

from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from markdown_it.utils import read_fixture_file

FIXTURES = Path(__file__).parent / "fixtures"
CASES = [
    pytest.param(text, expected, id=f"{path.stem}:{line}:{title}")
    for path in sorted(FIXTURES.glob("*.md"))
    for line, title, text, expected in read_fixture_file(path)
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_render__fixture(md: MarkdownIt, text: str, expected: str) -> None:
    assert md.render(text) == expected
