"""The real Anki desktop (`aqt`), headless in this process, showing cards in its own reviewer.

`AnkiDesktop` opens Anki on a throwaway base folder the way a person's first start would, minus
what needs a person or the network: the language dialog, update and add-on checks, sync. Qt draws
offscreen (`QT_QPA_PLATFORM=offscreen`), so no screen is needed. `AnkiDesktop.show` puts one card
in the reviewer, question then answer, exactly as studying does (`Reviewer._showQuestion` and
`_showAnswer`, Anki's MathJax and all), and reads what the page looks like once MathJax has
typeset it: `Shown`. `problems` turns that into the list of things a person would see wrong.

`python -m tests.desktop_support --screenshots docs/screenshots` (`make screenshots`) takes the
README's pictures with the same harness.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tests.colors import contrast

Side = Literal["front", "back"]

# How long one card may take to show before the harness gives up: a guard against a hang
# (a page that never finishes), far above the few milliseconds a card takes. Nothing is
# asserted about time.
SHOW_TIMEOUT_MS = 60_000
WINDOW_HEIGHT = 800
MESSAGE = "deckgen-shown:"


@dataclass(frozen=True, slots=True)
class View:
    """The reviewer's width and mode: a phone (AnkiDroid, AnkiMobile) or the desktop window."""

    name: str
    width: int
    night: bool

    @property
    def mobile(self) -> bool:
        """Phones' Anki apps put `mobile` on the card; the desktop never does."""
        return self.name == "phone"

    @property
    def id(self) -> str:
        return f"{self.name}-{'night' if self.night else 'light'}"


PHONE_LIGHT = View("phone", 360, night=False)
PHONE_NIGHT = View("phone", 360, night=True)
DESKTOP_LIGHT = View("desktop", 1024, night=False)
DESKTOP_NIGHT = View("desktop", 1024, night=True)
VIEWS = (DESKTOP_LIGHT, PHONE_NIGHT, PHONE_LIGHT, DESKTOP_NIGHT)


@dataclass(frozen=True, slots=True)
class Box:
    """A box that scrolls sideways (formula, code, table): how wide it and its content are."""

    what: str
    client: float
    """Width the box shows, its scrollbar's track."""
    scroll: float
    """Width it scrolls over."""
    content: float
    """Width of what it visibly holds (a formula's glyphs, not MathJax's hidden copy)."""


@dataclass(frozen=True, slots=True)
class Shown:
    """One side of one card as the reviewer showed it, after MathJax typeset it."""

    theme: tuple[str, str]
    """The theme's text and background colours in this mode."""
    painted: tuple[str, str]
    """The text and background colours the card got."""
    viewport: int
    """The reviewer's width, a vertical scrollbar included."""
    client_width: int
    """What the page has inside a vertical scrollbar."""
    page_width: int
    body_class: str
    containers: int
    errors: tuple[str, ...]
    scrolling: tuple[Box, ...]
    outside: tuple[str, ...]
    """Boxes whose right edge is past the column's."""
    colours: tuple[tuple[str, str, str], ...]
    """(text colour, background, token class) of every highlighted code token."""
    images: tuple[str, ...]
    """Images wider than the column or not loaded."""


@dataclass(slots=True)
class Card:
    """A card of the collection with the math its side's HTML holds."""

    id: int
    name: str
    math: dict[Side, int] = field(default_factory=dict)


_SKIPPED = re.compile(
    r"<(pre|code|script|style|textarea)\b[^>]*>.*?</\1\s*>", flags=re.DOTALL | re.IGNORECASE
)
_MATH = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]", flags=re.DOTALL)


def math_spans(card_html: str) -> int:
    """How many `\\(…\\)` and `\\[…\\]` spans MathJax should typeset in a side's HTML.

    MathJax leaves code, scripts and styles alone, so they are left out here too.
    """
    return len(_MATH.findall(_SKIPPED.sub("", card_html)))


