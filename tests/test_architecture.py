"""The package graph: dependencies point one way, from the CLI down to the records."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "deckgen"

FRONT = (
    "deckgen.cli",
    "deckgen.watch",
    "deckgen.preview",
    "deckgen.cache",
    "deckgen.api",
    "deckgen.merge",
    "deckgen.sync",
)
"""Modules above the pipeline: the commands, the watch, the preview page, the speed layer, the
library's entry points. No core module may import them."""

LAYERS = (
    ("deckgen.cli",),
    ("deckgen.watch",),
    ("deckgen.sync",),
    ("deckgen.api", "deckgen.merge", "deckgen.preview"),
    ("deckgen.cache",),
    ("deckgen.pipeline",),
    ("deckgen.process",),
    ("deckgen.check",),
    ("deckgen.deck", "deckgen.options"),
    ("deckgen.config",),
    ("deckgen.addon",),
    ("deckgen.collection",),
    ("deckgen.package",),
    ("deckgen.notetype",),
    ("deckgen.parse",),
    ("deckgen.identity",),
    ("deckgen.render", "deckgen.forked", "deckgen.select"),
    ("deckgen.source", "deckgen.atomic", "deckgen.outputs"),
    ("deckgen.errors",),
    ("deckgen.model",),
    ("deckgen.slug", "deckgen.globs"),
)
"""Packages from the top down: each imports only from the ones below it (and itself)."""


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every deckgen module `path` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("deckgen"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("deckgen"))
    return found


GRAPH = {
    _name(path): _imports(path) - {"deckgen"}  # the root only re-exports the errors
    for path in sorted(PACKAGE.rglob("*.py"))
}


def _layer(module: str) -> int:
    for index, layer in enumerate(LAYERS):
        if any(module == top or module.startswith(top + ".") for top in layer):
            return index
    raise AssertionError(f"{module} is in no layer: add it to LAYERS")


def test_architecture__every_module_has_a_layer() -> None:
    for module in GRAPH:
        if module != "deckgen" and module != "deckgen.__main__":
            _layer(module)


def test_architecture__no_module_imports_a_module_above_its_own_layer() -> None:
    upward = [
        f"{module} → {target}"
        for module, targets in GRAPH.items()
        if module not in ("deckgen", "deckgen.__main__")
        for target in targets
        if target != "deckgen" and _layer(target) < _layer(module)
    ]
    assert upward == []


def test_architecture__core_modules_never_import_the_cli_preview_or_cache() -> None:
    core = [m for m in GRAPH if not m.startswith(FRONT) and m not in ("deckgen.__main__",)]
    wrong = [f"{m} → {t}" for m in core for t in GRAPH[m] if t.startswith(FRONT)]
    assert wrong == []


def test_architecture__the_module_graph_has_no_cycle() -> None:
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(GRAPH.get(module, ())):
            if state.get(target) == 1:
                pytest.fail("import cycle: " + " → ".join([*path, module, target]))
            if target in GRAPH and target not in state:
                visit(target, [*path, module])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [])


def test_architecture__a_cycle_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cycle check itself fails on a cycle (a check that cannot fail is no check)."""
    monkeypatch.setitem(GRAPH, "deckgen.model", {*GRAPH["deckgen.model"], "deckgen.pipeline"})
    with pytest.raises(pytest.fail.Exception, match="import cycle"):
        test_architecture__the_module_graph_has_no_cycle()
