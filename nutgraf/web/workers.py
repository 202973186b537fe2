"""Several server processes on one port, each with a listening socket of its own.

uvicorn's ``--workers`` binds one socket in the parent and hands it to every worker: they
race to accept on one queue, and the loop that wakes first takes every connection waiting.
A burst of keep-alive connections (a proxy's, a load test's) can land on one worker and
leave the others idle for as long as the connections stay open. Here every worker binds
its own socket to the same address with ``SO_REUSEPORT``, and the kernel spreads new
connections over them (by a hash of each connection's addresses).

The parent binds the address first (so a port already taken fails at once, with one line,
and port 0 picks one port for all), never listens on it, starts the workers, restarts one
that dies, and stops them all on SIGINT or SIGTERM. Where the system has no
``SO_REUSEPORT`` (not Linux), ``reuse_port_supported`` says so and the caller keeps
uvicorn's own supervisor.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

__all__ = [
    "UVICORN_OPTIONS",
    "ServerOptions",
    "WorkerFailed",
    "reuse_port_supported",
    "run_workers",
]

log = logging.getLogger("nutgraf.web")

STOP_SECONDS = 30.0  # a worker's graceful shutdown (its open requests, its pending writes)
RESTART_PAUSE = 1.0  # between restarts of a worker that keeps dying
STARTUP_FAILURE = 3  # uvicorn's exit status when the app or its lifespan fails to start
# Workers that die this soon after they start, so many times in a row, cannot start the site
# (an app that fails to load): serve stops rather than starting them forever.
STARTUP_SECONDS = 15.0
MAX_QUICK_DEATHS = 3


class WorkerFailed(RuntimeError):
    """A worker could not start (its error went to standard error)."""


# How every nutgraf server process runs uvicorn, one or many: quiet, no Server header, and
# the client's address as the socket gives it (no proxy headers believed).
UVICORN_OPTIONS: dict[str, Any] = {
    "log_level": "warning",
    "access_log": False,
    "server_header": False,
    "proxy_headers": False,
}


@dataclass(frozen=True, slots=True)
class ServerOptions:
    """What every worker's uvicorn is given: the app factory's import path and the address."""

    app: str
    host: str
    port: int


def reuse_port_supported() -> bool:
    """Whether the kernel balances connections over sockets sharing a port (Linux)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(_family(host), socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _worker(options: ServerOptions) -> None:
    """One worker: its own socket on the address, and uvicorn serving the app over it."""
    import uvicorn

    config = uvicorn.Config(
        options.app, factory=True, host=options.host, port=options.port, **UVICORN_OPTIONS
    )
    try:
        sock = _bind(options.host, options.port)
    except OSError as error:
        print(f"Error: cannot listen on {options.host}:{options.port}: {error}", file=sys.stderr)
        sys.exit(STARTUP_FAILURE)
    uvicorn.Server(config).run(sockets=[sock])


def run_workers(options: ServerOptions, workers: int) -> None:
    """Serve with ``workers`` processes until SIGINT or SIGTERM. Raises OSError when the
    address cannot be bound, WorkerFailed when a worker cannot start the app."""
    # A plain bind first: it fails while anything listens there, a group of SO_REUSEPORT
    # sockets (another nutgraf serve) included, which a bind with the option would join.
    with socket.socket(_family(options.host), socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((options.host, options.port))
        port = int(probe.getsockname()[1])
    anchor = _bind(options.host, port)  # held, never listened on: the port stays ours
    options = ServerOptions(options.app, options.host, port)
    context = multiprocessing.get_context("spawn")
    stop = threading.Event()

    def note(_number: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, note) for sig in (signal.SIGINT, signal.SIGTERM)}

    started = [0.0] * workers  # when each worker was (last) started

    def start(index: int) -> BaseProcess:
        process = context.Process(target=_worker, args=(options,), name="nutgraf-worker")
        process.start()
        started[index] = time.monotonic()
        return process

    running: list[BaseProcess] = []
    failures = 0  # workers in a row that died soon after they started
    try:
        running = [start(index) for index in range(workers)]
        while not stop.wait(0.5):
            for index, process in enumerate(running):
                if process.is_alive() or stop.is_set():
                    continue
                quick = time.monotonic() - started[index] < STARTUP_SECONDS
                failures = failures + 1 if quick else 0
                if process.exitcode == STARTUP_FAILURE or failures >= MAX_QUICK_DEATHS:
                    raise WorkerFailed("a worker could not start the site (see above)")
                log.warning(
                    "worker %s exited (%s); starting another", process.pid, process.exitcode
                )
                stop.wait(RESTART_PAUSE)
                running[index] = start(index)
    finally:
        for process in running:
            if process.is_alive() and process.pid is not None:
                process.terminate()  # SIGTERM: uvicorn finishes what it has, then exits
        for process in running:
            process.join(STOP_SECONDS)
            if process.is_alive():
                process.kill()
                process.join()
        anchor.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
