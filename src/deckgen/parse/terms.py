"""Glossaries: a term and its definition, one card each, where a document is written that way.

- **definition lists** (Pandoc, PHP Markdown Extra): `term` on a line, `:   definition` below
  (continuing over unindented lines), read by mdit-py-plugins' deflist rule; a list of three
  terms or more is a glossary, each term a question and its definitions the answer;
- **tables of two columns**: `| word | meaning |` vocabulary, or `| Question | Answer |`, each
  row a card, where tables are what a section holds (see `find_rows`);
- **term lines**: `**term**: definition` paragraphs that make up a section (see
  `find_term_lines`);
- **a phrase book**: a quote and the paragraph under it (`> Mucho gusto` / `Nice to meet
  you`), where a section holds nothing else (see `find_pairs`);
- a term written as a Pandoc span with an anchor, `[absolute path]{#absolute-path}`, is asked
  as its words.

Each finder gives `Term` records; `deckgen.parse.asked` makes them questions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from markdown_it.token import Token

from deckgen.parse.nesting import closing
from deckgen.parse.phrasing import looks_like_question

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
    end: int | None
    """The token its card ends before; None: the next question or heading ends it."""
    rest: str | None = None
    """The definition, where term and definition share one paragraph: the paragraph's text
    becomes it, and the term is a question of its own."""


def find_definitions(tokens: Sequence[Token]) -> list[Term]:
    """Each term of every top-level definition list of three terms or more."""
    found: list[Term] = []
    for i, token in enumerate(tokens):
        if token.type != "dl_open" or token.level != 0:
            continue
        close = closing(tokens, i)
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


def find_rows(tokens: Sequence[Token]) -> list[Term]:
    """Each body row of a top-level table of two columns that is a vocabulary or a set of
    questions: its header names a question and an answer (`| Question | Answer |`, `| Word |
    Meaning |`), or it has three rows or more of short first cells and stands, with other
    tables only, under a heading that does not ask."""
    sections = _sections(tokens)
    found: list[Term] = []
    for i, token in enumerate(tokens):
        if token.type != "table_open" or token.level != 0:
            continue
        close = closing(tokens, i)
        header, rows = _cells(tokens, i, close)
        if len(header) != 2 or not rows or any(len(cells) != 2 for _, cells, _ in rows):
            continue
        named = _QUESTION_HEADER.match(header[0]) and _ANSWER_HEADER.match(header[1])
        if not named and not _vocabulary(rows, tokens, sections, sections[i]):
            continue
        for number, (opener, cells, ends) in enumerate(rows):
            (front_open, front, front_close), (back_open, _, back_close) = cells
            tail = (ends + 1, close - 1, close) if number == len(rows) - 1 else ()
            question = (opener, front_open, front, front_close, back_open, back_close, *tail)
            found.append(Term(opener, front, tokens[front].content.strip(), question, ends))
    return found


def find_pairs(tokens: Sequence[Token]) -> list[Term]:
    """A quote and the paragraph under it, `> 안녕하세요` then `Hello`, where a section holds
    nothing but two such pairs or more (a phrase book): each quote a question."""
    by_section: dict[int, list[int]] = {}
    for i, section in _sections(tokens).items():
        by_section.setdefault(section, []).append(i)
    found: list[Term] = []
    for section, blocks in by_section.items():
        kinds = [tokens[i].type for i in blocks]
        pairs = len(kinds) // 2
        if (
            section < 0
            or pairs < _LEAST_PAIRS
            or kinds != ["blockquote_open", "paragraph_open"] * pairs
            or _asks(tokens, section)
        ):
            continue
        for quote in blocks[::2]:
            close = closing(tokens, quote)
            if close != quote + 4 or tokens[quote + 1].type != "paragraph_open":
                continue  # a quote of one paragraph, no more
            question = (quote, quote + 1, quote + 2, quote + 3, close)
            found.append(Term(quote, quote + 2, tokens[quote + 2].content, question, None))
    return found


def find_term_lines(tokens: Sequence[Token]) -> list[Term]:
    """`**Gradient descent**: step against the gradient.` paragraphs, where a section holds
    three or more and nothing else but an opening line, under a heading that does not ask:
    each term a question, the rest of its paragraph the answer (`Term.rest`)."""
    by_section: dict[int, list[int]] = {}
    for i, section in _sections(tokens).items():
        by_section.setdefault(section, []).append(i)
    found: list[Term] = []
    for section, blocks in by_section.items():
        lines = [
            (i, match)
            for i in blocks
            if tokens[i].type == "paragraph_open"
            and (match := _TERM_LINE.match(tokens[i + 1].content)) is not None
        ]
        others = len(blocks) - len(lines)
        if len(lines) < _LEAST_TERMS or others > 1 or _asks(tokens, section):
            continue
        if others and blocks[0] in {i for i, _ in lines}:
            continue  # the one other block may open the section, not stand among the terms
        for i, match in lines:
            found.append(Term(i, i + 1, match["term"].strip(), (), None, match["rest"].strip()))
    return found


_TERM_LINE = re.compile(
    r"^(?P<mark>\*\*|__)(?P<term>[^*_\n]{1,80}?)(?::(?P=mark)|(?P=mark)\s*[:\u2013\u2014])"
    r"\s+(?P<rest>\S.*)$",
    re.DOTALL,
)
"""`**term**: definition`, `**term:** definition`, `__term__ — definition`."""
_LEAST_PAIRS = 2
_LEAST_ROWS = 3
_FRONT_WORDS = 6
"""Words the first cell of a vocabulary row has at most (a word or phrase, not a sentence)."""
_QUESTION_HEADER = re.compile(
    r"^\W*(?:questions?|q|terms?|words?|concepts?|front|prompts?|phrases?|vocabulary)\W*$",
    re.IGNORECASE,
)
_ANSWER_HEADER = re.compile(
    r"^\W*(?:answers?|a|definitions?|meanings?|translations?|back|explanations?)\W*$",
    re.IGNORECASE,
)


def _vocabulary(
    rows: list[tuple[int, list[tuple[int, int, int]], int]],
    tokens: Sequence[Token],
    sections: dict[int, int],
    section: int,
) -> bool:
    """Rows enough, short first cells, and a section of tables under no question."""
    if len(rows) < _LEAST_ROWS or _asks(tokens, section):
        return False
    if any(len(tokens[cells[0][1]].content.split()) > _FRONT_WORDS for _, cells, _ in rows):
        return False
    blocks = [i for i, s in sections.items() if s == section]
    return all(tokens[i].type == "table_open" for i in blocks)


def _asks(tokens: Sequence[Token], section: int) -> bool:
    """The heading at `section` (-1: none) asks a question."""
    return section >= 0 and looks_like_question(tokens[section + 1].content)


def _sections(tokens: Sequence[Token]) -> dict[int, int]:
    """Every top-level block opener (but rules) → the index of the heading above it (-1:
    none)."""
    found: dict[int, int] = {}
    heading = -1
    for i, token in enumerate(tokens):
        if token.level != 0 or token.nesting == -1:
            continue
        if token.type == "heading_open":
            heading = i
        elif token.type not in ("hr", "front_matter", "inline"):
            found[i] = heading
    return found


def _cells(
    tokens: Sequence[Token], opened: int, close: int
) -> tuple[list[str], list[tuple[int, list[tuple[int, int, int]], int]]]:
    """The header's texts, and each body row: (its `tr_open`, its cells as (open, inline,
    close), its `tr_close`)."""
    header: list[str] = []
    rows: list[tuple[int, list[tuple[int, int, int]], int]] = []
    row: list[tuple[int, int, int]] = []
    start = body = 0
    for j in range(opened, close):
        kind = tokens[j].type
        if kind == "tbody_open":
            body = j
        elif kind == "tr_open":
            start, row = j, []
        elif kind in ("th_open", "td_open"):
            row.append((j, j + 1, j + 2))
        elif kind == "tr_close" and body:
            rows.append((start, row, j))
        elif kind == "tr_close":
            header = [tokens[inline].content.strip() for _, inline, _ in row]
    return header, rows


def term_text(text: str) -> str:
    """A term as it reads: `[absolute path]{#absolute-path}` is `absolute path`."""
    match = _SPAN.match(text.strip())
    return match["text"].strip() if match else text.strip()
