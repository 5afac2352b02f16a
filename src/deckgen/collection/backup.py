"""A backup before a sync changes anything: Anki's own, in the profile's `backups/` folder, so
*File → Switch Profile → Open Backup…* restores it, pruned by Anki's own rules."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from anki.collection import Collection


def backup_folder(collection: Path) -> Path:
    """Where Anki desktop keeps a profile's backups: `backups/` beside its collection."""
    return collection.parent / "backups"


def make_backup(col: Collection, collection: Path) -> Path | None:
    """Make the backup and return it: the newest in the folder (Anki makes none when the
    collection has not changed since its last one, which then stands for it)."""
    folder = backup_folder(collection)
    folder.mkdir(exist_ok=True)
    col.create_backup(backup_folder=str(folder), force=True, wait_for_completion=True)
    backups = sorted(folder.glob("backup-*.colpkg"), key=lambda p: (p.stat().st_mtime, p.name))
    return backups[-1] if backups else None
