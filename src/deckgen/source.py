"""Reading a source file into text, with errors that say which file and line is wrong."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import BinaryIO

from deckgen.errors import SourceError

# C0 controls other than tab, line feed, form feed and carriage return (NUL is caught as binary).
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0e-\x1f\x7f]")
# The same as bytes: in UTF-8 they never occur inside another character, and deleting them is
# several times faster than searching the text for them.
_CONTROL_BYTES = bytes([*range(0x01, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F])

MAX_SOURCE_BYTES = 20_000_000
"""The largest source read: about 200 times the seed (32,000 cards); the 100x benchmark fits.

A bigger file is refused before it is read, so memory stays bounded whatever the input.
"""


def read_source(path: Path) -> str:
    """The file's text as UTF-8 (a BOM is dropped; CRLF is left to markdown-it, which handles it)."""
    try:
        with path.open("rb") as handle:
            # One byte past the limit tells "too big" apart without reading the rest.
            data = _read_at_most(handle, MAX_SOURCE_BYTES + 1)
    except FileNotFoundError:
        raise SourceError(path, None, "no such file") from None
    except IsADirectoryError:
        raise SourceError(path, None, "is a directory, not a Markdown file") from None
    except OSError as exc:
        raise SourceError(path, None, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_SOURCE_BYTES:
        raise SourceError(
            path,
            None,
            f"larger than {MAX_SOURCE_BYTES // 1_000_000} MB; split it into several documents",
        )
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise SourceError(path, line, "binary data (NUL byte); expected a UTF-8 Markdown file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        byte = data[exc.start]
        raise SourceError(
            path, line, f"byte 0x{byte:02x} at column {column} is not valid UTF-8"
        ) from None
    control = (
        _CONTROL.search(text) if len(data.translate(None, _CONTROL_BYTES)) < len(data) else None
    )
    if control:
        # U+001F separates fields inside Anki: one in an answer would corrupt the note.
        start = control.start()
        line = text.count("\n", 0, start) + 1
        column = start - (text.rfind("\n", 0, start) + 1) + 1
        raise SourceError(
            path,
            line,
            f"control character U+{ord(control[0]):04X} at column {column}; expected plain text",
        )
    return text


def _read_at_most(handle: BinaryIO, limit: int) -> bytes:
    """Up to `limit` bytes of `handle`.

    A read makes a buffer of the size it asks for, whatever it gets: asking for the limit (20 MB)
    costs a large allocation per file, which a project of hundreds of small files pays on every
    build. So the size the file has now, and a byte more to see whether it grew; only then (or
    for a pipe or a device, which have no size) the rest, up to the limit.
    """
    first = min(os.fstat(handle.fileno()).st_size + 1, limit)
    data = handle.read(first)
    if len(data) < first or first == limit:
        return data
    return data + handle.read(limit - first)
