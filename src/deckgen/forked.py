"""Running part of a build in a forked child, on a second core this process may use.

The child starts with the parent's memory (the parsed blocks) for free, does its share, and
sends back only its results. Without `fork`, with one usable core, with threads running (forking
them is unsafe), or when the child fails, the caller does the work itself: the outcome never
depends on it. The child dies with its parent (Linux's parent-death signal; elsewhere it sees
its pipe's reader gone at the latest when it writes).

Measured gain (`make bench`, cold build of the seed x20, 2 cores): see docs/performance.md.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any


def start_in_child(work: Callable[[], Any]) -> Callable[[], Any | None] | None:
    """Run `work` in a forked child; returns a function that waits for and gives its result
    (None when the child failed), or None when no child could be started."""
    if not hasattr(os, "fork") or threading.active_count() > 1 or usable_cores() < 2:
        return None
    parent = os.getpid()
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # the child: never returns into the caller's code
        code = 1
        try:
            os.close(read_end)
            _die_with(parent)
            data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as out:
                out.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)

    def result() -> Any | None:
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
        if status != 0 or not data:
            return None
        # Our own child's output, over a private pipe.
        return pickle.loads(data)

    return result


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity), not all the machine has."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


_PR_SET_PDEATHSIG = 1


def _die_with(parent: int) -> None:
    """Have the kernel end this child when its parent ends (Linux); no-op elsewhere."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)  # the process's own symbols, libc's among them
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent ended before the signal was armed
        os._exit(1)
