"""fetch against real HTTP servers on loopback (port 0), plus HostLimiter and Retry-After."""

from __future__ import annotations

import random
import shutil
import socket
import ssl
import struct
import subprocess
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from nutgraf.errors import FetchError
from nutgraf.ingest.fetch import (
    FEED_MAX_BYTES,
    PAGE_MAX_BYTES,
    USER_AGENT,
    Fetched,
    FetchSettings,
    FetchTimeout,
    HostLimiter,
    NoTurn,
    OutOfTime,
    fetch,
    make_client,
    parse_retry_after,
)

LOOPBACK = FetchSettings(allow_networks=("127.0.0.0/8",), per_host_interval=0.0)
ONLY_127_0_0_1 = FetchSettings(allow_networks=("127.0.0.1/32",), per_host_interval=0.0)
FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'

Handler = Callable[[BaseHTTPRequestHandler], None]


# --- a loopback server ------------------------------------------------------------------------


@dataclass
class Server:
    """A ThreadingHTTPServer on 127.0.0.1 whose paths are served by ``routes``."""

    port: int
    routes: dict[str, Handler] = field(default_factory=dict)
    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    sni: list[str | None] = field(default_factory=list)

    def url(self, path: str = "/", host: str = "127.0.0.1", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"


def reply(
    status: int, body: bytes = b"", headers: dict[str, str] | None = None, *, length: bool = True
) -> Handler:
    """A handler that answers with a fixed status, headers and body."""

    def handle(request: BaseHTTPRequestHandler) -> None:
        request.send_response(status)
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        if length:
            request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    return handle


def redirect(location: str, status: int = 302) -> Handler:
    return reply(status, headers={"Location": location})


def start_server(context: ssl.SSLContext | None = None) -> tuple[Server, ThreadingHTTPServer]:
    """Serve on an ephemeral loopback port in a daemon thread."""
    state = Server(port=0)

    class RequestHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            state.routes.get(self.path, reply(404, b"no such path"))(self)

        def log_message(self, format: str, *args: object) -> None:
            pass

    class QuietServer(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: object, client_address: object) -> None:
            pass  # clients that hang up (deadline, size cap) are part of the tests

    httpd = QuietServer(("127.0.0.1", 0), RequestHandler)
    if context is not None:
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    state.port = httpd.server_address[1]
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    return state, httpd


@pytest.fixture
def server() -> Iterator[Server]:
    state, httpd = start_server()
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with make_client(LOOPBACK) as guarded:
        yield guarded


def get(client: httpx.Client, url: str, **kw: Any) -> Fetched:
    """fetch with the loopback settings and the feed size limit (kw passes through)."""
    return fetch(client, url, settings=LOOPBACK, max_bytes=FEED_MAX_BYTES, **kw)


# --- the happy path ---------------------------------------------------------------------------


def test_fetches_a_feed_with_its_metadata(server: Server, client: httpx.Client) -> None:
    headers = {
        "Content-Type": "application/rss+xml; charset=ISO-8859-1",
        "ETag": '"v1"',
        "Last-Modified": "Mon, 23 Nov 2026 10:00:00 GMT",
    }
    server.routes["/feed"] = reply(200, FEED, headers)
    got = fetch(client, server.url("/feed"), settings=LOOPBACK, max_bytes=FEED_MAX_BYTES)
    assert got.body == FEED
    assert (got.status, got.content_type, got.charset) == (200, "application/rss+xml", "iso-8859-1")
    assert (got.etag, got.last_modified) == ('"v1"', "Mon, 23 Nov 2026 10:00:00 GMT")
    assert got.url == got.final_url == server.url("/feed")
    assert not got.not_modified and got.redirects == ()
    sent = server.seen[0][1]
    assert sent["user-agent"] == USER_AGENT
    assert USER_AGENT.startswith("nutgraf/") and "self-hosted news reader" in USER_AGENT
    assert "if-none-match" not in sent


def test_proxy_settings_in_the_environment_are_ignored(
    server: Server, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    with make_client(LOOPBACK) as fresh:
        server.routes["/feed"] = reply(200, FEED)
        assert fetch(fresh, server.url("/feed"), settings=LOOPBACK, max_bytes=100).body == FEED


def test_gzip_and_deflate_bodies_are_decoded(server: Server, client: httpx.Client) -> None:
    gzipper = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
    gzipped = gzipper.compress(FEED) + gzipper.flush()
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    server.routes["/gz"] = reply(200, gzipped, {"Content-Encoding": "gzip"})
    server.routes["/zlib"] = reply(200, zlib.compress(FEED), {"Content-Encoding": "deflate"})
    raw_body = raw.compress(FEED) + raw.flush()
    server.routes["/raw"] = reply(200, raw_body, {"Content-Encoding": "deflate"})
    for path in ("/gz", "/zlib", "/raw"):
        assert get(client, server.url(path)).body == FEED
    assert "gzip" in server.seen[0][1]["accept-encoding"]


def test_unrequested_content_encoding_is_refused(server: Server, client: httpx.Client) -> None:
    server.routes["/br"] = reply(200, b"\x00\x01", {"Content-Encoding": "br"})
    with pytest.raises(FetchError, match=r"Content-Encoding br, which nutgraf did not ask for"):
        get(client, server.url("/br"))


# --- the address guard ------------------------------------------------------------------------


def test_loopback_is_refused_without_the_allow_list(server: Server) -> None:
    server.routes["/feed"] = reply(200, FEED)
    settings = FetchSettings()
    with make_client(settings) as plain, pytest.raises(FetchError) as caught:
        fetch(plain, server.url("/feed"), settings=settings, max_bytes=100)
    assert str(caught.value) == (
        f"{server.url('/feed')} resolves to 127.0.0.1, a loopback address; nutgraf refuses it "
        "(add the network to allow_networks to allow intranet feeds)"
    )
    assert server.seen == []


def test_the_transport_itself_refuses_at_connect_time(server: Server) -> None:
    """Even bypassing fetch's own checks, the client cannot reach a refused address."""
    server.routes["/feed"] = reply(200, FEED)
    with make_client(FetchSettings()) as plain:
        for host in ("127.0.0.1", "localhost"):
            with pytest.raises(FetchError, match="a loopback address; nutgraf refuses it"):
                plain.get(server.url("/feed", host=host))
        with pytest.raises(FetchError, match="unusual spelling"):
            plain.get(f"http://2130706433:{server.port}/feed")
    assert server.seen == []


def test_a_name_resolving_to_a_private_address_is_refused() -> None:
    settings = FetchSettings()
    with (
        make_client(settings, resolver=lambda host, port, timeout: ["10.0.0.5"]) as guarded,
        pytest.raises(FetchError) as caught,
    ):
        fetch(guarded, "http://feeds.intranet.test/rss", settings=settings, max_bytes=100)
    assert str(caught.value).startswith(
        "http://feeds.intranet.test/rss resolves to 10.0.0.5, a private address; "
    )


def test_one_bad_address_among_several_refuses_the_host() -> None:
    settings = FetchSettings()
    answers = ["93.184.215.14", "127.0.0.1"]
    with (
        make_client(settings, resolver=lambda host, port, timeout: answers) as guarded,
        pytest.raises(FetchError, match=r"resolves to 127\.0\.0\.1, a loopback address"),
    ):
        fetch(guarded, "http://rebind.test/", settings=settings, max_bytes=100)


def test_connects_to_the_vetted_address_and_keeps_the_host_name(server: Server) -> None:
    """The resolver is asked once; the socket goes to its answer; Host stays the name."""
    asked: list[str] = []

    def resolver(host: str, port: int, timeout: float | None) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]

    server.routes["/feed"] = reply(200, FEED)
    with make_client(LOOPBACK, resolver=resolver) as guarded:
        url = f"http://news.test:{server.port}/feed"
        assert fetch(guarded, url, settings=LOOPBACK, max_bytes=100).body == FEED
    assert asked == ["news.test"]
    assert server.seen[0][1]["host"] == f"news.test:{server.port}"


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.2:{port}/feed",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://[::ffff:127.0.0.1]:{port}/feed",
        "http://2130706433:{port}/feed",
        "http://0x7f.1:{port}/feed",
        "http://127.1:{port}/feed",
        "http://0177.0.0.1:{port}/feed",
        "http://evil.test:{port}/feed",
    ],
)
def test_a_redirect_to_a_refused_address_is_refused_at_that_hop(
    server: Server, target: str
) -> None:
    location = target.format(port=server.port)
    server.routes["/start"] = redirect(location)
    server.routes["/feed"] = reply(200, FEED)
    resolver = {"evil.test": ["10.0.0.1"]}
    with (
        make_client(ONLY_127_0_0_1, resolver=lambda h, p, t: resolver[h]) as guarded,
        pytest.raises(FetchError) as caught,
    ):
        fetch(guarded, server.url("/start"), settings=ONLY_127_0_0_1, max_bytes=100)
    message = str(caught.value)
    assert "\n" not in message
    # httpx itself rejects 0177.0.0.1 while reading the Location header
    assert "refuses" in message or "redirects to an invalid URL: Invalid IPv4" in message
    assert [path for path, _ in server.seen] == ["/start"]


