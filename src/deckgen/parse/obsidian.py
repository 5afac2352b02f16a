"""Obsidian-flavoured Markdown: wiki links, embeds, callouts and `==highlights==`.

Obsidian is where many people keep their study notes, and its syntax is not CommonMark: left to
the CommonMark parser, `[[Page]]` shows its brackets, `![[image.png]]` never becomes an image and
`> [!note]` is a quote that starts with a stray marker. These plugins read that syntax the way
Obsidian shows it. mdit-py-plugins has none of them (it has GitHub's fixed five alerts, which
know no titles or other types), so they are written here in markdown-it's own idiom.

Inline syntax is made of inline rules, which run inside markdown-it's `inline` pass: the card
stage parses inline content one stretch of tokens at a time and allows no other pass after
`block` (see `deckgen.process`). Callouts are changed as the block rule that reads quotes runs.
Code spans, fences and `$…$` math are other rules' tokens, so nothing here ever looks into them.
"""

from __future__ import annotations

import re
from typing import Final, Literal

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.state_inline import Delimiter
from markdown_it.token import Token

CALLOUT_CLASS: Final = "dg-callout"
CALLOUT_TITLE_CLASS: Final = "dg-callout-title"

# `[[target]]`, `[[target|alias]]`, and `![[…]]` to embed. A table cell escapes the pipe as
# `\|`. A backtick or a dollar inside would mean the brackets wrap a code span or math that
# their own rules must read, so such text is left alone.
_WIKILINK = re.compile(
    r"(?P<embed>!?)\[\[(?P<target>[^\[\]|\n`$]+?)(?:\\?\|(?P<alias>[^\[\]\n`$]*))?\]\]"
)
# What Obsidian itself shows as an image when embedded; anything else embeds a note.
_IMAGE_SUFFIXES: Final = frozenset(
    (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".svg", ".webp", ".avif", ".tif", ".tiff")
)
# `|300` or `|300x200` after an image embed is its size in pixels, not its text.
_SIZE = re.compile(r"(?P<width>\d+)(?:x(?P<height>\d+))?")

_CALLOUT = re.compile(r"\[!(?P<kind>[A-Za-z0-9_-]+)\](?P<fold>[+-]?)(?:[ \t]+(?P<title>.*))?")
# Obsidian's own types and their aliases, grouped by the colour they are drawn in; a type of
# the author's own making is drawn as a note.
_FAMILIES: Final = {
    "note": "note",
    "info": "note",
    "todo": "note",
    "abstract": "tip",
    "summary": "tip",
    "tldr": "tip",
    "tip": "tip",
    "hint": "tip",
    "important": "tip",
    "success": "success",
    "check": "success",
    "done": "success",
    "question": "question",
    "help": "question",
    "faq": "question",
    "warning": "warning",
    "caution": "warning",
    "attention": "warning",
    "failure": "danger",
    "fail": "danger",
    "missing": "danger",
    "danger": "danger",
    "error": "danger",
    "bug": "danger",
    "example": "example",
    "quote": "quote",
    "cite": "quote",
}
CALLOUT_FAMILIES: Final = frozenset(_FAMILIES.values())
"""The callout colours the card CSS must define, each in light and night mode."""

_EQUALS = 0x3D


def obsidian_plugin(md: MarkdownIt) -> None:
    """Wiki links and embeds, callouts and highlights, all at once: one line in the factory."""
    md.use(wikilink_plugin)
    md.use(callout_plugin)
    md.use(mark_plugin)


# --- wiki links and embeds ----------------------------------------------------------------------


def wikilink_plugin(md: MarkdownIt) -> None:
    """`[[Page]]`, `[[Page|alias]]`, `[[#Heading]]` and `[[Page#Heading]]` become their text;
    `![[image.png]]` and `![[image.png|300]]` become image tokens; `![[Other note]]` its text.

    A card cannot follow a link into the vault, so a link shows what Obsidian shows as its text
    (the alias, else the page and heading). An embedded image is an ordinary `image` token, so
    the media rules find, pack and rename it exactly as they do `![](image.png)`.
    """
    # Before `link` and `image`, which would otherwise read `[[`/`![[` as their own brackets.
    md.inline.ruler.before("link", "wikilink", _wikilink)


