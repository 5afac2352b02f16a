"""deckgen's benchmark: every scenario run several times, alternating with its reference.

`make bench` prints a table (scenario, deckgen median, reference median, ratio, peak RSS) and
writes it to docs/performance.md with the machine it ran on. Nothing here is asserted: the
machines are shared and noisy, so only ratios measured side by side in one run mean anything.
"""

# ruff: noqa: T201  (a benchmark prints its figures)

from __future__ import annotations

import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "source" / "ml-interview-qa.md"
BIN = Path(sys.executable).parent
REPEATS = int(os.environ.get("BENCH_REPEATS", "5"))


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
    ours: list[float]
    reference_name: str
    reference: list[float]
    peak_mb: float | None = None

    def line(self) -> str:
        ours = statistics.median(self.ours)
        ref = statistics.median(self.reference) if self.reference else float("nan")
        ratio = ours / ref if self.reference else float("nan")
        peak = f"{self.peak_mb:.0f}" if self.peak_mb is not None else "-"
        return (
            f"| {self.scenario} | {ours:.3f} | {self.reference_name} | {ref:.3f} | "
            f"{ratio:.2f} | {peak} |"
        )


def timed(cmd: list[str], cwd: Path | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one command, measured by GNU time when present."""
    started = time.perf_counter()
    proc = subprocess.run(
        cmd, cwd=cwd, capture_output=True, text=True, check=False, env={**os.environ}
    )
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"benchmark command failed: {' '.join(cmd)}\n{proc.stderr}")
    peak = 0.0
    match = re.search(r"^PEAK_KB (\d+)$", proc.stdout, flags=re.MULTILINE)
    if match:
        peak = int(match[1]) / 1024
    return wall, peak


def alternate(
    ours: Callable[[], tuple[float, float]], reference: Callable[[], tuple[float, float]] | None
) -> tuple[list[float], list[float], float]:
    mine, theirs, peak = [], [], 0.0
    for _ in range(REPEATS):
        wall, rss = ours()
        mine.append(wall)
        peak = max(peak, rss)
        if reference is not None:
            theirs.append(reference()[0])
    return mine, theirs, peak


PY = str(BIN / "python")
IN_PROCESS = """
import resource, sys, time
from pathlib import Path
mode, src, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
text = src.read_text(encoding="utf-8")
if mode == "parse":
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.front_matter import front_matter_plugin
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    md.use(front_matter_plugin).use(dollarmath_plugin, allow_digits=False, double_inline=True)
    t = time.perf_counter(); md.parse(text); took = time.perf_counter() - t
else:
    from deckgen.build import build
    t = time.perf_counter(); build(src, out); took = time.perf_counter() - t
print("TOOK", took)
print("PEAK_KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def in_process(mode: str, src: Path, out: Path) -> tuple[float, float]:
    proc = subprocess.run(
        [PY, "-c", IN_PROCESS, mode, str(src), str(out)], capture_output=True, text=True, check=True
    )
    took = float(re.search(r"^TOOK (\S+)$", proc.stdout, flags=re.MULTILINE)[1])  # type: ignore[index]
    peak = int(re.search(r"^PEAK_KB (\d+)$", proc.stdout, flags=re.MULTILINE)[1]) / 1024  # type: ignore[index]
    return took, peak


def ankdown_command(tmp: Path) -> list[str] | None:
    """ankdown, the fastest peer, in a venv of its own (it pins old packages); None if it fails."""
    venv = tmp / "ankdown-venv"
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "--quiet", "ankdown"],
            check=True,
            capture_output=True,
            timeout=300,
        )
    except (subprocess.SubprocessError, OSError):
        return None
    return [str(venv / "bin" / "ankdown")]


def main() -> None:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        seed_text = SEED.read_text(encoding="utf-8")
        docs = {}
        for times in (20, 100):
            folder = tmp / f"x{times}"
            folder.mkdir()
            doc = folder / f"ml-x{times}.md"
            doc.write_text(repeated(seed_text, times), encoding="utf-8")
            docs[times] = doc
        out = tmp / "out.apkg"

        for times in (20, 100):
            doc = docs[times]
            mine, theirs, peak = alternate(
                lambda doc=doc: in_process("build", doc, out),
                lambda doc=doc: in_process("parse", doc, out),
            )
            rows.append(Row(f"cold build x{times}, in process", mine, "bare parse", theirs, peak))

        ankdown = ankdown_command(tmp)
        doc = docs[20]
        reference = None
        if ankdown is not None:
            def reference() -> tuple[float, float]:
                return timed([*ankdown, "-r", str(doc.parent), "-p", str(tmp / "ank.apkg")])
        mine, theirs, peak = alternate(
            lambda: timed([str(BIN / "deckgen"), "build", str(doc), "-o", str(out)]), reference
        )
        rows.append(
            Row("cold build x20, CLI", mine, "ankdown" if ankdown else "(ankdown not installed)", theirs)
        )

        mine, theirs, _ = alternate(
            lambda: timed([str(BIN / "deckgen"), "--help"]), lambda: timed([PY, "-c", "pass"])
        )
        rows.append(Row("deckgen --help", mine, "python -c pass", theirs))

    header = [
        "| scenario | deckgen median s | reference | reference median s | ratio | peak RSS MB |",
        "|---|---|---|---|---|---|",
    ]
    table = "\n".join(header + [row.line() for row in rows])
    print(table)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"\n{machine}; {REPEATS} runs each, alternating with the reference.")


if __name__ == "__main__":
    main()
