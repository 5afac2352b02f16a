"""What a sync does to a collection, decided before anything is written: a pure function of the
deck the pipeline built, what the collection holds and what deckgen last wrote into it.

Nothing here imports Anki: `deckgen.collection.apply` reads the collection into `Holding` and
carries the `Plan` out, so `--dry-run` prints exactly what a sync would do.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import permutations

from deckgen.model import Note
from deckgen.notetype.fields import FIELDS

REMOVED_TAG = "deckgen::removed"
"""The tag of a note whose question left the Markdown (its cards suspended, not deleted)."""

SUSPENDED = -1
"""Anki's queue of a suspended card."""


@dataclass(frozen=True, slots=True)
class HeldCard:
    """One card of a note in the collection."""

    id: int
    deck: int
    """The card's home deck (its original deck while it sits in a filtered deck)."""
    suspended: bool


@dataclass(frozen=True, slots=True)
class HeldNote:
    """A note of the collection whose GUID is one of the deck's."""

    id: int
    guid: str
    notetype: int
    mtime: int
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    cards: tuple[HeldCard, ...]


@dataclass(frozen=True, slots=True)
class Written:
    """What deckgen last wrote into this collection for one note (kept in the collection)."""

    fields: str
    """Digests of the fields as written, one per field (`fields_digest`); empty when deckgen
    never wrote them (an import did)."""
    deck: int
    """The deck deckgen put the note's cards in."""
    tags: tuple[str, ...]
    """The tags deckgen gave the note: the ones a later sync may replace."""
    suspended: tuple[int, ...] = ()
    """Cards deckgen suspended because the question left the Markdown."""


@dataclass(frozen=True, slots=True)
class Holding:
    """What the collection holds that a sync looks at."""

    notes: Mapping[str, HeldNote]
    """By GUID: every note whose GUID the deck or its removed questions use."""
    decks: Mapping[str, int]
    """Deck IDs by name, for the decks the deck names that exist already."""
    written: Mapping[str, Written]
    """What deckgen last wrote, by GUID."""
    notetype: int
    """deckgen's notetype ID: a note of another notetype is never touched."""


@dataclass(frozen=True, slots=True)
class Removed:
    """A question that left the Markdown, as the state remembers it."""

    id: str
    question: str


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a note's question is in the Markdown, and when deckgen last changed its content."""

    place: str
    """`path:line` of the question."""
    since: int
    """The card's content mtime before this build: an Anki note modified later was edited
    there (used only for notes deckgen never wrote into this collection, e.g. imported)."""
    built: str = ""
    """The previous build's digest of the note (`note_digest`, the state's `content`)."""


@dataclass(frozen=True, slots=True)
class Update:
    """A note whose fields or tags change."""

    note: Note
    held: HeldNote
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    fields_changed: bool


@dataclass(frozen=True, slots=True)
class Conflict:
    """A note edited inside Anki since deckgen wrote it: Anki's text is kept (or overwritten)."""

    note: Note
    place: str
    diff: tuple[str, ...]
    """Unified diff lines, field by field, from Anki's text to the Markdown's."""
    overwritten: bool


@dataclass(frozen=True, slots=True)
class Move:
    """Cards to move into the deck the build gives them."""

    note: Note
    cards: tuple[int, ...]
    deck: str


@dataclass(frozen=True, slots=True)
class Stay:
    """Cards the user moved by hand: left where they are."""

    note: Note
    place: str


@dataclass(frozen=True, slots=True)
class Retire:
    """A removed question's note: suspended and tagged, or deleted with `--delete`."""

    held: HeldNote
    question: str
    cards: tuple[int, ...]
    """The cards to suspend (those not suspended already)."""
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything a sync writes, and what it leaves alone and says."""

    add: tuple[Note, ...] = ()
    update: tuple[Update, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    move: tuple[Move, ...] = ()
    stay: tuple[Stay, ...] = ()
    retire: tuple[Retire, ...] = ()
    delete: tuple[HeldNote, ...] = ()
    unsuspend: tuple[int, ...] = ()
    restored: tuple[Note, ...] = ()
    """Notes back in the Markdown after being removed: untagged, cards unsuspended."""
    foreign: tuple[Note, ...] = ()
    """GUIDs taken by a note of another notetype: not deckgen's, never touched."""
    unchanged: int = 0
    written: Mapping[str, Written] = field(default_factory=dict)
    """The record after the sync: what deckgen will have written, by GUID."""
    record_changed: bool = False

    @property
    def changes(self) -> bool:
        """Whether the sync writes anything into the collection."""
        return bool(
            self.add
            or self.update
            or [c for c in self.conflicts if c.overwritten]
            or self.move
            or self.retire
            or self.delete
            or self.unsuspend
            or self.record_changed
        )


