"""Worker processes: each runs a Dramatiq worker (threads taking messages from both queues)
over one archive connection pool and one fetcher, until SIGTERM or SIGINT.

Stopping is graceful: the threads finish the messages they are running (up to
``shutdown_seconds``), and what was prefetched but not started goes back to the queue. A
worker that dies instead (SIGKILL, a crash, the machine gone) stops heartbeating, and the
messages it held return to the queue after ``NUTGRAF_HEARTBEAT_SECONDS``.

Each worker adds the time its steps took to the Redis hash ``<namespace>:steps``
(``<step>.count``, ``<step>.seconds``) at every heartbeat: ``read_steps`` gives the per-step
costs a deployment is sized by.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from dataclasses import dataclass
from types import FrameType
from typing import Any

import dramatiq
import redis

from nutgraf.batch.ingest import Fetcher
from nutgraf.config import load_settings
from nutgraf.distributed.actors import declare_actors
from nutgraf.distributed.broker import Heartbeat, NutgrafBroker, check_redis, make_broker
from nutgraf.distributed.config import BrokerSettings
from nutgraf.distributed.steps import Resources, StepClock
from nutgraf.errors import NutgrafError
from nutgraf.store import open_store

log = logging.getLogger("nutgraf.worker")
LOG_FORMAT = "%(asctime)s %(processName)s %(levelname)s %(name)s: %(message)s"


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    """The archive (``db``: a path or URL, None for the default), the broker, threads per
    process, and how long a graceful stop may wait for running messages."""

    db: str | None
    broker: BrokerSettings
    threads: int = 8
    shutdown_seconds: float = 60.0


def check(options: WorkerOptions) -> None:
    """Raise a one-line NutgrafError unless Redis answers and the archive opens."""
    broker = make_broker(options.broker)
    try:
        check_redis(broker, options.broker)
    finally:
        broker.client.close()
    open_store(options.db).close()


def serve(options: WorkerOptions, stop: threading.Event) -> None:
    """Run one Dramatiq worker in this process until ``stop`` is set, then stop gracefully."""
    broker = make_broker(options.broker)
    check_redis(broker, options.broker)
    store = open_store(options.db)
    settings = load_settings()
    shared = Resources(store, Fetcher(settings), settings, StepClock())
    declare_actors(broker, lambda: shared)
    worker = dramatiq.Worker(broker, worker_threads=options.threads)  # type: ignore[no-untyped-call]  # untyped lib
    heartbeat = Heartbeat(
        broker, options.broker.heartbeat_seconds / 4, tick=lambda: flush_steps(broker, shared)
    )
    worker.start()  # type: ignore[no-untyped-call]  # untyped lib
    heartbeat.start()
    log.info(
        "worker %s started: %d threads, pid %d", broker.broker_id, options.threads, os.getpid()
    )
    try:
        while not stop.wait(0.5):
            pass
    finally:
        log.info("worker %s stopping", broker.broker_id)
        worker.stop(timeout=int(options.shutdown_seconds * 1000))  # type: ignore[no-untyped-call]  # untyped lib
        heartbeat.stop()
        shared.fetcher.close()
        store.close()
        broker.client.close()


def run(options: WorkerOptions, processes: int = 1) -> int:
    """Run ``processes`` workers (in this process when 1) until SIGTERM or SIGINT; returns
    the exit status: 0 after a graceful stop, 1 when a worker process died on its own.

    Raises:
        NutgrafError: Redis or the archive cannot be reached (checked before starting).
    """
    if processes < 1 or options.threads < 1:
        raise NutgrafError("--processes and --threads must be 1 or more")
    check(options)
    stop = threading.Event()
    previous = _on_signals(stop, (signal.SIGTERM, signal.SIGINT))
    try:
        if processes == 1:
            serve(options, stop)
            return 0
        return _supervise(options, processes, stop)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _supervise(options: WorkerOptions, processes: int, stop: threading.Event) -> int:
    """Start the worker processes and wait; on ``stop`` (or one dying) SIGTERM them all."""
    context = multiprocessing.get_context("spawn")
    children = [
        context.Process(target=_child, args=(options,), name=f"nutgraf-worker-{n + 1}")
        for n in range(processes)
    ]
    for child in children:
        child.start()
    status = 0
    while not stop.wait(0.5):
        dead = [child for child in children if not child.is_alive()]
        if dead:
            log.error(
                "%s exited with status %s; stopping the others", dead[0].name, dead[0].exitcode
            )
            status = 1
            break
    for child in children:
        if child.is_alive() and child.pid is not None:
            os.kill(child.pid, signal.SIGTERM)
    for child in children:
        child.join()
    return status


def _child(options: WorkerOptions) -> None:
    """A worker process: SIGTERM stops it; SIGINT (Ctrl-C reaches the whole process group)
    is left to the parent, which sends SIGTERM."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stop = threading.Event()
    _on_signals(stop, (signal.SIGTERM,))
    try:
        serve(options, stop)
    except NutgrafError as error:
        log.error("%s", error)
        raise SystemExit(1) from None


def _on_signals(
    stop: threading.Event, signals: tuple[signal.Signals, ...]
) -> dict[signal.Signals, Any]:
    """Make ``signals`` set ``stop``; returns the handlers they had."""

    def handle(_number: int, _frame: FrameType | None) -> None:
        stop.set()

    return {number: signal.signal(number, handle) for number in signals}


def steps_key(namespace: str) -> str:
    return f"{namespace}:steps"


def flush_steps(broker: NutgrafBroker, shared: Resources) -> None:
    """Add this process's step timings since the last flush to the Redis hash."""
    taken = shared.clock.drain()
    if not taken:
        return
    pipe = broker.client.pipeline(transaction=False)
    key = steps_key(broker.namespace)
    for name, (count, seconds) in taken.items():
        pipe.hincrby(key, f"{name}.count", count)
        pipe.hincrbyfloat(key, f"{name}.seconds", seconds)
    pipe.execute()


def read_steps(client: redis.Redis, namespace: str) -> dict[str, tuple[int, float]]:
    """The (count, seconds) of each step, summed over every worker since the hash was made."""
    raw = client.hgetall(steps_key(namespace))
    assert isinstance(raw, dict)  # a synchronous client's answer
    found: dict[str, tuple[int, float]] = {}
    for field, value in raw.items():
        name, _, kind = field.decode().rpartition(".")
        count, seconds = found.get(name, (0, 0.0))
        if kind == "count":
            count = int(value)
        else:
            seconds = float(value)
        found[name] = (count, seconds)
    return found
