"""Where two versions of a text differ, in whole lines, without splitting either into lines.

A rebuild compares the source with the previous build's text. Splitting two 2 MB texts into
lines costs more than the whole re-parse of the edited card, so the common head and tail are
found by comparing blocks of characters, and only the lines near the edit are walked. Lines
end at `\\n` only: sources with other line breaks are never spliced (`deckgen.cache.snapshot`).
"""

from __future__ import annotations

from typing import NamedTuple


class LineEdit(NamedTuple):
    """How `new` differs from `old`: lines `first` to `old_end` (end exclusive) of `old` were
    replaced; every line before `first` and after `old_end` is the same in both."""

    first: int
    old_end: int
    old_lines: int
    new_lines: int
    first_offset: int
    """Where line `first` starts, in both texts."""

    @property
    def delta(self) -> int:
        """How many more lines `new` has."""
        return self.new_lines - self.old_lines


def line_edit(old: str, new: str) -> LineEdit:
    """What `deckgen.cache.incremental` needs to know of an edit: as comparing `old.splitlines(True)`
    with `new.splitlines(True)` from both ends, for texts whose lines end at `\\n`."""
    old_lines, new_lines = line_count(old), line_count(new)
    head = _common_head(old, new)
    if head == len(old) == len(new):
        return LineEdit(old_lines, old_lines, old_lines, new_lines, len(old))
    first = old.count("\n", 0, head)
    first_offset = old.rfind("\n", 0, head) + 1
    limit = min(old_lines, new_lines) - first
    tail = _common_tail(old, new, min(len(old), len(new)) - head)
    # Lines that start inside the common tail are the same in both texts; the one starting
    # exactly where the tail starts only if it starts a line in both.
    start = len(old) - tail
    same = old.count("\n", start, len(old) - 1)
    if start == len(old):
        same = 0
    elif _starts_line(old, start) and _starts_line(new, len(new) - tail):
        same += 1
    same = min(same, limit)
    return LineEdit(first, old_lines - same, old_lines, new_lines, first_offset)


def line_count(text: str) -> int:
    """`len(text.splitlines())` for a text whose lines end at `\\n`."""
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)


def line_start(text: str, line: int, known_line: int, known_offset: int) -> int:
    """Where `line` starts in `text`, walking from `known_line`, which starts at `known_offset`.
    The line after the last one starts at `len(text)`."""
    offset = known_offset
    for _ in range(line, known_line):
        offset = text.rfind("\n", 0, offset - 1) + 1
    for _ in range(known_line, line):
        found = text.find("\n", offset)
        offset = len(text) if found < 0 else found + 1
    return offset


def _starts_line(text: str, offset: int) -> bool:
    return offset == 0 or text[offset - 1] == "\n"


def _common_head(a: str, b: str) -> int:
    limit = min(len(a), len(b))
    count, block = 0, 1 << 16
    while block:
        while count + block <= limit and a[count : count + block] == b[count : count + block]:
            count += block
        block //= 16
    return count


def _common_tail(a: str, b: str, limit: int) -> int:
    count, block = 0, 1 << 16
    while block:
        while count + block <= limit and (
            a[len(a) - count - block : len(a) - count] == b[len(b) - count - block : len(b) - count]
        ):
            count += block
        block //= 16
    return count
