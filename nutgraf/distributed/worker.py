"""Worker processes: each runs a Dramatiq worker (threads taking messages from both queues)
over one archive connection pool and one fetcher, until SIGTERM or SIGINT.

Stopping is graceful: the threads finish the messages they are running (up to
``shutdown_seconds``), and what was prefetched but not started goes back to the queue. A
worker that dies instead (SIGKILL, a crash, the machine gone) stops heartbeating, and the
messages it held return to the queue after ``NUTGRAF_HEARTBEAT_SECONDS``. With several
processes (``--processes``), one that dies is started again, and the others go on: a
message that kills its worker is stopped by its count of unfinished starts (``poison``), not
by taking the whole service down.

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
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event as ProcessEvent
from types import FrameType
from typing import Any

import dramatiq
import redis

from nutgraf.batch.ingest import Fetcher
from nutgraf.config import load_settings
from nutgraf.distributed.actors import declare_actors
from nutgraf.distributed.broker import Heartbeat, NutgrafBroker, check_redis, make_broker
from nutgraf.distributed.config import BrokerSettings, WorkerLimits
from nutgraf.distributed.steps import Resources, StepClock
from nutgraf.errors import NutgrafError
from nutgraf.store import open_store

log = logging.getLogger("nutgraf.worker")
LOG_FORMAT = "%(asctime)s %(processName)s %(levelname)s %(name)s: %(message)s"
# A worker process that died is started again after 1 s, then twice as long each time it
# dies within MIN_UPTIME_SECONDS of its start, up to a minute (what systemd's RestartSec does
# for a whole service, per process here).
FIRST_RESTART_SECONDS = 1.0
MAX_RESTART_SECONDS = 60.0
MIN_UPTIME_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    """The archive (``db``: a path or URL, None for the default), the broker, threads per
    process, how long a graceful stop may wait for running messages, and the limits on each
    message's time."""

    db: str | None
    broker: BrokerSettings
    threads: int = 8
    shutdown_seconds: float = 60.0
    limits: WorkerLimits = field(default_factory=WorkerLimits)


def check(options: WorkerOptions) -> None:
    """Raise a one-line NutgrafError unless Redis answers and the archive opens."""
    broker = make_broker(options.broker)
    try:
        check_redis(broker, options.broker)
    finally:
        broker.client.close()
    open_store(options.db).close()


def serve(
    options: WorkerOptions, stop: threading.Event, started: Callable[[], None] = lambda: None
) -> None:
    """Run one Dramatiq worker in this process until ``stop`` is set, then stop gracefully;
    ``started`` is called once it runs.

    Raises:
        NutgrafError: Redis or the archive cannot be reached.
    """
    broker = make_broker(options.broker)
    check_redis(broker, options.broker)
    store = open_store(options.db)
    settings = load_settings()
    shared = Resources(store, Fetcher(settings), settings, StepClock())
    limits = options.limits
    declare_actors(broker, lambda: shared, limits)
    # What Dramatiq's own command does at a process's start: without it the time limit's
    # watcher thread never starts, and no actor is ever interrupted.
    broker.emit_after("process_boot")  # type: ignore[no-untyped-call]  # untyped lib
    worker = dramatiq.Worker(broker, worker_threads=options.threads)  # type: ignore[no-untyped-call]  # untyped lib
    heartbeat = Heartbeat(
        broker, options.broker.heartbeat_seconds / 4, tick=lambda: flush_steps(broker, shared)
    )
    worker.start()  # type: ignore[no-untyped-call]  # untyped lib
    heartbeat.start()
    log.info(
        "worker %s started: %d threads, pid %d, time limits %g s a feed and %g s an entry",
        broker.broker_id,
        options.threads,
        os.getpid(),
        limits.feed_time_limit,
        limits.entry_time_limit,
    )
    started()
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
    the exit status: 0 after a graceful stop, 1 when a worker process could not start.

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


@dataclass
class _Slot:
    """One of the supervised worker processes: the process running in it now, when it
    started, whether it has signalled that it runs, and when a dead one is started again."""

    name: str
    process: BaseProcess
    ready: ProcessEvent
    since: float
    delay: float = FIRST_RESTART_SECONDS
    restart_at: float | None = None


def _supervise(options: WorkerOptions, processes: int, stop: threading.Event) -> int:
    """Start the worker processes and watch them until ``stop``, then SIGTERM them all.

    A process that dies after it started is started again (``_restart_later``), and the
    others go on; one that dies before it started (Redis or the archive away) stops them all:
    status 1, for systemd to restart the service later."""
    context = multiprocessing.get_context("spawn")

    def launch(name: str) -> _Slot:
        ready = context.Event()
        process = context.Process(target=_child, args=(options, ready), name=name)
        process.start()
        return _Slot(name, process, ready, time.monotonic())

    slots = [launch(f"nutgraf-worker-{n + 1}") for n in range(processes)]
    status = 0
    while status == 0 and not stop.wait(0.5):
        for index, slot in enumerate(slots):
            now = time.monotonic()
            if slot.restart_at is not None:
                if now >= slot.restart_at:
                    delay = slot.delay
                    slots[index] = launch(slot.name)
                    slots[index].delay = delay
                continue
            if slot.process.is_alive():
                continue
            if not slot.ready.is_set():
                log.error(
                    "%s could not start (status %s); stopping the others",
                    slot.name,
                    slot.process.exitcode,
                )
                status = 1
                break
            _restart_later(slot, now)
    for slot in slots:
        if slot.process.is_alive() and slot.process.pid is not None:
            os.kill(slot.process.pid, signal.SIGTERM)
    for slot in slots:
        slot.process.join()
    return status


def _restart_later(slot: _Slot, now: float) -> None:
    """Schedule a dead worker process's restart: after ``slot.delay``, which doubles (up to
    ``MAX_RESTART_SECONDS``) while it keeps dying within ``MIN_UPTIME_SECONDS``."""
    if now - slot.since >= MIN_UPTIME_SECONDS:
        slot.delay = FIRST_RESTART_SECONDS
    log.error(
        "%s (pid %s) died with status %s; starting it again in %g s",
        slot.name,
        slot.process.pid,
        slot.process.exitcode,
        slot.delay,
    )
    slot.restart_at = now + slot.delay
    slot.delay = min(slot.delay * 2, MAX_RESTART_SECONDS)


def _child(options: WorkerOptions, ready: ProcessEvent) -> None:
    """A worker process: sets ``ready`` once it runs; SIGTERM stops it; SIGINT (Ctrl-C
    reaches the whole process group) is left to the parent, which sends SIGTERM."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stop = threading.Event()
    _on_signals(stop, (signal.SIGTERM,))
    try:
        serve(options, stop, ready.set)
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
    for key, value in raw.items():
        name, _, kind = key.decode().rpartition(".")
        count, seconds = found.get(name, (0, 0.0))
        if kind == "count":
            count = int(value)
        else:
            seconds = float(value)
        found[name] = (count, seconds)
    return found
