"""Per-file settings from YAML front matter, under a `deckgen:` key.

    ---
    title: Notes            # other tools' keys are left alone
    deckgen:
      deck: Statistics
      question-level: 2
    ---

Only the `deckgen` mapping is read, and it is validated as strictly as `deckgen.toml`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from markdown_it.token import Token

from deckgen.config.settings import KeyPath, Origin, SourceSettings, read_settings
from deckgen.errors import SourceError

if TYPE_CHECKING:
    import yaml

FRONT_MATTER_KEY = "deckgen"
_MENTIONS_KEY = re.compile(rf"^[\"']?{FRONT_MATTER_KEY}[\"']?\s*:", re.MULTILINE)


def front_matter_settings(tokens: Sequence[Token], path: Path) -> SourceSettings:
    """The `deckgen:` settings in the document's front matter; empty when it has none."""
    token = next((t for t in tokens if t.type == "front_matter"), None)
    if token is None or not _MENTIONS_KEY.search(token.content):
        # Front matter without our key belongs to other tools, however they write it.
        return SourceSettings()
    # Imported here: most documents have no front matter for deckgen.
    import yaml

    # The YAML starts on the line after the opening `---`.
    first_line = (token.map[0] if token.map else 0) + 2
    try:
        root = yaml.compose(token.content, Loader=yaml.SafeLoader)
        data = yaml.safe_load(token.content)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark else None
        raise SourceError(path, line, f"front matter is not valid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise SourceError(path, first_line, f"front matter is not valid YAML: {exc}") from None
    if not isinstance(data, Mapping) or FRONT_MATTER_KEY not in data:
        return SourceSettings()
    line_of = partial(_node_line, root, first_line)
    origin = Origin(path, (FRONT_MATTER_KEY,), lambda keys: line_of((FRONT_MATTER_KEY, *keys)))
    table = data[FRONT_MATTER_KEY]
    if not isinstance(table, Mapping):
        raise origin.error((), "expected a mapping of settings (deck, topics, …)")
    return read_settings(table, origin)


def _node_line(root: yaml.Node | None, first_line: int, keys: KeyPath) -> int | None:
    """The line of the deepest key along `keys` that the YAML has."""
    import yaml

    node, line = root, None
    for key in keys:
        if not isinstance(node, yaml.MappingNode):
            break
        for key_node, value_node in node.value:
            if str(key_node.value) == key:
                node, line = value_node, first_line + key_node.start_mark.line
                break
        else:
            break
    return line
