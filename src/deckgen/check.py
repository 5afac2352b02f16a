"""`deckgen check`: lint a source without writing anything.

Each rule is a small function from a `Lint` (the text, its tokens and the parsed `Document`) to
diagnostics; `RULES` lists them in the order they run, as markdown-it lists its rules. The
parser's own diagnostics (a question without an answer, a question before the first part) come
first and are not repeated here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.common.html_re import HTML_TAG_RE
from markdown_it.token import Token

from deckgen.config import Config
from deckgen.errors import SourceError
from deckgen.identity import normalize_question
from deckgen.loading import load_source
from deckgen.markdown import make_markdown
from deckgen.media import image_diagnostics
from deckgen.model import Diagnostic, Document, Severity
from deckgen.settings import SourceSettings
from deckgen.shape import SEED_SHAPE, Shape

# Part and question headings; a lone `#` in code is far more often a comment than a title.
_HEADING_LINE = re.compile(r"^ {0,3}#{2,6}[ \t]+\S")
# `$` then something that could start math: not a space, not a digit (money), not another `$`.
_LONE_DOLLAR = re.compile(r"(?<!\$)\$(?=[^\s\d$])")
# What `$…$` holds when a price paired up with a later dollar: "10, or …", "5 per seat …".
_MONEY = re.compile(r"^\d[\d,.]*\s*(?:[,;]|and|or|to|per)\s")
# Blocks that hold blocks: markdown-it drops their content once they open at its depth limit.
_CONTAINERS = frozenset(
    ("blockquote_open", "bullet_list_open", "ordered_list_open", "list_item_open")
)


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


def check_document(
    text: str, document: Document, *, allow_html: bool = False, shape: Shape = SEED_SHAPE
) -> list[Diagnostic]:
    """Every diagnostic for `document` (parsed from `text`), in line order."""
    md = _lint_markdown(allow_html)
    lint = Lint(
        path=document.path,
        lines=tuple(text.splitlines()),
        tokens=tuple(md.parse(text)),
        document=document,
        allow_html=allow_html,
        max_nesting=int(md.options["maxNesting"]),
        shape=shape,
    )
    found = list(document.diagnostics)
    for rule in RULES:
        found.extend(rule(lint))
    return sorted(found, key=lambda d: d.line or 0)


def check_file(
    path: Path,
    *,
    allow_html: bool = False,
    overrides: SourceSettings | None = None,
    config: Config | None = None,
) -> list[Diagnostic]:
    """Read, parse and check one source, read with its settings (front matter, config, levels
    given in `overrides`); a file or setting that cannot be read is one error diagnostic."""
    md = make_markdown(allow_html=allow_html)
    try:
        loaded = load_source(path, md, overrides, config)
    except SourceError as exc:
        return [Diagnostic(exc.path, exc.line, "error", exc.message)]
    return check_document(loaded.text, loaded.document, allow_html=allow_html, shape=loaded.shape)


def error_count(diagnostics: Iterable[Diagnostic]) -> int:
    """How many of `diagnostics` stop a build."""
    return sum(1 for d in diagnostics if d.severity == "error")


def no_cards_reason(document: Document, shape: Shape = SEED_SHAPE) -> str | None:
    """Why `document`, read as `shape`, gives no cards, or None when it gives some."""
    if document.cards:
        return None
    if any(d.message.startswith("question has no answer") for d in document.diagnostics):
        return "no question has an answer"
    questions = "#" * shape.question_level
    if shape.part_level is None:
        return f"no question headings (`{questions} …`) found"
    if not document.parts:
        return f"no part headings (`{'#' * shape.part_level} …`) found"
    return f"no question headings (`{questions} …`) under any part"


@cache
def _lint_markdown(allow_html: bool) -> MarkdownIt:
    # The build's parser, minus the pass that merges `\$` escapes into plain text, so the math
    # rule can tell an escaped dollar from one that opens math. Never used for rendering.
    md = make_markdown(allow_html=allow_html)
    md.disable("text_join")
    return md


def no_cards(lint: Lint) -> Iterator[Diagnostic]:
    """A document without cards cannot be a deck."""
    reason = no_cards_reason(lint.document, lint.shape)
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


def empty_parts(lint: Lint) -> Iterator[Diagnostic]:
    """A part heading with no question under it gives no cards and no tag."""
    parts = lint.document.parts
    for index, part in enumerate(parts):
        end = parts[index + 1].line if index + 1 < len(parts) else len(lint.lines) + 1
        has_cards = any(card.part == part for card in lint.document.cards)
        unanswered = any(
            d.line is not None and part.line < d.line < end for d in lint.document.diagnostics
        )
        if not has_cards and not unanswered:
            yield lint.at(part.line, "warning", "part has no questions")


def unclosed_math(lint: Lint) -> Iterator[Diagnostic]:
    """A `$` or `$$` that the math parser left as text never closes: it shows as a dollar sign.

    Money (`$5`) and escaped dollars (`\\$`) are not math and are not reported; math that
    starts or ends with a space is two amounts of money paired up by mistake.
    """
    for token in lint.tokens:
        if token.type != "inline" or not token.children:
            continue
        line = _line(token)
        for child in token.children:
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            elif child.type == "text":
                if "$$" in child.content:
                    yield lint.at(line, "warning", "`$$` is never closed; it shows as text")
                if _LONE_DOLLAR.search(child.content):
                    yield lint.at(line, "warning", "`$` opens math that never closes")
            elif child.type == "math_inline" and (
                child.content != child.content.strip() or _MONEY.match(child.content)
            ):
                # TeX math never starts or ends with a space, nor reads "10, or"; prices do.
                quoted = _snippet(f"${child.content}$")
                yield lint.at(
                    line,
                    "warning",
                    f"`{quoted}` looks like two dollar amounts, not math; write money as `\\$`",
                )


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
        yield lint.at(_line(token), severity, f"code fence never closed; it swallows {what}")


def headings_in_code(lint: Lint) -> Iterator[Diagnostic]:
    """A `#` line inside a code block looks like a heading but is code, as intended."""
    for token in lint.tokens:
        if token.type == "fence" and _fence_closed(lint, token):
            first = _line(token) + 1
        elif token.type == "code_block":
            first = _line(token)
        else:
            continue
        for offset, text in enumerate(token.content.splitlines()):
            if _HEADING_LINE.match(text):
                yield lint.at(
                    first + offset, "info", f"`{_snippet(text)}` is in a code block, not a heading"
                )


def headings_in_html(lint: Lint) -> Iterator[Diagnostic]:
    """With raw HTML on, a heading inside an HTML block is HTML: its question is lost."""
    for token in lint.tokens:
        if token.type != "html_block":
            continue
        for offset, text in enumerate(token.content.splitlines()):
            if _HEADING_LINE.match(text):
                yield lint.at(
                    _line(token) + offset,
                    "warning",
                    f"`{_snippet(text)}` is inside an HTML block, so it is no heading",
                )


def raw_html(lint: Lint) -> Iterator[Diagnostic]:
    """Raw HTML is shown as text unless `--allow-html`; with it, it is kept but sanitised."""
    for token in lint.tokens:
        if token.type == "html_block":
            yield lint.at(_line(token), "info", "raw HTML kept (sanitised: no scripts or handlers)")
        if token.type != "inline" or not token.children:
            continue
        for child in token.children:
            if child.type == "html_inline":
                yield lint.at(
                    _line(token), "info", "raw HTML kept (sanitised: no scripts or handlers)"
                )
                break
            match = HTML_TAG_RE.search(child.content) if child.type == "text" else None
            if match:
                yield lint.at(
                    _line(token),
                    "warning",
                    f"raw HTML `{_snippet(match[0])}` is shown as text (--allow-html keeps it)",
                )
                break


def images(lint: Lint) -> Iterator[Diagnostic]:
    """Images must exist inside the source's folder tree to be packed."""
    yield from image_diagnostics(lint.tokens, lint.path)


def deep_nesting(lint: Lint) -> Iterator[Diagnostic]:
    """markdown-it stops nesting blocks at `maxNesting`; what is deeper is silently dropped."""
    for token in lint.tokens:
        if token.type in _CONTAINERS and token.level >= lint.max_nesting - 1:
            yield lint.at(
                _line(token),
                "error",
                "lists or quotes nested too deep for the parser; the text from here on is lost",
            )
            return


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


def _snippet(text: str, limit: int = 60) -> str:
    """Source text quoted in a message: one line (a diagnostic is one line), and not too long."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "\u2026"


def _line(token: Token) -> int:
    return token.map[0] + 1 if token.map else 0


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