def test_redirect_to_another_scheme_is_refused(server: Server, client: httpx.Client) -> None:
    server.routes["/start"] = redirect("file:///etc/passwd")
    with pytest.raises(FetchError, match=r"^file:///etc/passwd uses file; nutgraf only fetches"):
        get(client, server.url("/start"))


@pytest.mark.parametrize(
    "url", ["ftp://example.org/feed.xml", "file:///etc/passwd", "gopher://example.org/"]
)
def test_other_schemes_are_refused(client: httpx.Client, url: str) -> None:
    with pytest.raises(FetchError, match=r"nutgraf only fetches http:// and https:// URLs$"):
        get(client, url)


@pytest.mark.parametrize("url", ["not a url", "http://", "http://exa mple.org/"])
def test_bad_urls_are_refused_in_one_line(client: httpx.Client, url: str) -> None:
    with pytest.raises(FetchError) as caught:
        get(client, url)
    assert "\n" not in str(caught.value)


def test_unsendable_validators_are_a_fetch_error(server: Server, client: httpx.Client) -> None:
    server.routes["/feed"] = reply(200, FEED)
    for etag in ('"\u00e9t\u00e9\u2603"', '"a"\r\nX-Injected: 1'):
        with pytest.raises(FetchError) as caught:
            get(client, server.url("/feed"), etag=etag)
        assert "\n" not in str(caught.value)


