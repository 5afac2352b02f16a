"""Where a block token's pair closes: what every reader of the block tokens asks."""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it.token import Token


def closing(tokens: Sequence[Token], opened: int, *, past_end: bool = False) -> int:
    """The index of the token that closes the one opened at `opened`; for a block never
    closed, the last token (`past_end`: one past it)."""
    depth = 0
    for j in range(opened, len(tokens)):
        depth += tokens[j].nesting
        if depth == 0:
            return j
    return len(tokens) if past_end else len(tokens) - 1
