"""The one MarkdownIt factory, and the plugin that writes math the way Anki reads it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererProtocol
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from deckgen.parse.details import details_plugin
from deckgen.parse.divs import divs_plugin
from deckgen.parse.dollars import first_dollar_plugin
from deckgen.parse.htmlheadings import html_headings_plugin
from deckgen.parse.leads import lead_plugin
from deckgen.parse.lean import lean_blocks_plugin
from deckgen.parse.marker import id_marker_plugin
from deckgen.parse.numberedlines import numbered_lines_plugin
from deckgen.parse.obsidian import obsidian_plugin
from deckgen.parse.qalines import qa_lines_plugin
from deckgen.render.highlight import highlight_code
from deckgen.render.media import media_plugin


def make_markdown(*, allow_html: bool = True) -> MarkdownIt:
    """The parser every stage shares: CommonMark, tables, strikethrough, front matter, `$` math.

    Raw HTML is read as GitHub reads it (an HTML block runs to a blank line), as a build does
    by default; the card stage then cleans it (`deckgen.render.sanitize`), since cards run in a
    WebView. `allow_html=False` (`--no-html`) reads it as text, which the renderer escapes.
    """
    md = MarkdownIt("commonmark", {"html": allow_html, "highlight": highlight_code})
    md.enable(["table", "strikethrough"])
    md.use(lean_blocks_plugin)
    md.use(front_matter_plugin)
    # allow_digits=False: "$5 and $10" is money, not math; `$35^{10}$` still opens math.
    md.use(dollarmath_plugin, allow_digits=False, double_inline=True)
    md.use(first_dollar_plugin)
    md.use(anki_math_plugin)
    md.use(media_plugin)
    md.use(id_marker_plugin)
    md.use(lead_plugin)
    md.use(obsidian_plugin)
    md.use(details_plugin)
    md.use(divs_plugin)
    md.use(deflist_plugin)
    md.use(html_headings_plugin)
    md.use(qa_lines_plugin)
    md.use(numbered_lines_plugin)
    return md


@cache
def block_markdown(allow_html: bool) -> MarkdownIt:
    """The build's parser without the passes after `block`: inline content is left as text."""
    md = make_markdown(allow_html=allow_html)
    md.core.ruler.disable([name for name, _ in passes_after_block(md)])
    return md


def passes_after_block(md: MarkdownIt) -> list[tuple[str, Callable[[StateCore], None]]]:
    """The enabled core passes after `block`, in order."""
    rules = [(rule.name, rule.fn) for rule in md.core.ruler.__rules__ if rule.enabled]
    names = [name for name, _ in rules]
    return rules[names.index("block") + 1 :]


def anki_math_plugin(md: MarkdownIt) -> None:
    """Render dollarmath tokens as `\\(…\\)` and `\\[…\\]`, the only delimiters Anki typesets.

    The LaTeX is kept verbatim apart from HTML escaping, so `x_{<t}` stays valid.
    """

    def inline(
        self: RendererProtocol,
        tokens: Sequence[Token],
        idx: int,
        options: OptionsDict,
        env: EnvType,
    ) -> str:
        return f"\\({escapeHtml(tokens[idx].content)}\\)"

    def display_inline(
        self: RendererProtocol,
        tokens: Sequence[Token],
        idx: int,
        options: OptionsDict,
        env: EnvType,
    ) -> str:
        return f"\\[{escapeHtml(tokens[idx].content)}\\]"

    def block(
        self: RendererProtocol,
        tokens: Sequence[Token],
        idx: int,
        options: OptionsDict,
        env: EnvType,
    ) -> str:
        content = tokens[idx].content.strip("\n")
        return f'<div class="math">\\[{escapeHtml(content)}\\]</div>\n'

    md.add_render_rule("math_inline", inline)
    md.add_render_rule("math_inline_double", display_inline)
    md.add_render_rule("math_block", block)
    md.add_render_rule("math_block_label", block)
