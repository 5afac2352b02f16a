"""The `deckgen` command: thin click commands over `deckgen.api` and the pipeline.

- `commands`: the click group and its commands;
- `options`: options shared by several commands (selection, levels, config);
- `targets`: what SOURCES name: a project, a folder, or files each built alone;
- `output`, `report`, `listing`, `progress`: what the commands print;
- `errors`: the one place errors become `path:line: error: message` and an exit status.
"""
