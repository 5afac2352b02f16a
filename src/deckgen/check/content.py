"""`check` rules about what cards show: dollars and math, raw HTML, images."""

from __future__ import annotations

import re
from collections.abc import Iterator

from markdown_it.common.html_re import HTML_TAG_RE

from deckgen.check.context import Lint, inline_children, line_of, snippet
from deckgen.model import Diagnostic
from deckgen.render.media import image_diagnostics

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
    """Raw HTML is shown as text unless `--allow-html`; with it, it is kept but sanitised."""
    for token in lint.tokens:
        if token.type == "html_block":
            yield lint.at(
                line_of(token), "info", "raw HTML kept (sanitised: no scripts or handlers)"
            )
        # A tag, raw or shown as text, is written as `<` or as an entity that makes one.
        if token.type != "inline" or not token.children:
            continue
        if "<" not in token.content and "&" not in token.content:
            continue
        for child in token.children:
            if child.type == "html_inline":
                yield lint.at(
                    line_of(token), "info", "raw HTML kept (sanitised: no scripts or handlers)"
                )
                break
            match = HTML_TAG_RE.search(child.content) if child.type == "text" else None
            if match:
                yield lint.at(
                    line_of(token),
                    "warning",
                    f"raw HTML `{snippet(match[0])}` is shown as text (--allow-html keeps it)",
                )
                break


def images(lint: Lint) -> Iterator[Diagnostic]:
    """Images must exist inside the source's folder tree to be packed."""
    yield from image_diagnostics(lint.tokens, lint.path)


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
