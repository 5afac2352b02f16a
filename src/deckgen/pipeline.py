"""The pipeline, written down once: read → parse → check → render → identify → assemble.

`run` is the whole of it, and every command goes through it: `build` writes what it returns
(`deckgen.api`), `status` reports its changes, `preview` draws its notes, `check` lists its
diagnostics, `--merge` joins the decks of several sources. Each stage is a plain function of the
previous stage's records; a cache (`deckgen.cache`) can hand `run` what a previous build made
of the cards that did not change (`Reuse`), and the stages then run only on the rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from markdown_it import MarkdownIt
from markdown_it.token import Token

from deckgen.check.context import Rule, lint_for
from deckgen.check.rules import error_count, merged, run_rules
from deckgen.check.structure import duplicates_across, no_cards_reason
from deckgen.config.loading import LoadedSource, load_source
from deckgen.config.members import Project
from deckgen.config.settings import SourceSettings
from deckgen.deck import Placement, assemble, placement, project_placement, tag_prefix
from deckgen.errors import CheckError, SourceError
from deckgen.forked import started_in_child
from deckgen.identity.history import Member, NoteKey, Revision, identify, revise
from deckgen.identity.ledger import ProjectState
from deckgen.identity.state import DeckState, NotetypeRecord
from deckgen.model import Deck, Diagnostic, Document, MediaFile, Note, NoteFields
from deckgen.notetype.definition import FIELDS, notetype_digest
from deckgen.notetype.names import DEFAULT_THEME
from deckgen.options import BuildOptions
from deckgen.parse.coverage import Coverage, coverage
from deckgen.parse.markdown import block_markdown, make_markdown
from deckgen.parse.shape import Reading, Shape, roles_of
from deckgen.process import Progress, process_cards
from deckgen.render.media import ImageRoots, ImageStamp
from deckgen.source import read_source

if TYPE_CHECKING:
    from deckgen.config.project import Config


@dataclass(frozen=True, slots=True)
class Rendered:
    """A source read, parsed, checked and rendered: everything a deck needs but identities."""

    text: str
    document: Document
    shape: Shape
    options: BuildOptions
    """The options that apply to this source: the given ones, front matter, config, levels."""
    diagnostics: tuple[Diagnostic, ...]
    """Everything `check` found, in line order."""
    fields: tuple[NoteFields, ...]
    """Each card's rendered fields, in card order."""
    media: tuple[MediaFile, ...]
    found: Mapping[Rule, Sequence[Diagnostic]] = field(repr=False)
    """Each rule's own diagnostics (what a cache keeps per card)."""
    blocks: tuple[Token, ...] = field(default=(), repr=False)
    """The block tokens this run parsed (inline content freed), until `run` frees them once
    the card stage is done: what `Built` and `BuiltProject` hold has none."""
    has_images: bool = False
    images: tuple[ImageStamp, ...] = ()
    """The image files the cards were made from or looked for, as they were (a cache that
    keeps this rendering checks them: see `deckgen.render.media.images_unchanged`)."""
    reading: Reading | None = field(default=None, repr=False)
    """What shape detection read off `blocks` before the splitter's edits, freed with them."""
    answers: tuple[str | None, ...] | None = None
    """Per card, its answer digest where a previous build knew it (see `identify`)."""
    contents: tuple[tuple[NoteKey, str] | None, ...] | None = None
    """Per card, its note key and note digest where a previous build knew them (see `revise`)."""


@dataclass(frozen=True, slots=True)
class Built:
    """What the pipeline makes of one source, before anything is written."""

    rendered: Rendered
    revision: Revision
    """The deck, the state the next build starts from, and what changed since `previous`."""


class Reuse(Protocol):
    """What a previous build left that `run` may use instead of running stages again."""

    def rendered(
        self, source: Path, text: str, md: MarkdownIt, options: BuildOptions
    ) -> Rendered | None:
        """`render_source(source, text, md, options)`, made by running the stages on what
        changed only; None when that cannot be done."""

    def made(self, rendered: Rendered) -> None:
        """Told what the stages made of a source, its block tokens included, before the
        pipeline frees those tokens: what a layer reads off them, it takes now."""