def _wikilink(state: StateInline, silent: bool) -> bool:
    start = state.pos
    if not state.src.startswith(("[[", "![["), start):
        return False
    match = _WIKILINK.match(state.src, start, state.posMax)
    if match is None:
        return False
    target, alias = match["target"].strip(), (match["alias"] or "").strip()
    if not target:
        return False
    if not silent:
        image = _image_source(state, target) if match["embed"] else None
        if image is not None:
            _push_image(state, image, alias)
        else:
            state.push("text", "", 0).content = alias or _link_text(target)
    state.pos = match.end()
    return True


def _link_text(target: str) -> str:
    """What Obsidian shows for a link without an alias: `Page`, `Heading`, `Page > Heading`."""
    return " > ".join(part.strip() for part in target.split("#") if part.strip())


def _image_source(state: StateInline, target: str) -> str | None:
    """The normalised `src` of an embedded image, or None when the embed is of a note."""
    path = target.split("#", 1)[0].strip()
    dot = path.rfind(".")
    if dot < 0 or path[dot:].lower() not in _IMAGE_SUFFIXES:
        return None
    src = state.md.normalizeLink(path)
    return src if state.md.validateLink(src) else None


def _push_image(state: StateInline, src: str, alias: str) -> None:
    size = _SIZE.fullmatch(alias)
    alt = "" if size else alias
    token = state.push("image", "img", 0)
    token.attrs = {"src": src, "alt": ""}
    if size:
        token.attrs["width"] = size["width"]
        if size["height"]:
            token.attrs["height"] = size["height"]
    # The renderer writes `alt` from the children, as it does for `![alt](…)`.
    text = Token("text", "", 0)
    text.content = alt
    token.children = [text] if alt else []
    token.content = alt


# --- callouts ----------------------------------------------------------------------------------


