"""The preview pages served on 127.0.0.1, reloaded in the browser after every rebuild.

A small `http.server` in a thread of its own: each page is made when asked for, and gets a few
lines of script that listen to `/events` (Server-Sent Events) and reload the page once a
rebuild has happened since it was made. Nothing leaves the machine, and nothing is loaded from
anywhere else; the script goes into the served page only, never into a file `deckgen preview`
writes. Requests naming another host than 127.0.0.1 or localhost are refused, so that a web
page elsewhere cannot read the preview through a DNS name pointed at this machine.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

HOST = "127.0.0.1"
KEEPALIVE_SECONDS = 15.0
"""A comment line this often keeps an idle event stream open through proxies and sleep."""

# Reload once a rebuild newer than the page's own has happened (the stream sends the current
# one on connecting, so a rebuild between the page's making and its connecting counts too).
RELOAD = """<script>(() => {{
  const made = "{generation}";
  const events = new EventSource("/events");
  events.onmessage = (event) => {{
    if (event.data !== made) {{ events.close(); location.reload(); }}
  }};
}})();</script>
"""

Pages = Callable[[str], str | None]
"""The page named by a request's path without its leading `/` (`""`: the first page); None: no
such page."""


class PreviewServer:
    """Serves `pages` on 127.0.0.1 at a free port, and tells open pages when to reload."""

    def __init__(self, pages: Pages, port: int = 0) -> None:
        self.pages = pages
        self.generation = 0
        self.changed = threading.Condition()
        self.closing = False
        self.httpd = _HTTPServer((HOST, port), _Handler)
        self.httpd.preview = self
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, name="deckgen-preview", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def start(self) -> PreviewServer:
        self.thread.start()
        return self

    def reload(self) -> None:
        """A rebuild has happened: open pages reload."""
        with self.changed:
            self.generation += 1
            self.changed.notify_all()

    def close(self) -> None:
        """Stop serving; open event streams end."""
        with self.changed:
            self.closing = True
            self.changed.notify_all()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()

    def page(self, name: str) -> bytes | None:
        """The page `name` with the reload script, as sent."""
        generation = self.generation  # before making it: a rebuild meanwhile reloads it
        html = self.pages(name)
        if html is None:
            return None
        script = RELOAD.format(generation=generation)
        at = html.rfind("</body>")
        html = html[:at] + script + html[at:] if at >= 0 else html + script
        return html.encode("utf-8")

    def wait(self, seen: int, timeout: float) -> int | None:
        """The generation once it is no longer `seen` (or after `timeout`: `seen`); None when
        the server is closing."""
        with self.changed:
            self.changed.wait_for(lambda: self.closing or self.generation != seen, timeout)
            return None if self.closing else self.generation


class _HTTPServer(ThreadingHTTPServer):
    """The HTTP server, knowing the preview it serves."""

    daemon_threads = True
    preview: PreviewServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def do_GET(self) -> None:
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
        if host not in (HOST, "localhost"):
            self._send(HTTPStatus.FORBIDDEN, b"the preview answers 127.0.0.1 only\n")
            return
        path = unquote(urlsplit(self.path).path)
        if path == "/events":
            self._events()
            return
        body = self.server.preview.page(path.removeprefix("/"))
        if body is None:
            self._send(HTTPStatus.NOT_FOUND, b"no such page\n")
            return
        self._send(HTTPStatus.OK, body, "text/html; charset=utf-8")

    def _send(self, status: HTTPStatus, body: bytes, kind: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _events(self) -> None:
        """The event stream: the current generation now, each new one as it comes."""
        preview = self.server.preview
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.close_connection = True
        seen = preview.generation
        message = f"retry: 1000\ndata: {seen}\n\n"
        try:
            while True:
                self.wfile.write(message.encode())
                self.wfile.flush()
                now = preview.wait(seen, KEEPALIVE_SECONDS)
                if now is None:
                    return
                message = f"data: {now}\n\n" if now != seen else ": still here\n\n"
                seen = now
        except OSError:
            return  # the page was closed or reloaded

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the watch's own lines say what happens."""
