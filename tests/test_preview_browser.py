"""The preview in a real browser, at phone and desktop size, light and dark.

Each test checks what a person would notice: a page that scrolls sideways, a formula left as
LaTeX or drawn flat, code without colour or too faint to read, a "dark" mode that is not dark.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

from deckgen.api import BuildOptions
from deckgen.notetype.names import DEFAULT_THEME
from deckgen.preview.page import PreviewReport, preview
from tests.browser_support import HEIGHT, VIEWS, View, chromium, open_page
from tests.colors import contrast, luminance, picture_colours, theme_colours
from tests.conftest import SEED

pytestmark = pytest.mark.browser

WIDE = Path(__file__).parent / "fixtures" / "preview" / "wide.md"

# Everything a test asserts, measured once per page and view.
MEASURE = """() => {
  const box = (e) => e.getBoundingClientRect();
  const vw = document.documentElement.clientWidth;
  const faces = [...document.querySelectorAll(".pv-face > .card")];
  const maths = [...document.querySelectorAll(".pv-back math")];
  const fractions = [...document.querySelectorAll(".pv-back mfrac")];
  const blocks = [...document.querySelectorAll(".pv-back pre.highlight")];
  const answers = [...document.querySelectorAll(".pv-back .dg-answer")];
  const style = (e) => getComputedStyle(e);
  const card = document.querySelector(".pv-back > .card");
  return {
    pageWidth: document.documentElement.scrollWidth,
    viewWidth: vw,
    mobile: document.documentElement.classList.contains("mobile"),
    widerThanView: faces.filter((c) => box(c).right > vw + 0.5).length,
    widerThanCard: faces.filter((c) => c.scrollWidth > c.clientWidth + 1).length,
    math: maths.length,
    flatMath: maths.filter((m) => !(box(m).width > 0 && box(m).height > 0)).length,
    notMathml: maths.filter((m) => !style(m).display.includes("math")).length,
    unstackedFractions: fractions.filter((f) => {
      const [top, bottom] = f.children;
      return !(box(top).bottom <= box(bottom).top + 1);
    }).length,
    fractions: fractions.length,
    raw: document.querySelectorAll(".dg-math-raw").length,
    codeBlocks: blocks.length,
    plainCodeBlocks: blocks.filter((pre) => {
      const colours = new Set([...pre.querySelectorAll("span")].map((s) => style(s).color));
      colours.delete(style(pre).color);
      return colours.size === 0;
    }).length,
    tokenColours: [...new Set(blocks.flatMap((pre) =>
      [...pre.querySelectorAll("span:not(.w)")].map((s) => style(s).color + "|" + style(pre).backgroundColor)
    ))],
    cardBackground: style(card).backgroundColor,
    cardText: style(card).color,
    pageBackground: style(document.body).backgroundColor,
    fontSize: parseFloat(style(card).fontSize),
    answerWidths: answers.map((a) => box(a).width),
    answerChars: answers.map((a) => box(a).width / parseFloat(style(a).fontSize) * 2),
  };
}"""


# Each symbol drawn in the answer's own font on a canvas: how many pixels it inks, how many of
# those are coloured (a colour emoji has many), and a signature of the drawing, to tell a real
# glyph from the box drawn for a missing one (U+10FFFD has a glyph in no font).
GLYPHS = """(() => {
  const answer = document.querySelector(".pv-back .dg-answer");
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 64;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  const drawn = {};
  for (const symbol of ["🚀", "✅", "→", "⇒", "≈", "∑", "\\u{10FFFD}"]) {
    ctx.clearRect(0, 0, 64, 64);
    ctx.font = `40px ${getComputedStyle(answer).fontFamily}`;
    ctx.fillStyle = "#000";
    ctx.textBaseline = "middle";
    ctx.fillText(symbol, 8, 32);
    const data = ctx.getImageData(0, 0, 64, 64).data;
    let inked = 0, coloured = 0, signature = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 0) inked += 1;
      signature = (signature * 31 + data[i + 3]) % 1000000007;
      const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
      if (data[i + 3] > 128 && Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured += 1;
    }
    drawn[symbol] = [inked, coloured, signature];
  }
  return drawn;
})()"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def wide_preview(tmp_path_factory: pytest.TempPathFactory) -> PreviewReport:
    return preview(WIDE, tmp_path_factory.mktemp("wide") / "wide.html")


