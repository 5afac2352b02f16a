"""A stamp of a collection as a sync left it, so that the next sync with nothing new can say
so without opening the collection (Anki's library alone takes longer to load than a build that
finds nothing changed)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def collection_stamp(path: Path, settings: str) -> str:
    """SHA-256 over the collection's path, its bytes, its media folder's listing and the
    sync's settings; empty when the file cannot be read or Anki holds it open with changes not
    yet in it (a `-wal` beside it). Anki changes the file's bytes with every change it makes,
    and a media file written anew changes its size or time, so an equal stamp means the
    collection is exactly as the sync that stamped it left it."""
    if path.with_name(path.name + "-wal").exists():
        return ""
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    stamp = hashlib.sha256(f"{path.resolve()}\0{settings}\0".encode())
    stamp.update(data)
    stamp.update(_media_listing(path.with_name(path.stem + ".media")))
    return stamp.hexdigest()


def _media_listing(folder: Path) -> bytes:
    try:
        entries = sorted(
            (entry.name, entry.stat().st_size, entry.stat().st_mtime_ns)
            for entry in os.scandir(folder)
        )
    except OSError:
        return b""
    return repr(entries).encode()