def callout_plugin(md: MarkdownIt) -> None:
    """`> [!type] Title` quotes become callouts: a box with a title line, drawn by type.

    The quote's first line, `[!type]` with an optional `+`/`-` fold marker and title, becomes a
    `<p class="dg-callout-title">` (the type's name when there is no title); the rest of the quote
    is the body. The quote's own tokens stay `blockquote_open`/`blockquote_close`, only drawn as
    a `<div class="dg-callout dg-callout-FAMILY">`, so every rule that reads blocks (nesting
    limits, the shape of a document) still sees the quote it is. A folded callout is shown
    open: the card is where it is meant to be read.
    """
    ruler = md.block.ruler
    quote = ruler.__rules__[ruler.__find__("blockquote")]
    read_quote, alt = quote.fn, list(quote.alt)

    def blockquote(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        # Every block start comes here: a line that opens no quote is answered at once.
        if not state.src.startswith(">", state.bMarks[start] + state.tShift[start]):
            return False
        first = len(state.tokens)
        if not read_quote(state, start, end, silent):
            return False
        if not silent:
            _make_callout(state.tokens, first)
        return True

    # The rule runs for nested quotes too: the quote rule parses its content with the ruler.
    ruler.at("blockquote", blockquote, {"alt": alt})


def _make_callout(tokens: list[Token], first: int) -> None:
    """Turn the quote that opens at `tokens[first]` (and closes last) into a callout."""
    if len(tokens) < first + 5 or tokens[first].type != "blockquote_open":
        return
    opener, paragraph, inline = tokens[first : first + 3]
    if paragraph.type != "paragraph_open" or inline.type != "inline":
        return
    head, _, rest = inline.content.partition("\n")
    match = _CALLOUT.fullmatch(head.strip())
    if match is None:
        return
    kind = match["kind"].lower()
    family = _FAMILIES.get(kind, "note")
    closer = tokens[-1]
    for token in (opener, closer):
        token.tag = "div"
    opener.attrSet("class", f"{CALLOUT_CLASS} {CALLOUT_CLASS}-{family}")
    opener.meta = {**opener.meta, "callout": kind, "fold": match["fold"]}
    title = _title_tokens(paragraph, inline, (match["title"] or "").strip() or kind.capitalize())
    if rest.strip():
        inline.content = rest.lstrip()
        if paragraph.map:
            paragraph.map = inline.map = [paragraph.map[0] + 1, paragraph.map[1]]
        tokens[first + 1 : first + 1] = title
    else:
        tokens[first + 1 : first + 4] = title


def _title_tokens(paragraph: Token, inline: Token, text: str) -> list[Token]:
    line = paragraph.map[0] if paragraph.map else 0
    opener = Token("callout_title_open", "p", 1, level=paragraph.level, block=True)
    opener.attrSet("class", CALLOUT_TITLE_CLASS)
    opener.map = [line, line + 1]
    content = Token("inline", "", 0, level=inline.level, content=text, children=[])
    content.map = [line, line + 1]
    closer = Token("callout_title_close", "p", -1, level=paragraph.level, block=True)
    return [opener, content, closer]


# --- highlights --------------------------------------------------------------------------------


def mark_plugin(md: MarkdownIt) -> None:
    """`==text==` becomes `<mark>text</mark>`.

    The same delimiter rules as `~~strikethrough~~` (a port of markdown-it-mark): a run of `=`
    opens or closes by what stands on each side, so `a == b` stays as written, and the pairs
    are matched with emphasis by markdown-it's own `balance_pairs`.
    """
    md.inline.ruler.before("emphasis", "mark", _mark_delimiters)
    md.inline.ruler2.before("emphasis", "mark", _mark_pairs)


def _mark_delimiters(state: StateInline, silent: bool) -> bool:
    start = state.pos
    if silent or state.src[start] != "=":
        return False
    scanned = state.scanDelims(start, True)
    length = scanned.length
    if length < 2:
        return False
    if length % 2:
        state.push("text", "", 0).content = "="
        length -= 1
    for _ in range(length // 2):
        state.push("text", "", 0).content = "=="
        if scanned.can_open or scanned.can_close:
            state.delimiters.append(
                Delimiter(
                    marker=_EQUALS,
                    length=0,  # no "rule of 3": `==` pairs like `~~`, not like `*`
                    token=len(state.tokens) - 1,
                    end=-1,
                    open=scanned.can_open,
                    close=scanned.can_close,
                )
            )
    state.pos += scanned.length
    return True


def _mark_pairs(state: StateInline) -> None:
    _pair_marks(state, state.delimiters)
    for meta in state.tokens_meta:
        if meta and "delimiters" in meta:
            _pair_marks(state, meta["delimiters"])


def _pair_marks(state: StateInline, delimiters: list[Delimiter]) -> None:
    lone: list[int] = []
    for opener in delimiters:
        if opener.marker != _EQUALS or opener.end == -1:
            continue
        closer = delimiters[opener.end]
        _retype(state.tokens[opener.token], "mark_open", 1)
        _retype(state.tokens[closer.token], "mark_close", -1)
        before = state.tokens[closer.token - 1]
        if before.type == "text" and before.content == "=":
            lone.append(closer.token - 1)
    # An odd run (`===`) left one `=` as text before a closing pair: it belongs after the
    # closing tags, as it does in `~~~`.
    while lone:
        i = lone.pop()
        j = i + 1
        while j < len(state.tokens) and state.tokens[j].type == "mark_close":
            j += 1
        j -= 1
        if i != j:
            state.tokens[i], state.tokens[j] = state.tokens[j], state.tokens[i]


def _retype(token: Token, kind: str, nesting: Literal[-1, 1]) -> None:
    token.type, token.tag, token.nesting = kind, "mark", nesting
    token.markup, token.content = "==", ""
