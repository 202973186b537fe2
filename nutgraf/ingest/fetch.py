"""The only module that talks HTTP: fetch one feed or page, safely.

``make_client(settings)`` builds an ``httpx.Client`` whose connections go through the address
guard in ``nutgraf.ingest.netguard`` (the resolved address is checked at connect time, on
every hop, with no proxies from the environment). ``fetch(client, url, ...)`` does one GET:
http/https only, redirects followed by hand (each hop re-checked), a total deadline, a size
cap counted after decompression, conditional GET, Retry-After, and per-host politeness
through ``HostLimiter``. Every failure is a ``FetchError`` with a one-line message: a
``FetchTimeout`` when the host was too slow (connecting, sending, or for the whole fetch),
``OutOfTime`` when the caller's own time (``until``: a feed's page budget) ran out first.
"""

from __future__ import annotations

import functools
import random
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from importlib.metadata import PackageNotFoundError, version

import httpcore
import httpx

from nutgraf.errors import FetchError
from nutgraf.ingest.netguard import (
    AddressRefused,
    GuardedBackend,
    Resolver,
    check_address,
    check_host_spelling,
    deadline_scope,
    parse_networks,
    resolve_host,
)

__all__ = [
    "FEED_MAX_BYTES",
    "PAGE_MAX_BYTES",
    "USER_AGENT",
    "FetchSettings",
    "FetchTimeout",
    "Fetched",
    "HostLimiter",
    "NoTurn",
    "OutOfTime",
    "fetch",
    "is_fetchable",
    "make_client",
    "make_limiter",
    "parse_retry_after",
]

FEED_MAX_BYTES = 10 * 1024 * 1024
PAGE_MAX_BYTES = 5 * 1024 * 1024
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({429, 503})


def _package_version() -> str:
    """nutgraf's installed version, or ``0+unknown`` when it is not installed."""
    try:
        return version("nutgraf")
    except PackageNotFoundError:
        return "0+unknown"


USER_AGENT = (
    f"nutgraf/{_package_version()} (+https://github.com/nutgraf/nutgraf; self-hosted news reader)"
)


class FetchTimeout(FetchError):
    """The host was too slow: connecting, waiting for data, or for the whole fetch. Other
    URLs on that host are likely to be as slow, so it counts as ``unreachable``."""

    def __init__(self, message: str) -> None:
        super().__init__(message, unreachable=True)


class OutOfTime(FetchError):
    """The caller's time ran out (``until``) before the fetch could start or end: this says
    nothing of the host."""


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """How nutgraf fetches.

    ``allow_networks`` lists CIDR networks (``"10.0.0.0/8"``) that may be fetched although
    they are not public (intranet feeds); empty by default. ``deadline`` bounds a whole fetch
    (connect, every redirect, the body) in seconds; ``connect_timeout`` and ``read_timeout``
    bound single operations. ``retry_after_cap`` caps a server's Retry-After, in seconds.
    """

    allow_networks: tuple[str, ...] = ()
    max_redirects: int = 5
    deadline: float = 30.0
    connect_timeout: float = 10.0
    read_timeout: float = 15.0
    user_agent: str = USER_AGENT
    per_host_concurrency: int = 2
    per_host_interval: float = 1.0
    retry_after_cap: float = 6 * 3600.0


@dataclass(frozen=True, slots=True)
class Fetched:
    """The outcome of one fetch.

    ``url`` is the URL asked for, ``final_url`` the one that answered, ``redirects`` the URLs
    redirected to, in order. ``content_type`` is the media type, lowercased, without
    parameters (``""`` when the server sent none); ``charset`` its charset parameter.
    ``not_modified`` is True for a 304 answer to a conditional GET; ``body`` is then empty.
    """

    url: str
    final_url: str
    status: int
    content_type: str
    charset: str | None
    etag: str | None
    last_modified: str | None
    body: bytes
    not_modified: bool = False
    redirects: tuple[str, ...] = ()


# --- per-host politeness ----------------------------------------------------------------------


