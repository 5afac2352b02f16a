"""The preview pages a watch serves: each source's page as `deckgen preview` draws it, made when
a browser asks for it and kept until the next rebuild, and an index when there are several.

Pages are made under the watch's lock, never while a rebuild runs: both run the pipeline, and
one process runs it once at a time.
"""

from __future__ import annotations

import html
import threading
from dataclasses import replace
from pathlib import Path

from deckgen.errors import DeckgenError
from deckgen.options import BuildOptions
from deckgen.preview.page import draw
from deckgen.watch.scope import Scope


class Pages:
    """`pages(name)` for the preview server, over the scope the watch has now."""

    def __init__(self, options: BuildOptions, lock: threading.Lock) -> None:
        self.options = options
        self.lock = lock
        self.scope = Scope()
        self.made: dict[str, str] = {}

    def use(self, scope: Scope) -> None:
        """The watch watches `scope` now."""
        with self.lock:
            self.scope = scope
            self.made.clear()

    def changed(self) -> None:
        """A rebuild happened: pages are made again when next asked for."""
        with self.lock:
            self.made.clear()

    def __call__(self, name: str) -> str | None:
        with self.lock:
            sources = self.sources()
            if name == "" and len(sources) != 1:
                return self._index(sources)
            if name == "" and sources:
                name = next(iter(sources))
            if name not in sources:
                return None
            if name not in self.made:
                self.made[name] = self._draw(*sources[name])
            return self.made[name]

    def sources(self) -> dict[str, tuple[Path, BuildOptions]]:
        """Each source's page name (its path, folders joined by `--`, `.html`) and options."""
        scope = self.scope
        if scope.project is not None:
            project = scope.project
            options = replace(self.options, config=project.config)
            return {_name(project.relative(path)): (path, options) for path in project.files}
        return {
            _name(path.as_posix()): (path, replace(self.options, config=config))
            for path, config in scope.files
        }

    def _draw(self, source: Path, options: BuildOptions) -> str:
        try:
            return draw(source, options).html
        except DeckgenError as exc:
            return _page(str(source), f"<p>{html.escape(str(exc))}</p>")

    def _index(self, sources: dict[str, tuple[Path, BuildOptions]]) -> str:
        items = "\n".join(
            f'<li><a href="/{html.escape(name)}">{html.escape(str(path))}</a></li>'
            for name, (path, _) in sources.items()
        )
        scope = self.scope
        title = scope.project.deck if scope.project is not None else "deckgen"
        return _page(title, f"<ol>\n{items}\n</ol>")


def _name(relative: str) -> str:
    """A page's name from a source's path: `notes/ml/01-lstm.md` → `notes--ml--01-lstm.html`,
    as `deckgen preview` names a project's pages (files in two folders may share a name)."""
    return relative.rsplit(".", 1)[0].replace("/", "--").lstrip(".-") + ".html"


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="color-scheme" content="light dark">\n'
        f"<title>{html.escape(title)} · preview</title>\n</head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n{body}\n</body>\n</html>\n"
    )
