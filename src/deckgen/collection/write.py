"""Applying a sync to an open collection through Anki's library: what the file sync
(`deckgen.collection.apply`) and the add-on inside a running Anki both run, so the case table
has one implementation.

Every write goes through the library Anki itself runs (never SQL of deckgen's), inside one
database transaction, so a sync that is stopped at any moment leaves the notes as they were or
as the sync made them. The record of what deckgen wrote (`RECORD_KEY`) is kept in the
collection's own config, in the same transaction, so it travels with the collection when Anki
syncs it. Only the plan, the records and the notetype's constants are imported here: none of
deckgen's parser, renderer or packager, none of which Anki ships.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deckgen.collection.backup import make_backup
from deckgen.collection.plan import (
    HeldCard,
    HeldNote,
    Holding,
    Origin,
    Plan,
    Removed,
    Written,
    fields_of,
    plan_sync,
)
from deckgen.errors import DeckgenError
from deckgen.model import Deck, MediaFile, Note
from deckgen.notetype.fields import BACK, FIELDS, FRONT, NOTETYPE_ID

if TYPE_CHECKING:
    from anki.collection import Collection
    from anki.dbproxy import DBProxy

RECORD_KEY = "deckgen:written"
"""The collection config key holding what deckgen last wrote, note by note."""
RECORD_VERSION = 1


@dataclass(frozen=True, slots=True)
class SyncSettings:
    """How a sync treats what it finds."""

    overwrite: bool = False
    """Take the Markdown's text over an edit made inside Anki."""
    delete: bool = False
    """Delete removed questions' notes instead of suspending them."""
    dry_run: bool = False
    allow_full_sync: bool = False
    """Change the notetype's fields, which makes Anki's next sync a one-way full sync."""
    theme: str = "default"
    fresh_backup: bool = True
    """A backup before every sync that changes something; False (`deckgen watch`, a sync per
    save): one no older than the collection's own backup interval (Anki's, 30 minutes by
    default) will do, as Anki desktop itself keeps them."""
    via: str = "auto"
    """`file` (the collection file, Anki closed), `addon` (Anki's add-on, Anki running), or
    `auto`: the add-on when it answers with this collection open, else the file."""


@dataclass(frozen=True, slots=True)
class Applied:
    """What a sync did (or, dry, would do) to one collection."""

    collection: Path
    plan: Plan
    notetype: str
    """`added`, `updated` (templates or CSS), or `` when it was as deckgen writes it."""
    media_added: tuple[str, ...] = ()
    media_kept: tuple[str, ...] = ()
    """Files of the same name and other bytes in the media folder: never overwritten."""
    backup: Path | None = None
    dry_run: bool = False
    changed: bool = False
    via: str = "file"
    """How the deck reached the collection: `file`, or `addon` (inside a running Anki)."""


PackageOf = Callable[[Deck], AbstractContextManager[Path]]
"""Writes a package of the given notes for the duration of a `with` block (the `.apkg` writer
on the command line's side; inside Anki, the package the command line sent)."""


def sync_open(
    col: Collection,
    path: Path,
    deck: Deck,
    removed: Sequence[Removed],
    origins: Mapping[str, Origin],
    settings: SyncSettings,
    *,
    css: str,
    package_of: PackageOf,
) -> Applied:
    """Apply `deck` to the open collection `col` (at `path`): see `plan_sync` for what happens
    to each note. A backup Anki can restore is made before anything changes."""
    notetype = notetype_state(col, css, allow_full_sync=settings.allow_full_sync)
    if notetype != "added" or settings.dry_run:
        return apply_deck(col, path, deck, removed, origins, settings, css=css, notetype=notetype)
    # Anki gives a notetype added through its library an ID of its own; its importer keeps a
    # package's. The notes that bring deckgen's notetype come in as the package a user would
    # import, and are then synced like any others.
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    backup = make_backup(col, path, fresh=settings.fresh_backup)
    media, _ = media_plan(col, deck.media)  # the import brings them
    taken = set(_db(col).list("select guid from notes"))
    fresh = replace(deck, notes=tuple(n for n in deck.notes if n.id not in taken))
    with package_of(fresh) as package:
        options = ImportAnkiPackageOptions(with_scheduling=False, with_deck_configs=False)
        col.import_anki_package(
            ImportAnkiPackageRequest(package_path=str(package), options=options)
        )
    applied = apply_deck(
        col, path, deck, removed, origins, settings, css=css, notetype="added", backed_up=True
    )
    plan = replace(
        applied.plan,
        add=(*fresh.notes, *applied.plan.add),
        unchanged=max(applied.plan.unchanged - len(fresh.notes), 0),
    )
    media = (*media, *applied.media_added)
    return replace(applied, plan=plan, media_added=media, backup=backup, changed=True)


