"""The add-on as files: installed into Anki's `addons21/`, or packed as a `.ankiaddon` for
Anki's *Tools → Add-ons → Install from file…*.

It holds `__init__.py` (`entry.py`), a manifest, its config, and under `vendor/` the deckgen
modules it runs, copied from this very installation: the records, the plan, the collection
writer and the wire format, so the add-on and the file sync are one implementation.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

from deckgen import __version__
from deckgen.addon.server import DEFAULT_PORT
from deckgen.atomic import atomic_path
from deckgen.errors import DeckgenError

PACKAGE = "deckgen_sync"
"""The add-on's folder name in `addons21/` (and its module name inside Anki: not `deckgen`,
which names the vendored package)."""
MIN_POINT_VERSION = 250200
"""Anki 25.02, the oldest Anki whose library deckgen's `sync` extra accepts (`anki>=25.2`)."""

VENDORED = (
    "__init__.py",
    "model.py",
    "slug.py",
    "errors.py",
    "notetype/__init__.py",
    "notetype/fields.py",
    "collection/__init__.py",
    "collection/backup.py",
    "collection/plan.py",
    "collection/write.py",
    "addon/__init__.py",
    "addon/wire.py",
    "addon/server.py",
)
"""deckgen's modules the add-on imports, and all they import of deckgen's (a test holds the
list to the modules' own imports)."""

# Zip entries carry a date; a fixed one keeps the file a function of its contents.
_ZIP_DATE = (2020, 1, 1, 0, 0, 0)


def manifest() -> dict[str, object]:
    return {
        "package": PACKAGE,
        "name": "deckgen sync",
        "mod": 0,
        "min_point_version": MIN_POINT_VERSION,
        "human_version": __version__,
    }


def contents() -> Iterator[tuple[str, bytes]]:
    """Each file of the add-on: its path inside the add-on's folder, its bytes."""
    root = files("deckgen")
    yield "__init__.py", root.joinpath("addon", "entry.py").read_bytes()
    yield "manifest.json", _json(manifest())
    yield "config.json", _json({"port": DEFAULT_PORT})
    for name in VENDORED:
        yield f"vendor/deckgen/{name}", root.joinpath(*name.split("/")).read_bytes()


def _json(value: object) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True) + "\n").encode()


def package(path: Path) -> Path:
    """Write the `.ankiaddon` to `path`, atomically."""
    if path.suffix != ".ankiaddon":
        raise DeckgenError(f"{path}: an add-on file ends in .ankiaddon")
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in contents():
            zf.writestr(zipfile.ZipInfo(name, _ZIP_DATE), data)
    return path


def install(base: Path) -> Path:
    """Put the add-on into `base/addons21/deckgen/` (replacing an older copy, keeping the
    user's config) with the meta Anki keeps of an installed add-on; Anki loads it at start."""
    addons = base / "addons21"
    if not base.is_dir():
        raise DeckgenError(f"no Anki base folder at {base}: start Anki once, or set ANKI_BASE")
    target = addons / PACKAGE
    staging = addons / f".{PACKAGE}.installing"
    shutil.rmtree(staging, ignore_errors=True)
    for name, data in contents():
        if name == "config.json" and (target / "meta.json").exists():
            continue  # the user's port stays (Anki keeps a changed config in meta.json)
        out = staging / name
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    meta = target / "meta.json"
    kept = json.loads(meta.read_text(encoding="utf-8")) if meta.exists() else {}
    own = {k: v for k, v in manifest().items() if k != "package"}
    (staging / "meta.json").write_text(json.dumps({**kept, **own}), encoding="utf-8")
    if (target / "config.json").exists() and not (staging / "config.json").exists():
        shutil.copy2(target / "config.json", staging / "config.json")
    old = addons / f".{PACKAGE}.old"
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return target
