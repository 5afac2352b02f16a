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
from pathlib import Path

from deckgen.atomic import atomic_path
from deckgen.deck import default_output
from deckgen.errors import DeckgenError
from deckgen.identity.state import load_state, state_path
from deckgen.model import Card, Deck, Diagnostic, Document, Note
from deckgen.notetype.definition import BACK, FRONT
from deckgen.notetype.names import DEFAULT_THEME
from deckgen.options import BuildOptions
from deckgen.outputs import check_output
from deckgen.pipeline import run
from deckgen.preview.markup import ShownCard, page_html
from deckgen.render.mathml import html_with_mathml
from deckgen.select import Selection, select_deck

_FIELD = re.compile(r"\{\{([^{}]+)\}\}")
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
    if output is not None:
        # Checked before the work; a default output is checked once its name is known.
        config = options.config.path if options.config else None
        check_output(output, ".html", (source, state_path(source), config))
    drawn = draw(source, options)
    if output is None:
        output = default_preview_output(source, selection=drawn.options.selection)
        check_output(output, ".html", (source, state_path(source)))
    with atomic_path(output) as tmp:
        tmp.write_text(drawn.html, encoding="utf-8")
    return PreviewReport(
        source=source,
        output=output,
        cards=drawn.cards,
        parts=drawn.parts,
        math=drawn.math,
        seconds=time.perf_counter() - started,
        diagnostics=drawn.diagnostics,
    )


@dataclass(frozen=True, slots=True)
class Drawn:
    """One source's preview page, made but not written."""

    html: str
    options: BuildOptions
    """The options that applied (front matter and config settled)."""
    cards: int
    parts: int
    math: int
    diagnostics: tuple[Diagnostic, ...]


def draw(source: Path, options: BuildOptions) -> Drawn:
    """The preview page of one source file, as `preview` writes it (`deckgen watch` serves it)."""
    previous = load_state(state_path(source))
    # A preview is for looking, so problems `check` finds are reported, not a reason to stop.
    built = run(source, replace(options, force=True), previous, now=int(time.time()))
    document, revision, options = built.rendered.document, built.revision, built.rendered.options
    deck = select_deck(document, revision.deck, options.selection, options.topics)
    page, math, diagnostics = preview_page(document, revision.deck, deck, options)
    return Drawn(
        html=page,
        options=options,
        cards=len(deck.notes),
        parts=len({note.part for note in deck.notes}),
        math=math,
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
    faces: list[ShownCard] = []
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
        faces.append(ShownCard(card, note, front_math.html, back_math.html))
    page = page_html(document, deck.name, options.theme or DEFAULT_THEME, faces)
    return page, math, tuple(diagnostics)


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
