"""`deckgen preview`: the whole deck as one offline HTML page, drawn as Anki will draw it.

Every card is filled into the notetype's own templates and styled with its own CSS, so the page
shows what the deck will look like. Math becomes MathML (browsers draw it natively); nothing
is loaded from the network, so the page works from a file, offline, years later.
"""

from __future__ import annotations

import base64
import html
import mimetypes
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from importlib.resources import files
from pathlib import Path

from deckgen.atomic import atomic_path
from deckgen.build import BuildOptions, default_output, revise_settled
from deckgen.errors import DeckgenError
from deckgen.mathml import html_with_mathml
from deckgen.model import Card, Deck, Diagnostic, Document, Note, Part
from deckgen.package import BACK, FRONT, notetype_css
from deckgen.select import Selection, select_deck
from deckgen.state import load_state, state_path
from deckgen.themes import DEFAULT_THEME

_FIELD = re.compile(r"\{\{([^{}]+)\}\}")
_TAG = re.compile(r"<[^>]+>")
_IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]*)(")')


@dataclass(frozen=True, slots=True)
class PreviewReport:
    """What a preview run wrote, for the one-line summary."""

    source: Path
    output: Path
    cards: int
    parts: int
    math: int
    """Math spans drawn as MathML."""
    seconds: float
    diagnostics: tuple[Diagnostic, ...] = ()


@dataclass(frozen=True, slots=True)
class _Face:
    """One card as the page shows it."""

    card: Card
    note: Note
    front: str
    back: str


def default_preview_output(
    source: Path, build_dir: Path = Path("build"), selection: Selection | None = None
) -> Path:
    """`build/<stem>.html`, or `build/<stem>--<what was selected>.html`, beside the deck."""
    return default_output(source, build_dir, selection).with_suffix(".html")


def fill_template(template: str, fields: Mapping[str, str]) -> str:
    """Anki's plain `{{Field}}` replacement, which is all deckgen's templates use."""

    def field(match: re.Match[str]) -> str:
        name = match[1].strip()
        if name not in fields:
            raise DeckgenError(f"card template uses {{{{{name}}}}}, which the note does not have")
        return fields[name]

    return _FIELD.sub(field, template)


def card_faces(note: Note) -> tuple[str, str]:
    """The front and back HTML Anki renders for `note` from the deck's one template."""
    fields = {
        "Question": note.question,
        "Answer": note.answer,
        "Part": note.part,
        "Source": note.source,
        "ID": note.id,
    }
    front = fill_template(FRONT, fields)
    return front, fill_template(BACK, {**fields, "FrontSide": front})


def preview(
    source: Path, output: Path | None = None, options: BuildOptions | None = None
) -> PreviewReport:
    """Write the preview page of one source file: the deck `build --force` would write, with
    the same settings, theme and `--part/--topic/--grep` selection.

    The state file beside the source is read (never written), so cards show the IDs they keep.
    """
    options = options or BuildOptions()
    started = time.perf_counter()
    previous = load_state(state_path(source))
    # A preview is for looking, so problems `check` finds are reported, not a reason to stop.
    document, revision, options = revise_settled(
        source, replace(options, force=True), previous, now=int(time.time())
    )
    deck = select_deck(document, revision.deck, options.selection, options.topics)
    page, math, diagnostics = preview_page(document, revision.deck, deck, options)
    output = output or default_preview_output(source, selection=options.selection)
    with atomic_path(output) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return PreviewReport(
        source=source,
        output=output,
        cards=len(deck.notes),
        parts=len({note.part for note in deck.notes}),
        math=math,
        seconds=time.perf_counter() - started,
        diagnostics=revision.diagnostics + diagnostics,
    )


def preview_page(
    document: Document, full: Deck, deck: Deck, options: BuildOptions
) -> tuple[str, int, tuple[Diagnostic, ...]]:
    """The page of `deck` (a selection of `full`, which has a note for every card of
    `document`): its HTML, the number of math spans drawn, and a warning per span that was not.
    """
    media = {item.name: _data_uri(item.name, item.data) for item in deck.media}
    shown = {note.id for note in deck.notes}
    faces: list[_Face] = []
    diagnostics: list[Diagnostic] = []
    math = 0
    for card, note in zip(document.cards, full.notes, strict=True):
        if note.id not in shown:
            continue
        front, back = (_inline_media(face, media) for face in card_faces(note))
        front_math, back_math = html_with_mathml(front), html_with_mathml(back)
        math += back_math.rendered
        for span in back_math.unrendered:
            diagnostics.append(
                Diagnostic(
                    document.path,
                    _line_of(card, span.latex),
                    "warning",
                    f"math shown as LaTeX in the preview ({span.reason}): {span.latex}",
                )
            )
        faces.append(_Face(card, note, front_math.html, back_math.html))
    page = _page(document, deck.name, options.theme or DEFAULT_THEME, faces)
    return page, math, tuple(diagnostics)


def _page(document: Document, title: str, theme: str, faces: list[_Face]) -> str:
    package = files("deckgen")
    chrome_css = package.joinpath("preview.css").read_text(encoding="utf-8")
    script = package.joinpath("preview.js").read_text(encoding="utf-8")
    parts: dict[Part, list[_Face]] = {}
    for face in faces:
        parts.setdefault(face.card.part, []).append(face)
    index = "\n".join(
        f'<li><a href="#{_part_anchor(part)}"><span class="pv-index-title">'
        f"{_html_text(part.heading)}</span>"
        f'<span class="pv-index-count" data-part="{_part_anchor(part)}">{len(cards)}</span>'
        f"</a></li>"
        for part, cards in parts.items()
    )
    sections = "\n".join(
        _section(document, part, cards, first=faces.index(cards[0]) + 1)
        for part, cards in parts.items()
    )
    count = len(faces)
    meta = (
        f"{count} card{'s' * (count != 1)} · {len(parts)} part{'s' * (len(parts) != 1)} · "
        f"theme {theme} · {document.path.name}"
    )
    return f"""<!doctype html>
<html lang="en" class="dg-preview">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>{html.escape(title)} · preview</title>
<style>
{notetype_css(theme)}
</style>
<style>
{chrome_css}
</style>
<script>{_EARLY_SCRIPT}</script>
</head>
<body>
<div class="pv-layout">
<aside class="pv-side">
<header class="pv-head">
<h1 class="pv-title">{html.escape(title)}</h1>
<p class="pv-meta">{html.escape(meta)}</p>
</header>
<div class="pv-tools">
<input type="search" id="pv-search" placeholder="Search {count} cards" aria-label="Search cards"
 autocomplete="off" spellcheck="false">
<button type="button" id="pv-mode" class="pv-button" aria-pressed="false">Dark</button>
</div>
<p class="pv-count" id="pv-count" aria-live="polite">{count} cards</p>
<details class="pv-index" id="pv-index">
<summary>Parts</summary>
<ol>
{index}
</ol>
</details>
</aside>
<main class="pv-main" id="pv-main">
{sections}
<p class="pv-empty" id="pv-empty" hidden>No card matches.</p>
</main>
</div>
<script>
{script}</script>
</body>
</html>
"""


# Set night mode and Anki's `.mobile` before the first paint, so the page never flashes.
_EARLY_SCRIPT = (
    "(()=>{const r=document.documentElement;"
    "const d=matchMedia('(prefers-color-scheme: dark)').matches;"
    "r.classList.toggle('nightMode',d);r.classList.toggle('night_mode',d);"
    "r.classList.toggle('mobile',matchMedia('(max-width: 600px)').matches);})();"
)


def _section(document: Document, part: Part, faces: list[_Face], first: int) -> str:
    anchor = _part_anchor(part)
    count = len(faces)
    cards = "\n".join(
        _card(document, face, number) for number, face in enumerate(faces, start=first)
    )
    return (
        f'<section class="pv-part" id="{anchor}">\n'
        f'<h2 class="pv-part-title">{_html_text(part.heading)}'
        f' <span class="pv-part-count">{count} card{"s" * (count != 1)}</span></h2>\n'
        f"{cards}\n</section>"
    )


def _card(document: Document, face: _Face, number: int) -> str:
    note, card = face.note, face.card
    search = " ".join(f"{card.part.heading}\n{card.source}\n{note.id}".lower().split())
    where = f"{document.path.name}:{card.line}"
    return f"""<article class="pv-card" id="{note.id}" data-search="{html.escape(search)}">
<div class="pv-card-head"><span class="pv-num">{number}</span><a class="pv-id" href="#{note.id}">{note.id}</a><span class="pv-where">{html.escape(where)}</span></div>
<div class="pv-face pv-front" data-label="Front"><div class="card card1">{face.front}</div></div>
<div class="pv-face pv-back" data-label="Back"><div class="card card1">{face.back}</div></div>
</article>"""


def _part_anchor(part: Part) -> str:
    return f"part-{part.tag_name}"


def _html_text(markdown: str) -> str:
    """A heading's text for the page chrome: escaped, never interpreted."""
    return html.escape(_TAG.sub("", markdown))


def _line_of(card: Card, latex: str) -> int:
    """The source line of a math span, else the card's heading line."""
    at = card.source.find(latex)
    return card.line if at < 0 else card.line + card.source.count("\n", 0, at)


def _data_uri(name: str, data: bytes) -> str:
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def _inline_media(fragment: str, media: Mapping[str, str]) -> str:
    """Images the deck packs, put into the page itself: the page stays one file."""
    return _IMG_SRC.sub(lambda m: m[1] + media.get(html.unescape(m[2]), m[2]) + m[3], fragment)
