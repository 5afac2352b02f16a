"""Running the pipeline on text in memory, as the tests of rendering and identity need it."""

from __future__ import annotations

from pathlib import Path

from deckgen.model import Deck
from deckgen.options import BuildOptions
from deckgen.parse.markdown import make_markdown
from deckgen.pipeline import render_source, revise_rendered


def deck_of(text: str, path: Path, options: BuildOptions | None = None, *, now: int = 1) -> Deck:
    """The deck the pipeline makes of `text` (read as if from `path`), with no previous state."""
    options = options or BuildOptions()
    rendered = render_source(
        path, text, make_markdown(allow_html=options.html is not False), options
    )
    return revise_rendered(rendered, None, now=now).deck
