"""deckgen's benchmark: every scenario run several times, alternating with its reference.

`make bench` writes the seed repeated 20 and 100 times into build/bench/ (generated, never
committed), prints a table (scenario, deckgen median, reference median, ratio, peak memory) and
writes it to docs/performance.md with the machine it ran on. No time is asserted: machines are
shared and noisy, so only ratios measured side by side, in one run, mean anything. What is
asserted is that each row compares like with like: a cold run starts from a folder holding only
its sources (no state, no package, no cache), a rebuild from the state and cache a build wrote
in the same place, and a reference that builds a package holds as many cards as deckgen's (or,
where it cannot read deckgen's format, as many as it should, and the row says so).

Environment:
- BENCH_REPEATS: runs per scenario (default 5; the ×100 builds run at most 3 times).
- BENCH_SKIP_X100=1: leave out the ×100 build (the slowest row, about a minute).
- BENCH_ANKDOWN: an ankdown executable to use instead of installing one into
  build/bench/ankdown-venv (so that several checkouts can share one).
"""

# ruff: noqa: T201, RUF001, RUF002  (a benchmark prints its figures, with multiplication signs in them)

from __future__ import annotations

import datetime
import importlib.util
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "source" / "ml-interview-qa.md"
WORK = ROOT / "build" / "bench"
REPORT = ROOT / "docs" / "performance.md"
BIN = Path(sys.executable).parent
PY = str(BIN / "python")
DECKGEN = str(BIN / "deckgen")
REPEATS = int(os.environ.get("BENCH_REPEATS", "5"))
SKIP_X100 = os.environ.get("BENCH_SKIP_X100", "") not in ("", "0")
PSS_RUNS = 2
"""Extra, untimed runs of each deckgen scenario with its memory sampled (the sampling would
otherwise take CPU time from the runs being timed)."""


