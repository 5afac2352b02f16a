"""Glossaries: a term and its definition, one card each, where a document is written that way.

- **definition lists** (Pandoc, PHP Markdown Extra): `term` on a line, `:   definition` below
  (continuing over unindented lines), read by mdit-py-plugins' deflist rule; a list of three
  terms or more is a glossary, each term a question and its definitions the answer;
- **tables of two columns**: `| word | meaning |` vocabulary, or `| Question | Answer |`, each
  row a card, where tables are what a section holds (see `find_rows`);
- a term written as a Pandoc span with an anchor, `[absolute path]{#absolute-path}`, is asked
  as its words.

Each finder gives `Term` records; `deckgen.parse.asked` makes them questions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from markdown_it.token import Token

_LEAST_TERMS = 3
"""Terms a definition list needs to be a glossary rather than a list with a definition in it."""
_SPAN = re.compile(r"^\[(?P<text>[^\[\]]+)\]\{[^}]*\}$")
"""`[term]{#anchor}`: a Pandoc span, the term its words."""


@dataclass(frozen=True, slots=True)
class Term:
    """A term and where its definition lies (indices into the tokens)."""

    opener: int
    inline: int
    text: str
    question: tuple[int, ...]
    """The term's own tokens and the definition's wrappers: not part of the answer."""
    end: int
    """The token its card ends before."""


def find_definitions(tokens: Sequence[Token]) -> list[Term]:
    """Each term of every top-level definition list of three terms or more."""
    found: list[Term] = []
    for i, token in enumerate(tokens):
        if token.type != "dl_open" or token.level != 0:
            continue
        close = _closing(tokens, i)
        starts = [
            j for j in range(i + 1, close) if tokens[j].type == "dt_open" and tokens[j].level == 1
        ]
        if len(starts) < _LEAST_TERMS:
            continue
        for start, end in zip(starts, [*starts[1:], close], strict=True):
            wrappers = [
                j
                for j in range(start + 3, end)
                if tokens[j].level == 1 and tokens[j].type in ("dd_open", "dd_close")
            ]
            text = term_text(tokens[start + 1].content)
            question = (start, start + 1, start + 2, *wrappers, *([close] if end == close else []))
            found.append(Term(start, start + 1, text, question, end))
    return found


def term_text(text: str) -> str:
    """A term as it reads: `[absolute path]{#absolute-path}` is `absolute path`."""
    match = _SPAN.match(text.strip())
    return match["text"].strip() if match else text.strip()


def _closing(tokens: Sequence[Token], opened: int) -> int:
    depth = 0
    for j in range(opened, len(tokens)):
        depth += tokens[j].nesting
        if depth == 0:
            return j
    return len(tokens) - 1
