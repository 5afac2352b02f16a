"""Reading a source reads all of it, however its size looked when it was opened: a file that
grew since, a pipe (which has no size)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from deckgen.source import read_source

TEXT = "# Title\n\n## What is a pipe?\n\n" + "A stream of bytes. " * 500 + "\n"


def test_read_source__a_file_that_grew_after_its_size_was_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "grown.md"
    source.write_text(TEXT, encoding="utf-8")
    real = os.fstat

    def smaller(fd: int) -> os.stat_result:
        found = real(fd)
        return os.stat_result((*found[:6], 10, *found[7:]))  # st_size: 10 bytes

    monkeypatch.setattr(os, "fstat", smaller)
    assert read_source(source) == TEXT


def test_read_source__a_pipe_is_read_to_its_end(tmp_path: Path) -> None:
    fifo = tmp_path / "piped.md"
    os.mkfifo(fifo)
    data = TEXT.encode()

    def write() -> None:
        with fifo.open("wb") as pipe:
            pipe.write(data[:100])
            pipe.flush()
            time.sleep(0.05)
            pipe.write(data[100:])

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert read_source(fifo) == TEXT
    finally:
        writer.join(10)
