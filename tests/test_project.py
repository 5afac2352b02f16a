"""Projects (issue 12) without Anki: which files a project holds, its per-file settings, its one
state file and how strictly it is read, and every command run on a project."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from deckgen.config.members import list_files, project_of
from deckgen.config.project import load_config
from tests.project_support import (
    deckgen,
    markdown,
    package_notes,
    state_lines,
    write,
    write_toml,
)

DECK = "Interview"
PACKAGE = Path("build/interview.apkg")
STATE = Path("deckgen-state.jsonl")

LSTM = markdown("LSTM", {"Part 1: Gates": ["What does the forget gate do?", "Why tanh?"]})
ATTENTION = markdown(
    "Attention",
    {
        "Part 1: Basics": ["What is attention?", "Why scale by sqrt(d)?"],
        "Part 2: Heads": ["Why several heads?"],
    },
)
GAMES = markdown("Games", {"Part 1: Equilibria": ["What is a Nash equilibrium?"]})


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project of three files in two folders, with a README and a hidden folder left out."""
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path,
        {
            "notes/ml/01-lstm.md": LSTM,
            "notes/ml/02-attention.md": ATTENTION,
            "notes/cs/games.md": GAMES,
            "notes/README.md": markdown("Notes", {"About": ["How are these notes kept?"]}),
            "notes/ml/README.md": markdown("ML", {"About": ["What is in this folder?"]}),
            "notes/.drafts/draft.md": markdown("Draft", {"Part 1: X": ["Half a question?"]}),
        },
    )
    write_toml(
        tmp_path,
        f'deck = "{DECK}"\ninclude = ["notes/**/*.md"]\nexclude = ["**/README.md"]\n',
    )
    return tmp_path


def _ok(*args: str) -> str:
    result = deckgen(*args)
    assert result.exit_code == 0, result.output
    return result.output


def _fails(*args: str) -> str:
    result = deckgen(*args)
    assert result.exit_code == 1, result.output
    return result.output


def _ids(state: Path = STATE) -> dict[str, str]:
    """Question → ID, from a project's state file."""
    return {str(line["question"]): str(line["id"]) for line in state_lines(state)[1:]}


# Which files a project holds


def _names(root: Path, include: tuple[str, ...], exclude: tuple[str, ...] = ()) -> list[str]:
    return [path.relative_to(root).as_posix() for path in list_files(root, include, exclude)]


def test_include__globs_folders_files_exclude_and_hidden_folders(tmp_path: Path) -> None:
    # Written in reverse order: the project's order is by path, not by the file system's.
    for name in [
        "z.md",
        "notes/b.md",
        "notes/a/z.md",
        "notes/a/y.markdown",
        "notes/a/notes.txt",
        "notes/a/README.md",
        "notes/.hidden/h.md",
        "notes/.h.md",
        ".git/x.md",
        "other/o.md",
    ][::-1]:
        write(tmp_path, {name: "# T\n\n### Q?\n\nA.\n"})
    assert _names(tmp_path, ("notes/**/*.md",)) == [
        "notes/a/README.md",
        "notes/a/z.md",
        "notes/b.md",
    ]
    assert _names(tmp_path, ("notes/*.md",)) == ["notes/b.md"]
    assert _names(tmp_path, ("notes",), ("**/README.md",)) == [
        "notes/a/y.markdown",
        "notes/a/z.md",
        "notes/b.md",
    ]
    assert _names(tmp_path, ("**/*.md",), ("**/README.md", "other/**")) == [
        "notes/a/z.md",
        "notes/b.md",
        "z.md",
    ]
    assert _names(tmp_path, ("other/o.md", "notes/a/")) == [
        "notes/a/README.md",
        "notes/a/y.markdown",
        "notes/a/z.md",
        "other/o.md",
    ]
    assert _names(tmp_path, ("notes/?.md",)) == ["notes/b.md"]


def test_include__the_project_lists_its_files_by_path(project: Path) -> None:
    config = load_config(project / "deckgen.toml")
    assert config.is_project
    found = project_of(config)
    assert [found.relative(path) for path in found.files] == [
        "notes/cs/games.md",
        "notes/ml/01-lstm.md",
        "notes/ml/02-attention.md",
    ]
    assert found.state_file.resolve() == (project / STATE).resolve()


