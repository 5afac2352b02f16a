"""Cleaning card HTML when the author opted into raw HTML (`--allow-html`).

Cards run in Anki's WebView, so a deck must never carry markup that runs code. nh3 (the Python
binding of the maintained `ammonia` sanitizer) removes scripts, frames, objects, event-handler
attributes and `javascript:` URLs; deckgen only widens its allow-list by what its own renderer
emits (classes for highlighting and math, `text-align` for table columns).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache


@cache
def _attributes() -> dict[str, set[str]]:
    import nh3

    allowed = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
    allowed["*"] = allowed.get("*", set()) | {"class", "style", "title", "lang", "dir"}
    return allowed


def sanitize_html(html: str, images: Mapping[str, str] | None = None) -> str:
    """`html` with everything that could run code removed; harmless markup kept.

    `images` maps an `<img>`'s `src` as written to the name of the file the package carries
    for it (see `deckgen.render.media.plan_media`), for images written as raw HTML.
    """
    # Imported here: only builds with raw HTML allowed need it.
    import nh3

    def packed(tag: str, attribute: str, value: str) -> str:
        if images and tag == "img" and attribute == "src":
            return images.get(value, value)
        return value

    return nh3.clean(
        html,
        attributes=_attributes(),
        attribute_filter=packed,
        filter_style_properties={"text-align"},
        link_rel="noopener noreferrer",
    )