def run(
    source: Path,
    options: BuildOptions,
    previous: DeckState | None,
    *,
    now: int,
    reuse: Reuse | None = None,
    thorough: bool = False,
    verdict: bool = True,
    progress: Progress | None = None,
) -> Built:
    """Read, parse, check and render `source`, then give its cards their identities on top of
    `previous` and assemble the deck (notes changed since `previous` are stamped `now`).

    Errors `check` finds stop here (unless `options.force`, or `verdict` is False: `deckgen
    check` wants them all listed). `thorough` adds the slow rules only `check` runs.
    """
    md = make_markdown(allow_html=options.html is not False)
    rendered = render(source, md, options, reuse=reuse, thorough=thorough, progress=progress)
    if verdict:
        stop_on_errors(rendered, force=rendered.options.force)
    rendered = _freed(rendered, reuse)
    return Built(rendered, revise_rendered(rendered, previous, now=now))


def _freed(rendered: Rendered, reuse: Reuse | None) -> Rendered:
    """`rendered` without its block tokens, once `reuse` has seen them. Identities, the package
    and the cache need none of them, and freed they no longer make every full garbage
    collection of those stages trace the whole parse (measured: docs/performance.md)."""
    if reuse is not None:
        reuse.made(rendered)
    return replace(rendered, blocks=(), reading=None)


@dataclass(frozen=True, slots=True)
class BuiltProject:
    """What the pipeline makes of a project, before anything is written."""

    project: Project
    members: tuple[Placed, ...]
    """The files with cards, in the project's order."""
    revision: Revision
    namespace: str
    """What the project's new IDs are hashed under (the state's, once it has one)."""


def run_project(
    project: Project,
    options: BuildOptions,
    previous: ProjectState | None,
    *,
    now: int,
    reuse: Reuse | None = None,
    thorough: bool = False,
    verdict: bool = True,
) -> BuiltProject:
    """`run` for a project: every file read, parsed, checked and rendered as `run` does, then
    all their cards identified in one identity space and assembled into one deck."""
    # The parser most files settle on; `render_source` makes another for a file that differs.
    md = make_markdown(allow_html=_keeps_html(options, project.config.defaults))
    members, skipped = [], []
    settings = replace(options, config=project.config)
    renders = render_files(project.files, md, settings, reuse=reuse, thorough=thorough)
    for path, rendered in zip(project.files, renders, strict=True):
        reason = no_cards_reason(rendered.document, rendered.shape)
        if reason:
            skipped.append(Diagnostic(path, None, "warning", f"no cards ({reason}); left out"))
            continue
        place = project_placement(
            project,
            rendered.document,
            subdecks=options.subdecks,
            has_parts=bool(rendered.shape.part_level),
        )
        members.append(Placed(project.relative(path), rendered, place))
    if not members:
        raise SourceError(project.config.path or project.root, None, "no cards in any file")
    if verdict and not options.force:
        found = [d for m in members for d in m.rendered.diagnostics]
        if error_count(found):
            raise CheckError(project.config.path or project.root, found)
    namespace = previous.namespace if previous else project.namespace
    revision = revise_members(
        members, previous.deck if previous else None, namespace=namespace, now=now
    )
    across = tuple(duplicates_across([m.rendered.document for m in members]))
    revision = replace(revision, diagnostics=tuple(skipped) + across + revision.diagnostics)
    return BuiltProject(project, tuple(members), revision, namespace)


PARALLEL_TEXT = 256 * 1024
"""Characters of Markdown left to render from which a second process renders part of them."""


def render_files(
    paths: Sequence[Path],
    md: MarkdownIt,
    options: BuildOptions,
    *,
    reuse: Reuse | None = None,
    thorough: bool = False,
) -> list[Rendered]:
    """`render` for every file: what `reuse` has, then the rest; when there is much to render,
    a forked child on a second core renders the later half of it (by size) meanwhile."""
    texts = [read_source(path) for path in paths]
    done: list[Rendered | None] = [
        reuse.rendered(path, text, md, options) if reuse is not None else None
        for path, text in zip(paths, texts, strict=True)
    ]
    todo = [i for i, rendered in enumerate(done) if rendered is None]

    def run(indices: Sequence[int]) -> list[Rendered]:
        return [render_source(paths[i], texts[i], md, options, thorough=thorough) for i in indices]

    first, second = _halves(todo, [len(texts[i]) for i in todo])
    fork = started_in_child(lambda: [_portable(r) for r in run(second)])
    with fork if second else nullcontext() as child:
        ours = run(first) if child is not None else run(todo)
        theirs = child() if child is not None else []
    if child is not None:
        # A child that failed leaves its half to this process: the outcome never depends on it.
        ours += theirs if theirs is not None else run(second)
    for i, rendered in zip(todo, ours, strict=True):
        done[i] = _freed(rendered, reuse)
    return [rendered for rendered in done if rendered is not None]


