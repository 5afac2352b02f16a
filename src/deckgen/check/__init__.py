"""Checks: what `deckgen check` and every build find wrong in a source.

- `rules`: the one list of rules, with what each reads (its scope);
- `context`: the `Lint` every rule reads, and the helpers rules share;
- `structure`, `content`: the rules about a document's shape and about what cards show.
"""
