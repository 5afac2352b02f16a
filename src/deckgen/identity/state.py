"""The identity state beside a source: which card has which ID, and when its content changed.

`source/<stem>.deckgen.json` is meant to be committed with the Markdown. It is written by deckgen
(atomically, one entry per card in document order, stable key order) and read strictly: a file
that was broken or hand-edited into something deckgen cannot trust stops the build with the line
that is wrong, because guessing would silently give cards new IDs and lose their history.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from json.encoder import encode_basestring
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deckgen.atomic import write_bytes_atomic
from deckgen.errors import SourceError
from deckgen.identity.ids import NOTE_ID

if TYPE_CHECKING:
    from deckgen.identity.strictjson import ObjectReader

STATE_SUFFIX = ".deckgen.json"
FORMAT = "deckgen-state"
VERSION = 1

_DIGEST = re.compile(r"^[0-9a-f]{16}$")
LAST_MTIME = 253_402_300_799
"""9999-12-31 23:59:59 UTC: no note was edited later, and Anki's timestamps stay in range."""


@dataclass(frozen=True, slots=True)
class CardRecord:
    """One card as the last build left it."""

    id: str
    """The note's GUID and `ID` field."""
    question: str
    """The question heading's Markdown source."""
    part: str
    """The part heading's Markdown source, e.g. `Part 1: LSTM`."""
    answer: str
    """Digest of the answer's Markdown, to recognise a heavily reworded question."""
    content: str
    """Digest of the note as Anki stores it (fields and tags)."""
    mtime: int
    """Seconds since the epoch when `content` last changed; the note's mtime in the package."""
    file: str = ""
    """The file the card is in, relative to the project; empty in a one-file deck's state."""
    deck: str = ""
    """The deck the card was put in (kept in a project's state only: Anki never moves a card)."""


@dataclass(frozen=True, slots=True)
class NotetypeRecord:
    """The notetype as the last build wrote it."""

    content: str
    """Digest of the notetype's name, fields, templates and CSS."""
    fields: tuple[str, ...]
    """Field names; Anki cannot update existing notes if these ever change."""
    mtime: int
    """When `content` last changed; the notetype's mtime in the package."""


@dataclass(frozen=True, slots=True)
class DeckState:
    """Everything a rebuild needs to keep every card's identity and history."""

    notetype: NotetypeRecord
    cards: tuple[CardRecord, ...]
    """Cards in the source, in document order."""
    removed: tuple[CardRecord, ...] = ()
    """Cards that left the source; kept (and reported) until `deckgen prune`."""


def state_path(source: Path) -> Path:
    """`source/x.md` → `source/x.deckgen.json`."""
    return source.with_name(source.stem + STATE_SUFFIX)


def dump_state(state: DeckState) -> str:
    """The file's text: indented JSON, keys in a fixed order, one card per object, final newline.

    Exactly `json.dumps(…, indent=2, ensure_ascii=False)` of the whole state, written card by
    card: the standard encoder has no fast path for indented output, and a rebuild writes a
    state of thousands of cards.
    """
    head = json.dumps(
        {
            "format": FORMAT,
            "version": VERSION,
            "notetype": {
                "content": state.notetype.content,
                "fields": list(state.notetype.fields),
                "mtime": state.notetype.mtime,
            },
        },
        indent=2,
        ensure_ascii=False,
    )
    body = head.removesuffix("\n}")
    return (
        f'{body},\n  "cards": {_cards_json(state.cards)},'
        f'\n  "removed": {_cards_json(state.removed)}\n}}\n'
    )


def _cards_json(cards: tuple[CardRecord, ...]) -> str:
    if not cards:
        return "[]"
    string = encode_basestring
    objects = (
        f'{{\n      "id": {string(c.id)},\n      "question": {string(c.question)},'
        f'\n      "part": {string(c.part)},\n      "answer": {string(c.answer)},'
        f'\n      "content": {string(c.content)},\n      "mtime": {int(c.mtime)}\n    }}'
        for c in cards
    )
    return "[\n    " + ",\n    ".join(objects) + "\n  ]"