def _halves(indices: list[int], sizes: list[int]) -> tuple[list[int], list[int]]:
    """`indices` cut where half the text is behind; all of it first when it is little."""
    total = sum(sizes)
    if total < PARALLEL_TEXT or len(indices) < 2:
        return indices, []
    running = 0
    for cut, size in enumerate(sizes):
        running += size
        if 2 * running >= total:
            return indices[: cut + 1], indices[cut + 1 :]
    return indices, []


def _portable(rendered: Rendered) -> Rendered:
    # The block tokens stay behind: a project's cache does not read them.
    return replace(rendered, blocks=(), reading=None)


def render(
    source: Path,
    md: MarkdownIt,
    options: BuildOptions,
    *,
    reuse: Reuse | None = None,
    thorough: bool = False,
    progress: Progress | None = None,
) -> Rendered:
    """Read `source`, then what a previous build left for it, else `render_source`."""
    text = read_source(source)
    rendered = reuse.rendered(source, text, md, options) if reuse is not None else None
    if rendered is None:
        rendered = render_source(source, text, md, options, thorough=thorough, progress=progress)
    return rendered


def render_source(
    source: Path,
    text: str,
    md: MarkdownIt,
    options: BuildOptions,
    *,
    thorough: bool = False,
    progress: Progress | None = None,
) -> Rendered:
    """The stages that read the text: parse the blocks and settle the options, run the rules
    that read blocks and cards, then parse, check and render each card's inline content."""
    loaded, options = settle(source, text, options)
    if bool(md.options["html"]) != options.html:
        # The front matter or the config turned raw HTML on or off for this file.
        md = make_markdown(allow_html=bool(options.html))
    document = loaded.document
    lint = lint_for(
        document,
        text,
        loaded.tokens,
        loaded.shape,
        md,
        allow_html=bool(options.html),
        image_roots=image_roots(source, options.config),
    )
    found = {**run_rules(lint, "document"), **run_rules(lint, "blocks", thorough=thorough)}
    cards = process_cards(
        loaded.tokens,
        document.cards,
        loaded.cards,
        md,
        lint,
        env=loaded.env,
        thorough=thorough,
        progress=progress,
    )
    found.update(cards.found)
    return Rendered(
        text=text,
        document=document,
        shape=loaded.shape,
        options=options,
        diagnostics=merged(document, found),
        fields=cards.fields,
        media=cards.media,
        found=found,
        blocks=loaded.tokens,
        has_images=cards.has_images,
        images=cards.images,
        reading=loaded.reading,
    )


@dataclass(frozen=True, slots=True)
class Placed:
    """A rendered file as a member of a deck: its place in the identity space and the package."""

    file: str
    """Its path relative to the project, as the state records it; empty for a one-file deck."""
    rendered: Rendered
    place: Placement


def revise_rendered(rendered: Rendered, previous: DeckState | None, *, now: int) -> Revision:
    """A one-file deck: identify its cards under the file's namespace, assemble, stamp."""
    document = rendered.document
    member = Placed("", rendered, placement(document, rendered.options))
    return revise_members([member], previous, namespace=tag_prefix(document), now=now)


def revise_members(
    members: Sequence[Placed], previous: DeckState | None, *, namespace: str, now: int
) -> Revision:
    """Identify the cards of every member against `previous` (one identity space), assemble
    each member's notes where its placement says, and stamp what changed."""
    people = [Member(m.file, m.rendered.document) for m in members]
    answers = [a for m in members for a in _per_card(m.rendered, m.rendered.answers)]
    identities = identify(people, previous, namespace, answers=answers)
    # Stamped as the previous build had them: `revise` then re-stamps only the changed notes.
    mtimes = [
        identities.known[a.known].mtime if a.known is not None else now
        for a in identities.matching.assignments
    ]
    notes: list[Note] = []
    media: dict[str, MediaFile] = {}
    for member in members:
        rendered, start = member.rendered, len(notes)
        end = start + len(rendered.document.cards)
        deck = assemble(
            rendered.document,
            rendered.fields,
            rendered.media,
            rendered.options,
            ids=identities.ids[start:end],
            mtimes=mtimes[start:end],
            place=member.place,
        )
        notes.extend(deck.notes)
        # Media files are named by content: one name is one file, whichever member has it.
        media.update((file.name, file) for file in deck.media)
    first = members[0]
    deck = Deck(first.place.deck, tuple(notes), tuple(media.values()))
    theme = first.rendered.options.theme or DEFAULT_THEME
    notetype = NotetypeRecord(notetype_digest(theme), FIELDS, now)
    contents = [c for m in members for c in _per_card(m.rendered, m.rendered.contents)]
    revision = revise(people, deck, identities, previous, notetype, now=now, contents=contents)
    found = tuple(d for m in members for d in m.rendered.diagnostics)
    return replace(revision, diagnostics=found + revision.diagnostics)


