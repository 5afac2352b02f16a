"""The build cache: an edit re-renders only its card, and every result is what a build from
scratch gives, byte for byte; a stale, corrupt or crafted cache is ignored."""

from __future__ import annotations

import json
import pickle
import random
import shutil
import zlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from deckgen.api import BuildOptions, BuildReport, build
from deckgen.cache.store import cache_path
from deckgen.cli.commands import cli
from deckgen.errors import CheckError, SourceError

from .conftest import SEED

CLOCK = 1_700_000_000


@dataclass
class Twin:
    """One source built twice: `cached` keeps its cache, `cold` is built from scratch each time
    from the same previous state."""

    cached: Path
    cold: Path

    def write(self, text: str) -> None:
        for folder in (self.cached, self.cold):
            (folder / SEED.name).write_text(text, encoding="utf-8")

    def build_both(self, now: int) -> tuple[BuildReport | str, BuildReport | str]:
        shutil.rmtree(self.cold / ".cache", ignore_errors=True)
        state = self.cached / "ml-interview-qa.deckgen.json"
        if state.exists():
            shutil.copyfile(state, self.cold / state.name)
        return _build(self.cached, now), _build(self.cold, now)

    def same_outputs(self) -> bool:
        return all(
            (self.cached / name).read_bytes() == (self.cold / name).read_bytes()
            for name in ("deck.apkg", "ml-interview-qa.deckgen.json")
        )


def _build(folder: Path, now: int) -> BuildReport | str:
    """The report, or the error a build stops with (without the folder's path)."""
    source = folder / SEED.name
    try:
        return build(
            source,
            folder / "deck.apkg",
            state_file=folder / "ml-interview-qa.deckgen.json",
            clock=lambda: now,
        )
    except CheckError as exc:
        return "\n".join(f"{d.line}: {d.severity}: {d.message}" for d in exc.diagnostics)
    except SourceError as exc:
        return f"{exc.line}: {exc.message}"


def _outcome(report: BuildReport | str) -> object:
    """What a user sees of a build: its diagnostics, and each card's change and line."""
    if isinstance(report, str):
        return report
    diagnostics = [(d.line, d.severity, d.message) for d in report.diagnostics]
    if report.revision is None:  # up to date: an edit that gave back the same text
        return diagnostics, None
    return diagnostics, [(c.id, c.question, c.line, c.kinds) for c in report.revision.changes]


@pytest.fixture
def twin(tmp_path: Path) -> Twin:
    pair = Twin(tmp_path / "cached", tmp_path / "cold")
    for folder in (pair.cached, pair.cold):
        folder.mkdir()
    pair.write(SEED.read_text(encoding="utf-8"))
    first, _ = pair.build_both(CLOCK)
    assert isinstance(first, BuildReport)
    return pair


def _answer_lines(lines: list[str]) -> list[int]:
    """Lines of plain answer prose (not headings, fences, tables or blank)."""
    return [
        i
        for i, line in enumerate(lines)
        if line.strip() and line[0].isalpha() and "|" not in line and "$" not in line
    ]


def test_cache__an_edited_answer_re_renders_only_its_card(twin: Twin) -> None:
    lines = SEED.read_text(encoding="utf-8").splitlines(keepends=True)
    target = _answer_lines(lines)[40]
    lines[target] = lines[target].rstrip("\n") + " Edited.\n"
    twin.write("".join(lines))
    cached, cold = twin.build_both(CLOCK + 10)
    assert isinstance(cached, BuildReport) and isinstance(cold, BuildReport)
    assert cached.reparsed == 1
    assert cold.reparsed == cold.cards == 162
    assert cached.revision is not None
    assert [c.kinds for c in cached.revision.changes if c.kinds != ("unchanged",)] == [("changed",)]
    assert twin.same_outputs()


