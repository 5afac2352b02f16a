"""Settings: what the user chose for a source.

- `settings`: per-source settings and their strict validation;
- `project`, `lookup`: `deckgen.toml` (or `[tool.deckgen]`), and where it is;
- `frontmatter`: settings in a document's YAML front matter;
- `loading`: one source parsed, with its settings settled (command line, front matter, config);
- `members`: a project (a config with `include`, or a folder): its files, deck and state file.
"""
