"""Code highlighting with Pygments CSS classes; the stylesheet travels in the notetype CSS."""

from __future__ import annotations

from markdown_it.common.utils import escapeHtml

CODE_CLASS = "highlight"


def highlight_code(code: str, lang: str, attrs: str) -> str:
    """`<pre><code>` with Pygments spans for a known language; "" lets markdown-it render plain.

    Pygments is imported here, not at module level, so commands that render nothing start fast.
    """
    if not lang:
        return ""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(lang)
    except ClassNotFound:
        return ""
    body = highlight(code, lexer, HtmlFormatter(nowrap=True))
    return (
        f'<pre class="{CODE_CLASS}"><code class="language-{escapeHtml(lang)}">{body}</code></pre>'
    )


def code_css(light_style: str, dark_style: str) -> str:
    """Pygments token colours for light cards and for Anki's night mode (`.nightMode`).

    Only token colours: the code background comes from the theme, which picks it together with
    the style so that every token stays readable on it.
    """
    from pygments.formatters import HtmlFormatter

    rules = []
    for style, selectors in (
        (light_style, [f".{CODE_CLASS}"]),
        (dark_style, [f".nightMode .{CODE_CLASS}", f".night_mode .{CODE_CLASS}"]),
    ):
        formatter = HtmlFormatter(style=style)
        # Only scoped rules: the formatter's unscoped `pre {…}` would restyle every card.
        rules += formatter.get_token_style_defs(selectors)  # type: ignore[no-untyped-call]
    return "\n".join(rules) + "\n"