def test_cache__nothing_changed_writes_nothing(twin: Twin) -> None:
    package = twin.cached / "deck.apkg"
    before = package.stat().st_mtime_ns, package.read_bytes()
    report = _build(twin.cached, CLOCK + 10)
    assert isinstance(report, BuildReport)
    assert report.up_to_date
    assert report.cards == 162
    assert (package.stat().st_mtime_ns, package.read_bytes()) == before


def test_cli__an_unchanged_source_is_up_to_date(
    seed_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(seed_copy.parent.parent)
    runner = CliRunner()
    first = runner.invoke(cli, ["build", str(seed_copy), "-o", "out.apkg"])
    again = runner.invoke(cli, ["build", str(seed_copy), "-o", "out.apkg"])
    assert first.exit_code == 0, first.output
    assert "up to date" not in first.output
    assert again.exit_code == 0, again.output
    assert again.output.startswith("162 cards in 18 parts: out.apkg is up to date, nothing written")


# Lines an edit may put in: each can change how the text around it parses.
_EDITS = [
    "A plain new sentence.",
    "",
    "- a list item",
    "    indented code",
    "```python",
    "```",
    "$$",
    "x = $a + b$ and \\$5",
    "---",
    "===",
    "### A brand new question?",
    "#### A detail heading",
    "## Part 99: A new part",
    "> a quote",
    "| a | b |",
    "[ref]: https://example.com",
    "<div>raw</div>",
    "<!-- id: dg-000000000000 -->",
    "![a picture](missing.png)",
    "Setext heading text",
    "1. first",
    "* * *",
]


@pytest.mark.parametrize("seed", range(3))
def test_cache__random_edits_give_what_a_build_from_scratch_gives(twin: Twin, seed: int) -> None:
    rng = random.Random(seed)
    text = SEED.read_text(encoding="utf-8")
    spared = 0
    for step in range(12):
        lines = text.splitlines(keepends=True)
        where = rng.randrange(len(lines))
        kind = rng.choice(["replace", "insert", "delete", "append"])
        new = rng.choice(_EDITS) + "\n"
        if kind == "replace":
            lines[where] = new
        elif kind == "insert":
            lines.insert(where, new)
        elif kind == "delete":
            del lines[where]
        else:
            lines[where] = lines[where].rstrip("\n") + " and more words\n"
        if "".join(lines) == text:
            continue  # (a blank line for a blank line: the cached build rightly writes nothing)
        text = "".join(lines)
        twin.write(text)
        cached, cold = twin.build_both(CLOCK + 10 * (step + 1))
        assert _outcome(cached) == _outcome(cold), (kind, where, new)
        if isinstance(cached, BuildReport):
            assert isinstance(cold, BuildReport)
            assert twin.same_outputs(), (kind, where, new)
            assert cached.reparsed is not None
            spared += cached.reparsed < cached.cards
    # Most edits land inside one answer: the cache must have spared work for some of them.
    assert spared >= 3


def test_cache__plain_answer_edits_are_all_spliced(twin: Twin) -> None:
    rng = random.Random(7)
    lines = SEED.read_text(encoding="utf-8").splitlines(keepends=True)
    for step, target in enumerate(rng.sample(_answer_lines(lines), 8)):
        lines[target] = lines[target].rstrip("\n") + " *More* with `code`.\n"
        twin.write("".join(lines))
        cached, cold = twin.build_both(CLOCK + 10 * (step + 1))
        assert isinstance(cached, BuildReport)
        assert cached.reparsed == 1
        assert _outcome(cached) == _outcome(cold)
        assert twin.same_outputs()


def _split(data: bytes) -> tuple[bytes, dict[str, object]]:
    """The cache file's pickled body and its trailer line."""
    body, _, trailer = data.removesuffix(b"\n").rpartition(b"\n")
    return body, json.loads(trailer)


def _joined(body: bytes, meta: dict[str, object]) -> bytes:
    return body + b"\n" + json.dumps(meta).encode() + b"\n"


def _damage_header(data: bytes) -> bytes:
    body, meta = _split(data)
    meta["version"] = "0.0.0-other"
    return _joined(body, meta)


def _crafted(data: bytes) -> bytes:
    """A valid trailer over a pickle that would run a command if it were trusted."""
    _, meta = _split(data)
    body = pickle.dumps(_Exploit())
    meta["body"] = [len(body), zlib.crc32(body)]
    return _joined(body, meta)


class _Exploit:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (print, ("the cache ran code",))


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],
        lambda data: data[:-1] + bytes([data[-1] ^ 1]),
        lambda data: b"not a cache",
        lambda data: b"",
        _damage_header,
        _crafted,
    ],
    ids=["truncated", "flipped-bit", "garbage", "empty", "other-version", "crafted-pickle"],
)
def test_cache__a_corrupt_or_foreign_cache_is_ignored(
    twin: Twin, damage: object, capsys: pytest.CaptureFixture[str]
) -> None:
    assert callable(damage)
    cache = cache_path(twin.cached / "deck.apkg")
    cache.write_bytes(damage(cache.read_bytes()))
    lines = SEED.read_text(encoding="utf-8").splitlines(keepends=True)
    target = _answer_lines(lines)[3]
    lines[target] = "Replaced answer line.\n"
    twin.write("".join(lines))
    cached, _ = twin.build_both(CLOCK + 10)
    assert isinstance(cached, BuildReport)
    assert cached.reparsed == cached.cards  # nothing reused
    assert twin.same_outputs()
    assert "ran code" not in capsys.readouterr().out