def test_include__nothing_matching_is_an_error_naming_the_config(project: Path) -> None:
    write_toml(project, f'deck = "{DECK}"\ninclude = ["lectures/**/*.md"]\n')
    output = _fails("build")
    assert "deckgen.toml: error: include: no Markdown file matches 'lectures/**/*.md'" in output
    assert not PACKAGE.exists()


# Per-file settings


def test_sources__keyed_by_path_and_by_unambiguous_stem(project: Path) -> None:
    write_toml(
        project,
        f'deck = "{DECK}"\ninclude = ["notes/**/*.md"]\nexclude = ["**/README.md"]\n'
        '[sources."notes/ml/02-attention.md".topics]\nheads = [2]\n'
        "[sources.games.topics]\nequilibria = [1]\n",
    )
    _ok("build")
    tags = {note.fields[0]: note.tags for note in package_notes(PACKAGE).values()}
    assert tags["Why several heads?"] == [
        "interview::ml::02-attention::02-heads",
        "interview::topic::heads",
    ]
    assert tags["What is attention?"] == ["interview::ml::02-attention::01-basics"]
    assert tags["What is a Nash equilibrium?"] == [
        "interview::cs::games::01-equilibria",
        "interview::topic::equilibria",
    ]
    assert tags["Why tanh?"] == ["interview::ml::01-lstm::01-gates"]
    listed = _ok("list")
    assert re.search(r"\n +1 +heads \(1 part\) +tag:interview::topic::heads\n", listed), listed


def test_sources__a_stem_two_files_share_is_an_error_at_its_line(project: Path) -> None:
    write(project, {"notes/cs/01-lstm.md": markdown("LSTM again", {"P": ["Other?"]})})
    write_toml(
        project,
        f'deck = "{DECK}"\ninclude = ["notes/**/*.md"]\n\n[sources.01-lstm]\ntheme = "paper"\n',
    )
    output = _fails("build")
    assert output.startswith((str(project / "deckgen.toml"), "deckgen.toml"))
    assert (
        "deckgen.toml:4: error: sources.01-lstm: several files are named '01-lstm' "
        "(notes/cs/01-lstm.md, notes/ml/01-lstm.md); name one by its path instead, "
        'e.g. [sources."notes/cs/01-lstm.md"]'
    ) in output
    write_toml(
        project,
        f'deck = "{DECK}"\ninclude = ["notes/**/*.md"]\n\n'
        '[sources."notes/cs/01-lstm.md"]\ntheme = "paper"\n',
    )
    _ok("build")


# The state file


def test_state__header_then_one_card_per_line_sorted_by_id(project: Path) -> None:
    _ok("build")
    text = STATE.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert text.endswith("}\n")
    head = json.loads(lines[0])
    assert head["format"] == "deckgen-project-state"
    assert head["version"] == 1
    assert head["namespace"] == "interview"
    cards = [json.loads(line) for line in lines[1:]]
    assert len(cards) == 6
    assert [c["id"] for c in cards] == sorted(c["id"] for c in cards)
    assert {c["file"] for c in cards} == {
        "notes/cs/games.md",
        "notes/ml/01-lstm.md",
        "notes/ml/02-attention.md",
    }
    heads = next(c for c in cards if c["question"] == "Why several heads?")
    assert heads["file"] == "notes/ml/02-attention.md"
    assert heads["part"] == "Part 2: Heads"
    assert heads["deck"] == DECK
    assert set(heads) == {"id", "file", "part", "question", "answer", "content", "mtime", "deck"}


def test_state__a_removed_card_keeps_its_sorted_line_until_pruned(project: Path) -> None:
    _ok("build")
    gone = _ids()["Why tanh?"]
    write(project, {"notes/ml/01-lstm.md": LSTM.replace("### Why tanh?", "Why tanh: no more.")})
    _ok("build")
    cards = state_lines(STATE)[1:]
    assert [c["id"] for c in cards] == sorted(str(c["id"]) for c in cards)
    (removed,) = [c for c in cards if c.get("removed")]
    assert removed["id"] == gone
    assert removed["removed"] is True
    status = _ok("status")
    assert f"deckgen.toml: removed: Why tanh? [{gone}, was in 'notes/ml/01-lstm.md: " in status

    assert f'forgot 1 removed note(s): "note:deckgen Q&A" (ID:{gone})' in _ok("prune")
    assert gone not in STATE.read_text(encoding="utf-8")
    assert len(state_lines(STATE)) == 1 + 5
    assert "no removed notes to forget" in _ok("prune")


