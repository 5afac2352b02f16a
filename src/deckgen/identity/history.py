"""Carry identities and mtimes from one build to the next.

`identify` decides which ID each card of the source takes (see `deckgen.identity.match`); `revise`
stamps every note with the time its content last changed and writes down the state the next
build starts from. Neither reads nor writes files.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from deckgen.identity.ids import normalize_question
from deckgen.identity.match import Current, Known, Matching, match_cards
from deckgen.identity.pins import pinned_ids, without_markers
from deckgen.identity.state import CardRecord, DeckState, NotetypeRecord
from deckgen.model import Card, Deck, Diagnostic, Document, Note

NoteKey = tuple[str, str, tuple[str, ...]]
"""A note's ID, Source field and tags: with its rendered fields, all that `note_digest` reads."""

ChangeKind = Literal["new", "reworded", "moved", "changed", "unchanged", "removed"]


@dataclass(frozen=True, slots=True)
class Member:
    """One file's document in an identity space (a deck of one file, or a project)."""

    file: str
    """Its path relative to the project, as the state records it; empty for a deck of one file."""
    document: Document


def placed_cards(members: Sequence[Member]) -> Iterator[tuple[Member, Card]]:
    """Every card of every member, in member order then document order."""
    for member in members:
        for card in member.document.cards:
            yield member, card


def place_name(file: str, part: str) -> str:
    """How a report names a part: its heading, after its file in a project."""
    return f"{file}: {part}" if file else part


@dataclass(frozen=True, slots=True)
class Identities:
    """The ID each card of a document takes, and the matching that chose it."""

    ids: tuple[str, ...]
    matching: Matching
    known: tuple[CardRecord, ...]
    """The previous state's cards, then its removed cards: what `matching` indexes."""
    answers: tuple[str, ...]
    """Digest of each card's answer Markdown."""


@dataclass(frozen=True, slots=True)
class CardChange:
    """What a build does to one card, as `deckgen status` reports it."""

    id: str
    question: str
    part: str
    line: int | None
    """The question's line in the source; None for a removed card."""
    kinds: tuple[ChangeKind, ...]
    """`new`, `unchanged`, `removed`, or some of `reworded`, `moved`, `changed`."""
    before: CardRecord | None = None
    file: str = ""
    """The file the card is in now (was in, when removed), relative to the project."""
    path: Path | None = None
    """The source file the card is in; None for a removed card."""
    deck: str = ""
    """The deck the build puts the card in (empty when removed)."""


@dataclass(frozen=True, slots=True)
class Revision:
    """A build's outcome before anything is written: the deck, the state, what changed."""

    deck: Deck
    state: DeckState
    changes: tuple[CardChange, ...]
    """Every card of the source in order, then every removed card."""
    renamed_parts: tuple[tuple[str, str], ...] = ()
    """(old part, new part), each as `place_name` shows it: a file renamed or a part heading
    reworded, with most of its cards still together."""
    fields_changed: bool = False
    """The notetype's fields differ from the previous build's: Anki will not update notes."""
    notetype_changed: bool = False
    diagnostics: tuple[Diagnostic, ...] = ()


def digest(value: object) -> str:
    """16 hex digits of SHA-256 over a JSON-able value."""
    data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.sha256(data).hexdigest()[:16]


def answer_digest(card: Card) -> str:
    """The answer's Markdown without the heading, ID markers and spacing differences."""
    _, _, answer = card.source.partition("\n")
    return digest(" ".join(without_markers(answer).split()))


def note_digest(note: Note) -> str:
    """Everything of a note that Anki stores and a re-import updates: fields and tags."""
    return digest([note.question, note.answer, note.part, note.source, note.id, list(note.tags)])


def identify(
    members: Sequence[Member],
    previous: DeckState | None,
    namespace: str,
    *,
    answers: Sequence[str | None] | None = None,
) -> Identities:
    """Match the cards of every member to the previous state (or give question-based IDs).

    `answers` are the cards' `answer_digest`s, in `placed_cards` order, where the caller already
    has them (None: not).
    """
    placed = list(placed_cards(members))
    pins = [pin for member in members for pin in pinned_ids(member.document)]
    given = answers or [None] * len(placed)
    digests = tuple(
        cached or answer_digest(card) for (_, card), cached in zip(placed, given, strict=True)
    )
    known = (previous.cards + previous.removed) if previous else ()
    live = len(previous.cards) if previous else 0
    matching = match_cards(
        [
            Known(k.id, k.question, k.part, k.answer, k.file, removed=n >= live)
            for n, k in enumerate(known)
        ],
        [
            Current(card.question, card.part.heading, answer, pin, member.file)
            for (member, card), answer, pin in zip(placed, digests, pins, strict=True)
        ],
        namespace,
    )
    ids = tuple(a.id for a in matching.assignments)
    return Identities(ids, matching, known, digests)


