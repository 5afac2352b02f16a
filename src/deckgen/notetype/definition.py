"""deckgen's one notetype: its fixed ID, fields and templates (`fields`), and its stylesheet.

Every writer (the `.apkg` in `deckgen.package`, the collection in `deckgen.collection`) writes
exactly this notetype, so a note made by one is the same note to the other.
"""

from __future__ import annotations

from functools import cache

from deckgen.identity.history import digest
from deckgen.notetype.fields import (
    BACK,
    FIELDS,
    FRONT,
    NOTETYPE_ID,
    NOTETYPE_NAME,
    TEMPLATE_NAME,
)
from deckgen.notetype.names import DEFAULT_THEME
from deckgen.notetype.themes import theme_css


@cache  # a function of deckgen's files and Pygments, which do not change while it runs
def notetype_css(theme: str = DEFAULT_THEME) -> str:
    """The card stylesheet of `theme`, with Pygments rules for light and night mode."""
    return theme_css(theme)


def notetype_digest(theme: str = DEFAULT_THEME) -> str:
    """16 hex digits over everything Anki takes from the notetype: name, fields, templates, CSS."""
    return digest([NOTETYPE_NAME, list(FIELDS), FRONT, BACK, notetype_css(theme)])


__all__ = [
    "BACK",
    "FIELDS",
    "FRONT",
    "NOTETYPE_ID",
    "NOTETYPE_NAME",
    "TEMPLATE_NAME",
    "notetype_css",
    "notetype_digest",
]
