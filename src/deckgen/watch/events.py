"""File-system events, through `watchfiles` (Rust's `notify`: inotify, FSEvents, kqueue, or
ReadDirectoryChangesW), grouped into one batch per save.

An editor's save is several events: a write in place is a truncate and writes; a safe save
writes a temporary file and renames it over the old one (after renaming the old one to a
backup, with vim); vim first tries a file named `4913`. The watcher waits until no event has
come for `STEP_MS` (at most `DEBOUNCE_MS` in all) and hands over the batch, so that one save,
or a burst of them, is one rebuild; events that come while a rebuild runs are kept for the next.
A batch that names a file gone or empty waits a little longer for the save to finish.
"""

from __future__ import annotations

import stat
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from threading import Event
from typing import TYPE_CHECKING

from deckgen.errors import DeckgenError
from deckgen.forked import unseen_thread

if TYPE_CHECKING:  # loaded when the watch starts, and only if installed
    from watchfiles._rust_notify import RustNotify

STEP_MS = 20
"""Quiet this long ends a batch: an editor's events for one save come within a few ms."""
DEBOUNCE_MS = 1_000
"""The longest a batch is held while events keep coming."""
SETTLE_MS = 500
"""How long a batch waits for a file it names that is gone or empty to come back: vim renames
the source away before it writes the new one, and a write in place truncates it first."""
TICK_MS = 500
"""How often the wait wakes up to look at its stop event."""

MISSING = (
    "deckgen watch needs watchfiles, in the `watch` extra: "
    "pip install 'deckgen[watch]' (or pipx install --force './deckgen[sync,watch]', "
    "uv tool install --reinstall './deckgen[sync,watch]')"
)


@contextmanager
def watching(paths: Sequence[Path], *, recursive: bool) -> Iterator[RustNotify]:
    """A watcher of `paths` (folders, or files), started now: what changes from here on is
    reported, even while the caller is busy. A missing `watchfiles` is an error that says how
    to install it."""
    try:
        from watchfiles._rust_notify import RustNotify
    except ImportError:
        raise DeckgenError(MISSING) from None
    existing = [str(path) for path in paths if path.exists()]
    # The watcher's thread is native: `threading` cannot list it, and forking beside it is as
    # unsafe as beside any thread.
    with unseen_thread(), RustNotify(existing, False, False, 300, recursive, True) as notify:
        yield notify


def batches(
    notify: RustNotify, wanted: Callable[[Path], bool], *, stop: Event | None = None
) -> Iterator[set[Path]]:
    """Each batch of changed paths that `wanted` keeps, as the watcher groups them; ends when
    `stop` is set. Ctrl-C raises `KeyboardInterrupt`."""
    while stop is None or not stop.is_set():
        kept = _wanted(_changes(notify, TICK_MS, stop), wanted)
        settle = time.monotonic() + SETTLE_MS / 1000
        # A file the batch names that is gone or empty may be half-way through a save: wait
        # for it (or until it has stayed so), so as not to build a deck without its cards.
        while kept and any(map(_unsettled, kept)) and not (stop and stop.is_set()):
            left = settle - time.monotonic()
            if left <= 0:
                break
            kept |= _wanted(_changes(notify, max(1, int(left * 1000)), stop), wanted)
        if kept:
            yield kept


def _changes(notify: RustNotify, timeout_ms: int, stop: Event | None) -> set[Path]:
    found = notify.watch(DEBOUNCE_MS, STEP_MS, timeout_ms, stop)
    if found == "signal":
        raise KeyboardInterrupt
    if isinstance(found, str):  # "stop" or "timeout"
        return set()
    return {Path(path) for _, path in found}


def _wanted(changed: set[Path], wanted: Callable[[Path], bool]) -> set[Path]:
    return {path for path in changed if wanted(path)}


def _unsettled(path: Path) -> bool:
    """Gone, or an empty file."""
    try:
        found = path.stat()
    except OSError:
        return True
    return stat.S_ISREG(found.st_mode) and found.st_size == 0