def apply_deck(
    col: Collection,
    path: Path,
    deck: Deck,
    removed: Sequence[Removed],
    origins: Mapping[str, Origin],
    settings: SyncSettings,
    *,
    css: str,
    notetype: str,
    backed_up: bool = False,
) -> Applied:
    """Plan the sync of `deck` into the open collection `col` (at `path`) and, unless dry or
    nothing changes, make the backup and carry the plan out in one transaction. `notetype` is
    `notetype_state`'s verdict; `css` the notetype's stylesheet; `backed_up`: this sync made
    its backup already, before its import (a second one would hold the import, and in the same
    second, take the first one's name and place)."""
    holding = read_holding(col, deck.notes, removed)
    plan = plan_sync(
        deck.notes,
        removed,
        holding,
        origins,
        overwrite=settings.overwrite,
        delete=settings.delete,
    )
    media_added, media_kept = media_plan(col, deck.media)
    changes = plan.changes or bool(media_added) or notetype == "updated"
    if settings.dry_run or not changes:
        return Applied(path, plan, notetype, media_added, media_kept, dry_run=settings.dry_run)
    backup = None if backed_up else make_backup(col, path, fresh=settings.fresh_backup)
    for item in deck.media:
        if item.name in media_added:
            col.media.write_data(item.name, item.data)
    _db(col).transact(lambda: _write(col, plan, css, notetype == "updated"))
    return Applied(path, plan, notetype, media_added, media_kept, backup=backup, changed=True)


def _db(col: Collection) -> DBProxy:
    assert col.db is not None, "the collection is open while deckgen uses it"
    return col.db


def read_holding(col: Collection, notes: Sequence[Note], removed: Sequence[Removed]) -> Holding:
    """What the collection holds for these notes' and removed questions' GUIDs (reads only)."""
    wanted = {note.id for note in notes} | {gone.id for gone in removed}
    cards: dict[int, list[HeldCard]] = {}
    for cid, nid, did, odid, queue in _db(col).all(
        "select id, nid, did, odid, queue from cards where nid in "
        "(select id from notes where mid = ?) order by ord, id",
        NOTETYPE_ID,
    ):
        cards.setdefault(nid, []).append(HeldCard(cid, odid or did, queue == -1))
    held: dict[str, HeldNote] = {}
    for nid, guid, mid, mod, flds, tags in _db(col).all(
        "select id, guid, mid, mod, flds, tags from notes"
    ):
        if guid in wanted and (guid not in held or mid == NOTETYPE_ID):
            held[guid] = HeldNote(
                nid,
                guid,
                mid,
                mod,
                tuple(flds.split("\x1f")),
                tuple(tags.split()),
                tuple(cards.get(nid, ())),
            )
    decks = {}
    for name in {note.deck for note in notes}:
        did = col.decks.id_for_name(name)
        if did is not None:
            decks[name] = int(did)
    return Holding(held, decks, read_record(col), NOTETYPE_ID)


def read_record(col: Collection) -> dict[str, Written]:
    """What deckgen last wrote into this collection, by GUID (empty if it never did)."""
    raw = col.get_config(RECORD_KEY, None)
    if not isinstance(raw, dict) or raw.get("version") != RECORD_VERSION:
        return {}
    notes = raw.get("notes", {})
    record = {}
    for guid, entry in notes.items() if isinstance(notes, dict) else ():
        try:
            fields, deck, tags, suspended = entry
            record[str(guid)] = Written(
                str(fields), int(deck), tuple(map(str, tags)), tuple(map(int, suspended))
            )
        except (TypeError, ValueError):
            continue  # an entry another program mangled: as if deckgen never wrote the note
    return record


def _record_json(written: Mapping[str, Written]) -> dict[str, Any]:
    return {
        "version": RECORD_VERSION,
        "notes": {
            guid: [w.fields, w.deck, list(w.tags), list(w.suspended)]
            for guid, w in sorted(written.items())
        },
    }


