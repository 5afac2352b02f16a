"""deckgen's one notetype: its fixed ID, fields, templates and stylesheet.

Every writer (the `.apkg` in `deckgen.package`, the collection in `deckgen.collection`) writes
exactly this notetype, so a note made by one is the same note to the other.
"""

from __future__ import annotations

from functools import cache

from deckgen.identity.history import digest
from deckgen.notetype.names import DEFAULT_THEME
from deckgen.notetype.themes import theme_css

# Fixed forever: Anki matches notetypes by ID, and re-import updates notes only while the
# field and template lists stay exactly these.
NOTETYPE_ID = 1_607_392_401
NOTETYPE_NAME = "deckgen Q&A"
FIELDS = ("Question", "Answer", "Part", "Source", "ID")
TEMPLATE_NAME = "Card"

FRONT = """<div class="dg-card">
<div class="dg-part">{{Part}}</div>
<div class="dg-question">{{Question}}</div>
</div>"""

BACK = """{{FrontSide}}
<hr id="answer">
<div class="dg-card dg-answer">{{Answer}}</div>
<div class="dg-source">{{Source}}</div>"""


@cache  # a function of deckgen's files and Pygments, which do not change while it runs
def notetype_css(theme: str = DEFAULT_THEME) -> str:
    """The card stylesheet of `theme`, with Pygments rules for light and night mode."""
    return theme_css(theme)


def notetype_digest(theme: str = DEFAULT_THEME) -> str:
    """16 hex digits over everything Anki takes from the notetype: name, fields, templates, CSS."""
    return digest([NOTETYPE_NAME, list(FIELDS), FRONT, BACK, notetype_css(theme)])
