"""The errors deckgen raises; the CLI turns them into `path:line: error: message`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from deckgen.model import Diagnostic, location

__all__ = ["CheckError", "DeckgenError", "SourceError", "location"]


class DeckgenError(Exception):
    """Anything that stops a build and that the user can fix."""


class SourceError(DeckgenError):
    """A problem at a place in a source file (line is 1-based; None when it concerns the whole file)."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        super().__init__(message)
        self.path = Path(path)
        self.line = line
        self.message = message

    def __str__(self) -> str:
        return f"{location(self.path, self.line)}: {self.message}"


class CheckError(DeckgenError):
    """`check` found errors in a source, so the build wrote nothing (`--force` overrides)."""

    def __init__(self, path: Path, diagnostics: Sequence[Diagnostic]) -> None:
        self.path = path
        self.diagnostics = tuple(diagnostics)
        errors = sum(1 for d in self.diagnostics if d.severity == "error")
        self.message = (
            f"{errors} error{'s' if errors != 1 else ''}; nothing written "
            "(fix them, or build with --force)"
        )
        super().__init__(self.message)
