"""A project: the folder of a `deckgen.toml` with `include`, and the Markdown files that make
its one deck.

Files are listed from the project's folder (never following links into other folders, never
inside hidden folders such as `.git`), matched against `include` and `exclude`, and ordered by
their path: the order of the deck, whichever order the file system lists them in.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from deckgen.config.project import Config
from deckgen.errors import SourceError
from deckgen.globs import glob_pattern
from deckgen.slug import slugify

MARKDOWN = (".md", ".markdown")
STATE_NAME = "deckgen-state.jsonl"
"""The project's one state file, beside its `deckgen.toml`."""
DEFAULT_INCLUDE = ("**/*.md", "**/*.markdown")
"""What a folder given on the command line holds when no config says otherwise."""


@dataclass(frozen=True, slots=True)
class Project:
    """A folder of Markdown files built into one deck with one identity space."""

    root: Path
    config: Config
    files: tuple[Path, ...]
    """The member files, ordered by their path relative to `root`."""
    deck: str
    """The deck name: `deck` in the config, else the folder's name."""
    build_dir: Path = Path("build")
    """Where its package goes by default: `build/` in the project's folder, or in the current
    folder for a folder given on the command line."""
    base: str = ""
    """The folder (relative to `root`) every `include` entry starts in, e.g. `notes` for
    `notes/**/*.md`: tags name the folders below it."""

    @property
    def state_file(self) -> Path:
        """The project's state, beside its config (or in the folder given)."""
        return self.root / STATE_NAME

    @property
    def namespace(self) -> str:
        """What new IDs are hashed under: `namespace` in the config, else the deck's slug."""
        return self.config.namespace or slugify(self.deck) or "deck"

    @property
    def tag_prefix(self) -> str:
        """The top of every tag: `tag-prefix` in the config, else the deck's slug."""
        return self.config.defaults.tag_prefix or slugify(self.deck) or "deck"

    def relative(self, path: Path) -> str:
        """`path` as the state names it: relative to the root, with `/`."""
        return path.relative_to(self.root).as_posix()

    def folders(self, path: Path) -> tuple[str, ...]:
        """The folders `path` is in below `base`, as its tags name them."""
        relative = (
            path.relative_to(self.root / self.base) if self.base else path.relative_to(self.root)
        )
        return relative.parts[:-1]


def project_of(config: Config) -> Project:
    """The project a config with `include` describes; its files listed now."""
    assert config.path is not None
    root = shown(config.path.parent)
    files = list_files(root, config.include, config.exclude)
    if not files:
        patterns = ", ".join(repr(p) for p in config.include)
        raise SourceError(config.path, None, f"include: no Markdown file matches {patterns}")
    _check_source_keys(config, root, files)
    deck = config.defaults.deck or _folder_name(root)
    base = include_base(root, config.include)
    return Project(root, shared_topics(config), files, deck, root / "build", base)


def folder_project(folder: Path, config: Config | None) -> Project:
    """A folder given on the command line: every Markdown file below it is one deck, with the
    nearest config's settings (its `include`, if any, belongs to its own folder)."""
    settings = config or Config()
    folder = shown(folder)
    files = list_files(folder, DEFAULT_INCLUDE, settings.exclude)
    if not files:
        raise SourceError(folder, None, "no Markdown file (*.md) in this folder")
    project = Config(
        settings.path,
        shared_topics(settings).defaults,
        settings.sources,
        include=DEFAULT_INCLUDE,
        exclude=settings.exclude,
        namespace=settings.namespace,
        lines=settings.lines,
    )
    return Project(folder, project, files, settings.defaults.deck or _folder_name(folder))


def include_base(root: Path, include: tuple[str, ...]) -> str:
    """The deepest folder every entry of `include` starts in: a folder entry itself, a file's
    folder, a glob's folders before its first wildcard."""
    starts = []
    for entry in include:
        parts = Path(entry.removeprefix("./")).parts
        fixed = []
        for part in parts:
            if any(char in part for char in "*?["):
                break
            fixed.append(part)
        else:
            if not (root / entry).is_dir():
                fixed = fixed[:-1]  # a file: its folder
        starts.append(fixed)
    common = starts[0] if starts else []
    for start in starts[1:]:
        shared = 0
        while shared < min(len(common), len(start)) and common[shared] == start[shared]:
            shared += 1
        common = common[:shared]
    return "/".join(common)


def shared_topics(config: Config) -> Config:
    """The config with its top-level topics marked as the whole project's: `llm = [4]` or
    `ml = ["notes/ml/"]` need only match in some file (a file's own table stays strict)."""
    topics = tuple(replace(topic, shared=True) for topic in config.defaults.topics)
    return replace(config, defaults=replace(config.defaults, topics=topics))


def list_files(root: Path, include: tuple[str, ...], exclude: tuple[str, ...]) -> tuple[Path, ...]:
    """The files below `root` that `include` names (a file, a folder: its Markdown, or a glob
    of Markdown files) and `exclude` does not, ordered by relative path."""
    chosen: set[str] = set()
    walked = _walk(root)
    for entry in include:
        named = root / entry
        if named.is_file():
            chosen.add(Path(entry).as_posix().removeprefix("./"))
        elif named.is_dir():
            prefix = Path(entry).as_posix().rstrip("/") + "/"
            prefix = "" if prefix in ("./", "/") else prefix
            chosen.update(path for path in walked if path.startswith(prefix) and _markdown(path))
        else:
            pattern = glob_pattern(entry)
            chosen.update(path for path in walked if pattern.fullmatch(path) and _markdown(path))
    dropped = [glob_pattern(entry) for entry in exclude]
    kept = sorted(path for path in chosen if not any(p.fullmatch(path) for p in dropped))
    return tuple(root / path for path in kept)


def _walk(root: Path) -> tuple[str, ...]:
    found: list[str] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        base = Path(folder).relative_to(root)
        found.extend((base / name).as_posix() for name in files if not name.startswith("."))
    return tuple(found)


def _markdown(path: str) -> bool:
    return path.lower().endswith(MARKDOWN)


def _check_source_keys(config: Config, root: Path, files: tuple[Path, ...]) -> None:
    """A `[sources.<stem>]` table that fits several member files is ambiguous: say so."""
    assert config.path is not None
    stems: dict[str, list[str]] = {}
    for path in files:
        stems.setdefault(path.stem, []).append(path.relative_to(root).as_posix())
    for key, line in config.lines:
        matches = stems.get(key, [])
        if "/" not in key and len(matches) > 1:
            raise SourceError(
                config.path,
                line,
                f"sources.{key}: several files are named {key!r} ({', '.join(matches)}); "
                f'name one by its path instead, e.g. [sources."{matches[0]}"]',
            )


def shown(folder: Path) -> Path:
    """`folder` relative to the current folder when it is inside it (paths in messages stay
    short and are the same on every machine), else as given."""
    try:
        return folder.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return folder


def _folder_name(folder: Path) -> str:
    return folder.resolve().name or "deck"
