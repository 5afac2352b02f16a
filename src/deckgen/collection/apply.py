"""The file sync: the deck applied to a collection file that Anki does not have open.

`deckgen.collection.guard` opens the file only when it is safe; the very first sync into a
collection brings deckgen's notetype in through Anki's importer (which keeps its fixed ID);
then `deckgen.collection.write` plans and writes, as the add-on does inside a running Anki.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from deckgen.collection.backup import make_backup
from deckgen.collection.guard import opened
from deckgen.collection.plan import Origin, Removed
from deckgen.collection.write import (
    RECORD_KEY,
    Applied,
    SyncSettings,
    apply_deck,
    media_plan,
    notetype_state,
)
from deckgen.model import Deck, Note
from deckgen.notetype.definition import notetype_css
from deckgen.package.writer import write_package

if TYPE_CHECKING:
    from anki.collection import Collection

__all__ = ["RECORD_KEY", "Applied", "SyncSettings", "sync_collection"]


def sync_collection(
    path: Path,
    deck: Deck,
    removed: Sequence[Removed],
    origins: Mapping[str, Origin],
    settings: SyncSettings,
) -> Applied:
    """Apply `deck` to the collection at `path` (closed in Anki): see `plan_sync` for what
    happens to each note. A backup Anki can restore is made before anything changes."""
    css = notetype_css(settings.theme)
    with opened(path) as col:
        notetype = notetype_state(col, css, allow_full_sync=settings.allow_full_sync)
        if notetype == "added" and not settings.dry_run:
            # Anki gives a notetype added through its library an ID of its own; its importer
            # keeps a package's. The notes that bring deckgen's notetype come in as the package
            # a user would import, and are then synced like any others.
            backup = make_backup(col, path)
            media, _ = media_plan(col, deck.media)  # the import brings them
            imported = _import_new(col, deck, settings.theme)
            applied = apply_deck(
                col, path, deck, removed, origins, settings, css=css, notetype="added"
            )
            plan = replace(applied.plan, add=(*imported, *applied.plan.add))
            unchanged = applied.plan.unchanged - len(imported)
            plan = replace(plan, unchanged=max(unchanged, 0))
            media = (*media, *applied.media_added)
            return replace(applied, plan=plan, media_added=media, backup=backup, changed=True)
        return apply_deck(col, path, deck, removed, origins, settings, css=css, notetype=notetype)


def _import_new(col: Collection, deck: Deck, theme: str) -> tuple[Note, ...]:
    """Import the notes not in the collection as a package: Anki's importer keeps the
    notetype's fixed ID, as it does for the package a user imports by hand."""
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    assert col.db is not None
    taken = set(col.db.list("select guid from notes"))
    fresh = replace(deck, notes=tuple(n for n in deck.notes if n.id not in taken))
    if not fresh.notes:
        fresh = replace(deck, notes=deck.notes[:1])
    with _scratch(col) as folder:
        package = folder / "deckgen-sync.apkg"
        write_package(fresh, package, theme=theme)
        options = ImportAnkiPackageOptions(with_scheduling=False, with_deck_configs=False)
        col.import_anki_package(
            ImportAnkiPackageRequest(package_path=str(package), options=options)
        )
    return fresh.notes


@contextmanager
def _scratch(col: Collection) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="deckgen-") as folder:
        yield Path(folder)
