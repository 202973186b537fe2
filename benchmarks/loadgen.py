"""A closed-loop HTTP/1.1 load generator: keep-alive connections on one asyncio loop.

Each connection sends a GET, reads the response (headers, then ``Content-Length`` bytes of
body), records the latency and sends the next; N connections run at once on one event loop
(uvloop when installed), so one core drives them all. Requests that start during the warm-up,
or finish after the end, are not counted. Closed loop: a slow response delays the requests
behind it on its connection, so latencies are those of a server kept at N requests in flight,
not of an open stream of arrivals.

``python -m benchmarks.loadgen --fixed-server PORT`` serves one fixed response to every
request: the generator's own ceiling is measured against it.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast


class ProtocolError(Exception):
    """The server answered something this client does not read (no Content-Length)."""


@dataclass(slots=True)
class LoadResult:
    """What a load run saw in its measured window."""

    seconds: float
    latencies: list[float] = field(default_factory=list)  # seconds, every completed request
    errors: Counter[str] = field(default_factory=Counter)  # non-200 statuses, failed requests
    body_bytes: int = 0
    cpu_seconds: float = 0.0  # the generator's own CPU time in the window
    probe: tuple[Any, Any] | None = None  # the caller's probe() at the window's start and end

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        """Nearest-rank percentile of the latencies, in ms (NaN with none)."""
        return percentile(self.latencies, share)


def percentile(samples: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of ``samples`` (seconds) in ms; NaN for no samples."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = min(len(ordered), max(1, math.ceil(share * len(ordered))))
    return ordered[rank - 1] * 1000


class _Connection(asyncio.Protocol):
    """One keep-alive connection; ``request`` sends a GET and returns (status, body length)."""

    def __init__(self, host: bytes, headers: bytes = b"") -> None:
        self._host = host
        self._headers = headers  # more header lines, each ending in CRLF (a Cookie, say)
        self._buffer = bytearray()
        self._waiter: asyncio.Future[tuple[int, int]] | None = None
        self._status = 0
        self._length = -1  # body length of the response being read; -1 while in headers
        self._end = 0  # where that response ends in the buffer
        self.transport: asyncio.Transport | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(exc or ConnectionResetError("the server closed it"))

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        if self._length < 0:
            head_end = self._buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = bytes(self._buffer[:head_end]).lower()
            try:
                self._status = int(head[9:12])
                at = head.index(b"\r\ncontent-length:") + 17
                stop = head.find(b"\r\n", at)
                self._length = int(head[at : stop if stop >= 0 else len(head)])
            except ValueError:
                waiter.set_exception(ProtocolError(head.split(b"\r\n", 1)[0].decode()))
                return
            self._end = head_end + 4 + self._length
        if len(self._buffer) >= self._end:
            del self._buffer[: self._end]
            length, self._length = self._length, -1
            waiter.set_result((self._status, length))

    def request(self, path: str) -> asyncio.Future[tuple[int, int]]:
        assert self.transport is not None
        self._waiter = asyncio.get_running_loop().create_future()
        self.transport.write(
            b"GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n" % (path.encode(), self._host, self._headers)
        )
        return self._waiter

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def _connect(host: str, port: int, headers: bytes = b"") -> _Connection:
    loop = asyncio.get_running_loop()
    _, connection = await loop.create_connection(
        lambda: _Connection(f"{host}:{port}".encode(), headers), host, port
    )
    return connection


def _header_lines(headers: Mapping[str, str] | None) -> bytes:
    return b"".join(
        f"{name}: {value}\r\n".encode("latin-1") for name, value in (headers or {}).items()
    )


async def _load(
    host: str,
    port: int,
    next_path: Callable[[], str],
    connections: int,
    warmup: float,
    duration: float,
    probe: Callable[[], Any] | None,
    headers: bytes = b"",
) -> LoadResult:
    result = LoadResult(seconds=duration)
    begin = time.perf_counter()
    measure_from, stop_at = begin + warmup, begin + warmup + duration
    marks: dict[str, Any] = {}

    async def clock() -> None:
        await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
        marks["cpu"] = time.process_time()
        marks["probe"] = probe() if probe else None
        await asyncio.sleep(max(0.0, stop_at - time.perf_counter()))
        result.cpu_seconds = time.process_time() - marks["cpu"]
        if probe:
            result.probe = (marks["probe"], probe())

    async def client() -> None:
        connection: _Connection | None = None
        while True:
            started = time.perf_counter()
            if started >= stop_at:
                break
            try:
                if connection is None or connection.closed:
                    connection = await _connect(host, port, headers)
                status, length = await connection.request(next_path())
            except (OSError, ProtocolError) as error:
                if measure_from <= started and time.perf_counter() <= stop_at:
                    result.errors[type(error).__name__] += 1
                if connection is not None:
                    connection.close()
                connection = None
                await asyncio.sleep(0.01)
                continue
            ended = time.perf_counter()
            if measure_from <= started and ended <= stop_at:
                result.latencies.append(ended - started)
                result.body_bytes += length
                if status != 200:
                    result.errors[f"HTTP {status}"] += 1
        if connection is not None:
            connection.close()

    await asyncio.gather(clock(), *(client() for _ in range(connections)))
    return result


async def _sequence(
    host: str, port: int, paths: Sequence[str], extra: bytes = b""
) -> list[tuple[int, float]]:
    connection = await _connect(host, port, extra)
    found = []
    try:
        for path in paths:
            if connection.closed:
                connection = await _connect(host, port, extra)
            started = time.perf_counter()
            status, _ = await connection.request(path)
            found.append((status, time.perf_counter() - started))
    finally:
        connection.close()
    return found


def _run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coroutine)


def load(
    host: str,
    port: int,
    next_path: Callable[[], str],
    *,
    connections: int,
    warmup: float,
    duration: float,
    probe: Callable[[], Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> LoadResult:
    """Keep ``connections`` requests in flight for ``warmup`` + ``duration`` seconds, each
    to the address ``next_path()`` gives; counts only the ``duration`` after the warm-up.

    Args:
        probe: called when the measured window opens and when it closes (e.g. to read the
            server's CPU time); both values land in ``LoadResult.probe``.
        headers: sent with every request (a signed-in reader's Cookie).
    """
    result: LoadResult = _run(
        _load(host, port, next_path, connections, warmup, duration, probe, _header_lines(headers))
    )
    return result


def fetch_one_by_one(
    host: str, port: int, paths: Sequence[str], headers: dict[str, str] | None = None
) -> list[tuple[int, float]]:
    """GET each path in turn on one keep-alive connection: (status, seconds) for each."""
    found: list[tuple[int, float]] = _run(_sequence(host, port, paths, _header_lines(headers)))
    return found


def _header_lines(headers: dict[str, str] | None) -> bytes:
    return b"".join(f"{name}: {value}\r\n".encode() for name, value in (headers or {}).items())


class _FixedServer(asyncio.Protocol):
    def __init__(self, response: bytes) -> None:
        self._response = response
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while (end := self._buffer.find(b"\r\n\r\n")) >= 0:
            del self._buffer[: end + 4]
            assert self._transport is not None
            self._transport.write(self._response)


async def _serve_fixed(port: int, size: int) -> None:
    body = b"x" * size
    response = b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: %d\r\n\r\n%s" % (
        len(body),
        body,
    )
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _FixedServer(response), "127.0.0.1", port)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve one fixed response (the ceiling check).")
    parser.add_argument("--fixed-server", type=int, required=True, metavar="PORT")
    parser.add_argument("--size", type=int, default=20_000, help="body bytes")
    args = parser.parse_args(argv)
    _run(_serve_fixed(args.fixed_server, args.size))  # until SIGTERM
    return 0


if __name__ == "__main__":
    sys.exit(main())