class NoTurn(TimeoutError):
    """``HostLimiter.slot`` could not give a turn at the host before the time ran out."""


@dataclass(slots=True)
class _HostState:
    """One host's semaphore and the time its next request may start."""

    slots: threading.BoundedSemaphore
    next_start: float = field(default=float("-inf"))


class HostLimiter:
    """Per-host concurrency and spacing, safe to share between threads.

    At most ``concurrency`` requests run at once against one host, and request starts to one
    host are at least ``interval`` seconds apart. ``clock`` and ``sleep`` are injectable.
    """

    def __init__(
        self,
        concurrency: int = 2,
        interval: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"HostLimiter concurrency must be at least 1, not {concurrency}")
        self._concurrency = concurrency
        self._interval = max(0.0, interval)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._hosts: dict[str, _HostState] = {}

    @contextmanager
    def slot(self, host: str, *, until: float | None = None) -> Iterator[None]:
        """Hold one of ``host``'s slots, starting no sooner than its spacing allows.

        Raises:
            NoTurn: ``until`` (on the limiter's clock) comes before a slot is free or before
                the host's spacing would let the request start; no turn is taken.
        """
        with self._lock:
            state = self._hosts.get(host.lower())
            if state is None:
                state = _HostState(threading.BoundedSemaphore(self._concurrency))
                self._hosts[host.lower()] = state
        left = None if until is None else max(0.0, until - self._clock())
        if not state.slots.acquire(timeout=left):
            raise NoTurn(f"no turn at {host} before the time ran out")
        try:
            with self._lock:
                now = self._clock()
                start = max(now, state.next_start)
                if until is not None and start >= until:
                    raise NoTurn(f"{host}'s next turn comes after the time runs out")
                state.next_start = start + self._interval
            if start > now:
                self._sleep(start - now)
            yield
        finally:
            state.slots.release()


def make_limiter(settings: FetchSettings) -> HostLimiter:
    """A HostLimiter with the settings' per-host concurrency and interval."""
    return HostLimiter(settings.per_host_concurrency, settings.per_host_interval)


# --- the client -------------------------------------------------------------------------------


@functools.cache
def _default_ssl_context() -> ssl.SSLContext:
    """httpx's verifying context (certifi's CAs), built once: loading the CAs is slow."""
    return httpx.create_ssl_context()


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's transport with its connection pool built on the guarded network backend."""

    def __init__(self, backend: GuardedBackend, ssl_context: ssl.SSLContext | None) -> None:
        context = ssl_context if ssl_context is not None else _default_ssl_context()
        super().__init__(verify=context, trust_env=False)  # then the pool is replaced
        self._pool = httpcore.ConnectionPool(
            ssl_context=context,
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            http1=True,
            http2=False,
            network_backend=backend,
        )


def make_client(
    settings: FetchSettings,
    *,
    ssl_context: ssl.SSLContext | None = None,
    resolver: Resolver = resolve_host,
) -> httpx.Client:
    """Build the guarded client: use it with ``fetch`` and close it when done.

    Args:
        settings: ``allow_networks`` and the user agent are taken from here.
        ssl_context: certificates to trust instead of the system's (tests, private CAs).
        resolver: how host names become addresses (``socket.getaddrinfo`` by default).

    Returns:
        An ``httpx.Client`` that connects only to vetted addresses, ignores proxy
        environment variables, and never follows redirects by itself.
    """
    backend = GuardedBackend(parse_networks(settings.allow_networks), resolver)
    return httpx.Client(
        transport=_GuardedTransport(backend, ssl_context),
        trust_env=False,
        follow_redirects=False,
        headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
    )


# --- Retry-After ------------------------------------------------------------------------------


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After value (seconds or an HTTP date), or None if unusable.

    Args:
        value: the header value.
        now: the current time (aware), for the date form.

    Returns:
        A delay of at least 0 seconds, or None for a missing or unreadable value.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _retry_delay(asked: float, cap: float, rng: random.Random) -> float:
    """The server's delay capped at ``cap``, plus up to 10% jitter (never less than asked)."""
    return min(asked, cap) * rng.uniform(1.0, 1.1)