def revise(
    members: Sequence[Member],
    deck: Deck,
    identities: Identities,
    previous: DeckState | None,
    notetype: NotetypeRecord,
    *,
    now: int,
    contents: Sequence[tuple[NoteKey, str] | None] | None = None,
) -> Revision:
    """Stamp `deck`'s notes (made with `identities.ids`, in `placed_cards` order) and write down
    the next state.

    A note keeps its recorded mtime while its content is unchanged, so an unchanged card is
    byte-identical and a re-import leaves the user's own edits in Anki alone; a changed note
    gets `now`, and always more than its old mtime, so Anki sees it as newer and updates it.
    `notetype.mtime` is ignored: the notetype is stamped the same way by its content.
    `contents` holds, per card whose fields a previous build rendered, that note's key and
    digest: the digest stands while the key is the same (None: digest this note).
    """
    placed = list(placed_cards(members))
    befores = [
        identities.known[a.known] if a.known is not None else None
        for a in identities.matching.assignments
    ]
    renamed = _renamed_places(placed, befores, previous)
    notes, records, changes = [], [], []
    given = contents or [None] * len(deck.notes)
    for (member, card), note, answer, before, cached in zip(
        placed, deck.notes, identities.answers, befores, given, strict=True
    ):
        if cached is not None and cached[0] == (note.id, note.source, note.tags):
            content = cached[1]
        else:
            content = note_digest(note)
        mtime = _stamp(before.content, before.mtime, content, now) if before else now
        notes.append(note if note.mtime == mtime else _stamped(note, mtime))
        records.append(
            CardRecord(
                note.id,
                card.question,
                card.part.heading,
                answer,
                content,
                mtime,
                member.file,
                # A one-file state does not record decks: a card never changes deck there
                # but by a part renamed or moved, which the report already names.
                note.deck if member.file else "",
            )
        )
        changes.append(
            CardChange(
                note.id,
                card.question,
                card.part.heading,
                card.line,
                _kinds(member.file, card, answer, content, before, renamed),
                before,
                member.file,
                member.document.path,
                note.deck,
            )
        )
    unmatched = identities.matching.unmatched
    split = len(previous.cards) if previous else 0
    # Cards removed earlier stay first; cards removed by this build follow in their old order.
    removed = tuple(identities.known[k] for k in sorted(unmatched, key=lambda k: (k < split, k)))
    changes += [
        CardChange(r.id, r.question, r.part, None, ("removed",), r, r.file) for r in removed
    ]

    stamp = now
    if previous is not None:
        stamp = _stamp(previous.notetype.content, previous.notetype.mtime, notetype.content, now)
    state = DeckState(replace(notetype, mtime=stamp), tuple(records), removed)
    return Revision(
        deck=replace(deck, notes=tuple(notes)),
        state=state,
        changes=tuple(changes),
        renamed_parts=tuple(
            sorted((place_name(*old), place_name(*new)) for old, new in renamed.items())
        ),
        fields_changed=previous is not None and previous.notetype.fields != notetype.fields,
        notetype_changed=previous is not None and previous.notetype.content != notetype.content,
        diagnostics=_ambiguities(placed, identities),
    )


def _stamped(note: Note, mtime: int) -> Note:
    # `dataclasses.replace` costs several times this, once per note of every build.
    return Note(
        note.id, note.question, note.answer, note.part, note.source, note.tags, note.deck, mtime
    )


def _stamp(old_content: str, old_mtime: int, content: str, now: int) -> int:
    # Anki updates only when the package is strictly newer, in whole seconds.
    return old_mtime if old_content == content else max(now, old_mtime + 1)


Place = tuple[str, str]
"""(file, part heading): where a card sits."""


def _kinds(
    file: str,
    card: Card,
    answer: str,
    content: str,
    before: CardRecord | None,
    renamed: dict[Place, Place],
) -> tuple[ChangeKind, ...]:
    if before is None:
        return ("new",)
    kinds: list[ChangeKind] = []
    if before.question != card.question and (
        normalize_question(before.question) != normalize_question(card.question)
    ):
        kinds.append("reworded")
    old, new = (before.file, before.part), (file, card.part.heading)
    if old != new and renamed.get(old) != new:
        kinds.append("moved")
    if before.answer != answer or (before.content != content and not kinds):
        kinds.append("changed")
    return tuple(kinds) or ("unchanged",)


def _renamed_places(
    placed: Sequence[tuple[Member, Card]],
    befores: list[CardRecord | None],
    previous: DeckState | None,
) -> dict[Place, Place]:
    """Old place → new one: the new place most of an old place's cards now sit in, when the old
    place is gone and the new one did not exist before (so cards that went elsewhere are moves,
    not part of the rename). A place is a part of a file: a reworded part heading, a renamed or
    moved file, or both."""
    if previous is None:
        return {}
    old_places = {(card.file, card.part) for card in previous.cards}
    new_places = {(member.file, card.part.heading) for member, card in placed}
    gone = old_places - new_places
    goes_to: dict[Place, Counter[Place]] = defaultdict(Counter)
    for (member, card), before in zip(placed, befores, strict=True):
        if before is None:
            continue
        old, new = (before.file, before.part), (member.file, card.part.heading)
        if old in gone and new not in old_places:
            goes_to[old][new] += 1
    renamed: dict[Place, Place] = {}
    for old, targets in sorted(goes_to.items()):
        for new, _ in sorted(targets.items(), key=lambda item: (-item[1], item[0])):
            if new not in renamed.values():
                renamed[old] = new
                break
    return renamed


def _ambiguities(
    placed: Sequence[tuple[Member, Card]], identities: Identities
) -> tuple[Diagnostic, ...]:
    found = []
    if identities.matching.similarity_skipped:
        found.append(
            Diagnostic(
                placed[0][0].document.path if placed else Path(),
                None,
                "warning",
                "too many questions changed at once to match rewordings; only unchanged questions "
                "and unchanged answers keep their cards",
            )
        )
    for ambiguity in identities.matching.ambiguities:
        member, card = placed[ambiguity.current]
        alike = ", ".join(
            f"{identities.known[k].question!r} ({score:.2f})" for k, score in ambiguity.candidates
        )
        if len(ambiguity.candidates) > 1:
            why = f"resembles several removed questions about equally: {alike}"
        else:
            why = f"resembles removed {alike}, as another question does"
        found.append(
            Diagnostic(
                member.document.path,
                card.line,
                "warning",
                f"ambiguous: this question {why}; it gets a new ID. To keep a removed card's "
                "history instead, put `<!-- id: … -->` with its ID under the question",
            )
        )
    return tuple(found)