def problems(shown: Shown, view: View, math: int) -> list[str]:
    """What a person would see wrong on this side of the card; empty when it is right."""
    found: list[str] = []
    if shown.viewport != view.width:
        found.append(f"the reviewer is {shown.viewport}px wide, not {view.width}px")
    wanted = {"card", "mobile"} if view.mobile else {"card"}
    wanted |= {"nightMode", "night_mode"} if view.night else set()
    classes = set(shown.body_class.split())
    if not wanted <= classes or (not view.night and "nightMode" in classes):
        found.append(f"the card's classes are {shown.body_class!r}")
    if shown.painted != shown.theme:
        found.append(
            f"the card is {shown.painted} (text, background), not the theme's {shown.theme}"
        )
    if shown.containers != math:
        found.append(f"{shown.containers} formulas typeset of {math}")
    found += [f"MathJax error: {error}" for error in shown.errors]
    if shown.page_width > shown.client_width:
        found.append(f"the page scrolls sideways ({shown.page_width}px in {shown.client_width}px)")
    for box in shown.scrolling:
        # A scrollbar is right only when what the box shows is wider than the room it has;
        # half a pixel absorbs subpixel layout.
        if box.content <= box.client + 0.5:
            found.append(
                f"a scrollbar under {box.what} whose content fits "
                f"({box.content:.1f}px in {box.client:.1f}px; it scrolls over {box.scroll:.0f}px)"
            )
    found += [f"{what} sticks out of the column" for what in shown.outside]
    for fg, bg, token in shown.colours:
        ratio = contrast(fg, bg)
        if ratio < 4.5:
            found.append(f"code token {token!r} is {fg} on {bg}: contrast {ratio:.2f} < 4.5")
    found += [f"image {image} does not fit" for image in shown.images]
    return found


# Runs in the reviewer's page, appended to each side's HTML by `card_will_show`: Anki runs a
# card's scripts when it shows the card, and calls `onShownHook` functions once MathJax has
# typeset it. Fonts are awaited too: until MathJax's web fonts arrive, its glyphs are drawn in
# a fallback font of other widths.
MEASURE_JS = r"""
<script>
onShownHook.push(async () => {
  const send = (result) => pycmd("%(message)s%(token)s:" + JSON.stringify(result));
  try {
    // The page's web fonts load when text first needs them, after MathJax has finished:
    // load them all now (the first card of a page waits; later ones find them loaded).
    await Promise.allSettled([...document.fonts].map((font) => font.load()));
    send(deckgenMeasure());
  } catch (error) {
    send({ failure: String((error && error.stack) || error) });
  }
});
function deckgenMeasure() {
  const qa = document.getElementById("qa");
  const root = document.documentElement;
  const px = (value) => parseFloat(value) || 0;
  const name = (el) => {
    const text = (el.textContent || "").replace(/\s+/g, " ").trim().slice(0, 60);
    const cls = typeof el.className === "string" && el.className ? "." + el.className : "";
    return `<${el.tagName.toLowerCase()}${cls}> "${text}"`;
  };
  const column = (el) => {
    const card = (el.parentElement && el.parentElement.closest(".dg-card")) || qa;
    const style = getComputedStyle(card);
    const rect = card.getBoundingClientRect();
    return {
      left: rect.left + px(style.paddingLeft) + px(style.borderLeftWidth),
      right: rect.right - px(style.paddingRight) - px(style.borderRightWidth),
    };
  };
  // What a box visibly holds: MathJax's hidden assistive copy is no part of it.
  const contentWidth = (box) => {
    let left = Infinity, right = -Infinity;
    const take = (rect) => {
      if (rect.width === 0 && rect.height === 0) return;
      left = Math.min(left, rect.left);
      right = Math.max(right, rect.right);
    };
    const walk = (node) => {
      for (const child of node.childNodes) {
        if (child.nodeType === Node.TEXT_NODE) {
          const range = document.createRange();
          range.selectNodeContents(child);
          for (const rect of range.getClientRects()) take(rect);
        } else if (child.nodeType === Node.ELEMENT_NODE) {
          if (child.tagName.toLowerCase() === "mjx-assistive-mml") continue;
          take(child.getBoundingClientRect());
          walk(child);
        }
      }
    };
    walk(box);
    if (right < left) return 0;
    const style = getComputedStyle(box);
    return right - left + px(style.paddingLeft) + px(style.paddingRight);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const bg = getComputedStyle(e).backgroundColor;
      if (bg && !/^rgba\(.*,\s*0\)$/.test(bg) && bg !== "transparent") return bg;
    }
    return "rgb(255, 255, 255)";
  };
  const scrolling = [];
  const outside = [];
  for (const el of qa.querySelectorAll("*")) {
    if (el.closest("mjx-assistive-mml")) continue;
    const style = getComputedStyle(el);
    const room = column(el);
    const rect = el.getBoundingClientRect();
    // A classic scrollbar (Qt WebEngine's kind) takes its height from the box's inside.
    const bar = el.offsetHeight - el.clientHeight
      - px(style.borderTopWidth) - px(style.borderBottomWidth);
    if (["auto", "scroll"].includes(style.overflowX) && bar > 0) {
      scrolling.push({
        what: name(el),
        client: rect.width - px(style.borderLeftWidth) - px(style.borderRightWidth),
        scroll: el.scrollWidth,
        content: contentWidth(el),
      });
    }
    if (rect.width > 0 && rect.right > room.right + 0.5 && !el.closest("[style*=overflow]")
        && ["MJX-CONTAINER", "PRE", "TABLE", "IMG", "DIV", "P", "UL", "OL", "BLOCKQUOTE"]
          .includes(el.tagName)) {
      // Inside a box that scrolls, content may be wider: only the box itself counts.
      const scroller = el.parentElement && el.parentElement.closest("pre, table, mjx-container");
      if (!scroller) outside.push(name(el));
    }
  }
  const colours = new Map();
  for (const el of qa.querySelectorAll("pre span, pre code, pre")) {
    if (!el.textContent.trim()) continue;
    const fg = getComputedStyle(el).color;
    const bg = background(el);
    const key = fg + "|" + bg;
    if (!colours.has(key)) colours.set(key, [fg, bg, el.className || el.tagName.toLowerCase()]);
  }
  const images = [];
  for (const img of qa.querySelectorAll("img")) {
    const rect = img.getBoundingClientRect();
    const room = column(img);
    if (!img.complete || img.naturalWidth === 0 || rect.right > room.right + 0.5) {
      images.push(img.getAttribute("src"));
    }
  }
  // The theme's colours, resolved as the browser resolves them, against what the card got.
  const probe = document.createElement("span");
  probe.style.color = "var(--dg-fg)";
  probe.style.backgroundColor = "var(--dg-bg)";
  document.body.appendChild(probe);
  const theme = [getComputedStyle(probe).color, getComputedStyle(probe).backgroundColor];
  probe.remove();
  const body = getComputedStyle(document.body);
  return {
    theme,
    painted: [body.color, body.backgroundColor],
    viewport: window.innerWidth,
    client_width: root.clientWidth,
    page_width: Math.max(root.scrollWidth, document.body.scrollWidth),
    body_class: document.body.className,
    containers: qa.querySelectorAll("mjx-container").length,
    errors: [
      ...[...qa.querySelectorAll("mjx-merror")].map(
        (e) => e.getAttribute("data-mjx-error") || e.textContent),
      // An unknown macro is no error to MathJax (its `noundefined` extension): it draws the
      // name in red, which shows in the formula's MathML copy.
      ...[...qa.querySelectorAll('mjx-assistive-mml mtext[mathcolor="red"]')]
        .filter((e) => e.textContent.startsWith("\\"))
        .map((e) => "Undefined control sequence " + e.textContent),
    ],
    scrolling,
    outside,
    colours: [...colours.values()],
    images,
  };
}
</script>
"""