def test_state__a_git_merge_conflict_names_its_line(project: Path) -> None:
    _ok("build")
    lines = STATE.read_text(encoding="utf-8").splitlines()
    package = PACKAGE.read_bytes()
    conflicted = [
        *lines[:3],
        "<<<<<<< HEAD",
        lines[3],
        "=======",
        lines[3].replace('"mtime": ', '"mtime": 1'),
        ">>>>>>> other",
        *lines[4:],
    ]
    STATE.write_text("\n".join(conflicted) + "\n", encoding="utf-8")
    write(project, {"notes/cs/games.md": GAMES + "\n### What is a mixed strategy?\n\nDice.\n"})
    output = _fails("build")
    assert "deckgen-state.jsonl:4: error: git merge conflict in deckgen-state.jsonl at line 4" in (
        output
    )
    assert PACKAGE.read_bytes() == package
    assert _fails("status") == output


def test_state__a_duplicated_key_names_its_line(project: Path) -> None:
    _ok("build")
    lines = STATE.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace('"part": ', '"question": "Again?", "part": ')
    STATE.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert 'deckgen-state.jsonl:3: error: "question" appears twice' in _fails("build")


def test_state__a_duplicated_id_names_both_lines(project: Path) -> None:
    _ok("build")
    lines = STATE.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[2])["id"]
    lines[5] = re.sub(r'"id": "[^"]+"', f'"id": "{first}"', lines[5])
    STATE.write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = _fails("build")
    assert f"deckgen-state.jsonl:6: error: ID {first} is also on line 3" in output


@pytest.mark.parametrize("mtime", ["-1", "99999999999999", "1.5", '"1700000000"'])
def test_state__an_out_of_range_mtime_is_refused_at_its_line(project: Path, mtime: str) -> None:
    _ok("build")
    lines = STATE.read_text(encoding="utf-8").splitlines()
    lines[4] = re.sub(r'"mtime": \d+', f'"mtime": {mtime}', lines[4])
    STATE.write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = _fails("build")
    assert "deckgen-state.jsonl:5: error: " in output
    assert "mtime" in output


def test_state__a_utf8_bom_is_accepted(project: Path) -> None:
    _ok("build")
    ids = _ids()
    STATE.write_bytes(b"\xef\xbb\xbf" + STATE.read_bytes())
    write(project, {"notes/cs/games.md": GAMES + "\n### What is a mixed strategy?\n\nDice.\n"})
    assert "1 new" in _ok("build")
    assert {q: i for q, i in _ids().items() if q in ids} == ids


# Commands on a project


def test_build__one_package_named_after_the_deck_and_dash_o(project: Path) -> None:
    output = _ok("build")
    assert "6 cards" in output
    assert "→ build/interview.apkg" in output
    notes = package_notes(PACKAGE)
    assert sorted(n.fields[0] for n in notes.values()) == sorted(
        [
            "What does the forget gate do?",
            "Why tanh?",
            "What is attention?",
            "Why scale by sqrt(d)?",
            "Why several heads?",
            "What is a Nash equilibrium?",
        ]
    )
    assert {n.guid for n in notes.values()} == set(_ids().values())
    _ok("build", "-o", "out/all.apkg")
    assert package_notes(Path("out/all.apkg")).keys() == notes.keys()


def test_build__from_a_subfolder_builds_the_whole_project(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project / "notes" / "ml")
    _ok("build")
    assert len(package_notes(project / PACKAGE)) == 6
    assert (project / STATE).is_file()
    assert not Path("build").exists()


