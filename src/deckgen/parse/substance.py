"""What an answer says beyond links and placeholders: whether a question is really answered.

People leave questions unanswered in many ways. Some write a placeholder deckgen knows
(`Answer:`, `TODO`, `&nbsp;`, nothing); some write their own and repeat it under every open
question (`To be completed.`, `Answer here`); some answer with a pointer elsewhere (`See the
comparison page.`, a list of links under `Useful resources:`). A reader makes no card of any of
them. An answer's *substance* is its text without what only points elsewhere: paragraphs and
list items that are a link and a few words, and the labels (`Useful resources:`) above them.

- no substance and some link: the answer is only links;
- a substance that is a known placeholder, or a short text repeated word for word under several
  questions, where it cannot be a short answer itself (`Yes`, `Correct answer: D`): unanswered.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from markdown_it.token import Token

from deckgen.parse.details import CLOSE as DETAILS_CLOSE
from deckgen.parse.details import OPEN as DETAILS_OPEN
from deckgen.parse.details import SUMMARY_CLOSE, SUMMARY_OPEN

_PLACEHOLDER = re.compile(
    r"^(?:(?:(?:answer|ans|solution|response)\s*[:.\-]?|a\s*:)\s*)?"
    r"(?:todo|tbd|tba|fixme|wip|to\s*do|coming\s+soon|\.{3}|\u2026|[-\u2013\u2014?]|n/?a"
    r"|&nbsp;|\u00a0)?\s*[:.!]*$",
    re.IGNORECASE,
)
_TEXT_BLOCKS = frozenset(
    (
        "paragraph_open",
        "paragraph_close",
        "inline",
        "html_block",
        DETAILS_OPEN,
        DETAILS_CLOSE,
        SUMMARY_OPEN,
        SUMMARY_CLOSE,
    )
)
"""Blocks an answer of plain text is made of (a placeholder is never a list or code)."""
_LINKISH_BLOCKS = frozenset(
    (
        *_TEXT_BLOCKS,
        "bullet_list_open",
        "bullet_list_close",
        "ordered_list_open",
        "ordered_list_close",
        "list_item_open",
        "list_item_close",
    )
)
"""Blocks an answer made only of links is made of."""
_LINK = re.compile(r"(?<!!)\[(?:[^\[\]]|\[[^\]]*\])*\]\([^)]*\)|<https?://[^>]+>|https?://\S+")
_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
_POINTER_WORDS = 6
"""Words beside a link that still only point to it: `Please consult ripgrep's CHANGELOG.`"""
_POINTING = frozenset(
    [
        "see",
        "consult",
        "refer",
        "read",
        "check",
        "visit",
        "go",
        "look",
        "follow",
        "more",
        "details",
        "documentation",
        "docs",
        "here",
        "link",
        "links",
        "reference",
        "references",
    ]
)
"""Words that send the reader elsewhere (`See the comparison page.`)."""
_LABEL_WORDS = 8
"""Words of a label that introduces links: `Here are a few of my favorites:`."""
REPEATED = 3
"""Questions that share one short text before it reads as the author's placeholder."""
SHORT_WORDS = 8
"""The most words a placeholder or a text repeated as one has (`Here are a few to read:`)."""


def revealed(answer: Sequence[Token]) -> Sequence[Token]:
    """What the answer hides in its `<details>` block, where it has one at its top (`**Question**:`
    and a list above `<details><summary>Answer</summary>`: the hidden text is the answer
    proper, what stands above it restates the question); else the whole answer."""
    starts = [i for i, t in enumerate(answer) if t.type == DETAILS_OPEN and t.level == 0]
    if not starts:
        return answer
    depth = 0
    for end in range(starts[0], len(answer)):
        depth += {DETAILS_OPEN: 1, DETAILS_CLOSE: -1}.get(answer[end].type, 0)
        if depth == 0:
            return answer[starts[0] + 1 : end]
    return answer[starts[0] + 1 :]


def substance(answer: Sequence[Token]) -> str:
    """The answer's text without the parts that only point elsewhere, one space between
    blocks (Markdown source); any block that is not text, a list or a wrapper (code, a table,
    an image) stands as its type."""
    text = short_substance(answer, None)
    assert text is not None
    return text