def test_cache__a_hand_edited_state_is_read_from_the_file(twin: Twin) -> None:
    state = twin.cached / "ml-interview-qa.deckgen.json"
    data = json.loads(state.read_text(encoding="utf-8"))
    data["cards"][5]["mtime"] -= 100
    state.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    cached, cold = twin.build_both(CLOCK + 10)
    assert isinstance(cached, BuildReport) and isinstance(cold, BuildReport)
    assert not cached.up_to_date
    assert twin.same_outputs()


FIXTURES = sorted((SEED.parent.parent / "tests" / "fixtures").rglob("*.md"))
NOT_DECKS = {"code.md", "leads.md", "lists.md", "math.md", "github.md"}
"""The render fixtures (title, Markdown, expected HTML: see test_render_fixtures and, for
`html/github.md`, test_html): no settings make a deck of them, so both builds must stop with
the same "no cards" error."""


@pytest.mark.parametrize("source", [SEED, *FIXTURES], ids=lambda path: path.name)
def test_cache__a_first_build_gives_what_the_plain_pipeline_gives(
    tmp_path: Path, source: Path
) -> None:
    """The cached build parses inline content card by card; it must change nothing."""
    results: list[tuple[object, object]] = []
    for name, state in (("streamed", "x.deckgen.json"), ("plain", None)):
        folder = tmp_path / name
        shutil.copytree(source.parent, folder)
        copy = folder / source.name
        try:
            # Forced: a fixture with errors on purpose (missing images) still goes all the way
            # through the cache; its errors are compared with the other diagnostics.
            report = build(
                copy,
                folder / "deck.apkg",
                BuildOptions(force=True),
                state_file=folder / state if state else None,
                clock=lambda: CLOCK,
            )
        except SourceError as exc:
            results.append(("error", (exc.line, exc.message)))
            continue
        assert cache_path(folder / "deck.apkg").exists() == (state is not None)
        diagnostics = [(d.line, d.severity, d.message) for d in report.diagnostics]
        results.append((diagnostics, (folder / "deck.apkg").read_bytes()))
    assert results[0] == results[1]
    kind, detail = results[0]
    if source.name in NOT_DECKS:
        assert kind == "error" and "no cards" in str(detail), results[0]
    else:
        assert kind != "error", detail


