"""deckgen's watch benchmark: `deckgen watch` on the 360-file project (the seed ×20 split at its
parts, as `projects.py` makes it), side by side in one run with a one-shot `deckgen build`.

Run by `make bench` last. Each save edits one answer line of one file, a different line each
time, in two copies of the project a first build left its state and cache in: one watched by a
`deckgen watch` process, one rebuilt by `deckgen build` after the same edit. Both are timed the
same way, from just before the save to the moment the package is replaced (its inode changes:
the atomic rename), polled every millisecond; the one-shot build's whole run, start-up and exit
included, is given too. Then the watch is saved into until `BENCH_WATCH_SAVES` (100) saves,
and its resident memory after them is compared with that after the first save.

It prints a table and writes docs/performance-watch.md. No time is asserted; what is checked is
that every save was one rebuild that wrote the package, and that the watch ends on Ctrl-C with
status 130.
"""

# ruff: noqa: T201, RUF001, RUF002  (a benchmark prints its figures, with multiplication signs in them)

from __future__ import annotations

import datetime
import os
import queue
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# The shared method lives beside this script.
from bench import DECKGEN, DECKGEN_FILES, REPEATS, ROOT, WORK, Editor, deckgen_files, machine
from projects import files_of, write_project

from deckgen.watch.events import STEP_MS

REPORT = ROOT / "docs" / "performance-watch.md"
HERE = WORK / "watch"
PACKAGE = Path("build", "project.apkg")
SAVES = int(os.environ.get("BENCH_WATCH_SAVES", "100"))
TIMED = max(REPEATS, 10)
"""Saves timed on each side (the watch's are cheap: at least ten)."""
WAIT = 120.0
REBUILT = re.compile(r"^\d\d:\d\d:\d\d (.*)$")


class Watch:
    """A `deckgen watch` process in `folder`, its standard output read line by line."""

    def __init__(self, folder: Path, options: Sequence[str] = ()) -> None:
        self.process = subprocess.Popen(
            [DECKGEN, "watch", *options],
            cwd=folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "NO_COLOR": "1"},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def rebuilt(self, *, wrote: bool = True) -> str:
        """The next rebuild's summary; stops the benchmark unless it wrote the package (or,
        not `wrote`, found it up to date)."""
        deadline = time.monotonic() + WAIT
        while (left := deadline - time.monotonic()) > 0:
            found = REBUILT.match(self.lines.get(timeout=left))
            if found:
                if ("→" if wrote else "up to date") not in found[1]:
                    raise SystemExit(f"the watch did not write the package: {found[1]}")
                return found[1]
        raise SystemExit("the watch printed no rebuild line")

    def rss_mb(self) -> tuple[float, float]:
        """Resident memory between rebuilds and at its peak so far, in MB: read once the watch
        has had the moment it takes after a rebuild to hand memory back."""
        time.sleep(0.5)
        status = Path(f"/proc/{self.process.pid}/status").read_text(encoding="utf-8")
        now = int(status.split("VmRSS:")[1].split()[0]) / 1024
        peak = int(status.split("VmHWM:")[1].split()[0]) / 1024
        return now, peak

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(WAIT)


def replaced(package: Path, before: int, started: float) -> float:
    """Seconds from `started` until `package` is another file than inode `before`."""
    deadline = started + WAIT
    while time.perf_counter() < deadline:
        try:
            if package.stat().st_ino != before:
                return time.perf_counter() - started
        except FileNotFoundError:
            pass
        time.sleep(0.001)
    raise SystemExit(f"{package} was not written within {WAIT} s")


def one_shot(folder: Path, edit: Editor) -> tuple[float, float]:
    """Edit, then `deckgen build`: seconds to the package replaced, and to the build's end."""
    package = folder / PACKAGE
    before = package.stat().st_ino
    started = time.perf_counter()
    edit()
    build = subprocess.Popen([DECKGEN, "build", "-q"], cwd=folder)
    written = replaced(package, before, started)
    if build.wait() != 0:
        raise SystemExit("deckgen build failed")
    return written, time.perf_counter() - started


