"""Reading a source file into text, with errors that say which file and line is wrong."""

from __future__ import annotations

from pathlib import Path

from deckgen.errors import SourceError


def read_source(path: Path) -> str:
    """The file's text as UTF-8 (a BOM is dropped; CRLF is left to markdown-it, which handles it)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(path, None, "no such file") from None
    except IsADirectoryError:
        raise SourceError(path, None, "is a directory, not a Markdown file") from None
    except OSError as exc:
        raise SourceError(path, None, f"cannot read: {exc.strerror or exc}") from None
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise SourceError(path, line, "binary data (NUL byte); expected a UTF-8 Markdown file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        byte = data[exc.start]
        raise SourceError(
            path, line, f"byte 0x{byte:02x} at column {column} is not valid UTF-8"
        ) from None
