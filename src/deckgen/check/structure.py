"""`check` rules about the document's shape: cards, parts, fences, nesting."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

from markdown_it.token import Token

from deckgen.check.context import Lint, line_of, snippet
from deckgen.identity.ids import normalize_question
from deckgen.model import Diagnostic, Document, Severity, location
from deckgen.parse.coverage import coverage
from deckgen.parse.shape import MAX_LEVEL, SEED_SHAPE, Shape

# Part and question headings; a lone `#` in code is far more often a comment than a title.
_HEADING_LINE = re.compile(r"^ {0,3}#{2,6}[ \t]+\S")
# Blocks that hold blocks: markdown-it drops their content once they open at its depth limit.
_CONTAINERS = frozenset(
    ("blockquote_open", "bullet_list_open", "ordered_list_open", "list_item_open")
)


def no_cards_reason(
    document: Document, shape: Shape = SEED_SHAPE, tokens: Sequence[Token] = ()
) -> str | None:
    """Why `document`, read as `shape`, gives no cards, or None when it gives some; with its
    `tokens`, also what the document holds and which setting to try."""
    if document.cards:
        return None
    if any(d.message.startswith(_UNANSWERED) for d in document.diagnostics):
        return "no question has an answer"
    found = f"; {what_it_holds(tokens, shape)}" if tokens else ""
    if shape.question_level > MAX_LEVEL:
        return f"no questions found{found}"
    questions = "#" * shape.question_level
    if shape.part_level is None:
        return f"no question headings (`{questions} …`) found{found}"
    if not document.parts:
        return f"no part headings (`{'#' * shape.part_level} …`) found{found}"
    return f"no question headings (`{questions} …`) under any part{found}"


_UNANSWERED = ("question has no answer", "unanswered")
_BOLD_ONLY = re.compile(r"^\s*(\*\*|__)[^\n]+?\1\W{0,8}$")


def what_it_holds(tokens: Sequence[Token], shape: Shape) -> str:
    """`it holds headings at ## (3) and #### (31), 12 bold paragraphs; try …`: what a document
    that gives no cards is made of, and the settings that would read it."""
    levels = Counter(int(t.tag[1:]) for t in tokens if t.type == "heading_open" and t.level == 0)
    bold = sum(
        1
        for i, t in enumerate(tokens[:-1])
        if t.type == "paragraph_open" and t.level == 0 and _BOLD_ONLY.match(tokens[i + 1].content)
    )
    items = sum(1 for t in tokens if t.type == "list_item_open" and t.level == 1)
    held = [" and ".join(f"{'#' * n} ({c})" for n, c in sorted(levels.items()))]
    held = [f"headings at {held[0]}"] if levels else []
    held += [f"{bold} bold paragraphs"] if bold else []
    held += [f"{items} list items"] if items else []
    if not held:
        return "it holds no headings, bold paragraphs or list items to read as questions"
    tries = [
        f"`question-level = {n}`"
        for n, _ in levels.most_common()
        if n != shape.question_level and not (n == 1 and levels[1] == 1)
    ][:2]
    tries += ['`question = "bold"`'] if bold else []
    tries += ['`question = "list"`'] if items else []
    hint = f"; try {' or '.join(tries)} (deckgen.toml or front matter)" if tries else ""
    return f"it holds {', '.join(held)}{hint}"


def no_cards(lint: Lint) -> Iterator[Diagnostic]:
    """A document without cards cannot be a deck."""
    reason = no_cards_reason(lint.document, lint.shape, lint.tokens)
    if reason:
        yield lint.at(None, "error", f"no cards: {reason}")


def duplicate_questions(lint: Lint) -> Iterator[Diagnostic]:
    """The same question twice (in one part or two) makes two cards to study."""
    first: dict[str, int] = {}
    for card in lint.document.cards:
        key = normalize_question(card.question)
        if key in first:
            yield lint.at(card.line, "warning", f"duplicate question (first on line {first[key]})")
        else:
            first[key] = card.line


def duplicates_across(documents: Sequence[Document]) -> Iterator[Diagnostic]:
    """The same question in two files of one deck (within a file, `duplicate_questions` says
    it): two cards to study, each under its own file's tags."""
    first: dict[str, tuple[Path, int]] = {}
    for document in documents:
        own: set[str] = set()
        for card in document.cards:
            key = normalize_question(card.question)
            if key in first and key not in own:
                path, line = first[key]
                if path != document.path:
                    where = location(path, line)
                    yield Diagnostic(
                        document.path,
                        card.line,
                        "warning",
                        f"duplicate question (first in {where})",
                    )
            first.setdefault(key, (document.path, card.line))
            own.add(key)


