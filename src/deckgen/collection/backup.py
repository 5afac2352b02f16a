"""A backup before a sync changes anything: Anki's own, in the profile's `backups/` folder, so
*File → Switch Profile → Open Backup…* restores it.

Anki writes a backup straight under its final name: a sync killed while it wrote would leave a
broken `backup-*.colpkg` that Anki lists, fails to restore, and may keep as the day's backup
when it thins them, in place of a whole one. So Anki writes it into a folder of deckgen's inside
`backups/`, and it is moved into `backups/` once whole (Anki desktop thins the folder by its own
rules at its next backup).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from anki.collection import Collection


def backup_folder(collection: Path) -> Path:
    """Where Anki desktop keeps a profile's backups: `backups/` beside its collection."""
    return collection.parent / "backups"


def make_backup(col: Collection, collection: Path, *, fresh: bool = True) -> Path | None:
    """Make the backup and return it: the newest in the folder (Anki makes none when the
    collection has not changed since its last one, which then stands for it). Not `fresh`: a
    backup younger than the collection's own backup interval stands for a new one."""
    folder = backup_folder(collection)
    if not fresh:
        recent = _newest(folder)
        interval = col.get_preferences().backups.minimum_interval_mins * 60
        if recent is not None and time.time() - recent.stat().st_mtime < interval:
            return recent
    # One per collection: the collection is open here, so no other sync of it is making one,
    # and what is in it was left by a sync killed while Anki wrote.
    making = folder / f".deckgen-{collection.name}.partial"
    shutil.rmtree(making, ignore_errors=True)
    making.mkdir(parents=True)
    try:
        col.create_backup(backup_folder=str(making), force=True, wait_for_completion=True)
        for made in making.glob("backup-*.colpkg"):
            made.replace(folder / made.name)
    finally:
        shutil.rmtree(making, ignore_errors=True)
    return _newest(folder)


def _newest(folder: Path) -> Path | None:
    backups = sorted(folder.glob("backup-*.colpkg"), key=lambda p: (p.stat().st_mtime, p.name))
    return backups[-1] if backups else None