@pytest.mark.parametrize("child", ["works", "fails"])
def test_cache__a_second_process_renders_half_with_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, child: str
) -> None:
    import deckgen.process

    outputs = []
    started: list[bool] = []
    # The name the test patches, read where it patches it (process imports it from its home).
    real: Callable[[Callable[[], object]], AbstractContextManager[Callable[[], object] | None]]
    real = vars(deckgen.process)["started_in_child"]

    @contextmanager
    def spy(work: Callable[[], object]) -> Iterator[Callable[[], object] | None]:
        with real(work) as handle:
            started.append(handle is not None)
            # A child that dies leaves its half to the parent (and is ended unasked).
            yield (lambda: None) if child == "fails" else handle

    monkeypatch.setattr(deckgen.process, "started_in_child", spy)
    for name, threshold in (("serial", 10**9), ("parallel", 1)):
        monkeypatch.setattr(deckgen.process, "PARALLEL_CARDS", threshold)
        folder = tmp_path / name
        folder.mkdir()
        shutil.copyfile(SEED, folder / SEED.name)
        report = _build(folder, CLOCK)
        assert isinstance(report, BuildReport)
        outputs.append(
            [(folder / n).read_bytes() for n in ("deck.apkg", "ml-interview-qa.deckgen.json")]
        )
    assert started == [True]  # only the second build split its work, and a child started
    assert outputs[0] == outputs[1]


def test_cache__a_lone_dollar_pair_opener_reaching_past_its_card_is_parsed_whole(
    twin: Twin,
) -> None:
    # `$$` alone on a line opens display math that runs to the next line ending in `$$`,
    # across blank lines and headings: a parse of its card alone would not see that.
    lines = SEED.read_text(encoding="utf-8").splitlines(keepends=True)
    closers = [i for i, line in enumerate(lines) if line.rstrip().endswith("$$")]
    target = next(i for i in _answer_lines(lines) if i < closers[-1] - 40 and i > closers[0])
    lines.insert(target, "$$\n")
    twin.write("".join(lines))
    cached, cold = twin.build_both(CLOCK + 10)
    assert _outcome(cached) == _outcome(cold)
    if isinstance(cached, BuildReport):
        assert twin.same_outputs()


@pytest.mark.parametrize(
    "path",
    sorted((Path(__file__).parent / "fixtures").rglob("*.md")),
    ids=lambda p: p.name,
)
@pytest.mark.parametrize("pattern", [None, r"\?$"])
def test_cache__headings_from_detection_are_those_a_region_parse_reads(
    path: Path, pattern: str | None
) -> None:
    # A cold build takes its snapshot's headings from what detection read; a splice compares
    # them with its region's, read off freshly parsed tokens: the two must agree.
    from dataclasses import replace

    from deckgen.cache.snapshot import headings_of, headings_read
    from deckgen.parse.markdown import block_markdown
    from deckgen.parse.shape import SEED_SHAPE, read_questions

    tokens = block_markdown(False).parse(path.read_text(encoding="utf-8"))
    reading = read_questions(tokens, None, pattern)
    shape = replace(SEED_SHAPE, pattern=pattern)
    assert headings_read(reading, tokens, shape) == headings_of(tokens)


def test_cache__a_placeholder_shared_by_a_third_question_is_read_as_a_full_build_reads_it(
    twin: Twin,
) -> None:
    # Whether `To be completed.` is an answer or the author's placeholder depends on how many
    # questions it stands under (deckgen.parse.substance): a region parsed alone cannot tell.
    lines = SEED.read_text(encoding="utf-8").splitlines(keepends=True)
    questions = [line for line in lines if line.startswith("### ")][3:9:2]
    for step, question in enumerate(questions, 1):
        at = lines.index(question)
        ends = next(i for i in range(at + 1, len(lines)) if lines[i].startswith("#"))
        lines[at + 1 : ends] = ["\n", "To be completed.\n", "\n"]
        twin.write("".join(lines))
        cached, cold = twin.build_both(CLOCK + 10 * step)
        assert _outcome(cached) == _outcome(cold)
        assert isinstance(cached, BuildReport) and twin.same_outputs()
    assert isinstance(cold, BuildReport) and cold.cards == 162 - 3
