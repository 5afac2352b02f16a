"""Every seed card in the real Anki desktop's reviewer, at a phone's width and a desktop's, in
light and night mode; and a deck made to fail, to show that these checks can fail.

Anki (`aqt`) runs in this process, headless (see `tests/desktop_support.py`): the seed is built
by deckgen, imported with the import screen's default options and each card is shown, question
and then answer, as studying shows it, with Anki's own MathJax. Once MathJax has typeset a side,
the page is measured: the reviewer as wide as the view and the card's classes those of its
mode, every `\\(…\\)` and `\\[…\\]` span typeset and none in error, no sideways scrolling, no
box sticking out of the column, no scrollbar under a formula or code box whose content fits,
highlighted code at 4.5:1 contrast or better, images inside the column, the theme's own text
and background colours.

All four combinations of width and mode are shown: a pass over the 162 cards, both sides, takes
five to ten seconds here, so none has to be left out. The phone views put `mobile` on the card,
as AnkiDroid and AnkiMobile do. The broken deck is shown at the phone width in light mode, where
each of its faults shows (a 600-px box fits a desktop, pale code fails only on a light
background), and each must give exactly the problems it was made for; then one of its controls
is shown in a window wider than the view, which only the width check can see.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from deckgen.api import build
from deckgen.notetype.names import DEFAULT_THEME
from tests.colors import picture_colours, theme_colours
from tests.conftest import SEED
from tests.desktop_support import (
    BROKEN,
    DESKTOP_LIGHT,
    PHONE_LIGHT,
    PHONE_NIGHT,
    VIEWS,
    AnkiDesktop,
    Card,
    Shown,
    Side,
    View,
    problems,
    write_broken_deck,
)

# The desktop opens its own collection through Anki's backend: `-m "not anki"` leaves it out too.
pytestmark = [pytest.mark.desktop, pytest.mark.anki]

SEED_CARDS = 162


class Decks:
    """The running desktop and the cards it imported, by deck."""

    def __init__(self, desktop: AnkiDesktop, seed: list[Card], broken: list[Card]) -> None:
        self.desktop = desktop
        self.seed = seed
        self.broken = broken


@pytest.fixture(scope="module")
def decks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Decks]:
    """One Anki desktop for the module: Qt allows a single application per process."""
    work = tmp_path_factory.mktemp("desktop")
    seed_package = work / "ml-interview-qa.apkg"
    build(SEED, seed_package)
    broken_package = work / "broken.apkg"
    write_broken_deck(broken_package)
    desktop = AnkiDesktop(work / "anki")
    try:
        seed = desktop.import_package(seed_package)
        broken = desktop.import_package(broken_package)
        yield Decks(desktop, seed, broken)
    finally:
        desktop.close()


def _review(
    desktop: AnkiDesktop, cards: list[Card], view: View
) -> list[tuple[Card, Side, Shown, list[str]]]:
    """Every card, question and answer, at `view`: what each side looked like, what is wrong."""
    desktop.set_view(view)
    desktop.start_review(cards[0])
    seen: list[tuple[Card, Side, Shown, list[str]]] = []
    for card in cards:
        front, back = desktop.show(card)
        sides: tuple[tuple[Side, Shown], ...] = (("front", front), ("back", back))
        for side, shown in sides:
            seen.append((card, side, shown, problems(shown, view, card.math[side])))
    return seen


@pytest.mark.parametrize("view", VIEWS, ids=[view.id for view in VIEWS])
def test_seed__every_card_looks_right_in_anki(decks: Decks, view: View) -> None:
    assert len(decks.seed) == SEED_CARDS
    formulas = sum(card.math["front"] + card.math["back"] for card in decks.seed)
    assert formulas > 300, "the seed's cards hold hundreds of formulas"

    seen = _review(decks.desktop, decks.seed, view)

    wrong = [f"{card.name} ({side}): {p}" for card, side, _, listed in seen for p in listed]
    listed = "\n".join(wrong[:40])
    assert not wrong, f"{len(wrong)} problems at {view.id}:\n{listed}"
    # No problem means something only if the measurements saw the cards.
    assert sum(shown.containers for _, _, shown, _ in seen) == formulas
    assert sum(len(shown.colours) for _, _, shown, _ in seen) > 5, "code tokens were measured"
    if view.mobile:
        scrolling = sum(len(shown.scrolling) for _, _, shown, _ in seen)
        assert scrolling > 0, "wide formulas and code scroll in their own box on a phone"


def test_broken_deck__the_same_checks_fail(decks: Decks) -> None:
    seen = _review(decks.desktop, decks.broken, PHONE_LIGHT)
    found = {f"{card.name} ({side})": listed for card, side, _, listed in seen}
    assert len(decks.broken) == len(BROKEN)
    for broken in BROKEN:
        front = found[f"{broken.question} (front)"]
        back = found[f"{broken.question} (back)"]
        assert front == [], f"{broken.question}: the question is fine, yet {front}"
        # Each expected problem reported, and nothing else (a control expects nothing).
        missing = [e for e in broken.expected if not any(e in problem for problem in back)]
        extra = [problem for problem in back if not any(e in problem for e in broken.expected)]
        assert not missing and not extra, f"{broken.question}: no {missing}; besides, {extra}"


def test_broken_deck__a_window_of_the_wrong_width_is_reported(decks: Decks) -> None:
    # As if resizing the window had failed: the cards are fine, the reviewer is not 360px.
    wrong = View(PHONE_LIGHT.name, PHONE_LIGHT.width + 40, PHONE_LIGHT.night)
    control = decks.broken[-1]
    for _, side, shown, _ in _review(decks.desktop, [control], wrong):
        assert problems(shown, PHONE_LIGHT, control.math[side]) == [
            f"the reviewer is {wrong.width}px wide, not {PHONE_LIGHT.width}px"
        ]


@pytest.mark.parametrize("view", [PHONE_NIGHT, DESKTOP_LIGHT], ids=lambda view: view.id)
def test_screenshot__the_card_as_wide_as_the_view_on_the_themes_background(
    decks: Decks, view: View, tmp_path: Path
) -> None:
    """What `make screenshots` takes for the README (`AnkiDesktop.screenshot`): a picture as
    wide as the view, drawn (not one flat colour), mostly the theme's background."""
    card = decks.seed[0]
    decks.desktop.set_view(view)
    decks.desktop.start_review(card)
    path = tmp_path / f"{view.id}.png"
    decks.desktop.screenshot(card, path)
    (width, height), colours = picture_colours(path.read_bytes())
    assert width == view.width and height > 100, (width, height)
    drawn = len(colours)  # text's anti-aliasing alone gives hundreds
    assert drawn > 100, f"{drawn} colours"
    (most, _), *_ = colours.most_common(1)
    background = theme_colours(DEFAULT_THEME)["dark" if view.night else "light"]["bg"]
    assert most == background, f"mostly {most}, not the theme's {background}"
