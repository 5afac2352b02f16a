"""Rebuilding with the state beside the source: reproducible decks, honest mtimes, pinned IDs."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from deckgen.api import BuildOptions, build, tag_prefix
from deckgen.cli.commands import cli
from deckgen.errors import SourceError
from deckgen.identity.ids import question_ids
from deckgen.identity.state import load_state, state_path
from deckgen.parse.cards import parse_document
from deckgen.parse.markdown import make_markdown

T0 = 1_700_000_000

DOC = """# Deck

## Part 1: Basics

### What is A?

A is the first letter.

### What is B?
<!-- id: my-own-b -->

B follows A.

### What is A?

Asked twice, answered twice.
"""


def _package_rows(apkg: Path) -> tuple[dict[str, int], int]:
    """Note mtimes by GUID and the notetype's mtime, read straight from the package."""
    with zipfile.ZipFile(apkg) as zf:
        data = zf.read("collection.anki2")
    db = apkg.with_suffix(".anki2")
    db.write_bytes(data)
    conn = sqlite3.connect(db)
    try:
        mtimes = dict(conn.execute("select guid, mod from notes"))
        (models,) = conn.execute("select models from col").fetchone()
    finally:
        conn.close()
    (notetype,) = json.loads(models).values()
    return mtimes, notetype["mod"]


@pytest.fixture
def doc(tmp_path: Path) -> Path:
    path = tmp_path / "source" / "basics.md"
    path.parent.mkdir()
    path.write_text(DOC, encoding="utf-8")
    return path


def test_rebuild__same_source_and_state_give_the_same_bytes(
    seed_copy: Path, tmp_path: Path
) -> None:
    state = state_path(seed_copy)
    build(seed_copy, tmp_path / "a.apkg", state_file=state, clock=lambda: T0)
    saved = state.read_bytes()
    # Rebuilt later by `deckgen build` in another process, which salts string hashes otherwise:
    # nothing in the package may depend on the clock, `hash()` or the order of a set.
    salt = "1" if os.environ.get("PYTHONHASHSEED") != "1" else "2"
    subprocess.run(
        [sys.executable, "-m", "deckgen", "build", str(seed_copy), "-o", str(tmp_path / "b.apkg")],
        cwd=tmp_path,
        env={**os.environ, "PYTHONHASHSEED": salt},
        capture_output=True,
        check=True,
    )
    assert (tmp_path / "a.apkg").read_bytes() == (tmp_path / "b.apkg").read_bytes()
    assert state.read_bytes() == saved


def test_rebuild__the_first_build_gives_question_ids_and_writes_the_state(
    seed_copy: Path, tmp_path: Path
) -> None:
    state = state_path(seed_copy)
    assert not state.exists()
    report = build(seed_copy, tmp_path / "a.apkg", state_file=state, clock=lambda: T0)
    document = parse_document(seed_copy.read_text(encoding="utf-8"), seed_copy, make_markdown())
    expected = question_ids(tag_prefix(document), [card.question for card in document.cards])
    recorded = load_state(state)
    assert recorded is not None
    assert [card.id for card in recorded.cards] == expected
    assert report.revision is not None
    assert [note.id for note in report.revision.deck.notes] == expected
    assert {card.mtime for card in recorded.cards} == {T0}


def test_rebuild__only_changed_notes_get_a_newer_mtime(doc: Path, tmp_path: Path) -> None:
    state = state_path(doc)
    build(doc, tmp_path / "a.apkg", state_file=state, clock=lambda: T0)
    doc.write_text(DOC.replace("B follows A.", "B follows A, always."), encoding="utf-8")
    # A clock that went backwards still gives the changed note a newer mtime.
    build(doc, tmp_path / "b.apkg", state_file=state, clock=lambda: T0 - 50)
    mtimes, notetype_mtime = _package_rows(tmp_path / "b.apkg")
    assert mtimes.pop("my-own-b") == T0 + 1
    assert set(mtimes.values()) == {T0}
    assert notetype_mtime == T0


def test_rebuild__the_notetype_mtime_moves_only_when_its_css_changes(
    doc: Path, tmp_path: Path
) -> None:
    state = state_path(doc)
    build(doc, tmp_path / "a.apkg", state_file=state, clock=lambda: T0)
    build(doc, tmp_path / "b.apkg", state_file=state, clock=lambda: T0 + 10)
    assert _package_rows(tmp_path / "b.apkg")[1] == T0
    text = state.read_text(encoding="utf-8")
    recorded = load_state(state)
    assert recorded is not None
    state.write_text(text.replace(recorded.notetype.content, "0" * 16), encoding="utf-8")
    build(doc, tmp_path / "c.apkg", state_file=state, clock=lambda: T0 + 20)
    assert _package_rows(tmp_path / "c.apkg")[1] == T0 + 20


