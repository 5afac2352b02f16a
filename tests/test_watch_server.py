"""The watch's preview server: pages with the reload script, the event stream that tells them a
rebuild happened, 127.0.0.1 only."""

from __future__ import annotations

import http.client
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from deckgen.options import BuildOptions
from deckgen.preview.page import preview
from deckgen.watch.pages import Pages
from deckgen.watch.scope import Scope
from deckgen.watch.server import HOST, PreviewServer

PAGE = "<!doctype html><html><body><p>card</p></body></html>"


@pytest.fixture
def server() -> Iterator[PreviewServer]:
    running = PreviewServer(lambda name: PAGE if name in ("", "a.html") else None).start()
    try:
        yield running
    finally:
        running.close()


def _get(server: PreviewServer, path: str, host: str | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection(HOST, server.port, timeout=10)
    connection.request("GET", path, headers={"Host": host or f"{HOST}:{server.port}"})
    return connection.getresponse()


def test_server__a_page_gets_the_reload_script_before_its_end(server: PreviewServer) -> None:
    assert server.url == f"http://127.0.0.1:{server.port}/"
    for path in ("/", "/a.html"):
        response = _get(server, path)
        body = response.read().decode()
        assert response.status == 200
        assert response.getheader("Content-Type") == "text/html; charset=utf-8"
        assert body.startswith("<!doctype html><html><body><p>card</p><script>")
        assert body.endswith("</script>\n</body></html>")
        assert 'new EventSource("/events")' in body and 'const made = "0"' in body


def test_server__unknown_pages_and_other_hosts_are_refused(server: PreviewServer) -> None:
    assert _get(server, "/b.html").status == 404
    # A DNS name pointed at 127.0.0.1 by someone else's page: refused.
    assert _get(server, "/", host=f"attacker.example:{server.port}").status == 403
    assert _get(server, "/", host=f"localhost:{server.port}").status == 200


def test_server__the_event_stream_says_each_rebuild(server: PreviewServer) -> None:
    response = _get(server, "/events")
    assert response.getheader("Content-Type") == "text/event-stream"
    assert response.readline() == b"retry: 1000\n"
    assert response.readline() == b"data: 0\n"
    assert response.readline() == b"\n"
    server.reload()
    assert response.readline() == b"data: 1\n"
    # A page made now knows it is of the second build: it does not reload for the first.
    assert 'const made = "1"' in _get(server, "/").read().decode()


def test_server__closing_ends_the_open_streams(server: PreviewServer) -> None:
    response = _get(server, "/events")
    assert response.readline() == b"retry: 1000\n"
    server.close()
    assert response.read() == b"data: 0\n\n"
    server.thread.join(5)
    assert not server.thread.is_alive()


def test_server__the_script_is_in_the_served_page_only_not_in_a_preview_file(
    tmp_path: Path, seed_copy: Path
) -> None:
    lock = threading.Lock()
    pages = Pages(BuildOptions(), lock)
    pages.use(Scope(files=((seed_copy, None),)))
    running = PreviewServer(pages).start()
    try:
        served = _get(running, "/").read().decode()
    finally:
        running.close()
    written = preview(seed_copy, tmp_path / "page.html").output.read_text("utf-8")
    assert "EventSource" in served and "EventSource" not in written
    # Otherwise the same page: the served one is the file plus the script.
    script = re.compile(r"<script>\(\(\) => \{\n  const made.*?</script>\n", re.DOTALL)
    assert script.sub("", served) == written