# --- small helpers ----------------------------------------------------------------------------


def _one_line(text: str, limit: int = 200) -> str:
    """Server-supplied text made safe for a one-line message."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _parse_url(text: str, base: httpx.URL | None = None) -> httpx.URL:
    """Parse (and resolve against ``base``) a URL; refuse anything but http and https."""
    try:
        url = base.join(text) if base is not None else httpx.URL(text)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise FetchError(f"{_one_line(text)} is not a valid URL: {_one_line(str(exc))}") from None
    if url.scheme not in ("http", "https"):
        scheme = url.scheme or "no scheme"
        raise FetchError(
            f"{_one_line(text)} uses {scheme}; nutgraf only fetches http:// and https:// URLs"
        )
    if not url.host:
        raise FetchError(f"{_one_line(text)} has no host name")
    return url


def is_fetchable(text: str) -> bool:
    """Whether ``text`` is an address nutgraf would fetch: absolute http(s) with a host."""
    try:
        _parse_url(text)
    except FetchError:
        return False
    return True


def _precheck(url: httpx.URL, settings: FetchSettings) -> None:
    """Refuse a literal address early (the connect-time guard checks again)."""
    try:
        literal = check_host_spelling(url.host)
        if literal is not None:
            check_address(url.host, literal, parse_networks(settings.allow_networks))
    except AddressRefused as exc:
        raise FetchError(f"{url} {exc.detail}") from None


def _media_type(header: str | None) -> tuple[str, str | None]:
    """``("text/html", "utf-8")`` from ``"text/html; charset=UTF-8"``."""
    if not header:
        return "", None
    media, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip().strip("\"'"):
            charset = value.strip().strip("\"'").lower()
    return media.strip().lower(), charset


class _Inflater:
    """Bounded gzip/deflate decoding: never produces much more than it is allowed to."""

    def __init__(self, encoding: str) -> None:
        self._gzip = encoding in ("gzip", "x-gzip")
        self._raw_fallback = not self._gzip
        self._obj = self._new()

    def _new(self, raw: bool = False) -> zlib._Decompress:
        wbits = -zlib.MAX_WBITS if raw else (16 + zlib.MAX_WBITS if self._gzip else zlib.MAX_WBITS)
        return zlib.decompressobj(wbits)

    def inflate(self, data: bytes, room: int) -> bytes:
        """Decode ``data``; stops once more than ``room`` bytes came out."""
        out: list[bytes] = []
        pending = data
        while pending and room >= 0:
            if self._obj.eof:
                if not (self._gzip and pending.startswith(b"\x1f\x8b")):
                    break  # trailing bytes after the stream: ignore them, as browsers do
                self._obj = self._new()
            try:
                chunk = self._obj.decompress(pending, room + 1)
            except zlib.error:
                if not self._raw_fallback:
                    raise
                self._raw_fallback = False  # "deflate" sent without the zlib wrapper
                self._obj = self._new(raw=True)
                continue
            self._raw_fallback = False
            out.append(chunk)
            room -= len(chunk)
            pending = self._obj.unused_data if self._obj.eof else self._obj.unconsumed_tail
        return b"".join(out)


def _read_body(response: httpx.Response, url: httpx.URL, max_bytes: int, deadline: float) -> bytes:
    """The decoded body, refused once it passes ``max_bytes`` or the deadline."""
    too_big = (
        f"{url} is larger than the {max_bytes:,} byte limit (counted after decompression); "
        "nutgraf stopped reading it"
    )
    codings = [
        c.strip().lower()
        for c in response.headers.get("Content-Encoding", "").split(",")
        if c.strip() and c.strip().lower() != "identity"
    ]
    if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
        raise FetchError(
            f"{url} is sent with Content-Encoding {', '.join(codings)}, "
            "which nutgraf did not ask for (it accepts gzip and deflate)"
        )
    declared = response.headers.get("Content-Length", "")
    if not codings and declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(too_big)
    inflater = _Inflater(codings[0]) if codings else None
    parts: list[bytes] = []
    total = 0
    for raw in response.iter_raw():
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("the fetch deadline passed")
        try:
            data = raw if inflater is None else inflater.inflate(raw, max_bytes - total)
        except zlib.error as exc:
            raise FetchError(f"{url} has a corrupt {codings[0]} body: {exc}") from None
        total += len(data)
        if total > max_bytes:
            raise FetchError(too_big)
        parts.append(data)
    return b"".join(parts)


# --- one hop ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Hop:
    """What one request answered: a redirect target, or a final response with its body."""

    status: int
    headers: httpx.Headers
    body: bytes = b""
    location: httpx.URL | None = None


def _request_hop(
    client: httpx.Client,
    url: httpx.URL,
    *,
    settings: FetchSettings,
    headers: dict[str, str],
    max_bytes: int,
    deadline: float,
    rng: random.Random,
) -> _Hop:
    """One GET; raises FetchError for error statuses, reads the body only for 2xx."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise httpx.ReadTimeout("the fetch deadline passed")
    timeout = httpx.Timeout(
        connect=min(settings.connect_timeout, left),
        read=min(settings.read_timeout, left),
        write=min(settings.read_timeout, left),
        pool=min(settings.connect_timeout, left),
    )
    request = client.build_request("GET", url, headers=headers, timeout=timeout)
    with deadline_scope(deadline):
        response = client.send(request, stream=True)
        try:
            status = response.status_code
            if status in REDIRECT_STATUSES:
                location = response.headers.get("Location")
                if not location:
                    raise FetchError(f"{url} redirects (HTTP {status}) without a Location")
                return _Hop(status, response.headers, location=_parse_url(location, url))
            if status == 304:
                return _Hop(status, response.headers)
            if status in RETRY_STATUSES:
                asked = parse_retry_after(
                    response.headers.get("Retry-After"), now=datetime.now(UTC)
                )
                delay = (
                    None if asked is None else _retry_delay(asked, settings.retry_after_cap, rng)
                )
                when = "" if delay is None else f"; retry after {delay:.0f} s"
                raise FetchError(
                    f"{url} returned HTTP {status} {_one_line(response.reason_phrase)}{when}",
                    retry_after=delay,
                )
            if status >= 400 or status < 200:
                raise FetchError(
                    f"{url} returned HTTP {status} {_one_line(response.reason_phrase)}"
                )
            return _Hop(status, response.headers, _read_body(response, url, max_bytes, deadline))
        finally:
            response.close()


