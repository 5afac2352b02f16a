"""Writing files so that a reader sees the old file or the new one, never half of either."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from deckgen.errors import SourceError


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
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
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
