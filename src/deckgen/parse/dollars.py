"""A guard around mdit-py-plugins' `$` math rule for a formula that opens a line of text.

With `allow_digits=False` (so that `$5 and $10` stays money) the rule refuses an opening `$`
right after a digit, and reads the character before it as `src[pos - 1]`: for a `$` at the very
start of a paragraph that is `src[-1]`, the paragraph's *last* character. `$\\forall x \\in S$,
then x mod 2 = 0` thus lost its first formula (the `$` pairing shifted, and the rest showed as
text with stray delimiters). The guard gives the rule a space to read there instead.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

_RULE = "math_inline"


def first_dollar_plugin(md: MarkdownIt) -> None:
    """Wrap the `$` math rule (added by `dollarmath_plugin` before this) with the guard."""
    ruler = md.inline.ruler
    original = ruler.__rules__[ruler.__find__(_RULE)].fn

    def guarded(state: StateInline, silent: bool) -> bool:
        if state.pos != 0 or not state.src[-1:].isdigit():
            return bool(original(state, silent))
        text = state.src
        state.src = text + " "  # what `src[-1]` reads; the rule reads nothing past posMax
        try:
            return bool(original(state, silent))
        finally:
            state.src = text

    ruler.at(_RULE, guarded)