def _shown(data: dict[str, Any]) -> Shown:
    if "failure" in data:
        raise RuntimeError(f"measuring the card failed in the page: {data['failure']}")
    return Shown(
        theme=(str(data["theme"][0]), str(data["theme"][1])),
        painted=(str(data["painted"][0]), str(data["painted"][1])),
        viewport=int(data["viewport"]),
        client_width=int(data["client_width"]),
        page_width=int(data["page_width"]),
        body_class=str(data["body_class"]),
        containers=int(data["containers"]),
        errors=tuple(str(e) for e in data["errors"]),
        scrolling=tuple(Box(**box) for box in data["scrolling"]),
        outside=tuple(str(o) for o in data["outside"]),
        colours=tuple((str(f), str(b), str(t)) for f, b, t in data["colours"]),
        images=tuple(str(i) for i in data["images"]),
    )


def _prepare_base(base: Path) -> None:
    """A profile folder as a person's first start leaves it, with the first-run questions
    answered: English, no update or add-on checks, no sync, software rendering."""
    import anki.lang
    from aqt.profiles import ProfileManager, VideoDriver

    # The profile's name comes from Anki's translations, which need a language first.
    anki.lang.set_lang("en_US")
    manager = ProfileManager(ProfileManager.get_created_base_folder(str(base)))
    manager.setupMeta()
    manager.meta.update(
        firstRun=False,
        defaultLang="en_US",
        check_for_updates=False,
        check_for_addon_updates=False,
    )
    manager.create("User 1")
    manager.load("User 1")
    assert manager.profile is not None
    manager.profile.update(autoSync=False, syncMedia=False)
    manager.save()
    # No GPU here: Anki's own "software" choice (Preferences → Video driver).
    manager.set_video_driver(VideoDriver.Software)
    assert manager.db is not None
    manager.db.close()


