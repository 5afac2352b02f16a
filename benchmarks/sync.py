"""deckgen's sync benchmark: `deckgen sync` of the seed ×20 (3,240 notes) against what a user
does without it, a build and Anki's import of the package, side by side in one run.

Run by `make bench` after `projects.py`, with the same method (`bench.py`: scenarios alternating
with their reference, medians, memory sampled in runs of their own). It prints a table and
writes docs/performance-sync.md. No time is asserted; what is checked is that each row compares
like with like and does what it says: after the one-edit sync exactly one note's modification
time changed, and a sync with nothing new left the collection file byte for byte as it was.
"""

# ruff: noqa: T201, RUF001, RUF002  (a benchmark prints its figures, with multiplication signs in them)

from __future__ import annotations

import datetime
import hashlib
import os
import shutil
import sqlite3
import sys
from contextlib import closing
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
    Job,
    Row,
    alternate,
    machine,
    repeated,
    timed,
)

REPORT = ROOT / "docs" / "performance-sync.md"
HERE = WORK / "sync"
COLLECTION = "profile/collection.anki2"

# Anki's importer with the import screen's defaults, as a user's "File → Import" runs it.
IMPORT = """
import sys
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
col = Collection(sys.argv[1])
try:
    options = ImportAnkiPackageOptions(with_scheduling=False)
    col.import_anki_package(ImportAnkiPackageRequest(package_path=sys.argv[2], options=options))
finally:
    col.close()
"""

# What the user runs without sync: a build, then Anki's import of its package.
BUILD_AND_IMPORT = f"""
import subprocess, sys
deckgen, doc, collection = sys.argv[1:4]
subprocess.run([deckgen, "build", doc, "-o", "out.apkg", "-q"], check=True)
subprocess.run([sys.executable, "-c", {IMPORT!r}, collection, "out.apkg"], check=True)
"""

EMPTY = """
import sys
from anki.collection import Collection
Collection(sys.argv[1]).close()
"""


