"""The speed layer around a project's build: each file's rendering, kept by what it was made of.

A project rebuild reads every file but renders only those whose text (or settings) changed:
`ProjectCache.rendered` hands the pipeline a file's previous `Rendered` when the file's text,
name and settings have the same digest as then, wherever the file now is (a renamed folder
renders nothing again; a file that shows images is reused only in the folder its images were
found from, and while those images are as they were). With the cards' answer and note digests
kept too, identity and stamping need not hash them again; and when the sources, state, package
and images are exactly as the last build left them, nothing is written at all.

What comes back is what `render_source` would make, less the block tokens and each rule's own
findings (only a one-file build's cache reads those); the package and state are byte for byte a
build's without it. Measured gains: docs/performance.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from markdown_it import MarkdownIt

from deckgen.cache.store import CACHE_DIR, cache_key, kept_files, load_cache, save_cache
from deckgen.config.members import Project
from deckgen.identity.ledger import ProjectState
from deckgen.model import Diagnostic
from deckgen.options import BuildOptions
from deckgen.package.rows import SkeletonKey
from deckgen.pipeline import BuiltProject, Rendered
from deckgen.render.media import images_unchanged
from deckgen.select import Selection
from deckgen.source import read_source


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One file's rendering, and where it was made."""

    path: Path
    folder: Path | None
    """The file's folder when its images were read from it (the rendering depends on it)."""
    rendered: Rendered


@dataclass(frozen=True, slots=True)
class ProjectEntry:
    """What the last build of a project left."""

    files: tuple[tuple[str, FileEntry], ...]
    """By digest of text, file name and settings."""
    sources: str
    """Digest of every member's path and text: with the state and package, `unchanged`'s test."""
    state: ProjectState
    cards: int
    parts: int
    diagnostics: tuple[Diagnostic, ...]
    skeletons: tuple[tuple[SkeletonKey, bytes], ...] = ()


def _images_unchanged(entry: ProjectEntry) -> bool:
    return all(images_unchanged(file.rendered.images) for _, file in entry.files)