class AnkiDesktop:
    """One running Anki desktop; Qt allows one application per process, so one per session."""

    def __init__(self, base: Path) -> None:
        if os.geteuid() == 0:
            # Chromium's sandbox refuses to run as root; CI runs as root.
            os.environ["QTWEBENGINE_DISABLE_SANDBOX"] = "1"
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        _prepare_base(base)

        import aqt
        from aqt import gui_hooks

        # Anki lets one instance run per user: a second one hands its arguments over and
        # quits. Test runs side by side on one machine must each start their own.
        aqt.AnkiApp.KEY = f"deckgen-test-{os.getpid()}"

        # Anki routes stderr into its error dialog and sets its own excepthook; the test
        # runner keeps its own.
        stderr, excepthook = sys.stderr, sys.excepthook
        app = aqt._run(["anki", "-b", str(base)], exec=False)
        assert app is not None, "Anki did not start (another instance answered?)"
        self.app = app
        self.mw = aqt.mw
        assert self.mw is not None
        self.mw.errorHandler.unload()
        sys.stderr, sys.excepthook = stderr, excepthook
        self.view = DESKTOP_LIGHT
        self._token: int | None = None
        self._next = 0
        self._results: dict[int, dict[str, Any]] = {}
        gui_hooks.card_will_show.append(self._inject)
        gui_hooks.webview_did_receive_js_message.append(self._receive)
        self._patch_body_classes()
        # The deck list renders in the background; it must be drawn before the reviewer's page
        # replaces it, or it would replace the reviewer's.
        self._wait_for(
            lambda: (
                self.mw.col is not None
                and getattr(self.mw.deckBrowser, "_render_data", None) is not None
            )
        )

    # -- plumbing ----------------------------------------------------------------------------

    def _wait_for(self, done: Callable[[], bool], what: str = "Anki to start") -> None:
        from aqt.qt import QEventLoop, QTimer

        timer = QTimer()
        timer.setSingleShot(True)
        timer.start(SHOW_TIMEOUT_MS)
        while not done():
            if not timer.isActive():
                raise RuntimeError(f"gave up waiting for {what}")
            self.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)

    def _inject(self, text: str, card: object, kind: str) -> str:
        if self._token is None:
            return text
        return text + MEASURE_JS % {"message": MESSAGE, "token": self._token}

    def _receive(
        self, handled: tuple[bool, object], message: str, context: object
    ) -> tuple[bool, object]:
        if not message.startswith(MESSAGE):
            return handled
        token, _, data = message.removeprefix(MESSAGE).partition(":")
        self._results[int(token)] = json.loads(data)
        return (True, None)

    def _patch_body_classes(self) -> None:
        """Put `mobile` on the card at phone views, as AnkiDroid and AnkiMobile do."""
        from aqt.theme import theme_manager

        original = theme_manager.body_classes_for_card_ord

        def classes(card_ord: int, night_mode: bool | None = None) -> str:
            extra = " mobile" if self.view.mobile else ""
            return original(card_ord, night_mode) + extra

        theme_manager.body_classes_for_card_ord = classes  # type: ignore[method-assign]

    def _measured(self, show: Callable[[], None], what: str) -> Shown:
        token = self._next
        self._next += 1
        self._token = token
        try:
            show()
            self._wait_for(lambda: token in self._results, what)
        finally:
            self._token = None
        return _shown(self._results.pop(token))

    # -- what a person does ------------------------------------------------------------------

    def import_package(self, package: Path) -> list[Card]:
        """Import like File → Import with the options the import screen starts with; the
        package's cards, in the order they appear in the deck."""
        from anki.collection import ImportAnkiPackageRequest

        col = self.mw.col
        assert col is not None
        before = set(col.find_cards(""))
        # The import screen's defaults (what a person gets by pressing Import).
        options = col._backend.get_import_anki_package_presets()
        col.import_anki_package(
            ImportAnkiPackageRequest(package_path=str(package), options=options)
        )
        cards = []
        for card_id in sorted(set(col.find_cards("")) - before):
            card = col.get_card(card_id)
            note = card.note()
            name = html.unescape(re.sub(r"<[^>]+>", "", note["Question"]))[:80]
            entry = Card(int(card_id), name)
            entry.math = {"front": math_spans(card.question()), "back": math_spans(card.answer())}
            cards.append(entry)
        return cards

    def set_view(self, view: View) -> None:
        """Resize the window to the view's width and switch the theme, as Preferences does."""
        from aqt.theme import Theme

        self.view = view
        self.mw.set_theme(Theme.DARK if view.night else Theme.LIGHT)
        # Anki keeps its reviewer at least 400px wide; a phone's is narrower.
        self.mw.web.setMinimumWidth(min(400, view.width))
        self.mw.setMinimumWidth(min(400, view.width))
        self.mw.resize(view.width, WINDOW_HEIGHT)
        self.mw.show()
        self._wait_for(lambda: self.mw.web.width() == view.width, f"a {view.width}px window")

    def start_review(self, card: Card) -> None:
        """Study the card's deck: the reviewer builds its page (theme, scripts, MathJax)."""
        from anki.cards import CardId

        col = self.mw.col
        assert col is not None
        col.decks.select(col.get_card(CardId(card.id)).did)
        self.mw.reviewer._reps = None
        self.mw.moveToState("review")
        self._wait_for(lambda: self.mw.reviewer.card is not None, "the reviewer")

    def show(self, card: Card) -> tuple[Shown, Shown]:
        """The card's question, then its answer, in the reviewer."""

        from anki.cards import CardId

        col = self.mw.col
        assert col is not None
        reviewer = self.mw.reviewer
        reviewer.card = col.get_card(CardId(card.id))
        front = self._measured(reviewer._showQuestion, f"the question of {card.name!r}")
        back = self._measured(reviewer._showAnswer, f"the answer of {card.name!r}")
        return front, back

    def screenshot(self, card: Card, path: Path) -> None:
        """A picture of the card's back, the window as tall as the card."""
        self.show(card)
        bottom = "document.querySelector('#qa').getBoundingClientRect().bottom + scrollY"
        height = int(self._evaluate(bottom)) + 4
        self.mw.web.setFixedHeight(height)
        self._wait_for(lambda: self.mw.web.height() == height, "the tall window")
        self.show(card)
        self._settle()
        image = self.mw.web.grab()
        path.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(path), "PNG"):
            raise RuntimeError(f"could not write {path}")
        self.mw.web.setMinimumHeight(0)
        self.mw.web.setMaximumHeight(16_777_215)

    def _settle(self, ms: int = 1000) -> None:
        """Let Qt paint what the page laid out: a picture, unlike a measurement, needs the
        frame on screen, and the page says nothing when that happens."""
        from aqt.qt import QTimer

        timer = QTimer()
        timer.setSingleShot(True)
        timer.start(ms)
        self._wait_for(lambda: not timer.isActive(), "a painted frame")

    def _evaluate(self, js: str) -> Any:
        results: list[Any] = []
        self.mw.web.evalWithCallback(js, results.append)
        self._wait_for(lambda: bool(results), js)
        return results[0]

    def close(self) -> None:
        """Quit as Anki's own Quit does (close the collection, stop the media server, delete
        the web views in order), then let Qt's event loop run the deletions; a Qt
        application left to the interpreter's exit crashes it."""
        from aqt import gui_hooks
        from aqt.qt import QTimer

        gui_hooks.card_will_show.remove(self._inject)
        gui_hooks.webview_did_receive_js_message.remove(self._receive)
        # Quitting puts back the stderr Anki found at its start and clears sys.excepthook;
        # the test runner's own stay.
        stderr, excepthook = sys.stderr, sys.excepthook
        try:
            self.mw.unloadProfileAndExit()
            # A guard against a quit that never comes, not a measurement.
            QTimer.singleShot(SHOW_TIMEOUT_MS, self.app.quit)
            self.app.exec()
        finally:
            sys.stderr, sys.excepthook = stderr, excepthook


