"""Writing files so that a reader sees the old file or the new one, never half of either."""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from deckgen.errors import SourceError

LEGACY_TMP_AGE = 3600
"""Seconds after which a temp file of the older pattern (no process ID) counts as left behind."""


@contextmanager
def atomic_path(path: Path, *, sync: bool = True, staging: Path | None = None) -> Iterator[Path]:
    """A temp path in `path`'s folder to write to; renamed over `path` only if the block succeeds.

    The temp file lives beside the target so the final rename stays on one file system and is
    atomic. Any failure, including one raised by the block, leaves the previous `path` untouched.
    `sync=False` skips flushing to disk before the rename, for files a crash may lose (a cache).
    `staging` is another folder on the same file system to write in, when `path`'s folder should
    appear only once the file is there. OS errors become a `SourceError` naming `path`.
    """
    if path.is_dir():
        raise SourceError(path, None, "is a directory; give a file name for the output")
    if path.parent.exists() and not path.parent.is_dir():
        raise SourceError(path, None, f"cannot write: {path.parent} is a file, not a folder")
    try:
        folder = path.parent if staging is None else staging
        folder.mkdir(parents=True, exist_ok=True)
        clean_stale(path, folder)
        # The writer's process ID in the name tells a later build whether it was left behind.
        prefix = f".{path.name}.{os.getpid()}."
        fd, tmp_name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=folder)
    except OSError as exc:
        raise SourceError(path, None, f"cannot write: {_reason(exc)}") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        # mkstemp makes the file private; an output is an ordinary file, so honour the umask.
        tmp.chmod(0o666 & ~_umask())
        yield tmp
        if sync:
            _sync(tmp)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.replace(path)
    except OSError as exc:
        raise SourceError(path, None, f"cannot write: {_reason(exc)}") from None
    finally:
        tmp.unlink(missing_ok=True)


def clean_stale(path: Path, folder: Path | None = None) -> None:
    """Delete the temp files for `path` in `folder` (default: its own) that a killed build left:
    `.<name>.<pid>.<random>.tmp` whose process is gone (or, from deckgen before the process ID
    was in the name, `.<name>.<random>.tmp` over an hour old). A running build's temp file, and
    any file not of this pattern, is left alone."""
    folder = path.parent if folder is None else folder
    pattern = re.compile(re.escape(f".{path.name}.") + r"(?:(?P<pid>\d+)\.)?[A-Za-z0-9_]{8}\.tmp")
    try:
        names = [entry.name for entry in os.scandir(folder) if pattern.fullmatch(entry.name)]
    except OSError:
        return
    for name in names:
        found = pattern.fullmatch(name)
        pid = found["pid"] if found else None
        stale = not _alive(int(pid)) if pid else _older(folder / name, LEGACY_TMP_AGE)
        if stale:
            (folder / name).unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process: alive
    return True


def _older(path: Path, seconds: float) -> bool:
    try:
        return time.time() - path.stat().st_mtime > seconds
    except OSError:
        return False


def write_bytes_atomic(path: Path, data: bytes, *, sync: bool = True) -> None:
    """Replace `path` with `data` atomically (see `atomic_path`)."""
    with atomic_path(path, sync=sync) as tmp:
        tmp.write_bytes(data)


def _sync(path: Path) -> None:
    # On disk before the rename, so a crash cannot leave the new name on an empty file.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)
