"""Settings from deckgen.toml, pyproject.toml and front matter: read strictly, errors exact."""

from __future__ import annotations

from pathlib import Path

import pytest

from deckgen.config.frontmatter import front_matter_settings
from deckgen.config.lookup import find_config
from deckgen.config.project import load_config
from deckgen.config.settings import SourceSettings
from deckgen.errors import SourceError
from deckgen.parse.markdown import make_markdown
from tests.conftest import ROOT

SHIPPED = ROOT / "deckgen.toml"


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(SourceError) as caught:
        load_config(path)
    return str(caught.value)


def test_config__shipped_config_groups_the_seed_into_topics() -> None:
    settings = load_config(SHIPPED).for_source(Path("source/ml-interview-qa.md"))
    assert settings.deck == "Interview Questions & Answers"
    names = [topic.name for topic in settings.topics]
    assert names[:2] == ["architectures", "llm"] and "game-theory" in names
    llm = settings.topics[1]
    assert [s.text for s in llm.parts] == ["4", "5", "6"]
    assert llm.origin == SHIPPED
    assert llm.line is not None
    assert SHIPPED.read_text(encoding="utf-8").splitlines()[llm.line - 1].startswith("llm = ")


def test_config__source_table_overrides_top_level(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "deckgen.toml",
        'subdecks = true\ntag-prefix = "study"\n[topics]\nall = ["1-99"]\n'
        '[sources.notes]\ndeck = "Notes"\nsubdecks = false\nquestion-level = 2\npart-level = 0\n'
        "[sources.notes.topics]\nfirst = [1]\n",
    )
    config = load_config(path)
    notes = config.for_source(Path("elsewhere/notes.md"))
    assert (notes.deck, notes.subdecks, notes.tag_prefix) == ("Notes", False, "study")
    assert (notes.part_level, notes.question_level) == (0, 2)
    assert [t.name for t in notes.topics] == ["all", "first"]
    other = config.for_source(Path("other.md"))
    assert (other.deck, other.subdecks, [t.name for t in other.topics]) == (None, True, ["all"])


def test_config__found_in_pyproject_tool_table(tmp_path: Path) -> None:
    _write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n\n[tool.deckgen]\nsubdecks = true\n')
    (tmp_path / "source").mkdir()
    found = find_config(tmp_path / "source")
    assert found == tmp_path / "pyproject.toml"
    assert load_config(found).defaults == SourceSettings(subdecks=True)


def test_config__deckgen_toml_wins_and_plain_pyproject_is_ignored(tmp_path: Path) -> None:
    _write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n')
    assert find_config(tmp_path) is None
    _write(tmp_path, "deckgen.toml", "")
    assert find_config(tmp_path) == tmp_path / "deckgen.toml"


def test_config__unknown_key_names_file_line_and_suggests(tmp_path: Path) -> None:
    path = _write(tmp_path, "deckgen.toml", '[sources.notes]\ndeck = "N"\nsubdeck = true\n')
    assert (
        _error(path) == f"{path}:3: sources.notes.subdeck: unknown key (did you mean 'subdecks'?)"
    )


def test_config__unknown_top_level_key_lists_known_keys(tmp_path: Path) -> None:
    path = _write(tmp_path, "deckgen.toml", "colour = 1\n")
    assert _error(path) == (
        f"{path}:1: colour: unknown key (known keys: deck, tag-prefix, subdecks, part-level, "
        "question-level, topics, theme, question, question-pattern, html, include, exclude, "
        "namespace, collection, profile, sources)"
    )


def test_config__sync_keys_name_a_collection_from_the_configs_folder(tmp_path: Path) -> None:
    from deckgen.config.project import load_config

    path = _write(tmp_path, "deckgen.toml", 'collection = "anki/collection.anki2"\n')
    assert load_config(path).collection == tmp_path / "anki" / "collection.anki2"
    path = _write(tmp_path, "deckgen.toml", 'profile = "User 1"\n')
    config = load_config(path)
    assert config.profile == "User 1" and config.collection is None
    path = _write(tmp_path, "deckgen.toml", "profile = 3\n")
    assert _error(path) == f"{path}:1: profile: expected a non-empty string"