def _timeout_message(url: str, exc: Exception, deadline: float, settings: FetchSettings) -> str:
    """Say whether the whole-fetch deadline or one operation's timeout ran out."""
    if time.monotonic() >= deadline - _SLACK or "deadline" in str(exc):
        return f"{url} took longer than the {settings.deadline:g} s deadline; nutgraf gave up"
    kind = "connecting" if isinstance(exc, httpx.ConnectTimeout) else "waiting for data"
    return f"{url} timed out while {kind}"


_SLACK = 0.05  # seconds: a timeout this close to a deadline is that deadline's


def _out_of_time(url: str, until: float | None, deadline: float) -> OutOfTime | None:
    """The error to raise when it was the caller's ``until``, not the host, that ran out."""
    if until is None or until > deadline or time.monotonic() < until - _SLACK:
        return None
    return OutOfTime(f"{url} was not fetched: the time allowed for it ran out")


# --- the public function ----------------------------------------------------------------------


def fetch(
    client: httpx.Client,
    url: str,
    *,
    settings: FetchSettings,
    max_bytes: int,
    etag: str | None = None,
    last_modified: str | None = None,
    limiter: HostLimiter | None = None,
    rng: random.Random | None = None,
    until: float | None = None,
) -> Fetched:
    """GET ``url`` with the guarded ``client``, following up to ``settings.max_redirects``.

    Args:
        client: from ``make_client`` (the address guard lives in its transport).
        url: an http or https URL.
        settings: deadline, timeouts, redirect limit, Retry-After cap.
        max_bytes: the body limit after decompression (``FEED_MAX_BYTES``, ``PAGE_MAX_BYTES``).
        etag: sent as If-None-Match. last_modified: sent as If-Modified-Since.
        limiter: per-host concurrency and spacing, shared between fetches; time spent
            waiting for it does not count against the deadline.
        rng: the jitter source for Retry-After (tests pass a seeded one).
        until: a ``time.monotonic()`` instant by which the fetch ends, whatever is left of
            its own deadline, waiting for the limiter included (a feed's page budget).

    Returns:
        A Fetched record (``not_modified`` set for 304).

    Raises:
        FetchTimeout: the host was too slow (``unreachable`` is set).
        OutOfTime: ``until`` came first.
        FetchError: refused by policy, failed or too large; ``retry_after`` is set for 429
            and 503 answers that asked for a delay.
    """
    rng = rng if rng is not None else random.Random()
    current = _parse_url(url)
    headers: dict[str, str] = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    deadline = time.monotonic() + settings.deadline
    seen = {str(current)}
    redirects: list[str] = []
    try:
        while True:
            _precheck(current, settings)
            waited = time.monotonic()
            turn = limiter.slot(current.host, until=until) if limiter is not None else None
            with turn if turn is not None else nullcontext():
                deadline += time.monotonic() - waited
                hop = _request_hop(
                    client,
                    current,
                    settings=settings,
                    headers=headers,
                    max_bytes=max_bytes,
                    deadline=deadline if until is None else min(deadline, until),
                    rng=rng,
                )
            if hop.location is None:
                break
            target = hop.location
            if str(target) in seen:
                raise FetchError(f"{url} redirects in a loop (back to {target})")
            if len(redirects) >= settings.max_redirects:
                raise FetchError(
                    f"{url} redirects more than {settings.max_redirects} times; nutgraf stopped"
                )
            seen.add(str(target))
            redirects.append(str(target))
            current = target
    except AddressRefused as exc:
        raise FetchError(f"{current} {exc.detail}") from None
    except httpx.TimeoutException as exc:
        cut = _out_of_time(str(current), until, deadline)
        if cut is not None:
            raise cut from None
        raise FetchTimeout(_timeout_message(str(current), exc, deadline, settings)) from None
    except NoTurn:
        raise OutOfTime(
            f"{current} was not fetched: the time allowed for it ran out before its turn"
        ) from None
    except httpx.ConnectError as exc:
        reason = _one_line(str(exc)) or type(exc).__name__
        raise FetchError(f"{current} could not be fetched: {reason}", unreachable=True) from None
    except httpx.RemoteProtocolError as exc:
        reason = _one_line(str(exc)) or type(exc).__name__
        if reason.startswith("Invalid URL in location header"):
            reason = reason.partition(": ")[2] or reason
            raise FetchError(f"{current} redirects to an invalid URL: {reason}") from None
        raise FetchError(f"{current} could not be fetched: {reason}") from None
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
        reason = _one_line(str(exc)) or type(exc).__name__
        raise FetchError(f"{current} could not be fetched: {reason}") from None
    except UnicodeError:
        raise FetchError(
            f"{current} could not be requested: the ETag or Last-Modified value has characters "
            "an HTTP header cannot carry"
        ) from None
    content_type, charset = _media_type(hop.headers.get("Content-Type"))
    not_modified = hop.status == 304
    return Fetched(
        url=url,
        final_url=str(current),
        status=hop.status,
        content_type=content_type,
        charset=charset,
        etag=hop.headers.get("ETag") or (etag if not_modified else None),
        last_modified=hop.headers.get("Last-Modified") or (last_modified if not_modified else None),
        body=hop.body,
        not_modified=not_modified,
        redirects=tuple(redirects),
    )
