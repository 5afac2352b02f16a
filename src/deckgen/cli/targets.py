"""What a command works on: a project (one deck from many files) or separate source files.

- no SOURCES: the project whose `deckgen.toml` (with `include`) is here or above, else every
  `source/*.md` as a deck of its own;
- a folder: the project whose config sits in it, else every Markdown file below it as one deck;
- files: each its own deck, as always; a file that belongs to a project cannot be built alone
  (its cards' identities live in the project's state).

A symbolic link given as a source stands for the file it points to: the file's name, folder and
state file give the deck its IDs, tags, images and default output, whichever name it is built
by, so building through a link and through the file gives the same cards.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from deckgen.config.lookup import find_config
from deckgen.config.members import Project, folder_project, project_of, shown
from deckgen.config.project import Config, load_config
from deckgen.errors import DeckgenError, SourceError

SOURCE_DIR = Path("source")


@dataclass(frozen=True, slots=True)
class Targets:
    """A project, or source files each built on its own."""

    project: Project | None
    files: tuple[Path, ...] = ()


def targets(given: tuple[Path, ...], config_path: Path | None, *, alone: bool = False) -> Targets:
    """What SOURCES (and `--config`) name. With `alone`, a project's member file may be named
    by itself (`list`, `check` and `preview` keep no state)."""
    if not given:
        config = _config(config_path, Path.cwd())
        if config is not None and config.is_project:
            return Targets(project_of(config))
        found = tuple(sorted(SOURCE_DIR.glob("*.md")))
        if not found:
            raise DeckgenError(f"no sources given, no project here, and no {SOURCE_DIR}/*.md found")
        return Targets(None, tuple(map(followed, found)))
    folders = [path for path in given if path.is_dir()]
    if folders:
        if len(given) != 1:
            raise DeckgenError("give one folder (a project), or files only")
        return Targets(_folder(folders[0], config_path))
    files = tuple(map(followed, given))
    if not alone:
        for path in files:
            _refuse_member(path, config_path)
    return Targets(None, files)


def followed(path: Path) -> Path:
    """The file a symbolic link points to (relative to the current folder when inside it, as
    the user would write it); any other path as given."""
    if not path.is_symlink():
        return path
    target = path.resolve()
    try:
        return target.relative_to(Path.cwd().resolve())
    except ValueError:
        return target


def _folder(folder: Path, config_path: Path | None) -> Project:
    config = _config(config_path, folder)
    if config is not None and config.is_project and config.path is not None:
        root = config.path.parent.resolve()
        if root == folder.resolve():
            return project_of(config)
        if root in folder.resolve().parents:
            raise SourceError(
                folder,
                None,
                f"is inside the project of {config.path}; build the whole project (all its "
                "files make one deck) and choose cards with --part, --topic or --grep",
            )
    return folder_project(folder, config)


def _refuse_member(path: Path, config_path: Path | None) -> None:
    config = _config(config_path, path.parent)
    if config is None or not config.is_project or not path.is_file():
        return
    project = project_of(config)
    if path.resolve() in {member.resolve() for member in project.files}:
        raise SourceError(
            path,
            None,
            f"belongs to the project of {config.path}: its cards' IDs live in the project's "
            "state, so build the project (`deckgen build` in its folder), not the file alone",
        )


def _config(explicit: Path | None, start: Path) -> Config | None:
    path = explicit or find_config(start)
    if path is None:
        return None
    # Found from the resolved folder; named in messages as the user would write it.
    return load_config(shown(path.parent) / path.name)
