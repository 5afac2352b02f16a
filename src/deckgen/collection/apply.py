"""The file sync: the deck applied to a collection file that Anki does not have open.

`deckgen.collection.guard` opens the file only when it is safe; the very first sync into a
collection brings deckgen's notetype in through Anki's importer (which keeps its fixed ID);
then `deckgen.collection.write` plans and writes, as the add-on does inside a running Anki.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from deckgen.collection.guard import opened
from deckgen.collection.plan import Origin, Removed
from deckgen.collection.write import RECORD_KEY, Applied, SyncSettings, sync_open
from deckgen.model import Deck
from deckgen.notetype.definition import notetype_css
from deckgen.package.writer import write_package

__all__ = ["RECORD_KEY", "Applied", "SyncSettings", "sync_collection"]


def sync_collection(
    path: Path,
    deck: Deck,
    removed: Sequence[Removed],
    origins: Mapping[str, Origin],
    settings: SyncSettings,
) -> Applied:
    """Apply `deck` to the collection at `path`, closed in Anki (see `write.sync_open`)."""
    css = notetype_css(settings.theme)

    @contextmanager
    def package_of(fresh: Deck) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="deckgen-") as folder:
            package = Path(folder) / "deckgen-sync.apkg"
            write_package(fresh, package, theme=settings.theme)
            yield package

    with opened(path) as col:
        return sync_open(
            col, path, deck, removed, origins, settings, css=css, package_of=package_of
        )