def test_a_closed_port_is_a_fetch_error(client: httpx.Client) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchError, match=r"could not be fetched: cannot connect"):
        get(client, f"http://127.0.0.1:{port}/")


# --- redirects --------------------------------------------------------------------------------


def test_relative_redirects_are_followed(server: Server, client: httpx.Client) -> None:
    server.routes["/a"] = redirect("/b", 301)
    server.routes["/b"] = redirect("c?x=1", 308)
    server.routes["/c?x=1"] = reply(200, FEED)
    got = get(client, server.url("/a"))
    assert got.final_url == server.url("/c?x=1")
    assert got.redirects == (server.url("/b"), server.url("/c?x=1"))


def test_five_redirects_are_followed_and_a_sixth_is_refused(
    server: Server, client: httpx.Client
) -> None:
    for n in range(6):
        server.routes[f"/r{n}"] = redirect(f"/r{n + 1}")
    server.routes["/r6"] = reply(200, FEED)
    assert get(client, server.url("/r1")).body == FEED
    with pytest.raises(FetchError, match=r"/r0 redirects more than 5 times; nutgraf stopped$"):
        get(client, server.url("/r0"))


def test_a_redirect_loop_is_refused(server: Server, client: httpx.Client) -> None:
    server.routes["/a"] = redirect("/b")
    server.routes["/b"] = redirect("/a")
    with pytest.raises(FetchError, match=r"redirects in a loop \(back to http://127"):
        get(client, server.url("/a"))


def test_a_redirect_without_location_is_an_error(server: Server, client: httpx.Client) -> None:
    server.routes["/a"] = reply(302)
    with pytest.raises(FetchError, match=r"redirects \(HTTP 302\) without a Location$"):
        get(client, server.url("/a"))


# --- deadline and size ------------------------------------------------------------------------


def drip(request: BaseHTTPRequestHandler) -> None:
    """Headers at once, then one byte every 0.1 s for a minute."""
    request.send_response(200)
    request.send_header("Content-Length", "600")
    request.end_headers()
    for _ in range(600):
        request.wfile.write(b"x")
        request.wfile.flush()
        time.sleep(0.1)


