"""``nutgraf serve --workers 2`` spreads connections over its workers: real processes, real
sockets. With one listening socket shared by every worker (uvicorn's own ``--workers``),
the loop that woke first took every connection of a burst about half the time, and the
other worker sat idle for as long as those keep-alive connections stayed open."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from nutgraf.store import open_store
from nutgraf.web.workers import reuse_port_supported
from tests.batch.test_serve_poll import _free_port

CONNECTIONS = 32
BURSTS = 5

pytestmark = pytest.mark.skipif(not reuse_port_supported(), reason="needs SO_REUSEPORT (Linux)")


@contextmanager
def _serving(db: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """``nutgraf serve --workers 2`` in a process group of its own (its workers go with it)."""
    env = {**os.environ, "NUTGRAF_CONFIG": "/nonexistent/nutgraf.toml"}
    env.pop("NUTGRAF_DB", None)
    command = [sys.executable, "-m", "nutgraf", "serve", "--db", str(db), "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--workers", "2", "--no-poll"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.communicate()[1]
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the site did not start"
                time.sleep(0.1)
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()


@contextmanager
def _two_workers(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, list[int]]]:
    """A served empty archive, once both workers listen: (serve's process, port, workers)."""
    db = tmp_path / "workers.db"
    open_store(str(db)).close()
    port = _free_port()
    with _serving(db, port) as process:
        deadline = time.monotonic() + 30
        while len(workers := _workers(process.pid)) < 2:
            assert time.monotonic() < deadline, "the second worker did not start"
            time.sleep(0.1)
        _ready(port, workers)
        yield process, port, workers


def _workers(pid: int) -> list[int]:
    """The worker processes under ``pid`` (not multiprocessing's resource tracker)."""
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as handle:
            found += [int(child) for child in handle.read().split()]
    workers = []
    for child in found:
        with open(f"/proc/{child}/cmdline", "rb") as handle:
            command = handle.read()
        if b"spawn_main" in command and b"resource_tracker" not in command:
            workers.append(child)
    return workers


def _sockets(pid: int) -> int:
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            count += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
        except OSError:
            continue
    return count


def _ready(port: int, workers: list[int]) -> None:
    """Wait until every worker holds its listening socket (and answers)."""
    deadline = time.monotonic() + 30
    while True:
        listening = [pid for pid in workers if _sockets(pid) >= 1]
        if len(listening) == len(workers):
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
            time.sleep(0.5)
            return
        assert time.monotonic() < deadline, "the workers did not listen"
        time.sleep(0.1)


async def _burst(port: int, workers: list[int]) -> dict[int, int]:
    """Open CONNECTIONS at once, as a load test or a proxy does; how many each worker holds."""
    idle = {pid: _sockets(pid) for pid in workers}
    opened = await asyncio.gather(
        *(asyncio.open_connection("127.0.0.1", port) for _ in range(CONNECTIONS))
    )
    try:
        for _, writer in opened:
            writer.write(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        for reader, _ in opened:
            assert (await asyncio.wait_for(reader.read(64), 10)).startswith(b"HTTP/1.1 200")
        return {pid: _sockets(pid) - idle[pid] for pid in workers}
    finally:
        for _, writer in opened:
            writer.close()
        await asyncio.sleep(0.3)  # the workers see them closed


def _in_a_thread(port: int, workers: list[int]) -> dict[int, int]:
    """``_burst`` on a loop of its own: the browser tests leave one running on this thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _burst(port, workers)).result(timeout=60)


def test_bursts_of_keep_alive_connections_reach_every_worker(tmp_path: Path) -> None:
    with _two_workers(tmp_path) as (_, port, workers):
        for _ in range(BURSTS):
            held = _in_a_thread(port, workers)
            assert sum(held.values()) == CONNECTIONS, held
            assert min(held.values()) >= CONNECTIONS // 8, held  # neither worker left idle


def test_a_port_in_use_is_one_error_line(tmp_path: Path) -> None:
    db = tmp_path / "workers.db"
    open_store(str(db)).close()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "NUTGRAF_CONFIG": "/nonexistent/nutgraf.toml"}
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "nutgraf",
                "serve",
                "--db",
                str(db),
                "--port",
                str(port),
                "--workers",
                "2",
                "--no-poll",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert errors == [f"Error: cannot listen on 127.0.0.1:{port}: Address already in use"], (
        done.stderr
    )
    assert "Traceback" not in done.stderr


def test_a_second_server_on_the_same_port_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "workers.db"
    open_store(str(db)).close()
    port = _free_port()
    with _serving(db, port):
        env = {**os.environ, "NUTGRAF_CONFIG": "/nonexistent/nutgraf.toml"}
        command = [sys.executable, "-m", "nutgraf", "serve", "--db", str(db)]
        done = subprocess.run(
            [*command, "--port", str(port), "--workers", "2", "--no-poll"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1, done.stderr
    assert f"Error: cannot listen on 127.0.0.1:{port}: Address already in use" in done.stderr


def test_a_worker_that_dies_is_started_again(tmp_path: Path) -> None:
    with _two_workers(tmp_path) as (process, port, workers):
        os.kill(workers[0], signal.SIGKILL)
        deadline = time.monotonic() + 30
        while True:
            now = _workers(process.pid)
            if len(now) == 2 and workers[0] not in now:
                break
            assert time.monotonic() < deadline, f"no worker replaced {workers[0]}: {now}"
            time.sleep(0.2)
        _ready(port, now)
        for _ in range(10):
            assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
        assert process.poll() is None
