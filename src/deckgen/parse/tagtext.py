"""Inline HTML as the Markdown a reader sees: `<b>What is <code>x</code>?</b>` → What is `x`?

Summaries and raw HTML headings hold a little inline HTML; their text becomes a card's question,
which is Markdown. Formatting tags go (the words stay), code becomes a code span, a line break a
space; an anchor (`<a name="q1"></a>`) is left for the splitter, which drops it from questions
and parts alike.
"""

from __future__ import annotations

import re

_TAG = re.compile(r"</?(?:b|strong|i|em|p|span|u|small|big|font|sup|sub)\b[^>]*>", re.IGNORECASE)
_CODE = re.compile(r"<code\b[^>]*>(.*?)</code>", re.IGNORECASE | re.DOTALL)
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def markdown_text(html: str) -> str:
    """`html`'s words as Markdown, on one line."""
    text = _CODE.sub(lambda match: f"`{match[1]}`", html)
    return " ".join(_TAG.sub("", _BREAK.sub(" ", text)).split())
