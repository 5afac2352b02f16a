"""deckgen's project benchmark: the seed ×20 split at its parts into 360 files in nested folders.

Run by `make bench` after `bench.py`, with the same method (every scenario alternating with its
reference, medians, memory sampled in runs of their own) and the same environment variables.
It prints a table and writes it to docs/performance-projects.md. As there, no time is asserted,
but like with like is: cold runs start from a copy of the sources and `deckgen.toml` alone,
rebuilds from the state and cache of a build in the same place, and ankdown builds as many cards.
"""

# ruff: noqa: T201, RUF001, RUF002  (a benchmark prints its figures, with multiplication signs in them)

from __future__ import annotations

import datetime
import os
import re
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# The shared method lives beside this script.
from bench import (
    DECKGEN,
    HEADER,
    PY,
    REPEATS,
    ROOT,
    SEED,
    WORK,
    Editor,
    FreshCopy,
    Job,
    Row,
    alternate,
    ankdown,
    ankdown_cards,
    ankdown_count,
    built_here,
    machine,
    one_core,
    repeated,
    timed,
)

PROJECT = WORK / "project"
OUTPUT = Path("build", "project.apkg")
"""The package of a project whose deck is "Project", in the project (deckgen's default)."""
REPORT = ROOT / "docs" / "performance-projects.md"
GROUP = 3
"""Copies of the seed per top folder: 3 × 18 files, the folder of about 50 that gets renamed."""

# The cold build and the bare parse inside a fresh interpreter, timed without start-up and
# imports; prints the time and the process's own peak RSS.
IN_PROCESS = """
import resource, sys, time
from pathlib import Path
mode, root = sys.argv[1], Path(sys.argv[2])
files = sorted(root.rglob("*.md"))
if mode == "parse":
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.front_matter import front_matter_plugin
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    md.use(front_matter_plugin).use(dollarmath_plugin, allow_digits=False, double_inline=True)
    t = time.perf_counter()
    for path in files:
        md.parse(path.read_text(encoding="utf-8"))
    took = time.perf_counter() - t
else:
    from deckgen.api import build_project
    from deckgen.config.members import project_of
    from deckgen.config.project import load_config
    import genanki, pygments.formatters, deckgen.package.writer, deckgen.cache.files
    t = time.perf_counter()
    build_project(project_of(load_config(root / "deckgen.toml")))
    took = time.perf_counter() - t
try:
    status = Path("/proc/self/status").read_text()
    peak = int(status.split("VmHWM:")[1].split()[0]) / 1024
except (OSError, IndexError, ValueError):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(took, peak)
"""


def write_project(root: Path) -> int:
    """The seed ×20 as one file per part: `notes/group-G/set-NN/{ml,games}/PP-title.md`."""
    shutil.rmtree(root, ignore_errors=True)
    text = repeated(SEED.read_text(encoding="utf-8"), 20)
    parts = re.split(r"(?m)^(?=## Part )", text)[1:]
    for number, part in enumerate(parts):
        copy, index = divmod(number, 18)
        title = part.splitlines()[0].partition(":")[2].strip()
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40]
        topic = "ml" if index < 10 else "games"
        folder = root / "notes" / f"group-{copy // GROUP}" / f"set-{copy:02d}" / topic
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{index + 1:02d}-{slug}.md").write_text(part, encoding="utf-8")
    (root / "deckgen.toml").write_text(
        'deck = "Project"\ninclude = ["notes/**/*.md"]\n', encoding="utf-8"
    )
    return len(parts)


class Renamer:
    """Renames one folder of about 50 files, back and forth."""

    def __init__(self, root: Path) -> None:
        self.names = [root / "notes" / "group-1", root / "notes" / "group-1-renamed"]
        self.count = 0

    def __call__(self) -> None:
        source, target = self.names[self.count % 2], self.names[(self.count + 1) % 2]
        self.count += 1
        source.rename(target)


def cold(folder: Path, argv: list[str], *, times_itself: bool = False) -> Job:
    """`argv` in `folder`, a fresh copy of the project's sources and `deckgen.toml` alone."""
    prepare = FreshCopy(folder, PROJECT / "notes", PROJECT / "deckgen.toml")
    return Job(argv, folder, prepare, times_itself, package=folder / OUTPUT)


def ankdown_project(target: Path) -> Path:
    """The project's cards in ankdown's format, one file for each of its files, in the same
    folders (see `ankdown_cards`)."""
    shutil.rmtree(target, ignore_errors=True)
    for path in files_of(PROJECT):
        ankdown_cards(path, target / path.parent.relative_to(PROJECT / "notes"))
    return target


