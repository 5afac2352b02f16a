"""Which collection a sync writes: a path, a profile of Anki's base folder, or the one profile
there is (else the one Anki opened last), by the rules Anki desktop itself follows."""

from __future__ import annotations

import io
import os
import pickle
import sqlite3
import sys
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deckgen.errors import DeckgenError

COLLECTION = "collection.anki2"


@dataclass(frozen=True, slots=True)
class Target:
    """The collection to sync into, and how it was chosen (for the summary)."""

    path: Path
    profile: str | None = None
    """The profile's name when the collection is a profile's."""


def anki_base(environ: dict[str, str] | None = None) -> Path:
    """Anki's base folder: `ANKI_BASE`, else where Anki desktop keeps it on this system."""
    env = os.environ if environ is None else environ
    if env.get("ANKI_BASE"):
        return Path(env["ANKI_BASE"])
    if sys.platform == "win32":
        return Path(env.get("APPDATA", Path.home() / "AppData" / "Roaming")) / "Anki2"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "Anki2"
    data = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "Anki2"


def find_target(collection: Path | None, profile: str | None, base: Path | None = None) -> Target:
    """`collection` as given; else the profile `profile`; else the only profile, or the one
    Anki opened last. Anything else is one clear error naming what there is."""
    if collection is not None:
        return Target(collection)
    root = base if base is not None else anki_base()
    names = profile_names(root)
    if profile is not None:
        match = [n for n in names if n.casefold() == profile.casefold()]
        if not match:
            known = ", ".join(names) or "none"
            raise DeckgenError(f"no Anki profile {profile!r} in {root} (profiles: {known})")
        return Target(root / match[0] / COLLECTION, match[0])
    if not names:
        raise DeckgenError(
            f"no Anki profile in {root}: give --collection PATH or --profile NAME "
            "(or set ANKI_BASE to Anki's base folder)"
        )
    if len(names) == 1:
        return Target(root / names[0] / COLLECTION, names[0])
    last = last_profile(root)
    if last in names:
        return Target(root / last / COLLECTION, last)
    raise DeckgenError(
        f"several Anki profiles in {root} ({', '.join(names)}): choose one with --profile NAME"
    )


def profile_names(base: Path) -> list[str]:
    """The profiles Anki lists (its `prefs21.db`), else the folders that hold a collection."""
    names = _read_prefs(base, "select name from profiles where name != '_global' order by name")
    if names:
        return [str(row[0]) for row in names if (base / str(row[0]) / COLLECTION).is_file()]
    try:
        return sorted(p.name for p in base.iterdir() if (p / COLLECTION).is_file())
    except OSError:
        return []


def last_profile(base: Path) -> str | None:
    """The profile Anki desktop opened last, as its preferences record it."""
    rows = _read_prefs(base, "select cast(data as blob) from profiles where name = '_global'")
    if not rows:
        return None
    try:
        meta = _PlainUnpickler(io.BytesIO(rows[0][0])).load()
    # Preferences this version cannot read: no last profile, then.
    except (pickle.PickleError, EOFError, ValueError, TypeError, IndexError, AttributeError):
        return None
    name = meta.get("last_loaded_profile_name") if isinstance(meta, dict) else None
    return name if isinstance(name, str) else None


def _read_prefs(base: Path, query: str) -> list[Any]:
    prefs = base / "prefs21.db"
    if not prefs.is_file():
        return []
    uri = f"{prefs.resolve().as_uri()}?mode=ro&immutable=1"
    try:
        with closing(sqlite3.connect(uri, uri=True)) as db:
            return db.execute(query).fetchall()
    except sqlite3.Error:
        return []


class _PlainUnpickler(pickle.Unpickler):
    """Anki's preferences are a pickle: read plain values only, never a class."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"{module}.{name} is not a plain value")
