"""Images: which files a deck may carry, their names in Anki, and rewriting `src` to match.

A relative `src` is read from the source's folder, as GitHub reads it, and may lead anywhere
inside the source's folder, its project (the folder of its `deckgen.toml`) or its git
repository (the folder holding `.git`), as `../images/x.png` does on GitHub; beyond the source's
folder only picture files are packed. Nothing else is: not a file outside those folders however
the path or a symlink gets there (a document must never carry `~/.ssh/id_rsa` into a deck), not
a file inside a `.git` folder. A path from `/` is read from the repository's root, as GitHub
does. Remote URLs stay as written and are never fetched. A packed file is named after a hash of
its bytes, so names never collide and rebuilding gives the same names. An image that is not
packed is a warning, and the card shows its alt text and why (`image not found: x.png`).
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
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML, RendererProtocol
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from deckgen.model import Diagnostic, MediaFile

ENV_KEY = "deckgen_media"
"""Where the render env carries the `src → packed name` map for the image rule."""
UNPACKED_KEY = "deckgen_unpacked"
"""Where the render env carries `src → note` for the local images that are not packed."""
MISSING_CLASS = "dg-missing-image"

_SAFE_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,10}$")
PICTURE_SUFFIXES = frozenset(
    (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".avif", ".apng", ".bmp", ".ico", ".tif")
)
"""What may be packed from beyond the source's folder: a `![](../../.env)` must stay text."""
_IMG_TAG = re.compile(r"<img\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ImageRoots:
    """Where a source's images may come from: its folder, and the folders that widen it."""

    folder: Path
    """The source's folder: a relative `src` starts here."""
    project: Path | None = None
    """The folder of the source's `deckgen.toml`, if it has one."""
    repository: Path | None = None
    """The root of the git repository the source is in, if it is in one."""

    @classmethod
    def of(cls, source: Path, project: Path | None = None) -> ImageRoots:
        """The roots of `source`, in the project folder `project` (if any)."""
        return cls(source.parent, project, git_root(source.parent))

    @property
    def top(self) -> Path | None:
        """Where a `src` from `/` starts: the repository's root, else the project's folder."""
        return self.repository or self.project


def git_root(folder: Path) -> Path | None:
    """The nearest folder at or above `folder` that holds `.git` (a folder, or a file in a
    worktree or submodule); None outside a repository."""
    try:
        start = folder.resolve()
    except OSError:
        return None
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


@dataclass(frozen=True, slots=True)
class Unpacked:
    """Why a local image is not packed: the warning, and the note the card shows instead."""

    reason: str
    note: str
    missing: Path | None = None
    """The file that is not there, when that is why: it may be there by the next build."""


ImageStamp = tuple[str, int, int]
"""A file a deck's images were read from (or looked for): its path, size and modification time
in nanoseconds, or -1 and -1 when it is not there."""


def stamp_images(paths: Iterable[Path]) -> tuple[ImageStamp, ...]:
    """How the files at `paths` are now, sorted by path: a build whose images were read from
    files that are still as it found them needs none of them read again."""
    stamps = []
    for path in sorted(set(paths)):
        try:
            stat = path.stat()
        except OSError:
            stamps.append((str(path), -1, -1))
        else:
            stamps.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(stamps)


def images_unchanged(stamps: Iterable[ImageStamp]) -> bool:
    """The files stamped are as they were: none changed, none appeared or went away. A cache
    that kept what a build made of them checks this (the source's text does not say it)."""
    stamps = tuple(stamps)
    return stamp_images(Path(path) for path, _, _ in stamps) == stamps


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
    unpacked: Mapping[str, str]
    """Each local image's `src` that is not packed → the note its card shows instead."""
    read: tuple[Path, ...] = ()
    """The files the images were read from, and those looked for and not found."""

    @property
    def env(self) -> dict[str, object]:
        """The render env entries the image rules read."""
        return {ENV_KEY: self.names, UNPACKED_KEY: self.unpacked}


def find_images(tokens: Iterable[Token]) -> Iterator[Image]:
    """Every image in a block token stream, with the line it is on: Markdown images, and the
    `<img>` and `<picture>`'s `<source srcset>` of raw HTML (none with `--no-html`)."""
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
        elif child.type == "html_inline":
            yield from _html_images(child.content, line)


def _html_images(html: str, line: int) -> Iterator[Image]:
    lowered = html.lower()
    if "<img" not in lowered and "<source" not in lowered:
        return
    from html.parser import HTMLParser  # only documents with raw HTML get here

    class Sources(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.found: list[Image] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            at = line + self.getpos()[0] - 1
            if tag == "img":
                src = dict(attrs).get("src")
                if src:
                    self.found.append(Image(src, at))
            elif tag == "source":
                srcset = dict(attrs).get("srcset")
                self.found.extend(Image(src, at) for src in srcset_urls(srcset or ""))

    parser = Sources()
    parser.feed(html)
    parser.close()
    yield from parser.found


def srcset_urls(srcset: str) -> list[str]:
    """The URLs of a `srcset` (`a.png, b.png 2x`): each candidate's first word."""
    return [words[0] for words in (c.split() for c in srcset.split(",")) if words]


def is_remote(src: str) -> bool:
    """A URL with a scheme (`https:`, `data:`) or a network path (`//host/x`): never packed."""
    return bool(urlsplit(src).scheme) or src.startswith("//")


def resolve_image(src: str, roots: ImageRoots) -> Path | Unpacked:
    """The file a local `src` names inside `roots`, or why it is not packed."""
    relative = unquote(urlsplit(src).path)
    if not relative:
        return Unpacked("image without a file name; it is not packed", "image without a file")
    not_packed = f"image not packed: {relative}"
    try:
        folder = roots.folder.resolve()
        if Path(relative).is_absolute():
            if roots.top is None:
                return Unpacked(
                    f"image path {relative} is absolute and the source is in no repository or "
                    "project; use a path relative to the source's folder (it is not packed)",
                    not_packed,
                )
            # GitHub reads `/images/x.png` in a repository's file from the repository's root.
            target = (roots.top.resolve() / relative.lstrip("/")).resolve()
        else:
            target = (folder / relative).resolve()
        inside = [
            root.resolve()
            for root in (roots.folder, roots.project, roots.repository)
            if root is not None
        ]
        if not any(target.is_relative_to(root) for root in inside):
            return Unpacked(
                f"image {relative} is outside the source's folder, project and repository; "
                "it is not packed",
                not_packed,
            )
        if ".git" in target.parts:
            return Unpacked(
                f"image {relative} is inside a .git folder; it is not packed", not_packed
            )
        if not target.is_relative_to(folder) and target.suffix.lower() not in PICTURE_SUFFIXES:
            return Unpacked(
                f"image {relative} is not a picture file (.png, .jpg, .svg, …); from outside the "
                "source's folder only pictures are packed",
                not_packed,
            )
        if not target.is_file():
            return Unpacked(
                f"image {relative} not found; the card shows its alt text",
                f"image not found: {relative}",
                target,
            )
    except OSError as exc:
        return Unpacked(f"image {relative} cannot be read: {exc.strerror or exc}", not_packed)
    return target


def image_diagnostics(
    tokens: Iterable[Token], path: Path, roots: ImageRoots | None = None
) -> Iterator[Diagnostic]:
    """Local images that are not packed are warnings (the card shows their alt text); remote
    ones are worth a note."""
    roots = roots or ImageRoots(path.parent)
    for image in find_images(tokens):
        if is_remote(image.src):
            if not image.src.startswith("data:"):
                yield Diagnostic(
                    path, image.line, "info", f"remote image {image.src} is not packed"
                )
            continue
        found = resolve_image(image.src, roots)
        if isinstance(found, Unpacked):
            yield Diagnostic(path, image.line, "warning", found.reason)


def plan_media(tokens: Iterable[Token], source: Path, roots: ImageRoots | None = None) -> MediaPlan:
    """Read every packable image once and name it by content; the others are listed with the
    note their card shows (`image_diagnostics` says why)."""
    roots = roots or ImageRoots(source.parent)
    files: dict[str, MediaFile] = {}
    names: dict[str, str] = {}
    unpacked: dict[str, str] = {}
    read: list[Path] = []
    for image in find_images(tokens):
        if image.src in names or image.src in unpacked or is_remote(image.src):
            continue
        found = resolve_image(image.src, roots)
        if isinstance(found, Unpacked):
            unpacked[image.src] = found.note
            read.extend([found.missing] if found.missing is not None else [])
            continue
        read.append(found)
        try:
            data = found.read_bytes()
        except OSError as exc:
            unpacked[image.src] = f"image not packed: {exc.strerror or exc}"
            continue
        suffix = found.suffix.lower() if _SAFE_SUFFIX.match(found.suffix) else ""
        name = f"dg-{hashlib.sha256(data).hexdigest()[:16]}{suffix}"
        files[name] = MediaFile(name, data)
        names[image.src] = name
    return MediaPlan(tuple(files[name] for name in sorted(files)), names, unpacked, tuple(read))


def missing_image(alt: str, note: str) -> str:
    """What a card shows for an image it does not carry: the alt text and a small note."""
    shown = f"{escapeHtml(alt)} " if alt.strip() else ""
    return f'<span class="{MISSING_CLASS}">{shown}<small>({escapeHtml(note)})</small></span>'


def without_unpacked(html: str, unpacked: Mapping[str, str]) -> str:
    """Raw HTML with each `<img>` whose `src` is not packed replaced by `missing_image`."""
    if not unpacked or "<img" not in html.lower():
        return html
    from html.parser import HTMLParser

    def replaced(match: re.Match[str]) -> str:
        found: dict[str, str | None] = {}

        class Tag(HTMLParser):
            def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
                found.update(attrs)

        Tag(convert_charrefs=True).feed(match[0])
        note = unpacked.get(found.get("src") or "")
        return match[0] if note is None else missing_image(found.get("alt") or "", note)

    return _IMG_TAG.sub(replaced, html)


def media_plugin(md: MarkdownIt) -> None:
    """Render images with the packed file name when the env carries a plan (see `ENV_KEY`),
    and an image that is not packed as its alt text and a note (see `UNPACKED_KEY`)."""
    renderer = cast(RendererHTML, md.renderer)
    default = renderer.rules["image"]

    def image(
        self: RendererProtocol,
        tokens: Sequence[Token],
        idx: int,
        options: OptionsDict,
        env: EnvType,
    ) -> str:
        names: Mapping[str, str] = env.get(ENV_KEY) or {}
        unpacked: Mapping[str, str] = env.get(UNPACKED_KEY) or {}
        src = tokens[idx].attrGet("src")
        if isinstance(src, str) and src in names:
            # A patched copy: the document's tokens stay as parsed.
            patched = list(tokens)
            patched[idx] = tokens[idx].copy(attrs={**tokens[idx].attrs, "src": names[src]})
            return str(default(patched, idx, options, env))
        if isinstance(src, str) and src in unpacked:
            alt = renderer.renderInlineAsText(tokens[idx].children or [], options, env)
            return missing_image(alt, unpacked[src])
        return str(default(tokens, idx, options, env))

    md.add_render_rule("image", image)
    for kind in ("html_inline", "html_block"):
        md.add_render_rule(kind, _raw_html)


def _raw_html(
    self: RendererProtocol, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # As markdown-it writes raw HTML (as it is), minus the images the deck does not carry.
    return without_unpacked(tokens[idx].content, env.get(UNPACKED_KEY) or {})
