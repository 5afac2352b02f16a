"""Stable identities: note IDs from question text, deck IDs from deck names.

Nothing here depends on position, answer, time or machine, so rebuilding the same source gives
the same IDs and editing an answer keeps them.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

_END_PUNCTUATION = " ?.!:;"
ID_PREFIX = "dg"
NOTE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
"""What an ID may look like: a GUID, a field value and an Anki search term all at once."""


# Matching normalises every question several times; a build of the largest document has a few
# tens of thousands of distinct ones.
@lru_cache(maxsize=1 << 16)
def normalize_question(text: str) -> str:
    """Question text as identity sees it: case, spacing, Unicode form and end punctuation ignored."""
    # Runs of whitespace become one space (`split` knows the same whitespace as the regular
    # expressions' `\s`), so only spaces and the end punctuation can trail.
    words = unicodedata.normalize("NFKC", text).casefold().split()
    return " ".join(words).rstrip(_END_PUNCTUATION)


def question_id(namespace: str, question: str, occurrence: int = 1) -> str:
    """`dg-` and 12 hex digits: searchable in Anki (`ID:dg-…`) and safe as a GUID.

    `occurrence` tells apart questions whose text is identical within one namespace.
    """
    key = f"{namespace}\x1f{normalize_question(question)}"
    if occurrence > 1:
        key += f"\x1f{occurrence}"
    return f"{ID_PREFIX}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


def question_ids(namespace: str, questions: Iterable[str]) -> list[str]:
    """IDs for questions in document order; the n-th repeat of a text gets occurrence n."""
    seen: dict[str, int] = {}
    ids = []
    for question in questions:
        norm = normalize_question(question)
        seen[norm] = seen.get(norm, 0) + 1
        ids.append(question_id(namespace, question, seen[norm]))
    return ids


def deck_id(name: str) -> int:
    """A deck ID from its full name (`A::B`), below 2**53 so JavaScript-side code keeps it exact."""
    digest = hashlib.sha256(f"deckgen-deck\x1f{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % (1 << 52) + (1 << 52)