def short_substance(answer: Sequence[Token], words: int | None) -> str | None:
    """`substance`, or None as soon as it is longer than `words` words: every question asks
    whether its answer is a short placeholder or nothing, and most answers are neither, long
    before their end."""
    kept: list[str] = []
    count = 0
    items = 0
    for token in answer:
        items += {"list_item_open": 1, "list_item_close": -1}.get(token.type, 0)
        piece = _kept(token, item=items > 0)
        if piece is not None:
            kept.append(piece)
            if words is not None:
                count += len(_WORD.findall(piece))
                if count > words:
                    return None
    return " ".join(" ".join(kept).split())


def _kept(token: Token, *, item: bool) -> str | None:
    """What a token gives an answer's substance (None: nothing)."""
    if token.type == "inline":
        return None if _points_elsewhere(token.content, item=item) else token.content
    if token.type == "html_block":
        return token.content
    if token.type not in _LINKISH_BLOCKS and token.nesting != -1:
        return token.content or token.type
    return None


def links_only(answer: Sequence[Token]) -> bool:
    """The answer is a link or links, with at most a few words or a label: no card."""
    if any(t.type not in _LINKISH_BLOCKS for t in answer):
        return False
    inline = [t.content for t in answer if t.type == "inline"]
    return any(_LINK.search(text) for text in inline) and short_substance(answer, 0) == ""


def placeholder(answer: Sequence[Token], repeated: frozenset[str] = frozenset()) -> str | None:
    """The answer's text when it is only a placeholder (`Answer:`, `TODO`, `&nbsp;`, or a text
    in `repeated`), links pointing elsewhere aside; else None."""
    if any(t.type not in _LINKISH_BLOCKS for t in answer):
        return None
    # Longer than any placeholder or repeated text (`SHORT_WORDS`): an answer.
    text = short_substance(answer, SHORT_WORDS)
    if text is None:
        return None
    if not text and any(_LINK.search(t.content) for t in answer if t.type == "inline"):
        return None  # only links: `links_only` says so
    bare = re.sub(r"[*_`~]", "", text).strip()
    if _PLACEHOLDER.match(bare) or normal(text) in repeated:
        shown = (t.content.strip() for t in answer if t.type in ("inline", "html_block"))
        return " ".join(shown)
    return None


SHARED = "questions share the answer"
"""What the finding about a short answer given word for word under several questions says."""


def lookalikes(answers: Sequence[Sequence[Token]]) -> Counter[str]:
    """How many of `answers` have each short text that could be an author's placeholder as
    their whole substance (normalised): at `REPEATED` or more, it is one (`To be completed.`)."""
    return Counter(
        text
        for answer in answers
        if all(t.type in _LINKISH_BLOCKS for t in answer)
        and (text := normal(short_substance(answer, SHORT_WORDS) or ""))
        and _could_be_placeholder(text)
    )


def repeated(counts: Counter[str]) -> frozenset[str]:
    """The texts of `lookalikes` shared by enough answers to be placeholders."""
    return frozenset(text for text, n in counts.items() if n >= REPEATED)


def _could_be_placeholder(text: str) -> bool:
    """Two to a few words, none a one-letter or numeric value: `Answer here`, not `Yes`,
    `True` or `Correct answer: D`."""
    words = _WORD.findall(text)
    return (
        2 <= len(words) <= SHORT_WORDS
        and all(len(word) > 1 and not word.isdigit() for word in words)
        and not any(c in text for c in "$`")
    )


def normal(text: str) -> str:
    """`text` as `lookalikes` counts it: lower case, one space."""
    return " ".join(text.lower().split())


def _points_elsewhere(text: str, *, item: bool) -> bool:
    """A link and a few words (`See the [comparison page](…).`), a list item that opens with a
    link (`[Olah's LSTM post](…), the clearest`), or a short label ending in a colon (`Useful
    resources:`)."""
    if "<" not in text and "](" not in text and "http" not in text:
        # No tag and no link (the common case, checked cheaply): a label, or not.
        if not text.rstrip(" *_").endswith(":"):
            return False
        return 0 < len(_WORD.findall(text)) <= _LABEL_WORDS
    rest = _LINK.sub(" ", _TAG.sub(" ", text))
    words = [word.lower() for word in _WORD.findall(rest)]
    if _LINK.search(text):
        if item and _LINK.match(text.lstrip("*_ ")) is not None:
            return True
        # `Released under the [Apache 2.0](…) licence`: the link's text is the answer.
        return len(words) <= _POINTER_WORDS and (not words or not _POINTING.isdisjoint(words))
    return rest.rstrip(" *_").endswith(":") and 0 < len(words) <= _LABEL_WORDS