def test_a_dripping_server_is_cut_at_the_deadline(server: Server) -> None:
    server.routes["/drip"] = drip
    settings = FetchSettings(allow_networks=("127.0.0.0/8",), deadline=1.0, read_timeout=5.0)
    with make_client(settings) as guarded:
        started = time.monotonic()
        with pytest.raises(
            FetchError, match=r"took longer than the 1 s deadline; nutgraf gave up$"
        ):
            fetch(guarded, server.url("/drip"), settings=settings, max_bytes=FEED_MAX_BYTES)
    assert 0.9 < time.monotonic() - started < 2.0


def test_a_silent_server_is_cut_at_the_deadline_too(server: Server) -> None:
    server.routes["/silent"] = lambda request: time.sleep(5)
    settings = FetchSettings(allow_networks=("127.0.0.0/8",), deadline=0.5, read_timeout=5.0)
    with make_client(settings) as guarded:
        started = time.monotonic()
        with pytest.raises(FetchError, match="deadline"):
            fetch(guarded, server.url("/silent"), settings=settings, max_bytes=100)
    assert time.monotonic() - started < 1.5


def test_a_host_too_slow_is_unreachable_and_the_callers_time_is_not(server: Server) -> None:
    """The host's own deadline marks it too slow (its other pages would be as slow); the
    caller's ``until`` running out first says nothing of the host."""
    server.routes["/drip"] = drip
    settings = FetchSettings(allow_networks=("127.0.0.0/8",), deadline=0.5, read_timeout=5.0)
    with make_client(settings) as guarded:
        with pytest.raises(FetchTimeout) as slow:
            fetch(guarded, server.url("/drip"), settings=settings, max_bytes=FEED_MAX_BYTES)
        started = time.monotonic()
        with pytest.raises(OutOfTime) as cut:
            fetch(
                guarded,
                server.url("/drip"),
                settings=replace(settings, deadline=30.0),
                max_bytes=FEED_MAX_BYTES,
                until=started + 0.4,
            )
        elapsed = time.monotonic() - started
    assert slow.value.unreachable and not cut.value.unreachable
    assert (
        str(cut.value) == f"{server.url('/drip')} was not fetched: the time allowed for it ran out"
    )
    assert 0.3 < elapsed < 1.5


def test_until_counts_the_wait_for_the_host_limiter(server: Server, client: httpx.Client) -> None:
    server.routes["/feed"] = reply(200, FEED)
    limiter = HostLimiter(concurrency=1, interval=60.0)
    settings = FetchSettings(allow_networks=("127.0.0.0/8",), deadline=5.0)
    fetch(client, server.url("/feed"), settings=settings, max_bytes=100, limiter=limiter)
    started = time.monotonic()
    with pytest.raises(OutOfTime, match=r"ran out before its turn$"):
        fetch(
            client,
            server.url("/feed"),
            settings=settings,
            max_bytes=100,
            limiter=limiter,
            until=started + 1.0,
        )
    assert time.monotonic() - started < 0.5  # the next turn is a minute away: no waiting
    assert len(server.seen) == 1


@pytest.fixture(scope="session")
def gzip_bomb() -> bytes:
    """1 GiB of zeros as a valid ~1 MB gzip stream, built from one full-flushed block."""
    block = bytes(1 << 20)
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    first = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    repeat = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    tail = packer.flush()[:-8]
    crc = 0
    for _ in range(1024):
        crc = zlib.crc32(block, crc)
    return first + repeat * 1023 + tail + struct.pack("<II", crc, (1 << 30) & 0xFFFFFFFF)