def fields_of(note: Note) -> tuple[str, ...]:
    """The note's fields in the notetype's order, as Anki stores them (NFC, as Anki's
    `normalize_note_text` makes every field it saves)."""
    values = (note.question, note.answer, note.part, note.source, note.id)
    return tuple(unicodedata.normalize("NFC", value) for value in values)


def fields_digest(fields: Sequence[str]) -> str:
    """A digest of each field, space-separated: a later sync tells which fields were edited in
    Anki, so an edit the Markdown has taken up is no conflict, whatever else deckgen changed."""
    return " ".join(hashlib.sha256(value.encode()).hexdigest()[:12] for value in fields)


def edited_in_anki(held: Sequence[str], want: Sequence[str], recorded: str) -> bool:
    """Whether `held` has an edit the Markdown (`want`) does not say: a field other than what
    deckgen wrote (`recorded`) and other than the Markdown's now. A record of one digest of
    all the fields (an earlier deckgen's) tells only that some field changed."""
    digests = recorded.split(" ")
    if not len(digests) == len(held) == len(want):
        return hashlib.sha256("\x1f".join(held).encode()).hexdigest()[:16] != recorded
    return any(
        now != then and value != new
        for now, then, value, new in zip(
            fields_digest(held).split(" "), digests, held, want, strict=True
        )
    )


def as_built(held: HeldNote, built: str) -> bool:
    """Whether `held` is exactly the note of the build whose `note_digest` is `built`, fields
    and tags, as Anki's importer leaves a package's note. Anki sorts a note's tags: each order
    of a few is tried, deckgen's among them."""
    if not built:
        return False
    orders = permutations(held.tags) if len(held.tags) <= 4 else [held.tags]
    return any(_note_digest(held.fields, order) == built for order in orders)


