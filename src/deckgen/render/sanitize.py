"""Cleaning the HTML of a card that holds raw HTML, to what GitHub keeps of it.

A document's `<br>`, `<sup>`, `<kbd>`, `<p align="center">` and `<img>` show on GitHub as HTML,
and so they do on a card. Cards run in Anki's WebView, so a deck must never carry markup that
runs code, loads a page or restyles the card: nh3 (the Python binding of the maintained
`ammonia` sanitizer, which parses as a browser does) keeps only an allow-list modelled on
GitHub's own (html-pipeline's `SanitizationFilter`). Never kept: scripts, `<style>` and `style`
attributes, event handlers, frames, forms and inputs, objects and embeds, SVG and MathML
(their content goes with them), comments, and URLs other than `http:`, `https:`, `mailto:`,
relative ones and, in an image's `src` only, a `data:image/` picture of the kinds Markdown
images allow.

The allow-list is widened only by what deckgen's own renderer writes into a card that also
holds raw HTML: `class` (code highlighting, callouts, math blocks) and a table cell's
`style="text-align:…"` for Markdown's column alignment, that exact value and nothing else.
A card without raw HTML is deckgen's own escaped output and is not run through the sanitizer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache

from deckgen.model import Severity

TAGS = frozenset(
    (
        *("h1", "h2", "h3", "h4", "h5", "h6", "p", "div", "span", "br", "hr", "wbr"),
        *("b", "i", "strong", "em", "s", "strike", "ins", "del", "mark", "small"),
        *("sup", "sub", "kbd", "code", "pre", "samp", "var", "tt", "q", "cite", "dfn"),
        *("abbr", "time", "bdo", "ruby", "rt", "rp", "blockquote", "details", "summary"),
        *("ul", "ol", "li", "dl", "dt", "dd", "a", "img", "picture", "source"),
        *("table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td"),
        *("figure", "figcaption"),
    )
)
"""Elements a card keeps; any other loses its tags and keeps its text (see `DROPPED`)."""

DROPPED = frozenset(
    (
        *("script", "style", "template", "noscript", "iframe", "frame", "frameset"),
        *("noframes", "noembed", "object", "applet", "svg", "math", "textarea"),
        *("select", "title", "xmp"),
    )
)
"""Elements removed with everything inside them: what is inside would show as stray text."""

_CELL = {"colspan", "rowspan", "align", "valign", "abbr", "scope", "style"}
ATTRIBUTES: Mapping[str, frozenset[str]] = {
    "*": frozenset({"align", "valign", "title", "lang", "dir", "class"}),
    "a": frozenset({"href"}),
    "img": frozenset({"src", "alt", "width", "height"}),
    "source": frozenset({"srcset", "media", "type", "width", "height"}),
    "details": frozenset({"open"}),
    "ol": frozenset({"start", "type", "reversed"}),
    "ul": frozenset({"type"}),
    "li": frozenset({"value"}),
    "td": frozenset(_CELL),
    "th": frozenset(_CELL),
    "table": frozenset({"width"}),
    "time": frozenset({"datetime"}),
}
"""Attributes a card keeps, by element (`*`: on every element); values are filtered further."""

URL_SCHEMES = frozenset({"http", "https", "mailto", "data"})
"""Schemes nh3 lets through; `data:` is then kept only as an image's picture (`_kept`)."""

# markdown-it writes a table column's alignment as exactly this; no other style survives.
_ALIGNED = re.compile(r"text-align:(?:left|center|right)")
# The pictures markdown-it's own `validateLink` lets a Markdown image show inline.
_DATA_PICTURE = re.compile(r"data:image/(?:gif|png|jpeg|webp);", re.IGNORECASE)
_WEB = re.compile(r"https?://", re.IGNORECASE)


@cache
def _attributes() -> dict[str, set[str]]:
    return {tag: set(names) for tag, names in ATTRIBUTES.items()}


