"""Writing the `.apkg`: the only module that knows genanki.

genanki writes the empty collection with deckgen's notetype (`deckgen.notetype.definition`);
`deckgen.package.rows` adds the notes and cards."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zipfile
from collections.abc import MutableMapping
from pathlib import Path

from deckgen.atomic import atomic_path
from deckgen.identity.ids import deck_id
from deckgen.model import Deck, MediaFile
from deckgen.notetype.definition import (
    BACK,
    FIELDS,
    FRONT,
    NOTETYPE_ID,
    NOTETYPE_NAME,
    TEMPLATE_NAME,
    notetype_css,
)
from deckgen.notetype.names import DEFAULT_THEME
from deckgen.outputs import refusal, restores_collection
from deckgen.package.rows import DeckLayout, SkeletonKey, fill, layout

# Zip entries carry a date; a fixed one keeps the package a function of its contents.
_ZIP_DATE = (2020, 1, 1, 0, 0, 0)


def write_package(
    deck: Deck,
    path: Path,
    *,
    notetype_mtime: int | None = None,
    theme: str = DEFAULT_THEME,
    skeletons: MutableMapping[SkeletonKey, bytes] | None = None,
) -> str:
    """Write `deck` to `path` atomically (a temp file in the same folder, then a rename) and
    return the SHA-256 of the package's bytes.

    `notetype_mtime` is when the notetype's CSS or templates last changed (Anki updates them
    only when it is newer); without it the newest note's mtime stands in. `skeletons` holds
    empty collections genanki made before, by what they are made of; one made now is added.
    """
    if restores_collection(path):
        # The commands refuse such a name before any work (`check_output`); this is the last
        # guard, for a caller of the library.
        raise refusal(
            path,
            "Anki imports a file of this name as a whole-collection backup that replaces "
            "your collection; choose another name",
        )
    mtime = max((n.mtime for n in deck.notes), default=0)
    stamp = mtime if notetype_mtime is None else notetype_mtime
    decks, notes = layout(deck, deck_id)
    key = (decks, notetype_css(theme), stamp)
    known = skeletons if skeletons is not None else {}
    if key not in known:
        known[key] = _genanki_skeleton(*key)
    # Note and card row IDs count up from this; deriving it from content keeps it stable.
    collection = fill(known[key], decks, notes, notetype_id=NOTETYPE_ID, first_id=mtime * 1000)
    with atomic_path(path) as tmp:
        _write_zip(collection, tmp, deck.media)
        return hashlib.sha256(tmp.read_bytes()).hexdigest()


def _genanki_skeleton(decks: DeckLayout, css: str, stamp: int) -> bytes:
    """The collection genanki writes for these decks and no notes; the notetype is stamped
    `stamp` and recorded in every deck that will hold notes, as genanki does for a deck's notes."""
    import genanki

    model = genanki.Model(
        NOTETYPE_ID,
        NOTETYPE_NAME,
        fields=[{"name": name} for name in FIELDS],
        templates=[{"name": TEMPLATE_NAME, "qfmt": FRONT, "afmt": BACK}],
        css=css,
        sort_field_index=0,
    )
    package_decks = []
    for name, did, has_notes in decks:
        package_deck = genanki.Deck(did, name)
        if has_notes:
            package_deck.add_model(model)
        package_decks.append(package_deck)
    # In memory: the collection is read back whole, so nothing goes to disk but the package.
    conn = sqlite3.connect(":memory:")
    try:
        genanki.Package(package_decks).write_to_db(conn.cursor(), stamp, iter(()))
        conn.commit()
        return conn.serialize()
    finally:
        conn.close()


def _write_zip(collection: bytes, path: Path, media: tuple[MediaFile, ...]) -> None:
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
