"""deckgen's benchmark: every scenario run several times, alternating with its reference.

`make bench` writes the seed repeated 20 and 100 times into build/bench/ (generated, never
committed), prints a table (scenario, deckgen median, reference median, ratio, peak RSS) and
writes it to docs/performance.md with the machine it ran on. Nothing is asserted: machines are
shared and noisy, so only ratios measured side by side, in one run, mean anything.

BENCH_REPEATS sets the runs per scenario (default 5; the ×100 builds run at most 3 times).
"""

# ruff: noqa: T201, RUF001, RUF002  (a benchmark prints its figures, with multiplication signs in them)

from __future__ import annotations

import datetime
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
from collections.abc import Callable
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

Measure = Callable[[], tuple[float, float]]
"""One run: (seconds, peak RSS in MB)."""


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


@dataclass
class Row:
    scenario: str
    reference_name: str
    ours: list[float] = field(default_factory=list)
    reference: list[float] = field(default_factory=list)
    peak_mb: float = 0.0

    def cells(self) -> list[str]:
        ours = statistics.median(self.ours)
        if self.reference:
            ref = statistics.median(self.reference)
            ref_cell, ratio = f"{ref:.3f}", f"{ours / ref:.2f}"
        else:
            ref_cell, ratio = "-", "-"
        peak = f"{self.peak_mb:.0f}" if self.peak_mb else "-"
        return [self.scenario, f"{ours:.3f}", self.reference_name, ref_cell, ratio, peak]


# Runs a command and reports its wall time and its own peak RSS (the launcher's start-up is not
# timed; RUSAGE_CHILDREN covers only the one child).
LAUNCH = """
import resource, subprocess, sys, time
t = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
took = time.perf_counter() - t
if done.returncode:
    sys.exit(done.stderr)
print(took, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
"""

# One build (or one bare parse) inside a fresh interpreter, timed without start-up and imports.
IN_PROCESS = """
import resource, sys, time
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
    from deckgen.pipeline import build
    import deckgen.anki.package, deckgen.cache.layer, genanki, pygments.formatters
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


def run(cmd: list[str], cwd: Path | None = None) -> tuple[float, float]:
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"benchmark command failed: {' '.join(cmd)}\n{done.stderr}")
    took, peak = done.stdout.split()[-2:]
    return float(took), float(peak)


def command(*cmd: str, cwd: Path | None = None) -> Measure:
    return lambda: run([PY, "-c", LAUNCH, *cmd], cwd=cwd)


def cold_in_process(doc: Path) -> Measure:
    """deckgen's full build of `doc` (no state, no cache yet), as the CLI runs it."""

    def measure() -> tuple[float, float]:
        folder = doc.parent / "cold"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        shutil.copyfile(doc, folder / doc.name)
        return run([PY, "-c", IN_PROCESS, "build", str(folder / doc.name)])

    return measure


def bare_parse(doc: Path) -> Measure:
    return lambda: run([PY, "-c", IN_PROCESS, "parse", str(doc)])


def alternate(row: Row, ours: Measure, reference: Measure | None, repeats: int = REPEATS) -> Row:
    for _ in range(repeats):
        took, peak = ours()
        row.ours.append(took)
        row.peak_mb = max(row.peak_mb, peak)
        if reference is not None:
            row.reference.append(reference()[0])
    print(" | ".join(row.cells()), flush=True)
    return row


def ankdown() -> list[str] | None:
    """ankdown, the fastest peer, in a venv of its own (it pins old packages); None if it fails."""
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
    except (subprocess.SubprocessError, OSError):
        return None
    return [str(exe)]


def ankdown_cards(doc: Path, folder: Path) -> Path:
    """The same cards in ankdown's format (front `%` back `%` tags, cards split by `---`)."""
    from deckgen.pipeline import load_document
    from deckgen.parse.markdown import make_markdown

    document = load_document(doc, make_markdown())
    cards = []
    for card in document.cards:
        _, _, answer = card.source.partition("\n")
        cards.append(f"{card.question}\n\n%\n\n{answer.strip()}\n\n%\n\n{card.part.tag_name}\n")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / doc.name
    target.write_text("\n---\n\n".join(cards), encoding="utf-8")
    return target


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
    for times in (1, 20, 100):
        folder = WORK / "docs" / f"x{times}"
        folder.mkdir(parents=True)
        docs[times] = folder / f"ml-x{times}.md"
        docs[times].write_text(repeated(seed_text, times), encoding="utf-8")
    peer = ankdown()
    peer_name = "ankdown" if peer else "ankdown (did not install)"
    converted = ankdown_cards(docs[20], WORK / "docs" / "ankdown-x20")
    rows: list[Row] = []
    print("scenario | deckgen s | reference | reference s | ratio | peak RSS MB")

    for times in (20, 100):
        rows.append(
            alternate(
                Row(f"cold build ×{times} (in process)", "bare markdown-it parse"),
                cold_in_process(docs[times]),
                bare_parse(docs[times]),
                repeats=REPEATS if times == 20 else min(REPEATS, 3),
            )
        )

    doc = docs[20]
    folder = doc.parent
    out = ["build", doc.name, "-o", "out.apkg", "-q"]
    run([PY, "-c", LAUNCH, DECKGEN, *out], cwd=folder)  # the state and cache of a first build
    edit = Editor(doc)

    def rebuild() -> tuple[float, float]:
        edit()
        return run([PY, "-c", LAUNCH, DECKGEN, *out], cwd=folder)

    as_is = command(*peer, "-r", str(folder), "-p", str(WORK / "ankdown.apkg")) if peer else None
    same_cards = (
        command(*peer, "-r", str(converted.parent), "-p", str(WORK / "ankdown.apkg"))
        if peer
        else None
    )
    rows.append(
        alternate(
            Row("rebuild ×20 after editing one answer", f"{peer_name} cold, ×20 as is"),
            rebuild,
            as_is,
        )
    )
    rows.append(
        alternate(
            Row("rebuild ×20 after editing one answer", f"{peer_name} cold, same 3,240 cards"),
            rebuild,
            same_cards,
        )
    )
    rows.append(
        alternate(
            Row("rebuild ×20, nothing changed", f"{peer_name} cold, ×20 as is"),
            command(DECKGEN, *out, cwd=folder),
            as_is,
        )
    )
    fresh = WORK / "docs" / "cli-cold"

    def cli_cold() -> tuple[float, float]:
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir()
        shutil.copyfile(doc, fresh / doc.name)
        return run([PY, "-c", LAUNCH, DECKGEN, *out], cwd=fresh)

    rows.append(
        alternate(
            Row("cold build ×20 (CLI)", f"{peer_name} cold, same 3,240 cards"), cli_cold, same_cards
        )
    )
    nothing = command(PY, "-c", "pass")
    rows.append(
        alternate(Row("deckgen --help", "python -c pass"), command(DECKGEN, "--help"), nothing)
    )
    rows.append(
        alternate(
            Row("deckgen list (seed)", "python -c pass"),
            command(DECKGEN, "list", str(SEED), cwd=ROOT),
            nothing,
        )
    )
    write_report(rows, peer is not None)


def write_report(rows: list[Row], peer_installed: bool) -> None:
    header = [
        "scenario",
        "deckgen median s",
        "reference",
        "reference median s",
        "ratio",
        "peak RSS MB",
    ]
    table = [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
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
            when=when,
            repeats=REPEATS,
            peer="" if peer_installed else "\nankdown did not install on this machine.\n",
        ),
        encoding="utf-8",
    )
    print(f"\n{machine()}; {REPEATS} runs each → {REPORT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
