"""Card themes: the notetype stylesheet, chosen by name, for light and night mode.

A theme changes only CSS, never the notetype's fields or templates, so switching themes and
re-importing updates the cards in place. Layout lives in `card.css`; each theme file sets the
`--dg-*` custom properties (fonts and colours) that layout reads. Code colours are Pygments
styles chosen for contrast against the code background, so both are named here, where a test
can check them.
"""

from __future__ import annotations

from dataclasses import dataclass

from deckgen.errors import DeckgenError
from deckgen.notetype.names import DEFAULT_THEME, THEME_NAMES

# Anki desktop and AnkiMobile mark night mode with `nightMode`, AnkiDroid with `night_mode`;
# the class sits on the card's own element (body) or on an ancestor.
NIGHT = (".nightMode.card", ".nightMode .card", ".night_mode.card", ".night_mode .card")


@dataclass(frozen=True, slots=True)
class CodeColors:
    """How highlighted code looks in one mode: a Pygments style on a background."""

    style: str
    """Pygments style name: token colours."""
    background: str
    """`#rrggbb` of every code block, highlighted or plain."""


@dataclass(frozen=True, slots=True)
class Theme:
    """A named look for the cards, in light and night mode."""

    name: str
    summary: str
    light: CodeColors
    dark: CodeColors


THEMES: dict[str, Theme] = {
    theme.name: theme
    for theme in (
        Theme(
            "default",
            "clean sans-serif on white, GitHub-like colours",
            light=CodeColors("xcode", "#f6f8fa"),
            dark=CodeColors("github-dark", "#0d1117"),
        ),
        Theme(
            "paper",
            "serif text on warm paper, for long reading",
            light=CodeColors("xcode", "#f7f3ea"),
            dark=CodeColors("monokai", "#201e1b"),
        ),
    )
}
if set(THEMES) != set(THEME_NAMES):  # the command line offers THEME_NAMES without loading this
    raise ImportError(f"deckgen.notetype.names.THEME_NAMES must list {sorted(THEMES)}")


def get_theme(name: str) -> Theme:
    """The theme called `name`; an unknown name is an error that lists the choices."""
    try:
        return THEMES[name]
    except KeyError:
        choices = ", ".join(sorted(THEMES))
        raise DeckgenError(f"unknown theme {name!r}; choose one of: {choices}") from None


def theme_css(name: str = DEFAULT_THEME) -> str:
    """The whole notetype stylesheet for a theme: layout, theme colours, code colours."""
    from importlib.resources import files

    from deckgen.render.highlight import code_css

    theme = get_theme(name)
    package = files("deckgen.notetype")
    layout = package.joinpath("card.css").read_text(encoding="utf-8")
    colours = package.joinpath("stylesheets", f"{theme.name}.css").read_text(encoding="utf-8")
    return "\n".join(
        (
            layout,
            f"/* theme: {theme.name} */",
            colours,
            _code_vars(".card", theme.light),
            _code_vars(", ".join(NIGHT), theme.dark),
            code_css(theme.light.style, theme.dark.style),
        )
    )


def code_foreground(colors: CodeColors) -> str | None:
    """The style's plain-text colour (`#rrggbb`), or None when it leaves text to the card."""
    from pygments.styles import get_style_by_name
    from pygments.token import Token

    colour = get_style_by_name(colors.style).style_for_token(Token)["color"]
    return f"#{colour}" if colour else None


def _code_vars(selector: str, colors: CodeColors) -> str:
    foreground = code_foreground(colors) or "var(--dg-fg)"
    return f"{selector} {{ --dg-code-bg: {colors.background}; --dg-code-fg: {foreground}; }}"
