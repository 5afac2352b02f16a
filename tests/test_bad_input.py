"""Bad input gives a one-line message (exit 1, nothing written) or a correct deck: never a traceback."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from deckgen.cli.commands import cli
from deckgen.source import MAX_SOURCE_BYTES
from tests.anki_support import SeenNote, import_apkg, notes, open_collection

QA = "## Part 1: A\n\n### Q1\n\n"
TOO_DEEP = "lists or quotes nested too deep for the parser; the text from here on is lost\n"
NOT_WRITTEN = "{p}: error: 1 error; nothing written (fix them, or build with --force)\n"


def _deep_list(depth: int) -> str:
    return QA + "".join("  " * i + "- item\n" for i in range(depth))


def _deep_quote(depth: int) -> str:
    return QA + "".join(">" * (i + 1) + " quote\n" for i in range(depth))


# name, file bytes (or a function making the path), expected output with {p} for the path.
REFUSED: list[tuple[str, bytes | None, str]] = [
    ("missing", None, "{p}: error: no such file\n"),
    ("empty", b"", "{p}: error: no cards: no part headings (`## \u2026`) found\n"),
    (
        "headings-only",
        b"# Title\n## Part 1: A\n### Q1\n### Q2\n",
        "{p}: error: no cards: no question has an answer\n",
    ),
    (
        "no-headings",
        b"Some notes.\n\nNo headings at all.\n",
        (
            "{p}: error: no cards: no part headings (`## \u2026`) found; it holds no headings, "
            "bold paragraphs or list items to read as questions\n"
        ),
    ),
    (
        "latin-1",
        b"## Part 1: A\n\n### Q\n\ncaf\xe9\n",
        "{p}:5: error: byte 0xe9 at column 4 is not valid UTF-8\n",
    ),
    (
        "binary",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "{p}:3: error: binary data (NUL byte); expected a UTF-8 Markdown file\n",
    ),
    (
        "control-character",
        b"## Part 1: A\n\n### Q\n\nfield\x1fseparator\n",
        "{p}:5: error: control character U+001F at column 6; expected plain text\n",
    ),
    (
        "deep-list",
        _deep_list(1000).encode(),
        "{p}:14: error: " + TOO_DEEP + NOT_WRITTEN,
    ),
    (
        "deep-quote",
        _deep_quote(1000).encode(),
        "{p}:24: error: " + TOO_DEEP + NOT_WRITTEN,
    ),
    (
        "unclosed-fence",
        (QA + "```python\nx = 1\n\n### Q2\n\nA2.\n").encode(),
        "{p}:5: error: code fence never closed; it swallows 5 lines, including 1 heading "
        + "from `### Q2`\n"
        + NOT_WRITTEN,
    ),
]


@pytest.mark.parametrize(("name", "data", "expected"), REFUSED, ids=[r[0] for r in REFUSED])
def test_bad_input__refused_with_a_clear_message(
    name: str, data: bytes | None, expected: str, tmp_path: Path
) -> None:
    source = tmp_path / f"{name}.md"
    if data is not None:
        source.write_bytes(data)
    out = tmp_path / "out.apkg"
    result = CliRunner().invoke(cli, ["build", str(source), "-o", str(out)])
    assert result.exit_code == 1
    assert result.output == expected.format(p=source)
    assert not out.exists()


def test_bad_input__a_folder_without_markdown_is_refused(tmp_path: Path) -> None:
    # A folder is a project of the Markdown files below it; with none, there is nothing to build.
    result = CliRunner().invoke(cli, ["build", str(tmp_path), "-o", str(tmp_path / "x.apkg")])
    assert result.exit_code == 1
    assert result.output == f"{tmp_path}: error: no Markdown file (*.md) in this folder\n"
    assert not (tmp_path / "x.apkg").exists()


def test_bad_input__a_50_mb_document_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    source = tmp_path / "huge.md"
    chunk = (QA + "An answer line that repeats.\n" * 40).encode()
    with source.open("wb") as handle:
        for _ in range(50_000_000 // len(chunk) + 1):
            handle.write(chunk)
    assert source.stat().st_size > 50_000_000
    # A fresh process, so its peak RSS is this build's alone. VmHWM, not ru_maxrss: Linux carries
    # ru_maxrss over from the forking parent (this test run) across exec.
    code = (
        "import re\n"
        "from pathlib import Path\n"
        "from deckgen.cli.commands import main\n"
        "try:\n    main()\n"
        "except SystemExit as exc:\n"
        "    status = Path('/proc/self/status').read_text()\n"
        "    print(re.search(r'VmHWM:\\s+(\\d+) kB', status)[1], exc.code)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, "build", str(source), "-o", str(tmp_path / "huge.apkg")],
        capture_output=True,
        text=True,
        check=False,
    )
    peak_kb, status = proc.stdout.split()
    assert status == "1"
    assert proc.stderr == (
        f"{source}: error: larger than {MAX_SOURCE_BYTES // 1_000_000} MB; "
        "split it into several documents\n"
    )
    # Less than the file itself: it was never read whole (the refusal peaks at ~30 MB).
    assert int(peak_kb) < 50_000_000 // 1024
    assert not (tmp_path / "huge.apkg").exists()


# Documents that must become a correct deck; each test below looks at its own deck.
GOOD: dict[str, tuple[bytes, tuple[str, ...]]] = {
    "bom": ("\ufeff# BOM Deck\n\n## Part 1: A\n\n### First?\n\nYes.\n".encode(), ()),
    "crlf": (b"# CRLF\r\n\r\n## Part 1: A\r\n\r\n### Q1\r\n\r\nline one\r\nline two\r\n", ()),
    "tabs": (
        (QA + "\tcode(1)\n\n- outer\n\t- inner\n\n### Q2\n\nA\ttab.\n").encode(),
        (),
    ),
    "long-line": ((QA + "x" * 10_000 + "\n").encode(), ()),
    "money": (
        (QA + "It costs $5 and $10.\n\nEscaped: \\$x and \\$20.\n\nCode: `$PATH`.\n").encode(),
        (),
    ),
    "unclosed-dollars": ((QA + "$$\nx = 1\n\nAnd $y never closes.\n").encode(), ()),
    "fence-at-eof": ((QA + "Text.\n\n```\ncode to the end\n").encode(), ()),
    "math-heading": (b"## Part 1: A\n\n### Why $\\sqrt{d_k}$ in `softmax`?\n\nVariance.\n", ()),
    "html-heading": ((QA + "A1.\n\n<div>\n### Q2\n</div>\n").encode(), ("--no-html",)),
    "html-heading-kept": ((QA + "A1.\n\n<div>\n### Q2\n</div>\n").encode(), ()),
    "html-heading-allowed": (
        (QA + "A1.\n\n<div>\n### Q2\n</div>\n").encode(),
        ("--allow-html",),
    ),
    "broken-html": (
        (
            QA + "<div><b>never closed <i>nor this\n\n</p></span> stray closers\n\n"
            "<img src=x alt='unterminated\n\n<<script>script>alert(1)<</script>/script>\n\n"
            "### Q2\n\nA2 <b>bold</b>.\n"
        ).encode(),
        (),
    ),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Built]]:
    """Every GOOD document built with the CLI and imported into one real Anki collection."""
    root = tmp_path_factory.mktemp("good")
    col = open_collection(root / "anki")
    results: dict[str, Built] = {}
    for name, (data, flags) in GOOD.items():
        source = root / f"{name}.md"
        source.write_bytes(data)
        out = root / f"{name}.apkg"
        result = CliRunner().invoke(cli, ["build", str(source), "-o", str(out), *flags])
        assert result.exit_code == 0, result.output
        before = set(notes(col))
        import_apkg(col, out)
        seen = notes(col)
        results[name] = Built(source, result.stderr, [seen[g] for g in sorted(set(seen) - before)])
    try:
        yield results.__getitem__
    finally:
        col.close()


class Built:
    """One GOOD document after build and import: its path, the build's stderr, its notes."""

    def __init__(self, source: Path, stderr: str, seen: list[SeenNote]) -> None:
        self.source = source
        self.stderr = stderr
        self.notes = {n.fields["Question"]: n for n in seen}


