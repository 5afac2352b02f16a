"""Helpers for project tests: the seed as plain data, project files written from that data, and
the `deckgen` command run in-process from a project's folder."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner, Result

from deckgen.cli.commands import cli
from deckgen.slug import slugify

_PART = re.compile(r"^Part (\d+): (.*)$")


@dataclass
class QA:
    """One question and its answer's Markdown."""

    question: str
    body: str
    origin: str = ""
    """The seed question this card continues (through rewordings); empty for an added card."""


@dataclass
class Part:
    heading: str
    questions: list[QA]


@dataclass
class NoteFile:
    """A Markdown file of a project, as data: written by `render`."""

    path: str
    """Relative to the project's folder, with `/`."""
    title: str
    parts: list[Part]
    groups: dict[str, str] | None = None
    """Part heading → its group: when set, the file has the shape `## <group>` / `### <part>` /
    `#### <question>` instead of `## <part>` / `### <question>`."""
    lines: dict[str, int] = field(default_factory=dict)
    """Each question's line in the text `render` made last."""

    def render(self) -> str:
        """The file's Markdown; records each question heading's line in `lines`."""
        part, question = ("###", "####") if self.groups else ("##", "###")
        out = [f"# {self.title}", ""]
        group = None
        self.lines = {}
        for each in self.parts:
            if self.groups and self.groups[each.heading] != group:
                group = self.groups[each.heading]
                out += [f"## {group}", ""]
            out += [f"{part} {each.heading}", ""]
            for qa in each.questions:
                self.lines[qa.question] = sum(line.count("\n") + 1 for line in out) + 1
                out += [f"{question} {qa.question}", "", qa.body.strip("\n"), ""]
            out += ["---", ""]
        return "\n".join(out)

    def cards(self) -> list[tuple[Part, QA]]:
        return [(part, qa) for part in self.parts for qa in part.questions]


def parse_seed(text: str) -> list[Part]:
    """The seed's parts and questions: `## ` parts, `### ` questions, an answer up to the next
    heading or `---` (where deckgen ends it too)."""
    parts: list[Part] = []
    body: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("## "):
            parts.append(Part(line[3:].strip(), []))
            body = None
        elif line.startswith("### "):
            question = line[4:].strip()
            parts[-1].questions.append(QA(question, "", origin=question))
            body = []
        elif line.strip() == "---":
            body = None
        elif body is not None:
            body.append(line)
            parts[-1].questions[-1].body = "\n".join(body).strip("\n")
    return parts


def part_tag(heading: str) -> str:
    """The tag deckgen gives a part heading `Part N: Title`: `NN-<slug of title>`."""
    match = _PART.match(heading)
    assert match is not None, heading
    return f"{int(match[1]):02d}-{slugify(match[2])}"


def file_tag(prefix: str, path: str, base: str = "notes") -> str:
    """`<prefix>::<folder slugs>::<file slug>` for a file at `path` in a project whose
    `include` starts in `base` (tags name the folders below it)."""
    *folders, name = path.removeprefix(f"{base}/").split("/")
    stem = name.rsplit(".", 1)[0]
    return "::".join([prefix, *(slugify(f) for f in folders), slugify(stem)])


def deckgen(*args: str) -> Result:
    """`deckgen ARGS` in-process, in the current folder; exceptions are not swallowed."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def write_toml(folder: Path, text: str) -> Path:
    path = folder / "deckgen.toml"
    path.write_text(text, encoding="utf-8")
    return path


def markdown(title: str, parts: dict[str, list[str]]) -> str:
    """A small source: `# title`, then `## <part>` / `### <question>` with a one-line answer."""
    out = [f"# {title}", ""]
    for part, questions in parts.items():
        out += [f"## {part}", ""]
        for question in questions:
            out += [f"### {question}", "", f"The answer to: {question}", ""]
    return "\n".join(out)


def write(root: Path, files: dict[str, str]) -> None:
    """Write each file (path relative to `root`: its text), folders made as needed."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@dataclass(frozen=True)
class PackagedNote:
    guid: str
    fields: list[str]
    tags: list[str]


def package_notes(package: Path) -> dict[str, PackagedNote]:
    """The notes inside an `.apkg`, by GUID, read straight from its SQLite collection."""
    import sqlite3
    import tempfile
    import zipfile

    with tempfile.TemporaryDirectory() as folder:
        with zipfile.ZipFile(package) as archive:
            archive.extract("collection.anki2", folder)
        db = sqlite3.connect(Path(folder) / "collection.anki2")
        try:
            rows = db.execute("select guid, flds, tags from notes").fetchall()
        finally:
            db.close()
    return {
        str(guid): PackagedNote(str(guid), str(flds).split("\x1f"), str(tags).split())
        for guid, flds, tags in rows
    }


def state_lines(path: Path) -> list[dict[str, object]]:
    """Every line of a project's state file, parsed."""
    import json

    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