def sanitize_html(html: str, images: Mapping[str, str] | None = None) -> str:
    """`html` with everything outside the allow-list removed; harmless markup kept.

    `images` maps an `<img>`'s `src` (or a `<source>`'s `srcset` URL) as written to the name of
    the file the package carries for it (see `deckgen.render.media.plan_media`).
    """
    # Imported here: only cards with raw HTML need it.
    import nh3

    packed = images or {}

    def kept(tag: str, attribute: str, value: str) -> str | None:
        if attribute == "style":
            return value if tag in ("td", "th") and _ALIGNED.fullmatch(value.strip()) else None
        if attribute == "srcset":
            return _srcset(value, packed)
        if value.strip().lower().startswith("data:"):
            # A `data:` link could be a page; only an image's own picture is kept.
            return value if tag == "img" and attribute == "src" and _picture(value) else None
        if tag == "img" and attribute == "src":
            return packed.get(value, value)
        return value

    return nh3.clean(
        html,
        tags=set(TAGS),
        clean_content_tags=set(DROPPED),
        attributes=_attributes(),
        attribute_filter=kept,
        url_schemes=set(URL_SCHEMES),
        filter_style_properties={"text-align"},
        # No `target` is kept, so a link opens nothing new: no `rel` to add, and a link reads
        # the same in a card with raw HTML as in one without.
        link_rel=None,
        strip_comments=True,
    )


def _picture(value: str) -> bool:
    return bool(_DATA_PICTURE.match(value.strip()))


def _srcset(value: str, packed: Mapping[str, str]) -> str | None:
    """A `srcset` whose every URL is a packed picture or on the web, the packed ones renamed;
    else None, and the `<picture>`'s `<img>` shows instead (nh3 does not check `srcset`)."""
    candidates = []
    for candidate in value.split(","):
        words = candidate.split()
        if not words:
            continue
        url = words[0]
        if url in packed:
            url = packed[url]
        elif not _WEB.match(url):
            return None
        candidates.append(" ".join([url, *words[1:]]))
    return ", ".join(candidates) or None


@dataclass(frozen=True, slots=True)
class Removed:
    """Something `sanitize_html` takes out of a piece of raw HTML, for `check` to say."""

    line: int
    """The line in the piece (1-based)."""
    severity: Severity
    message: str


_UNSAFE_SCHEME = re.compile(r"\s*(?:javascript|vbscript|data):", re.IGNORECASE)


def removed_html(html: str) -> list[Removed]:
    """What `sanitize_html` removes from `html`, read tag by tag: a warning for what could run
    code or hides what it holds (scripts, frames, SVG, handlers, `javascript:` links), a note
    for harmless markup a card does not keep that changes how it looks (`<center>`, `style`)."""
    if "<" not in html:
        return []
    from html.parser import HTMLParser  # only documents with raw HTML get here

    found: list[Removed] = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            line = self.getpos()[0]
            if tag in DROPPED:
                found.append(
                    Removed(line, "warning", f"raw HTML `<{tag}>` is removed, with what it holds")
                )
                return
            if tag not in TAGS:
                found.append(Removed(line, "info", f"raw HTML `<{tag}>` is not kept on a card"))
                return
            allowed = ATTRIBUTES["*"] | ATTRIBUTES.get(tag, frozenset())
            for name, value in attrs:
                found.extend(_attribute(line, tag, name, value or "", allowed))

    parser = Tags(convert_charrefs=True)
    parser.feed(html)
    parser.close()
    return found


def _attribute(
    line: int, tag: str, name: str, value: str, allowed: frozenset[str]
) -> Iterator[Removed]:
    what = f"`{name}` of `<{tag}>`"
    if name.startswith("on"):
        yield Removed(line, "warning", f"raw HTML {what} is removed: no script runs on a card")
    elif name == "style" and not (name in allowed and _ALIGNED.fullmatch(value.strip())):
        yield Removed(line, "info", f"raw HTML {what} is not kept: a card takes no styles")
    elif name not in allowed:
        # `<a name="q1">` anchors, `id`, `target`: a card has no use for them, and a document
        # has one per question; dropping them changes nothing a reader sees, so it goes unsaid.
        return
    elif (
        name in ("href", "src", "srcset")
        and _UNSAFE_SCHEME.match(value)
        and not (tag == "img" and name == "src" and _picture(value))
    ):
        scheme = value.strip().split(":", 1)[0].lower()
        yield Removed(line, "warning", f"raw HTML {what} is removed: a {scheme}: URL")
