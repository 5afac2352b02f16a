"""The command line's side of the add-on: find it beside the collection, and have it apply a
deck inside the running Anki. Every way this can fail is one clear line."""

from __future__ import annotations

import http.client
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deckgen.addon.server import HOST, TOKEN_FILE
from deckgen.addon.wire import PROTOCOL, SyncRequest, decode_applied, encode_request
from deckgen.collection.write import Applied
from deckgen.errors import DeckgenError

STATUS_TIMEOUT = 2.0
SYNC_TIMEOUT = 900.0
INSTALL = "run `deckgen addon install` and restart Anki"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where the add-on of the profile holding a collection listens, and its token."""

    port: int
    token: str


class AddonError(DeckgenError):
    """The add-on cannot be used; the message says what to do."""


def find_addon(collection: Path) -> Endpoint | None:
    """The add-on's endpoint from the token file it leaves in the profile folder while the
    profile is open (None: no add-on running for this profile)."""
    try:
        info = json.loads((collection.parent / TOKEN_FILE).read_text(encoding="utf-8"))
        return Endpoint(int(info["port"]), str(info["token"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def answers_for(endpoint: Endpoint, collection: Path) -> bool:
    """Whether the add-on answers and has this very collection open; an `AddonError` when an
    add-on answers but refuses the token."""
    try:
        status, body = _call(endpoint, "GET", "/deckgen/status", None, STATUS_TIMEOUT)
    except (OSError, http.client.HTTPException, ValueError):
        return False
    if status == 401:
        # A running Anki's add-on, which may well have this collection open: the file must
        # not be written behind its back, and Anki's lock on the file cannot tell (Anki lets
        # go of it for good once it has made a backup, its own every half hour or the sync's).
        raise AddonError(_refusal(status, body))
    open_now = body.get("collection")
    return status == 200 and open_now is not None and _same(Path(open_now), collection)


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or a.samefile(b)
    except OSError:
        return False


def sync_via_addon(endpoint: Endpoint, request: SyncRequest, write_package: Any) -> Applied:
    """Send the deck; when the collection has no deckgen notetype yet, send it again with a
    package of its notes (`write_package(deck, path)`), as the file sync imports one."""
    status, body = _post(endpoint, request)
    if status == 428:
        with tempfile.TemporaryDirectory(prefix="deckgen-") as folder:
            package = Path(folder) / "deckgen-sync.apkg"
            write_package(request.deck, package)
            with_package = SyncRequest(
                request.deck,
                request.removed,
                request.origins,
                request.settings,
                request.css,
                str(package),
            )
            status, body = _post(endpoint, with_package)
    if status != 200:
        raise AddonError(_refusal(status, body))
    if body.get("protocol") != PROTOCOL:
        raise AddonError(f"the add-on in Anki speaks another version of deckgen: {INSTALL}")
    return decode_applied(body)


def _post(endpoint: Endpoint, request: SyncRequest) -> tuple[int, dict[str, Any]]:
    data = json.dumps(encode_request(request)).encode()
    try:
        return _call(endpoint, "POST", "/deckgen/sync", data, SYNC_TIMEOUT)
    except ConnectionRefusedError:
        raise AddonError(
            "Anki is not running with deckgen's add-on: start Anki (or "
            f"{INSTALL}), or close Anki and sync the file with --via file"
        ) from None
    except (OSError, http.client.HTTPException, ValueError):
        raise AddonError(
            "the connection to Anki was cut before it answered: a sync is all or nothing, so "
            "Anki holds either the notes from before or the new ones; run deckgen sync again "
            "to finish the job"
        ) from None


def _refusal(status: int, body: dict[str, Any]) -> str:
    said = str(body.get("error", "")) or f"status {status}"
    if status == 401:
        return f"the add-on refused deckgen's token ({said}): restart Anki so it writes a new one"
    if status == 400:
        return f"the add-on in Anki does not understand this deckgen ({said}): {INSTALL}"
    if status in (409, 503):
        return f"Anki cannot sync now: {said}"
    return f"Anki's add-on: {said}"


def _call(
    endpoint: Endpoint, method: str, path: str, data: bytes | None, timeout: float
) -> tuple[int, dict[str, Any]]:
    connection = http.client.HTTPConnection(HOST, endpoint.port, timeout=timeout)
    try:
        headers = {"Authorization": f"Bearer {endpoint.token}"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        body = json.loads(response.read() or b"{}")
        return response.status, body if isinstance(body, dict) else {}
    finally:
        connection.close()
