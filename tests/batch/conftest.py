"""A real HTTP site on loopback (port 0) whose pages the tests set, and the CLI runner."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
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
    delay: float = 0.0  # seconds to wait before answering (a slow server)
    drip: float = 0.0  # seconds between the body's bytes (a server that drips its page)


class Site:
    """Pages by path; counts requests; answers 304 when the ETag matches.

    ``address`` is any loopback address (127.0.0.2 is another host to the per-host limiter);
    ``served`` holds (path, start, end) on the monotonic clock for every page answered.
    """

    def __init__(self, address: str = "127.0.0.1") -> None:
        self.address = address
        self.pages: dict[str, Page] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.served: list[tuple[str, float, float]] = []
        handler = self._handler()
        self.server = ThreadingHTTPServer((address, 0), handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )  # checks for shutdown every 50 ms: a test's teardown does not wait half a second

    @property
    def base(self) -> str:
        return f"http://{self.address}:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                started = time.monotonic()
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
                time.sleep(page.delay)
                self.send_response(page.status)
                self.send_header("Content-Type", page.content_type)
                self.send_header("Content-Length", str(len(page.body)))
                if page.etag:
                    self.send_header("ETag", page.etag)
                for name, value in page.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                # Noted before the body goes out: the client cannot finish any sooner.
                site.served.append((self.path, started, time.monotonic()))
                if not page.drip:
                    self.wfile.write(page.body)
                    return
                try:  # one byte at a time, until the client hangs up
                    for byte in page.body:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(page.drip)
                except OSError:
                    pass

            def log_message(self, *_: object) -> None:
                pass

        return Handler


@contextmanager
def serving(address: str = "127.0.0.1") -> Iterator[Site]:
    """A Site running on ``address`` until the block ends."""
    served = Site(address)
    served.thread.start()
    try:
        yield served
    finally:
        served.server.shutdown()
        served.server.server_close()


@pytest.fixture
def site() -> Iterator[Site]:
    with serving() as served:
        yield served


@pytest.fixture
def loopback_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the address guard reach the loopback test site (intranet allow-list)."""
    monkeypatch.setenv("NUTGRAF_ALLOW_NETWORKS", "127.0.0.0/8")
    monkeypatch.setenv("NUTGRAF_CONFIG", "/nonexistent/nutgraf.toml")