def test_config__bad_values_say_what_was_expected(tmp_path: Path) -> None:
    cases = {
        'subdecks = "yes"\n': (
            '1: subdecks: expected true, false, "folders", "files" or "parts", got \'yes\''
        ),
        "question-level = 7\n": "1: question-level: expected a heading level from 1 to 6, got 7",
        'tag-prefix = "my tag"\n': (
            "1: tag-prefix: expected a tag such as 'ml' or 'ml::interview' (letters, digits, "
            "'-', '_', '.', '::' between levels, no spaces), got 'my tag'"
        ),
        "[topics]\nllm = 4\n": (
            '2: topics.llm: expected a list of part numbers, ranges ("11-18") or title pieces, '
            "got 4"
        ),
        '[topics]\nllm = ["6-4"]\n': "2: topics.llm: range '6-4' runs backwards; write 4-6",
        '[topics]\n"l l m" = [1]\n': (
            "2: topics.l l m: a topic name is letters, digits, '-' and '_' (it becomes a tag)"
        ),
        "part-level = 3\nquestion-level = 3\n": (
            "1: part-level: 3 must be above question-level 3 (parts hold questions, so "
            "part-level is the smaller number)"
        ),
        "[sources]\nnotes = 1\n": "2: sources.notes: expected a table of settings for this file",
        "deck = \n": "1: not valid TOML: Invalid value",
    }
    for text, expected in cases.items():
        path = _write(tmp_path, "deckgen.toml", text)
        assert _error(path) == f"{path}:{expected}", text


def test_config__pyproject_errors_name_the_tool_table(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "pyproject.toml", '[project]\nname = "x"\n\n[tool.deckgen.topics]\nllm = []\n'
    )
    assert _error(path) == (
        f'{path}:5: tool.deckgen.topics.llm: expected a list of part numbers, ranges ("11-18") '
        "or title pieces, got an empty list"
    )


def _front(text: str, tmp_path: Path) -> SourceSettings:
    return front_matter_settings(make_markdown().parse(text, {}), tmp_path / "doc.md")


def test_front_matter__deckgen_key_sets_file_settings(tmp_path: Path) -> None:
    text = (
        "---\ntitle: Other tools' key\ntags: [a, b]\ndeckgen:\n  deck: Statistics\n"
        "  question-level: 2\n  topics:\n    basics: [1, '2-3']\n---\n# T\n"
    )
    settings = _front(text, tmp_path)
    assert (settings.deck, settings.question_level) == ("Statistics", 2)
    (basics,) = settings.topics
    assert [s.text for s in basics.parts] == ["1", "2-3"] and basics.line == 8


def test_front_matter__without_deckgen_key_says_nothing(tmp_path: Path) -> None:
    assert _front("---\ntitle: x\n---\n# T\n", tmp_path) == SourceSettings()
    # Not even YAML: another tool's business.
    assert _front("---\nlayout = [post\n---\n# T\n", tmp_path) == SourceSettings()
    assert _front("# No front matter\n", tmp_path) == SourceSettings()


def test_front_matter__errors_point_at_the_line(tmp_path: Path) -> None:
    cases = {
        "---\ndeckgen:\n  deck: A\n  subdeck: true\n---\n": (
            "4: deckgen.subdeck: unknown key (did you mean 'subdecks'?)"
        ),
        "---\ndeckgen:\n  deck: [1]\n---\n": (
            "3: deckgen.deck: expected a deck name (a non-empty string), got a list"
        ),
        "---\ntitle: a\ndeckgen: [x\n---\n": (
            "3: front matter is not valid YAML: expected ',' or ']', but got '<stream end>'"
        ),
    }
    for text, expected in cases.items():
        with pytest.raises(SourceError) as caught:
            _front(text, tmp_path)
        assert str(caught.value) == f"{tmp_path / 'doc.md'}:{expected}", text
