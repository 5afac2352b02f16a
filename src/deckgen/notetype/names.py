"""The card themes' names, for the command line to offer without loading the themes."""

from __future__ import annotations

DEFAULT_THEME = "default"
THEME_NAMES = ("default", "paper")
"""Every theme `deckgen.notetype.themes` defines (it checks that the two agree)."""
