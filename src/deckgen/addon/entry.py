"""The add-on's `__init__.py` inside Anki: serve while a profile is open.

deckgen's own modules travel in the add-on's `vendor/` folder (the records, the plan and the
collection writer: nothing Anki does not ship is needed), put on the path here.
"""

from __future__ import annotations

import sys
from pathlib import Path

_VENDOR = str(Path(__file__).resolve().parent / "vendor")
if _VENDOR not in sys.path:
    sys.path.insert(0, _VENDOR)


def _port() -> int:
    from aqt import mw

    from deckgen.addon.server import DEFAULT_PORT

    config = mw.addonManager.getConfig(__name__) if mw is not None else None
    port = config.get("port") if isinstance(config, dict) else None
    return port if isinstance(port, int) else DEFAULT_PORT


def _opened() -> None:
    from aqt import mw

    from deckgen.addon.server import start

    start(Path(mw.pm.profileFolder()), _port())


def _closing() -> None:
    from aqt import mw

    from deckgen.addon.server import stop

    stop(Path(mw.pm.profileFolder()))


def _register() -> None:
    from aqt import gui_hooks

    gui_hooks.profile_did_open.append(_opened)
    gui_hooks.profile_will_close.append(_closing)


if "aqt" in sys.modules:  # inside Anki; importing this file elsewhere (a test) does nothing
    _register()