def test_a_gzip_bomb_is_cut_off_early(
    server: Server, client: httpx.Client, gzip_bomb: bytes
) -> None:
    assert len(gzip_bomb) < 2 * 1024 * 1024
    server.routes["/bomb"] = reply(200, gzip_bomb, {"Content-Encoding": "gzip"})
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(FetchError) as caught:
            get(client, server.url("/bomb"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(caught.value) == (
        f"{server.url('/bomb')} is larger than the 10,485,760 byte limit "
        "(counted after decompression); nutgraf stopped reading it"
    )
    assert time.monotonic() - started < 3.0
    assert peak < 4 * FEED_MAX_BYTES


@pytest.mark.parametrize("length", [True, False])
def test_the_size_cap(server: Server, client: httpx.Client, length: bool) -> None:
    server.routes["/big"] = reply(200, b"x" * 2001, length=length)
    server.routes["/fits"] = reply(200, b"x" * 2000, length=length)
    settings = LOOPBACK
    assert len(fetch(client, server.url("/fits"), settings=settings, max_bytes=2000).body) == 2000
    with pytest.raises(FetchError, match=r"larger than the 2,000 byte limit"):
        fetch(client, server.url("/big"), settings=settings, max_bytes=2000)
    assert PAGE_MAX_BYTES == 5 * 1024 * 1024 and FEED_MAX_BYTES == 10 * 1024 * 1024


# --- conditional GET and statuses -------------------------------------------------------------


def test_conditional_get_returns_not_modified(server: Server, client: httpx.Client) -> None:
    def conditional(request: BaseHTTPRequestHandler) -> None:
        if request.headers.get("If-None-Match") == '"v1"':
            reply(304, headers={"ETag": '"v1"'}, length=False)(request)
        else:
            reply(200, FEED, {"ETag": '"v1"'})(request)

    server.routes["/feed"] = conditional
    since = "Mon, 23 Nov 2026 10:00:00 GMT"
    got = get(client, server.url("/feed"), etag='"v1"', last_modified=since)
    assert got.not_modified and got.status == 304 and got.body == b""
    assert got.etag == '"v1"' and got.last_modified == since
    assert server.seen[0][1]["if-modified-since"] == since
    assert not get(client, server.url("/feed"), etag='"v0"').not_modified


def test_429_with_retry_after_seconds(server: Server, client: httpx.Client) -> None:
    server.routes["/feed"] = reply(429, b"slow down", {"Retry-After": "120"})
    with pytest.raises(FetchError) as caught:
        get(client, server.url("/feed"), rng=random.Random(7))
    assert caught.value.retry_after is not None and 120 <= caught.value.retry_after <= 132
    assert str(caught.value).startswith(f"{server.url('/feed')} returned HTTP 429 Too Many")


def test_429_with_retry_after_as_a_date(server: Server, client: httpx.Client) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=300), usegmt=True)
    server.routes["/feed"] = reply(429, headers={"Retry-After": when})
    with pytest.raises(FetchError) as caught:
        get(client, server.url("/feed"), rng=random.Random(7))
    assert caught.value.retry_after is not None and 295 <= caught.value.retry_after <= 331


def test_retry_after_is_capped(server: Server, client: httpx.Client) -> None:
    server.routes["/feed"] = reply(503, headers={"Retry-After": "99999999"})
    with pytest.raises(FetchError, match=r"returned HTTP 503 Service Unavailable; retry after"):
        get(client, server.url("/feed"))


def test_503_without_retry_after(server: Server, client: httpx.Client) -> None:
    server.routes["/feed"] = reply(503)
    with pytest.raises(FetchError) as caught:
        get(client, server.url("/feed"))
    assert caught.value.retry_after is None
    assert str(caught.value) == f"{server.url('/feed')} returned HTTP 503 Service Unavailable"


def test_retry_after_cap_value(server: Server, client: httpx.Client) -> None:
    server.routes["/feed"] = reply(429, headers={"Retry-After": "99999999"})
    with pytest.raises(FetchError) as caught:
        get(client, server.url("/feed"))
    assert caught.value.retry_after is not None
    assert 6 * 3600 <= caught.value.retry_after <= 6 * 3600 * 1.1


@pytest.mark.parametrize(("status", "reason"), [(404, "Not Found"), (500, "Internal Server Error")])
def test_other_errors_give_status_and_reason(
    server: Server, client: httpx.Client, status: int, reason: str
) -> None:
    server.routes["/x"] = reply(status, b"oops")
    with pytest.raises(FetchError) as caught:
        get(client, server.url("/x"))
    assert str(caught.value) == f"{server.url('/x')} returned HTTP {status} {reason}"
    assert caught.value.retry_after is None


