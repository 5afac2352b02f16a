"""Shared fixtures: the seed document, a markdown parser, and real Anki collections."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from markdown_it import MarkdownIt

from deckgen.parse.markdown import make_markdown

if TYPE_CHECKING:
    from deckgen.preview.page import PreviewReport

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "source" / "ml-interview-qa.md"


@pytest.fixture
def md() -> MarkdownIt:
    return make_markdown()


@pytest.fixture
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture
def seed_copy(tmp_path: Path) -> Path:
    """A private copy of the seed that a test may edit."""
    target = tmp_path / "source" / SEED.name
    target.parent.mkdir()
    shutil.copyfile(SEED, target)
    return target


@pytest.fixture
def collection(tmp_path: Path) -> Iterator[object]:
    """A fresh, empty Anki collection (the real backend), closed after the test."""
    from tests.anki_support import open_collection

    col = open_collection(tmp_path / "anki")
    try:
        yield col
    finally:
        col.close()


@pytest.fixture(scope="session")
def seed_preview(tmp_path_factory: pytest.TempPathFactory) -> PreviewReport:
    """The seed's preview page, written once for every test that reads or opens it."""
    from deckgen.preview.page import preview

    return preview(SEED, tmp_path_factory.mktemp("preview") / "ml-interview-qa.html")
