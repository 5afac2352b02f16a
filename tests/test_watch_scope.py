"""What a watch makes of changed paths: an editor's scratch files are nothing, a source is its
deck's rebuild, a new or vanished file, a folder and a config are a new look at the sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from deckgen.config.lookup import find_config
from deckgen.config.members import project_of
from deckgen.config.project import load_config
from deckgen.watch.scope import Scope, Unit, Verdict

DOC = "# T\n\n## Part 1: P\n\n### What?\n\nThat.\n"


@pytest.fixture
def project(tmp_path: Path) -> Scope:
    for name in ("notes/a.md", "notes/ml/b.md", "notes/ml/deep/c.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(DOC, "utf-8")
    (tmp_path / "deckgen.toml").write_text('include = ["notes/"]\n', "utf-8")
    return Scope(project=project_of(load_config(tmp_path / "deckgen.toml")))


@pytest.fixture
def files(tmp_path: Path) -> Scope:
    (tmp_path / "source").mkdir()
    for name in ("x.md", "y.md"):
        (tmp_path / "source" / name).write_text(DOC, "utf-8")
    return Scope(files=((tmp_path / "source" / "x.md", None),))


def _root(scope: Scope) -> Path:
    assert scope.project is not None
    return scope.project.root


SCRATCH = [
    ".a.md.swp",  # vim's swap file
    ".a.md.swx",
    "a.md~",  # vim's and emacs' backups
    "4913",  # vim's probe for a writable folder
    ".#a.md",  # emacs' lock
    "#a.md#",  # emacs' auto-save
    "a.md.orig",
    ".a.md.kate-swp",
    "a.md___jb_tmp___",  # JetBrains' safe write
    ".goutputstream-X1Y2Z3",  # gedit's
    ".a.md.tmp-123",  # a temporary file renamed over the source
]


@pytest.mark.parametrize("name", SCRATCH)
def test_scope__an_editors_scratch_file_is_no_change(project: Scope, name: str) -> None:
    path = _root(project) / "notes" / name
    path.write_text("scratch", "utf-8")
    assert not project.wants(path)
    assert project.verdict({path}) == Verdict()


def test_scope__a_member_saved_rebuilds_the_project(project: Scope) -> None:
    member = _root(project) / "notes" / "ml" / "b.md"
    verdict = project.verdict({member, member.with_name("b.md~"), member.with_name("4913")})
    assert verdict == Verdict(units=(Unit(project=project.project),))


def test_scope__a_new_markdown_file_or_folder_is_a_new_look(project: Scope) -> None:
    root = _root(project)
    new = root / "notes" / "new.md"
    new.write_text(DOC, "utf-8")
    assert project.verdict({new}).rescope
    folder = root / "notes" / "fresh"
    folder.mkdir()
    assert project.verdict({folder}).rescope


def test_scope__a_member_or_its_folder_gone_is_a_new_look(project: Scope) -> None:
    root = _root(project)
    gone = root / "notes" / "a.md"
    gone.unlink()
    assert project.verdict({gone}).rescope
    moved = root / "notes" / "ml"
    moved.rename(root / "notes" / "learning")
    # The folder's own event: none come for the files that moved with it.
    assert project.verdict({moved}).rescope


def test_scope__the_config_is_a_new_look(project: Scope) -> None:
    config = _root(project) / "deckgen.toml"
    assert project.verdict({config}).rescope


@pytest.mark.parametrize(
    "name", ["build/x.md", "build/.cache/x.cache", ".obsidian/x.md", "notes/.trash/x.md"]
)
def test_scope__outputs_and_hidden_folders_are_no_change(project: Scope, name: str) -> None:
    path = _root(project) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(DOC, "utf-8")
    assert not project.wants(path)


def test_scope__deckgens_own_files_are_no_change(project: Scope) -> None:
    root = _root(project)
    for name in ("deckgen-state.jsonl", ".deckgen-state.jsonl.123.abcdefgh.tmp"):
        assert not project.wants(root / name)


def test_scope__a_project_is_watched_from_its_folder_down(project: Scope) -> None:
    assert project.watched() == ((_root(project).resolve(),), True)


def test_scope__a_file_is_watched_in_its_folder_with_its_config(
    tmp_path: Path, files: Scope
) -> None:
    folders, recursive = files.watched()
    assert folders == ((tmp_path / "source").resolve(),) and not recursive
    (tmp_path / "deckgen.toml").write_text("subdecks = true\n", "utf-8")
    config = find_config(tmp_path / "source")
    assert config is not None
    with_config = Scope(files=((tmp_path / "source" / "x.md", load_config(config)),))
    assert with_config.watched() == (
        ((tmp_path / "source").resolve(), (tmp_path / "deckgen.toml").resolve()),
        False,
    )


def test_scope__only_the_files_given_are_sources(tmp_path: Path, files: Scope) -> None:
    source = tmp_path / "source"
    assert files.verdict({source / "x.md"}) == Verdict(units=files.units)
    assert files.verdict({source / "y.md", source / "4913", source / ".x.md.swp"}) == Verdict()
    # A config appearing beside a source may apply to it from now on.
    assert files.verdict({source / "deckgen.toml"}).rescope