def no_card_lines(lint: Lint) -> Iterator[Diagnostic]:
    """Blocks that are in no card and are not the preamble, a part's introduction, a table of
    contents or the trailer: text the deck leaves out, said once per stretch of lines."""
    found = coverage(lint.tokens, "\n".join(lint.lines), lint.document, lint.shape)
    for start, end in found.dropped:
        where = f"line {start} belongs" if start == end else f"lines {start}\u2013{end} belong"
        yield lint.at(start, "info", f"{where} to no card (not under a question)")


def empty_parts(lint: Lint) -> Iterator[Diagnostic]:
    """A part heading with no question under it gives no cards and no tag."""
    parts = lint.document.parts
    with_cards = {card.part for card in lint.document.cards}
    for index, part in enumerate(parts):
        end = parts[index + 1].line if index + 1 < len(parts) else lint.total_lines + 1
        has_cards = part in with_cards
        unanswered = any(
            d.line is not None and part.line < d.line < end for d in lint.document.diagnostics
        )
        if not has_cards and not unanswered:
            yield lint.at(part.line, "warning", "part has no questions")


def unclosed_fences(lint: Lint) -> Iterator[Diagnostic]:
    """A fence without its closing line swallows everything after it into one code block."""
    for token in lint.tokens:
        if token.type != "fence" or _fence_closed(lint, token):
            continue
        swallowed = [line for line in token.content.splitlines() if _HEADING_LINE.match(line)]
        count = len(token.content.splitlines())
        what = f"{count} line{'s' if count != 1 else ''}"
        if swallowed:
            what += f", including {len(swallowed)} heading{'s' if len(swallowed) != 1 else ''}"
            what += f" from `{swallowed[0].strip()}`"
        severity: Severity = "error" if swallowed else "warning"
        yield lint.at(line_of(token), severity, f"code fence never closed; it swallows {what}")


def headings_in_code(lint: Lint) -> Iterator[Diagnostic]:
    """A `#` line inside a code block looks like a heading but is code, as intended."""
    for token in lint.tokens:
        if token.type == "fence" and _fence_closed(lint, token):
            first = line_of(token) + 1
        elif token.type == "code_block":
            first = line_of(token)
        else:
            continue
        for offset, text in enumerate(token.content.splitlines()):
            if _HEADING_LINE.match(text):
                yield lint.at(
                    first + offset, "info", f"`{snippet(text)}` is in a code block, not a heading"
                )


def headings_in_html(lint: Lint) -> Iterator[Diagnostic]:
    """With raw HTML on, a heading inside an HTML block is HTML: its question is lost."""
    for token in lint.tokens:
        if token.type != "html_block":
            continue
        for offset, text in enumerate(token.content.splitlines()):
            if _HEADING_LINE.match(text):
                yield lint.at(
                    line_of(token) + offset,
                    "warning",
                    f"`{snippet(text)}` is inside an HTML block, so it is no heading",
                )


def deep_nesting(lint: Lint) -> Iterator[Diagnostic]:
    """markdown-it stops nesting blocks at `maxNesting`; what is deeper is silently dropped."""
    for token in lint.tokens:
        if token.type in _CONTAINERS and token.level >= lint.max_nesting - 1:
            yield lint.at(
                line_of(token),
                "error",
                "lists or quotes nested too deep for the parser; the text from here on is lost",
            )
            return


def _fence_closed(lint: Lint, token: Token) -> bool:
    if not token.map or token.map[1] - token.map[0] < 2:
        return False
    # The closing line, without the indentation or `>` of a list item or quote it sits in.
    last = (
        lint.lines[token.map[1] - 1].lstrip(" \t>").rstrip()
        if token.map[1] <= len(lint.lines)
        else ""
    )
    marker = token.markup[0]
    return len(last) >= len(token.markup) and last == marker * len(last)