def _write(col: Collection, plan: Plan, css: str, notetype: bool) -> None:
    """Every change of `plan`, in the transaction the caller holds."""
    from anki.collection import AddNoteRequest
    from anki.notes import NoteId

    if notetype:
        _update_notetype(col, css)
    model = col.models.get(NOTETYPE_ID)  # type: ignore[arg-type]
    decks: dict[str, int] = {}

    def deck_of(name: str) -> int:
        if name not in decks:
            decks[name] = int(col.decks.id(name, create=True) or 0)
        return decks[name]

    written = dict(plan.written)
    requests = []
    for note in plan.add:
        new = col.new_note(model)  # type: ignore[arg-type]
        new.guid = note.id
        new.fields = list(fields_of(note))
        new.tags = list(note.tags)
        requests.append(AddNoteRequest(new, deck_of(note.deck)))  # type: ignore[arg-type]
        written[note.id] = replace(written[note.id], deck=deck_of(note.deck))
    if requests:
        col.add_notes(requests)
    changed = []
    for update in plan.update:
        held = col.get_note(NoteId(update.held.id))
        held.fields = list(update.fields)
        held.tags = list(update.tags)
        changed.append(held)
    for retire in plan.retire:
        held = col.get_note(NoteId(retire.held.id))
        held.tags = list(retire.tags)
        changed.append(held)
    if changed:
        col.update_notes(changed)
    _cards(col, plan, written, deck_of)
    if plan.delete:
        col.remove_notes([NoteId(held.id) for held in plan.delete])
    # Undoable: an undo in Anki takes the record back with the notes it describes.
    col.set_config(RECORD_KEY, _record_json(written), undoable=True)


def _cards(col: Collection, plan: Plan, written: dict[str, Written], deck_of: Any) -> None:
    from anki.cards import CardId

    for move in plan.move:
        did = deck_of(move.deck)
        col.set_deck([CardId(c) for c in move.cards], did)
        written[move.note.id] = replace(written[move.note.id], deck=did)
    suspend = [CardId(c) for retire in plan.retire for c in retire.cards]
    if suspend:
        col.sched.suspend_cards(suspend)
    if plan.unsuspend:
        col.sched.unsuspend_cards([CardId(c) for c in plan.unsuspend])


def notetype_state(col: Collection, css: str, *, allow_full_sync: bool) -> str:
    """`added` when deckgen's notetype is not in the collection, `updated` when its templates
    or CSS differ from deckgen's, else ``. Fields that differ stop the sync (see below)."""
    current = col.models.get(NOTETYPE_ID)  # type: ignore[arg-type]
    if current is None:
        return "added"
    names = tuple(f["name"] for f in current["flds"])
    if names != FIELDS:
        if not allow_full_sync:
            raise DeckgenError(
                f"the notetype {current['name']!r} in {col.path} has the fields "
                f"{', '.join(names)}, deckgen's has {', '.join(FIELDS)}: changing them makes "
                "Anki's next sync a one-way full sync, which replaces the collection on AnkiWeb "
                "or on your other devices with this one (their unsynced reviews are lost); "
                "sync those devices first, then run again with --allow-full-sync"
            )
        return "updated"
    templates = current["tmpls"]
    same = (
        current["css"] == css
        and len(templates) == 1
        and templates[0]["qfmt"] == FRONT
        and templates[0]["afmt"] == BACK
    )
    return "" if same else "updated"


def _update_notetype(col: Collection, css: str) -> None:
    """Templates and CSS in place; the fields too when the user allowed a full sync."""
    current = col.models.get(NOTETYPE_ID)  # type: ignore[arg-type]
    assert current is not None
    names = [f["name"] for f in current["flds"]]
    if tuple(names) != FIELDS:
        for field in list(current["flds"]):
            if field["name"] not in FIELDS:
                col.models.remove_field(current, field)
        for name in FIELDS:
            if name not in [f["name"] for f in current["flds"]]:
                col.models.add_field(current, col.models.new_field(name))
        for index, name in enumerate(FIELDS):
            field = next(f for f in current["flds"] if f["name"] == name)
            col.models.reposition_field(current, field, index)
    current["css"] = css
    templates = current["tmpls"]
    templates[0]["qfmt"], templates[0]["afmt"] = FRONT, BACK
    col.models.update_dict(current)
    if tuple(names) != FIELDS:
        # Removing a field makes Anki write a Browser template of its own; deckgen's package
        # has none (the Browser shows the card's front).
        changed = col.models.get(NOTETYPE_ID)  # type: ignore[arg-type]
        assert changed is not None
        changed["tmpls"][0]["bqfmt"] = changed["tmpls"][0]["bafmt"] = ""
        col.models.update_dict(changed)


def media_plan(
    col: Collection, media: Sequence[MediaFile]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Files to add, and files of the same name with other bytes (never overwritten)."""
    folder = Path(col.media.dir())
    added, kept = [], []
    for item in media:
        try:
            there = (folder / item.name).read_bytes()
        except FileNotFoundError:
            added.append(item.name)
            continue
        if there != item.data:
            kept.append(item.name)
    return tuple(added), tuple(kept)
