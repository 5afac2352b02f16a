"""The preview page's markup: an index of parts, a search box, and each card front and back.

Cards are drawn inside `<div class="card">`, the element Anki gives a card, so the deck's own
CSS applies to them unchanged; the page around them has its own small stylesheet and script.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from deckgen.errors import location
from deckgen.model import Card, Document, Note, Part
from deckgen.notetype.definition import notetype_css

_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True, slots=True)
class ShownCard:
    """One card as the page shows it: front and back HTML, math already MathML."""

    card: Card
    note: Note
    front: str
    back: str


def page_html(document: Document, title: str, theme: str, faces: list[ShownCard]) -> str:
    """The whole page: the deck's CSS, the page's own CSS and script, and every card."""
    package = files("deckgen.preview")
    chrome_css = package.joinpath("preview.css").read_text(encoding="utf-8")
    script = package.joinpath("preview.js").read_text(encoding="utf-8")
    parts: dict[Part, list[ShownCard]] = {}
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


def _section(document: Document, part: Part, faces: list[ShownCard], first: int) -> str:
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


def _card(document: Document, face: ShownCard, number: int) -> str:
    note, card = face.note, face.card
    search = " ".join(f"{card.part.heading}\n{card.source}\n{note.id}".lower().split())
    where = location(Path(document.path.name), card.line)
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
