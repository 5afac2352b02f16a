"""Nothing lost (atomic writes, clear write errors) and nothing unsafe (HTML, images)."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from click.testing import CliRunner

from deckgen.api import BuildOptions, build
from deckgen.atomic import write_bytes_atomic
from deckgen.cli.commands import cli
from tests.anki_support import import_apkg, notes
from tests.pipeline_support import deck_of

DOC = "## Part 1: A\n\n### Q1\n\n{answer}\n"


def _write_doc(folder: Path, answer: str, name: str = "doc.md") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / name
    source.write_text(DOC.format(answer=answer), encoding="utf-8")
    return source


def _build(*args: str) -> Any:
    return CliRunner().invoke(cli, ["build", *args])


def _answer(col: Collection, package: Path) -> str:
    import_apkg(col, package)
    (note,) = notes(col).values()
    return note.fields["Answer"]


# --- Nothing lost -------------------------------------------------------------------------------


def test_safety__a_failure_mid_write_keeps_the_previous_deck(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _write_doc(tmp_path, "First answer.")
    out = tmp_path / "out" / "doc.apkg"
    assert _build(str(source), "-o", str(out)).exit_code == 0
    previous = out.read_bytes()
    state = source.with_name("doc.deckgen.json")
    previous_state = state.read_bytes()

    source.write_text(DOC.format(answer="Second answer."), encoding="utf-8")
    real_writestr = zipfile.ZipFile.writestr
    calls: list[str] = []

    def disk_fills_up(self: zipfile.ZipFile, info: Any, data: Any, *args: Any, **kw: Any) -> None:
        # The collection goes in whole; the disk fills up on the next entry.
        calls.append(str(getattr(info, "filename", info)))
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_writestr(self, info, data, *args, **kw)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", disk_fills_up)
    result = _build(str(source), "-o", str(out))
    assert result.exit_code == 1
    assert result.output == f"{out}: error: cannot write: No space left on device\n"
    assert calls == ["collection.anki2", "media"]
    assert out.read_bytes() == previous
    assert state.read_bytes() == previous_state
    # The package and the cache the first build left; no temp file anywhere.
    assert sorted(p.name for p in out.parent.iterdir()) == [".cache", "doc.apkg"]
    assert [p.name for p in (out.parent / ".cache").iterdir()] == ["doc.cache"]


def test_safety__a_failed_state_write_keeps_the_previous_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _write_doc(tmp_path, "First answer.")
    out = tmp_path / "doc.apkg"
    assert _build(str(source), "-o", str(out)).exit_code == 0
    state = source.with_name("doc.deckgen.json")
    previous_state = state.read_bytes()

    source.write_text(DOC.format(answer="Second answer."), encoding="utf-8")
    real_fsync = os.fsync
    synced: list[int] = []

    def second_sync_fails(fd: int) -> None:
        # The package is synced first and lands; the state file's sync fails.
        synced.append(fd)
        if len(synced) > 1:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", second_sync_fails)
    result = _build(str(source), "-o", str(out))
    assert result.exit_code == 1
    assert result.output.endswith(f"{state}: error: cannot write: Input/output error\n")
    assert state.read_bytes() == previous_state
    # Beside them only the cache of the first build: no temp file left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".cache",
        "doc.apkg",
        "doc.deckgen.json",
        "doc.md",
    ]


def test_safety__atomic_write_failure_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "doc.deckgen.json"
    write_bytes_atomic(state, b'{"version": 1}')

    def sync_fails(fd: int) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "fsync", sync_fails)
    with pytest.raises(Exception, match="cannot write: Input/output error"):
        write_bytes_atomic(state, b'{"version": 2}')
    assert state.read_bytes() == b'{"version": 1}'
    assert [p.name for p in tmp_path.iterdir()] == ["doc.deckgen.json"]


def _honouring_permissions() -> list[str]:
    """A command prefix under which a folder's permission bits hold. Root (as CI runs the
    tests) writes anywhere through the capabilities that override them, so those are taken
    out of what the command can ever hold; anyone else is held to the bits already."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is needed to take root's power to override permissions"
    return [setpriv, "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search,-fowner"]


def test_safety__read_only_output_folder_is_a_clear_error(tmp_path: Path) -> None:
    source = _write_doc(tmp_path, "A.")
    out = tmp_path / "locked" / "doc.apkg"
    out.parent.mkdir()
    out.parent.chmod(0o555)
    try:
        command = [sys.executable, "-m", "deckgen", "build", str(source), "-o", str(out)]
        result = subprocess.run(
            [*_honouring_permissions(), *command], capture_output=True, text=True, check=False
        )
    finally:
        out.parent.chmod(0o755)
    assert (result.returncode, result.stdout) == (1, ""), result.stderr
    assert result.stderr == f"{out}: error: cannot write: Permission denied\n"
    assert list(out.parent.iterdir()) == []
    assert not source.with_name("doc.deckgen.json").exists()