@pytest.mark.anki
def test_bad_input__utf8_bom_is_dropped(built: Callable[[str], Built]) -> None:
    deck = built("bom")
    assert list(deck.notes) == ["First?"]
    assert deck.notes["First?"].decks == ["BOM Deck"]


@pytest.mark.anki
def test_bad_input__crlf_line_endings_read_like_lf(built: Callable[[str], Built]) -> None:
    deck = built("crlf")
    assert deck.notes["Q1"].fields["Answer"] == "<p>line one\nline two</p>"
    assert deck.stderr == ""


@pytest.mark.anki
def test_bad_input__tabs_indent_code_and_lists(built: Callable[[str], Built]) -> None:
    deck = built("tabs")
    assert deck.notes["Q1"].fields["Answer"] == (
        "<pre><code>code(1)\n</code></pre>\n"
        "<ul>\n<li>outer\n<ul>\n<li>inner</li>\n</ul>\n</li>\n</ul>"
    )
    assert deck.notes["Q2"].fields["Answer"] == "<p>A\ttab.</p>"


@pytest.mark.anki
def test_bad_input__a_10000_character_line_is_kept_whole(built: Callable[[str], Built]) -> None:
    assert built("long-line").notes["Q1"].fields["Answer"] == f"<p>{'x' * 10_000}</p>"


