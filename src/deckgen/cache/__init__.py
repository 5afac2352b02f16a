"""The speed layer: a build that remembers, around the same pipeline (see `deckgen.pipeline`).

- `layer`: `BuildCache`, consulted before the stages and written after them;
- `store`: the cache file, its key, checksum and record-only unpickler;
- `snapshot`: what a build leaves for the next, as named records;
- `incremental`, `linediff`: re-running the stages on the cards an edit touched;
- `files`: `ProjectCache`, each file of a project's rendering, kept by digest;
- `warm`: cache files kept in memory between builds of one process (`deckgen watch`).

Nothing below this package imports it. Measured gains: docs/performance.md.
"""
