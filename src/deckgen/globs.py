"""Path globs as git and most tools read them: `**` any folders, `*` and `?` within one name."""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=256)
def glob_pattern(pattern: str) -> re.Pattern[str]:
    """A regular expression that fully matches the `/`-separated paths `pattern` names; a
    pattern ending in `/` names everything below that folder."""
    pattern = pattern.removeprefix("./")
    if pattern.endswith("/"):
        pattern += "**"
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))


def names_path(pattern: str, path: str) -> bool:
    """Whether `pattern` names `path` or its end (`ml/*.md` names `notes/ml/a.md`): a path
    selector is written relative to the project, which a document does not know."""
    return glob_pattern("**/" + pattern.removeprefix("./").lstrip("/")).fullmatch(path) is not None