class Restore:
    """A run's preparation: `folder` made anew as a copy of `template`, then `then()`."""

    def __init__(self, template: Path, folder: Path, then: Editor | None = None) -> None:
        self.template, self.folder, self.then = template, folder, then

    def __call__(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        shutil.copytree(self.template, self.folder)
        if self.then is not None:
            self.then.doc = self.folder / self.then.doc.name
            self.then()


def run(argv: list[str], cwd: Path) -> None:
    timed(Job(argv, cwd))


def mtimes(collection: Path) -> dict[str, int]:
    with closing(sqlite3.connect(f"{collection.as_uri()}?mode=ro", uri=True)) as db:
        return dict(db.execute("SELECT guid, mod FROM notes"))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    shutil.rmtree(HERE, ignore_errors=True)
    doc_name = "ml-x20.md"
    text = repeated(SEED.read_text(encoding="utf-8"), 20)
    sync_argv = [DECKGEN, "sync", doc_name, "--collection", COLLECTION, "--via", "file", "-q"]
    build_argv = [DECKGEN, "build", doc_name, "-o", "out.apkg", "-q"]

    # Templates, each a folder a run starts from (copied anew, untimed).
    empty = HERE / "empty"  # the document and an empty collection: nothing built yet
    (empty / "profile").mkdir(parents=True)
    (empty / doc_name).write_text(text, encoding="utf-8")
    run([PY, "-c", EMPTY, str(empty / COLLECTION)], empty)
    synced = HERE / "synced"  # after a first sync: its state, cache and collection
    shutil.copytree(empty, synced)
    run(sync_argv, synced)
    imported = HERE / "imported"  # after a first build and Anki's import of its package
    shutil.copytree(empty, imported)
    run([PY, "-c", BUILD_AND_IMPORT, DECKGEN, doc_name, COLLECTION], imported)
    for template in (synced, imported):
        if not (template / "ml-x20.deckgen.json").is_file():
            raise SystemExit(f"{template}: the first run left no state file")

    rows: list[Row] = []
    print(" | ".join(HEADER))
    ours, theirs = HERE / "run-sync", HERE / "run-build"
    rows.append(
        alternate(
            Row("first sync ×20 into an empty collection", "cold build + Anki's import"),
            Job(sync_argv, ours, prepare=Restore(empty, ours)),
            Job(
                [PY, "-c", BUILD_AND_IMPORT, DECKGEN, doc_name, COLLECTION],
                theirs,
                prepare=Restore(empty, theirs),
            ),
        )
    )
    check_first(ours / COLLECTION, theirs / COLLECTION)
    edit = Restore(synced, ours, Editor(synced / doc_name))
    rows.append(
        alternate(
            Row("sync ×20 after editing one answer", "rebuild + Anki's import"),
            Job(sync_argv, ours, prepare=edit),
            Job(
                [PY, "-c", BUILD_AND_IMPORT, DECKGEN, doc_name, COLLECTION],
                theirs,
                prepare=Restore(imported, theirs, Editor(imported / doc_name)),
            ),
        )
    )
    before, after = mtimes(synced / COLLECTION), mtimes(ours / COLLECTION)
    changed = [guid for guid in after if after[guid] != before.get(guid)]
    if len(changed) != 1:
        raise SystemExit(f"the one-edit sync changed {len(changed)} notes' mtimes, not 1")
    # Nothing new: the collection as the first sync left it, the build as its first run left it.
    still = HERE / "still"
    shutil.copytree(synced, still)
    run(sync_argv, still)  # the first sync's stamp was of the notetype's import
    run(build_argv, still)
    run(sync_argv, still)
    kept = digest(still / COLLECTION)
    rows.append(
        alternate(
            Row("sync ×20, nothing changed", "build ×20, nothing changed"),
            Job(sync_argv, still),
            Job(build_argv, still),
        )
    )
    if digest(still / COLLECTION) != kept:
        raise SystemExit("a sync with nothing new changed the collection file")
    write_report(rows)


def check_first(ours: Path, theirs: Path) -> None:
    """Both sides left the same notes (GUIDs) in their collections."""
    if set(mtimes(ours)) != set(mtimes(theirs)) or len(mtimes(ours)) != 3240:
        raise SystemExit("the first sync and the import left different notes")


def write_report(rows: list[Row]) -> None:
    table = [
        "| " + " | ".join(HEADER) + " |",
        "|" + "---|" * len(HEADER),
        *("| " + " | ".join(row.cells()) + " |" for row in rows),
    ]
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print("\n".join(table))
    REPORT.write_text(
        "# Performance of `deckgen sync`\n\n"
        f"Measured {when} on {machine()} (load average {load}) by `make bench` "
        f"(`benchmarks/sync.py`): {REPEATS} runs of each scenario, alternating with its "
        "reference, medians in seconds; the method and the columns are those of "
        "[performance.md](performance.md). The document is the seed ×20 (3,240 notes); the "
        "sync writes the collection file (`--via file`).\n\n" + "\n".join(table) + "\n\n"
        "- **first sync ×20 into an empty collection**: `deckgen sync` with no state, no cache "
        "and an empty collection, against what a user does without it: a cold `deckgen build` "
        "and Anki's import of the package (the import screen's defaults). Both leave the same "
        "3,240 notes, which the run checks. Target ≤ 1.5.\n"
        "- **sync ×20 after editing one answer**: one line changed (a different one each run) "
        "after a first sync, against the rebuild after the same kind of edit and Anki's import "
        "of the rebuilt package into the collection the first package went into. Target ≤ 1.0; "
        "the run checks that exactly one note's modification time changed.\n"
        "- **sync ×20, nothing changed**: against a build with nothing changed (which writes "
        "nothing). The sync knows from the build cache and a stamp of the collection that "
        "nothing is new and does not open the collection; the run checks its file is byte for "
        "byte as it was. Target ≤ 1.2.\n"
        "- **peak memory** of every sync: the PSS column (all processes). Target ≤ 250 MB.\n",
        encoding="utf-8",
    )
    print(f"\n→ {REPORT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