_T = TypeVar("_T")


def _per_card(rendered: Rendered, given: Sequence[_T | None] | None) -> Sequence[_T | None]:
    return given if given is not None else [None] * len(rendered.document.cards)


def settle(path: Path, text: str, options: BuildOptions) -> tuple[LoadedSource, BuildOptions]:
    """Parse `text` into blocks, and the options that apply to it: `options` where they say
    something, then the file's front matter, then the config; levels as detected. The parse
    keeps raw HTML or not as the settled `html` says."""
    guess = _keeps_html(options, options.config.for_source(path) if options.config else None)
    overrides = SourceSettings(
        deck=options.deck_name,
        tag_prefix=options.tag_prefix,
        subdecks=options.subdecks,
        part_level=options.part_level,
        question_level=options.question_level,
        topics=options.topics,
        theme=options.theme,
        html=options.html,
    )
    loaded = load_source(
        path, block_markdown(guess), overrides, options.config, text=text, parser=block_markdown
    )
    settings, shape = loaded.settings, loaded.shape
    return loaded, replace(
        options,
        deck_name=settings.deck,
        tag_prefix=settings.tag_prefix,
        subdecks=settings.subdecks in (True, "parts"),
        topics=settings.topics,
        part_level=shape.part_level or 0,
        question_level=shape.question_level,
        theme=settings.theme or DEFAULT_THEME,
        html=settings.keeps_html,
    )


def _keeps_html(options: BuildOptions, configured: SourceSettings | None) -> bool:
    """Whether raw HTML is kept, as far as the command line and the config tell (the front
    matter may still say otherwise: `settle` has the last word)."""
    if options.html is not None:
        return options.html
    return configured.keeps_html if configured is not None else True


def image_roots(source: Path, config: Config | None) -> ImageRoots:
    """The folders a source's images may come from: its own, its project's (the folder of its
    `deckgen.toml`) and its git repository's, as GitHub resolves `../images/x.png`."""
    project = config.path.parent if config is not None and config.path is not None else None
    return ImageRoots.of(source, project)


def stop_on_errors(rendered: Rendered, *, force: bool) -> None:
    """Raise when `check` found errors (unless `force`), or when the document has no cards."""
    path = rendered.document.path
    reason = no_cards_reason(rendered.document, rendered.shape, rendered.blocks)
    errors = error_count(rendered.diagnostics)
    if reason and errors == 1:
        raise SourceError(path, None, f"no cards: {reason}")
    if errors and (reason or not force):
        raise CheckError(path, rendered.diagnostics)


@dataclass(frozen=True, slots=True)
class Outline:
    """A source as the parse stage alone reads it (`deckgen list`)."""

    document: Document
    options: BuildOptions
    """The options that apply to it."""
    shape: Shape
    coverage: Coverage
    """Where its lines went."""


def outline(source: Path, options: BuildOptions) -> Outline:
    """The parse stage alone, as `deckgen list` shows it: the parts and cards of `source`, the
    options that apply to it, how it was read and where its lines went; no inline content is
    parsed. No cards is an error."""
    text = read_source(source)
    loaded, options = settle(source, text, options)
    reason = no_cards_reason(loaded.document, loaded.shape, loaded.tokens)
    if reason:
        raise SourceError(source, None, f"no cards: {reason}")
    reading = loaded.reading
    roles = roles_of(reading.headings, loaded.shape) if reading is not None else None
    lines = coverage(loaded.tokens, text, loaded.document, loaded.shape, roles)
    return Outline(loaded.document, options, loaded.shape, lines)
