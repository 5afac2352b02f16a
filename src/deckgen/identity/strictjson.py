"""JSON read for people who edit it by hand: every object knows its line, access is strict."""

from __future__ import annotations

import bisect
import json
import re
from json import decoder as json_decoder
from json import scanner as json_scanner
from pathlib import Path
from typing import Any

from deckgen.errors import SourceError

_CONFLICT = re.compile(r"^(<{7}|\|{7}|={7}|>{7})(?: |$)", re.MULTILINE)
MAX_DIGITS = 18
"""Longest integer read: every number a state holds fits in 64 bits, and a longer one would
otherwise reach Python's 4,300-digit limit for reading integers as an internal error."""


def load_located(text: str, path: Path) -> Any:
    """Parse `text`; objects come back as `Located` dicts, syntax errors, merge conflicts and a
    key twice in one object as a SourceError at their line."""
    conflict = _CONFLICT.search(text)
    if conflict:
        line = text.count("\n", 0, conflict.start()) + 1
        raise SourceError(
            path,
            line,
            f"git merge conflict in {path.name} at line {line}: keep the cards of both sides "
            "(for a card changed on both sides, the one with the larger mtime), delete the "
            "conflict markers, then build again",
        )
    try:
        return _LineDecoder(text, path).decode(text)
    except json.JSONDecodeError as exc:
        raise SourceError(
            path, exc.lineno, f"not valid JSON: {exc.msg} (column {exc.colno})"
        ) from None


class OutOfRange(str):
    """An integer with more than `MAX_DIGITS` digits, kept as its text so that reading it
    names the key and line (see `ObjectReader.get`)."""

    __slots__ = ()


def bounded_int(digits: str) -> int | OutOfRange:
    """`int(digits)`, or `OutOfRange` for a number no state could hold."""
    return OutOfRange(digits) if len(digits.lstrip("-")) > MAX_DIGITS else int(digits)


def _no_constant(name: str) -> OutOfRange:
    # NaN and Infinity are no JSON; Python's reader would take them as floats.
    return OutOfRange(name)


class Located(dict[str, Any]):
    """A JSON object that remembers the line its `{` is on."""

    line: int = 1


class _LineDecoder(json.JSONDecoder):
    """A decoder whose objects know their line, so errors can point at the entry to fix."""

    def __init__(self, text: str, path: Path) -> None:
        super().__init__(parse_int=bounded_int, parse_constant=_no_constant)
        starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]
        parse_object = getattr(json_decoder, "JSONObject")  # noqa: B009  (untyped in typeshed)

        def located(s_and_end: tuple[str, int], *args: Any) -> tuple[Located, int]:
            # The pairs as read, not a dict: a key written twice would silently keep the last.
            strict, scan_once, _, _, memo = args
            pairs, end = parse_object(s_and_end, strict, scan_once, None, list, memo)
            line = bisect.bisect_right(starts, s_and_end[1] - 1)
            obj = Located()
            for key, item in pairs:
                if key in obj:
                    at = _key_line(text, key, s_and_end[1], end, starts)
                    raise SourceError(path, at, f'"{key}" appears twice in this object')
                obj[key] = item
            obj.line = line
            return obj, end

        self.parse_object = located
        # The C scanner builds objects without calling parse_object; the Python one calls it.
        self.scan_once = getattr(json_scanner, "py_make_scanner")(self)  # noqa: B009


def _key_line(text: str, key: str, start: int, end: int, starts: list[int]) -> int:
    """The line of the second `"key":` in `text[start:end]` (an object), else its first line."""
    pattern = re.compile(r"(?<!\\)" + re.escape(json.dumps(key)) + r"\s*:")
    found = list(pattern.finditer(text, start, end))
    at = found[1].start() if len(found) > 1 else start
    return bisect.bisect_right(starts, at)


class ObjectReader:
    """Typed, strict access to one JSON object; errors name the line of the object."""

    def __init__(self, path: Path, value: object, line: int) -> None:
        self.path = path
        self.line = value.line if isinstance(value, Located) else line
        if not isinstance(value, dict):
            raise self.error("expected a JSON object")
        self.value: dict[str, Any] = value

    def error(self, message: str) -> SourceError:
        """An error at this object's line."""
        return SourceError(self.path, self.line, message)

    def keys(self, what: str, expected: set[str]) -> None:
        """Refuse missing and unknown keys: a typo must not pass as an absent value."""
        missing = sorted(expected - self.value.keys())
        unknown = sorted(self.value.keys() - expected)
        if missing:
            raise self.error(f"{what} lacks {', '.join(map(repr, missing))}")
        if unknown:
            raise self.error(f"{what} has unknown {', '.join(map(repr, unknown))}")

    def get(self, key: str, kind: type[Any]) -> Any:
        """The value at `key`, which must be of type `kind`."""
        value = self.value[key]
        if isinstance(value, OutOfRange):
            shown = value if len(value) <= 24 else f"{value[:12]}…({len(value)} digits)"
            raise self.error(f'"{key}" is out of range: {shown}')
        # bool is an int to Python, never to someone writing JSON.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.error(f'"{key}" must be {_KIND_NAMES[kind]}, not {json.dumps(value)}')
        return value

    def child(self, key: str) -> ObjectReader:
        """The object at `key`."""
        return ObjectReader(self.path, self.get(key, dict), self.line)

    def children(self, key: str) -> list[ObjectReader]:
        """The objects in the list at `key`."""
        return [ObjectReader(self.path, item, self.line) for item in self.get(key, list)]


_KIND_NAMES = {str: "a string", int: "an integer", list: "a list", dict: "an object"}