def deckgen_files() -> list[tuple[str, int, int]]:
    """deckgen's own files by size and time, as its cache's key takes them: should one change
    during the run, every later rebuild would miss its cache and time a full build."""
    spec = importlib.util.find_spec("deckgen")  # found, not imported
    folders = (spec.submodule_search_locations or []) if spec else []
    return sorted(
        (str(path), path.stat().st_size, path.stat().st_mtime_ns)
        for folder in folders
        for path in Path(folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )


DECKGEN_FILES = deckgen_files()


def repeated(text: str, times: int) -> str:
    """The seed `times` over, with every part and question made unique."""
    head, _, body = text.partition("\n## ")
    body = "## " + body
    parts = len(re.findall(r"^## ", body, flags=re.MULTILINE))
    copies = []
    for n in range(times):
        copy = re.sub(
            r"^## Part (\d+):",
            lambda m, n=n: f"## Part {n * parts + int(m[1])}:",
            body,
            flags=re.MULTILINE,
        )
        copy = re.sub(r"^(### .*?)(\??)$", rf"\1 (copy {n + 1})\2", copy, flags=re.MULTILINE)
        copies.append(copy)
    return head + "\n" + "\n".join(copies)


# Runs a command, then prints: its wall time (the launcher's own start-up is not timed); the
# largest peak RSS of any one of its processes (RUSAGE_CHILDREN: the build's and its forked
# child's, both waited for); and, in "pss" mode, the peak over time of the summed PSS of the
# command's whole process tree, sampled every 2 ms, with the descendants' part of that peak.
# PSS splits each shared page among the processes mapping it, so the pages a forked child
# still shares with its parent count once in the sum, where RSS would count them twice.
LAUNCH = """
import os, resource, subprocess, sys, tempfile, time

def tree(root):
    parent = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    parent[int(entry.name)] = int(stat.read().rpartition(b")")[2].split()[1])
            except (OSError, IndexError, ValueError):
                pass  # gone since the scan
    members, new = set(), {root}
    while new:
        members |= new
        new = {pid for pid, ppid in parent.items() if ppid in new} - members
    return members

def pss_mb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            return int(rollup.read().split(b"Pss:")[1].split()[0]) / 1024
    except (OSError, IndexError, ValueError):
        return 0.0  # exited, or a zombie that holds no memory any more

mode, argv = sys.argv[1], sys.argv[2:]
peak = descendants = 0.0
with tempfile.TemporaryFile() as errors:
    t = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=errors)
    while mode == "pss" and child.poll() is None:
        sizes = {pid: pss_mb(pid) for pid in tree(child.pid)}
        if sum(sizes.values()) > peak:
            peak = sum(sizes.values())
            descendants = peak - sizes.get(child.pid, 0.0)
        time.sleep(0.002)
    child.wait()
    took = time.perf_counter() - t
    if child.returncode:
        errors.seek(0)
        sys.exit(errors.read().decode(errors="replace"))
print(took, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, peak, descendants)
"""

# One build (or one bare parse) inside a fresh interpreter, timed without start-up and imports;
# prints the time and the process's own peak RSS. The build's entry point and the modules it
# would load lazily are looked up under their old and new names, so that the one benchmark runs
# on trees before and after deckgen's modules moved into subpackages.
IN_PROCESS = """
import importlib, resource, sys, time
from pathlib import Path
mode, src = sys.argv[1], Path(sys.argv[2])
if mode == "parse":
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.front_matter import front_matter_plugin
    text = src.read_text(encoding="utf-8")
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    md.use(front_matter_plugin).use(dollarmath_plugin, allow_digits=False, double_inline=True)
    t = time.perf_counter(); md.parse(text); took = time.perf_counter() - t
else:
    for name in ("deckgen.api", "deckgen.pipeline", "deckgen.build"):
        try:
            build = importlib.import_module(name).build
            break
        except (ImportError, AttributeError):
            continue
    else:
        sys.exit("no deckgen.api.build, deckgen.pipeline.build or deckgen.build.build")
    import genanki, pygments.formatters
    for name in (
        "deckgen.package", "deckgen.rebuild",  # before the move
        "deckgen.package.writer", "deckgen.cache.layer",  # after it
    ):
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    folder = src.parent
    t = time.perf_counter()
    build(src, folder / "out.apkg", state_file=folder / "state.json")
    took = time.perf_counter() - t
try:  # VmHWM: ru_maxrss would carry over the launching benchmark's own peak across exec
    status = Path("/proc/self/status").read_text()
    peak = int(status.split("VmHWM:")[1].split()[0]) / 1024
except (OSError, IndexError, ValueError):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(took, peak)
"""


def nothing() -> None:
    """No preparation."""


@dataclass(frozen=True)
class Job:
    """One run of a scenario: `prepare()`, untimed, then `argv` in `cwd`."""

    argv: Sequence[str]
    cwd: Path | None = None
    prepare: Callable[[], None] = nothing
    times_itself: bool = False
    """`argv` prints its own time and peak RSS (the in-process script): it is run bare."""
    package: Path | None = None
    """The .apkg the run leaves behind, whose notes are counted after the timed runs."""
    cards: int | None = None
    """A reference's own card count, where it cannot build the cards of its row's deckgen side
    (the row's reference says why); None: as many as deckgen built."""


def output(argv: Sequence[str], cwd: Path | None) -> list[float]:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"benchmark command failed: {' '.join(argv)}\n{done.stderr}")
    return [float(value) for value in done.stdout.split()]


def timed(job: Job) -> tuple[float, float]:
    """One run of `job`: (seconds, peak RSS in MB of its largest process)."""
    job.prepare()
    argv = job.argv if job.times_itself else [PY, "-c", LAUNCH, "time", *job.argv]
    took, peak = output(argv, job.cwd)[:2]
    return took, peak


def sampled(job: Job) -> tuple[float, float]:
    """One run of `job` with its memory sampled: peak PSS of all its processes together, and
    the part of that peak held by its descendants (the forked child), in MB."""
    job.prepare()
    total, descendants = output([PY, "-c", LAUNCH, "pss", *job.argv], job.cwd)[2:]
    return total, descendants


@dataclass
class Row:
    scenario: str
    reference_name: str
    ours: list[float] = field(default_factory=list)
    reference: list[float] = field(default_factory=list)
    peak_mb: float = 0.0
    pss_mb: float = 0.0
    pss_descendants_mb: float = 0.0

    def cells(self) -> list[str]:
        ours = statistics.median(self.ours)
        if self.reference:
            ref = statistics.median(self.reference)
            ref_cell, ratio = f"{ref:.3f}", f"{ours / ref:.2f}"
        else:
            ref_cell, ratio = "-", "-"
        peak = f"{self.peak_mb:.0f}" if self.peak_mb else "-"
        pss = f"{self.pss_mb:.0f}" if self.pss_mb else "-"
        if self.pss_descendants_mb >= 0.5:
            own = self.pss_mb - self.pss_descendants_mb
            pss += f" ({own:.0f} + {self.pss_descendants_mb:.0f})"
        return [self.scenario, f"{ours:.3f}", self.reference_name, ref_cell, ratio, peak, pss]


