"""`deckgen watch` run as a real process in a folder of its own, its output read line by line,
so that a test can edit files as an editor does and wait for the rebuild lines."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

REBUILT = re.compile(r"^\d\d:\d\d:\d\d ")
"""The line every rebuild ends with: the time, then the summary or `not rebuilt: …`."""
WAIT = 60.0
"""The longest a test waits for a line: the machine may be busy with other work."""
QUIET = 1.5
"""How long a test waits to be sure no rebuild follows: many times the watch's batching."""


class Watching:
    """A `deckgen watch` process started in `folder` with `args`."""

    def __init__(self, folder: Path, *args: str) -> None:
        self.folder = folder
        env = {**os.environ, "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "deckgen", "watch", *args],
            cwd=folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.out: queue.Queue[str] = queue.Queue()
        self.err: list[str] = []
        self.seen: list[str] = []
        assert self.process.stdout is not None and self.process.stderr is not None
        self._readers = [
            threading.Thread(target=_read, args=(self.process.stdout, self.out.put), daemon=True),
            threading.Thread(
                target=_read, args=(self.process.stderr, self.err.append), daemon=True
            ),
        ]
        for reader in self._readers:
            reader.start()

    def line(self, pattern: str | re.Pattern[str], timeout: float = WAIT) -> str:
        """The next standard output line that matches `pattern` (earlier ones are passed)."""
        wanted = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                line = self.out.get(timeout=max(left, 0.01))
            except queue.Empty:
                raise AssertionError(
                    f"no line matching {wanted.pattern!r} in {timeout} s; "
                    f"output: {self.seen}; errors: {self.err}"
                ) from None
            self.seen.append(line)
            if wanted.search(line):
                return line

    def error(self, pattern: str, timeout: float = WAIT) -> str:
        """A standard error line that matches `pattern`, once it has come."""
        wanted = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [line for line in list(self.err) if wanted.search(line)]
            if found:
                return found[0]
            time.sleep(0.02)
        raise AssertionError(f"no error matching {pattern!r} in {timeout} s: {self.err}")

    def rebuilt(self, timeout: float = WAIT) -> str:
        """The next rebuild's last line."""
        return self.line(REBUILT, timeout)

    def ready(self) -> str:
        """Waits for the first build; gives its line."""
        self.line(r"^watching ")
        return self.rebuilt()

    def rebuilds_within(self, seconds: float) -> list[str]:
        """The rebuild lines printed within `seconds` from now."""
        found = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.out.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append(line)
            if REBUILT.search(line):
                found.append(line)
        return found

    def interrupt(self, timeout: float = WAIT) -> int:
        """Ctrl-C; the exit status."""
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for reader in self._readers:
            reader.join(5)


def _read(stream: IO[str], put: Callable[[str], object]) -> None:
    for line in stream:
        put(line.rstrip("\n"))
