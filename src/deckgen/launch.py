"""The `deckgen` script: the group help page straight from storage, everything else through click.

Importing click alone takes about twice as long as the interpreter needs to start, and
`deckgen --help` needs none of it: `deckgen.helppage` holds the page click prints for it. The
stored page is used only when click would print exactly that page (same arguments, same wrap
width, no translation of click's words, no shell-completion request); any doubt goes to
`deckgen.cli.main`. This module imports nothing but `os` and `sys`, which the interpreter has
loaded already.
"""

import os
import sys

# The only calls answered here: the group's own help (`build --help` and the rest go to click).
GROUP_HELP = (["--help"], ["-h"])
# cli.main runs click with prog_name="deckgen", so click asks for `_DECKGEN_COMPLETE`.
COMPLETE_VAR = "_DECKGEN_COMPLETE"
# click.formatting.HelpFormatter without terminal_width/max_content_width settings: the
# terminal's columns, at most 80, minus 2, at least 50. The columns are those of
# shutil.get_terminal_size(): COLUMNS when a positive integer, else the terminal on the
# original stdout, else 80.
MAX_COLUMNS = 80
FALLBACK_COLUMNS = 80
MIN_WIDTH = 50
# click's own words ("Usage:", "Show this message and exit.") go through gettext's default
# domain, which reads catalogues from here for the user's language. (os.path, not pathlib:
# importing pathlib alone would cost half of the start-up saved.)
LOCALE_DIR = os.path.join(sys.base_prefix, "share", "locale")  # noqa: PTH118


def help_width() -> int:
    """The width click wraps the help page to in this process's environment."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        columns = _terminal_columns() or FALLBACK_COLUMNS
    return max(min(columns, MAX_COLUMNS) - 2, MIN_WIDTH)


def _terminal_columns() -> int:
    stdout = sys.__stdout__
    if stdout is None:
        return 0
    try:
        return os.get_terminal_size(stdout.fileno()).columns
    except (AttributeError, ValueError, OSError):
        return 0


def stored_page(args: list[str]) -> str | None:
    """The stored help page if click would print exactly it for these arguments, else None."""
    if args not in GROUP_HELP or COMPLETE_VAR in os.environ or sys.stdout is None:
        return None
    from deckgen import helppage

    # Non-ASCII text could be re-encoded by click's stream handling; not worth reproducing.
    if help_width() != helppage.WIDTH or not helppage.PAGE.isascii() or _translated():
        return None
    return helppage.PAGE


def _translated() -> bool:
    # Most interpreters have no such folder; where there is one, ask gettext as click would.
    if not os.path.isdir(LOCALE_DIR):  # noqa: PTH112
        return False
    import gettext

    return gettext.find("messages", LOCALE_DIR) is not None


def main() -> None:
    """Entry point of the `deckgen` script and `python -m deckgen`."""
    page = stored_page(sys.argv[1:])
    if page is None:
        from deckgen.cli import main as click_main

        click_main()
        return
    try:
        sys.stdout.write(page)
        sys.stdout.flush()
    except BrokenPipeError:
        # As click does when the reader has gone: exit 1, and no traceback when Python
        # flushes stdout again on the way out.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)