@pytest.mark.anki
def test_bad_input__money_and_escaped_dollars_stay_text(built: Callable[[str], Built]) -> None:
    deck = built("money")
    assert deck.notes["Q1"].fields["Answer"] == (
        "<p>It costs $5 and $10.</p>\n<p>Escaped: $x and $20.</p>\n<p>Code: <code>$PATH</code>.</p>"
    )
    assert deck.stderr == ""


@pytest.mark.anki
def test_bad_input__unclosed_dollars_show_as_text_with_a_warning(
    built: Callable[[str], Built],
) -> None:
    deck = built("unclosed-dollars")
    assert deck.notes["Q1"].fields["Answer"] == ("<p>$$\nx = 1</p>\n<p>And $y never closes.</p>")
    p = deck.source
    assert deck.stderr == (
        f"{p}:5: warning: `$$` is never closed; it shows as text\n"
        f"{p}:8: warning: `$` opens math that never closes\n"
    )


@pytest.mark.anki
def test_bad_input__unclosed_fence_at_the_end_is_code_with_a_warning(
    built: Callable[[str], Built],
) -> None:
    deck = built("fence-at-eof")
    assert deck.notes["Q1"].fields["Answer"] == (
        "<p>Text.</p>\n<pre><code>code to the end\n</code></pre>"
    )
    assert deck.stderr == f"{deck.source}:7: warning: code fence never closed; it swallows 1 line\n"


@pytest.mark.anki
def test_bad_input__heading_in_html_block_is_a_question_when_html_is_text(
    built: Callable[[str], Built],
) -> None:
    deck = built("html-heading")
    assert sorted(deck.notes) == ["Q1", "Q2"]
    assert deck.notes["Q1"].fields["Answer"] == "<p>A1.</p>\n<p>&lt;div&gt;</p>"


@pytest.mark.anki
@pytest.mark.parametrize("name", ["html-heading-kept", "html-heading-allowed"])
def test_bad_input__heading_in_html_block_is_html_by_default_and_with_allow_html(
    built: Callable[[str], Built], name: str
) -> None:
    """GitHub reads `<div>` up to the blank line as HTML, `### Q2` in it too: so does a card."""
    deck = built(name)
    assert sorted(deck.notes) == ["Q1"]
    assert deck.notes["Q1"].fields["Answer"] == "<p>A1.</p>\n<div>\n### Q2\n</div>"
    assert deck.stderr == (
        f"{deck.source}:8: warning: `### Q2` is inside an HTML block, so it is no heading\n"
    )


@pytest.mark.anki
def test_bad_input__broken_html_is_closed_and_never_runs(built: Callable[[str], Built]) -> None:
    """Unclosed tags, stray closers, an unterminated attribute and a script split by `<<`:
    the sanitizer parses them as a browser would, closes what is open within the field, and
    keeps no script; the next card is untouched."""
    deck = built("broken-html")
    answer = deck.notes["Q1"].fields["Answer"]
    assert "<script" not in answer.lower() and "onerror" not in answer
    assert answer.count("<div>") == answer.count("</div>") == 1
    assert answer.count("<b>") == answer.count("</b>") and answer.count("<i>") == answer.count(
        "</i>"
    )
    assert "never closed" in answer and "stray closers" in answer
    assert deck.notes["Q2"].fields["Answer"] == "<p>A2 <b>bold</b>.</p>"
    assert f"{deck.source}:11: warning: raw HTML `<script>` is removed" in deck.stderr


@pytest.mark.anki
def test_bad_input__math_and_code_in_a_question_heading_render(
    built: Callable[[str], Built],
) -> None:
    deck = built("math-heading")
    assert list(deck.notes) == ["Why \\(\\sqrt{d_k}\\) in <code>softmax</code>?"]
    assert deck.stderr == ""


