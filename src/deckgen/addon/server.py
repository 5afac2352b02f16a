"""The add-on's side, inside a running Anki: a small HTTP server on 127.0.0.1 that applies a
deck the command line built, with the very code of the file sync (`collection.write`).

Requests arrive on a thread of their own; the work runs on Anki's main thread (through
`CollectionOp`, as Anki's own actions do), as one undoable step (*Edit → Undo deckgen sync*),
and the open screens refresh as after any of Anki's operations. A token in the profile folder,
readable only by its owner, keeps every other local program from driving it.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import os
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deckgen import __version__
from deckgen.addon.wire import PROTOCOL, SyncRequest, decode_request, encode_applied
from deckgen.collection.write import notetype_state, sync_open
from deckgen.errors import DeckgenError
from deckgen.model import Deck

if TYPE_CHECKING:
    from anki.collection import Collection

HOST = "127.0.0.1"
DEFAULT_PORT = 8767
TOKEN_FILE = "deckgen-addon.json"
"""In the profile folder: the port and the token the command line must show."""
UNDO_NAME = "deckgen sync"
WAIT = 600.0
"""How long a request waits for Anki's main thread, at most."""


@dataclass(slots=True)
class Reply:
    status: int
    body: dict[str, Any]


def _apply(col: Collection, request: SyncRequest) -> dict[str, Any]:
    """The sync itself, on the collection Anki has open."""
    path = Path(col.path)

    @contextmanager
    def package_of(fresh: Deck) -> Iterator[Path]:
        if request.package is None:
            raise PackageNeededError()
        yield Path(request.package)

    applied = sync_open(
        col,
        path,
        request.deck,
        request.removed,
        request.origins,
        request.settings,
        css=request.css,
        package_of=package_of,
    )
    return encode_applied(applied)


class PackageNeededError(Exception):
    """The collection lacks deckgen's notetype: the command line must send a package."""


def _main(request: SyncRequest, done: Callable[[Reply], None]) -> None:
    """On Anki's main thread: refuse when busy, else run the sync as an undoable operation."""
    from aqt import mw
    from aqt.operations import CollectionOp
    from aqt.qt import QApplication

    if mw is None or mw.col is None:
        done(Reply(503, {"error": "no profile is open in Anki"}))
        return
    if QApplication.activeModalWidget() is not None:
        done(Reply(409, {"error": "Anki is busy with a dialog: close it and run again"}))
        return
    col = mw.col
    try:
        notetype = notetype_state(
            col, request.css, allow_full_sync=request.settings.allow_full_sync
        )
    except DeckgenError as exc:
        done(Reply(422, {"error": str(exc)}))
        return
    if notetype == "added" and request.package is None and not request.settings.dry_run:
        done(Reply(428, {"error": "send the package", "need": "package"}))
        return
    if request.settings.dry_run:
        try:
            done(Reply(200, _apply(col, request)))
        except DeckgenError as exc:
            done(Reply(422, {"error": str(exc)}))
        return
    result: dict[str, Any] = {}

    def op(col: Collection) -> Any:
        position = col.add_custom_undo_entry(UNDO_NAME)
        result.update(_apply(col, request))
        return col.merge_undo_entries(position)

    def failed(exc: Exception) -> None:
        status = 422 if isinstance(exc, DeckgenError) else 500
        done(Reply(status, {"error": str(exc) or type(exc).__name__}))

    (
        CollectionOp(parent=mw, op=op)
        .success(lambda _changes: done(Reply(200, result)))
        .failure(failed)
        .run_in_background()
    )


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: Anki shows stderr to the user as errors."""

    def _send(self, reply: Reply) -> None:
        data = json.dumps(reply.body).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the command line gave up: the sync still ends
            self.wfile.write(data)

    def _authorised(self) -> bool:
        given = self.headers.get("Authorization", "").removeprefix("Bearer ")
        if hmac.compare_digest(given.encode(), self.server.token.encode()):
            return True
        self._send(Reply(401, {"error": "wrong token"}))
        return False

    def do_GET(self) -> None:
        if not self._authorised():
            return
        if self.path != "/deckgen/status":
            self._send(Reply(404, {"error": "no such call"}))
            return
        self._send(Reply(200, self.server.status()))

    def do_POST(self) -> None:
        if not self._authorised():
            return
        if self.path != "/deckgen/sync":
            self._send(Reply(404, {"error": "no such call"}))
            return
        try:
            length = int(self.headers.get("Content-Length", "0"))
            request = decode_request(json.loads(self.rfile.read(length)))
        except (ValueError, KeyError, TypeError) as exc:
            self._send(Reply(400, {"error": f"not a deckgen request: {exc}"}))
            return
        self._send(self.server.run(request))


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, token: str, run_on_main: Callable[[Callable[[], None]], None]):
        super().__init__((HOST, port), _Handler)
        self.token = token
        self._run_on_main = run_on_main
        self._lock = threading.Lock()

    def status(self) -> dict[str, Any]:
        from aqt import mw

        col = mw.col if mw is not None else None
        return {
            "protocol": PROTOCOL,
            "version": __version__,
            "collection": col.path if col is not None else None,
        }

    def run(self, request: SyncRequest) -> Reply:
        """Run one sync on the main thread and wait for it; one at a time."""
        with self._lock:
            finished = threading.Event()
            replies: list[Reply] = []

            def done(reply: Reply) -> None:
                replies.append(reply)
                finished.set()

            def start() -> None:
                try:
                    _main(request, done)
                except Exception as exc:  # noqa: BLE001 (reported to the command line)
                    done(Reply(500, {"error": str(exc) or type(exc).__name__}))

            self._run_on_main(start)
            if not finished.wait(WAIT):
                return Reply(504, {"error": "Anki did not answer in time"})
            return replies[0]


_running: _Server | None = None


def start(profile_folder: Path, port: int = DEFAULT_PORT) -> None:
    """Serve on `port` and leave the token for the command line in the profile's folder."""
    global _running
    from aqt import mw

    stop(profile_folder)
    token = secrets.token_urlsafe(32)
    server = _Server(port, token, mw.taskman.run_on_main)
    threading.Thread(target=server.serve_forever, name="deckgen add-on", daemon=True).start()
    _running = server
    info = {"port": server.server_address[1], "token": token, "protocol": PROTOCOL}
    target = profile_folder / TOKEN_FILE
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(info, handle)


def stop(profile_folder: Path) -> None:
    """Stop serving and take the token away (the profile closes, or Anki quits)."""
    global _running
    if _running is not None:
        _running.shutdown()
        _running.server_close()
        _running = None
    (profile_folder / TOKEN_FILE).unlink(missing_ok=True)
