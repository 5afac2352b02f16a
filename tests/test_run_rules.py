"""The suite's own rule (the hooks in tests/conftest.py): a run passes only when every test ran
and passed; a skip, an xfail or an xpass fails it. Each case runs a one-test suite with those
hooks through pytest's `pytester`."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

HOOKS = "from tests.conftest import pytest_sessionfinish, pytest_terminal_summary\n"

NOT_PASSED = {
    "skipped": ("def test_it():\n    pytest.skip('no chromium')\n", "no chromium"),
    "xfailed": (
        "@pytest.mark.xfail(reason='known bug')\ndef test_it():\n    assert False\n",
        "XFAIL known bug",
    ),
    "xpassed": (
        "@pytest.mark.xfail(reason='known bug')\ndef test_it():\n    pass\n",
        "XPASS known bug",
    ),
}


@pytest.mark.parametrize("outcome", NOT_PASSED)
def test_run__a_test_that_did_not_run_and_pass_fails_the_run(
    pytester: pytest.Pytester, outcome: str
) -> None:
    body, said = NOT_PASSED[outcome]
    pytester.makeconftest(HOOKS)
    pytester.makepyfile(f"import pytest\n\n{body}")
    result = pytester.runpytest()
    result.assert_outcomes(**{outcome: 1})
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*fail the run*", f"*::test_it: {said}"])


def test_run__tests_that_pass_pass_the_run(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(HOOKS)
    pytester.makepyfile("def test_it():\n    pass\n")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK
    assert "fail the run" not in result.stdout.str()
