"""Opening a collection only when it is safe: one clear line for every reason it is not.

Anki's library would upgrade an older collection to its own schema on open, and an Anki that
made the collection might then no longer open it; the schema version is read first, from the
file as it is, without opening it for writing or leaving any file beside it.
"""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from deckgen.errors import DeckgenError

if TYPE_CHECKING:
    from anki.collection import Collection

SCHEMA = 18
"""The collection schema of Anki 2.1.50 and later, which the `anki` library writes."""
INSTALL = "pip install 'deckgen[sync]'"


class CollectionError(DeckgenError):
    """A collection deckgen will not open, and why."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(f"{path}: {why}")


def schema_version(path: Path) -> int:
    """The collection's schema version, read without a lock, a journal or a write."""
    check_path(path)
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    try:
        with closing(sqlite3.connect(uri, uri=True)) as db:
            row = db.execute("select ver from col").fetchone()
    except sqlite3.DatabaseError as exc:
        why = str(exc)
        if "no such table" in why or "not a database" in why:
            raise CollectionError(path, "not an Anki collection") from None
        raise CollectionError(
            path, f"damaged collection ({why}); open it in Anki and use Tools → Check Database"
        ) from None
    if row is None or not isinstance(row[0], int):
        raise CollectionError(path, "not an Anki collection")
    return int(row[0])


def check_path(path: Path) -> None:
    """A file deckgen can write, or one clear line."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise CollectionError(path, "no such collection") from None
    except OSError as exc:
        raise CollectionError(path, exc.strerror or str(exc)) from None
    if stat.S_ISDIR(info.st_mode):
        raise CollectionError(path, "is a folder; give the collection file (collection.anki2)")
    if not stat.S_ISREG(info.st_mode):
        raise CollectionError(path, "not an Anki collection")
    # The mode bits, not access(): root may write anything, but a read-only collection is
    # one its owner meant to keep as it is.
    if not info.st_mode & stat.S_IWUSR or not path.parent.stat().st_mode & stat.S_IWUSR:
        raise CollectionError(path, "read-only; deckgen changes nothing in it")


def check_schema(path: Path) -> None:
    version = schema_version(path)
    if version < SCHEMA:
        raise CollectionError(
            path,
            f"made by an Anki older than 2.1.50 (schema {version}); syncing would upgrade it "
            "so that Anki could no longer open it: open it once in Anki 2.1.50 or newer, or "
            "import the package instead",
        )
    if version > SCHEMA:
        raise CollectionError(
            path,
            f"made by a newer Anki (schema {version}) than the installed `anki` library "
            f"supports: upgrade it ({INSTALL} --upgrade)",
        )


@contextmanager
def opened(path: Path) -> Iterator[Collection]:
    """The collection at `path`, opened by Anki's library once it is safe, and closed after."""
    check_schema(path)
    try:
        from anki.collection import Collection
        from anki.errors import DBError
    except ImportError:
        raise DeckgenError(
            f"deckgen sync needs Anki's library: {INSTALL} (or `make deck` in a clone)"
        ) from None
    try:
        col = Collection(str(path))
    except DBError as exc:
        if "already open" in str(exc):
            raise CollectionError(
                path,
                "open in Anki: close Anki (or switch to another profile) and run again, or "
                "build the package and import it",
            ) from None
        raise CollectionError(path, f"cannot open: {exc}") from None
    try:
        yield col
    finally:
        col.close()
