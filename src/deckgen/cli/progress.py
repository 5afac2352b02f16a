"""A card counter on a terminal while a long build renders, and nothing otherwise."""

from __future__ import annotations

import time
from typing import TextIO


class CardCounter:
    """`progress(done, total)` for `deckgen.pipeline.build`: `\\r`-rewritten lines on `stream`.

    It stays silent for the first `delay` seconds, so quick builds print nothing, then redraws
    at most every `interval` seconds, and wipes its line when the last card is done.
    """

    def __init__(self, stream: TextIO, *, delay: float = 0.5, interval: float = 0.1) -> None:
        self._stream = stream
        self._started = time.monotonic()
        self._delay = delay
        self._interval = interval
        self._drawn = 0.0
        self._width = 0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done >= total:
            self._clear()
            return
        if now - self._started < self._delay or now - self._drawn < self._interval:
            return
        line = f"rendering cards: {done}/{total} ({100 * done // max(total, 1)}%)"
        self._width = max(self._width, len(line))
        self._stream.write(f"\r{line}")
        self._stream.flush()
        self._drawn = now

    def _clear(self) -> None:
        if self._width:
            self._stream.write("\r" + " " * self._width + "\r")
            self._stream.flush()
            self._width = 0
