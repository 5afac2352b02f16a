"""Landing what a build made, in order: the package, then the state file, then the cache.

The package is compressed on a thread of its own (see `deckgen.anki.package.PackageWrite`); the state's
text and the cache's body are made meanwhile. The state file moves only once the package is in
place, and the cache only once both are, so a failure at any point leaves files that agree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from deckgen.anki.package import PackageWrite
from deckgen.cache.store import CacheEntry, save_cache
from deckgen.identity.state import DeckState, dump_state, write_state_text


def land(
    writing: PackageWrite,
    state: DeckState,
    state_file: Path,
    cache: Path,
    key: str,
    entry: Callable[[], CacheEntry],
) -> bool:
    """Wait for `writing`, write `state` to `state_file`, then the cache entry `entry()` makes
    to `cache` under `key`. True when the state file changed."""
    try:
        state_text = dump_state(state)
    except BaseException:
        writing.wait()
        raise
    finish = _Finish(writing, state_text, state_file)
    try:
        save_cache(cache, key, entry(), finish)
    finally:
        finish()  # done already, unless the cache failed before it got there
    return finish.written


class _Finish:
    """Waits for the package, then writes the state file: once, whoever asks first. The cache
    asks before it finishes its own file, and puts the digests this returns into it."""

    def __init__(self, writing: PackageWrite, state_text: str, state_file: Path) -> None:
        self.writing = writing
        self.state_text = state_text
        self.state_file = state_file
        self.called = False
        self.written = False
        self.files: dict[str, str] = {}

    def __call__(self) -> dict[str, str]:
        if not self.called:
            self.called = True  # a second call after a failure must not write the state
            package = self.writing.wait()
            self.written = write_state_text(self.state_text, self.state_file)
            state = hashlib.sha256(self.state_text.encode()).hexdigest()
            self.files = {"package": package, "state": state}
        return self.files
