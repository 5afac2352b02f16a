"""The collection writer: the deck applied straight to an Anki collection (`deckgen sync`).

One more writer after the same pipeline, beside `deckgen.package`; both write the notetype of
`deckgen.notetype` and take what changed and what was removed from the same `Revision`.

- `plan`: what a sync does, note by note, decided before anything is written (no Anki import);
- `write`: reading an open collection and carrying the plan out through Anki's library, in one
  transaction (what the add-on inside Anki runs too);
- `apply`: the file sync: the collection file opened safely, the first sync's notetype import;
- `guard` and `holders`: opening a collection only when it is safe and nobody else has it open;
- `backup`: Anki's own backup before any change;
- `stamp`: a collection as a sync left it, so that a sync with nothing new need not open it;
- `profiles`: which collection: a path, a profile, the only or last-used profile.
"""
