"""The check rules, listed once, and running them over a source.

Each rule is a small function from a `Lint` (the text, its tokens and the parsed `Document`) to
diagnostics; `RULES` lists them in the order they report, as markdown-it lists its rules, with
what each reads (its scope), which is where the pipeline runs it:

- `document`: the parts and cards only, once per source;
- `blocks`: the block tokens of the whole source, before any inline content is parsed;
- `tokens`: one stretch of tokens at a time, inline content parsed; every diagnostic lies on the
  lines of the tokens it came from, so a rule's findings for a card can be kept with the card.

The parser's own diagnostics (a question without an answer, a question before the first part)
come first and are not repeated here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from deckgen.check.content import images, invalid_latex, raw_html, unclosed_math
from deckgen.check.context import Lint, Rule
from deckgen.check.structure import (
    deep_nesting,
    duplicate_questions,
    empty_parts,
    headings_in_code,
    headings_in_html,
    no_card_lines,
    no_cards,
    unclosed_fences,
)
from deckgen.model import Diagnostic, Document

Scope = Literal["document", "blocks", "tokens"]


@dataclass(frozen=True, slots=True)
class CheckRule:
    """A rule, what it reads, and whether only `deckgen check` runs it."""

    run: Rule
    scope: Scope
    thorough: bool = False
    """Slow and only ever a warning: `deckgen check` runs it, a build does not."""


RULES: tuple[CheckRule, ...] = (
    CheckRule(no_cards, "document"),
    CheckRule(duplicate_questions, "document"),
    CheckRule(empty_parts, "document"),
    CheckRule(unclosed_math, "tokens"),
    CheckRule(unclosed_fences, "tokens"),
    CheckRule(headings_in_code, "tokens"),
    CheckRule(headings_in_html, "tokens"),
    CheckRule(raw_html, "tokens"),
    CheckRule(images, "tokens"),
    CheckRule(deep_nesting, "blocks"),
    CheckRule(no_card_lines, "blocks", thorough=True),
    CheckRule(invalid_latex, "tokens", thorough=True),
)
"""Every rule, in the order its diagnostics are listed on the same line."""


def rules(scope: Scope, *, thorough: bool = False) -> tuple[Rule, ...]:
    """The rules of one scope that a build (or, `thorough`, `deckgen check`) runs."""
    return tuple(r.run for r in RULES if r.scope == scope and (thorough or not r.thorough))


def run_rules(lint: Lint, scope: Scope, *, thorough: bool = False) -> dict[Rule, list[Diagnostic]]:
    """Each rule of `scope` over `lint`, with its own diagnostics."""
    return {rule: list(rule(lint)) for rule in rules(scope, thorough=thorough)}


def merged(
    document: Document, found: Mapping[Rule, Sequence[Diagnostic]]
) -> tuple[Diagnostic, ...]:
    """The parser's diagnostics, then each rule's in `RULES` order, sorted (stably) by line."""
    everything = list(document.diagnostics)
    for rule in RULES:
        everything.extend(found.get(rule.run, ()))
    return tuple(sorted(everything, key=lambda d: d.line or 0))


def error_count(diagnostics: Iterable[Diagnostic]) -> int:
    """How many of `diagnostics` stop a build."""
    return sum(1 for d in diagnostics if d.severity == "error")
