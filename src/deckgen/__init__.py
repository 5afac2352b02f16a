"""deckgen: turn a Markdown study document into Anki decks that keep their review history."""

# The package imports nothing at start-up: `deckgen --help` is answered by `deckgen.launch`,
# which must not pay for pathlib and typing (deckgen.errors) before it prints.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from deckgen.errors import DeckgenError, SourceError

__version__ = "0.1.0"

__all__ = ["DeckgenError", "SourceError", "__version__"]


def __getattr__(name: str) -> object:
    if name in ("DeckgenError", "SourceError"):
        from deckgen import errors

        return getattr(errors, name)
    raise AttributeError(f"module 'deckgen' has no attribute {name!r}")