HEADER = [
    "scenario",
    "deckgen median s",
    "reference",
    "reference median s",
    "ratio",
    "peak RSS MB",
    "peak PSS MB, all processes",
]


def alternate(
    row: Row, ours: Job, reference: Job | None, repeats: int = REPEATS, pss_runs: int = PSS_RUNS
) -> Row:
    """Time `ours` and `reference` in turns, then sample `ours`'s memory in runs of its own."""
    for _ in range(repeats):
        took, peak = timed(ours)
        row.ours.append(took)
        row.peak_mb = max(row.peak_mb, peak)
        if reference is not None:
            row.reference.append(timed(reference)[0])
    if reference is not None:
        check_cards(row, ours, reference)
    if deckgen_files() != DECKGEN_FILES:
        raise SystemExit(
            "deckgen's own files changed during the run: the rebuilds missed their cache"
        )
    for _ in range(pss_runs):
        total, descendants = sampled(ours)
        if total > row.pss_mb:
            row.pss_mb, row.pss_descendants_mb = total, descendants
    print(" | ".join(row.cells()), flush=True)
    return row


def notes_in(package: Path) -> int:
    """The notes in an .apkg, counted in its collection opened read-only."""
    with zipfile.ZipFile(package) as archive, tempfile.TemporaryDirectory() as folder:
        collection = Path(archive.extract("collection.anki2", folder))
        with closing(sqlite3.connect(f"{collection.as_uri()}?mode=ro", uri=True)) as db:
            (count,) = db.execute("SELECT count(*) FROM notes").fetchone()
    return int(count)


def check_cards(row: Row, ours: Job, reference: Job) -> None:
    """Stops the benchmark unless the packages the last runs of a row left hold as many cards
    (one note each) on both sides, or the reference as many as its own count says."""
    if ours.package is None or reference.package is None:
        return
    built, theirs = notes_in(ours.package), notes_in(reference.package)
    wanted = built if reference.cards is None else reference.cards
    if theirs != wanted:
        raise SystemExit(
            f"{row.scenario} against {row.reference_name}: the reference built {theirs} cards, "
            f"not {wanted} (deckgen built {built}); the comparison is not like with like"
        )


def ankdown_count(texts: Iterable[str]) -> int:
    """How many cards ankdown reads in these documents: it ends a card at every line that is
    `---` alone, and makes one more of what follows the last such line, if anything does."""
    count = 0
    for text in texts:
        lines = [line.strip() for line in text.splitlines()]
        breaks = [i for i, line in enumerate(lines) if line == "---"]
        after = lines[breaks[-1] + 1 :] if breaks else lines
        count += len(breaks) + any(line not in ("", "%") for line in after)
    return count


LEFT_BY_A_BUILD = ("build", ".cache", "*.apkg", "*.deckgen.json", "deckgen-state.jsonl")
"""What a build writes beside its sources: the output folder, the cache, the package, a
file's state and a project's state."""


class FreshCopy:
    """A cold run's preparation: `folder` made anew with a copy of `sources` (files or folders)
    and nothing else, which is checked: no state, no package, no cache."""

    def __init__(self, folder: Path, *sources: Path) -> None:
        self.folder = folder
        self.sources = sources

    def __call__(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        for source in self.sources:
            if source.is_dir():
                shutil.copytree(source, self.folder / source.name)
            else:
                shutil.copyfile(source, self.folder / source.name)
        left = [path for name in LEFT_BY_A_BUILD for path in self.folder.rglob(name)]
        if left:
            raise SystemExit(f"a cold run's copy holds what a build left: {left}")


def built_here(*written: Path) -> None:
    """Stops the benchmark unless the first build in a rebuild row's folder wrote its state and
    cache there, so that every rebuild starts from its own."""
    missing = [path for path in written if not path.exists()]
    if missing:
        raise SystemExit(f"the first build did not write {missing}: a rebuild would not be one")


def cold_in_process(doc: Path, pin: Sequence[str] = ()) -> Job:
    """deckgen's full build of `doc` (no state, no cache yet), as the CLI runs it."""
    folder = doc.parent / "cold"
    argv = [*pin, PY, "-c", IN_PROCESS, "build", str(folder / doc.name)]
    return Job(argv, prepare=FreshCopy(folder, doc), times_itself=True)


def bare_parse(doc: Path, pin: Sequence[str] = ()) -> Job:
    return Job([*pin, PY, "-c", IN_PROCESS, "parse", str(doc)], times_itself=True)


def one_core() -> list[str] | None:
    """`taskset -c N` (util-linux) for the first CPU this process may run on; None without it."""
    taskset = shutil.which("taskset")
    if taskset is None:
        return None
    return [taskset, "-c", str(min(os.sched_getaffinity(0)))]


def ankdown() -> list[str] | None:
    """ankdown, the fastest peer, in a venv of its own (it pins old packages); None if it fails."""
    given = os.environ.get("BENCH_ANKDOWN")
    if given:
        return [given]
    venv = WORK / "ankdown-venv"
    exe = venv / "bin" / "ankdown"
    if exe.exists():
        return [str(exe)]
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "--quiet", "ankdown"],
            check=True,
            capture_output=True,
            timeout=600,
        )
    except (subprocess.SubprocessError, OSError) as failure:
        print(f"ankdown did not install: {failure}", file=sys.stderr)
        return None
    return [str(exe)]


