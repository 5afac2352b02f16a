"""Several sources in one package: each file keeps its own tags and IDs, under one deck."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from deckgen.errors import DeckgenError, SourceError
from deckgen.identity.state import DeckState, load_state, save_state
from deckgen.model import Deck, Diagnostic, MediaFile, Note
from deckgen.notetype.names import DEFAULT_THEME
from deckgen.options import BuildOptions, BuildReport
from deckgen.outputs import check_output, deck_lock, safe_default
from deckgen.package.writer import write_package
from deckgen.pipeline import run
from deckgen.select import EmptySelectionError, select_deck, skipped_message
from deckgen.slug import slugify

MERGED_DECK = "deckgen"


def merged_deck_name(options: BuildOptions) -> str:
    """`--deck`, else the config's top-level `deck`, else `deckgen`."""
    configured = options.config.defaults.deck if options.config else None
    return " ".join((options.deck_name or configured or MERGED_DECK).split())


def default_merged_output(options: BuildOptions, build_dir: Path = Path("build")) -> Path:
    """`build/<deck name>.apkg`, with what was selected appended as for a single source."""
    stem = slugify(merged_deck_name(options)) or MERGED_DECK
    label = options.selection.label() if options.selection else ""
    return safe_default(build_dir / (f"{stem}--{label}.apkg" if label else f"{stem}.apkg"))


def build_merged(
    sources: Sequence[Path],
    output: Path | None = None,
    options: BuildOptions | None = None,
    *,
    options_for: Callable[[Path], BuildOptions] | None = None,
    state_file_for: Callable[[Path], Path] | None = None,
    clock: Callable[[], float] = time.time,
) -> BuildReport:
    """Build `sources` into one `.apkg`.

    Each file's notes keep the tags (`<stem>::…`) and IDs they have in the file's own deck, so
    either package can be imported after the other. They all go into one deck; with subdecks,
    each file gets a subdeck named after its own deck, with its parts below. `options_for` gives
    per-file options (such as each file's config); `options` is used for every file otherwise.
    With `state_file_for` (the CLI passes `state_path`), each file's state is read and updated
    as its own build would, so its notes keep the same IDs and mtimes in both packages.
    """

    options = options or BuildOptions()
    output = output or default_merged_output(options)
    inputs: list[Path | None] = [*sources, *(state_file_for(s) for s in sources if state_file_for)]
    if options.config is not None:
        inputs.append(options.config.path)
    check_output(output, ".apkg", inputs)
    with deck_lock(output):
        return _build_merged(sources, output, options, options_for, state_file_for, clock)


def _build_merged(
    sources: Sequence[Path],
    output: Path,
    options: BuildOptions,
    options_for: Callable[[Path], BuildOptions] | None,
    state_file_for: Callable[[Path], Path] | None,
    clock: Callable[[], float],
) -> BuildReport:
    started = time.perf_counter()
    name = merged_deck_name(options)
    now = int(clock())
    notes: list[Note] = []
    states: list[tuple[DeckState, Path]] = []
    owners: dict[str, Path] = {}
    diagnostics: list[Diagnostic] = []
    media: dict[str, MediaFile] = {}
    themes: list[tuple[Path, str]] = []
    for source in sources:
        file_options = replace(options_for(source) if options_for else options, deck_name=None)
        state_file = state_file_for(source) if state_file_for else None
        previous = load_state(state_file) if state_file else None
        built = run(source, file_options, previous, now=now)
        document, revision = built.rendered.document, built.revision
        file_options = built.rendered.options
        if state_file:
            states.append((revision.state, state_file))
        themes.append((source, file_options.theme or DEFAULT_THEME))
        diagnostics.extend(revision.diagnostics)
        try:
            deck = select_deck(document, revision.deck, file_options.selection, file_options.topics)
        except EmptySelectionError as exc:
            # Several files: the selection only has to find something in one of them.
            if len(sources) == 1:
                raise
            diagnostics.append(Diagnostic(source, None, "warning", skipped_message(exc)))
            continue
        # Media files are named by content, so one name is one file whichever source has it.
        media.update((file.name, file) for file in deck.media)
        for note in deck.notes:
            if note.id in owners:
                raise SourceError(
                    source,
                    None,
                    f"shares the name '{source.stem}' with {owners[note.id]}; rename one to merge",
                )
            owners[note.id] = source
            subdeck = f"{name}::{note.deck}" if file_options.subdecks else name
            notes.append(replace(note, deck=subdeck))
    if not notes:
        raise DeckgenError(f"{options.selection.describe()} selects no card in any source")
    deck = Deck(name, tuple(notes), tuple(media[key] for key in sorted(media)))
    notetype_mtime = max((state.notetype.mtime for state, _ in states), default=None)
    # One package has one notetype, so one theme: the first file's.
    theme = themes[0][1] if themes else DEFAULT_THEME
    diagnostics.extend(
        Diagnostic(
            source,
            None,
            "warning",
            f"theme '{other}' is not used: one package has one card style, and "
            f"{themes[0][0].name} sets '{theme}' (choose one with --theme)",
        )
        for source, other in themes[1:]
        if other != theme
    )
    write_package(
        deck,
        output,
        notetype_mtime=notetype_mtime,
        theme=theme,
    )
    for state, state_file in states:
        save_state(state, state_file)
    return BuildReport(
        source=sources[0],
        output=output,
        cards=len(notes),
        parts=len({(note.source.split("#")[0], note.part) for note in notes}),
        seconds=time.perf_counter() - started,
        diagnostics=tuple(diagnostics),
        subdecks=bool(options.subdecks),
    )