def test_rebuild__a_marker_pins_the_id_and_never_shows(doc: Path, tmp_path: Path) -> None:
    for html in (False, True):
        build(doc, tmp_path / "a.apkg", BuildOptions(html=html))
        mtimes, _ = _package_rows(tmp_path / "a.apkg")
        assert "my-own-b" in mtimes
        conn = sqlite3.connect(tmp_path / "a.anki2")
        (fields,) = conn.execute("select flds from notes where guid = 'my-own-b'").fetchone()
        conn.close()
        assert "id:" not in fields and "&lt;!--" not in fields and "<!--" not in fields
        assert "B follows A." in fields


def test_rebuild__identical_questions_keep_distinct_ids(doc: Path, tmp_path: Path) -> None:
    state = state_path(doc)
    first = build(doc, tmp_path / "a.apkg", state_file=state, clock=lambda: T0)
    assert first.revision is not None
    ids = [note.id for note in first.revision.deck.notes]
    assert len(set(ids)) == 3
    # Delete the first "What is A?": the second keeps its own identity, not the first's.
    doc.write_text(DOC.replace("### What is A?\n\nA is the first letter.\n\n", ""), "utf-8")
    second = build(doc, tmp_path / "b.apkg", state_file=state, clock=lambda: T0 + 1)
    assert second.revision is not None
    assert [note.id for note in second.revision.deck.notes] == ids[1:]
    assert [card.id for card in second.revision.state.removed] == ids[:1]


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        (
            "<!-- id: two words -->",
            "'two words' is not an ID (letters, digits, - and _; at most 64)",
        ),
        ("<!-- id: my-own-b -->", "ID my-own-b is already pinned at line 10"),
    ],
)
def test_rebuild__bad_markers_are_errors_at_their_line(
    doc: Path, tmp_path: Path, marker: str, message: str
) -> None:
    doc.write_text(DOC.replace("Asked twice", f"{marker}\n\nAsked twice"), encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        build(doc, tmp_path / "a.apkg", state_file=state_path(doc))
    assert (caught.value.line, caught.value.message) == (16, message)
    assert not state_path(doc).exists()


def test_cli__status_lists_changes_with_lines_and_writes_nothing(doc: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["build", str(doc), "-o", str(tmp_path / "a.apkg")]).exit_code == 0
    state = state_path(doc)
    saved = state.read_bytes()
    doc.write_text(
        DOC.replace("### What is B?", "### What is letter B?")
        .replace("## Part 1: Basics\n", "## Part 1: Basics\n\n### What is C?\n\nC.\n\n")
        .replace("Asked twice, answered twice.", "Changed."),
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["status", str(doc)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"{doc}: 1 new, 1 reworded, 1 changed",
        f"{doc}:5: new: What is C?",
        f"{doc}:14: reworded: What is letter B? (was: What is B?)",
        f"{doc}:19: changed: What is A?",
    ]
    assert state.read_bytes() == saved


def test_cli__build_reports_removed_notes_and_prune_forgets_them(doc: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    runner.invoke(cli, ["build", str(doc), "-o", str(tmp_path / "a.apkg")])
    doc.write_text(
        DOC.replace("### What is B?\n<!-- id: my-own-b -->\n\nB follows A.\n\n", ""), "utf-8"
    )
    result = runner.invoke(cli, ["build", str(doc), "-o", str(tmp_path / "b.apkg")])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == [
        "changes: 1 removed",
        "1 note has left the source; Anki keeps it until you delete it.",
        '  Find it in the Browser: "note:deckgen Q&A" (ID:my-own-b)',
        "  Then run `deckgen prune` to forget it here.",
        f"state → {state_path(doc)} (commit it with the source)",
    ]
    status = runner.invoke(cli, ["status", str(doc)])
    assert f"{doc}: removed: What is B? [my-own-b, was in 'Part 1: Basics']" in status.output

    pruned = runner.invoke(cli, ["prune", str(doc)])
    assert pruned.output == (
        f'{state_path(doc)}: forgot 1 removed note: "note:deckgen Q&A" (ID:my-own-b)\n'
    )
    recorded = load_state(state_path(doc))
    assert recorded is not None and recorded.removed == ()
    again = runner.invoke(cli, ["prune", str(doc)])
    assert again.output == f"{state_path(doc)}: no removed notes to forget\n"


def test_cli__status_warns_what_subdecks_cannot_carry(doc: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    runner.invoke(cli, ["build", str(doc), "--subdecks", "-o", str(tmp_path / "a.apkg")])
    doc.write_text(DOC.replace("## Part 1: Basics", "## Part 1: Letters"), encoding="utf-8")
    result = runner.invoke(cli, ["status", "--subdecks", str(doc)])
    assert "part renamed: 'Part 1: Basics' → 'Part 1: Letters'" in result.output
    assert "warning: renamed part: cards already in subdeck 'Part 1: Basics' stay there" in (
        result.output
    )


def test_cli__subdecks_from_the_config_bring_their_warnings_without_the_flag(
    doc: Path, tmp_path: Path
) -> None:
    (tmp_path / "deckgen.toml").write_text("subdecks = true\n", encoding="utf-8")
    runner = CliRunner()
    out = str(tmp_path / "a.apkg")
    assert runner.invoke(cli, ["build", str(doc), "-o", out]).exit_code == 0
    doc.write_text(DOC.replace("## Part 1: Basics", "## Part 1: Letters"), encoding="utf-8")
    warning = "warning: renamed part: cards already in subdeck 'Part 1: Basics' stay there"
    assert warning in runner.invoke(cli, ["status", str(doc)]).output
    assert warning not in runner.invoke(cli, ["status", "--no-subdecks", str(doc)]).output
    built = runner.invoke(cli, ["build", str(doc), "-o", out])
    assert built.exit_code == 0, built.output
    assert warning in built.output


def test_cli__status_before_the_first_build_says_so(doc: Path) -> None:
    result = CliRunner().invoke(cli, ["status", str(doc)])
    assert result.stdout == (
        f"{doc}: no basics.deckgen.json yet: the next build gives 3 cards their question-based IDs\n"
    )
    assert not state_path(doc).exists()


def test_cli__status_warns_when_the_notetype_fields_differ(doc: Path, tmp_path: Path) -> None:
    CliRunner().invoke(cli, ["build", str(doc), "-o", str(tmp_path / "a.apkg")])
    state = state_path(doc)
    state.write_text(state.read_text("utf-8").replace('"ID"', '"Id"'), "utf-8")
    result = CliRunner().invoke(cli, ["status", str(doc)])
    assert "warning: the notetype's fields changed: Anki will import a second notetype" in (
        result.stdout
    )


def test_rebuild__a_renamed_part_is_a_rename_and_a_card_leaving_it_a_move(
    doc: Path, tmp_path: Path
) -> None:
    text = DOC + "\n## Part 2: More\n\n### What is D?\n\nD.\n"
    doc.write_text(text, encoding="utf-8")
    state = state_path(doc)
    build(doc, tmp_path / "a.apkg", state_file=state, clock=lambda: T0)
    moved = "### What is B?\n<!-- id: my-own-b -->\n\nB follows A.\n\n"
    edited = text.replace(moved, "").replace("## Part 1: Basics", "## Part 1: Letters")
    doc.write_text(edited + "\n" + moved, encoding="utf-8")
    report = build(doc, tmp_path / "b.apkg", state_file=state, clock=lambda: T0 + 1)
    assert report.revision is not None
    assert report.revision.renamed_parts == (("Part 1: Basics", "Part 1: Letters"),)
    kinds = [(change.question, change.kinds) for change in report.revision.changes]
    assert kinds == [
        ("What is A?", ("changed",)),
        ("What is A?", ("changed",)),
        ("What is D?", ("unchanged",)),
        ("What is B?", ("moved",)),
    ]


def test_cli__a_hand_broken_state_is_a_one_line_error(doc: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(cli, ["build", str(doc), "-o", str(tmp_path / "a.apkg")])
    assert first.stdout.splitlines()[-1] == f"state → {state_path(doc)} (commit it with the source)"
    again = runner.invoke(cli, ["build", str(doc), "-o", str(tmp_path / "a.apkg")])
    assert "state →" not in again.stdout
    state = state_path(doc)
    text = state.read_text(encoding="utf-8")
    card = text.index('"id": "')
    mtime = text.index('"mtime": ', card) + len('"mtime": ')
    state.write_text(text[:mtime] + "-" + text[mtime:], encoding="utf-8")
    result = runner.invoke(cli, ["build", str(doc), "-o", str(tmp_path / "b.apkg")])
    assert result.exit_code == 1
    brace = text[:card].count("\n")  # the entry's `{` is on the line before its "id"
    assert result.stderr.startswith(
        f'{state}:{brace}: error: "mtime" must be seconds from 0 to 253402300799, not -'
    )
    assert not (tmp_path / "b.apkg").exists()


def test_cli__an_ambiguous_rewording_is_reported_at_its_line(tmp_path: Path) -> None:
    doc = tmp_path / "masks.md"
    doc.write_text(
        "## Part 1: Masks\n\n### How is attention masked in the encoder?\n\nPadding only.\n\n"
        "### How is attention masked in the decoder?\n\nCausally.\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    runner.invoke(cli, ["build", str(doc), "-o", str(tmp_path / "a.apkg")])
    doc.write_text(
        "## Part 1: Masks\n\n### How is attention masked in the transformer?\n\nIt depends.\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["status", str(doc)])
    assert result.stderr.startswith(
        f"{doc}:3: warning: ambiguous: this question resembles several removed questions about "
        "equally: 'How is attention masked in the encoder?' (0."
    )
    assert result.stdout.splitlines()[:2] == [
        f"{doc}: 1 new, 2 removed",
        f"{doc}:3: new: How is attention masked in the transformer?",
    ]
