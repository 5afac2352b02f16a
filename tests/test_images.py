"""An image is a file beside the text: a build after one was added, changed or removed reads it
again, though the Markdown is the same (the cache keeps what the last build made of a text,
and a document copied without its pictures is a warning, not an error, so it has a package)."""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from pathlib import Path

from click.testing import CliRunner

from deckgen.cli.commands import cli

DOC = "## Part 1: A\n\n### Q\n\n![chart](img/chart.png)\n"


def _packed(package: Path) -> list[bytes]:
    with zipfile.ZipFile(package) as zf:
        return [zf.read(entry) for entry in json.loads(zf.read("media"))]


def _build(*args: str) -> str:
    result = CliRunner().invoke(cli, ["build", *args])
    assert result.exit_code == 0, result.output
    return str(result.stdout)


def _touch(path: Path, data: bytes) -> None:
    """Write `data`, and move the file's time on: a file rewritten within the clock's tick
    must not look unchanged."""
    path.parent.mkdir(parents=True, exist_ok=True)
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_bytes(data)
    os.utime(path, ns=(before + 10**9, before + 10**9))


def test_images__a_picture_added_changed_or_removed_is_read_again(tmp_path: Path) -> None:
    source, out = tmp_path / "doc.md", tmp_path / "doc.apkg"
    source.write_text(DOC, encoding="utf-8")
    chart = tmp_path / "img" / "chart.png"
    assert "→" in _build(str(source), "-o", str(out))
    assert _packed(out) == []
    _touch(chart, b"the chart")
    assert "up to date" not in _build(str(source), "-o", str(out))
    assert _packed(out) == [b"the chart"]
    assert "up to date" in _build(str(source), "-o", str(out))
    _touch(chart, b"the new chart")
    assert "up to date" not in _build(str(source), "-o", str(out))
    assert _packed(out) == [b"the new chart"]
    chart.unlink()
    assert "up to date" not in _build(str(source), "-o", str(out))
    assert _packed(out) == []


def test_images__a_project_file_is_rendered_again_when_its_picture_comes(tmp_path: Path) -> None:
    (tmp_path / "deckgen.toml").write_text('deck = "D"\ninclude = ["notes"]\n', encoding="utf-8")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.md").write_text(DOC, encoding="utf-8")
    (tmp_path / "notes" / "b.md").write_text(DOC.replace("Q\n", "R\n"), encoding="utf-8")
    out = tmp_path / "build" / "d.apkg"
    _build(str(tmp_path), "-o", str(out))
    assert _packed(out) == []
    _touch(tmp_path / "notes" / "img" / "chart.png", b"the chart")
    assert "up to date" not in _build(str(tmp_path), "-o", str(out))
    name = f"dg-{hashlib.sha256(b'the chart').hexdigest()[:16]}.png"
    assert _packed(out) == [b"the chart"]
    with zipfile.ZipFile(out) as zf:
        assert zf.read("collection.anki2").count(f'<img src="{name}"'.encode()) == 2
    assert "up to date" in _build(str(tmp_path), "-o", str(out))