@pytest.fixture(scope="module")
def seen(browser: Browser, seed_preview: PreviewReport) -> dict[str, dict[str, Any]]:
    """The seed preview measured in every view, with the requests it tried to make."""
    measured = {}
    for view in VIEWS:
        with open_page(browser, seed_preview.output, view) as (page, outside):
            measured[view.id] = {**page.evaluate(MEASURE), "outside": outside}
    return measured


@pytest.fixture(scope="module")
def seen_wide(browser: Browser, wide_preview: PreviewReport) -> dict[str, dict[str, Any]]:
    measured = {}
    for view in VIEWS:
        with open_page(browser, wide_preview.output, view) as (page, _):
            measured[view.id] = page.evaluate(
                """() => ({
                  page: document.documentElement.scrollWidth,
                  view: document.documentElement.clientWidth,
                  scrollers: [...document.querySelectorAll(".pv-back pre, .pv-back table, .pv-back .dg-math-display")]
                    .map((e) => [e.tagName, e.scrollWidth > e.clientWidth, e.getBoundingClientRect().right]),
                  image: (() => { const i = document.querySelector(".pv-back img");
                    return [i.naturalWidth, i.getBoundingClientRect().width,
                            i.closest(".dg-answer").getBoundingClientRect().width]; })(),
                  glyphs: GLYPHS,
                })""".replace("GLYPHS", GLYPHS)
            )
    return measured


view_ids = pytest.mark.parametrize("view", VIEWS, ids=[v.id for v in VIEWS])


@view_ids
def test_browser__page_never_scrolls_sideways(seen: dict[str, Any], view: View) -> None:
    page = seen[view.id]
    assert page["viewWidth"] == view.width
    assert page["pageWidth"] <= page["viewWidth"]
    assert page["widerThanView"] == 0 and page["widerThanCard"] == 0


@view_ids
def test_browser__code_tables_math_and_images_stay_inside_the_card(
    seen_wide: dict[str, Any], view: View
) -> None:
    page = seen_wide[view.id]
    assert page["page"] <= page["view"]
    assert len(page["scrollers"]) == 4  # two code blocks, a table, an equation
    for tag, _scrolls, right in page["scrollers"]:
        assert right <= page["view"], tag
    if view.name == "phone":  # too wide for a phone: each scrolls inside its own box
        assert all(scrolls for _tag, scrolls, _right in page["scrollers"])
    natural, shown, room = page["image"]
    assert natural == 1600 and shown <= room


def test_browser__emoji_are_in_colour_and_arrows_are_drawn(seen_wide: dict[str, Any]) -> None:
    for page in seen_wide.values():
        glyphs = page["glyphs"]
        assert glyphs["🚀"][1] > 100 and glyphs["✅"][1] > 100  # colour emoji, not a box
        missing = glyphs["\U0010fffd"]
        for symbol in ("→", "⇒", "≈", "∑"):
            assert glyphs[symbol][0] > 20 and glyphs[symbol][2] != missing[2], symbol


@view_ids
def test_browser__every_formula_is_drawn_as_math(
    seen: dict[str, Any], seed_preview: PreviewReport, view: View
) -> None:
    page = seen[view.id]
    assert page["math"] == seed_preview.math == 376
    assert page["flatMath"] == 0 and page["notMathml"] == 0 and page["raw"] == 0
    assert page["fractions"] >= 20 and page["unstackedFractions"] == 0


@view_ids
def test_browser__code_is_highlighted_and_every_token_readable(
    seen: dict[str, Any], view: View
) -> None:
    page = seen[view.id]
    assert page["codeBlocks"] >= 1 and page["plainCodeBlocks"] == 0
    for pair in page["tokenColours"]:
        colour, background = pair.split("|")
        assert contrast(colour, background) >= 4.5, pair


@view_ids
def test_browser__dark_is_dark_and_light_is_light(seen: dict[str, Any], view: View) -> None:
    page = seen[view.id]
    card, page_bg = luminance(page["cardBackground"]), luminance(page["pageBackground"])
    if view.scheme == "dark":
        assert card < 0.02 and page_bg < 0.02
    else:
        assert card > 0.9 and page_bg > 0.75
    assert contrast(page["cardText"], page["cardBackground"]) >= 12


@view_ids
def test_browser__phone_gets_the_full_width_desktop_a_readable_measure(
    seen: dict[str, Any], view: View
) -> None:
    page = seen[view.id]
    assert page["mobile"] is (view.name == "phone")
    if view.name == "phone":
        assert page["fontSize"] == 16
        assert min(page["answerWidths"]) >= view.width - 2 * (8 + 1 + 14) - 1
    else:
        assert page["fontSize"] == 18
        # A line holds about two characters per em: 60 to 85 characters reads well.
        assert all(60 <= chars <= 85 for chars in page["answerChars"])


