"""The speed layer around the pipeline: a build that remembers what it made.

`BuildCache` is consulted before the work and written after it, around the same stage
functions a build without it runs (black's cache is the model):

- per source file: a build whose source, state file and package are as the last build left
  them (by SHA-256), and the image files its cards showed or looked for as they were (size and
  time), writes nothing (`unchanged`), and the state it wrote is taken from the cache instead
  of being parsed again (`previous_state`);
- per card: after an edit, the pipeline asks `rendered`, which runs the parse and card stages
  on the changed cards only and takes every other card's fields, digests and diagnostics from
  the snapshot (see `deckgen.cache.incremental`);
- the empty collection genanki made for the package is kept, so a rebuild need not make it.

Its package and state are byte for byte what a build without it writes; the tests hold it to
that for many random edits. Measured gains: docs/performance.md.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from markdown_it import MarkdownIt

from deckgen.cache.incremental import Splice, respliced
from deckgen.cache.snapshot import (
    Heading,
    headings_of,
    headings_read,
    snapshot_of,
    spliceable,
)
from deckgen.cache.store import (
    CacheEntry,
    cache_key,
    cache_path,
    kept_files,
    load_cache,
    save_cache,
)
from deckgen.check.rules import merged
from deckgen.identity.state import DeckState
from deckgen.options import BuildOptions
from deckgen.package.rows import SkeletonKey
from deckgen.parse.markdown import block_markdown, make_markdown
from deckgen.pipeline import Built, Rendered
from deckgen.render.media import images_unchanged


class BuildCache:
    """What the last build of one source into one output left, and what this build leaves."""

    def __init__(self, source: Path, output: Path, state_file: Path, options: BuildOptions) -> None:
        self.path = cache_path(output)
        self.key = cache_key(str(source), str(output), str(state_file), options)
        cached = load_cache(self.path, self.key)
        entry, self.files = cached if cached is not None else (None, {})
        self.entry = entry if isinstance(entry, CacheEntry) else None
        self.skeletons: dict[SkeletonKey, bytes] = dict(self.entry.skeletons if self.entry else ())
        """Empty collections by what they are made of; the package stage adds what it makes."""
        self.splice: Splice | None = None
        """The splice `rendered` made, if it made one."""
        self.outline: tuple[tuple[Heading, ...], bool] | None = None
        """The headings of a source rendered whole, and whether it may be spliced next time."""

    def unchanged(self, text: str, state: bytes | None, package: bytes | None) -> CacheEntry | None:
        """The last build's entry when the source, state file and package are as it left them."""
        entry = self.entry
        if entry is None or state is None or package is None:
            return None
        same = (
            self.files.get("state") == digest(state)
            and entry.source == digest(text.encode())
            and self.files.get("package") == digest(package)
            and images_unchanged(entry.images)
        )
        return entry if same else None

    def synced(self, text: str, state: bytes | None, stamp: str) -> CacheEntry | None:
        """The last sync's entry when the source and state file are as it left them and the
        collection is as that sync left it (`stamp`): nothing to do, without opening it."""
        entry = self.entry
        if entry is None or state is None or not stamp:
            return None
        same = (
            self.files.get("state") == digest(state)
            and entry.source == digest(text.encode())
            and self.files.get("synced") == stamp
            and images_unchanged(entry.images)
        )
        return entry if same else None

    def previous_state(self, state: bytes | None) -> DeckState | None:
        """The state file's contents, when it is what the last build wrote (None: read it)."""
        if self.entry is None or state is None or self.files.get("state") != digest(state):
            self.entry = None  # the state was edited (or merged) by hand since: trust the file
            return None
        return self.entry.state

    def rendered(
        self, source: Path, text: str, md: MarkdownIt, options: BuildOptions
    ) -> Rendered | None:
        """`deckgen.pipeline.render_source` for `text`, with the stages run on the changed cards
        only (None: no snapshot, or the edit cannot be spliced)."""
        if self.entry is None:
            return None
        snapshot = self.entry.snapshot
        settled = replace(self.entry.options, force=options.force)
        html = bool(settled.html)
        if bool(md.options["html"]) != html:
            md = make_markdown(allow_html=html)  # the front matter or config said otherwise
        splice = respliced(
            snapshot, text, source, block_markdown(html), md, allow_html=html
        )  # fmt: skip
        if splice is None:
            return None
        self.splice = splice
        return Rendered(
            text=text,
            document=splice.document,
            shape=snapshot.shape,
            options=settled,
            diagnostics=merged(splice.document, splice.found),
            fields=splice.fields,
            media=(),
            found=splice.found,
            answers=splice.answers,
            contents=splice.contents,
        )

    def made(self, rendered: Rendered) -> None:
        """Read off the block tokens of a source rendered whole what the next build's splice
        compares against: its headings, and whether it may be spliced at all."""
        if self.splice is None:
            blocks, reading = rendered.blocks, rendered.reading
            whole = spliceable(
                rendered.text, blocks, rendered.found, has_images=rendered.has_images
            )
            if reading is not None:
                headings = headings_read(reading, blocks, rendered.shape)
            else:
                headings = headings_of(blocks)
            self.outline = headings, whole

    def save(
        self,
        built: Built,
        *,
        package: str,
        state: str,
        cards: int,
        parts: int,
        synced: str = "",
    ) -> None:
        """Leave what `built` made for the next build; `package` and `state` are the SHA-256 of
        the files it wrote (a sync writes no package: empty); `synced` stamps the collection a
        sync left with nothing to report (see `deckgen.collection.stamp`)."""
        rendered, revision = built.rendered, built.revision
        if self.splice is not None:
            headings, whole = self.splice.headings, True
        elif self.outline is not None:
            headings, whole = self.outline
        else:
            raise ValueError("save() before the pipeline told the cache what it made")
        snapshot = snapshot_of(
            rendered.text,
            rendered.document,
            revision,
            rendered.shape,
            headings,
            rendered.found,
            spliceable=whole,
        )
        entry = CacheEntry(
            snapshot=snapshot,
            options=rendered.options,
            source=digest(rendered.text.encode()),
            state=revision.state,
            diagnostics=revision.diagnostics,
            cards=cards,
            parts=parts,
            skeletons=tuple(self.skeletons.items()),
            images=rendered.images,
        )
        written = kept_files(self.files, package=package, state=state, synced=synced)
        save_cache(self.path, self.key, entry, lambda: written)

    @property
    def reparsed(self) -> int | None:
        """How many cards this build parsed again (None: all of them)."""
        return self.splice.reparsed if self.splice is not None else None


def digest(data: bytes) -> str:
    """SHA-256, as the cache records files."""
    return hashlib.sha256(data).hexdigest()
