"""`make fuzz`: the property tests with fresh random examples, for a bounded time.

The property tests (the ones Hypothesis marks `hypothesis`) run again and again with the `fuzz`
profile of tests/conftest.py, each run with a new seed, until `FUZZ_SECONDS` (600 unless set)
have passed; the run still going then is stopped. It prints each run's seed, how long it ran and
the seeds whose run failed.

Every failure it finds goes into its test as an `@example(...)` of the failing case that
Hypothesis prints (a test that draws with `st.data()` cannot take one: the case becomes a plain
test beside it), so that every `make test` checks that case from then on; then the code is
fixed. The seed alone replays a failure only with the same code and Hypothesis version:
`pytest -m hypothesis --hypothesis-profile=fuzz --hypothesis-seed=SEED`.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time

import pytest


def main() -> int:
    budget = float(os.environ.get("FUZZ_SECONDS", "600"))
    start = time.monotonic()
    seeds: list[int] = []
    failed: list[int] = []
    stopped = ""
    while (left := budget - (time.monotonic() - start)) > 0:
        seed = secrets.randbelow(2**32)
        seeds.append(seed)
        print(f"fuzz run {len(seeds)}: --hypothesis-seed={seed}", flush=True)
        command = [sys.executable, "-m", "pytest", "-q", "-m", "hypothesis"]
        command += ["--hypothesis-profile=fuzz", f"--hypothesis-seed={seed}"]
        try:
            done = subprocess.run(command, timeout=left, check=False)
        except subprocess.TimeoutExpired:
            stopped = f" (run {len(seeds)} stopped unfinished: the time was up)"
            print()
            break
        if done.returncode == pytest.ExitCode.TESTS_FAILED:
            failed.append(seed)
        elif done.returncode != pytest.ExitCode.OK:
            print(f"pytest could not run the tests (exit {done.returncode})", file=sys.stderr)
            return done.returncode
    print(f"fuzzed for {time.monotonic() - start:.0f} s: {len(seeds)} runs{stopped}")
    print(f"seeds: {' '.join(map(str, seeds))}")
    if failed:
        print(f"failing seeds: {' '.join(map(str, failed))}: add each failure as an @example")
        return 1
    print("no failure found")
    return 0


if __name__ == "__main__":
    sys.exit(main())