class ProjectCache:
    """What the last build of one project into one output left, and what this build leaves."""

    def __init__(self, project: Project, output: Path, options: BuildOptions) -> None:
        self.path = output.parent / CACHE_DIR / f"{output.stem}.files.cache"
        given = replace(options, config=None, selection=Selection(), force=False)
        self.key = cache_key("project", str(project.state_file.resolve()), given)
        self.options = given
        loaded = load_cache(self.path, self.key)
        entry, self.files = loaded if loaded is not None else (None, {})
        self.entry = entry if isinstance(entry, ProjectEntry) else None
        self.known = dict(self.entry.files) if self.entry else {}
        self.skeletons: dict[SkeletonKey, bytes] = dict(self.entry.skeletons if self.entry else ())
        self.keys: dict[Path, str] = {}
        """Each file's key, as `rendered` found it."""
        self.read: dict[Path, str] = {}
        """The digest of each file's text as the pipeline read it (`rendered` is told it)."""
        self.reused: set[Path] = set()
        """The files whose rendering this build took from the cache."""

    def unchanged(
        self, project: Project, state: bytes | None, package: bytes | None
    ) -> ProjectEntry | None:
        """The last build's entry when the sources, state and package are as it left them."""
        entry = self.entry
        if entry is None or state is None or package is None:
            return None
        same = (
            self.files.get("state") == _digest(state)
            and self.files.get("package") == _digest(package)
            and entry.sources == sources_digest(project)
            and _images_unchanged(entry)
        )
        return entry if same else None

    def synced(self, project: Project, state: bytes | None, stamp: str) -> ProjectEntry | None:
        """The last sync's entry when the sources and state are as it left them and the
        collection is as that sync left it (`stamp`): nothing to do, without opening it."""
        entry = self.entry
        if entry is None or state is None or not stamp:
            return None
        same = (
            self.files.get("state") == _digest(state)
            and self.files.get("synced") == stamp
            and entry.sources == sources_digest(project)
            and _images_unchanged(entry)
        )
        return entry if same else None

    def previous_state(self, state: bytes | None) -> ProjectState | None:
        """The state file's contents, when it is what the last build wrote (None: read it)."""
        if self.entry is None or state is None or self.files.get("state") != _digest(state):
            return None
        return self.entry.state

    def rendered(
        self, source: Path, text: str, md: MarkdownIt, options: BuildOptions
    ) -> Rendered | None:
        """The file's previous rendering, moved to where the file is now (None: render it)."""
        read = self.read[source] = _digest(text.encode())
        key = self.keys[source] = self._file_key(source, read, options)
        found = self.known.get(key)
        if found is None or (found.folder is not None and found.folder != source.parent):
            return None
        if not images_unchanged(found.rendered.images):
            return None  # an image it shows (or looked for) was added, changed or removed
        self.reused.add(source)
        before = found.rendered
        options = replace(before.options, config=options.config, force=options.force)
        if found.path == source:  # not moved: its paths are right (the common case, quicker)
            return replace(before, options=options)
        return replace(
            before,
            document=replace(
                before.document,
                path=source,
                diagnostics=_moved(before.document.diagnostics, found.path, source),
            ),
            options=options,
            diagnostics=_moved(before.diagnostics, found.path, source),
        )

    def made(self, rendered: Rendered) -> None:
        """Nothing to read off the tokens: a file's whole rendering is kept, at `save`."""

    def reused_cards(self, built: BuiltProject) -> int:
        """How many of `built`'s cards came from the cache rather than being rendered again."""
        return sum(
            len(m.rendered.document.cards)
            for m in built.members
            if m.rendered.document.path in self.reused
        )

    def save(
        self,
        built: BuiltProject,
        *,
        package: str,
        state: str,
        cards: int,
        parts: int,
        synced: str = "",
    ) -> None:
        """Leave what `built` made for the next build; `package` and `state` are the SHA-256 of
        the files it wrote (a sync writes no package: empty); `synced` stamps the collection a
        sync left with nothing to report."""
        project, revision = built.project, built.revision
        files = []
        start = 0
        for member in built.members:
            rendered = member.rendered
            end = start + len(rendered.document.cards)
            records = revision.state.cards[start:end]
            notes = revision.deck.notes[start:end]
            start = end
            source = rendered.document.path
            kept = replace(
                rendered,
                options=replace(rendered.options, config=None),
                found={},
                blocks=(),
                answers=tuple(record.answer for record in records),
                contents=tuple(
                    ((note.id, note.source, note.tags), record.content)
                    for note, record in zip(notes, records, strict=True)
                ),
            )
            key = self.keys.get(source) or self._file_key(
                source, _digest(rendered.text.encode()), rendered.options
            )
            folder = source.parent if rendered.has_images else None
            files.append((key, FileEntry(source, folder, kept)))
        entry = ProjectEntry(
            files=tuple(files),
            # The texts this build rendered, not the files as they are now: a file saved
            # again while the build ran must make the next build differ from this one.
            sources=sources_digest(project, self.read),
            state=ProjectState(built.namespace, revision.state),
            cards=cards,
            parts=parts,
            diagnostics=revision.diagnostics,
            skeletons=tuple(self.skeletons.items()),
        )
        written = kept_files(self.files, package=package, state=state, synced=synced)
        save_cache(self.path, self.key, entry, lambda: written)

    def _file_key(self, source: Path, text: str, options: BuildOptions) -> str:
        """The key of a file whose text has the digest `text`."""
        config = options.config
        own = config.for_source(source) if config is not None else None
        return _digest(repr((text, source.name, own, self.options)).encode())


def sources_digest(project: Project, read: Mapping[Path, str] | None = None) -> str:
    """SHA-256 over what the project's config says about its deck and every member's path and
    the digest of its text as the pipeline reads it (`read_source`), in order; `read` holds
    digests already taken, by path."""
    config = project.config
    # The settings that shape the deck (an edited `subdecks` or `deck` must rebuild), not
    # where the config was found from or the lines that name its tables in errors.
    settings = (config.defaults, config.sources, config.namespace, project.deck, project.base)
    digest = hashlib.sha256(repr(settings).encode())
    taken = read or {}
    for path in project.files:
        text = taken.get(path) or _digest(read_source(path).encode())
        digest.update(f"{project.relative(path)}\0{text}\0".encode())
    return digest.hexdigest()


def _moved(diagnostics: tuple[Diagnostic, ...], old: Path, new: Path) -> tuple[Diagnostic, ...]:
    if old == new:
        return diagnostics
    return tuple(replace(d, path=new) if d.path == old else d for d in diagnostics)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
