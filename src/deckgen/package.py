"""The only module that knows genanki: the notetype, its fixed ID, and writing the `.apkg`."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

from deckgen.atomic import atomic_path
from deckgen.errors import SourceError
from deckgen.identity import deck_id
from deckgen.model import Deck, MediaFile
from deckgen.themes import DEFAULT_THEME, theme_css

# Fixed forever: Anki matches notetypes by ID, and re-import updates notes only while the
# field and template lists stay exactly these.
NOTETYPE_ID = 1_607_392_401
NOTETYPE_NAME = "deckgen Q&A"
FIELDS = ("Question", "Answer", "Part", "Source", "ID")

FRONT = """<div class="dg-card">
<div class="dg-part">{{Part}}</div>
<div class="dg-question">{{Question}}</div>
</div>"""

BACK = """{{FrontSide}}
<hr id="answer">
<div class="dg-card dg-answer">{{Answer}}</div>
<div class="dg-source">{{Source}}</div>"""

# Zip entries carry a date; a fixed one keeps the package a function of its contents.
_ZIP_DATE = (2020, 1, 1, 0, 0, 0)


# Per process: the stylesheet is a function of deckgen's files and Pygments, which do not change
# while it runs; building it imports Pygments' styles.
_STYLESHEETS: dict[str, str] = {}


def notetype_css(theme: str = DEFAULT_THEME) -> str:
    """The card stylesheet of `theme`, with Pygments rules for light and night mode."""
    if theme not in _STYLESHEETS:
        _STYLESHEETS[theme] = theme_css(theme)
    return _STYLESHEETS[theme]


def known_stylesheet(theme: str, css: str) -> None:
    """Take `css` as `theme`'s stylesheet: a copy a build cache kept for these same files."""
    _STYLESHEETS.setdefault(theme, css)


def notetype_digest(theme: str = DEFAULT_THEME) -> str:
    """16 hex digits over everything Anki takes from the notetype: name, fields, templates, CSS."""
    from deckgen.history import digest

    return digest([NOTETYPE_NAME, list(FIELDS), FRONT, BACK, notetype_css(theme)])


def write_package(
    deck: Deck,
    path: Path,
    *,
    subdecks: bool = False,
    notetype_mtime: int | None = None,
    theme: str = DEFAULT_THEME,
) -> None:
    """Write `deck` to `path` atomically: a temp file in the same folder, then a rename.

    `notetype_mtime` is when the notetype's CSS or templates last changed (Anki updates them
    only when it is newer); without it the newest note's mtime stands in.
    """
    if path.name == "collection.apkg":
        raise SourceError(
            path,
            None,
            "Anki treats 'collection.apkg' as a whole-collection backup; choose another name",
        )
    package = _genanki_package(deck, notetype_css(theme))
    mtime = max((n.mtime for n in deck.notes), default=0)
    stamp = mtime if notetype_mtime is None else notetype_mtime
    with atomic_path(path) as tmp:
        _write_zip(package, tmp, mtime, stamp, deck.media)


def _genanki_package(deck: Deck, css: str) -> Any:
    import genanki

    class TimedNote(genanki.Note):  # type: ignore[misc]
        """A note stamped with the time its content last changed, not the build time."""

        def __init__(self, mtime: int, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.mtime = mtime

        def write_to_db(self, cursor: Any, timestamp: float, deck_id: int, id_gen: Any) -> None:
            super().write_to_db(cursor, self.mtime, deck_id, id_gen)

    model = genanki.Model(
        NOTETYPE_ID,
        NOTETYPE_NAME,
        fields=[{"name": name} for name in FIELDS],
        templates=[{"name": "Card", "qfmt": FRONT, "afmt": BACK}],
        css=css,
        sort_field_index=0,
    )
    decks: dict[str, Any] = {}
    for note in deck.notes:
        if note.deck not in decks:
            decks[note.deck] = genanki.Deck(deck_id(note.deck), note.deck)
        decks[note.deck].add_note(
            TimedNote(
                note.mtime,
                model=model,
                fields=[note.question, note.answer, note.part, note.source, note.id],
                tags=list(note.tags),
                guid=note.id,
            )
        )
    if deck.name not in decks:
        decks[deck.name] = genanki.Deck(deck_id(deck.name), deck.name)
    return genanki.Package(list(decks.values()))


def _write_zip(
    package: Any, path: Path, mtime: int, notetype_mtime: int, media: tuple[MediaFile, ...] = ()
) -> None:
    # In memory: the collection is written once and read back whole, so nothing goes to disk
    # (or waits for it) but the package itself.
    conn = sqlite3.connect(":memory:")
    try:
        # Note and card row IDs count up from this; deriving it from content keeps it stable.
        id_gen = iter(range(mtime * 1000, mtime * 1000 + 10**9))
        # genanki stamps the notetype with this timestamp; notes carry their own.
        package.write_to_db(conn.cursor(), notetype_mtime, id_gen)
        conn.commit()
        collection = conn.serialize()
    finally:
        conn.close()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo("collection.anki2", _ZIP_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        # Level 1: a sixth larger than the default level, in a third of the time.
        zf.writestr(info, collection, compresslevel=1)
        # Anki's legacy package layout: entries "0", "1", … and a JSON map to file names.
        names: dict[str, str] = {}
        for number, item in enumerate(sorted(media, key=lambda m: m.name)):
            entry = zipfile.ZipInfo(str(number), _ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(entry, item.data)
            names[str(number)] = item.name
        zf.writestr(zipfile.ZipInfo("media", _ZIP_DATE), json.dumps(names))
