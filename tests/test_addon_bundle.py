"""The add-on's files: what it carries of deckgen, and the two ways it reaches Anki."""

from __future__ import annotations

import ast
import json
import zipfile
from pathlib import Path

import pytest

from deckgen.addon import bundle
from deckgen.addon.wire import (
    SyncRequest,
    decode_applied,
    decode_request,
    encode_applied,
    encode_request,
)
from deckgen.collection.plan import Conflict, Origin, Plan, Removed
from deckgen.collection.write import Applied, SyncSettings
from deckgen.model import Deck, MediaFile, Note

SRC = Path(__file__).resolve().parent.parent / "src" / "deckgen"
STDLIB_OK = {"anki", "aqt"}
"""What Anki ships besides the standard library, and all the add-on may import."""


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _module(name: str) -> str:
    parts = name.removesuffix(".py").split("/")
    return ".".join(["deckgen", *(parts[:-1] if parts[-1] == "__init__" else parts)])


def test_addon__carries_every_deckgen_module_it_imports_and_nothing_anki_lacks() -> None:
    import sys

    carried = {_module(name) for name in bundle.VENDORED}
    entry = SRC / "addon" / "entry.py"
    paths = [entry, *(SRC / name for name in bundle.VENDORED)]
    for path in paths:
        for imported in _imports(path):
            top = imported.split(".")[0]
            if top == "deckgen":
                assert imported in carried, f"{path.name} imports {imported}, not carried"
            else:
                assert top in sys.stdlib_module_names or top in STDLIB_OK, (
                    f"{path.name} imports {imported}, which Anki does not ship"
                )


def test_addon__package_is_a_zip_anki_installs(tmp_path: Path) -> None:
    out = bundle.package(tmp_path / "deckgen.ankiaddon")
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
        entry = zf.read("__init__.py")
    assert {"__init__.py", "manifest.json", "config.json"} <= names
    assert {f"vendor/deckgen/{name}" for name in bundle.VENDORED} <= names
    assert manifest["package"] == "deckgen_sync" and manifest["min_point_version"] == 250200
    assert entry == (SRC / "addon" / "entry.py").read_bytes()
    again = bundle.package(tmp_path / "again.ankiaddon")
    assert again.read_bytes() == out.read_bytes()  # a function of its contents
    with pytest.raises(Exception, match=r"ends in \.ankiaddon"):
        bundle.package(tmp_path / "deckgen.zip")


def test_addon__install_replaces_an_older_copy_and_keeps_the_users_config(
    tmp_path: Path,
) -> None:
    base = tmp_path / "Anki2"
    base.mkdir()
    target = bundle.install(base)
    assert target == base / "addons21" / "deckgen_sync"
    assert (target / "vendor" / "deckgen" / "collection" / "write.py").is_file()
    meta = json.loads((target / "meta.json").read_text(encoding="utf-8"))
    assert meta["human_version"] and meta["min_point_version"] == 250200
    (target / "config.json").write_text('{"port": 9999}', encoding="utf-8")
    (target / "stale.py").write_text("", encoding="utf-8")
    bundle.install(base)
    assert json.loads((target / "config.json").read_text(encoding="utf-8")) == {"port": 9999}
    assert not (target / "stale.py").exists()
    assert sorted(p.name for p in (base / "addons21").iterdir()) == ["deckgen_sync"]


def test_addon__install_needs_an_anki_base_folder(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="no Anki base folder"):
        bundle.install(tmp_path / "missing")


def _note(n: int) -> Note:
    return Note(f"dg-{n}", f"Q{n}?", "<p>A</p>", "Part 1", "x.md#q", ("x::01-p",), "X", 1700 + n)


def test_addon__requests_and_replies_read_back_as_written() -> None:
    deck = Deck("X", (_note(1), _note(2)), (MediaFile("dg-1.png", b"\x89PNG\x00\xff"),))
    request = SyncRequest(
        deck,
        (Removed("dg-9", "Gone?"),),
        {"dg-1": Origin("x.md:3", 1700, "0123456789abcdef")},
        SyncSettings(overwrite=True, theme="paper"),
        "css",
        "p.apkg",
    )
    back = decode_request(json.loads(json.dumps(encode_request(request))))
    assert back.deck == deck and back.removed == request.removed
    assert back.origins == request.origins and back.css == "css" and back.package == "p.apkg"
    assert (back.settings.overwrite, back.settings.theme) == (True, "paper")
    plan = Plan(add=(_note(1),), conflicts=(Conflict(_note(2), "x.md:9", ("-a", "+b"), False),))
    applied = Applied(Path("c.anki2"), plan, "added", ("dg-1.png",), (), Path("b.colpkg"))
    reply = decode_applied(json.loads(json.dumps(encode_applied(applied))))
    assert reply.plan.add == plan.add and reply.plan.conflicts == plan.conflicts
    assert (reply.notetype, reply.media_added, reply.backup) == (
        "added",
        ("dg-1.png",),
        applied.backup,
    )
    with pytest.raises(ValueError, match="protocol"):
        decode_request({**encode_request(request), "protocol": 0})
