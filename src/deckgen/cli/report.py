"""Words for what a rebuild changes: summaries, status lines, the search for removed notes."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from deckgen.config.members import Project
from deckgen.deck import project_subdecks
from deckgen.errors import location
from deckgen.identity.history import CardChange, ChangeKind, Revision, place_name
from deckgen.identity.ledger import load_ledger, save_ledger
from deckgen.notetype.definition import NOTETYPE_NAME
from deckgen.options import BuildOptions

_ORDER: tuple[ChangeKind, ...] = ("new", "reworded", "moved", "changed", "removed")


def summary(revision: Revision) -> str:
    """`1 new, 2 changed, 1 removed`, each card counted once by its first kind."""
    counts = Counter(change.kinds[0] for change in revision.changes)
    parts = [f"{counts[kind]} {kind}" for kind in _ORDER if counts[kind]]
    return ", ".join(parts) if parts else "no changes"


def removed_search(ids: Sequence[str]) -> str:
    """A Browser search that finds exactly the notes with these IDs.

    `_` is a single-character wildcard in Anki searches, so it is escaped.
    """

    terms = " OR ".join(f"ID:{note_id.replace('_', chr(92) + '_')}" for note_id in ids)
    return f'"note:{NOTETYPE_NAME}" ({terms})'


def removed_notice(revision: Revision) -> list[str]:
    """What a build says about notes that left the source (nothing when none did)."""
    removed = revision.state.removed
    if not removed:
        return []
    one = len(removed) == 1
    them = "it" if one else "them"
    notes = "1 note has" if one else f"{len(removed)} notes have"
    return [
        f"{notes} left the source; Anki keeps {them} until you delete {them}.",
        f"  Find {them} in the Browser: {removed_search([card.id for card in removed])}",
        f"  Then run `deckgen prune` to forget {them} here.",
    ]


def status_lines(source: Path, revision: Revision, *, subdecks: bool = False) -> list[str]:
    """Every card the next build changes, with its line, then what Anki cannot carry."""
    lines = [f"{source}: {summary(revision)}"]
    for change in revision.changes:
        if change.kinds != ("unchanged",):
            lines.append(_change_line(source, change))
    for old, new in revision.renamed_parts:
        lines.append(f"part renamed: {old!r} → {new!r} (tags and Part field follow)")
    if revision.notetype_changed:
        lines.append("card styling or templates changed: Anki updates them on import")
    lines += [f"warning: {limit}" for limit in limits(revision, subdecks=subdecks)]
    return lines + removed_notice(revision)


def limits(revision: Revision, *, subdecks: bool = False) -> list[str]:
    """Changes a re-import of the `.apkg` cannot carry into the user's collection."""
    found = []
    if revision.fields_changed:
        found.append(
            "the notetype's fields changed: Anki will import a second notetype and not update "
            "the notes you already have"
        )
    moves = deck_moves(revision)
    found += moves
    if subdecks and not moves:
        moved = sum("moved" in change.kinds for change in revision.changes)
        if moved:
            found.append(
                f"{moved} moved card(s) stay in their old subdeck: Anki never moves existing "
                "cards between decks (their tags do follow)"
            )
        for old, new in revision.renamed_parts:
            found.append(
                f"renamed part: cards already in subdeck {old!r} stay there; rename that "
                f"subdeck to {new!r} in Anki before importing"
            )
    return found


def _change_line(source: Path, change: CardChange) -> str:
    kinds = "+".join(change.kinds)
    if change.line is None:
        was = place_name(change.file, change.part)
        return f"{source}: {kinds}: {change.question} [{change.id}, was in {was!r}]"
    detail = ""
    before = change.before
    if before is not None and "reworded" in change.kinds:
        detail += f" (was: {before.question})"
    if before is not None and (before.file, before.part) != (change.file, change.part):
        old, new = place_name(before.file, before.part), place_name(change.file, change.part)
        renamed = "" if "moved" in change.kinds else ", renamed"
        detail += f" ({old!r} → {new!r}{renamed})"
    return f"{location(change.path or source, change.line)}: {kinds}: {change.question}{detail}"


def deck_moves(revision: Revision) -> list[str]:
    """Cards whose deck the build changes, by (old deck, new deck): Anki keeps existing cards in
    their deck on import, so each move is something to do in Anki by hand."""
    moves = Counter(
        (change.before.deck, change.deck)
        for change in revision.changes
        if change.before is not None and change.before.deck and change.deck
        and change.before.deck != change.deck
    )  # fmt: skip
    return [
        f"{count} card(s) of deck {old!r} now belong in {new!r}, but Anki keeps cards in "
        f'their deck on import: after importing, search the Browser for `"deck:{old}" '
        f'-"deck:{old}::*"`, select the cards whose tags name their new place, and use '
        "Change Deck"
        for (old, new), count in sorted(moves.items())
    ]


def project_status(project: Project, options: BuildOptions) -> list[str]:
    """What the next build of `project` changes, card by card (see `status_lines`)."""
    from deckgen.api import previous_project_state
    from deckgen.pipeline import run_project

    previous = previous_project_state(project)
    built = run_project(project, options, previous, now=int(time.time()))
    revision = built.revision
    lines = [str(d) for d in revision.diagnostics if d.severity != "info"]
    label = project.root / project.config.path.name if project.config.path else project.root
    if previous is None:
        return [
            *lines,
            (
                f"{label}: no {project.state_file.name} yet: the next build gives "
                f"{len(revision.deck.notes)} cards their question-based IDs"
            ),
        ]
    subdecks = project_subdecks(project, options.subdecks) is not None
    return lines + status_lines(label, revision, subdecks=subdecks)


def prune_project(project: Project) -> str:
    """Forget the removed notes in the project's state; what was done, in one line."""
    state = load_ledger(project.state_file)
    if state is None or not state.deck.removed:
        return f"{project.state_file}: no removed notes to forget"
    save_ledger(replace(state, deck=replace(state.deck, removed=())), project.state_file)
    ids = [card.id for card in state.deck.removed]
    return f"{project.state_file}: forgot {len(ids)} removed note(s): {removed_search(ids)}"
