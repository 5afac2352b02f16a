"""The notetype's identity, fields and templates: plain constants, so that what runs inside
Anki (the add-on) has them without the themes, Pygments or anything else of deckgen's."""

from __future__ import annotations

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
