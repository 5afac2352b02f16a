"""What the commands print about a build: the summary line, changes, progress."""

from __future__ import annotations

import sys
from collections.abc import Callable

from deckgen.cli import say
from deckgen.cli.progress import CardCounter
from deckgen.cli.report import limits, removed_notice, summary
from deckgen.cli.say import plural
from deckgen.identity.history import Revision
from deckgen.options import BuildReport


def card_counter() -> Callable[[int, int], None] | None:
    """A card counter on stderr when it is a terminal, unless `--quiet`."""
    if say.level() == say.QUIET or not sys.stderr.isatty():
        return None

    return CardCounter(sys.stderr)


def build_summary(report: BuildReport) -> str:
    """The one line a build ends with: cards, parts, output path, seconds."""
    what = f"{plural(report.cards, 'card')} in {plural(report.parts, 'part')}"
    if report.up_to_date:
        return f"{what}: {report.output} is up to date, nothing written ({report.seconds:.2f} s)"
    spared = ""
    if report.reparsed is not None and report.reparsed < report.cards:
        spared = f", {report.reparsed} rendered again, the rest from the cache"
    return f"{what} → {report.output} ({report.seconds:.2f} s{spared})"


def echo_revision(revision: Revision, *, subdecks: bool) -> None:
    """What changed since the last build, removed notes with their search, and Anki's limits."""

    if any(change.kinds != ("unchanged",) for change in revision.changes):
        say.result(f"changes: {summary(revision)}")
    for line in removed_notice(revision):
        say.result(line)
    for limit in limits(revision, subdecks=subdecks):
        say.finding(f"warning: {limit}", "warning")
