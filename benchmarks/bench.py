"""Build the seed and a 20x synthetic document; print cards per second and peak memory.

Run with `make bench`. Figures are printed, never asserted: machines here are shared and noisy.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# ruff: noqa: T201  (a benchmark prints its figures)

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "source" / "ml-interview-qa.md"


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


def run_build(source: Path, out: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (kB) of one `deckgen build` in a fresh process."""
    code = (
        "import resource, sys; from pathlib import Path; from deckgen.build import build;"
        "build(Path(sys.argv[1]), Path(sys.argv[2]));"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code, str(source), str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - started, int(proc.stdout.split()[-1])


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "ml-x20.md"
        big.write_text(repeated(SEED.read_text(encoding="utf-8"), 20), encoding="utf-8")
        print(f"{'document':<16} {'cards':>6} {'median s':>9} {'cards/s':>9} {'peak MB':>8}")
        for source, cards in ((SEED, 162), (big, 162 * 20)):
            runs = [run_build(source, Path(tmp) / "out.apkg") for _ in range(3)]
            seconds = sorted(r[0] for r in runs)[1]
            peak = max(r[1] for r in runs) / 1024
            print(
                f"{source.stem:<16} {cards:>6} {seconds:>9.2f} {cards / seconds:>9.0f} {peak:>8.1f}"
            )


if __name__ == "__main__":
    main()
