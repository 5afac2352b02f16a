"""The `deckgen` command: thin click commands over the library.

Each command imports the library when it runs, not when this module loads: `deckgen --help`
then costs click and the option definitions only (the library's parser, pipeline and packager
take several times as long to import as click).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from deckgen import __version__
from deckgen.cli.errors import reported_errors
from deckgen.cli.options import (
    ConfigFinder,
    build_each,
    collection_options,
    make_selection,
    reading_options,
    refuse_collisions,
    selection_options,
    verbosity_options,
)
from deckgen.cli.say import plural
from deckgen.notetype.names import DEFAULT_THEME, THEME_NAMES

if TYPE_CHECKING:  # the library is loaded by the command that runs, not by `--help`
    from deckgen.model import Diagnostic
    from deckgen.options import BuildOptions, BuildReport

_F = TypeVar("_F", bound=Callable[..., Any])

source_args = click.argument(
    "sources", nargs=-1, type=click.Path(path_type=Path, dir_okay=True, exists=False)
)


def html_option(command: _F) -> _F:
    """`--html/--no-html`, and `--allow-html`, the old name of `--html`, kept working (hidden)."""
    command = click.option("--allow-html", "html", flag_value=True, hidden=True)(command)
    return click.option(
        "--html/--no-html",
        "html",
        default=None,
        help=(
            "Keep raw HTML as GitHub shows it, cleaned of anything that could run code or "
            "restyle the card (--html), or show it as text (--no-html); default: `html` in the "
            "config or front matter, else kept."
        ),
    )(command)


name_option = click.option(
    "--name",
    metavar="NAME",
    callback=lambda ctx, param, value: _check_name(ctx, param, value),
    help="The file name standard input (SOURCE -) stands for, without .md (default: stdin).",
)
theme_option = click.option(
    "--theme",
    type=click.Choice(sorted(THEME_NAMES)),
    help=(
        "Card look; CSS only, so switching keeps every note and its review history "
        f"(default: `theme` in the config or front matter, else {DEFAULT_THEME})."
    ),
)


def _check_name(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from deckgen.cli.stdin import check_name

    return check_name(ctx, param, value)


def _debug(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    from deckgen.cli import say

    say.set_debug(value)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="deckgen")
@click.option(
    "--debug",
    is_flag=True,
    expose_value=False,
    callback=_debug,
    help="Print the traceback of an internal error (also DECKGEN_DEBUG=1).",
)
def cli() -> None:
    """Turn Markdown study documents into Anki decks that keep their review history."""
    from deckgen.cli import say

    say.reset()


@cli.command()
@source_args
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Output file (one source only); - writes the package to standard output.",
)
@click.option("--deck", "deck_name", help="Deck name (default: the document's # title).")
@click.option(
    "--subdecks/--no-subdecks",
    default=None,
    help="Put each part in its own subdeck (default: `subdecks` in the config, else no).",
)
@html_option
@click.option("--force", is_flag=True, help="Write the deck even if `check` finds errors.")
@click.option("--merge", is_flag=True, help="Put all SOURCES into one package.")
@name_option
@verbosity_options
@selection_options
@reading_options
@theme_option
def build(
    sources: tuple[Path, ...],
    output: Path | None,
    deck_name: str | None,
    subdecks: bool | None,
    html: bool | None,
    force: bool,
    merge: bool,
    name: str | None,
    parts: tuple[str, ...],
    topics: tuple[str, ...],
    grep: tuple[str, ...],
    part_level: int | None,
    question_level: int | None,
    config_path: Path | None,
    theme: str | None,
) -> None:
    """Build SOURCES (default: the project here, else source/*.md) into build/<stem>.apkg.

    In a project (a deckgen.toml with `include`), or given a folder, every file goes into one
    package, build/<slug of the deck>.apkg, with one identity space and one state file.

    With --part, --topic or --grep the package holds only those cards (same IDs and deck as
    the full one) and is named after the selection, e.g. build/<stem>--llm.apkg.

    SOURCE - reads standard input (named --name, default stdin.md; no state file).
    """
    from deckgen.cli.stdin import with_stdin
    from deckgen.options import BuildOptions

    with reported_errors(), with_stdin(sources, name) as given:
        options = BuildOptions(
            deck_name=deck_name,
            subdecks=subdecks,
            html=html,
            force=force,
            selection=make_selection(parts, topics, grep),
            part_level=part_level,
            question_level=question_level,
            theme=theme,
        )
        for report in _build_reports(given, output, options, merge=merge, config=config_path):
            _echo_build(report)


def _build_reports(
    sources: tuple[Path, ...],
    output: Path | None,
    options: BuildOptions,
    *,
    merge: bool,
    config: Path | None,
) -> Iterable[BuildReport]:
    """What `build` builds: a project, several sources in one package, or each on its own."""
    from deckgen.api import build_project
    from deckgen.cli.output import card_counter
    from deckgen.cli.stdin import DASH, to_stdout
    from deckgen.cli.targets import targets
    from deckgen.merge import build_merged

    found = targets(sources, config)
    progress = card_counter()
    if found.project is not None:
        project = found.project
        if options.deck_name is not None:
            raise click.BadParameter(
                "a project's deck is `deck` in its deckgen.toml", param_hint="--deck"
            )
        if output == DASH:
            return [
                to_stdout(
                    project.root.resolve().name,
                    lambda out: build_project(project, out, options, progress=progress),
                )
            ]
        return [build_project(project, output, options, progress=progress)]
    paths = list(found.files)
    if output is not None and len(paths) != 1 and not merge:
        raise click.BadParameter("-o needs exactly one source (or --merge)", param_hint="-o")
    options_for = _options_for(ConfigFinder(config), options)
    if merge:
        merged = partial(
            build_merged,
            paths,
            options=options_for(paths[0]),
            options_for=options_for,
            state_file_for=_state_file,
        )
        if output == DASH:
            return [to_stdout("deckgen", merged)]
        return [merged(output)]
    one = partial(_build_one, options_for=options_for, progress=progress)
    if output == DASH:
        return [to_stdout(paths[0].stem, lambda out: one(paths[0], out))]
    if output is None:
        from deckgen.deck import default_output

        refuse_collisions(paths, lambda path: default_output(path, selection=options.selection))
    return build_each(paths, lambda path: one(path, output), options.selection)


def _options_for(configs: ConfigFinder, options: BuildOptions) -> Callable[[Path], BuildOptions]:
    """Each source's options; standard input's copy takes the config of the current folder."""
    from deckgen.cli.stdin import is_stdin_copy

    given = configs.options(options)
    return lambda path: given(Path.cwd() / path.name if is_stdin_copy(path) else path)


def _state_file(path: Path) -> Path:
    from deckgen.identity.state import state_path

    return state_path(path)


def _build_one(
    path: Path,
    output: Path | None,
    *,
    options_for: Callable[[Path], BuildOptions],
    progress: Callable[[int, int], None] | None,
) -> BuildReport:
    """One source's own package: standard input's copy keeps no state, and its package goes
    to build/<name>.apkg here, not beside the copy."""
    from deckgen.api import build as build_source
    from deckgen.cli.stdin import is_stdin_copy
    from deckgen.deck import default_output

    options = options_for(path)
    if is_stdin_copy(path):
        output = output or default_output(Path(path.name), selection=options.selection)
        return build_source(path, output, options, progress=progress)
    return build_source(path, output, options, state_file=_state_file(path), progress=progress)


def _echo_build(report: BuildReport) -> None:
    from deckgen.cli import say
    from deckgen.cli.output import build_summary, echo_revision

    for diagnostic in report.diagnostics:
        say.finding(str(diagnostic), diagnostic.severity)
    say.result(build_summary(report))
    if report.revision is not None:
        echo_revision(report.revision, subdecks=report.subdecks)
    if report.state_written is not None:
        say.result(f"state → {report.state_written} (commit it with the source)")


@cli.command()
@source_args
@collection_options
@click.option(
    "--subdecks/--no-subdecks",
    default=None,
    help="Put each part in its own subdeck (default: `subdecks` in the config, else no).",
)
@html_option
@click.option("--force", is_flag=True, help="Sync even if `check` finds errors.")
@verbosity_options
@selection_options
@reading_options
@theme_option
def sync(
    sources: tuple[Path, ...],
    collection: Path | None,
    profile: str | None,
    dry_run: bool,
    overwrite: bool,
    delete: bool,
    allow_full_sync: bool,
    via: str,
    subdecks: bool | None,
    html: bool | None,
    force: bool,
    parts: tuple[str, ...],
    topics: tuple[str, ...],
    grep: tuple[str, ...],
    part_level: int | None,
    question_level: int | None,
    config_path: Path | None,
    theme: str | None,
) -> None:
    """Sync SOURCES straight into an Anki collection, keeping every review, tag and edit made
    in Anki: the collection file with Anki closed, or through deckgen's add-on in a running
    Anki.

    Takes what `build` takes and runs the same pipeline; instead of a package, the deck is
    applied to the collection: new questions added, changed ones updated (your own tags kept),
    notes edited in Anki kept and reported, removed questions suspended and tagged
    deckgen::removed. A backup Anki can restore is made first. Needs deckgen[sync].
    """
    from deckgen.cli.syncing import echo_sync, run_sync
    from deckgen.collection.apply import SyncSettings
    from deckgen.options import BuildOptions

    with reported_errors():
        if collection is not None and profile is not None:
            raise click.BadParameter("give --collection or --profile, not both")
        options = BuildOptions(
            subdecks=subdecks,
            html=html,
            force=force,
            selection=make_selection(parts, topics, grep),
            part_level=part_level,
            question_level=question_level,
            theme=theme,
        )
        settings = SyncSettings(
            overwrite=overwrite,
            delete=delete,
            dry_run=dry_run,
            allow_full_sync=allow_full_sync,
            via=via,
        )
        for report in run_sync(sources, config_path, options, settings, collection, profile):
            echo_sync(report)


@cli.command()
@source_args
@click.option(
    "--sync",
    "to_collection",
    is_flag=True,
    help="Sync into an Anki collection on every save, as `deckgen sync` does, instead of "
    "building the package.",
)
@click.option(
    "--preview",
    is_flag=True,
    help="Serve the preview on 127.0.0.1 (a free port, printed) and reload the open page after "
    "every rebuild.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Output file (one source or a project; not with --sync).",
)
@click.option("--deck", "deck_name", help="Deck name (default: the document's # title).")
@collection_options
@click.option(
    "--subdecks/--no-subdecks",
    default=None,
    help="Put each part in its own subdeck (default: `subdecks` in the config, else no).",
)
@html_option
@click.option("--force", is_flag=True, help="Write the deck even if `check` finds errors.")
@verbosity_options
@selection_options
@reading_options
@theme_option
def watch(
    sources: tuple[Path, ...],
    to_collection: bool,
    preview: bool,
    output: Path | None,
    deck_name: str | None,
    collection: Path | None,
    profile: str | None,
    dry_run: bool,
    overwrite: bool,
    delete: bool,
    allow_full_sync: bool,
    via: str,
    subdecks: bool | None,
    html: bool | None,
    force: bool,
    parts: tuple[str, ...],
    topics: tuple[str, ...],
    grep: tuple[str, ...],
    part_level: int | None,
    question_level: int | None,
    config_path: Path | None,
    theme: str | None,
) -> None:
    """Rebuild SOURCES on every save until Ctrl-C: the package, as `build` makes it, or with
    --sync the collection, as `sync` writes it.

    One process keeps the pipeline and its caches warm, so a rebuild after an edit takes a
    fraction of a `build`. An error in the Markdown is printed and the watch goes on; the last
    good package or sync stays as it was. Files added to or removed from a project, and
    changes to deckgen.toml, are followed. Needs deckgen[watch].
    """
    from deckgen.cli.watching import Request, run_watch
    from deckgen.collection.apply import SyncSettings
    from deckgen.options import BuildOptions

    with reported_errors():
        syncing = (collection, profile, dry_run or None, overwrite or None, delete or None)
        if not to_collection and (any(syncing) or allow_full_sync or via != "auto"):
            raise click.BadParameter(
                "--collection, --profile, --dry-run, --overwrite, --delete, --allow-full-sync "
                "and --via are options of --sync"
            )
        if to_collection and (output is not None or deck_name is not None):
            raise click.BadParameter("-o and --deck are for the package, not --sync")
        if collection is not None and profile is not None:
            raise click.BadParameter("give --collection or --profile, not both")
        options = BuildOptions(
            deck_name=deck_name,
            subdecks=subdecks,
            html=html,
            force=force,
            selection=make_selection(parts, topics, grep),
            part_level=part_level,
            question_level=question_level,
            theme=theme,
        )
        settings = SyncSettings(
            overwrite=overwrite,
            delete=delete,
            dry_run=dry_run,
            allow_full_sync=allow_full_sync,
            via=via,
        )
        run_watch(
            Request(
                sources,
                config_path,
                options,
                output,
                settings if to_collection else None,
                collection,
                profile,
                preview,
            )
        )


@cli.group()
def addon() -> None:
    """deckgen's Anki add-on: `deckgen sync` into a running Anki."""


@addon.command("install")
@click.option(
    "--base",
    type=click.Path(path_type=Path, file_okay=False),
    help="Anki's base folder (default: ANKI_BASE, else where Anki keeps it on this system).",
)
@verbosity_options
def addon_install(base: Path | None) -> None:
    """Put the add-on into Anki's add-ons folder; restart Anki to load it."""
    from deckgen.addon.bundle import install
    from deckgen.cli.say import result
    from deckgen.collection.profiles import anki_base

    with reported_errors():
        target = install(base or anki_base())
        result(f"add-on → {target} (restart Anki to load it)")


@addon.command("package")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=Path("build/deckgen.ankiaddon"),
    show_default=True,
    help="The .ankiaddon to write.",
)
@verbosity_options
def addon_package(output: Path) -> None:
    """Write the add-on as a .ankiaddon (Anki: Tools → Add-ons → Install from file…)."""
    from deckgen.addon.bundle import package
    from deckgen.cli.say import result

    with reported_errors():
        output.parent.mkdir(parents=True, exist_ok=True)
        result(f"add-on → {package(output)}")


@cli.command("list")
@source_args
@html_option
@name_option
@verbosity_options
@reading_options
def list_parts(
    sources: tuple[Path, ...],
    html: bool | None,
    name: str | None,
    part_level: int | None,
    question_level: int | None,
    config_path: Path | None,
) -> None:
    """List the parts and topics of SOURCES with card counts and the Anki search for each."""
    from deckgen.cli.listing import format_entries, header, part_entries, topic_entries
    from deckgen.cli.say import result
    from deckgen.cli.stdin import with_stdin
    from deckgen.cli.targets import targets
    from deckgen.options import BuildOptions
    from deckgen.pipeline import outline

    with reported_errors(), with_stdin(sources, name) as given_sources:
        found = targets(given_sources, config_path, alone=True)
        given = BuildOptions(html=html, part_level=part_level, question_level=question_level)
        if found.project is not None:
            from deckgen.cli.listing import project_lines

            for line in project_lines(found.project, given):
                result(line)
            return
        options_for = _options_for(ConfigFinder(config_path), given)
        for path in found.files:
            read = outline(path, options_for(path))
            document, options = read.document, read.options
            lines = [*header(path, read), *format_entries(part_entries(document, options))]
            topics = topic_entries(document, options)
            if topics:
                lines += ["  topics:", *format_entries(topics)]
            for line in lines:
                result(line)


@cli.command()
@source_args
@html_option
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too (for CI and pre-commit).")
@name_option
@verbosity_options
@reading_options
def check(
    sources: tuple[Path, ...],
    html: bool | None,
    strict: bool,
    name: str | None,
    part_level: int | None,
    question_level: int | None,
    config_path: Path | None,
) -> None:
    """Check SOURCES (default: source/*.md) for problems; write nothing. Exit 1 on errors
    (with --strict, on warnings too)."""
    from deckgen.api import check_file
    from deckgen.cli.stdin import with_stdin
    from deckgen.cli.targets import targets
    from deckgen.config.settings import SourceSettings
    from deckgen.options import BuildOptions

    with reported_errors(), with_stdin(sources, name) as given:
        found = targets(given, config_path, alone=True)
        if found.project is not None:
            from deckgen.api import check_project

            diagnostics = check_project(
                found.project,
                BuildOptions(html=html, part_level=part_level, question_level=question_level),
            )
            _echo_checked(diagnostics, len(found.project.files), strict=strict)
            return
        levels = SourceSettings(part_level=part_level, question_level=question_level)
        configs = ConfigFinder(config_path)
        every: list[Diagnostic] = []
        for path in found.files:
            every += check_file(path, html=html, overrides=levels, config=configs.for_source(path))
        _echo_checked(every, len(found.files), strict=strict)


def _echo_checked(diagnostics: list[Diagnostic], files: int, *, strict: bool) -> None:
    """Every diagnostic, the counts, and exit status 1 when there is an error (or, `strict`,
    a warning)."""
    from deckgen.cli import say

    counts = {"error": 0, "warning": 0, "info": 0}
    for diagnostic in diagnostics:
        counts[diagnostic.severity] += 1
        say.finding(str(diagnostic), diagnostic.severity, notes=True)
    say.result(
        f"{plural(files, 'file')} checked: {plural(counts['error'], 'error')}, "
        f"{plural(counts['warning'], 'warning')}, {plural(counts['info'], 'note')}"
    )
    if counts["error"] or (strict and counts["warning"]):
        sys.exit(1)


@cli.command()
@source_args
@click.option(
    "--subdecks/--no-subdecks",
    default=None,
    help="Warn about what subdecks cannot carry (default: as the build would, from the config "
    "or front matter).",
)
@html_option
@verbosity_options
@reading_options
@theme_option
def status(
    sources: tuple[Path, ...],
    subdecks: bool | None,
    html: bool | None,
    part_level: int | None,
    question_level: int | None,
    config_path: Path | None,
    theme: str | None,
) -> None:
    """Show what the next build changes (new, reworded, moved, changed, removed); write nothing."""
    from deckgen.cli.report import project_status, status_lines
    from deckgen.cli.say import finding, result
    from deckgen.cli.targets import targets
    from deckgen.identity.state import load_state, state_path
    from deckgen.options import BuildOptions
    from deckgen.pipeline import run

    with reported_errors():
        found = targets(sources, config_path)
        given = BuildOptions(
            subdecks=subdecks,
            html=html,
            part_level=part_level,
            question_level=question_level,
            theme=theme,
        )
        if found.project is not None:
            for line in project_status(found.project, given):
                result(line)
            return
        options_for = ConfigFinder(config_path).options(given)
        for path in found.files:
            previous = load_state(state_path(path))
            built = run(path, options_for(path), previous, now=int(time.time()))
            revision, settled = built.revision, built.rendered.options
            for diagnostic in revision.diagnostics:
                finding(str(diagnostic), diagnostic.severity)
            if previous is None:
                result(
                    f"{path}: no {state_path(path).name} yet: the next build gives "
                    f"{plural(len(revision.deck.notes), 'card')} their question-based IDs"
                )
                continue
            for line in status_lines(path, revision, subdecks=bool(settled.subdecks)):
                result(line)


@cli.command()
@source_args
@verbosity_options
def prune(sources: tuple[Path, ...]) -> None:
    """Forget the removed notes remembered beside SOURCES (delete them in Anki first)."""
    from dataclasses import replace

    from deckgen.cli.report import removed_search
    from deckgen.cli.say import result
    from deckgen.cli.targets import targets
    from deckgen.identity.state import load_state, save_state, state_path

    with reported_errors():
        found = targets(sources, None)
        if found.project is not None:
            from deckgen.cli.report import prune_project

            result(prune_project(found.project))
            return
        for path in found.files:
            state_file = state_path(path)
            state = load_state(state_file)
            if state is None or not state.removed:
                result(f"{state_file}: no removed notes to forget")
                continue
            save_state(replace(state, removed=()), state_file)
            ids = [card.id for card in state.removed]
            result(
                f"{state_file}: forgot {plural(len(ids), 'removed note')}: {removed_search(ids)}"
            )


@cli.command()
@source_args
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="Output file (one source only)."
)
@click.option("--deck", "deck_name", help="Deck name (default: the document's # title).")
@html_option
@theme_option
@name_option
@verbosity_options
@selection_options
@reading_options
def preview(
    sources: tuple[Path, ...],
    output: Path | None,
    deck_name: str | None,
    html: bool | None,
    theme: str | None,
    name: str | None,
    parts: tuple[str, ...],
    topics: tuple[str, ...],
    grep: tuple[str, ...],
    part_level: int | None,
    question_level: int | None,
    config_path: Path | None,
) -> None:
    """Write build/<stem>.html: every card, front and back, as the deck will show it.

    The page is one file that works offline. It takes the same settings and the same
    --part/--topic/--grep selection as `build`.
    """
    from deckgen.cli.say import finding, result
    from deckgen.cli.stdin import with_stdin
    from deckgen.cli.targets import targets
    from deckgen.options import BuildOptions
    from deckgen.preview.page import preview as preview_source

    with reported_errors(), with_stdin(sources, name) as given:
        found = targets(given, config_path, alone=True)
        paths = list(found.project.files if found.project else found.files)
        if output is not None and len(paths) != 1:
            raise click.BadParameter("-o needs exactly one source", param_hint="-o")
        options = BuildOptions(
            deck_name=deck_name,
            html=html,
            theme=theme,
            selection=make_selection(parts, topics, grep),
            part_level=part_level,
            question_level=question_level,
        )
        options_for = _options_for(ConfigFinder(config_path), options)
        for path in paths:
            if found.project is not None:
                # A page per file, named by its path: files in two folders may share a name.
                page = found.project.relative(path).rsplit(".", 1)[0].replace("/", "--")
                output = found.project.build_dir / f"{page}.html"
            report = preview_source(path, output, options_for(path))
            for diagnostic in report.diagnostics:
                finding(str(diagnostic), diagnostic.severity)
            result(
                f"{plural(report.cards, 'card')} in {plural(report.parts, 'part')}, "
                f"{plural(report.math, 'math span')} → {report.output} ({report.seconds:.2f} s)"
            )


def main() -> None:
    """Entry point of the `deckgen` script and `python -m deckgen`."""
    try:
        cli(prog_name="deckgen")
    except KeyboardInterrupt:
        # Before a command runs (click's own parsing, an import): quietly, as interrupted.
        sys.exit(130)
