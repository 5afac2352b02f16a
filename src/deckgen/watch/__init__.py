"""`deckgen watch`: one process that rebuilds on every save, with the pipeline and its caches
warm in memory, through the same functions as `build` and `sync`.

- `scope`: what is rebuilt and watched, and what a batch of changed paths calls for;
- `events`: the file watcher (`watchfiles`), one batch per save;
- `session`: the watch itself: the first build, then a rebuild per batch, errors reported;
- `memory`: memory handed back between rebuilds;
- `pages`, `server`: the preview pages on 127.0.0.1, reloaded after each rebuild.
"""
