"""`deckgen check`: lint a source without writing anything.

Each rule is a small function from a `Lint` (the text, its tokens and the parsed `Document`) to
diagnostics; `RULES` lists them in the order they run, as markdown-it lists its rules. The
parser's own diagnostics (a question without an answer, a question before the first part) come
first and are not repeated here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from markdown_it.token import Token

from deckgen.check.content import images, invalid_latex, raw_html, unclosed_math
from deckgen.check.context import Lint, Rule, lint_markdown
from deckgen.check.structure import (
    deep_nesting,
    duplicate_questions,
    empty_parts,
    headings_in_code,
    headings_in_html,
    no_cards,
    no_cards_reason,
    unclosed_fences,
)
from deckgen.errors import SourceError
from deckgen.model import Diagnostic, Document
from deckgen.parse.markdown import make_markdown
from deckgen.parse.shape import SEED_SHAPE, Shape

if TYPE_CHECKING:
    from deckgen.config.project import Config
    from deckgen.config.settings import SourceSettings

__all__ = [
    "RULES",
    "THOROUGH_RULES",
    "check_document",
    "check_file",
    "error_count",
    "no_cards_reason",
]

RULES: tuple[Rule, ...] = (
    no_cards,
    duplicate_questions,
    empty_parts,
    unclosed_math,
    unclosed_fences,
    headings_in_code,
    headings_in_html,
    raw_html,
    images,
    deep_nesting,
)
"""What `check` and `build` both run; only these can stop a build."""

THOROUGH_RULES: tuple[Rule, ...] = (invalid_latex,)
"""Slower rules that only `deckgen check` runs; they only warn."""


def check_document(
    text: str,
    document: Document,
    *,
    allow_html: bool = False,
    shape: Shape = SEED_SHAPE,
    tokens: Sequence[Token] = (),
    thorough: bool = False,
) -> list[Diagnostic]:
    """Every diagnostic for `document` (parsed from `text`, into `tokens` if given), in line order.

    `thorough` adds `THOROUGH_RULES` (a LaTeX parse of every formula).
    """
    md = lint_markdown(allow_html)
    lint = Lint(
        path=document.path,
        lines=tuple(text.splitlines()),
        tokens=tuple(tokens) if tokens else tuple(md.parse(text)),
        document=document,
        allow_html=allow_html,
        max_nesting=int(md.options["maxNesting"]),
        shape=shape,
    )
    found = list(document.diagnostics)
    for rule in RULES + (THOROUGH_RULES if thorough else ()):
        found.extend(rule(lint))
    return sorted(found, key=lambda d: d.line or 0)


def check_file(
    path: Path,
    *,
    allow_html: bool = False,
    overrides: SourceSettings | None = None,
    config: Config | None = None,
) -> list[Diagnostic]:
    """Read, parse and thoroughly check one source, read with its settings (front matter, config,
    levels given in `overrides`); a file or setting that cannot be read is one error diagnostic."""
    # Here, not at the top: a build imports this module for its rules, and may never read a file.
    from deckgen.config.loading import load_source

    md = make_markdown(allow_html=allow_html)
    try:
        loaded = load_source(path, md, overrides, config)
    except SourceError as exc:
        return [Diagnostic(exc.path, exc.line, "error", exc.message)]
    return check_document(
        loaded.text,
        loaded.document,
        allow_html=allow_html,
        shape=loaded.shape,
        tokens=loaded.tokens,
        thorough=True,
    )


def error_count(diagnostics: Iterable[Diagnostic]) -> int:
    """How many of `diagnostics` stop a build."""
    return sum(1 for d in diagnostics if d.severity == "error")
