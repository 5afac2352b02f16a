"""Running part of a build in a forked child, on the machine's second core.

The child starts with the parent's memory (the parsed blocks) for free, does its share, and
sends back only its results. Without `fork`, with threads running (forking them is unsafe), or
when the child fails, the caller does the work itself: the outcome never depends on it.
"""

from __future__ import annotations

import os
import pickle
import threading
from collections.abc import Callable
from typing import Any


def start_in_child(work: Callable[[], Any]) -> Callable[[], Any | None] | None:
    """Run `work` in a forked child; returns a function that waits for and gives its result
    (None when the child failed), or None when no child could be started."""
    if not hasattr(os, "fork") or threading.active_count() > 1 or (os.cpu_count() or 1) < 2:
        return None
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
