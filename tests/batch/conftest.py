"""A real HTTP site on loopback (port 0) whose pages the tests set, and the CLI runner."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    etag: str | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


class Site:
    """Pages by path; counts requests; answers 304 when the ETag matches."""

    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests.append((self.path, dict(self.headers)))
                page = site.pages.get(self.path.split("?")[0])
                if page is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if page.etag and self.headers.get("If-None-Match") == page.etag:
                    self.send_response(304)
                    self.send_header("ETag", page.etag)
                    self.end_headers()
                    return
                self.send_response(page.status)
                self.send_header("Content-Type", page.content_type)
                self.send_header("Content-Length", str(len(page.body)))
                if page.etag:
                    self.send_header("ETag", page.etag)
                for name, value in page.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(page.body)

            def log_message(self, *_: object) -> None:
                pass

        return Handler


@pytest.fixture
def site() -> Iterator[Site]:
    served = Site()
    served.thread.start()
    try:
        yield served
    finally:
        served.server.shutdown()
        served.server.server_close()


@pytest.fixture
def loopback_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the address guard reach the loopback test site (intranet allow-list)."""
    monkeypatch.setenv("NUTGRAF_ALLOW_NETWORKS", "127.0.0.0/8")
    monkeypatch.setenv("NUTGRAF_CONFIG", "/nonexistent/nutgraf.toml")
