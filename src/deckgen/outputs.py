"""What deckgen may write over: the output rule, Anki's collection names, one build at a time.

The rule: deckgen writes only to a path that does not exist yet, or to a regular file of its own
kind (an `.apkg` for `build`, an `.html` for `preview`), and never to an input of the build
(source, state file, config). A typo in `-o` must not turn the user's notes into a zip, and run
as root, `-o /dev/null` must not replace the device with a file.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import stat
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from deckgen.errors import DeckgenError

_WHOLE_COLLECTION = re.compile(r"^(collection\.apkg|backup-.*\.apkg|.*\.colpkg)$", re.IGNORECASE)
"""Names Anki imports as a whole-collection restore, which replaces the user's collection
(Anki compares them without regard to case on the systems where names have none)."""

SAFE_PREFIX = "deck-"
"""Put before a default output's name that Anki would take for a collection backup."""

LOCK_WAIT = 10.0
"""Seconds a build waits for another build of the same deck before it gives up."""

_KINDS = {
    stat.S_IFDIR: "a directory",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
}


def restores_collection(path: Path) -> bool:
    """Whether Anki would import a file of this name as a backup of the whole collection."""
    return bool(_WHOLE_COLLECTION.match(path.name))


def safe_default(path: Path) -> Path:
    """A default output's path, renamed (`deck-<name>`) when Anki would restore it as a whole
    collection: the name came from a source or deck name, not from the user's `-o`."""
    return path.with_name(SAFE_PREFIX + path.name) if restores_collection(path) else path


def check_output(path: Path, suffix: str, inputs: Iterable[Path | None] = ()) -> None:
    """Refuse (DeckgenError, before anything is written) an output `path` that is not new, not a
    regular `suffix` file, is one of `inputs`, or that Anki would import as a whole collection."""
    if restores_collection(path):
        raise refusal(
            path,
            "Anki imports a file of this name as a whole-collection backup that replaces "
            "your collection; choose another name",
        )
    try:
        found = path.stat()
    except FileNotFoundError:
        return
    except OSError:
        return  # unreadable or a broken parent: the write itself reports it, naming the path
    kind = _KINDS.get(stat.S_IFMT(found.st_mode))
    if kind is not None:
        raise refusal(path, f"it is {kind}, not an {suffix} file")
    for given in inputs:
        if given is not None and _same_file(path, given):
            raise refusal(path, f"it is an input of this build ({given})")
    if path.suffix.lower() != suffix:
        raise refusal(
            path, f"it exists and is not an {suffix} file (deckgen replaces only its own kind)"
        )


def refusal(path: Path, why: str) -> DeckgenError:
    """`refusing to overwrite <path>: <why>`."""
    return DeckgenError(f"refusing to overwrite {path}: {why}")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


@contextmanager
def deck_lock(output: Path, *, wait: float | None = None) -> Iterator[None]:
    """Hold the lock of the deck written to `output` (`.<name>.lock` beside it, holding the
    holder's process ID) while the block runs. Another build of the same deck waits up to
    `wait` seconds (default `LOCK_WAIT`), then stops with an error naming the holder: two
    builds at once would each write the package and state, and the last would win silently.

    The kernel releases the lock when its holder ends, however it ends, so a killed build never
    leaves the deck locked; the holder deletes the file when it is done, and a file a killed
    build left is taken over by the next one."""
    lock = output.with_name(f".{output.name}.lock")
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        fd = _acquire(lock, LOCK_WAIT if wait is None else wait)
    except OSError:
        # A folder deckgen cannot write: the package's own write will say so with its path.
        yield
        return
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        # Deleted while still locked: a waiter that opened this file finds it gone from the
        # folder once it gets the lock, and starts again on a new one (see `_acquire`).
        lock.unlink(missing_ok=True)
        os.close(fd)


def _acquire(lock: Path, wait: float) -> int:
    """An open descriptor of `lock`, locked; DeckgenError naming the holder after `wait` s."""
    deadline = time.monotonic() + wait
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                return fd  # a file system without locks: build unlocked, as before
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            os.close(fd)
            if time.monotonic() >= deadline:
                who = f"process {holder}" if holder.isdigit() else "another process"
                raise DeckgenError(
                    f"another deckgen ({who}) is building this deck (lock {lock}); "
                    "try again when it has finished"
                ) from None
            time.sleep(0.05)
            continue
        if _still_there(fd, lock):
            return fd
        os.close(fd)  # its holder deleted it as we waited: lock the one there now


def _still_there(fd: int, lock: Path) -> bool:
    try:
        named = lock.stat()
    except FileNotFoundError:
        return False
    opened = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)
