"""What a watch rebuilds, which files it watches, and what a batch of changed paths calls for.

A scope is a project (one deck from many files) or separate source files, each with the config
that applies to it, as the command line named them. A change matters when it is to a source,
to a Markdown file that may join a project, or to a config; anything an editor writes beside a
file while saving it (`.x.md.swp`, `x.md~`, `4913`, `.#x.md`, `x.md.tmp`) does not, and neither
does anything deckgen writes itself (the package, the state file, the cache, locks).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from deckgen.config.lookup import CONFIG_NAME, PYPROJECT
from deckgen.config.members import MARKDOWN, Project
from deckgen.config.project import Config

CONFIG_NAMES = (CONFIG_NAME, PYPROJECT)


@dataclass(frozen=True, slots=True)
class Unit:
    """One deck a rebuild makes: a project's, or one source file's with its config."""

    project: Project | None = None
    source: Path | None = None
    config: Config | None = None

    @property
    def shown(self) -> Path:
        """The unit as messages name it: the project's config (or folder), or the file."""
        if self.project is not None:
            return self.project.config.path or self.project.root
        assert self.source is not None
        return self.source


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a batch of changes calls for."""

    rescope: bool = False
    """A config changed, or a project's files may have: find the scope again."""
    units: tuple[Unit, ...] = ()
    """The units to rebuild (with `rescope`: those whose sources changed, if the scope stays)."""


@dataclass(frozen=True, slots=True)
class Scope:
    """A project, or source files each with its config."""

    project: Project | None = None
    files: tuple[tuple[Path, Config | None], ...] = ()
    sources: frozenset[Path] = field(init=False, compare=False, repr=False)
    """Every source (a project's members), as absolute paths."""
    configs: frozenset[Path] = field(init=False, compare=False, repr=False)
    """The config files that apply, as absolute paths."""
    folders: frozenset[Path] = field(init=False, compare=False, repr=False)
    """The folders the sources are in, and theirs up to the project's, as absolute paths."""

    def __post_init__(self) -> None:
        project = self.project
        paths = project.files if project is not None else [path for path, _ in self.files]
        if project is not None:
            found = [project.config.path]
        else:
            found = [config.path for _, config in self.files if config is not None]
        configs = frozenset(_absolute(path) for path in found if path is not None)
        sources = frozenset(map(_absolute, paths))
        root = _absolute(project.root) if project is not None else None
        folders = {f for path in sources for f in path.parents if root is None or root in f.parents}
        object.__setattr__(self, "sources", sources)
        object.__setattr__(self, "configs", configs)
        object.__setattr__(self, "folders", frozenset(folders))

    @property
    def units(self) -> tuple[Unit, ...]:
        if self.project is not None:
            return (Unit(project=self.project),)
        return tuple(Unit(source=path, config=config) for path, config in self.files)

    def watched(self) -> tuple[tuple[Path, ...], bool]:
        """The paths to watch and whether recursively: a project's folder, or each source's
        folder (where an editor's save renames and a new config would appear), and any config
        outside them."""
        if self.project is not None:
            root = _absolute(self.project.root)
            outside = [c for c in self.configs if root not in c.parents]
            return (root, *sorted(outside)), True
        folders = {_absolute(path).parent for path, _ in self.files}
        outside = [c for c in self.configs if c.parent not in folders]
        return (*sorted(folders), *sorted(outside)), False

    def wants(self, path: Path) -> bool:
        """Whether a change at `path` may matter (cheap: asked of every event)."""
        name = path.name
        if name.startswith(".") or name.endswith("~"):
            return False  # hidden: swap files, locks, temporary copies; `~`: backups
        if name in CONFIG_NAMES:
            return True
        if self.project is None:
            return _absolute(path) in self.sources
        where = _absolute(path)
        # A folder made, moved or deleted is one event, none for the files in it (and a file
        # written at once into a new folder may come before the folder is watched): the
        # project's files are listed again.
        folder = where in self.folders or where.is_dir()
        if not (folder or name.lower().endswith(MARKDOWN)):
            return False
        root = _absolute(self.project.root)
        if root not in where.parents:
            return False
        inside = where.relative_to(root).parts[:-1]
        return not any(part.startswith(".") for part in inside) and not self._built(where)

    def verdict(self, changed: Iterable[Path]) -> Verdict:
        """What to do about a batch of changed paths."""
        wanted = {_absolute(path) for path in changed if self.wants(path)}
        if not wanted:
            return Verdict()
        touched = self._touched(wanted)
        if any(path in self.configs or path.name in CONFIG_NAMES for path in wanted):
            return Verdict(rescope=True, units=touched)
        if self.project is not None:
            members = self.sources
            # A Markdown file that is no member may join the project (include decides); a
            # member that is gone leaves it: either way the files are listed again.
            if any(path not in members or not path.exists() for path in wanted):
                return Verdict(rescope=True, units=touched)
        return Verdict(units=touched)

    def _touched(self, wanted: set[Path]) -> tuple[Unit, ...]:
        if self.project is not None:
            return self.units if wanted & self.sources else ()
        return tuple(
            Unit(source=path, config=config)
            for path, config in self.files
            if _absolute(path) in wanted
        )

    def _built(self, path: Path) -> bool:
        assert self.project is not None
        build = _absolute(self.project.build_dir)
        return build == path or build in path.parents


def _absolute(path: Path) -> Path:
    """`path` from the root, links followed: the form the watcher reports paths in."""
    return path.resolve()