def ankdown_cards(doc: Path, folder: Path) -> Path:
    """The same cards in ankdown's format (front `%` back `%` tags, cards split by `---`).

    A card is a `###` question and the source lines below it up to the next heading or
    top-level thematic break; its tag is its `## Part N: Title`'s, as deckgen writes it
    (`01-lstm`). This is how deckgen reads the seed (the output was compared with deckgen's own
    loader's, byte for byte), without importing deckgen's modules, which move.
    """
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.front_matter import front_matter_plugin

    md = MarkdownIt("commonmark").enable(["table", "strikethrough"]).disable("inline")
    md.use(front_matter_plugin).use(dollarmath_plugin, allow_digits=False, double_inline=True)
    text = doc.read_text(encoding="utf-8")
    lines = text.splitlines()
    tokens = md.parse(text)
    cards: list[str] = []
    tag = ""
    question: tuple[str, int] | None = None  # its text, and the line its answer starts on

    def close_card(end: int) -> None:
        if question is not None:
            answer = "\n".join(lines[question[1] : end]).strip()
            cards.append(f"{question[0]}\n\n%\n\n{answer}\n\n%\n\n{tag}\n")

    for i, token in enumerate(tokens):
        if token.level or token.type not in ("heading_open", "hr") or token.map is None:
            continue
        close_card(token.map[0])
        question = None
        if token.type == "hr":
            continue
        title = tokens[i + 1].content
        if token.tag == "h2":
            number, _, name = title.partition(":")
            tag = f"{int(number.split()[-1]):02d}-{slug(name) or 'part'}"
        elif token.tag == "h3":
            question = (title, token.map[1])
    close_card(len(lines))
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / doc.name
    target.write_text("\n---\n\n".join(cards), encoding="utf-8")
    return target


