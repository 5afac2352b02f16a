"""The context every `check` rule reads, and the helpers rules share."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import accumulate
from pathlib import Path
from typing import overload

from markdown_it import MarkdownIt
from markdown_it.token import Token

from deckgen.model import Diagnostic, Document, Severity
from deckgen.parse.markdown import make_markdown
from deckgen.parse.shape import SEED_SHAPE, Shape
from deckgen.render.media import ImageRoots


@dataclass(frozen=True, slots=True)
class Lint:
    """Everything a rule may look at."""

    path: Path
    lines: Sequence[str]
    """The document's lines, as `str.splitlines` cuts them (`Lines`)."""
    tokens: tuple[Token, ...]
    """The document's tokens; `\\$` escapes may be merged into text (see `inline_children`)."""
    document: Document
    allow_html: bool
    max_nesting: int
    shape: Shape = SEED_SHAPE
    """The heading levels the document was read with."""
    line_count: int | None = None
    """How many lines the document has, when `lines` are left out (see `total_lines`)."""
    image_roots: ImageRoots | None = None
    """Where the document's images may come from; None: its own folder only."""

    @property
    def total_lines(self) -> int:
        """How many lines the document has."""
        return len(self.lines) if self.line_count is None else self.line_count

    def at(self, line: int | None, severity: Severity, message: str) -> Diagnostic:
        """A diagnostic at `line` of this file."""
        return Diagnostic(self.path, line, severity, message)


def lint_for(
    document: Document,
    text: str,
    tokens: Sequence[Token],
    shape: Shape,
    md: MarkdownIt,
    *,
    allow_html: bool,
    image_roots: ImageRoots | None = None,
) -> Lint:
    """What the rules read for `document`, parsed from `text` into `tokens` by `md` (or by its
    block part): the one place a `Lint` is made; others are `replace`d from one."""
    return Lint(
        path=document.path,
        lines=Lines(text),
        tokens=tuple(tokens),
        document=document,
        allow_html=allow_html,
        max_nesting=int(md.options["maxNesting"]),
        shape=shape,
        image_roots=image_roots,
    )


Rule = Callable[[Lint], Iterable[Diagnostic]]


_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
"""The characters `str.splitlines` breaks lines at (and `\\r\\n`, as one break)."""


class Lines(Sequence[str]):
    """The lines of a text as `str.splitlines` cuts them, each read off the text when asked for:
    a string per line would weigh ten times as much, and a large build's forked child would
    share those pages with its parent only until one of them touched them."""

    __slots__ = ("_starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        # Where each line starts, its line break included, and where the text ends.
        self._starts = array("q", accumulate(map(len, text.splitlines(keepends=True)), initial=0))

    def __len__(self) -> int:
        return len(self._starts) - 1

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("line index out of range")
        start, end = self._starts[index], self._starts[index + 1]
        # Every line but perhaps the last ends in one line break, `\r\n` or a single character.
        if self.text.startswith("\r\n", end - 2, end) and end - 2 >= start:
            end -= 2
        elif end > start and self.text[end - 1] in _BREAKS:
            end -= 1
        return self.text[start:end]

    def __iter__(self) -> Iterator[str]:
        return iter(self.text.splitlines())


@cache
def lint_markdown(allow_html: bool) -> MarkdownIt:
    """The build's parser, minus the pass that merges `\\$` escapes into plain text, so a rule can
    tell an escaped dollar from one that opens math. Never used for rendering."""
    md = make_markdown(allow_html=allow_html)
    md.disable("text_join")
    return md


def inline_children(lint: Lint, token: Token) -> list[Token]:
    """An inline token's children with escapes kept apart as `text_special` tokens.

    Only inline text with a backslash-dollar is parsed again; elsewhere an escape changes nothing.
    """
    if "\\$" not in token.content:
        return list(token.children or [])
    (inline,) = lint_markdown(lint.allow_html).parseInline(token.content)
    return list(inline.children or [])


def line_of(token: Token) -> int:
    """The 1-based line a block token starts on."""
    return token.map[0] + 1 if token.map else 0


def snippet(text: str, limit: int = 60) -> str:
    """Source text quoted in a message: one line (a diagnostic is one line), and not too long."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "\u2026"
