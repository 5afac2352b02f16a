"""deckgen: turn Markdown study documents into Anki decks that keep their review history.

Read the pipeline first: `deckgen.pipeline.run` lists the stages in order, and every command
goes through it. The packages are named after the stages, from the bottom up:

- `model`: the records that flow between stages (Part, Card, Note, Deck, Diagnostic);
- `parse`: the markdown-it parser and its plugins, heading shapes, splitting into cards;
- `identity`: note IDs, matching edited cards to the previous build, the state files;
- `render`: card fields as HTML (math, code highlighting, images, sanitising);
- `notetype`: the one notetype every writer writes, its themes and CSS;
- `package`: writing the `.apkg`;
- `config`: `deckgen.toml`, front matter, settling a source's settings, projects of many files;
- `check`: the rules `deckgen check` and every build run;
- `process` and `pipeline`: the card stage, and the pipeline itself;
- `cache`: the speed layer around the pipeline (a rebuild re-runs the stages on what changed);
- `api`, `merge`, `preview`: the library's entry points; `watch`: rebuilding on every save;
  `cli`: the `deckgen` command.

`docs/architecture.md` says how they fit and how to add a rule, a render feature or a command.
"""

__version__ = "0.1.0"
