"""The forked child is never started beside a thread, one `threading` cannot list included."""

from __future__ import annotations

import subprocess
import sys

# In a fresh interpreter: this one may have threads running (the desktop tests'), and a process
# with threads never forks.
CHILDREN = """
from deckgen import forked
forked.usable_cores = lambda: 2  # a second core, so that a child is forked
def started():
    with forked.started_in_child(lambda: "child") as child:
        return child() if child is not None else None
before = started()
with forked.unseen_thread():
    beside = started()
print(before, beside, started())
"""


def test_forked__no_child_while_a_native_thread_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILDREN], capture_output=True, text=True, check=True
    )
    # A child before (the control), none beside the thread, one again once it is gone.
    assert done.stdout.split() == ["child", "None", "child"]
