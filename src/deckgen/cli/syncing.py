"""What `deckgen sync` runs and prints: which collection, the sync of each target, the summary
line per kind and the findings (conflicts with their diff, cards left where the user put them)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from deckgen.cli import say
from deckgen.cli.options import ConfigFinder
from deckgen.cli.say import plural
from deckgen.cli.targets import targets
from deckgen.collection.apply import SyncSettings
from deckgen.collection.plan import REMOVED_TAG
from deckgen.collection.profiles import Target, find_target
from deckgen.config.project import Config
from deckgen.identity.state import state_path
from deckgen.options import BuildOptions
from deckgen.sync import SyncReport, sync, sync_project


def run_sync(
    sources: tuple[Path, ...],
    config_path: Path | None,
    options: BuildOptions,
    settings: SyncSettings,
    collection: Path | None,
    profile: str | None,
) -> Iterator[SyncReport]:
    """Sync each target `sources` name (a project, or each file) into the chosen collection."""
    found = targets(sources, config_path)
    if found.project is not None:
        target = chosen_target(collection, profile, found.project.config)
        yield sync_project(found.project, target, options, settings)
        return
    configs = ConfigFinder(config_path)
    for path in found.files:
        config = configs.for_source(path)
        target = chosen_target(collection, profile, config)
        yield sync(
            path,
            target,
            replace(options, config=config),
            settings,
            state_file=state_path(path),
        )


def chosen_target(collection: Path | None, profile: str | None, config: Config | None) -> Target:
    """The command line's choice, else the config's, else Anki's only or last profile."""
    if collection is None and profile is None and config is not None:
        collection, profile = config.collection, config.profile
    return find_target(collection, profile)


def echo_sync(report: SyncReport) -> None:
    """Findings first (on standard error), then the summary line."""
    echo_sync_findings(report)
    say.result(sync_summary(report))


def echo_sync_findings(report: SyncReport) -> None:
    """What a sync found, on standard error: the pipeline's findings, conflicts with their
    diff, cards left where the user put them, notes and files left alone, removed notes."""
    applied, plan = report.applied, report.plan
    for diagnostic in report.diagnostics:
        say.finding(str(diagnostic), diagnostic.severity)
    for conflict in plan.conflicts:
        kept = (
            "the Markdown's text written over it (--overwrite)"
            if conflict.overwritten
            else "Anki's text kept; copy the fix into the Markdown, or --overwrite"
        )
        lines = [f"{conflict.place}: warning: edited in Anki since deckgen wrote it; {kept}"]
        lines += [f"    {line}" for line in conflict.diff]
        say.finding("\n".join(lines), "warning")
    for stay in plan.stay:
        say.finding(
            f"{stay.place}: warning: its card is in a deck you chose in Anki, not the one "
            f"deckgen gave it ({stay.note.deck}); left where it is",
            "warning",
        )
    for note in plan.foreign:
        say.finding(
            f"{report.target.path}: warning: a note of another notetype has the ID {note.id} "
            "of a deckgen card; left alone, the card is not synced",
            "warning",
        )
    for name in applied.media_kept:
        say.finding(
            f"{report.target.path}: warning: the media folder has another file named {name}; "
            "kept, not overwritten",
            "warning",
        )
    verb = "deleted" if plan.delete else f"suspended and tagged {REMOVED_TAG}"
    for retire in plan.retire:
        say.finding(f"info: removed from the Markdown, {verb}: {retire.question}", "info")
    for held in plan.delete:
        say.finding(f"info: removed from the Markdown, deleted: ID {held.guid}", "info")


def sync_summary(report: SyncReport) -> str:
    """`3,240 notes: 2 added, 1 updated, …; backup → …` and which collection."""
    applied, plan = report.applied, report.plan
    kinds = [
        (len(plan.add), "added"),
        (len(plan.update), "updated"),
        (len(plan.move), "moved"),
        (len(plan.restored), "restored (back in the Markdown)"),
        (len(plan.retire), "suspended (removed from the Markdown)"),
        (len(plan.delete), "deleted (removed from the Markdown)"),
        (sum(not c.overwritten for c in plan.conflicts), "conflict kept"),
        (sum(c.overwritten for c in plan.conflicts), "conflict overwritten"),
        (len(plan.stay), "left in your deck"),
    ]
    said = [f"{number:,} {what}" for number, what in kinds if number]
    if applied.notetype == "added":
        said.append("notetype added")
    elif applied.notetype == "updated":
        said.append("notetype updated")
    if applied.media_added:
        said.append(plural(len(applied.media_added), "media file") + " added")
    what = ", ".join(said) or "nothing to change"
    where = report.target.path
    if report.target.profile is not None:
        where = Path(f"profile {report.target.profile!r} ({report.target.path})")
    head = f"{report.notes:,} notes: {what}"
    if applied.dry_run:
        return f"{head} (dry run: {where} unchanged)"
    tail = f"; backup → {applied.backup}" if applied.backup else ""
    via = ""
    if applied.via == "addon":
        via = " through Anki's add-on" + (" (Edit → Undo deckgen sync)" if applied.changed else "")
    return f"{head} → {where}{via}{tail} ({report.seconds:.2f} s)"