# A state file edited by hand or by a merge (issue 15): its edit, and the message with {p}.
STATE_DOC = "## Part 1: A\n\n### Q1\n\nA1.\n\n### Q2\n\nA2.\n"
STATE_EDITS: list[tuple[str, Callable[[str], str], str]] = [
    (
        "duplicate-key",
        lambda text: text.replace('"question": ', '"id": "dg-other", "question": ', 1),
        '{p}:{id2}: error: "id" appears twice in this object\n',
    ),
    (
        "duplicate-top-key",
        lambda text: text.replace('"version": 1,', '"version": 1,\n  "version": 1,', 1),
        '{p}:4: error: "version" appears twice in this object\n',
    ),
    (
        "merge-conflict",
        lambda text: text.replace('"cards": [\n', '"cards": [\n<<<<<<< HEAD\n', 1).replace(
            '  "removed"', '=======\n>>>>>>> theirs\n  "removed"', 1
        ),
        (
            "{p}:{conflict}: error: git merge conflict in x.deckgen.json at line {conflict}: keep "
            "the cards of both sides (for a card changed on both sides, the one with the larger "
            "mtime), delete the conflict markers, then build again\n"
        ),
    ),
    (
        "huge-number",
        lambda text: text.replace('"version": 1', '"version": 1' + "0" * 5000, 1),
        '{p}:1: error: "version" is out of range: 100000000000…(5001 digits)\n',
    ),
    (
        "nan",
        lambda text: text.replace('"version": 1', '"version": NaN', 1),
        '{p}:1: error: "version" is out of range: NaN\n',
    ),
    (
        "huge-mtime",
        lambda text: re.sub(r'"mtime": \d+', '"mtime": ' + "9" * 5000, text, count=1),
        '{p}:{nt}: error: "mtime" is out of range: 999999999999…(5000 digits)\n',
    ),
]


@pytest.mark.parametrize(
    ("name", "edit", "expected"), STATE_EDITS, ids=[edit[0] for edit in STATE_EDITS]
)
def test_bad_input__a_state_file_that_cannot_be_trusted_names_its_line(
    tmp_path: Path, name: str, edit: Callable[[str], str], expected: str
) -> None:
    source = tmp_path / "x.md"
    source.write_text(STATE_DOC, encoding="utf-8")
    out = tmp_path / "x.apkg"
    assert CliRunner().invoke(cli, ["build", str(source), "-o", str(out), "-q"]).exit_code == 0
    out.unlink()
    state = tmp_path / "x.deckgen.json"
    text = edit(state.read_text(encoding="utf-8"))
    state.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    result = CliRunner().invoke(cli, ["build", str(source), "-o", str(out)])
    assert result.exit_code == 1
    places = {
        "p": state,
        "id2": next((n for n, line in enumerate(lines, 1) if '"dg-other"' in line), 0),
        "conflict": lines.index("<<<<<<< HEAD") + 1 if "<<<<<<< HEAD" in lines else 0,
        "nt": next(n for n, line in enumerate(lines, 1) if '"notetype"' in line),
    }
    assert result.output == expected.format(**places)
    assert not out.exists()


def test_bad_input__a_state_file_saved_with_a_bom_is_read(tmp_path: Path) -> None:
    source = tmp_path / "x.md"
    source.write_text(STATE_DOC, encoding="utf-8")
    out = tmp_path / "x.apkg"
    assert CliRunner().invoke(cli, ["build", str(source), "-o", str(out), "-q"]).exit_code == 0
    state = tmp_path / "x.deckgen.json"
    before = out.read_bytes()
    state.write_bytes("\ufeff".encode() + state.read_bytes())
    out.unlink()
    result = CliRunner().invoke(cli, ["build", str(source), "-o", str(out)])
    assert result.exit_code == 0, result.output
    # The same cards, IDs and mtimes: the same package.
    assert out.read_bytes() == before


def test_bad_input__a_project_state_with_a_huge_number_names_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Past Python's 4,300-digit limit for reading integers, this was an internal error.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.md").write_text(STATE_DOC, encoding="utf-8")
    (tmp_path / "deckgen.toml").write_text('include = ["notes/*.md"]\n', encoding="utf-8")
    assert CliRunner().invoke(cli, ["build", "-q"]).exit_code == 0
    state = tmp_path / "deckgen-state.jsonl"
    lines = state.read_text(encoding="utf-8").splitlines()
    lines[2] = re.sub(r'"mtime": \d+', '"mtime": ' + "1" * 5000, lines[2])
    state.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["build"])
    assert result.exit_code == 1
    assert result.output == (
        'deckgen-state.jsonl:3: error: "mtime" is out of range: 111111111111…(5000 digits)\n'
    )