def test_build__a_member_file_or_folder_alone_is_refused(project: Path) -> None:
    output = _fails("build", "notes/ml/01-lstm.md")
    assert re.search(
        r"^notes/ml/01-lstm.md: error: belongs to the project of \S*deckgen.toml", output
    )
    assert "build the project" in output
    output = _fails("build", "notes/ml")
    assert re.search(r"^notes/ml: error: is inside the project of \S*deckgen.toml", output)
    assert not PACKAGE.exists()
    assert not STATE.exists()
    assert not Path("notes/ml/01-lstm.deckgen.json").exists()


def test_build__a_folder_without_a_project_is_one_deck(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path,
        {
            "Course Notes/ml/lstm.md": LSTM,
            "Course Notes/games.md": GAMES,
            "Course Notes/.trash/old.md": markdown("Old", {"P": ["Old question?"]}),
        },
    )
    output = _ok("build", "Course Notes")
    assert "→ build/course-notes.apkg" in output
    notes = package_notes(Path("build/course-notes.apkg"))
    assert sorted(n.fields[0] for n in notes.values()) == sorted(
        ["What does the forget gate do?", "Why tanh?", "What is a Nash equilibrium?"]
    )
    assert {tag for n in notes.values() for tag in n.tags} == {
        "course-notes::ml::lstm::01-gates",
        "course-notes::games::01-equilibria",
    }
    state = tmp_path / "Course Notes" / STATE
    assert {str(line["id"]) for line in state_lines(state)[1:]} == set(notes)
    assert not (tmp_path / STATE).exists()
    assert "no changes" in _ok("status", "Course Notes")


def test_build__a_file_with_no_cards_is_a_warning_and_left_out(project: Path) -> None:
    write(project, {"notes/cs/empty.md": "# Empty\n\nNothing to ask yet.\n"})
    output = _ok("build")
    assert "notes/cs/empty.md: warning: no cards" in output
    assert "left out" in output
    assert len(package_notes(PACKAGE)) == 6
    assert "notes/cs/empty.md" not in STATE.read_text(encoding="utf-8")
    assert "notes/cs/empty.md" in _ok("check")


def test_build__selection_by_part_topic_and_grep(project: Path) -> None:
    _ok("build")
    ids = _ids()
    output = _ok("build", "--grep", "heads|forget")
    (package,) = re.findall(r"→ (build/\S+\.apkg)", output)
    assert package != str(PACKAGE)
    chosen = package_notes(Path(package))
    assert {n.fields[0] for n in chosen.values()} == {
        "Why several heads?",
        "What does the forget gate do?",
    }
    assert set(chosen) == {ids["Why several heads?"], ids["What does the forget gate do?"]}

    (package,) = re.findall(r"→ (build/\S+\.apkg)", _ok("build", "--part", "2"))
    assert {n.fields[0] for n in package_notes(Path(package)).values()} == {"Why several heads?"}

    write_toml(
        project,
        f'deck = "{DECK}"\ninclude = ["notes/**/*.md"]\nexclude = ["**/README.md"]\n'
        '[topics]\ngates = ["Gates"]\nequilibria = ["Equilibria"]\n',
    )
    (package,) = re.findall(r"→ (build/\S+\.apkg)", _ok("build", "--topic", "equilibria"))
    assert {n.fields[0] for n in package_notes(Path(package)).values()} == {
        "What is a Nash equilibrium?"
    }
    assert "selects no card" in _fails("build", "--grep", "no such question")
    assert _ids() == ids


def test_list__every_file_and_the_project_total(project: Path) -> None:
    output = _ok("list")
    lines = output.splitlines()
    assert lines[-1] == "project 'Interview': 6 cards in 3 files (search: tag:interview::*)"
    headers = [line.split(":")[0] for line in lines if not line.startswith(" ")][:-1]
    assert headers == ["notes/cs/games.md", "notes/ml/01-lstm.md", "notes/ml/02-attention.md"]
    assert "tag:interview::ml::02-attention::02-heads" in output
    assert "README" not in output
    assert "draft" not in output


def test_check__clean_project_and_an_error_in_one_file(project: Path) -> None:
    assert _ok("check").splitlines()[-1] == "3 files checked: 0 errors, 0 warnings, 0 notes"
    broken = GAMES + "\n### What is a mixed strategy?\n\n```python\nx = 1\n\n### Lost?\n\nA.\n"
    write(project, {"notes/cs/games.md": broken})
    output = _fails("check")
    assert "notes/cs/games.md:11: error: code fence never closed" in output
    assert "3 files checked: 1 error" in output


