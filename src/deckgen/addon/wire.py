"""What the command line and the add-on inside Anki say to each other: a sync's inputs and its
outcome as JSON. Runs on both sides, so it imports only the records and the plan."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deckgen.collection.plan import (
    Conflict,
    Move,
    Origin,
    Plan,
    Removed,
    Retire,
    Stay,
    Update,
)
from deckgen.collection.write import Applied, SyncSettings
from deckgen.model import Deck, MediaFile, Note

PROTOCOL = 1
"""Raised whenever a request or reply changes shape: each side refuses another number."""


@dataclass(frozen=True, slots=True)
class SyncRequest:
    """Everything the add-on needs to apply a deck: what the pipeline built, nothing else."""

    deck: Deck
    removed: tuple[Removed, ...]
    origins: Mapping[str, Origin]
    settings: SyncSettings
    css: str
    package: str | None = None
    """A package of the deck's notes, for a collection without deckgen's notetype yet."""


def _note(note: Note) -> list[Any]:
    return [
        note.id,
        note.question,
        note.answer,
        note.part,
        note.source,
        list(note.tags),
        note.deck,
        note.mtime,
    ]


def _unnote(row: Sequence[Any]) -> Note:
    nid, question, answer, part, source, tags, deck, mtime = row
    return Note(
        str(nid),
        str(question),
        str(answer),
        str(part),
        str(source),
        tuple(map(str, tags)),
        str(deck),
        int(mtime),
    )


def encode_request(request: SyncRequest) -> dict[str, Any]:
    settings = request.settings
    return {
        "protocol": PROTOCOL,
        "deck": {
            "name": request.deck.name,
            "notes": [_note(n) for n in request.deck.notes],
            "media": [
                [m.name, base64.b64encode(m.data).decode("ascii")] for m in request.deck.media
            ],
        },
        "removed": [[r.id, r.question] for r in request.removed],
        "origins": {k: [o.place, o.since, o.built] for k, o in request.origins.items()},
        "settings": {
            "overwrite": settings.overwrite,
            "delete": settings.delete,
            "dry_run": settings.dry_run,
            "allow_full_sync": settings.allow_full_sync,
            "theme": settings.theme,
            "fresh_backup": settings.fresh_backup,
        },
        "css": request.css,
        "package": request.package,
    }


def decode_request(data: Mapping[str, Any]) -> SyncRequest:
    """The request `encode_request` made; a `KeyError`/`ValueError`/`TypeError` when it is not
    one (the add-on answers that with a bad-request reply)."""
    if data.get("protocol") != PROTOCOL:
        raise ValueError(f"protocol {data.get('protocol')!r}, this side speaks {PROTOCOL}")
    deck = data["deck"]
    settings = data["settings"]
    return SyncRequest(
        deck=Deck(
            str(deck["name"]),
            tuple(_unnote(row) for row in deck["notes"]),
            tuple(MediaFile(str(name), base64.b64decode(b64)) for name, b64 in deck["media"]),
        ),
        removed=tuple(Removed(str(i), str(q)) for i, q in data["removed"]),
        origins={
            str(k): Origin(str(p), int(s), str(b)) for k, (p, s, b) in data["origins"].items()
        },
        settings=SyncSettings(
            overwrite=bool(settings["overwrite"]),
            delete=bool(settings["delete"]),
            dry_run=bool(settings["dry_run"]),
            allow_full_sync=bool(settings["allow_full_sync"]),
            theme=str(settings["theme"]),
            fresh_backup=bool(settings.get("fresh_backup", True)),
        ),
        css=str(data["css"]),
        package=data.get("package"),
    )


def encode_applied(applied: Applied) -> dict[str, Any]:
    """What the command line prints of a sync: the notes of each kind and the findings."""
    plan = applied.plan
    return {
        "protocol": PROTOCOL,
        "collection": str(applied.collection),
        "notetype": applied.notetype,
        "media_added": list(applied.media_added),
        "media_kept": list(applied.media_kept),
        "backup": str(applied.backup) if applied.backup else None,
        "dry_run": applied.dry_run,
        "changed": applied.changed,
        "add": [_note(n) for n in plan.add],
        "update": [[_note(u.note), u.fields_changed] for u in plan.update],
        "conflicts": [
            [_note(c.note), c.place, list(c.diff), c.overwritten] for c in plan.conflicts
        ],
        "move": [[_note(m.note), list(m.cards), m.deck] for m in plan.move],
        "stay": [[_note(s.note), s.place] for s in plan.stay],
        "retire": [[r.held.guid, r.question, list(r.cards)] for r in plan.retire],
        "delete": [h.guid for h in plan.delete],
        "unsuspend": list(plan.unsuspend),
        "restored": [_note(n) for n in plan.restored],
        "foreign": [_note(n) for n in plan.foreign],
        "unchanged": plan.unchanged,
    }


def decode_applied(data: Mapping[str, Any]) -> Applied:
    """`encode_applied`'s outcome, for the command line's report (the notes' collection-side
    details, which only the add-on needed, are left out)."""
    from deckgen.collection.plan import HeldNote

    def held(guid: str) -> HeldNote:
        return HeldNote(0, guid, 0, 0, (), (), ())

    plan = Plan(
        add=tuple(_unnote(n) for n in data["add"]),
        update=tuple(
            Update(_unnote(n), held(str(n[0])), (), (), bool(f)) for n, f in data["update"]
        ),
        conflicts=tuple(
            Conflict(_unnote(n), str(p), tuple(d), bool(o)) for n, p, d, o in data["conflicts"]
        ),
        move=tuple(Move(_unnote(n), tuple(c), str(d)) for n, c, d in data["move"]),
        stay=tuple(Stay(_unnote(n), str(p)) for n, p in data["stay"]),
        retire=tuple(Retire(held(str(g)), str(q), tuple(c), ()) for g, q, c in data["retire"]),
        delete=tuple(held(str(g)) for g in data["delete"]),
        unsuspend=tuple(int(c) for c in data["unsuspend"]),
        restored=tuple(_unnote(n) for n in data["restored"]),
        foreign=tuple(_unnote(n) for n in data["foreign"]),
        unchanged=int(data["unchanged"]),
    )
    backup = data.get("backup")
    return Applied(
        Path(str(data["collection"])),
        plan,
        str(data["notetype"]),
        tuple(data["media_added"]),
        tuple(data["media_kept"]),
        Path(backup) if backup else None,
        dry_run=bool(data["dry_run"]),
        changed=bool(data["changed"]),
    )
