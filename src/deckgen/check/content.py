"""`check` rules about what cards show: dollars and math, raw HTML, images."""

from __future__ import annotations

import re
from collections.abc import Iterator

from markdown_it.common.html_re import HTML_TAG_RE
from markdown_it.token import Token

from deckgen.check.context import Lint, inline_children, line_of, snippet
from deckgen.model import Diagnostic
from deckgen.render.media import image_diagnostics
from deckgen.render.sanitize import removed_html

# `$` then something that could start math: not a space, not a digit (money), not another `$`.
_LONE_DOLLAR = re.compile(r"(?<!\$)\$(?=[^\s\d$])")
# What `$…$` holds when a price paired up with a later dollar: "10, or …", "5 per seat …".
_MONEY = re.compile(r"^\d[\d,.]*\s*(?:[,;]|and|or|to|per)\s")
_MATH = frozenset(("math_inline", "math_inline_double"))
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def unclosed_math(lint: Lint) -> Iterator[Diagnostic]:
    """A `$` or `$$` that the math parser left as text never closes: it shows as a dollar sign.

    Money (`$5`) and escaped dollars (`\\$`) are not math and are not reported; math that
    starts or ends with a space is two amounts of money paired up by mistake.
    """
    for token in lint.tokens:
        # Every dollar a child shows or math it holds is written in the source as a `$`.
        if token.type != "inline" or not token.children or "$" not in token.content:
            continue
        line = line_of(token)
        for child in inline_children(lint, token):
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
                quoted = snippet(f"${child.content}$")
                yield lint.at(
                    line,
                    "warning",
                    f"`{quoted}` looks like two dollar amounts, not math; write money as `\\$`",
                )


def raw_html(lint: Lint) -> Iterator[Diagnostic]:
    """Raw HTML is kept as GitHub keeps it, cleaned: what the cleaning removes is reported (a
    warning for what could run code or hide content, a note for harmless markup). With
    `--no-html` it is shown as text, which is noted."""
    for token in lint.tokens:
        if token.type == "html_block":
            if lint.allow_html:
                yield from _removed_html(lint, token.content, line_of(token))
            continue
        # A tag, raw or shown as text, is written as `<` or as an entity that makes one.
        if token.type != "inline" or not token.children:
            continue
        if "<" in token.content or "&" in token.content:
            yield from _inline_html(lint, token)


def _inline_html(lint: Lint, token: Token) -> Iterator[Diagnostic]:
    line = line_of(token)
    for child in token.children or ():
        if child.type in ("softbreak", "hardbreak"):
            line += 1
        elif child.type == "html_inline":
            yield from _removed_html(lint, child.content, line)
        elif not lint.allow_html and child.type == "text":
            match = HTML_TAG_RE.search(child.content)
            if match:
                yield lint.at(
                    line, "info", f"raw HTML `{snippet(match[0])}` is shown as text (html is off)"
                )
                return


def _removed_html(lint: Lint, html: str, line: int) -> Iterator[Diagnostic]:
    """What the sanitizer takes out of one piece of raw HTML: the first thing on each line."""
    found = removed_html(html)
    for at in sorted({removed.line for removed in found}):
        here = [removed for removed in found if removed.line == at]
        first = min(here, key=lambda removed: removed.severity != "warning")
        more = f" (and {len(here) - 1} more)" if len(here) > 1 else ""
        yield lint.at(line + at - 1, first.severity, f"{first.message}{more}")


def images(lint: Lint) -> Iterator[Diagnostic]:
    """Images must exist inside the source's folder, project or repository to be packed."""
    yield from image_diagnostics(lint.tokens, lint.path, lint.image_roots)


def invalid_latex(lint: Lint) -> Iterator[Diagnostic]:
    """Formulas a TeX parser rejects would show as raw source or an error box in Anki."""
    for token in lint.tokens:
        if token.type in ("math_block", "math_block_label"):
            spans = [(line_of(token), token.content)]
        elif token.type == "inline" and token.children:
            spans = [(line_of(token), c.content) for c in token.children if c.type in _MATH]
        else:
            continue
        for line, formula in spans:
            problem = latex_problem(formula)
            if problem:
                yield lint.at(
                    line, "warning", f"math `{snippet(formula)}` does not parse: {problem}"
                )


def latex_problem(formula: str) -> str | None:
    """Why `formula` is not valid LaTeX math, or None.

    Braces are counted here (the converter forgives a missing `}`); the rest — `\\left` without
    `\\right`, `\\begin` without `\\end`, `x_` with nothing after — is latex2mathml's parse.
    """
    # Loaded on the first formula: XML and the converter cost a build that checks none.
    from deckgen.render.mathml import unbalanced_brace

    brace = unbalanced_brace(formula)
    if brace:
        return "`}` without `{`" if brace == "}" else "`{` never closed"
    from latex2mathml.converter import convert

    try:
        convert(formula)
    # The converter raises its own errors, and ValueError or StopIteration on truncated input;
    # they share no base class, and any of them means the formula does not parse.
    except Exception as exc:  # noqa: BLE001
        name = type(exc).__name__.removesuffix("Error")
        if not type(exc).__module__.startswith("latex2mathml"):
            return "the formula is incomplete"
        return _LATEX_PROBLEMS.get(name) or _CAMEL.sub(" ", name).lower()
    return None


_LATEX_PROBLEMS = {
    "NoAvailableTokens": "a command is missing its argument",
    "MissingSuperScriptOrSubscript": "`^` or `_` has nothing after it",
    "ExtraLeftOrMissingRight": "`\\left` without `\\right`",
    "MissingEnd": "`\\begin` without its `\\end`",
    "DoubleSubscripts": "two subscripts on one base",
    "DoubleSuperscripts": "two superscripts on one base",
    "NumeratorNotFound": "`\\frac` without a numerator",
    "DenominatorNotFound": "`\\frac` without a denominator",
}
