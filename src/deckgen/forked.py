"""Running part of a build in a forked child, on a second core this process may use.

The child starts with the parent's memory (the parsed blocks) for free, does its share, and
sends back only its results. Without `fork`, with one usable core, with threads running (forking
them is unsafe; `unseen_thread` tells of one `threading` cannot list), or when the child fails,
the caller does the work itself: the outcome never depends on it. The child dies with its
parent (Linux's parent-death signal; elsewhere it sees its pipe's reader gone at the latest
when it writes).

Measured gain (`make bench`, cold build of the seed x20, 2 cores): see docs/performance.md.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def started_in_child(work: Callable[[], Any]) -> Iterator[Callable[[], Any | None] | None]:
    """Run `work` in a forked child while the block runs; gives a function that waits for and
    gives its result (None when the child failed), or None when no child could be started.
    Leaving the block ends a child whose result was not asked for."""
    threads = threading.active_count() > 1 or _unseen.count
    if not hasattr(os, "fork") or threads or usable_cores() < 2:
        yield None
        return
    with _frozen():
        child = _fork(work)
        if child is None:
            yield None
            return
        with _reaped(child) as result:
            yield result


class _Unseen:
    count = 0
    """Threads running that `threading` does not list."""


_unseen = _Unseen()


@contextmanager
def unseen_thread() -> Iterator[None]:
    """While the block runs, a thread that `threading` cannot list runs too (one that native
    code started, such as a file watcher's): no child is forked meanwhile, as with any thread."""
    _unseen.count += 1
    try:
        yield
    finally:
        _unseen.count -= 1


@contextmanager
def _frozen() -> Iterator[None]:
    """The collector leaves every object that exists now alone until the block ends.

    A full collection writes to the header of every object it visits. In either process, while
    parent and child share the memory they had at the fork, that would make each a private copy
    of every page holding one of the parent's objects (Python's documentation of `gc.freeze`
    recommends this for a fork). Objects made later are collected as usual; what the block left
    frozen is handed back to the collector at its end. Measured gain (peak memory of the build,
    all processes): docs/performance.md.
    """
    if gc.get_freeze_count():  # someone else froze objects: leave their choice alone
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextmanager
def _reaped(child: tuple[int, int]) -> Iterator[Callable[[], Any | None]]:
    """Gives the function that waits for `child`'s result; ends the child if not asked."""
    pid, read_end = child
    waited = False

    def result() -> Any | None:
        nonlocal waited
        # Unpickled as it arrives, never held whole in its pickled form. Our own child's output,
        # over a private pipe; a child that failed wrote nothing, or was cut off.
        with os.fdopen(read_end, "rb") as pipe:
            try:
                value = pickle.load(pipe)
            except (pickle.UnpicklingError, EOFError):
                value = None
        _, status = os.waitpid(pid, 0)
        waited = True
        return value if status == 0 else None

    try:
        yield result
    finally:
        if not waited:
            os.close(read_end)
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


def _fork(work: Callable[[], Any]) -> tuple[int, int] | None:
    """A child running `work`, which writes its pickled result to a pipe and exits: its pid and
    the pipe's read end; None when no child could be started."""
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
            value = work()
            with os.fdopen(write_end, "wb") as out:
                pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    return pid, read_end


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
    import ctypes  # only a child needs it, and only on Linux

    libc = ctypes.CDLL(None, use_errno=True)  # the process's own symbols, libc's among them
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent ended before the signal was armed
        os._exit(1)
