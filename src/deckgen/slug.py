"""Anchors and tag pieces from heading text."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

_DROP = re.compile(r"[^\w\- ]", re.UNICODE)
_SPACES = re.compile(r"[ \-]+")


# Every card's tag slugifies its part's title: thousands of calls, a few hundred titles.
@lru_cache(maxsize=1 << 12)
def slugify(text: str) -> str:
    """GitHub-style anchor: lower case, punctuation and symbols dropped, spaces to hyphens.

    Underscores go too: `√d_k` must give `dk`, as in the anchors users copy from rendered docs.
    """
    text = unicodedata.normalize("NFKC", text).lower()
    text = _DROP.sub("", text).replace("_", "")
    return _SPACES.sub("-", text.strip()).strip("-")


MAX_TAG_PIECE = 64
"""The longest piece of a tag (a part, folder or file slug): a 100,000-character heading must not
make a 100,000-character tag, which Anki's tag list and search show whole."""


def bounded(slug: str, limit: int = MAX_TAG_PIECE) -> str:
    """`slug` when at most `limit` characters, else its start and 8 hex digits of its SHA-256:
    two long headings that start alike still get tags of their own."""
    if len(slug) <= limit:
        return slug
    digest = hashlib.sha256(slug.encode()).hexdigest()[:8]
    return f"{slug[: limit - 9].rstrip('-')}-{digest}"


def unique_anchors(texts: list[str]) -> list[str]:
    """Anchors for headings in document order; repeats get `-1`, `-2`… as GitHub does."""
    seen: dict[str, int] = {}
    anchors = []
    for text in texts:
        base = slugify(text)
        count = seen.get(base, 0)
        seen[base] = count + 1
        anchors.append(base if count == 0 else f"{base}-{count}")
    return anchors