def test_build__the_same_question_in_two_files_stays_two_stable_cards(project: Path) -> None:
    write(
        project,
        {"notes/cs/games.md": GAMES + "\n### What is attention?\n\nWhat players pay.\n"},
    )
    _ok("build")
    first = state_lines(STATE)
    same = {
        str(c["file"]): str(c["id"]) for c in first[1:] if c["question"] == "What is attention?"
    }
    assert sorted(same) == ["notes/cs/games.md", "notes/ml/02-attention.md"]
    assert len(set(same.values())) == 2
    assert len(package_notes(PACKAGE)) == 7
    # Moving the other file's copy into another folder keeps both IDs where they were.
    (project / "notes" / "cs" / "games.md").rename(project / "notes" / "ml" / "games.md")
    _ok("build")
    again = {
        str(c["file"]): str(c["id"])
        for c in state_lines(STATE)[1:]
        if c["question"] == "What is attention?"
    }
    assert again == {
        "notes/ml/games.md": same["notes/cs/games.md"],
        "notes/ml/02-attention.md": same["notes/ml/02-attention.md"],
    }


def test_status__before_the_first_build_and_after_edits(project: Path) -> None:
    assert _ok("status").splitlines() == [
        (
            "deckgen.toml: no deckgen-state.jsonl yet: the next build gives 6 cards their "
            "question-based IDs"
        )
    ]
    assert not STATE.exists()
    _ok("build")
    assert _ok("status").splitlines() == ["deckgen.toml: no changes"]
    write(
        project,
        {
            "notes/cs/games.md": GAMES.replace(
                "### What is a Nash equilibrium?", "### What is a Nash equilibrium, exactly?"
            ),
            "notes/ml/01-lstm.md": LSTM.replace("The answer to: Why tanh?", "Range -1..1."),
        },
    )
    assert _ok("status").splitlines() == [
        "deckgen.toml: 1 reworded, 1 changed",
        (
            "notes/cs/games.md:5: reworded: What is a Nash equilibrium, exactly? "
            "(was: What is a Nash equilibrium?)"
        ),
        "notes/ml/01-lstm.md:9: changed: Why tanh?",
    ]


# Identity


def _fresh_ids(root: Path, files: dict[str, str], toml: str) -> dict[str, str]:
    root.mkdir()
    write(root, files)
    write_toml(root, toml)
    result = deckgen("build", str(root))
    assert result.exit_code == 0, result.output
    return _ids(root / STATE)


def test_ids__new_cards_ids_depend_on_the_question_not_the_file_or_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    toml = f'deck = "{DECK}"\ninclude = ["**/*.md"]\n'
    one = _fresh_ids(
        tmp_path / "one", {"a/lstm.md": LSTM, "a/attention.md": ATTENTION, "b/g.md": GAMES}, toml
    )
    merged = LSTM + "\n" + ATTENTION.split("\n", 1)[1] + "\n" + GAMES.split("\n", 1)[1]
    two = _fresh_ids(tmp_path / "two", {"x/y/everything.md": merged}, toml)
    assert len(one) == 6
    assert one == two
    renamed = _fresh_ids(
        tmp_path / "three",
        {"z.md": merged},
        'deck = "Other"\nnamespace = "interview"\ninclude = ["z.md"]\n',
    )
    assert renamed == one
    other = _fresh_ids(tmp_path / "four", {"z.md": merged}, 'deck = "Other"\ninclude = ["z.md"]\n')
    assert set(other.values()).isdisjoint(one.values())


def test_check__the_same_question_in_two_files_warns_with_both_places(project: Path) -> None:
    write(project, {"notes/cs/games.md": GAMES + "\n### What is attention?\n\nWhat players pay.\n"})
    output = _ok("check")
    warned = [
        line for line in output.splitlines() if "What is attention?" in line or "duplicate" in line
    ]
    assert warned, output
    assert any("notes/cs/games.md" in line and "02-attention.md" in line for line in warned)