def _note_digest(fields: Sequence[str], tags: Sequence[str]) -> str:
    """`deckgen.identity.history.note_digest` of a note with these fields and tags, computed
    here the same way because the add-on carries this module but not deckgen.identity."""
    data = json.dumps([*fields, list(tags)], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def _folded(tags: Iterable[str]) -> set[str]:
    # Anki compares tags without case and may keep an existing tag's case.
    return {tag.casefold() for tag in tags}


def _deckgen_tags(held: HeldNote, note: Note, written: Written | None) -> set[str]:
    """The note's tags that deckgen put there: recorded, else (a note an import brought) those
    under the same top as one of the tags deckgen gives it now."""
    if written is not None:
        return _folded(written.tags) | {REMOVED_TAG}
    tops = {tag.split("::", 1)[0].casefold() for tag in note.tags}
    return {t.casefold() for t in held.tags if t.split("::", 1)[0].casefold() in tops} | {
        REMOVED_TAG
    }


def _tags_for(held: HeldNote, note: Note, written: Written | None) -> tuple[str, ...]:
    """The user's tags kept, deckgen's replaced by the note's."""
    ours = _deckgen_tags(held, note, written)
    kept = [t for t in held.tags if t.casefold() not in ours]
    wanted = _folded(kept)
    kept += [t for t in note.tags if t.casefold() not in wanted]
    return tuple(kept)


def diff_fields(held: Sequence[str], want: Sequence[str]) -> tuple[str, ...]:
    """A unified diff per field that differs, from Anki's text to the Markdown's."""
    lines: list[str] = []
    for name, old, new in zip(FIELDS, held, want, strict=False):
        if old != new:
            lines.extend(
                difflib.unified_diff(
                    old.splitlines(),
                    new.splitlines(),
                    f"{name} (in Anki)",
                    f"{name} (from the Markdown)",
                    lineterm="",
                )
            )
    return tuple(lines)


@dataclass(slots=True)
class _Planner:
    holding: Holding
    origins: Mapping[str, Origin]
    overwrite: bool
    add: list[Note] = field(default_factory=list)
    update: list[Update] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    move: list[Move] = field(default_factory=list)
    stay: list[Stay] = field(default_factory=list)
    unsuspend: list[int] = field(default_factory=list)
    restored: list[Note] = field(default_factory=list)
    foreign: list[Note] = field(default_factory=list)
    unchanged: int = 0
    written: dict[str, Written] = field(default_factory=dict)

    def note(self, note: Note) -> None:
        held = self.holding.notes.get(note.id)
        if held is None:
            self.add.append(note)
            # The deck ID is known once the deck exists: `apply` fills it in.
            self.written[note.id] = Written(fields_digest(fields_of(note)), 0, note.tags)
            return
        if held.notetype != self.holding.notetype:
            self.foreign.append(note)
            return
        before = self.holding.written.get(note.id)
        want = fields_of(note)
        fields, digest = self._fields(note, held, before, want)
        tags = _tags_for(held, note, before)
        restoring = REMOVED_TAG in _folded(held.tags)
        if restoring:
            self.restored.append(note)
            suspended = before.suspended if before else tuple(c.id for c in held.cards)
            self.unsuspend.extend(c.id for c in held.cards if c.suspended and c.id in suspended)
        deck = self._deck(note, held, before)
        self.written[note.id] = Written(digest, deck, note.tags)
        fields_changed = fields != held.fields
        if fields_changed or _folded(tags) != _folded(held.tags):
            self.update.append(Update(note, held, fields, tags, fields_changed))
        elif not restoring:
            self.unchanged += 1

    def _fields(
        self, note: Note, held: HeldNote, before: Written | None, want: tuple[str, ...]
    ) -> tuple[tuple[str, ...], str]:
        """The fields the note gets, and the digest to record."""
        if held.fields == want:
            return want, fields_digest(want)
        origin = self.origins.get(note.id)
        if before is not None and before.fields:
            edited = edited_in_anki(held.fields, want, before.fields)
            if edited and origin is not None and as_built(held, origin.built):
                # The package of deckgen's previous build, imported (on another device, say)
                # since this collection was synced: deckgen's text, not an edit made in Anki.
                edited = False
        else:
            # Never written by deckgen here (a package import brought it): edited in Anki when
            # modified after deckgen last changed its content.
            edited = origin is not None and held.mtime > origin.since
        if not edited:
            return want, fields_digest(want)
        place = origin.place if origin else note.source
        diff = diff_fields(held.fields, want)
        self.conflicts.append(Conflict(note, place, diff, self.overwrite))
        if self.overwrite:
            return want, fields_digest(want)
        # Anki's text stays, and stays a conflict until the Markdown says the same.
        return held.fields, before.fields if before is not None else ""

    def _deck(self, note: Note, held: HeldNote, before: Written | None) -> int:
        """Move the cards deckgen placed into the note's deck; returns the deck to record."""
        target = self.holding.decks.get(note.deck)
        if held.cards and all(card.deck == target for card in held.cards):
            return held.cards[0].deck
        ours = [c.id for c in held.cards if before is not None and c.deck == before.deck]
        if ours:
            self.move.append(Move(note, tuple(ours), note.deck))
        if len(ours) < len(held.cards):
            origin = self.origins.get(note.id)
            self.stay.append(Stay(note, origin.place if origin else note.source))
        # Moved cards are recorded in their new deck once `apply` knows its ID.
        return 0 if ours else (before.deck if before is not None else -1)


def plan_sync(
    notes: Sequence[Note],
    removed: Sequence[Removed],
    holding: Holding,
    origins: Mapping[str, Origin],
    *,
    overwrite: bool = False,
    delete: bool = False,
) -> Plan:
    """What a sync of `notes` (the selected deck) does to the collection `holding` describes.

    `removed` are the questions the state remembers as gone from the Markdown (the same list
    `deckgen status` and the package's report show): their notes are suspended and tagged
    `REMOVED_TAG`, or deleted with `delete`."""
    planner = _Planner(holding, origins, overwrite)
    for note in notes:
        planner.note(note)
    retire: list[Retire] = []
    deleted: list[HeldNote] = []
    present = {note.id for note in notes}
    for gone in removed:
        held = holding.notes.get(gone.id)
        if held is None or held.notetype != holding.notetype or gone.id in present:
            continue
        before = holding.written.get(gone.id)
        if delete:
            deleted.append(held)
            continue
        cards = tuple(c.id for c in held.cards if not c.suspended)
        if REMOVED_TAG in _folded(held.tags) and not cards:
            if before is not None:
                planner.written[gone.id] = before
            continue
        tags = (*held.tags, REMOVED_TAG) if REMOVED_TAG not in _folded(held.tags) else held.tags
        retire.append(Retire(held, gone.question, cards, tags))
        base = before or Written("", held.cards[0].deck if held.cards else 0, ())
        planner.written[gone.id] = Written(
            base.fields, base.deck, base.tags, tuple(sorted({*base.suspended, *cards}))
        )
    # Notes deckgen wrote that this deck no longer knows (another source's) keep their record.
    written = {**holding.written, **planner.written}
    for held in deleted:
        written.pop(held.guid, None)
    return Plan(
        add=tuple(planner.add),
        update=tuple(planner.update),
        conflicts=tuple(planner.conflicts),
        move=tuple(planner.move),
        stay=tuple(planner.stay),
        retire=tuple(retire),
        delete=tuple(deleted),
        unsuspend=tuple(planner.unsuspend),
        restored=tuple(planner.restored),
        foreign=tuple(planner.foreign),
        unchanged=planner.unchanged,
        written=written,
        record_changed=written != dict(holding.written),
    )