def test_parse_retry_after() -> None:
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    assert parse_retry_after("30", now=now) == 30.0
    assert parse_retry_after("Tue, 24 Nov 2026 12:01:00 GMT", now=now) == 60.0
    assert parse_retry_after("Tue, 24 Nov 2026 11:00:00 GMT", now=now) == 0.0
    for unusable in (None, "", "soon", "-5", "1.5e9"):
        assert parse_retry_after(unusable, now=now) is None


# --- HostLimiter ------------------------------------------------------------------------------


class FakeClock:
    """A clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_host_limiter_spaces_request_starts_per_host() -> None:
    clock = FakeClock()
    limiter = HostLimiter(concurrency=2, interval=1.5, clock=clock, sleep=clock.sleep)
    starts: list[tuple[str, float]] = []
    for host in ("a.example", "a.example", "b.example", "A.EXAMPLE"):
        with limiter.slot(host):
            starts.append((host.lower(), clock.now))
    assert starts == [
        ("a.example", 100.0),
        ("a.example", 101.5),
        ("b.example", 101.5),
        ("a.example", 103.0),
    ]
    assert clock.sleeps == [1.5, 1.5]


def test_host_limiter_bounds_concurrency_per_host() -> None:
    limiter = HostLimiter(concurrency=2, interval=0.0)
    inside = 0
    most = 0
    lock = threading.Lock()
    release = threading.Event()

    def work() -> None:
        nonlocal inside, most
        with limiter.slot("a.example"):
            with lock:
                inside += 1
                most = max(most, inside)
            release.wait(0.2)
            with lock:
                inside -= 1

    threads = [threading.Thread(target=work) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 2


def test_host_limiter_gives_no_turn_past_until() -> None:
    clock = FakeClock()
    limiter = HostLimiter(concurrency=1, interval=10.0, clock=clock, sleep=clock.sleep)
    with limiter.slot("a.example", until=clock.now + 1):
        pass
    with pytest.raises(NoTurn), limiter.slot("a.example", until=clock.now + 5):
        pass  # the next start is 10 s away
    with limiter.slot("a.example", until=clock.now + 11):  # no turn was taken by the refusal
        assert clock.sleeps == [10.0]
    busy = HostLimiter(concurrency=1, interval=0.0)
    with busy.slot("b.example"):
        started = time.monotonic()
        with pytest.raises(NoTurn), busy.slot("b.example", until=started + 0.2):
            pass  # the only slot is held
        assert 0.15 < time.monotonic() - started < 1.0
    with busy.slot("b.example", until=time.monotonic() + 0.2):
        pass  # and it was given back


def test_fetch_waits_for_the_host_limiter(server: Server, client: httpx.Client) -> None:
    server.routes["/feed"] = reply(200, FEED)
    waits: list[float] = []
    limiter = HostLimiter(concurrency=1, interval=60.0, sleep=waits.append)
    settings = FetchSettings(allow_networks=("127.0.0.0/8",), deadline=5.0)
    for _ in range(2):
        fetch(client, server.url("/feed"), settings=settings, max_bytes=100, limiter=limiter)
    assert len(waits) == 1 and 59 < waits[0] <= 60


# --- TLS: the socket goes to the vetted IP, SNI and certificate use the host name -------------


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: cannot make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=news.test",
         "-addext", "subjectAltName=DNS:news.test"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def test_tls_uses_the_host_name_for_sni_and_the_certificate(
    certificate: tuple[Path, Path],
) -> None:
    cert, key = certificate
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    state, httpd = start_server(server_context)
    server_context.sni_callback = lambda sock, name, ctx: state.sni.append(name)  # type: ignore[assignment,func-returns-value]
    state.routes["/feed"] = reply(200, FEED)
    trust = ssl.create_default_context(cafile=str(cert))
    try:
        resolver = {"news.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]}
        with make_client(LOOPBACK, ssl_context=trust, resolver=lambda h, p, t: resolver[h]) as tls:
            got = fetch(
                tls, state.url("/feed", "news.test", "https"), settings=LOOPBACK, max_bytes=99
            )
            assert got.body == FEED
            assert state.sni == ["news.test"]
            for host in ("other.test", "127.0.0.1"):
                with pytest.raises(FetchError, match="CERTIFICATE_VERIFY_FAILED"):
                    fetch(tls, state.url("/feed", host, "https"), settings=LOOPBACK, max_bytes=99)
    finally:
        httpd.shutdown()
        httpd.server_close()
