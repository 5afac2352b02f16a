"""A project's one state file: `deckgen-state.jsonl` beside its `deckgen.toml`.

Made for git: a header line, then one line per card sorted by ID, so adding, editing or moving a
card changes its own line only, and two machines that each added cards merge without a conflict.
It is read strictly, like a one-file state (`deckgen.identity.state`): a merge conflict, a
duplicated key or ID, or an out-of-range value stops the build with the line to fix, because
guessing would silently give cards new IDs and lose their history.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

from deckgen.errors import SourceError
from deckgen.identity.ids import NOTE_ID
from deckgen.identity.state import (
    CardRecord,
    DeckState,
    read_digest,
    read_header,
    read_mtime,
    read_state_text,
    write_state_text,
)
from deckgen.identity.strictjson import ObjectReader, bounded_int

FORMAT = "deckgen-project-state"
VERSION = 1
_CONFLICT = ("<<<<<<<", "|||||||", "=======", ">>>>>>>")
_CARD_KEYS = {"id", "file", "part", "question", "answer", "content", "mtime", "deck"}


@dataclass(frozen=True, slots=True)
class ProjectState:
    """A project's state: the identity space's namespace and every card's record."""

    namespace: str
    """What the project's new IDs are hashed under, fixed when the state was first written."""
    deck: DeckState


def dump_ledger(state: ProjectState) -> str:
    """The file's text: the header, then cards and removed cards, one per line, by ID."""
    head = {
        "format": FORMAT,
        "version": VERSION,
        "namespace": state.namespace,
        "notetype": {
            "content": state.deck.notetype.content,
            "fields": list(state.deck.notetype.fields),
            "mtime": state.deck.notetype.mtime,
        },
    }
    lines = [json.dumps(head, ensure_ascii=False, separators=(", ", ": "))]
    entries = [(card, False) for card in state.deck.cards]
    entries += [(card, True) for card in state.deck.removed]
    lines += [_line(card, removed) for card, removed in sorted(entries, key=lambda e: e[0].id)]
    return "\n".join(lines) + "\n"


def adopt(states: Sequence[tuple[str, DeckState]]) -> DeckState | None:
    """One project state from the one-file states its files had (file, state), so a deck built
    file by file becomes a project with every card's ID, mtime and removed notes kept. An ID
    two files share (same stem, same question) stays with the first; the other card is
    matched afresh. None when there is nothing to adopt."""
    if not states:
        return None
    seen: set[str] = set()
    cards: list[CardRecord] = []
    removed: list[CardRecord] = []
    for file, state in states:
        for into, records in ((cards, state.cards), (removed, state.removed)):
            for record in records:
                if record.id not in seen:
                    seen.add(record.id)
                    into.append(replace(record, file=file))
    notetype = max((state.notetype for _, state in states), key=lambda n: n.mtime)
    return DeckState(notetype, tuple(cards), tuple(removed))


def _line(card: CardRecord, removed: bool) -> str:
    string = encode_basestring
    text = (
        f'{{"id": {string(card.id)}, "file": {string(card.file)}, "part": {string(card.part)}, '
        f'"question": {string(card.question)}, "answer": {string(card.answer)}, '
        f'"content": {string(card.content)}, "mtime": {int(card.mtime)}, '
        f'"deck": {string(card.deck)}'
    )
    return text + (', "removed": true}' if removed else "}")


def save_ledger(state: ProjectState, path: Path) -> bool:
    """Write `state` to `path` atomically; False (and nothing touched) when it is already there."""
    return write_state_text(dump_ledger(state), path)


def load_ledger(path: Path) -> ProjectState | None:
    """The state in `path`, None when there is no such file; SourceError when it cannot be trusted."""
    text = read_state_text(path)
    return parse_ledger(text, path) if text is not None else None


def parse_ledger(text: str, path: Path) -> ProjectState:
    """Validate the text of a project state; every error names its line."""
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    for number, line in lines:
        if line.startswith(_CONFLICT):
            raise SourceError(
                path,
                number,
                f"git merge conflict in {path.name} at line {number}: each card is one line, so "
                "keep the card lines of both sides, delete the conflict markers (and, for a card "
                "changed on both sides, the line with the smaller mtime), then build again",
            )
    if not lines:
        raise SourceError(
            path, 1, "empty state file (delete it to start afresh: cards get new IDs)"
        )
    head = _object(path, *lines[0])
    head.keys("state", {"format", "version", "namespace", "notetype"})
    namespace = head.get("namespace", str)
    record = read_header(head, FORMAT, VERSION)
    cards, removed = _cards(path, lines[1:])
    return ProjectState(namespace, DeckState(record, tuple(cards), tuple(removed)))


def _cards(
    path: Path, lines: Iterable[tuple[int, str]]
) -> tuple[list[CardRecord], list[CardRecord]]:
    cards: list[CardRecord] = []
    removed: list[CardRecord] = []
    seen: dict[str, int] = {}
    for number, line in lines:
        entry = _object(path, number, line)
        gone = entry.value.pop("removed", False)
        if gone is not True and gone is not False:
            raise entry.error('"removed" must be true when present')
        entry.keys("card", _CARD_KEYS)
        note_id = entry.get("id", str)
        if not NOTE_ID.match(note_id):
            raise entry.error(
                f'"id" {note_id!r} is not an ID (letters, digits, - and _; at most 64)'
            )
        if note_id in seen:
            raise entry.error(
                f"ID {note_id} is also on line {seen[note_id]}: one line per card (after a "
                "merge, keep the line with the larger mtime)"
            )
        seen[note_id] = number
        card = CardRecord(
            note_id,
            entry.get("question", str),
            entry.get("part", str),
            read_digest(entry, "answer"),
            read_digest(entry, "content"),
            read_mtime(entry),
            _file(entry),
            entry.get("deck", str),
        )
        (removed if gone else cards).append(card)
    return cards, removed


def _file(entry: ObjectReader) -> str:
    value: str = entry.get("file", str)
    if not value or value.startswith("/") or ".." in value.split("/"):
        raise entry.error(f'"file" must be a path inside the project, not {value!r}')
    return value


def _object(path: Path, number: int, line: str) -> ObjectReader:
    try:
        value = json.loads(line, object_pairs_hook=_no_duplicates, parse_int=bounded_int)
    except json.JSONDecodeError as exc:
        raise SourceError(path, number, f"not valid JSON: {exc.msg} (column {exc.colno})") from None
    except _DuplicateKeyError as exc:
        raise SourceError(path, number, f'"{exc.key}" appears twice in this entry') from None
    return ObjectReader(path, value, number)


class _DuplicateKeyError(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for key, item in pairs:
        if key in value:
            raise _DuplicateKeyError(key)
        value[key] = item
    return value
