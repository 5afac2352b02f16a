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

from deckgen.collection.holders import open_elsewhere
from deckgen.errors import DeckgenError

if TYPE_CHECKING:
    from anki.collection import Collection

SCHEMA = 18
"""The collection schema of Anki 2.1.50 and later, which the `anki` library writes."""
INSTALL = "pip install 'deckgen[sync]'"
OPEN_IN_ANKI = (
    "open in Anki: close Anki (or switch to another profile) and run again, sync through "
    "deckgen's add-on (`deckgen addon install`), or build the package and import it"
)


class CollectionError(DeckgenError):
    """A collection deckgen will not open, and why."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(f"{path}: {why}")


def schema_version(path: Path) -> int:
    """The collection's schema version, read without a lock, a journal or a write, once
    SQLite's quick check finds every page of the file sound."""
    check_path(path)
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    try:
        with closing(sqlite3.connect(uri, uri=True)) as db:
            db.create_collation("unicase", _unicase)
            row = db.execute("select ver from col").fetchone()
            # Damage away from the `col` table (a page of notes or config) would show only once
            # Anki reads it, mid-sync: after it has made folders and begun a backup.
            checked = ["ok"] if _logged(path) else _quick_check(db)
    except sqlite3.DatabaseError as exc:
        why = str(exc)
        if "no such table" in why or "not a database" in why:
            raise CollectionError(path, "not an Anki collection") from None
        raise _damaged(path, why) from None
    if row is None or not isinstance(row[0], int):
        raise CollectionError(path, "not an Anki collection")
    if checked != ["ok"]:
        # SQLite's report is lines under a `*** in database main ***` heading: the first says
        # what is wrong, on the one line an error gets.
        found = [line for text in checked for line in text.splitlines() if "***" not in line]
        more = f", and {len(found) - 1} more problems" if len(found) > 1 else ""
        raise _damaged(path, (found[0] if found else "SQLite's check failed") + more)
    return int(row[0])


def _quick_check(db: sqlite3.Connection) -> list[str]:
    return [str(line) for (line,) in db.execute("pragma quick_check")]


def _logged(path: Path) -> bool:
    """Whether changes wait in the write-ahead log beside the collection (Anki has it open, or
    was stopped before it closed it): the file alone is then not the whole collection, and may
    be half way through taking the log in; Anki's opening replays the log."""
    try:
        return Path(f"{path}-wal").stat().st_size > 0
    except OSError:
        return False


def _unicase(a: str, b: str) -> int:
    """Anki's collation of tag and deck names (Rust's `unicase`: case-folded, then compared),
    which SQLite's check needs for the indexes that use it."""
    x, y = a.casefold(), b.casefold()
    return (x > y) - (x < y)


def _damaged(path: Path, why: str) -> CollectionError:
    return CollectionError(
        path, f"damaged collection ({why}); open it in Anki and use Tools → Check Database"
    )


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
    if open_elsewhere(path):
        raise CollectionError(path, OPEN_IN_ANKI)
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
            raise CollectionError(path, OPEN_IN_ANKI) from None
        raise CollectionError(path, f"cannot open: {exc}") from None
    try:
        yield col
    finally:
        col.close()