# -- a deck made to fail --------------------------------------------------------------------

BROKEN_DECK = "deckgen broken"


@dataclass(frozen=True, slots=True)
class Broken:
    """A note of the broken deck and what the checks must say about it on a phone, in light
    mode (empty: nothing, the note is a control)."""

    question: str
    answer: str
    expected: tuple[str, ...]


BROKEN = (
    Broken("Undefined macro", r"<p>\(\notamacro{x}\)</p>", ("MathJax error: Undefined",)),
    Broken("Missing argument", r"<p>\(\frac{a}\)</p>", ("MathJax error: Missing argument",)),
    Broken(
        "A 600-px box",
        '<div style="width: 600px; background: #ddd">a box wider than a phone</div>',
        ("the page scrolls sideways", '<div> "a box wider than a phone" sticks out of the column'),
    ),
    Broken(
        "Math MathJax leaves alone",
        r'<p class="mathjax_ignore">\(x^2\)</p>',
        ("0 formulas typeset of 1",),
    ),
    Broken(
        "A scrollbar under a short line",
        '<div style="overflow-x: scroll">short</div>',
        ('a scrollbar under <div> "short" whose content fits',),
    ),
    Broken(
        "Pale code",
        '<pre><code><span class="pale" style="color: #c8c8c8">faint</span></code></pre>',
        ("code token 'pale' is rgb(200, 200, 200)",),
    ),
    Broken(
        "An image held to its size",
        '<img src="dg-wide.png" style="max-width: none">',
        (
            "image dg-wide.png does not fit",
            "the page scrolls sideways",
            '<img> "" sticks out of the column',
        ),
    ),
    Broken(
        "A card that paints over the theme",
        "<style>body.card { background-color: #fdf6e3 !important; }</style><p>cream</p>",
        ("'rgb(253, 246, 227)') (text, background), not the theme's",),
    ),
    # A card's `onShownHook` runs before the measurement's, which comes last in the page.
    Broken(
        "A card that drops the phone's class",
        '<script>onShownHook.push(() => document.body.classList.remove("mobile"));</script>',
        ("the card's classes are 'card card1",),
    ),
    Broken("A wide image that shrinks (control)", '<img src="dg-wide.png">', ()),
    Broken("A wide formula that scrolls (control)", r"<p>\[" + "x + " * 60 + r"x\]</p>", ()),
)


