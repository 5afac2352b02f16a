"""The context every `check` rule reads, and the helpers rules share."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from markdown_it.token import Token

from deckgen.model import Diagnostic, Document, Severity
from deckgen.shape import SEED_SHAPE, Shape


@dataclass(frozen=True, slots=True)
class Lint:
    """Everything a rule may look at."""

    path: Path
    lines: tuple[str, ...]
    tokens: tuple[Token, ...]
    """The document's tokens, parsed with escapes kept apart (`text_special`)."""
    document: Document
    allow_html: bool
    max_nesting: int
    shape: Shape = SEED_SHAPE
    """The heading levels the document was read with."""

    def at(self, line: int | None, severity: Severity, message: str) -> Diagnostic:
        """A diagnostic at `line` of this file."""
        return Diagnostic(self.path, line, severity, message)


Rule = Callable[[Lint], Iterable[Diagnostic]]


def line_of(token: Token) -> int:
    """The 1-based line a block token starts on."""
    return token.map[0] + 1 if token.map else 0


def snippet(text: str, limit: int = 60) -> str:
    """Source text quoted in a message: one line (a diagnostic is one line), and not too long."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "\u2026"
