"""deckgen's add-on in the real Anki desktop, driven by `deckgen sync` over 127.0.0.1 (issue 24),
in the newest Anki (the project's) and in the oldest the add-on claims (its manifest's
`min_point_version`, `bundle.MIN_POINT_VERSION`), side by side.

`tests/addon_desktop.py` runs each Anki headless in processes of its own and reports every case
(the sync table, undo, the token, Anki busy, cut requests, Anki gone, the package on a second
collection, the `.ankiaddon` through Anki's add-on manager); here each case is a test, once per
Anki. The oldest Anki (`anki` and `aqt` from PyPI, and what they need that this environment
lacks) is installed with pip into `build/anki-<version>/` when missing, so a run pays for it
once, and put ahead of the project's packages on its processes' path: the same Python, Qt and
libraries otherwise. Which Anki each process ran, and from where, is checked too.
"""

from __future__ import annotations

import email
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from deckgen.addon.bundle import MIN_POINT_VERSION
from deckgen.notetype.definition import notetype_css
from deckgen.notetype.names import DEFAULT_THEME
from tests.addon_desktop import CASES
from tests.conftest import ROOT

pytestmark = [pytest.mark.desktop, pytest.mark.anki]

OLDEST = f"{MIN_POINT_VERSION // 10000}.{MIN_POINT_VERSION // 100 % 100:02d}"
"""The oldest Anki the add-on claims, as Anki names its versions (25.02)."""
OLDEST_PINS = tuple(
    f"{name}=={MIN_POINT_VERSION // 10000}.{MIN_POINT_VERSION // 100 % 100}"
    for name in ("anki", "aqt")
)
ANKIS = ("newest", "oldest")
# A guard against a hang, far above the half a minute a phase takes; nothing is asserted
# about time.
PHASE_TIMEOUT = 600


@dataclass(frozen=True, slots=True)
class Report:
    """What one Anki's phases reported: its version, where its modules came from, the cases."""

    anki: str
    modules: tuple[str, ...]
    cases: dict[str, dict[str, Any]]
    log: str


def oldest_anki() -> Path:
    """The oldest claimed Anki's packages in `build/`, installed from PyPI when missing."""
    folder = ROOT / "build" / f"anki-{OLDEST}"
    if (folder / ".complete").exists():
        return folder
    staging = folder.with_name(f"{folder.name}.{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(staging)]
    _pip([*pip, *OLDEST_PINS])
    missing = unmet(staging)
    if missing:
        _pip([*pip, *missing])
    (staging / ".complete").touch()
    try:
        staging.rename(folder)
    except OSError:  # another run (the same tree's, at the same time) put it there first
        shutil.rmtree(staging, ignore_errors=True)
        assert (folder / ".complete").exists(), f"{folder} is in the way: remove it"
    return folder


def _pip(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=900)
    assert done.returncode == 0, f"could not install Anki {OLDEST}: {argv}\n{done.stderr}"


def unmet(folder: Path) -> list[str]:
    """What the distributions in `folder` require and this environment does not hold."""
    metadata = [
        email.message_from_string(path.read_text(encoding="utf-8"))
        for path in folder.glob("*.dist-info/METADATA")
    ]
    there = {canonicalize_name(str(meta["Name"])) for meta in metadata}
    missing = []
    for meta in metadata:
        for line in meta.get_all("Requires-Dist") or []:
            requirement = Requirement(line)
            if canonicalize_name(requirement.name) in there:
                continue
            if requirement.marker is not None and not requirement.marker.evaluate():
                continue
            try:
                version = importlib.metadata.version(requirement.name)
            except importlib.metadata.PackageNotFoundError:
                missing.append(str(requirement))
                continue
            if not requirement.specifier.contains(version, prereleases=True):
                missing.append(str(requirement))
    return missing


def _drive(work: Path, packages: Path | None) -> Report:
    """Both phases of `tests.addon_desktop` on `work`, with `packages` first on the path."""
    work.mkdir(parents=True)
    css = {"default": notetype_css(DEFAULT_THEME), "paper": notetype_css("paper")}
    (work / "expected.json").write_text(json.dumps({"css": css}), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ANKI_BASE")}
    if packages is not None:
        env["PYTHONPATH"] = str(packages)
    log = ""
    cases: dict[str, dict[str, Any]] = {}
    versions, modules = set(), set()
    for phase in CASES:
        argv = ["--deckgen", sys.executable, "--src", str(ROOT / "src")]
        done = subprocess.run(
            [sys.executable, "-m", "tests.addon_desktop", phase, str(work), *argv],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=PHASE_TIMEOUT,
        )
        log += f"--- {phase}: exit {done.returncode}\n{done.stdout}{done.stderr}"
        reported = work / f"{phase}.json"
        if not reported.exists():
            continue
        report = json.loads(reported.read_text(encoding="utf-8"))
        versions.add(report["anki"])
        modules.update(report["modules"])
        cases.update({case["name"]: case for case in report["cases"]})
    return Report(", ".join(sorted(versions)), tuple(sorted(modules)), cases, log)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    """Each Anki's run, the two side by side (each waits on its processes)."""
    work = tmp_path_factory.mktemp("addon-desktop")
    oldest = oldest_anki()
    with ThreadPoolExecutor(2) as pool:
        newest_run = pool.submit(_drive, work / "newest", None)
        oldest_run = pool.submit(_drive, work / "oldest", oldest)
        return {"newest": newest_run.result(), "oldest": oldest_run.result()}


@pytest.mark.parametrize("case", [case for phase in CASES.values() for case in phase])
@pytest.mark.parametrize("anki", ANKIS)
def test_addon_desktop__case_holds(reports: dict[str, Report], anki: str, case: str) -> None:
    report = reports[anki]
    result = report.cases.get(case)
    assert result is not None, f"{anki} Anki did not report {case}:\n{report.log[-4000:]}"
    assert result["ok"], f"{anki} Anki ({report.anki}):\n{result['error']}"


def test_addon_desktop__each_anki_is_the_one_claimed(reports: dict[str, Report]) -> None:
    import anki.buildinfo

    oldest_folder = str(ROOT / "build" / f"anki-{OLDEST}")
    assert reports["newest"].anki == anki.buildinfo.version
    assert reports["oldest"].anki == OLDEST
    # Anki's modules of the oldest run came from its own folder alone, and the newest run's
    # from anywhere else.
    assert reports["oldest"].modules
    assert all(path.startswith(oldest_folder) for path in reports["oldest"].modules)
    assert not any(path.startswith(oldest_folder) for path in reports["newest"].modules)