def slug(text: str) -> str:
    """deckgen's tag slug: lower case, punctuation and underscores dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", unicodedata.normalize("NFKC", text).lower()).replace("_", "")
    return re.sub(r"[ \-]+", "-", text.strip()).strip("-")


class Editor:
    """Edits one answer line of `doc` per call, a different one each time."""

    def __init__(self, doc: Path) -> None:
        self.doc = doc
        self.count = 0

    def __call__(self) -> None:
        lines = self.doc.read_text(encoding="utf-8").splitlines(keepends=True)
        prose = [i for i, line in enumerate(lines) if line[:1].isalpha() and "$" not in line]
        target = prose[(self.count * 7919) % len(prose)]
        self.count += 1
        lines[target] = lines[target].rstrip("\n") + f" Edit {self.count}.\n"
        self.doc.write_text("".join(lines), encoding="utf-8")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        info = Path("/proc/cpuinfo").read_text(encoding="utf-8")
        found = re.search(r"^model name\s*:\s*(.+)$", info, flags=re.MULTILINE)
        cpu = found[1].strip() if found else cpu
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def main() -> None:
    shutil.rmtree(WORK / "docs", ignore_errors=True)
    seed_text = SEED.read_text(encoding="utf-8")
    docs = {}
    for times in (20,) if SKIP_X100 else (20, 100):
        folder = WORK / "docs" / f"x{times}"
        folder.mkdir(parents=True)
        docs[times] = folder / f"ml-x{times}.md"
        docs[times].write_text(repeated(seed_text, times), encoding="utf-8")
    peer = ankdown()
    peer_name = "ankdown" if peer else "ankdown (did not install)"
    converted = ankdown_cards(docs[20], WORK / "docs" / "ankdown-x20")
    notes: list[str] = []
    if not peer:
        notes.append("ankdown did not install on this machine.")
    if SKIP_X100:
        notes.append("The ×100 build was left out (`BENCH_SKIP_X100`).")
    rows: list[Row] = []
    print(" | ".join(HEADER))

    rows.append(
        alternate(
            Row("cold build ×20 (in process)", "bare markdown-it parse"),
            cold_in_process(docs[20]),
            bare_parse(docs[20]),
        )
    )
    pin = one_core()
    if pin:
        rows.append(
            alternate(
                Row("cold build ×20 (in process, one core)", "bare markdown-it parse, one core"),
                cold_in_process(docs[20], pin),
                bare_parse(docs[20], pin),
            )
        )
    else:
        notes.append("taskset (util-linux) is missing: the one-core row was left out.")
    if not SKIP_X100:
        rows.append(
            alternate(
                Row("cold build ×100 (in process)", "bare markdown-it parse"),
                cold_in_process(docs[100]),
                bare_parse(docs[100]),
                repeats=min(REPEATS, 3),
                pss_runs=1,
            )
        )

    doc = docs[20]
    folder = doc.parent
    out = [DECKGEN, "build", doc.name, "-o", "out.apkg", "-q"]
    timed(Job(out, folder))  # the state and cache of a first build
    built_here(folder / f"{doc.stem}.deckgen.json", folder / ".cache" / "out.cache")
    package = folder / "out.apkg"
    rebuild = Job(out, folder, prepare=Editor(doc), package=package)
    unchanged = Job(out, folder, package=package)
    fresh = WORK / "docs" / "cli-cold"
    cli_cold = Job(out, fresh, prepare=FreshCopy(fresh, doc), package=fresh / "out.apkg")
    # ankdown reads every .md below the folder it is given: each folder holds one copy. As is,
    # it reads the very file deckgen just built (copied before each run, untimed), cut where
    # ankdown cuts it; in its own format, the same cards as deckgen's.
    as_is_cards = ankdown_count([doc.read_text(encoding="utf-8")])
    cards = ankdown_count([converted.read_text(encoding="utf-8")])
    as_is = same_cards = None
    if peer:
        alone = WORK / "docs" / "ankdown-as-is"
        as_is_package = WORK / "ankdown-as-is.apkg"
        as_is = Job(
            [*peer, "-r", str(alone), "-p", str(as_is_package)],
            prepare=FreshCopy(alone, doc),
            package=as_is_package,
            cards=as_is_cards,
        )
        same_package = WORK / "ankdown-same-cards.apkg"
        same_cards = Job(
            [*peer, "-r", str(converted.parent), "-p", str(same_package)], package=same_package
        )
    as_is_name = f"{peer_name} cold, ×20 as is ({as_is_cards:,} cards: it splits at ---)"
    same_name = f"{peer_name} cold, same {cards:,} cards"
    edited = "rebuild ×20 after editing one answer"
    rows.append(alternate(Row(edited, as_is_name), rebuild, as_is))
    rows.append(alternate(Row(edited, same_name), rebuild, same_cards))
    rows.append(alternate(Row(edited, "cold build ×20 (CLI)"), rebuild, cli_cold))
    rows.append(alternate(Row("rebuild ×20, nothing changed", as_is_name), unchanged, as_is))
    rows.append(alternate(Row("cold build ×20 (CLI)", same_name), cli_cold, same_cards))
    python_pass = Job([PY, "-c", "pass"])
    rows.append(
        alternate(Row("deckgen --help", "python -c pass"), Job([DECKGEN, "--help"]), python_pass)
    )
    rows.append(
        alternate(
            Row("deckgen list (seed)", "python -c pass"),
            Job([DECKGEN, "list", str(SEED)], ROOT),
            python_pass,
        )
    )
    rows.append(
        alternate(
            Row("deckgen list ×20", "cold build ×20 (CLI)"),
            Job([DECKGEN, "list", doc.name], folder),
            cli_cold,
        )
    )
    write_report(rows, notes)


def write_report(rows: list[Row], notes: list[str]) -> None:
    table = [
        "| " + " | ".join(HEADER) + " |",
        "|" + "---|" * len(HEADER),
        *("| " + " | ".join(row.cells()) + " |" for row in rows),
    ]
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print()
    print("\n".join(table))
    template = (Path(__file__).parent / "performance.md.in").read_text(encoding="utf-8")
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(
        template.format(
            table="\n".join(table),
            machine=machine(),
            load=", ".join(f"{value:.1f}" for value in os.getloadavg()),
            when=when,
            repeats=REPEATS,
            notes="".join(f"\n{note}\n" for note in notes),
        ),
        encoding="utf-8",
    )
    print(f"\n{machine()}; {REPEATS} runs each → {REPORT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
