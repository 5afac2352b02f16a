"""The project config: `deckgen.toml` at the project root, or `[tool.deckgen]` in pyproject.toml.

Top-level settings apply to every source; `[sources.<stem>]` tables (or `[sources."<path>"]`,
relative to the config's folder) override them for one file. With `include`, the folder is a
project: the files it lists make one deck (see `deckgen.config.members`).

    subdecks = false
    [sources.ml-interview-qa]
    deck = "ML interview"
    [sources.ml-interview-qa.topics]
    llm = [4, 5, 6]
    game-theory = ["11-18"]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from deckgen.config.lookup import PYPROJECT
from deckgen.config.settings import (
    SETTING_KEYS,
    KeyPath,
    Origin,
    SourceSettings,
    check_keys,
    read_settings,
)
from deckgen.errors import SourceError
from deckgen.source import read_source

_TOOL_KEYS: KeyPath = ("tool", "deckgen")
_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)$")
_HEADER = re.compile(r"^\s*\[\[?\s*([\w\-.\"' ]+?)\s*\]\]?\s*(#.*)?$")
_ASSIGNMENT = re.compile(
    r"^\s*((?:[\w-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[\w-]+|\"[^\"]*\"|'[^']*'))*)\s*="
)
_KEY_PART = re.compile(r"[\w-]+|\"[^\"]*\"|'[^']*'")


PROJECT_KEYS = ("include", "exclude", "namespace")
SYNC_KEYS = ("collection", "profile")
"""Where `deckgen sync` writes by default: a collection file, or a profile of Anki's."""


@dataclass(frozen=True, slots=True)
class Config:
    """Settings for every source (`defaults`) and for sources by file stem or path."""

    path: Path | None = None
    defaults: SourceSettings = field(default_factory=SourceSettings)
    sources: tuple[tuple[str, SourceSettings], ...] = ()
    include: tuple[str, ...] = ()
    """Files, folders or globs (relative to the config's folder) that make one project deck."""
    exclude: tuple[str, ...] = ()
    """Globs of files the project leaves out."""
    namespace: str | None = None
    """What a project's new IDs are hashed under (default: the deck name)."""
    collection: Path | None = None
    """`deckgen sync`'s default collection (relative paths from the config's folder)."""
    profile: str | None = None
    """`deckgen sync`'s default Anki profile."""
    lines: tuple[tuple[str, int | None], ...] = ()
    """Where each `[sources.<key>]` table is, to name it in errors."""

    def for_source(self, source: Path) -> SourceSettings:
        """What the config says about `source`: its own table (by path relative to the config's
        folder, else by stem) over the top-level settings."""
        own = dict(self.sources)
        key = self.source_key(source)
        settings = own.get(key, SourceSettings()) if key else SourceSettings()
        return settings.over(self.defaults)

    def source_key(self, source: Path) -> str | None:
        """The `[sources.…]` key that names `source`: its path, else its stem; None: neither."""
        if not self.sources:
            return None
        keys = {key for key, _ in self.sources}
        if self.path is not None and any("/" in key or "." in key for key in keys):
            try:
                relative = source.resolve().relative_to(self.path.parent.resolve()).as_posix()
            except ValueError:
                relative = None
            if relative in keys:
                return relative
        return source.stem if source.stem in keys else None

    @property
    def is_project(self) -> bool:
        """The config lists the files of one deck (`include`)."""
        return bool(self.include)


def load_config(path: Path) -> Config:
    """Read and validate a config file; anything unknown or malformed is a `SourceError`."""
    import tomllib  # here: most builds find no config, and need no TOML parser

    text = read_source(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_LINE.search(message)
        line = int(match[1]) if match else None
        raise SourceError(
            path, line, f"not valid TOML: {_TOML_LINE.sub('', message).strip()}"
        ) from None
    at: KeyPath = ()
    if path.name == PYPROJECT:
        at = _TOOL_KEYS
        table: object = data.get("tool", {}).get("deckgen", {})
    else:
        table = data
    origin = Origin(path, at, partial(_toml_line, text, at))
    if not isinstance(table, Mapping):
        raise origin.error((), "expected a table of settings")
    check_keys(table, (*SETTING_KEYS, *PROJECT_KEYS, *SYNC_KEYS, "sources"), origin, ())
    own = ("sources", *PROJECT_KEYS, *SYNC_KEYS)
    defaults = read_settings({k: v for k, v in table.items() if k not in own}, origin)
    sources = table.get("sources", {})
    if not isinstance(sources, Mapping):
        raise origin.error(("sources",), "expected a table of [sources.<file stem>] tables")
    per_source = []
    for stem, settings in sources.items():
        if not isinstance(settings, Mapping):
            raise origin.error(("sources", stem), "expected a table of settings for this file")
        per_source.append((stem, read_settings(settings, origin, ("sources", stem))))
    include = _globs(table, "include", origin)
    if "include" in table and not include:
        raise origin.error(("include",), "expected at least one file, folder or glob")
    namespace = table.get("namespace")
    if namespace is not None and (not isinstance(namespace, str) or not namespace.strip()):
        raise origin.error(("namespace",), "expected a non-empty string")
    collection, profile = (_text(table, key, origin) for key in SYNC_KEYS)
    return Config(
        path,
        defaults,
        tuple(per_source),
        include=include,
        exclude=_globs(table, "exclude", origin),
        namespace=namespace,
        collection=path.parent / Path(collection).expanduser() if collection else None,
        profile=profile,
        lines=tuple((stem, origin.line_of(("sources", stem))) for stem, _ in per_source),
    )


def _text(table: Mapping[str, object], key: str, origin: Origin) -> str | None:
    value = table.get(key)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise origin.error((key,), "expected a non-empty string")
    return value


def _globs(table: Mapping[str, object], key: str, origin: Origin) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise origin.error((key,), 'expected a list of paths or globs such as "notes/**/*.md"')
    for pattern in value:
        if Path(pattern).is_absolute() or ".." in Path(pattern).parts:
            raise origin.error((key,), f"{pattern!r}: paths are relative to the config, inside it")
    return tuple(value)


def _toml_line(text: str, prefix: KeyPath, keys: KeyPath) -> int | None:
    """The line that defines `prefix + keys`, or the nearest enclosing key that has a line.

    tomllib keeps no positions, so this reads table headers and `key =` lines itself; it only
    has to be right for the files that have just parsed.
    """
    wanted = prefix + keys
    best: tuple[int, int] | None = None
    table: KeyPath = ()
    for number, raw in enumerate(text.splitlines(), 1):
        header = _HEADER.match(raw)
        assignment = None if header else _ASSIGNMENT.match(raw)
        if header:
            table = _split_key(header[1])
            defined = table
        elif assignment:
            defined = table + _split_key(assignment[1])
        else:
            continue
        depth = len(defined)
        if wanted[:depth] == defined and (best is None or depth > best[0]):
            best = (depth, number)
    return best[1] if best else None


def _split_key(dotted: str) -> KeyPath:
    return tuple(part.strip("\"'") for part in _KEY_PART.findall(dotted))