def save_state(state: DeckState, path: Path) -> bool:
    """Write `state` to `path` atomically; False (and nothing touched) when it is already there."""
    return write_state_text(dump_state(state), path)


def write_state_text(text: str, path: Path) -> bool:
    """`save_state` of a state already dumped (see `dump_state`)."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    write_bytes_atomic(path, text.encode("utf-8"))
    return True


def load_state(path: Path) -> DeckState | None:
    """The state in `path`, None when there is no such file; SourceError when it cannot be trusted."""
    text = read_state_text(path)
    return parse_state(text, path) if text is not None else None


def read_state_text(path: Path) -> str | None:
    """The text of a state file (one-file or project), None when there is no such file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SourceError(path, None, f"cannot read: {exc.strerror or exc}") from None
    try:
        # An editor may have saved it with a BOM; it says nothing about the cards.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(path, None, f"not UTF-8 ({exc.reason})") from None


def parse_state(text: str, path: Path) -> DeckState:
    """Validate the text of a state file; every error names the line of the offending entry."""
    # Here: a rebuild takes the state from its cache and never parses the file.
    from deckgen.identity.strictjson import ObjectReader, load_located

    root = ObjectReader(path, load_located(text, path), 1)
    root.keys("state", {"format", "version", "notetype", "cards", "removed"})
    record = read_header(root, FORMAT, VERSION)
    cards = tuple(read_card(entry) for entry in root.children("cards"))
    removed = tuple(read_card(entry) for entry in root.children("removed"))
    seen: set[str] = set()
    for entry, card in zip(
        [*root.children("cards"), *root.children("removed")], cards + removed, strict=True
    ):
        if card.id in seen:
            raise entry.error(f"ID {card.id} appears twice; every card needs its own")
        seen.add(card.id)
    return DeckState(record, cards, removed)


def _card_json(card: CardRecord) -> dict[str, Any]:
    return {
        "id": card.id,
        "question": card.question,
        "part": card.part,
        "answer": card.answer,
        "content": card.content,
        "mtime": card.mtime,
    }


def read_header(root: ObjectReader, kind: str, newest: int) -> NotetypeRecord:
    """Check a state's `format` and `version`; its `notetype` record."""
    if root.get("format", str) != kind:
        raise root.error(f'"format" must be "{kind}"')
    version = root.get("version", int)
    if version > newest:
        raise root.error(f"written by a newer deckgen (state version {version}); upgrade deckgen")
    if version != newest:
        raise root.error(f"unknown state version {version}")
    notetype = root.child("notetype")
    notetype.keys("notetype", {"content", "fields", "mtime"})
    fields = notetype.get("fields", list)
    if not all(isinstance(name, str) for name in fields):
        raise notetype.error('"fields" must be a list of strings')
    return NotetypeRecord(
        content=read_digest(notetype, "content"),
        fields=tuple(fields),
        mtime=read_mtime(notetype),
    )


def read_card(entry: ObjectReader) -> CardRecord:
    entry.keys("card", {"id", "question", "part", "answer", "content", "mtime"})
    note_id = entry.get("id", str)
    if not NOTE_ID.match(note_id):
        raise entry.error(f'"id" {note_id!r} is not an ID (letters, digits, - and _; at most 64)')
    return CardRecord(
        id=note_id,
        question=entry.get("question", str),
        part=entry.get("part", str),
        answer=read_digest(entry, "answer"),
        content=read_digest(entry, "content"),
        mtime=read_mtime(entry),
    )


def read_digest(entry: ObjectReader, key: str) -> str:
    """The entry's digest at `key`: 16 lower-case hex digits."""
    value: str = entry.get(key, str)
    if not _DIGEST.match(value):
        raise entry.error(f'"{key}" must be 16 lower-case hex digits, not {value!r}')
    return value


def read_mtime(entry: ObjectReader) -> int:
    """The entry's `mtime`: whole seconds from 1970 to the year 9999."""
    value: int = entry.get("mtime", int)
    if not 0 <= value <= LAST_MTIME:
        raise entry.error(f'"mtime" must be seconds from 0 to {LAST_MTIME}, not {value}')
    return value
