"""deckgen: turn a Markdown study document into Anki decks that keep their review history."""

from deckgen.errors import DeckgenError, SourceError

__version__ = "0.1.0"

__all__ = ["DeckgenError", "SourceError", "__version__"]
