"""The build cache file: what one build of a source leaves beside its package for the next.

`<output folder>/.cache/<output stem>.cache` holds a pickled body and a trailer line (format,
deckgen version, the key of everything the build depended on, the body's length and CRC-32,
SHA-256 of the package and state file the build wrote). A file from another deckgen version,
with another key, truncated or altered is ignored, never trusted: the build then starts from
scratch. Unpickling is limited to deckgen's own record classes, so even a crafted file cannot
make the build call anything but a record's own constructor.

Each record is stored as its class and the tuple of its field values, and loaded by calling the
class with them: the default pickling of a frozen dataclass with slots looks up its fields once
per object both ways, which dominates a rebuild's loading and saving of the cache. The field
order this relies on is that of the code that wrote the file, which the key fingerprints.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import io
import json
import operator
import pickle
import sqlite3
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from deckgen import __version__
from deckgen.atomic import atomic_path
from deckgen.cache import warm
from deckgen.cache.snapshot import Snapshot
from deckgen.identity.state import DeckState
from deckgen.model import Diagnostic
from deckgen.options import BuildOptions
from deckgen.package.rows import SkeletonKey
from deckgen.render.media import ImageStamp

FORMAT = "deckgen-cache/7"
CACHE_DIR = ".cache"

# Found without importing them: a rebuild that needs none of them should not load them.
_RENDERERS = ("markdown_it", "mdit_py_plugins", "pygments", "nh3", "genanki")
# Besides deckgen's own records (its dataclasses, wherever they live), all a body may hold.
_ALLOWED = {("pathlib", "PosixPath"), ("pathlib", "WindowsPath"), ("builtins", "frozenset")}


def cache_path(output: Path) -> Path:
    """`build/x.apkg` → `build/.cache/x.cache`."""
    return output.parent / CACHE_DIR / f"{output.stem}.cache"


def fingerprint() -> str:
    """What else decides a build's output: deckgen's own files (code, stylesheets, themes) and
    the libraries that parse, highlight, sanitise and package, by the size and time of their
    files, the SQLite that lays out the collection's bytes, and Python itself (its Unicode tables
    normalise questions)."""
    package = Path(__file__).parent.parent
    files = [
        (str(path.relative_to(package)), *_stamp(path))
        for path in sorted(package.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    ]
    libraries = []
    for name in _RENDERERS:
        spec = importlib.util.find_spec(name)
        origin = Path(spec.origin) if spec is not None and spec.origin else None
        libraries.append((name, _stamp(origin) if origin else None))
    return repr((__version__, files, libraries, sqlite3.sqlite_version, sys.version))


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def cache_key(*parts: object) -> str:
    """SHA-256 over the `repr` of everything a build depends on besides its input files."""
    return hashlib.sha256(repr((warm.fingerprint(fingerprint), *parts)).encode()).hexdigest()


def load_cache(path: Path, key: str) -> tuple[Any, dict[str, str]] | None:
    """The body stored in `path` under `key`, and the file digests stored with it; None when
    missing, stale or damaged."""
    kept = warm.recall(path, key)
    if kept is not None:
        return kept
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not data.endswith(b"\n"):
        return None
    newline = data.rfind(b"\n", 0, len(data) - 1)
    if newline < 0:
        return None
    try:
        meta = json.loads(data[newline + 1 :])
        if (
            not isinstance(meta, dict)
            or meta.get("format") != FORMAT
            or meta.get("version") != __version__
            or meta.get("key") != key
            or meta.get("body") != [newline, zlib.crc32(memoryview(data)[:newline])]
        ):
            return None
        files = meta.get("files")
        if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
            return None
        # From the whole file's buffer: a BytesIO over a slice of it would first copy the slice.
        return _RecordUnpickler(io.BytesIO(data)).load(), files
    except (ValueError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        return None


def save_cache(path: Path, key: str, value: object, files: Callable[[], dict[str, str]]) -> None:
    """Write `value` under `key` to `path` atomically.

    The body is pickled straight into the file (a rebuild's largest object is never held whole
    in memory); then `files()` gives the digests of the files the build wrote, which a later
    build compares with what it finds, and they go into the trailer.
    """
    # No fsync: a cache a crash truncates fails its checksum and is ignored. Written beside the
    # package, so that a build that fails leaves no cache folder behind either.
    staging = path.parent.parent
    with atomic_path(path, sync=False, staging=staging) as tmp, tmp.open("wb") as handle:
        sink = _ChecksumWriter(handle)
        _RecordPickler(sink).dump(value)
        written = files()
        meta = {
            "format": FORMAT,
            "version": __version__,
            "key": key,
            "body": [sink.length, sink.crc],
            "files": written,
        }
        handle.write(b"\n" + json.dumps(meta).encode() + b"\n")
        # Renaming over an existing file makes ext4 flush the new one first (its guard for
        # programs that skip fsync): milliseconds, for a file a crash may lose anyway.
        path.unlink(missing_ok=True)
    warm.remember(path, key, value, written)


class _ChecksumWriter:
    """Writes to `handle`, keeping the length and CRC-32 of what it writes."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        # The length and CRC-32 catch a cut or damaged file (every burst of up to 32 bits, and
        # all but one in four billion other damage) at a third of SHA-256's cost. A checksum
        # cannot stop a deliberate forgery, and a SHA-256 stored beside the data could not
        # either; the restricted unpickler is what makes a forged cache harmless.
        self.crc = 0
        self.length = 0

    def write(self, data: bytes) -> int:
        self.crc = zlib.crc32(data, self.crc)
        self.length += len(data)
        return self.handle.write(data)