def png(width: int, height: int) -> bytes:
    """A plain grey PNG of the given size."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\0" + b"\x90" * (3 * width) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def write_broken_deck(path: Path) -> None:
    """An .apkg of `BROKEN`, with deckgen's notetype (its CSS and templates) as every build."""
    from deckgen.model import Deck, MediaFile, Note
    from deckgen.package.writer import write_package

    notes = tuple(
        Note(
            id=f"broken-{number}",
            question=html.escape(broken.question),
            answer=broken.answer,
            part="Broken on purpose",
            source=f"broken.md#{number}",
            tags=("broken",),
            deck=BROKEN_DECK,
            mtime=1_700_000_000,
        )
        for number, broken in enumerate(BROKEN)
    )
    media = (MediaFile("dg-wide.png", png(600, 40)),)
    write_package(Deck(BROKEN_DECK, notes, media), path)


# -- README screenshots ----------------------------------------------------------------------

SCREENSHOTS = (
    # 800px: a desktop window (no `mobile`, past the phone breakpoint) that the README can show
    # at 560px without making the text tiny.
    (View("desktop", 800, night=False), "Why do we scale by", "anki-desktop-light.png"),
    (PHONE_NIGHT, "What is masked language modeling", "anki-phone-night.png"),
)


def take_screenshots(folder: Path) -> list[Path]:
    """The README's pictures of seed cards, from the Anki desktop, into `folder`."""
    from deckgen.api import build
    from tests.conftest import SEED

    work = Path(tempfile.mkdtemp(prefix="deckgen-screenshots-"))
    package = work / "ml-interview-qa.apkg"
    build(SEED, package)
    desktop = AnkiDesktop(work / "anki")
    written = []
    try:
        cards = desktop.import_package(package)
        for view, question, name in SCREENSHOTS:
            card = next(c for c in cards if c.name.startswith(question))
            desktop.set_view(view)
            desktop.start_review(card)
            desktop.screenshot(card, folder / name)
            written.append(folder / name)
    finally:
        desktop.close()
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--screenshots", type=Path, required=True, help="folder for the PNGs")
    args = parser.parse_args(argv)
    for path in take_screenshots(args.screenshots):
        print(path)


if __name__ == "__main__":
    main()
