"""Block tokens that make their `attrs` and `meta` dicts only when something uses them.

markdown-it gives every token two fresh dicts. Of a block parse's tokens almost none ever holds
an attribute or plugin data, yet the two empty dicts are over a third of what each block token
weighs, and, allocated between the tokens, they are pages a forked child and its parent both
end up copying. `lean_blocks_plugin` makes the block parser push `LeanToken`s instead: the same
token, field for field, whose dicts appear when `attrs` or `meta` is first used; reading
attributes the way the renderer does (`attrGet`, `attrItems`) makes none. Inline tokens are
markdown-it's own. Measured gain (peak memory and time of a large build): docs/performance.md.
"""

from __future__ import annotations

from typing import Any, Literal

from markdown_it import MarkdownIt
from markdown_it.parser_block import ParserBlock
from markdown_it.rules_block import StateBlock
from markdown_it.token import Token
from markdown_it.utils import EnvType

# Token's own slots, reached past the properties below that shadow them. A lean token's slot
# holds None until its dict is made (not left unset: raising and catching AttributeError on
# every first read costs more than the dicts saved).
_get_attrs, _set_attrs = Token.__dict__["attrs"].__get__, Token.__dict__["attrs"].__set__
_get_meta, _set_meta = Token.__dict__["meta"].__get__, Token.__dict__["meta"].__set__
_new = object.__new__


class LeanToken(Token):
    """A `Token` whose `attrs` and `meta` dicts are made when first asked for."""

    __slots__ = ()

    @property
    def attrs(self) -> dict[str, str | int | float]:
        value: dict[str, str | int | float] | None = _get_attrs(self)
        if value is None:
            value = {}
            _set_attrs(self, value)
        return value

    @attrs.setter
    def attrs(self, value: dict[str, str | int | float]) -> None:
        _set_attrs(self, value)

    @property
    def meta(self) -> dict[Any, Any]:
        value: dict[Any, Any] | None = _get_meta(self)
        if value is None:
            value = {}
            _set_meta(self, value)
        return value

    @meta.setter
    def meta(self, value: dict[Any, Any]) -> None:
        _set_meta(self, value)

    # The renderer reads every token's attributes: reads need not make a dict.

    def attrItems(self) -> list[tuple[str, str | int | float]]:  # noqa: N802 (Token's name)
        """`Token.attrItems`."""
        attrs = _get_attrs(self)
        return list(attrs.items()) if attrs else []

    def attrGet(self, name: str) -> str | int | float | None:  # noqa: N802 (Token's name)
        """`Token.attrGet`."""
        attrs = _get_attrs(self)
        return attrs.get(name) if attrs else None


class _LeanState(StateBlock):
    def push(self, ttype: str, tag: str, nesting: Literal[-1, 0, 1]) -> Token:
        """`StateBlock.push`, with a `LeanToken` made without its dicts."""
        token: LeanToken = _new(LeanToken)
        token.type, token.tag, token.nesting = ttype, tag, nesting
        token.map, token.children = None, None
        token.content = token.markup = token.info = ""
        token.block, token.hidden = True, False
        _set_attrs(token, None)
        _set_meta(token, None)
        if nesting < 0:
            self.level -= 1
        token.level = self.level
        if nesting > 0:
            self.level += 1
        self.tokens.append(token)
        return token


class _LeanBlocks(ParserBlock):
    def parse(
        self, src: str, md: MarkdownIt, env: EnvType, out_tokens: list[Token]
    ) -> list[Token] | None:
        """`ParserBlock.parse`, with `_LeanState` for state."""
        if not src:
            return None
        state = _LeanState(src, md, env, out_tokens)
        self.tokenize(state, state.line, state.lineMax)
        return state.tokens


def lean_blocks_plugin(md: MarkdownIt) -> None:
    """Make `md`'s block parser push `LeanToken`s; its rules (and those plugins add) stay."""
    blocks = _LeanBlocks()
    blocks.ruler = md.block.ruler
    md.block = blocks
