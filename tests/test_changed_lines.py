"""Finding the changed lines between two versions of a source without splitting either."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from deckgen.cache.linediff import line_count, line_edit, line_start


def _line_by_line(old: list[str], new: list[str]) -> tuple[int, int]:
    limit = min(len(old), len(new))
    first = 0
    while first < limit and old[first] == new[first]:
        first += 1
    same = 0
    while same < limit - first and old[-1 - same] == new[-1 - same]:
        same += 1
    return first, len(old) - same


def _text(lines: list[str], unterminated: str) -> str:
    return "".join(lines) + unterminated


lines = st.lists(st.sampled_from(["a\n", "b\n", "ab\n", "\n"]), max_size=300)
tails = st.sampled_from(["", "a", "b"])
edits = st.lists(
    st.tuples(st.integers(0, 10**6), st.sampled_from(["a\n", "b\n", "ba\n", "\n", "x", None])),
    max_size=4,
)


@given(lines, tails, edits)
def test_changed_lines__true_and_as_tight_as_comparing_line_by_line(
    old_lines: list[str], tail: str, changes: list[tuple[int, str | None]]
) -> None:
    old = _text(old_lines, tail)
    chars = list(old)
    for where, piece in changes:
        at = where % (len(chars) + 1)
        if piece is None:
            del chars[at : at + 1]
        else:
            chars[at:at] = list(piece)
    new = "".join(chars)
    edit = line_edit(old, new)
    split_old, split_new = old.splitlines(keepends=True), new.splitlines(keepends=True)
    assert (edit.old_lines, edit.new_lines) == (len(split_old), len(split_new))
    assert edit.first_offset == len("".join(split_old[: edit.first]))
    # What it says is true: the same lines before `first`, and from `old_end` on.
    new_end = edit.old_end + edit.delta
    assert edit.first <= min(edit.old_end, new_end)
    assert split_old[: edit.first] == split_new[: edit.first]
    assert split_old[edit.old_end :] == split_new[new_end:]
    # And as tight as comparing lines: the same first line; at most the one line that both
    # the common head and the common tail touch is counted as changed besides.
    first, old_end = _line_by_line(split_old, split_new)
    assert edit.first == first
    assert old_end <= edit.old_end <= old_end + 1


@given(lines, tails, st.data())
def test_changed_lines__line_starts_walked_from_any_known_line(
    body: list[str], tail: str, data: st.DataObject
) -> None:
    text = _text(body, tail)
    split = text.splitlines(keepends=True)
    starts = [len("".join(split[:n])) for n in range(len(split) + 1)]
    assert line_count(text) == len(split)
    known = data.draw(st.integers(0, len(split)))
    line = data.draw(st.integers(0, len(split)))
    assert line_start(text, line, known, starts[known]) == starts[line]
