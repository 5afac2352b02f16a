"""`deckgen watch --preview` in headless Chromium: the page is served on 127.0.0.1, reloads by
itself after a rebuild (not after a failed one), and asks nothing of any other host."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route

from tests.browser_support import chromium
from tests.watch_support import QUIET, WAIT, Watching

pytestmark = pytest.mark.browser

DOC = """# Letters

## Part 1: Vowels

### What is A?

The first letter, $x^2$ aside.

### What is E?

The fifth letter.
"""

OTHER = """# Numbers

## Part 1: Small

### What is one?

The first number.
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def _served(watching: Watching) -> str:
    found = re.search(r"http://127\.0\.0\.1:\d+/", watching.line(r"^preview → "))
    assert found
    return found[0]


def _open(browser: Browser, url: str) -> tuple[Page, list[str]]:
    """A tab on `url`; every request to anything but the watch's server is refused and kept."""
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    outside: list[str] = []

    def only_the_watch(route: Route) -> None:
        if route.request.url.startswith(url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_watch)
    tab = context.new_page()
    tab.goto(url)
    return tab, outside


def _answers(tab: Page) -> str:
    return "\n".join(tab.locator(".pv-back").all_inner_texts())


def test_watch_preview__reloads_after_a_rebuild_and_not_after_a_failed_one(
    tmp_path: Path, browser: Browser
) -> None:
    source = tmp_path / "source" / "letters.md"
    source.parent.mkdir()
    source.write_text(DOC, "utf-8")
    watching = Watching(tmp_path, "--preview", "source/letters.md")
    try:
        url = _served(watching)
        watching.ready()
        tab, outside = _open(browser, url)
        assert "The fifth letter." in _answers(tab)
        assert tab.locator(".pv-back math").count() == 1  # the preview's own MathML

        with tab.expect_navigation(timeout=WAIT * 1000):
            source.write_text(DOC.replace("The fifth letter.", "Edited in the editor."), "utf-8")
            assert "→ build/letters.apkg" in watching.rebuilt()
        assert "Edited in the editor." in _answers(tab)

        # A failed rebuild leaves the page as it is: no reload.
        tab.evaluate("window.stillHere = true")
        broken = DOC.replace("The first letter, $x^2$ aside.", "```\nnever closed")
        source.write_text(broken.replace("The fifth letter.", "Edited in the editor."), "utf-8")
        assert "not rebuilt" in watching.rebuilt()
        tab.wait_for_timeout(QUIET * 1000)
        assert tab.evaluate("window.stillHere") is True
        assert "Edited in the editor." in _answers(tab)

        with tab.expect_navigation(timeout=WAIT * 1000):
            source.write_text(DOC.replace("The fifth letter.", "Fixed."), "utf-8")
            assert "→ build/letters.apkg" in watching.rebuilt()
        assert tab.evaluate("window.stillHere") is None
        assert "Fixed." in _answers(tab)
        assert outside == []
    finally:
        watching.stop()


def test_watch_preview__a_project_has_an_index_of_its_files(
    tmp_path: Path, browser: Browser
) -> None:
    (tmp_path / "notes" / "ml").mkdir(parents=True)
    (tmp_path / "notes" / "a.md").write_text(DOC, "utf-8")
    (tmp_path / "notes" / "ml" / "b.md").write_text(OTHER, "utf-8")
    (tmp_path / "deckgen.toml").write_text('deck = "Mixed"\ninclude = ["notes/"]\n', "utf-8")
    watching = Watching(tmp_path, "--preview")
    try:
        url = _served(watching)
        watching.ready()
        tab, outside = _open(browser, url)
        assert tab.locator("li a").all_inner_texts() == ["notes/a.md", "notes/ml/b.md"]
        tab.locator("li a", has_text="notes/ml/b.md").click()
        tab.wait_for_url(f"{url}notes--ml--b.html")
        assert "The first number." in _answers(tab)

        with tab.expect_navigation(timeout=WAIT * 1000):
            (tmp_path / "notes" / "ml" / "b.md").write_text(
                OTHER.replace("The first number.", "One, the first."), "utf-8"
            )
            assert "→ build/mixed.apkg" in watching.rebuilt()
        assert "One, the first." in _answers(tab)
        assert outside == []
    finally:
        watching.stop()
