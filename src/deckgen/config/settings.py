"""Per-source settings and their strict validation, whether they come from TOML or YAML."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

from deckgen.errors import SourceError
from deckgen.select import TOPIC_NAME, Topic, parse_part_selector

_TAG_PREFIX = re.compile(r"^[\w.-]+(::[\w.-]+)*$")

KeyPath = tuple[str, ...]
Subdecks = bool | Literal["folders", "files", "parts"]
"""Subdecks per part (`true`, `"parts"`), or in a project per folder or per file; false: none."""
SUBDECK_LAYOUTS = ("folders", "files", "parts")
_T = TypeVar("_T")


class InvalidValueError(Exception):
    """A value of the wrong type or out of range; the message says what was expected."""


@dataclass(frozen=True, slots=True)
class SourceSettings:
    """How one source becomes a deck; None means "not said here", so layers can stack."""

    deck: str | None = None
    tag_prefix: str | None = None
    subdecks: Subdecks | None = None
    part_level: int | None = None
    """Heading level of parts; 0 means the document has none."""
    question_level: int | None = None
    topics: tuple[Topic, ...] = ()
    theme: str | None = None
    """The card theme's name (see `deckgen.notetype.themes`)."""
    question: str | None = None
    """How questions are written, when detection cannot tell: heading, bold, list, details."""
    question_pattern: str | None = None
    """A regular expression a question's text must match (searched, case-insensitive)."""
    html: bool | None = None
    """Keep raw HTML as GitHub does, cleaned (true), or show it as text (false); see
    `keeps_html`."""

    def over(self, base: SourceSettings) -> SourceSettings:
        """These settings where they say something, `base` elsewhere; topics merge by name."""
        mine = {topic.name for topic in self.topics}
        return SourceSettings(
            deck=self.deck if self.deck is not None else base.deck,
            tag_prefix=self.tag_prefix if self.tag_prefix is not None else base.tag_prefix,
            subdecks=self.subdecks if self.subdecks is not None else base.subdecks,
            part_level=self.part_level if self.part_level is not None else base.part_level,
            question_level=(
                self.question_level if self.question_level is not None else base.question_level
            ),
            topics=tuple(t for t in base.topics if t.name not in mine) + self.topics,
            theme=self.theme if self.theme is not None else base.theme,
            question=self.question if self.question is not None else base.question,
            question_pattern=(
                self.question_pattern
                if self.question_pattern is not None
                else base.question_pattern
            ),
            html=self.html if self.html is not None else base.html,
        )

    @property
    def keeps_html(self) -> bool:
        """Raw HTML is kept (sanitised) unless a layer said `html = false`: GitHub shows a
        document's `<br>`, `<sup>` and `<img>` as HTML, and so does a card."""
        return self.html is not False


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a table of settings was read from, to name file, line and key in errors."""

    path: Path
    display: KeyPath = ()
    """Keys shown before the ones inside the table, e.g. `tool.deckgen`."""
    line_of: Callable[[KeyPath], int | None] = lambda keys: None

    def error(self, keys: KeyPath, message: str) -> SourceError:
        """`path:line: error: a.b.c: message`, at the line the key is on when it can be found."""
        dotted = ".".join(self.display + keys)
        return SourceError(
            self.path, self.line_of(keys), f"{dotted}: {message}" if dotted else message
        )


SETTING_KEYS = (
    "deck",
    "tag-prefix",
    "subdecks",
    "part-level",
    "question-level",
    "topics",
    "theme",
    "question",
    "question-pattern",
    "html",
)
QUESTION_STYLES = ("heading", "bold", "list", "details")


def read_settings(table: Mapping[str, object], origin: Origin, at: KeyPath = ()) -> SourceSettings:
    """Validate one settings table (`at` is its key path inside the file) into `SourceSettings`."""
    check_keys(table, SETTING_KEYS, origin, at)
    deck = _optional(table, "deck", origin, at, _deck)
    prefix = _optional(table, "tag-prefix", origin, at, _tag_prefix)
    subdecks = _optional(table, "subdecks", origin, at, _subdecks)
    part_level = _optional(table, "part-level", origin, at, _level(0))
    question_level = _optional(table, "question-level", origin, at, _level(1))
    if part_level and question_level and part_level >= question_level:
        raise origin.error(
            (*at, "part-level"),
            f"{part_level} must be above question-level {question_level} "
            "(parts hold questions, so part-level is the smaller number)",
        )
    topics: tuple[Topic, ...] = ()
    if "topics" in table:
        topics = _topics(table["topics"], origin, (*at, "topics"))
    theme = _optional(table, "theme", origin, at, _theme)
    question = _optional(table, "question", origin, at, _question)
    pattern = _optional(table, "question-pattern", origin, at, _pattern)
    html = _optional(table, "html", origin, at, _bool)
    return SourceSettings(
        deck, prefix, subdecks, part_level, question_level, topics, theme, question, pattern, html
    )


def check_keys(
    table: Mapping[str, object], known: tuple[str, ...], origin: Origin, at: KeyPath
) -> None:
    """Refuse a key that is not in `known`, suggesting the closest one that is."""
    for key in map(str, table):
        if key not in known:
            import difflib  # only to word this error

            close = difflib.get_close_matches(key, known, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(known)}"
            raise origin.error((*at, key), f"unknown key ({hint})")


def _optional(
    table: Mapping[str, object],
    key: str,
    origin: Origin,
    at: KeyPath,
    convert: Callable[[object], _T],
) -> _T | None:
    if key not in table:
        return None
    try:
        return convert(table[key])
    except InvalidValueError as exc:
        raise origin.error((*at, key), str(exc)) from None


def _deck(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError(f"expected a deck name (a non-empty string), got {_shown(value)}")
    return " ".join(value.split())


def _tag_prefix(value: object) -> str:
    if not isinstance(value, str) or not _TAG_PREFIX.match(value):
        raise InvalidValueError(
            "expected a tag such as 'ml' or 'ml::interview' (letters, digits, '-', '_', '.', "
            f"'::' between levels, no spaces), got {_shown(value)}"
        )
    return value


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidValueError(f"expected true or false, got {_shown(value)}")
    return value


def _subdecks(value: object) -> Subdecks:
    if isinstance(value, bool):
        return value
    if value == "folders" or value == "files" or value == "parts":
        return value
    raise InvalidValueError(
        f'expected true, false, "folders", "files" or "parts", got {_shown(value)}'
    )


def _question(value: object) -> str:
    if not isinstance(value, str) or value not in QUESTION_STYLES:
        choices = ", ".join(f'"{style}"' for style in QUESTION_STYLES)
        raise InvalidValueError(f"expected one of {choices}, got {_shown(value)}")
    return value


def _pattern(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidValueError(f"expected a regular expression, got {_shown(value)}")
    try:
        re.compile(value)
    except re.error as exc:
        raise InvalidValueError(f"{value!r} is not a regular expression: {exc}") from None
    return value


def _theme(value: object) -> str:
    from deckgen.notetype.themes import THEMES

    if not isinstance(value, str) or value not in THEMES:
        choices = ", ".join(repr(name) for name in sorted(THEMES))
        raise InvalidValueError(f"expected a theme, one of {choices}; got {_shown(value)}")
    return value


def _level(lowest: int) -> Callable[[object], int]:
    def convert(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not lowest <= value <= 6:
            extra = " (0: no parts)" if lowest == 0 else ""
            raise InvalidValueError(
                f"expected a heading level from {lowest} to 6{extra}, got {_shown(value)}"
            )
        return value

    return convert


def _topics(value: object, origin: Origin, at: KeyPath) -> tuple[Topic, ...]:
    if not isinstance(value, Mapping):
        raise origin.error(at, f"expected a table of topic = [parts], got {_shown(value)}")
    topics = []
    for name, parts in value.items():
        keys = (*at, str(name))
        if not isinstance(name, str) or not TOPIC_NAME.match(name):
            raise origin.error(
                keys, "a topic name is letters, digits, '-' and '_' (it becomes a tag)"
            )
        if not isinstance(parts, list) or not parts:
            raise origin.error(
                keys,
                'expected a list of part numbers, ranges ("11-18") or title pieces, '
                f"got {_shown(parts)}",
            )
        selectors = []
        for item in parts:
            if isinstance(item, bool) or not isinstance(item, int | str):
                raise origin.error(
                    keys, f"expected a part number, range or title piece, got {_shown(item)}"
                )
            try:
                selectors.append(parse_part_selector(item))
            except ValueError as exc:
                raise origin.error(keys, str(exc)) from None
        topics.append(Topic(name, tuple(selectors), origin.path, origin.line_of(keys)))
    return tuple(topics)


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    return str(value)
