"""Identity: which note each card is, build after build.

- `ids`: IDs from normalised question text, deck IDs from deck names;
- `pins`: `<!-- id: … -->` pinned IDs;
- `match`: matching an edited source's cards to the previous build's identities;
- `history`: identify the cards, stamp what changed, write down the next state;
- `state`, `strictjson`: the state file beside a one-file deck's source, read strictly;
- `ledger`: a project's one state file, a line per card, read as strictly.
"""