def test_browser__paper_theme_fits_phones_and_is_dark_at_night(
    browser: Browser, tmp_path: Path
) -> None:
    paper = preview(SEED, tmp_path / "paper.html", BuildOptions(theme="paper"))
    for view in (VIEWS[1], VIEWS[2]):  # phone-dark, desktop-light
        with open_page(browser, paper.output, view) as (page, _):
            seen = page.evaluate(MEASURE)
        assert seen["pageWidth"] <= seen["viewWidth"] and seen["widerThanCard"] == 0
        assert seen["flatMath"] == 0 and seen["plainCodeBlocks"] == 0
        background = luminance(seen["cardBackground"])
        assert background < 0.02 if view.scheme == "dark" else background > 0.85
        assert contrast(seen["cardText"], seen["cardBackground"]) >= 12
        for pair in seen["tokenColours"]:
            assert contrast(*pair.split("|")) >= 4.5, pair


def test_browser__page_asks_the_network_for_nothing(seen: dict[str, Any]) -> None:
    assert {view: page["outside"] for view, page in seen.items()} == {v.id: [] for v in VIEWS}


def test_browser__search_narrows_to_matching_cards_and_parts(
    browser: Browser, seed_preview: PreviewReport
) -> None:
    with open_page(browser, seed_preview.output, VIEWS[2]) as (page, _):
        page.fill("#pv-search", "kv cache")
        shown = page.locator(".pv-card:visible")
        texts = [t.lower() for t in shown.all_inner_texts()]
        assert 0 < len(texts) < 10
        assert all("kv" in t and "cache" in t for t in texts)
        assert page.inner_text("#pv-count") == f"{len(texts)} of 162 cards match"
        assert 0 < page.locator(".pv-part:visible").count() < 18
        page.fill("#pv-search", "zzzz no such thing")
        assert page.locator(".pv-card:visible").count() == 0
        assert page.is_visible("#pv-empty")
        page.fill("#pv-search", "")
        assert page.locator(".pv-card:visible").count() == 162


def test_browser__dark_switch_and_part_index_work(
    browser: Browser, seed_preview: PreviewReport
) -> None:
    with open_page(browser, seed_preview.output, VIEWS[2]) as (page, _):
        card = ".pv-back > .card"
        light = page.eval_on_selector(card, "c => getComputedStyle(c).backgroundColor")
        page.click("#pv-mode")
        dark = page.eval_on_selector(card, "c => getComputedStyle(c).backgroundColor")
        assert luminance(light) > 0.9 and luminance(dark) < 0.02
        page.click('.pv-index a[href="#part-04-large-language-models"]')
        top = page.eval_on_selector(
            "#part-04-large-language-models", "e => e.getBoundingClientRect().top"
        )
        assert 0 <= top < 50


def test_browser__screenshots_of_representative_cards(
    browser: Browser, seed_preview: PreviewReport, tmp_path: Path
) -> None:
    """Pictures of the page and of a card of each kind in every view (left in `tmp_path` to
    look at): each the size asked for, drawn (not one flat colour), the cards on the theme's
    own background."""
    kinds = {
        "display-math": ".pv-back .math math",
        "code": ".pv-back pre.highlight",
        "nested-list": ".pv-back li > ul, .pv-back li > ol",
    }
    for view in VIEWS:
        card_background = theme_colours(DEFAULT_THEME)[view.scheme]["bg"]
        with open_page(browser, seed_preview.output, view) as (page, _):
            name = f"page-{view.id}"
            size, colours = picture_colours(page.screenshot(path=tmp_path / f"{name}.png"))
            assert size == (view.width, HEIGHT), name
            drawn = len(colours)  # text's anti-aliasing alone gives hundreds
            assert drawn > 100, f"{name}: {drawn} colours"
            for kind, inside in kinds.items():
                name = f"{kind}-{view.id}"
                card = page.locator(".pv-card", has=page.locator(inside)).first
                box = card.bounding_box()
                assert box is not None, name
                size, colours = picture_colours(card.screenshot(path=tmp_path / f"{name}.png"))
                assert abs(size[0] - box["width"]) <= 1, (name, size, box)
                assert abs(size[1] - box["height"]) <= 1, (name, size, box)
                drawn = len(colours)
                assert drawn > 100, f"{name}: {drawn} colours"
                (most, _), *_ = colours.most_common(1)
                assert most == card_background, f"{name}: mostly {most}, not {card_background}"