def test_safety__output_path_that_is_a_directory_is_a_clear_error(tmp_path: Path) -> None:
    source = _write_doc(tmp_path, "A.")
    out = tmp_path / "deck.apkg"
    out.mkdir()
    result = _build(str(source), "-o", str(out))
    assert result.exit_code == 1
    assert result.output == (
        f"deckgen: error: refusing to overwrite {out}: it is a directory, not an .apkg file\n"
    )


def test_safety__output_under_a_file_is_a_clear_error(tmp_path: Path) -> None:
    source = _write_doc(tmp_path, "A.")
    (tmp_path / "plain").write_text("not a folder", encoding="utf-8")
    out = tmp_path / "plain" / "deck.apkg"
    result = _build(str(source), "-o", str(out))
    assert result.exit_code == 1
    assert result.output == f"{out}: error: cannot write: {out.parent} is a file, not a folder\n"


# --- Nothing unsafe: HTML -----------------------------------------------------------------------

HOSTILE = (
    "<script>alert(1)</script>\n\n"
    'Text <img src="x.png" onerror="alert(2)"> and [link](javascript:alert(3)).\n\n'
    '<iframe src="https://example.com"></iframe>\n\n'
    '<object data="x.swf"></object>\n\n'
    '<a href="javascript:alert(4)" onclick="alert(5)">click</a> <b>bold</b> <kbd>Ctrl</kbd>\n\n'
    '<p style="position:fixed;inset:0;background:url(https://example.com/t.png)">cover</p>\n\n'
    '<form action="https://example.com/steal"><input name="pw" type="password"></form>\n\n'
    "<svg onload=alert(6)><circle r=5 /></svg> <style>body{display:none}</style>\n\n"
    "| a | b |\n|:--|--:|\n| 1 | 2 |\n\n"
    "```python\nx = 1\n```"
)

# What a card may carry, written out here rather than read from deckgen, so that widening
# deckgen's allow-list fails a test: GitHub's sanitizer's elements and attributes, and what
# deckgen's own renderer writes (classes, a table cell's alignment).
SAFE_TAGS = frozenset(
    (
        *("h1", "h2", "h3", "h4", "h5", "h6", "p", "div", "span", "br", "hr", "wbr", "b", "i"),
        *("strong", "em", "s", "strike", "ins", "del", "mark", "small", "sup", "sub", "kbd"),
        *("code", "pre", "samp", "var", "tt", "q", "cite", "dfn", "abbr", "time", "bdo", "ruby"),
        *("rt", "rp", "blockquote", "details", "summary", "ul", "ol", "li", "dl", "dt", "dd"),
        *("a", "img", "picture", "source", "table", "caption", "thead", "tbody", "tfoot", "tr"),
        *("th", "td", "figure", "figcaption"),
    )
)
SAFE_ATTRIBUTES = {
    "*": {"align", "valign", "title", "lang", "dir", "class"},
    "a": {"href", "rel"},
    "img": {"src", "alt", "width", "height"},
    "source": {"srcset", "media", "type", "width", "height"},
    "details": {"open"},
    "ol": {"start", "type", "reversed"},
    "ul": {"type"},
    "li": {"value"},
    "td": {"colspan", "rowspan", "abbr", "scope", "style"},
    "th": {"colspan", "rowspan", "abbr", "scope", "style"},
    "table": {"width"},
    "time": {"datetime"},
}
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")
_DATA_PICTURE = re.compile(r"data:image/(gif|png|jpeg|webp);")


