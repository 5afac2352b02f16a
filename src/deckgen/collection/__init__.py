"""The collection writer: the deck applied straight to an Anki collection (`deckgen sync`).

One more writer after the same pipeline, beside `deckgen.package`; both write the notetype of
`deckgen.notetype` and take what changed and what was removed from the same `Revision`.

- `plan`: what a sync does, note by note, decided before anything is written (no Anki import);
- `apply`: reading the collection and carrying the plan out through Anki's library;
- `guard`: opening a collection only when it is safe;
- `backup`: Anki's own backup before any change;
- `profiles`: which collection: a path, a profile, the only or last-used profile.
"""
