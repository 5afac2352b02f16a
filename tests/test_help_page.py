"""`deckgen --help` from the stored page: equal to click's page, printed without click, and used
only when click would print exactly that page."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import click
import pytest

from deckgen import helppage, launch
from deckgen.cli import cli

BIN = Path(sys.executable).parent
SCRIPT = str(BIN / "deckgen")
# The path the stored page stands in for: click's own `deckgen` group, as cli.main runs it.
THROUGH_CLICK = [sys.executable, "-c", "from deckgen.cli import main; main()"]
INVOCATIONS = {
    "script": [sys.executable, SCRIPT],
    "python -m": [sys.executable, "-m", "deckgen"],
}
CLICK_WIDTH = """\
import click
from deckgen.cli import cli
print(click.Context(cli, info_name="deckgen", **cli.context_settings).make_formatter().width)
"""


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "_DECKGEN_COMPLETE")}
    return env | extra


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False
    )


def _click_output(args: list[str], env: dict[str, str]) -> str:
    result = _run([*THROUGH_CLICK, *args], env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _launched(command: list[str], env: dict[str, str]) -> tuple[str, set[str]]:
    """What a command prints, and the top-level modules it imported (from -X importtime)."""
    result = _run([command[0], "-X", "importtime", *command[1:]], env)
    assert result.returncode == 0, result.stderr
    modules = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }
    assert "deckgen" in modules, result.stderr
    return result.stdout, modules


def test_help_page__stored_page_is_what_click_prints() -> None:
    stale = "src/deckgen/helppage.py differs from click's page: run `make help-page`"
    assert _click_output(["--help"], _env()) == helppage.PAGE, stale
    width = _run([sys.executable, "-c", CLICK_WIDTH], _env()).stdout
    assert int(width) == helppage.WIDTH, stale


@pytest.mark.parametrize("invocation", sorted(INVOCATIONS))
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_page__group_help_is_clicks_page_without_click(invocation: str, flag: str) -> None:
    printed, modules = _launched([*INVOCATIONS[invocation], flag], _env())
    assert printed == _click_output([flag], _env())
    assert "click" not in modules


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--help"], {"COLUMNS": "60"}),
        (["-h"], {"COLUMNS": "79"}),
        (["build", "--help"], {}),
        (["--help", "--version"], {}),
        (["--help"], {"_DECKGEN_COMPLETE": "bash_source"}),
    ],
)
def test_help_page__any_other_page_comes_from_click(args: list[str], env: dict[str, str]) -> None:
    printed, modules = _launched([*INVOCATIONS["script"], *args], _env(**env))
    assert printed == _click_output(args, _env(**env))
    assert "click" in modules


@pytest.mark.parametrize("columns", ["120", "80", "79", "60", "40", "0", "-5", "wide", " 90 ", ""])
def test_help_page__launcher_computes_clicks_width(
    columns: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    context = click.Context(cli, info_name="deckgen", **cli.context_settings)
    assert launch.help_width() == context.make_formatter().width


def _on_terminal(command: list[str], columns: int) -> bytes:
    """What a command writes to a terminal `columns` wide."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    with subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=follower, stderr=subprocess.PIPE, env=_env()
    ) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closes with EIO once the command has exited
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait() == 0, process.stderr.read() if process.stderr else ""
    os.close(leader)
    return b"".join(chunks)


@pytest.mark.parametrize("columns", [100, 60])
def test_help_page__terminal_width_is_followed(columns: int) -> None:
    printed = _on_terminal([*INVOCATIONS["script"], "--help"], columns)
    assert printed == _on_terminal([*THROUGH_CLICK, "--help"], columns)
    assert (printed == helppage.PAGE.replace("\n", "\r\n").encode()) == (columns >= 80)


@pytest.mark.parametrize("command", [INVOCATIONS["script"], THROUGH_CLICK])
def test_help_page__reader_gone_exits_1_quietly_as_click_does(command: list[str]) -> None:
    reader, writer = os.pipe()
    os.close(reader)
    try:
        result = subprocess.run(
            [*command, "--help"], stdout=writer, stderr=subprocess.PIPE, env=_env(), check=False
        )
    finally:
        os.close(writer)
    assert (result.returncode, result.stderr) == (1, b"")


@pytest.mark.parametrize("language", ["xx", "yy"])
def test_help_page__a_translation_of_clicks_words_goes_to_click(
    language: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalogue = tmp_path / "xx" / "LC_MESSAGES" / "messages.mo"
    catalogue.parent.mkdir(parents=True)
    catalogue.write_bytes(b"")
    monkeypatch.setattr(launch, "LOCALE_DIR", str(tmp_path))
    monkeypatch.setenv("LANGUAGE", language)
    monkeypatch.setenv("COLUMNS", "100")
    expected = None if language == "xx" else helppage.PAGE
    assert launch.stored_page(["--help"]) == expected
