"""Words for what a rebuild changes: summaries, status lines, the search for removed notes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from deckgen.anki.package import NOTETYPE_NAME
from deckgen.errors import location
from deckgen.identity.history import CardChange, ChangeKind, Revision

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
    if subdecks:
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
        return f"{source}: {kinds}: {change.question} [{change.id}, was in {change.part!r}]"
    detail = ""
    if change.before is not None and "reworded" in change.kinds:
        detail += f" (was: {change.before.question})"
    if change.before is not None and change.before.part != change.part:
        moved = "moved" in change.kinds
        detail += f" ({change.before.part!r} → {change.part!r}{'' if moved else ', part renamed'})"
    return f"{location(source, change.line)}: {kinds}: {change.question}{detail}"
