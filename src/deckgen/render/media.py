"""Images: which files a deck may carry, their names in Anki, and rewriting `src` to match.

Only files inside the source's folder tree are packed: no absolute paths, no `../` escapes, no
symlinks that lead out. Remote URLs stay as written and are never fetched. A packed file is named
after a hash of its bytes, so names never collide and rebuilding gives the same names.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML, RendererProtocol
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from deckgen.model import Diagnostic, MediaFile

ENV_KEY = "deckgen_media"
"""Where the render env carries the `src → packed name` map for the image rule."""

_SAFE_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,10}$")


@dataclass(frozen=True, slots=True)
class Image:
    """An image written in the source: its `src` as markdown-it normalised it, and its line."""

    src: str
    line: int


@dataclass(frozen=True, slots=True)
class MediaPlan:
    """What a deck packs and how its notes refer to it."""

    files: tuple[MediaFile, ...]
    names: Mapping[str, str]
    """Each packed image's `src` as written → its file name in the package."""


def find_images(tokens: Iterable[Token]) -> Iterator[Image]:
    """Every image in a block token stream, with the line it is on: Markdown images, and the
    `<img>` tags of raw HTML (there is raw HTML only with `--allow-html`)."""
    for token in tokens:
        # An image is written `![…` or as an `<img>` tag: inline text with neither holds none.
        # (Two substring searches: a regular expression costs several times as much, on every
        # inline token of every build.)
        content = token.content
        if token.type == "inline" and token.children and ("<" in content or "![" in content):
            start = token.map[0] + 1 if token.map else 0
            yield from _inline_images(token.children, start)
        elif token.type == "html_block":
            yield from _html_images(token.content, token.map[0] + 1 if token.map else 0)


def _inline_images(children: Sequence[Token], line: int) -> Iterator[Image]:
    for child in children:
        if child.type in ("softbreak", "hardbreak"):
            line += 1
        elif child.type == "image":
            yield Image(str(child.attrGet("src") or ""), line)
            if child.children:
                yield from _inline_images(child.children, line)
        elif child.type == "html_inline" and "<img" in child.content.lower():
            yield from _html_images(child.content, line)


def _html_images(html: str, line: int) -> Iterator[Image]:
    if "<img" not in html.lower():
        return
    from html.parser import HTMLParser  # only documents with raw HTML get here

    class Sources(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.found: list[Image] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "img":
                src = dict(attrs).get("src")
                if src:
                    self.found.append(Image(src, line + self.getpos()[0] - 1))

    parser = Sources()
    parser.feed(html)
    parser.close()
    yield from parser.found


def is_remote(src: str) -> bool:
    """A URL with a scheme (`https:`, `data:`) or a network path (`//host/x`): never packed."""
    return bool(urlsplit(src).scheme) or src.startswith("//")


def resolve_image(src: str, folder: Path) -> Path | str:
    """The file a local `src` names inside `folder`'s tree, or why it cannot be packed."""
    relative = unquote(urlsplit(src).path)
    if not relative:
        return "image without a file name"
    if Path(relative).is_absolute():
        return f"image path {relative} is absolute; use a path relative to the source's folder"
    root = folder.resolve()
    target = (root / relative).resolve()
    if not target.is_relative_to(root):
        return f"image {relative} is outside the source's folder; it is not packed"
    if not target.is_file():
        return f"image {relative} not found"
    return target


def image_diagnostics(tokens: Iterable[Token], path: Path) -> Iterator[Diagnostic]:
    """Missing, absolute or escaping images are errors; remote ones are worth a note."""
    for image in find_images(tokens):
        if is_remote(image.src):
            if not image.src.startswith("data:"):
                yield Diagnostic(
                    path, image.line, "info", f"remote image {image.src} is not packed"
                )
            continue
        found = resolve_image(image.src, path.parent)
        if isinstance(found, str):
            yield Diagnostic(path, image.line, "error", found)


def plan_media(tokens: Iterable[Token], source: Path) -> MediaPlan:
    """Read every packable image once and name it by content; unpackable ones are left out
    (`image_diagnostics` says why)."""
    files: dict[str, MediaFile] = {}
    names: dict[str, str] = {}
    for image in find_images(tokens):
        if image.src in names or is_remote(image.src):
            continue
        found = resolve_image(image.src, source.parent)
        if isinstance(found, str):
            continue
        data = found.read_bytes()
        suffix = found.suffix.lower() if _SAFE_SUFFIX.match(found.suffix) else ""
        name = f"dg-{hashlib.sha256(data).hexdigest()[:16]}{suffix}"
        files[name] = MediaFile(name, data)
        names[image.src] = name
    return MediaPlan(tuple(files[name] for name in sorted(files)), names)


def media_plugin(md: MarkdownIt) -> None:
    """Render images with the packed file name when the env carries a plan (see `ENV_KEY`)."""
    default = cast(RendererHTML, md.renderer).rules["image"]

    def image(
        self: RendererProtocol,
        tokens: Sequence[Token],
        idx: int,
        options: OptionsDict,
        env: EnvType,
    ) -> str:
        names: Mapping[str, str] = env.get(ENV_KEY) or {}
        src = tokens[idx].attrGet("src")
        if isinstance(src, str) and src in names:
            # A patched copy: the document's tokens stay as parsed.
            patched = list(tokens)
            patched[idx] = tokens[idx].copy(attrs={**tokens[idx].attrs, "src": names[src]})
            return str(default(patched, idx, options, env))
        return str(default(tokens, idx, options, env))

    md.add_render_rule("image", image)
