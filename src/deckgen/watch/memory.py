"""Memory handed back between rebuilds, so that a watch that runs for hours stays the size of
one rebuild.

A rebuild makes and drops many objects, some in reference cycles that only a full collection
frees, and its largest ones (the package's collection, the cache being pickled) come and go in
the C heap, which glibc keeps for reuse rather than returning. Between rebuilds, when nothing
waits, a full collection and glibc's `malloc_trim` give both back (measured on the 360-file
project: docs/performance-watch.md).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Callable
from functools import cache


def tidy() -> None:
    """Collect every generation, then return the C heap's free pages (where glibc can)."""
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        function: Callable[[int], int] = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc: macOS, musl
        return None
    return function
