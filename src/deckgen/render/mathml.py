"""Card math as MathML, which browsers draw natively: the preview needs no MathJax, no network.

Cards carry `\\(…\\)` and `\\[…\\]` for Anki's MathJax. The preview swaps each span for the
MathML that latex2mathml makes of it. latex2mathml quietly turns what it does not know into
text (`\\foo` becomes an identifier); such output would mislead, so it is checked, and a span
that cannot be converted faithfully stays as its LaTeX, marked, and is reported.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

MATH_SPAN = re.compile(r"\\\((?P<inline>.+?)\\\)|\\\[(?P<display>.+?)\\\]", re.DOTALL)
# MathJax leaves code alone, and so does the preview.
_CODE = re.compile(r"(<pre\b.*?</pre>|<code\b.*?</code>)", re.DOTALL | re.IGNORECASE)
_MATHML = "{http://www.w3.org/1998/Math/MathML}"
# Elements whose children are positional arguments, with the count each needs.
_ARITY = {
    "mfrac": 2,
    "msub": 2,
    "msup": 2,
    "mroot": 2,
    "munder": 2,
    "mover": 2,
    "msubsup": 3,
    "munderover": 3,
}
_COMMAND = re.compile(r"^\\[A-Za-z]+$")
_BARE_AMPERSAND = re.compile(r"&(?!#x?[0-9A-Fa-f]+;|[A-Za-z]+;)")
# Standard LaTeX operator names latex2mathml does not know; written out, they render the same.
_OPERATORS = re.compile(r"\\(arg)(?![A-Za-z])")
RAW_CLASS = "dg-math-raw"
# Math sits in these spans, which the card CSS lets scroll when a formula outgrows the card.
INLINE_CLASS = "dg-math-inline"
DISPLAY_CLASS = "dg-math-display"


@dataclass(frozen=True, slots=True)
class UnrenderedMath:
    """A math span the preview shows as LaTeX, and why."""

    latex: str
    reason: str


@dataclass(frozen=True, slots=True)
class MathHtml:
    """HTML with its math converted: how many spans became MathML, and which did not."""

    html: str
    rendered: int
    unrendered: tuple[UnrenderedMath, ...]


def latex_to_mathml(latex: str, *, display: bool) -> str:
    """MathML for one LaTeX formula; ValueError says why it cannot be converted faithfully."""
    from latex2mathml import exceptions
    from latex2mathml.converter import convert

    # latex2mathml signals bad input with its own exceptions, and with a few built-in ones
    # when input ends early (`\\left`, `\\text` without an argument).
    bad_input: tuple[type[Exception], ...] = (
        *(e for e in vars(exceptions).values() if isinstance(e, type) and issubclass(e, Exception)),
        StopIteration,
        IndexError,
        KeyError,
        ValueError,
        TypeError,
    )
    brace = unbalanced_brace(latex)
    if brace:
        raise ValueError(
            "unbalanced braces: " + ("'}' without '{'" if brace == "}" else "'{' without '}'")
        )
    latex = _OPERATORS.sub(r"\\operatorname{\1}", latex)
    try:
        mathml: str = convert(latex, display="block" if display else "inline")
    except bad_input as exc:
        early = isinstance(exc, StopIteration) or type(exc).__name__ == "NoAvailableTokensError"
        reason = "ends too early: a command lacks its argument" if early else str(exc)
        reason = reason or _words(type(exc).__name__)
        raise ValueError(reason) from None
    # latex2mathml leaves `&` and `<` of some input unescaped (`\\text{R&D}`, an `aligned`
    # environment's `&`): a bare `&` is escaped, and whatever still does not parse is refused.
    mathml = _BARE_AMPERSAND.sub("&amp;", mathml)
    try:
        tree = ET.fromstring(mathml)
    except ET.ParseError:
        raise ValueError("the converter made MathML that is not well-formed") from None
    _check(tree)
    return mathml


def html_with_mathml(fragment: str) -> MathHtml:
    """Replace every `\\(…\\)` / `\\[…\\]` outside code in an HTML fragment with MathML."""
    rendered = 0
    unrendered: list[UnrenderedMath] = []

    def replace(match: re.Match[str]) -> str:
        nonlocal rendered
        display = match["display"] is not None
        latex = html.unescape(match["display"] if display else match["inline"])
        try:
            mathml = latex_to_mathml(latex, display=display)
        except ValueError as exc:
            reason = str(exc)
        except Exception as exc:  # noqa: BLE001  (the converter's own failure, whatever it is)
            # Any formula the converter cannot handle is shown as LaTeX, as the README
            # promises: a preview must never stop on ordinary math `check` accepts.
            reason = f"the converter failed: {type(exc).__name__}"
        else:
            rendered += 1
            kind = DISPLAY_CLASS if display else INLINE_CLASS
            return f'<span class="{kind}">{mathml}</span>'
        unrendered.append(UnrenderedMath(latex, reason))
        title = html.escape(f"not rendered: {reason}")
        return f'<span class="{RAW_CLASS}" title="{title}">{match[0]}</span>'

    pieces = _CODE.split(fragment)
    # split() with one group alternates: text, code, text, code, …
    out = [piece if i % 2 else MATH_SPAN.sub(replace, piece) for i, piece in enumerate(pieces)]
    return MathHtml("".join(out), rendered, tuple(unrendered))


def _check(element: ET.Element) -> None:
    tag = element.tag.removeprefix(_MATHML)
    text = (element.text or "").strip()
    if tag in {"mi", "mo", "mn", "mtext"} and _COMMAND.match(text):
        raise ValueError(f"unknown command {text}")
    if tag in {"mi", "mo"} and text == "&":
        # An alignment point the converter did not place: it would show as a literal `&`.
        raise ValueError("`&` outside an environment the converter knows (e.g. aligned)")
    needed = _ARITY.get(tag)
    if needed is not None and len(element) != needed:
        raise ValueError(f"{tag.removeprefix('m')} needs {needed} arguments, got {len(element)}")
    for child in element:
        _check(child)


def unbalanced_brace(latex: str) -> str | None:
    """`"}"` when a brace closes nothing, `"{"` when one is never closed, else None.

    latex2mathml forgives a missing `}`, so `check` and the preview count braces themselves
    (`\\{` and `\\}` are escaped and do not count).
    """
    depth = 0
    escaped = False
    for char in latex:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return "}"
    return "{" if depth else None


def _words(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name.removesuffix("Error")).lower()
