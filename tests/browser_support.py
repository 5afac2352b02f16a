"""Debian's Chromium, headless, driven through Playwright; never a downloaded browser."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without these, Chromium keeps reaching for update and sync servers.
QUIET = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


HEIGHT = 800
"""Every window's height, in CSS pixels."""

Scheme = Literal["light", "dark"]
SCHEMES: tuple[Scheme, ...] = ("light", "dark")


@dataclass(frozen=True, slots=True)
class View:
    """A window a person reads the page in."""

    name: str
    width: int
    scheme: Scheme

    @property
    def id(self) -> str:
        return f"{self.name}-{self.scheme}"


VIEWS = [
    View(name, width, scheme)
    for name, width in (("phone", 360), ("desktop", 1280))
    for scheme in SCHEMES
]


@contextmanager
def chromium() -> Iterator[Browser]:
    """One headless browser with a fresh profile (Playwright makes a new user-data-dir)."""
    if not Path(CHROMIUM).is_file():
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=QUIET, chromium_sandbox=False, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def open_page(browser: Browser, page: Path, view: View) -> Iterator[tuple[Page, list[str]]]:
    """`page` in a window of `view`'s size and colour scheme; also every request off disk."""
    context = browser.new_context(
        viewport={"width": view.width, "height": HEIGHT},
        color_scheme=view.scheme,
    )
    outside: list[str] = []

    def only_files(route: Route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_files)
    tab = context.new_page()
    try:
        tab.goto(page.resolve().as_uri())
        tab.evaluate("document.fonts.ready")
        yield tab, outside
    finally:
        context.close()