def saved(folder: Path, watch: Watch, edit: Editor) -> tuple[float, float]:
    """Edit the watched copy: seconds to the package replaced, and the rebuild's own time as
    the watch reports it."""
    package = folder / PACKAGE
    before = package.stat().st_ino
    started = time.perf_counter()
    edit()
    written = replaced(package, before, started)
    took = re.search(r"\((\d+\.\d+) s", watch.rebuilt())
    return written, float(took[1]) if took else 0.0


def main() -> None:
    template = HERE / "template"
    files = write_project(template)
    watched, built = HERE / "watched", HERE / "built"
    for folder in (watched, built):
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(template, folder)
        subprocess.run([DECKGEN, "build", "-q"], cwd=folder, check=True)
    middle = len(files_of(template)) // 2
    watch_edit = Editor(files_of(watched)[middle])
    build_edit = Editor(files_of(built)[middle])
    watch = Watch(watched)
    try:
        watch.rebuilt(wrote=False)  # the first build: up to date, from the cache on disk
        rows: dict[str, list[float]] = {"watch": [], "own": [], "build": [], "whole": []}
        memory_first = (0.0, 0.0)
        for save in range(TIMED):
            to_package, own = saved(watched, watch, watch_edit)
            rows["watch"].append(to_package)
            rows["own"].append(own)
            if save == 0:
                memory_first = watch.rss_mb()
            to_package, whole = one_shot(built, build_edit)
            rows["build"].append(to_package)
            rows["whole"].append(whole)
        for _ in range(SAVES - TIMED):
            saved(watched, watch, watch_edit)
        memory_last = watch.rss_mb()
    finally:
        status = watch.stop()
    if status != 130:
        raise SystemExit(f"the watch ended with status {status}, not 130 (Ctrl-C)")
    if deckgen_files() != DECKGEN_FILES:
        # The one-shot builds would have missed their cache (its key covers deckgen's files).
        raise SystemExit(
            "deckgen's own files changed during the run: the builds missed their cache"
        )
    write_report(files, rows, memory_first, memory_last)


def write_report(
    files: int,
    rows: dict[str, list[float]],
    first: tuple[float, float],
    last: tuple[float, float],
) -> None:
    median = {name: statistics.median(values) for name, values in rows.items()}
    ratio = median["watch"] / median["build"]
    own = median["own"] / median["whole"]
    timing = (
        f"| save of one answer → package written | {median['watch']:.3f} | `deckgen build` "
        f"after the same edit, to the package written | {median['build']:.3f} | {ratio:.2f} |"
    )
    alone = (
        f"| the same, the watch's rebuild alone (its summary) | {median['own']:.3f} | "
        f"`deckgen build`, start to exit | {median['whole']:.3f} | {own:.2f} |"
    )
    table = [
        "| scenario | deckgen watch median s | reference | reference median s | ratio |",
        "|---|---|---|---|---|",
        timing,
        alone,
        "",
        f"| memory of the watch | after the first save | after {SAVES} saves | ratio |",
        "|---|---|---|---|",
        f"| resident (RSS) MB | {first[0]:.0f} | {last[0]:.0f} | {last[0] / first[0]:.2f} |",
        f"| peak resident (VmHWM) MB | {first[1]:.0f} | {last[1]:.0f} | {last[1] / first[1]:.2f} |",
    ]
    print("\n".join(table))
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    REPORT.write_text(
        "# Performance of `deckgen watch`\n\n"
        f"Measured {when} on {machine()} (load average {load}) by `make bench` "
        f"(`benchmarks/watch.py`): {TIMED} saves on each side, alternating, medians in "
        f"seconds.\n\n"
        f"The project is the seed ×20 split at its parts: {files} files in nested folders, as "
        "in [performance-projects.md](performance-projects.md). Each save appends to one "
        "answer line of the same file (a different line each time), in two copies of the "
        "project a first build left its state and cache in: one watched by `deckgen watch`, one "
        "rebuilt by `deckgen build` after the same edit. Both are timed from just before the "
        "save to the package replaced (its inode changes), polled every millisecond; the "
        f"watch's time includes its wait for the editor's events to settle ({STEP_MS} ms of "
        "quiet). "
        "Targets: ≤ 0.4 for the save-to-package ratio, and the watch's memory after "
        f"{SAVES} saves ≤ 1.2× that after the first.\n\n" + "\n".join(table) + "\n",
        encoding="utf-8",
    )
    print(f"\n→ {REPORT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
