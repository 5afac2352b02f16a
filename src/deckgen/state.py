"""The identity state beside a source: which card has which ID, and when its content changed.

`source/<stem>.deckgen.json` is meant to be committed with the Markdown. It is written by deckgen
(atomically, one entry per card in document order, stable key order) and read strictly: a file
that was broken or hand-edited into something deckgen cannot trust stops the build with the line
that is wrong, because guessing would silently give cards new IDs and lose their history.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from json import decoder as json_decoder
from json import scanner as json_scanner
from pathlib import Path
from typing import Any

from deckgen.atomic import write_bytes_atomic
from deckgen.errors import SourceError

STATE_SUFFIX = ".deckgen.json"
FORMAT = "deckgen-state"
VERSION = 1

NOTE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
"""What an ID may look like: a GUID, a field value and an Anki search term all at once."""
_DIGEST = re.compile(r"^[0-9a-f]{16}$")


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
    """The file's text: indented JSON, keys in a fixed order, one card per object, final newline."""
    document = {
        "format": FORMAT,
        "version": VERSION,
        "notetype": {
            "content": state.notetype.content,
            "fields": list(state.notetype.fields),
            "mtime": state.notetype.mtime,
        },
        "cards": [_card_json(card) for card in state.cards],
        "removed": [_card_json(card) for card in state.removed],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def save_state(state: DeckState, path: Path) -> bool:
    """Write `state` to `path` atomically; False (and nothing touched) when it is already there."""
    text = dump_state(state)
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    write_bytes_atomic(path, text.encode("utf-8"))
    return True


def load_state(path: Path) -> DeckState | None:
    """The state in `path`, None when there is no such file; SourceError when it cannot be trusted."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError as exc:
        raise SourceError(path, None, f"not UTF-8 ({exc.reason})") from None
    except OSError as exc:
        raise SourceError(path, None, f"cannot read: {exc.strerror or exc}") from None
    return parse_state(text, path)


def parse_state(text: str, path: Path) -> DeckState:
    """Validate the text of a state file; every error names the line of the offending entry."""
    try:
        raw = _LineDecoder(text).decode(text)
    except json.JSONDecodeError as exc:
        raise SourceError(
            path, exc.lineno, f"not valid JSON: {exc.msg} (column {exc.colno})"
        ) from None
    root = _Reader(path, raw, 1)
    root.keys("state", {"format", "version", "notetype", "cards", "removed"})
    if root.get("format", str) != FORMAT:
        raise root.error(f'"format" must be "{FORMAT}"')
    version = root.get("version", int)
    if version > VERSION:
        raise root.error(f"written by a newer deckgen (state version {version}); upgrade deckgen")
    if version != VERSION:
        raise root.error(f"unknown state version {version}")
    notetype = root.child("notetype")
    notetype.keys("notetype", {"content", "fields", "mtime"})
    fields = notetype.get("fields", list)
    if not all(isinstance(name, str) for name in fields):
        raise notetype.error('"fields" must be a list of strings')
    record = NotetypeRecord(
        content=notetype.digest("content"),
        fields=tuple(fields),
        mtime=notetype.mtime(),
    )
    cards = tuple(_card(entry) for entry in root.children("cards"))
    removed = tuple(_card(entry) for entry in root.children("removed"))
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


def _card(entry: _Reader) -> CardRecord:
    entry.keys("card", {"id", "question", "part", "answer", "content", "mtime"})
    note_id = entry.get("id", str)
    if not NOTE_ID.match(note_id):
        raise entry.error(f'"id" {note_id!r} is not an ID (letters, digits, - and _; at most 64)')
    return CardRecord(
        id=note_id,
        question=entry.get("question", str),
        part=entry.get("part", str),
        answer=entry.digest("answer"),
        content=entry.digest("content"),
        mtime=entry.mtime(),
    )


class _Located(dict[str, Any]):
    """A JSON object that remembers the line its `{` is on."""

    line: int = 1


class _LineDecoder(json.JSONDecoder):
    """A decoder whose objects know their line, so errors can point at the entry to fix."""

    def __init__(self, text: str) -> None:
        super().__init__()
        starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]
        parse_object = getattr(json_decoder, "JSONObject")  # noqa: B009  (untyped in typeshed)

        def located(s_and_end: tuple[str, int], *args: Any) -> tuple[_Located, int]:
            value, end = parse_object(s_and_end, *args)
            obj = _Located(value)
            obj.line = bisect.bisect_right(starts, s_and_end[1] - 1)
            return obj, end

        self.parse_object = located
        # The C scanner builds objects without calling parse_object; the Python one calls it.
        self.scan_once = getattr(json_scanner, "py_make_scanner")(self)  # noqa: B009


class _Reader:
    """Typed, strict access to one JSON object of the state file."""

    def __init__(self, path: Path, value: object, line: int) -> None:
        self.path = path
        self.line = value.line if isinstance(value, _Located) else line
        if not isinstance(value, dict):
            raise self.error("expected a JSON object")
        self.value: dict[str, Any] = value

    def error(self, message: str) -> SourceError:
        return SourceError(self.path, self.line, message)

    def keys(self, what: str, expected: set[str]) -> None:
        missing = sorted(expected - self.value.keys())
        unknown = sorted(self.value.keys() - expected)
        if missing:
            raise self.error(f"{what} lacks {', '.join(map(repr, missing))}")
        if unknown:
            raise self.error(f"{what} has unknown {', '.join(map(repr, unknown))}")

    def get(self, key: str, kind: type[Any]) -> Any:
        value = self.value[key]
        # bool is an int to Python, never to a state file.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.error(f'"{key}" must be {_KIND_NAMES[kind]}, not {json.dumps(value)}')
        return value

    def digest(self, key: str) -> str:
        value: str = self.get(key, str)
        if not _DIGEST.match(value):
            raise self.error(f'"{key}" must be 16 lower-case hex digits, not {value!r}')
        return value

    def mtime(self) -> int:
        value: int = self.get("mtime", int)
        if value < 0:
            raise self.error(f'"mtime" must not be negative, not {value}')
        return value

    def child(self, key: str) -> _Reader:
        return _Reader(self.path, self.get(key, dict), self.line)

    def children(self, key: str) -> list[_Reader]:
        return [_Reader(self.path, item, self.line) for item in self.get(key, list)]


_KIND_NAMES = {str: "a string", int: "an integer", list: "a list", dict: "an object"}
