"""deckgen's watch-into-Anki benchmark: `deckgen watch --sync` through the add-on into a running
Anki desktop (headless, in this process), on the 360-file project, side by side in one run with
a one-shot `deckgen build` after the same edit.

Run by `make bench` after `watch.py`. Each save edits one answer line (a different one each
time) in two copies of the project: one watched, synced into Anki through deckgen's add-on; one
rebuilt by `deckgen build`. The watch side is timed from just before the save until Anki's
collection holds the edited note (Anki's own search, polled while Anki runs); the build side as
in `watch.py`, until its package is replaced. It appends its row to docs/performance-watch.md.
No time is asserted; what is checked is that every save reached Anki through the add-on.
"""

# ruff: noqa: T201  (a benchmark prints its figures, with multiplication signs in them)

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import DECKGEN, REPEATS, WORK, Editor
from projects import files_of, write_project
from watch import REBUILT, REPORT, Watch, one_shot

HERE = WORK / "watch-anki"
TIMED = max(REPEATS, 10)
WAIT = 120.0


def start_anki(base: Path) -> Any:
    """Anki desktop, headless, with deckgen's add-on installed, its profile open."""
    from tests.desktop_support import _prepare_base

    _prepare_base(base)
    subprocess.run([DECKGEN, "addon", "install", "--base", str(base), "-q"], check=True)
    if os.geteuid() == 0:
        os.environ["QTWEBENGINE_DISABLE_SANDBOX"] = "1"
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    import aqt

    aqt.AnkiApp.KEY = f"deckgen-bench-{os.getpid()}"
    app = aqt._run(["anki", "-b", str(base)], exec=False)
    mw = aqt.mw
    token = base / "User 1" / "deckgen-addon.json"
    pump(app, lambda: mw is not None and mw.col is not None and token.exists())
    return app, mw


def pump(app: Any, done: Any, limit: float = WAIT) -> None:
    from aqt.qt import QEventLoop

    deadline = time.monotonic() + limit
    while not done():
        if time.monotonic() > deadline:
            raise SystemExit("gave up waiting for Anki")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 1)


def rebuilt(app: Any, watch: Watch) -> str:
    """The watch's next rebuild line, Anki's events handled meanwhile (the add-on's sync runs
    on Anki's main thread, which is this one)."""
    said: list[str] = []

    def seen() -> bool:
        while not watch.lines.empty():
            found = REBUILT.match(watch.lines.get())
            if found:
                said.append(found[1])
                return True
        return False

    pump(app, seen)
    return said[0]


def main() -> None:
    shutil.rmtree(HERE, ignore_errors=True)
    template = HERE / "template"
    write_project(template)
    watched, built = HERE / "watched", HERE / "built"
    for folder in (watched, built):
        shutil.copytree(template, folder)
    subprocess.run([DECKGEN, "build", "-q"], cwd=built, check=True)
    base = HERE / "Anki2"
    app, mw = start_anki(base)
    os.environ["ANKI_BASE"] = str(base)
    middle = len(files_of(template)) // 2
    watch_edit, build_edit = Editor(files_of(watched)[middle]), Editor(files_of(built)[middle])
    watch = Watch(watched, ["--sync", "--profile", "User 1", "--via", "addon"])
    try:
        first = rebuilt(app, watch)  # the first sync: every note added
        if "through Anki's add-on" not in first:
            raise SystemExit(f"the watch did not sync through the add-on: {first}")
        to_anki: list[float] = []
        to_package: list[float] = []
        for _ in range(TIMED):
            started = time.perf_counter()
            watch_edit()
            marker = f'"Edit {watch_edit.count}."'
            pump(app, lambda marker=marker: bool(mw.col.find_notes(marker)))
            to_anki.append(time.perf_counter() - started)
            said = rebuilt(app, watch)
            if "through Anki's add-on" not in said:
                raise SystemExit(f"a save did not reach Anki through the add-on: {said}")
            to_package.append(one_shot(built, build_edit)[0])
    finally:
        watch.stop()
    ours, theirs = statistics.median(to_anki), statistics.median(to_package)
    row = (
        f"| save → note updated in a running Anki (`watch --sync`, the add-on) | {ours:.3f} "
        f"| one-shot `deckgen build` after the same edit, to its package | {theirs:.3f} "
        f"| {ours / theirs:.2f} |"
    )
    print(row)
    text = REPORT.read_text(encoding="utf-8") if REPORT.exists() else ""
    marker = "\n## Into a running Anki\n"
    text = (
        text.split(marker)[0].rstrip("\n")
        + "\n"
        + marker
        + (
            f"\nMedians of {TIMED} saves, alternating with the one-shot build; Anki desktop runs "
            "headless in the benchmark's own process with deckgen's add-on installed, and each "
            "save is timed until Anki's own search finds the edited note. Target ≤ 0.6.\n\n"
            "| scenario | deckgen median s | reference | reference median s | ratio |\n"
            "|---|---|---|---|---|\n" + row + "\n"
        )
    )
    REPORT.write_text(text, encoding="utf-8")
    os._exit(0)  # Qt's and Anki's threads would hold the interpreter's exit


if __name__ == "__main__":
    main()