def unsafe(html: str) -> list[str]:
    """Whatever in `html` could run code, load a page, restyle the card or hide content, read
    by the standard library's tokeniser (as a browser reads tags): an element or attribute off
    the allow-list, an event handler, a style, a URL of another scheme, a comment."""
    from html.parser import HTMLParser

    found: list[str] = []

    class Audit(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag not in SAFE_TAGS:
                found.append(f"<{tag}>")
            found.extend(p for name, value in attrs if (p := _attribute(tag, name, value or "")))

        def handle_comment(self, data: str) -> None:
            found.append("<!--")

        def handle_decl(self, decl: str) -> None:
            found.append(f"<!{decl}>")

        def handle_pi(self, data: str) -> None:
            found.append(f"<?{data}>")

        def unknown_decl(self, data: str) -> None:
            found.append(f"<![{data}]>")

    parser = Audit(convert_charrefs=True)
    parser.feed(html)
    parser.close()
    return found


def _attribute(tag: str, name: str, value: str) -> str | None:
    allowed = SAFE_ATTRIBUTES["*"] | SAFE_ATTRIBUTES.get(tag, set())
    if name not in allowed or name.startswith("on"):
        return f"{name}= on <{tag}>"
    if name == "style" and not re.fullmatch(r"text-align:(left|center|right)", value):
        return f"style={value!r}"
    if name not in ("href", "src", "srcset"):
        return None
    # Browsers drop whitespace and control characters inside a scheme.
    url = _INVISIBLE.sub("", value).lower()
    scheme = _SCHEME.match(url)
    if scheme is None or scheme[1] in ("http", "https", "mailto"):
        return None
    if tag == "img" and name == "src" and _DATA_PICTURE.match(url):
        return None
    return f"{name}={value!r}"


# Raw HTML that tries to run code, load a page, restyle the card or slip past a sanitizer.
VECTORS = {
    "script": "<script>alert(1)</script>",
    "script-src": "<SCRIPT SRC=//example.com/x.js></SCRIPT>",
    "onerror": '<img src="x.png" onerror="alert(1)">',
    "onerror-upper": "<IMG SRC=x ONERROR=alert(1)>",
    "onclick": '<a href="https://example.com" onclick="alert(1)">x</a>',
    "details-ontoggle": "<details open ontoggle=alert(1)><summary>s</summary>x</details>",
    "style-attribute": '<p style="position:fixed;inset:0;background:url(https://e.com/x)">c</p>',
    "style-element": "<style>body { display: none }</style>",
    "style-url": '<div style="background-image:url(javascript:alert(1))">x</div>',
    "iframe": '<iframe src="https://example.com" width="999"></iframe>',
    "iframe-srcdoc": '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    "form": '<form action="https://e.com/s"><input name="p" type="password"><button>Go</button></form>',
    "input-autofocus": "<input autofocus onfocus=alert(1)>",
    "object": '<object data="x.swf"></object>',
    "embed": '<embed src="x.swf">',
    "javascript-href": '<a href="javascript:alert(1)">x</a>',
    "javascript-case": '<a href="JaVaScRiPt:alert(1)">x</a>',
    "javascript-entity": '<a href="&#106;avascript:alert(1)">x</a>',
    "javascript-tab": '<a href="java&#x09;script:alert(1)">x</a>',
    "javascript-space": '<a href=" javascript:alert(1)">x</a>',
    "vbscript": '<a href="vbscript:msgbox(1)">x</a>',
    "data-href": '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "data-svg-image": '<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=">',
    "srcset-javascript": '<picture><source srcset="javascript:alert(1)"><img src="a.png"></picture>',
    "svg-onload": "<svg onload=alert(1)><circle r=5 /></svg>",
    "svg-link": '<svg><a xlink:href="javascript:alert(1)"><text y="9">x</text></a></svg>',
    "svg-script": "<svg><script>alert(1)</script></svg>",
    "math-mglyph": "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "math-href": '<math href="javascript:alert(1)"><mi>x</mi></math>',
    "meta-refresh": '<meta http-equiv="refresh" content="0;url=https://example.com">',
    "base": '<base href="https://example.com/">',
    "link-stylesheet": '<link rel="stylesheet" href="https://example.com/x.css">',
    "video": "<video src=x onerror=alert(1)></video><audio src=x onerror=alert(1)></audio>",
    "template": "<template><img src=x onerror=alert(1)></template>",
    "noscript": '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "split-script": "<<script>script>alert(1)<</script>/script>",
    "nested-tag": "<b <script>alert(1)</script>>x</b>",
    "quote-break": '<img src="x" alt="a\\" onerror=alert(1)">',
    "comment": "<!--<script>alert(1)//--> <b>after</b>",
    "conditional-comment": "<!--[if IE]><script>alert(1)</script><![endif]-->",
    "cdata": "<![CDATA[<script>alert(1)</script>]]>",
    "unclosed": "<div><span onclick=alert(1)>never closed",
    "closer-first": "</p></div><script>alert(1)</script><p>",
    "id-clobber": '<a id="answer" name="dg-question" href="#">x</a>',
    "target-blank": '<a href="https://example.com" target="_blank">x</a>',
}


def test_safety__the_audit_finds_every_vector_as_written() -> None:
    """The check below could not fail if `unsafe` saw nothing: it sees each vector raw (the
    ones made of text a browser never runs are the sanitizer's business, not the audit's)."""
    harmless_as_text = {"split-script", "quote-break", "nested-tag"}
    for name, vector in VECTORS.items():
        assert unsafe(vector) or name in harmless_as_text, name


@pytest.mark.parametrize("vector", VECTORS.values(), ids=VECTORS.keys())
def test_safety__no_vector_reaches_a_card_by_default(vector: str, tmp_path: Path) -> None:
    """The default build keeps raw HTML: in the answer, the question and the part heading,
    whatever the vector tries, the fields carry nothing the audit objects to."""
    one_line = " ".join(vector.split("\n"))
    text = (
        f"## Part 1: A {one_line}\n\n### Q1 {one_line}\n\n{vector}\n\n"
        f"Inline {one_line} text.\n\n### Q2\n\n- item {one_line}\n\n> {one_line}\n"
    )
    for note in deck_of(text, tmp_path / "doc.md").notes:
        for field in (note.question, note.answer, note.part):
            assert unsafe(field) == [], field


@pytest.mark.parametrize("vector", VECTORS.values(), ids=VECTORS.keys())
def test_safety__no_html_shows_every_vector_as_text(vector: str, tmp_path: Path) -> None:
    text = DOC.format(answer=f"The answer.\n\n{vector}")
    (note,) = deck_of(text, tmp_path / "doc.md", BuildOptions(html=False)).notes
    tags = re.findall(r"<(/?[a-z0-9]+)", note.answer)
    assert set(tags) <= {"p", "/p"}, note.answer


@pytest.mark.anki
def test_safety__raw_html_is_kept_and_cleaned_by_default(
    collection: Collection, tmp_path: Path
) -> None:
    source = _write_doc(tmp_path, HOSTILE)
    (tmp_path / "x.png").write_bytes(b"an image")
    out = tmp_path / "doc.apkg"
    result = _build(str(source), "-o", str(out))
    assert result.exit_code == 0, result.output
    answer = _answer(collection, out)
    assert unsafe(answer) == []
    for dangerous in ("alert(1)", "alert(6)", "onerror", "onclick", "position:fixed", "cover"):
        assert dangerous not in answer.replace("<p>cover</p>", "")
    assert "javascript:" not in answer.replace("[link](javascript:alert(3))", "")
    # Harmless markup, and what deckgen itself emits, survives.
    packed = f"dg-{hashlib.sha256(b'an image').hexdigest()[:16]}.png"
    assert f'<img src="{packed}">' in answer
    assert "<b>bold</b> <kbd>Ctrl</kbd>" in answer and "<p>cover</p>" in answer
    assert '<th style="text-align:left">a</th>' in answer
    assert '<pre class="highlight"><code class="language-python"><span class="n">x</span>' in answer
    assert f"{source}:5: warning: raw HTML `<script>` is removed, with what it holds" in (
        result.stderr
    )


def test_safety__allow_html_is_the_default_under_its_old_name(tmp_path: Path) -> None:
    source = _write_doc(tmp_path, HOSTILE)
    outs = [tmp_path / "default.apkg", tmp_path / "allow.apkg", tmp_path / "html.apkg"]
    for out, flags in zip(outs, ([], ["--allow-html"], ["--html"]), strict=True):
        assert _build(str(source), "-o", str(out), *flags).exit_code == 0
    assert outs[0].read_bytes() == outs[1].read_bytes() == outs[2].read_bytes()


@pytest.mark.anki
def test_safety__no_html_shows_raw_html_as_text(collection: Collection, tmp_path: Path) -> None:
    source = _write_doc(tmp_path, HOSTILE)
    out = tmp_path / "doc.apkg"
    assert _build(str(source), "-o", str(out), "--no-html").exit_code == 0
    answer = _answer(collection, out)
    assert "<script" not in answer and "<iframe" not in answer and "<object" not in answer
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in answer
    assert "Text &lt;img src=&quot;x.png&quot; onerror=&quot;alert(2)&quot;&gt;" in answer
    assert "[link](javascript:alert(3))" in answer  # not a link at all
    assert not re.search(r"<[^>]+\son\w+=", answer)


@pytest.mark.parametrize(
    ("where", "text"),
    [
        ("config", "html = false\n"),
        ("front-matter", None),
    ],
)
def test_safety__html_false_in_the_config_or_front_matter_shows_it_as_text(
    tmp_path: Path, where: str, text: str | None
) -> None:
    answer = "Line<br>break <b>bold</b>."
    if where == "config":
        (tmp_path / "deckgen.toml").write_text(text or "", encoding="utf-8")
        source = _write_doc(tmp_path, answer)
    else:
        source = tmp_path / "doc.md"
        source.write_text("---\ndeckgen:\n  html: false\n---\n" + DOC.format(answer=answer))
    out = tmp_path / "doc.apkg"
    for flags, shown in (
        ([], "Line&lt;br&gt;break &lt;b&gt;bold&lt;/b&gt;."),
        (["--html"], "Line<br>break <b>bold</b>."),  # the command line wins
    ):
        assert _build(str(source), "-o", str(out), *flags).exit_code == 0
        with zipfile.ZipFile(out) as zf:
            assert shown.encode() in zf.read("collection.anki2")


# --- Nothing unsafe: images ---------------------------------------------------------------------


@pytest.fixture
def image_tree(tmp_path: Path) -> Path:
    """A source folder with images inside, beside and outside it, and one symlink out; no
    project, no repository."""
    source_dir = tmp_path / "notes"
    (source_dir / "img").mkdir(parents=True)
    (source_dir / "sub").mkdir()
    (source_dir / "img" / "a.png").write_bytes(b"first image")
    (source_dir / "sub" / "a.png").write_bytes(b"second image, same file name")
    (source_dir / "img" / "copy of a.png").write_bytes(b"first image")
    (tmp_path / "secret.png").write_bytes(b"outside the tree")
    (source_dir / "img" / "link.png").symlink_to(tmp_path / "secret.png")
    answer = (
        "![a](img/a.png) ![same name](sub/a.png) ![same bytes](img/copy%20of%20a.png)\n"
        "![again](img/a.png)\n"
        "![up](../secret.png) ![abs](/etc/hostname) ![link](img/link.png)\n"
        "![remote](https://example.com/remote.png)"
    )
    return _write_doc(source_dir, answer)


OUTSIDE = "is outside the source's folder, project and repository; it is not packed"


def test_safety__check_names_every_image_that_cannot_be_packed(image_tree: Path) -> None:
    result = CliRunner().invoke(cli, ["check", str(image_tree)])
    assert result.exit_code == 0
    assert result.output == (
        f"{image_tree}:7: warning: image ../secret.png {OUTSIDE}\n"
        f"{image_tree}:7: warning: image path /etc/hostname is absolute and the source is in "
        "no repository or project; use a path relative to the source's folder (it is not "
        "packed)\n"
        f"{image_tree}:7: warning: image img/link.png {OUTSIDE}\n"
        f"{image_tree}:8: info: remote image https://example.com/remote.png is not packed\n"
        "1 file checked: 0 errors, 3 warnings, 1 note\n"
    )
    assert CliRunner().invoke(cli, ["check", "--strict", str(image_tree)]).exit_code == 1


@pytest.mark.anki
def test_safety__only_images_inside_the_tree_are_packed(
    image_tree: Path, collection: Collection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*args: Any) -> None:
        raise AssertionError("the build tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    out, again = tmp_path / "one.apkg", tmp_path / "two.apkg"
    assert _build(str(image_tree), "-o", str(out)).exit_code == 0
    assert _build(str(image_tree), "-o", str(again)).exit_code == 0
    assert out.read_bytes() == again.read_bytes()  # stable names, stable package

    with zipfile.ZipFile(out) as zf:
        media = json.loads(zf.read("media"))
        packed = {name: zf.read(entry) for entry, name in media.items()}
    assert sorted(packed.values()) == [b"first image", b"second image, same file name"]
    assert all(re.fullmatch(r"dg-[0-9a-f]{16}\.png", name) for name in packed)
    by_bytes = {data: name for name, data in packed.items()}
    first, second = by_bytes[b"first image"], by_bytes[b"second image, same file name"]

    answer = _answer(collection, out)
    assert answer.count(f'<img src="{first}"') == 3
    assert answer.count(f'<img src="{second}"') == 1
    for alt, unpacked in (
        ("up", "../secret.png"),
        ("abs", "/etc/hostname"),
        ("link", "img/link.png"),
    ):
        assert f'<img src="{unpacked}"' not in answer
        assert f"{alt} <small>(image not packed: {unpacked})</small>" in answer
    assert '<img src="https://example.com/remote.png" alt="remote" />' in answer
    media_dir = Path(collection.media.dir())
    assert sorted(p.name for p in media_dir.iterdir()) == sorted([first, second])
    assert (media_dir / first).read_bytes() == b"first image"


def _repository(tmp_path: Path) -> tuple[Path, Path]:
    """A home folder with a private key and a picture, and inside it a repository whose
    document sits two folders down, with the repository's own images, a `.env` and a link out;
    the document and the home folder."""
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_bytes(b"-----BEGIN PRIVATE KEY----- secret")
    (home / "holiday.png").write_bytes(b"a picture outside the repository")
    repo = home / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".git" / "config").write_bytes(b"url = https://user:token@example.com/r.git")
    (repo / "images").mkdir()
    (repo / "images" / "diagram.png").write_bytes(b"the repository's diagram")
    (repo / ".env").write_bytes(b"TOKEN=secret")
    (repo / "images" / "key.png").symlink_to(home / ".ssh" / "id_rsa")
    (repo / "images" / "holiday.png").symlink_to(home / "holiday.png")
    answer = (
        "![sibling](../../images/diagram.png) ![root](/images/diagram.png)\n"
        "![key](../../../.ssh/id_rsa) ![picture](../../../holiday.png)\n"
        "![linked key](../../images/key.png) ![linked picture](../../images/holiday.png)\n"
        "![git](../../.git/config) ![env](../../.env) ![escape](/../.ssh/id_rsa)\n"
        '<img src="../../../.ssh/id_rsa" alt="raw"> ![encoded](..%2F..%2F..%2F.ssh%2Fid_rsa)'
    )
    return _write_doc(repo / "docs" / "notes", answer), home


def test_safety__images_anywhere_in_the_repository_are_packed_nothing_outside(
    tmp_path: Path,
) -> None:
    """`../images/x.png` and `/images/x.png` as GitHub resolves them, inside the repository;
    never the key or picture outside it, however the path or a link gets there, nor the
    repository's `.git` or a file that is no picture."""
    source, home = _repository(tmp_path)
    out = tmp_path / "deck.apkg"
    result = _build(str(source), "-o", str(out))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as zf:
        media = json.loads(zf.read("media"))
        packed = [zf.read(entry) for entry in media]
        everything = b"".join(zf.read(name) for name in zf.namelist())
    assert packed == [b"the repository's diagram"]
    for secret in (b"PRIVATE KEY", b"outside the repository", b"token@", b"TOKEN="):
        assert secret not in everything
    warnings = [line for line in result.stderr.splitlines() if ": warning: " in line]
    assert len(warnings) == 9, result.stderr
    for path in ("../../../.ssh/id_rsa", "../../../holiday.png", "../../images/key.png"):
        assert f"{source}:6: warning: image {path} {OUTSIDE}" in result.stderr or (
            f"{source}:7: warning: image {path} {OUTSIDE}" in result.stderr
        )
    assert "image ../../.git/config is inside a .git folder; it is not packed" in result.stderr
    assert "image ../../.env is not a picture file" in result.stderr
    assert f"image /../.ssh/id_rsa {OUTSIDE}" in result.stderr
    assert (home / ".ssh" / "id_rsa").read_bytes().startswith(b"-----BEGIN")


def test_safety__images_in_the_project_folder_are_packed(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "assets").mkdir(parents=True)
    (project / "assets" / "chart.png").write_bytes(b"the project's chart")
    (project / "deckgen.toml").write_text('deck = "Notes"\n', encoding="utf-8")
    (tmp_path / "beside.png").write_bytes(b"beside the project")
    source = _write_doc(project / "notes", "![chart](../assets/chart.png) ![b](../../beside.png)")
    out = tmp_path / "deck.apkg"
    result = _build(str(source), "-o", str(out))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as zf:
        assert [zf.read(entry) for entry in json.loads(zf.read("media"))] == [
            b"the project's chart"
        ]
    assert result.stderr == f"{source}:5: warning: image ../../beside.png {OUTSIDE}\n"


RAW_IMAGES = (
    'Inline <img src="img/a.png" width="120" alt="a"> and ![md](img/a.png).\n\n'
    '<p>\n<img src="img/b c.png">\n<img src="img/missing.png" alt="gone">\n</p>\n\n'
    '<img src="../secret.png"> <img src="https://example.com/x.png">'
)


@pytest.mark.anki
def test_safety__raw_html_images_are_packed_and_checked_like_markdown_ones(
    tmp_path: Path, collection: Collection
) -> None:
    source_dir = tmp_path / "notes"
    (source_dir / "img").mkdir(parents=True)
    (source_dir / "img" / "a.png").write_bytes(b"first image")
    (source_dir / "img" / "b c.png").write_bytes(b"second image")
    (tmp_path / "secret.png").write_bytes(b"outside the tree")
    source = _write_doc(source_dir, RAW_IMAGES)
    checked = CliRunner().invoke(cli, ["check", str(source)])
    assert checked.exit_code == 0
    assert (
        f"{source}:9: warning: image img/missing.png not found; the card shows its alt text\n"
        in checked.output
    )
    assert f"{source}:12: warning: image ../secret.png {OUTSIDE}" in checked.output
    assert f"{source}:12: info: remote image https://example.com/x.png is not packed" in (
        checked.output
    )

    out = tmp_path / "deck.apkg"
    assert _build(str(source), "-o", str(out)).exit_code == 0
    first = f"dg-{hashlib.sha256(b'first image').hexdigest()[:16]}.png"
    second = f"dg-{hashlib.sha256(b'second image').hexdigest()[:16]}.png"
    answer = _answer(collection, out)
    assert f'<img src="{first}" width="120" alt="a">' in answer
    assert f'<img src="{first}" alt="md">' in answer
    assert f'<img src="{second}">' in answer
    assert '<img src="https://example.com/x.png">' in answer
    assert "gone <small>(image not found: img/missing.png)</small>" in answer
    assert "<small>(image not packed: ../secret.png)</small>" in answer
    assert "img/missing.png" not in answer.replace("image not found: img/missing.png", "")
    assert '"../secret.png"' not in answer
    media_dir = Path(collection.media.dir())
    assert sorted(p.name for p in media_dir.iterdir()) == sorted([first, second])
    # The library's build without a state file renders the cards another way: the same package.
    again = tmp_path / "again.apkg"
    build(source, again, BuildOptions(), clock=lambda: 0)
    with zipfile.ZipFile(again) as zf:
        assert sorted(json.loads(zf.read("media")).values()) == sorted([first, second])
        collection_db = zf.read("collection.anki2")
    assert f'<img src="{second}">'.encode() in collection_db


def test_safety__media_names_come_from_content(image_tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "deck.apkg"
    assert _build(str(image_tree), "-o", str(out)).exit_code == 0
    with zipfile.ZipFile(out) as zf:
        names = set(json.loads(zf.read("media")).values())
    digest = hashlib.sha256(b"first image").hexdigest()
    assert f"dg-{digest[:16]}.png" in names


# --- Never over what the user owns (issue 15) ---------------------------------------------------

REFUSE = "deckgen: error: refusing to overwrite {out}: "
NOT_OWN_KIND = "it exists and is not an {kind} file (deckgen replaces only its own kind)\n"


def _refused(source: Path, out: Path, why: str, command: str = "build") -> None:
    """`command SOURCE -o OUT` stops with `refusing to overwrite OUT: WHY`, exit status 1."""
    result = CliRunner().invoke(cli, [command, str(source), "-o", str(out)])
    assert result.exit_code == 1
    assert result.output == REFUSE.format(out=out) + why + "\n"


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` with its bytes: what "nothing written" is compared with."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("doc.md", "it is an input of this build ({out})\n"),
        ("doc.deckgen.json", "it is an input of this build ({out})\n"),
        ("deckgen.toml", "it is an input of this build ({out})\n"),
        ("notes.txt", NOT_OWN_KIND.format(kind=".apkg")),
    ],
)
def test_safety__build_never_writes_over_an_input_or_a_file_of_another_kind(
    tmp_path: Path, target: str, why: str
) -> None:
    source = _write_doc(tmp_path, "A.")
    (tmp_path / "deckgen.toml").write_text("subdecks = false\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("my notes\n", encoding="utf-8")
    assert _build(str(source), "-o", str(tmp_path / "first.apkg")).exit_code == 0
    before = _snapshot(tmp_path)
    out = tmp_path / target
    result = _build(str(source), "-o", str(out))
    assert result.exit_code == 1
    assert result.output == REFUSE.format(out=out) + why.format(out=out)
    assert _snapshot(tmp_path) == before


def test_safety__an_input_named_like_a_package_is_still_an_input(tmp_path: Path) -> None:
    # Right kind by name, but it is the source: the identity check, not the suffix, refuses it.
    source = _write_doc(tmp_path, "A.", name="doc.apkg")
    _refused(source, tmp_path / "." / "doc.apkg", f"it is an input of this build ({source})")
    assert source.read_text(encoding="utf-8") == DOC.format(answer="A.")


def test_safety__a_link_to_the_source_is_the_source(tmp_path: Path) -> None:
    source = _write_doc(tmp_path, "A.")
    link = tmp_path / "link.apkg"
    link.symlink_to(source)
    _refused(source, link, f"it is an input of this build ({source})")
    assert link.is_symlink() and source.read_text(encoding="utf-8") == DOC.format(answer="A.")


def test_safety__preview_never_writes_over_the_source(tmp_path: Path) -> None:
    source = _write_doc(tmp_path, "A.")
    _refused(source, source, f"it is an input of this build ({source})", "preview")
    assert source.read_text(encoding="utf-8") == DOC.format(answer="A.")
    elsewhere = tmp_path / "deck.apkg"
    elsewhere.write_bytes(b"a package")
    _refused(source, elsewhere, NOT_OWN_KIND.format(kind=".html").rstrip("\n"), "preview")
    assert elsewhere.read_bytes() == b"a package"


def test_safety__an_existing_package_is_replaced(tmp_path: Path) -> None:
    source = _write_doc(tmp_path, "A.")
    out = tmp_path / "Deck.APKG"  # its own kind, whatever the case of the suffix
    out.write_bytes(b"an older package")
    result = _build(str(source), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert zipfile.is_zipfile(out)


def test_safety__never_over_a_fifo_or_a_socket(tmp_path: Path) -> None:
    source = _write_doc(tmp_path, "A.")
    fifo = tmp_path / "pipe.apkg"
    os.mkfifo(fifo)
    _refused(source, fifo, "it is a FIFO, not an .apkg file")
    assert fifo.is_fifo()
    sock_path = tmp_path / "s.apkg"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(sock_path))
        _refused(source, sock_path, "it is a socket, not an .apkg file")
    assert sock_path.is_socket()


def test_safety__never_over_a_device() -> None:
    # The rule itself, on the real /dev/null: a build here would, as root, replace the device.
    from deckgen.errors import DeckgenError
    from deckgen.outputs import check_output

    with pytest.raises(DeckgenError) as refused:
        check_output(Path("/dev/null"), ".apkg")
    assert (
        str(refused.value) == "refusing to overwrite /dev/null: it is a device, not an .apkg file"
    )
    with pytest.raises(DeckgenError, match=r"it is a device, not an \.html file"):
        check_output(Path("/dev/null"), ".html")


def test_safety__a_project_never_writes_over_its_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    member = _write_doc(tmp_path / "notes", "A.", name="a.md")
    config = tmp_path / "deckgen.toml"
    config.write_text('deck = "Notes"\ninclude = ["notes/*.md"]\n', encoding="utf-8")
    state = tmp_path / "deckgen-state.jsonl"
    assert _build().exit_code == 0
    before = _snapshot(tmp_path)
    for out, why in (
        (member, "it is an input of this build (notes/a.md)\n"),
        (config, "it is an input of this build (deckgen.toml)\n"),
        (state, "it is an input of this build (deckgen-state.jsonl)\n"),
    ):
        result = _build("-o", str(out))
        assert result.exit_code == 1
        assert result.output == REFUSE.format(out=out) + why
    assert _snapshot(tmp_path) == before


# Names Anki imports as a whole collection, replacing the user's: refused when given with -o,
# renamed `deck-<name>` when deckgen made the name from a file or deck name.
COLLECTION_NAMES = [
    "collection.apkg",
    "Collection.apkg",
    "BACKUP-2024.apkg",
    "x.colpkg",
    "x.COLPKG",
]
BACKUP = (
    "Anki imports a file of this name as a whole-collection backup that replaces your "
    "collection; choose another name\n"
)


@pytest.mark.parametrize("name", COLLECTION_NAMES)
def test_safety__an_explicit_collection_name_is_refused(tmp_path: Path, name: str) -> None:
    source = _write_doc(tmp_path, "A.")
    _refused(source, tmp_path / name, BACKUP.rstrip("\n"))
    assert not (tmp_path / name).exists()


@pytest.mark.parametrize("stem", ["collection", "Collection", "COLLECTION", "backup-2024"])
def test_safety__a_default_collection_name_is_renamed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stem: str
) -> None:
    monkeypatch.chdir(tmp_path)
    source = _write_doc(tmp_path, "A.", name=f"{stem}.md")
    result = _build(str(source))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "build").glob("*.apkg")) == [f"deck-{stem}.apkg"]


def test_safety__a_merged_or_project_deck_named_collection_is_renamed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    one, two = _write_doc(tmp_path, "A.", "one.md"), _write_doc(tmp_path, "B.", "two.md")
    assert _build(str(one), str(two), "--merge", "--deck", "Collection").exit_code == 0
    (tmp_path / "deckgen.toml").write_text(
        'deck = "Backup 2024"\ninclude = ["*.md"]\n', encoding="utf-8"
    )
    assert _build().exit_code == 0
    names = sorted(p.name for p in (tmp_path / "build").glob("*.apkg"))
    assert names == ["deck-backup-2024.apkg", "deck-collection.apkg"]


# --- Cache, temp files, two builds at once (issue 15) ------------------------------------------


def test_safety__a_cache_that_cannot_be_written_warns_and_the_build_succeeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import deckgen.cache.store

    source = _write_doc(tmp_path, "A.")
    out = tmp_path / "doc.apkg"

    def disk_full(path: Path, **kwargs: Any) -> Any:
        # Only the cache's write fails: the package and state went to disk before it.
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(deckgen.cache.store, "atomic_path", disk_full)
    result = _build(str(source), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        f"{out}: warning: build cache not saved (No space left on device); "
        "the next build renders every card again\n1 card in 1 part → "
    )
    assert zipfile.is_zipfile(out) and source.with_name("doc.deckgen.json").is_file()


def test_safety__temp_files_a_killed_build_left_are_cleaned_up(tmp_path: Path) -> None:
    source = _write_doc(tmp_path, "A.")
    out = tmp_path / "build" / "doc.apkg"
    out.parent.mkdir()
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    # What a build killed mid-write leaves: a temp file beside the package and the state file,
    # named with its process ID.
    left = [
        out.parent / f".doc.apkg.{ended.pid}.abcd_123.tmp",
        tmp_path / f".doc.deckgen.json.{ended.pid}.x1y2z3w4.tmp",
    ]
    running = out.parent / f".doc.apkg.{os.getpid()}.runs1234.tmp"  # a live build's: kept
    others = [out.parent / ".doc.apkg.notes.tmp", tmp_path / "mine.tmp"]  # not ours: kept
    for path in [*left, running, *others]:
        path.write_bytes(b"half a file")
    assert _build(str(source), "-o", str(out)).exit_code == 0
    assert [path for path in left if path.exists()] == []
    assert running.exists() and all(path.exists() for path in others)


def test_safety__a_second_build_of_the_same_deck_waits_then_names_the_holder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fcntl

    import deckgen.outputs

    source = _write_doc(tmp_path, "A.")
    out = tmp_path / "doc.apkg"
    lock = tmp_path / ".doc.apkg.lock"
    # Another build holds the deck's lock (another open file, as another process would have).
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, b"4242\n")
        monkeypatch.setattr(deckgen.outputs, "LOCK_WAIT", 0.0)
        result = _build(str(source), "-o", str(out))
        assert result.exit_code == 1
        assert result.output == (
            f"deckgen: error: another deckgen (process 4242) is building this deck (lock {lock}); "
            "try again when it has finished\n"
        )
        assert not out.exists()
    finally:
        os.close(fd)
    # Released (as when its holder ends, however it ends): the build goes ahead, and the lock
    # file goes with it.
    assert _build(str(source), "-o", str(out)).exit_code == 0
    assert not lock.exists()


CHILD_OUTLIVES = """
import os, sys, time
from deckgen import forked

real_fork = os.fork


def fork() -> int:
    pid = real_fork()
    if pid:
        print(pid, flush=True)
    return pid


os.fork = fork
forked.usable_cores = lambda: 2  # a second core, so that a child is forked
with forked.started_in_child(lambda: time.sleep(120)):
    time.sleep(120)
"""


def test_safety__a_forked_child_dies_with_its_build(tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", CHILD_OUTLIVES], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    parent.kill()  # as a killed build: no cleanup of its own runs
    parent.wait()
    # The kernel ends the child at once; it may stay a zombie until something reaps it.
    for _ in range(1000):  # up to ~10 s on a loaded machine: a bound, not a measurement
        if _state(child) in ("gone", "Z", "X"):
            break
        time.sleep(0.01)
    assert _state(child) in ("gone", "Z", "X")


def _state(pid: int) -> str:
    """The process's state letter from /proc (R, S, Z, …), or "gone"."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return "gone"
    return stat.rsplit(")", 1)[1].split()[0]
