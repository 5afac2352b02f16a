"""Whether another program has a collection open, beyond what its lock says.

Anki's library locks the collection while it is open, and deckgen's opening is refused then;
but Anki lets go of that lock for the rest of the session once it has made a backup (every
half hour by default, and at each sync through the add-on), while it still writes the file. A
program with the collection open keeps its write-ahead log (`collection.anki2-wal`) beside it;
a closed collection has none, unless the program holding it was killed. So: no log, nobody has
it open; a log, and the system says which processes hold the file: whether any other does;
a log, and the system cannot tell: taken as open.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

PROC = Path("/proc")


def open_elsewhere(path: Path) -> bool:
    """Whether a process other than this one has the collection at `path` open."""
    if not path.with_name(path.name + "-wal").exists():
        return False
    holders = _proc_holders(path)
    if holders is None:
        holders = _lsof_holders(path)
    return True if holders is None else bool(holders - {os.getpid()})


def _proc_holders(path: Path) -> set[int] | None:
    """Linux: the processes with the file open, read off `/proc` (None: no `/proc` here)."""
    if not (PROC / "self" / "fd").is_dir():
        return None
    target = str(path.resolve())
    found = set()
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            links = list((entry / "fd").iterdir())
        except OSError:
            continue  # gone, or another user's (Anki runs as the user who runs deckgen)
        for link in links:
            try:
                if str(link.readlink()) == target:
                    found.add(int(entry.name))
                    break
            except OSError:
                continue
    return found


def _lsof_holders(path: Path) -> set[int] | None:
    """macOS and the BSDs: `lsof -t` (None: no lsof to ask)."""
    lsof = shutil.which("lsof")
    if lsof is None:
        return None
    try:
        done = subprocess.run(
            [lsof, "-t", "--", str(path)], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return {int(pid) for pid in done.stdout.split() if pid.isdigit()}
