"""Shared fixtures: the seed document, a markdown parser, and real Anki collections.

Also the rule that every test runs and passes: a skipped, xfailed or xpassed test fails the run
(see the hooks at the end).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings
from markdown_it import MarkdownIt

from deckgen.parse.markdown import make_markdown

if TYPE_CHECKING:
    from deckgen.preview.page import PreviewReport

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "source" / "ml-interview-qa.md"

# The property tests' two Hypothesis profiles. `ci`, every run's: the same examples each time,
# so that a run's outcome never depends on luck. `fuzz`, `make fuzz`'s (tests/fuzz.py): fresh
# random examples, many of them, to find what `ci` does not; each failure found becomes an
# `@example` of its test. Neither has a deadline (how fast an example runs on a busy machine
# says nothing about the code) nor an example database (nothing is written into the
# repository; the seed and the printed example reproduce a failure).
settings.register_profile("ci", derandomize=True, deadline=None, database=None)
settings.register_profile(
    "fuzz", derandomize=False, deadline=None, database=None, max_examples=2_000, print_blob=True
)
settings.load_profile("ci")


@pytest.fixture
def md() -> MarkdownIt:
    return make_markdown()


@pytest.fixture
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture
def seed_copy(tmp_path: Path) -> Path:
    """A private copy of the seed that a test may edit."""
    target = tmp_path / "source" / SEED.name
    target.parent.mkdir()
    shutil.copyfile(SEED, target)
    return target


@pytest.fixture
def collection(tmp_path: Path) -> Iterator[object]:
    """A fresh, empty Anki collection (the real backend), closed after the test."""
    from tests.anki_support import open_collection

    col = open_collection(tmp_path / "anki")
    try:
        yield col
    finally:
        col.close()


@pytest.fixture(scope="session")
def seed_preview(tmp_path_factory: pytest.TempPathFactory) -> PreviewReport:
    """The seed's preview page, written once for every test that reads or opens it."""
    from deckgen.preview.page import preview

    return preview(SEED, tmp_path_factory.mktemp("preview") / "ml-interview-qa.html")


# `-m "not anki"` must leave out every test that needs Anki's backend (and only those: the
# marker goes on such tests alone). Every collection a test opens comes from `open_collection`,
# which fails a test that opens one without the marker.
_running: list[pytest.Item] = []


def pytest_runtest_setup(item: pytest.Item) -> None:
    _running[:] = [item]


def require_anki_mark() -> None:
    """Fail the running test (if any) unless it carries `@pytest.mark.anki`."""
    if _running and _running[0].get_closest_marker("anki") is None:
        pytest.fail(f"{_running[0].nodeid} opens an Anki collection: mark it `@pytest.mark.anki`")


# A skip would hide a test that never ran (no Chromium, no anki, ...): the run fails instead.
# So does an expected failure: an xfailed test asserts nothing that can fail, and an xpassed
# one carries a mark that is no longer true. A test that lacks something fails itself, saying
# how to get it; these hooks catch any skip that slips through (pytest.skip, importorskip,
# skipif, an empty parametrization) and any xfail or xpass (strict or not).
NOT_PASSED = ("skipped", "xfailed", "xpassed")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or exitstatus != pytest.ExitCode.OK:
        return
    if any(reporter.stats.get(outcome) for outcome in NOT_PASSED):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    skipped = terminalreporter.stats.get("skipped", [])
    if skipped:
        terminalreporter.section("skipped tests fail the run", red=True, bold=True)
        for report in skipped:
            terminalreporter.write_line(f"{report.nodeid}: {_skip_reason(report)}", red=True)
        terminalreporter.write_line(
            "Every test must run: `make test` installs the test extra (anki, playwright, "
            "hypothesis) and Debian's chromium (as root, with apt-get); install what is "
            "missing instead of skipping.",
            red=True,
        )
    expected = [
        *terminalreporter.stats.get("xfailed", []),
        *terminalreporter.stats.get("xpassed", []),
    ]
    if expected:
        terminalreporter.section("expected failures fail the run", red=True, bold=True)
        for report in expected:
            outcome = "XPASS" if report.passed else "XFAIL"
            terminalreporter.write_line(f"{report.nodeid}: {outcome} {report.wasxfail}", red=True)
        terminalreporter.write_line(
            "A test marked xfail asserts nothing: assert what the code does now, or fix the "
            "code, and drop the mark.",
            red=True,
        )


def _skip_reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    if isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    return str(report.longrepr)
