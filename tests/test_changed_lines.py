"""Finding the changed lines between two versions of a source, a block of lines at a time."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from deckgen.incremental import _changed


def _line_by_line(old: list[str], new: list[str]) -> tuple[int, int]:
    limit = min(len(old), len(new))
    first = 0
    while first < limit and old[first] == new[first]:
        first += 1
    same = 0
    while same < limit - first and old[-1 - same] == new[-1 - same]:
        same += 1
    return first, len(old) - same


lines = st.lists(st.sampled_from(["a\n", "b\n", "c"]), max_size=700)
edits = st.lists(
    st.tuples(st.integers(0, 10**6), st.sampled_from(["a\n", "d\n", None])), max_size=4
)


@given(lines, edits)
def test_changed_lines__the_same_as_comparing_line_by_line(
    old: list[str], changes: list[tuple[int, str | None]]
) -> None:
    new = list(old)
    for where, line in changes:
        at = where % (len(new) + 1)
        if line is None:
            del new[at : at + 1]
        else:
            new.insert(at, line)
    assert _changed(old, new) == _line_by_line(old, new)