def main() -> None:
    files = write_project(PROJECT)
    build = [DECKGEN, "build", "-q"]
    in_process = [PY, "-c", IN_PROCESS, "build"]
    fresh = WORK / "project-cold"
    cold_cli = cold(fresh, build)
    cold_two = cold(fresh, [*in_process, str(fresh)], times_itself=True)
    fresh_one = WORK / "project-cold-one-core"
    cold_one = cold(
        fresh_one, [*(one_core() or []), *in_process, str(fresh_one)], times_itself=True
    )
    parse = Job([PY, "-c", IN_PROCESS, "parse", str(PROJECT / "notes")], times_itself=True)
    converted = ankdown_project(WORK / "project-ankdown")
    cards = ankdown_count(path.read_text(encoding="utf-8") for path in converted.rglob("*.md"))
    as_is = ankdown_count(path.read_text(encoding="utf-8") for path in files_of(PROJECT))
    timed(Job(build, PROJECT))  # the state and cache of a first build
    cache = PROJECT / OUTPUT.parent / ".cache" / f"{OUTPUT.stem}.files.cache"
    built_here(PROJECT / "deckgen-state.jsonl", cache)
    edited = files_of(PROJECT)[files // 2]
    rebuild = Job(build, PROJECT, prepare=Editor(edited), package=PROJECT / OUTPUT)
    renamed = Job(build, PROJECT, prepare=Renamer(PROJECT), package=PROJECT / OUTPUT)
    peer = ankdown()
    peer_name = f"ankdown -r, same {cards:,} cards" if peer else "ankdown (did not install)"
    package = WORK / "ankdown-project.apkg"
    ankdown_cold = (
        Job([*peer, "-r", str(converted), "-p", str(package)], package=package) if peer else None
    )
    print(f"{files} files, seed ×20")
    print(" | ".join(HEADER))
    rows: list[Row] = [
        alternate(Row("project cold build (in process)", "bare markdown-it parse, serially"), cold_two, parse),
        alternate(Row("project cold build (in process, one core)", "the same on 2 cores"), cold_one, cold_two),
        alternate(Row("project cold build (CLI)", peer_name), cold_cli, ankdown_cold),
        alternate(Row("project rebuild after editing one answer", "project cold build (CLI)"), rebuild, cold_cli),
        alternate(Row("project rebuild after editing one answer", peer_name), rebuild, ankdown_cold),
        alternate(Row("project rebuild after renaming a folder of 54 files", "project cold build (CLI)"), renamed, cold_cli),
    ]  # fmt: skip
    write_report(rows, files, as_is)


def files_of(root: Path) -> list[Path]:
    return sorted((root / "notes").rglob("*.md"))


def write_report(rows: list[Row], files: int, as_is: int) -> None:
    table = [
        "| " + " | ".join(HEADER) + " |",
        "|" + "---|" * len(HEADER),
        *("| " + " | ".join(row.cells()) + " |" for row in rows),
    ]
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    # How busy the machine was: ratios of runs that share two cores with other work shrink
    # the forked child's gain, and this says so beside the figures.
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print("\n".join(table))
    REPORT.write_text(
        "# Performance of projects\n\n"
        f"Measured {when} on {machine()} (load average {load}) by `make bench` "
        f"(`benchmarks/projects.py`): {REPEATS} "
        "runs of each scenario, alternating with its reference, medians in seconds; the method "
        "and the columns are those of [performance.md](performance.md).\n\n"
        f"The project is the seed ×20 split at its parts: {files} files of one part each, in "
        "nested folders (`notes/group-G/set-NN/{ml,games}/PP-title.md`), one `deckgen.toml` "
        'with `include = ["notes/**/*.md"]`.\n\n' + "\n".join(table) + "\n\n"
        "Since the run of 2026-12-01 the cold rows are cold: each run starts from a copy of "
        "`notes/` and `deckgen.toml` alone, checked to hold no state file and no `build/` "
        "(they used to copy the built project, state and `build/` included, so that every card "
        "matched the copied state and only the cache missed); and ankdown builds the same cards "
        f"as deckgen (it used to read the files as they are: {as_is:,} cards). The benchmark "
        "stops if either is not so, or if a rebuild row's folder lacks the state and cache of "
        "a first build there.\n\n"
        "- **project cold build (in process)**: `build_project` with no state and no cache, "
        "after its imports, against one bare markdown-it parse of every file in turn (same "
        "plugins). Target ≤ 1.0 on 2 cores: the files are rendered on both cores. The one-core "
        "row builds in a copy of its own.\n"
        "- **project cold build (CLI)**: `deckgen build` in a fresh copy, start-up included, "
        "against ankdown's recursive build of the same cards, each file rewritten in ankdown's "
        "format as [performance.md](performance.md) does for the ×20 file (the card counts of "
        "both packages are compared after each row). Target ≤ 2.5.\n"
        "- **project rebuild after editing one answer**: one line of one file changed (a "
        "different line each run), in the project a first build left its state and cache in. "
        "Targets ≤ 0.1 against the cold build and ≤ 0.5 against ankdown's.\n"
        "- **project rebuild after renaming a folder of 54 files**: nothing to render again; "
        "every moved card's tags and Source field change. Target ≤ 0.3.\n\n"
        "## What each piece of speed machinery buys\n\n"
        "- **Files rendered on a second core** (`pipeline.render_files`, from 256 KB of "
        "Markdown to render): the one-core row against its two-core reference; the ratio above "
        "1 is what the second process buys.\n"
        "- **The per-file cache** (`cache/files.py`): the rebuild rows against the cold build; "
        "a renamed folder renders nothing again.\n",
        encoding="utf-8",
    )
    print(f"\n→ {REPORT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
