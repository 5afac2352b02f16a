"""JSON read for people who edit it by hand: every object knows its line, access is strict."""

from __future__ import annotations

import bisect
import json
from json import decoder as json_decoder
from json import scanner as json_scanner
from pathlib import Path
from typing import Any

from deckgen.errors import SourceError


def load_located(text: str, path: Path) -> Any:
    """Parse `text`; objects come back as `Located` dicts, syntax errors as a SourceError."""
    try:
        return _LineDecoder(text).decode(text)
    except json.JSONDecodeError as exc:
        raise SourceError(
            path, exc.lineno, f"not valid JSON: {exc.msg} (column {exc.colno})"
        ) from None


class Located(dict[str, Any]):
    """A JSON object that remembers the line its `{` is on."""

    line: int = 1


class _LineDecoder(json.JSONDecoder):
    """A decoder whose objects know their line, so errors can point at the entry to fix."""

    def __init__(self, text: str) -> None:
        super().__init__()
        starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]
        parse_object = getattr(json_decoder, "JSONObject")  # noqa: B009  (untyped in typeshed)

        def located(s_and_end: tuple[str, int], *args: Any) -> tuple[Located, int]:
            value, end = parse_object(s_and_end, *args)
            obj = Located(value)
            obj.line = bisect.bisect_right(starts, s_and_end[1] - 1)
            return obj, end

        self.parse_object = located
        # The C scanner builds objects without calling parse_object; the Python one calls it.
        self.scan_once = getattr(json_scanner, "py_make_scanner")(self)  # noqa: B009


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
