"""Arbitrary Markdown-ish text gives a clean error or a deck that Anki imports; never a crash."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deckgen.cli.commands import cli
from tests.anki_support import import_apkg, notes, open_collection
from tests.fragments import FRAGMENTS

pytestmark = pytest.mark.anki

DIAGNOSTIC = re.compile(r"^.+?(:\d+)?: (error|warning): .+$")


@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(
    pieces=st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=4), max_size=40),
    allow_html=st.booleans(),
    skeleton=st.booleans(),
)
def test_property__any_text_is_a_clean_error_or_an_importable_deck(
    pieces: list[str], allow_html: bool, skeleton: bool
) -> None:
    # Half the documents start with one good card, so the rest lands inside a real deck.
    text = ("## Part 1: A\n\n### Q\n\nA.\n\n" if skeleton else "") + "".join(pieces)
    flags = ["--allow-html"] if allow_html else []
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "doc.md"
        source.write_bytes(text.encode("utf-8", "surrogatepass"))
        out = Path(tmp) / "doc.apkg"

        checked = CliRunner().invoke(cli, ["check", str(source), *flags])
        assert checked.exception is None or isinstance(checked.exception, SystemExit)
        assert checked.exit_code in (0, 1)

        result = CliRunner().invoke(cli, ["build", str(source), "-o", str(out), *flags])
        assert result.exception is None or isinstance(result.exception, SystemExit)
        if result.exit_code != 0:
            assert result.exit_code == 1
            assert checked.exit_code == 1  # check and build agree on what is an error
            assert all(DIAGNOSTIC.match(line) for line in result.stderr.splitlines())
            assert not out.exists()
            return

        reported = int(result.stdout.split()[0])
        col = open_collection(Path(tmp) / "anki")
        try:
            import_apkg(col, out)
            seen = notes(col)
        finally:
            col.close()
        assert len(seen) == reported > 0
        assert all(note.fields["ID"] == note.guid for note in seen.values())
        assert all("<script" not in note.fields["Answer"] for note in seen.values())