class _RecordPickler(pickle.Pickler):
    """Pickles each of deckgen's records as its class and the tuple of its fields' values."""

    def __init__(self, sink: _ChecksumWriter) -> None:
        super().__init__(sink, protocol=pickle.HIGHEST_PROTOCOL)
        self._values: dict[type, Callable[[Any], tuple[Any, ...]]] = {}

    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        values = self._values.get(kind)
        if values is None:
            if not (dataclasses.is_dataclass(kind) and kind.__module__.startswith("deckgen.")):
                return NotImplemented
            values = self._values[kind] = _field_values(kind)
        return kind, values(obj)


def _field_values(kind: type) -> Callable[[Any], tuple[Any, ...]]:
    """A function giving a record's field values, in the order its constructor takes them."""
    names = [f.name for f in dataclasses.fields(kind) if f.init]
    if len(names) != len(dataclasses.fields(kind)):
        raise TypeError(f"{kind.__name__} has a field its constructor does not take")
    if len(names) == 1:
        (name,) = names
        return lambda obj: (getattr(obj, name),)
    # attrgetter of several names gives the tuple, without a Python frame per record.
    return operator.attrgetter(*names)


class _RecordUnpickler(pickle.Unpickler):
    """Unpickles deckgen's own records (dataclasses) and nothing that could run code."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        if not module.startswith("deckgen."):
            raise pickle.UnpicklingError(f"{module}.{name} is not a cache record")
        found = super().find_class(module, name)
        if not (isinstance(found, type) and dataclasses.is_dataclass(found)):
            raise pickle.UnpicklingError(f"{module}.{name} is not a record class")
        return found


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """What a build leaves in its cache file, as named records."""

    snapshot: Snapshot
    options: BuildOptions
    """The options that applied to the source (front matter and config settled)."""
    source: str
    """SHA-256 of the source text."""
    state: DeckState
    """The state this build wrote."""
    diagnostics: tuple[Diagnostic, ...]
    cards: int
    parts: int
    skeletons: tuple[tuple[SkeletonKey, bytes], ...]
    """The empty collections the package was made from (see `deckgen.package.writer`)."""
    images: tuple[ImageStamp, ...] = ()
    """The image files the cards were made from or looked for, as they were: an image added,
    changed or removed since makes the next build a build, though the text is the same."""


def kept_files(before: dict[str, str], *, package: str, state: str, synced: str) -> dict[str, str]:
    """The digests a cache records: what this run wrote, and what the last run recorded of the
    other writer's output while the state stays the same (a build after a sync keeps the sync's
    stamp, a sync after a build keeps the package's digest: neither has to run again)."""
    kept = before if before.get("state") == state else {}
    return {
        "package": package or kept.get("package", ""),
        "state": state,
        "synced": synced or kept.get("synced", ""),
    }
