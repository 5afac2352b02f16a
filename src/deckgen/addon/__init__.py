"""deckgen's Anki add-on: `deckgen sync` into a running Anki.

- `server`: inside Anki, a 127.0.0.1 server that applies a deck with `collection.write`;
- `entry`: the add-on's `__init__.py` inside Anki (serve while a profile is open);
- `wire`: the requests and replies, on both sides;
- `bundle`: the add-on's files, installed into `addons21/` or packed as a `.ankiaddon`;
- `client`: the command line's side: find the add-on and ask it to sync.
"""
