"""Cache files kept in memory between builds of one long-running process (`deckgen watch`).

A one-shot build loads its cache file (unpickling megabytes for a project) and writes it back.
A process that builds again and again would unpickle, on every build, what it pickled itself a
moment before. Once `keep()` is called, `deckgen.cache.store` remembers the last value it wrote
to each cache file with the file's identity (inode, size, modification time) right after the
write, and a later load of that file under the same key takes the value from memory instead,
as long as the file is still the one written: another process that rewrote it (a `deckgen
build` run beside the watch) makes the next load read the file again.

Nothing changes for a process that never calls `keep()`: every load reads the file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

Stamp = tuple[int, int, int, int]
"""A file's device, inode, size and modification time in nanoseconds."""


@dataclass(frozen=True, slots=True)
class _Kept:
    key: str
    value: object
    files: tuple[tuple[str, str], ...]
    stamp: Stamp


class _Memory:
    """The values last written to each cache file, while keeping is on."""

    def __init__(self) -> None:
        self.on = False
        self.kept: dict[Path, _Kept] = {}
        self.fingerprint: str | None = None


_memory = _Memory()


def keep() -> None:
    """From now on, keep what is written to cache files in memory for the next load."""
    _memory.on = True


def stop() -> None:
    """Forget everything kept and go back to reading every cache file (tests use it)."""
    _memory.on = False
    _memory.kept.clear()
    _memory.fingerprint = None


def keeping() -> bool:
    """`keep()` was called (and not `stop()`)."""
    return _memory.on


def remember(path: Path, key: str, value: object, files: dict[str, str]) -> None:
    """`value` and `files` were just written to `path` under `key`."""
    if not _memory.on:
        return
    stamp = _stamp(path)
    if stamp is None:
        _memory.kept.pop(_where(path), None)
        return
    _memory.kept[_where(path)] = _Kept(key, value, tuple(files.items()), stamp)


def recall(path: Path, key: str) -> tuple[object, dict[str, str]] | None:
    """What `remember` kept for `path` under `key`, if the file is still the one written then."""
    if not _memory.on:
        return None
    kept = _memory.kept.get(_where(path))
    if kept is None or kept.key != key or _stamp(path) != kept.stamp:
        return None
    return kept.value, dict(kept.files)


def fingerprint(compute: Callable[[], str]) -> str:
    """The code's fingerprint, taken once per process while keeping: the code that runs is the
    code this process loaded, whatever is installed over it meanwhile (a cache this process
    writes must not claim the newer code's key). `compute` makes it when not taken yet."""
    if not _memory.on:
        return compute()
    if _memory.fingerprint is None:
        _memory.fingerprint = compute()
    return _memory.fingerprint


def _where(path: Path) -> Path:
    return path.absolute()


def _stamp(path: Path) -> Stamp | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns
