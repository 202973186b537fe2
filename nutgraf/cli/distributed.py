"""Distributed ingestion's commands: ``nutgraf dispatch`` and ``nutgraf worker``.

Dramatiq and redis (the ``distributed`` extra) are imported when a command runs, so plain
``nutgraf`` never needs them. Every error a user can act on (Redis or the archive away, a bad
option) is one ``Error: ...`` line and exit status 1.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import click

from nutgraf.errors import NutgrafError

_db = click.option(
    "--db",
    "db",
    metavar="URL",
    default=None,
    help="The archive: a postgresql:// URL (or a SQLite file on one machine); default "
    "$NUTGRAF_DB or ~/.local/share/nutgraf/nutgraf.db, as for every command.",
)
_redis = click.option(
    "--redis",
    "redis_url",
    metavar="URL",
    default=None,
    help="The broker; default $NUTGRAF_REDIS_URL or redis://127.0.0.1:6379/0.",
)
_INSTALL = "distributed ingestion needs Dramatiq and Redis: pip install 'nutgraf[distributed]'"


@contextmanager
def _errors() -> Iterator[None]:
    """Every NutgrafError (and a missing extra) as one ``Error:`` line."""
    try:
        yield
    except ImportError as error:
        if error.name and error.name.split(".")[0] in ("dramatiq", "redis", "psycopg"):
            raise click.ClickException(_INSTALL) from None
        raise
    except NutgrafError as error:
        raise click.ClickException(str(error)) from None


@click.command("worker")
@_db
@_redis
@click.option("--processes", default=1, show_default=True, help="Worker processes.")
@click.option("--threads", default=8, show_default=True, help="Threads per process.")
def worker_command(db: str | None, redis_url: str | None, processes: int, threads: int) -> None:
    """Run workers that poll feeds and ingest their entries, sent by 'nutgraf dispatch'.

    SIGTERM or Ctrl-C stops them gracefully: running jobs finish, the rest go back to the
    queue. A worker killed outright loses nothing: its jobs are redone by another. A job that
    runs past its time limit or out of memory, or kills its worker 3 times, is recorded as
    failed (time limits: NUTGRAF_FEED_TIME_LIMIT, NUTGRAF_ENTRY_TIME_LIMIT, in seconds).
    """
    with _errors():
        from nutgraf.distributed.config import broker_settings, worker_limits
        from nutgraf.distributed.worker import LOG_FORMAT, WorkerOptions, run

        options = WorkerOptions(
            db=db, broker=broker_settings(redis_url), threads=threads, limits=worker_limits()
        )
        logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
        status = run(options, processes)
    raise SystemExit(status)


@click.command("dispatch")
@_db
@_redis
@click.option("--once", is_flag=True, help="One round: send the feeds due now, then stop.")
@click.option(
    "--interval", default=2.0, show_default=True, help="Seconds between rounds.", type=float
)
@click.option(
    "--lease", default=900, show_default=True, help="Seconds a claimed feed is held for its poll."
)
@click.option("--batch", default=500, show_default=True, help="Feeds claimed a round, at most.")
@click.option(
    "--per-host", default=4, show_default=True, help="Feeds of one host sent a round, at most."
)
def dispatch_command(
    db: str | None,
    redis_url: str | None,
    once: bool,
    interval: float,
    lease: int,
    batch: int,
    per_host: int,
) -> None:
    """Send the feeds that are due to the workers, leasing each so it is sent once.

    Several dispatchers may run at once. Ctrl-C or SIGTERM stops it with status 0.
    """
    with _errors():
        from nutgraf.config import load_settings
        from nutgraf.distributed.actors import FEED_QUEUE, declare_actors
        from nutgraf.distributed.broker import check_redis, make_broker, queue_size
        from nutgraf.distributed.config import broker_settings
        from nutgraf.distributed.dispatcher import DispatchOptions, Round, run_dispatcher
        from nutgraf.store import FeedState, open_store
        from nutgraf.stories.archive import story_options

        options = DispatchOptions(
            lease_seconds=lease, batch=batch, per_host=per_host, interval=interval
        )
        loaded = load_settings()
        stories = story_options(loaded)
        settings = broker_settings(redis_url)
        broker = make_broker(settings)
        check_redis(broker, settings)
        store = open_store(db)
        try:
            actors = declare_actors(broker, _no_resources)

            def send(feed: FeedState) -> None:
                actors.poll_feed.send(feed.id, feed.url)

            def report(done: Round) -> None:
                if done.sent or once:
                    click.echo(f"{done.sent} feeds sent ({done.backlog} were waiting)")

            stop = threading.Event()
            with _stop_on_signals(stop):
                run_dispatcher(
                    store,
                    send,
                    lambda: queue_size(broker, FEED_QUEUE),
                    options=options,
                    stop=stop,
                    once=once,
                    report=report,
                    story_options=stories,
                    retention_days=loaded.retention_days,
                )
        except _redis_errors() as error:
            raise NutgrafError(f"Redis failed: {' '.join(str(error).split())}") from None
        finally:
            store.close()
            broker.client.close()


def _no_resources() -> Any:
    raise RuntimeError("the dispatcher only sends messages; workers run them")


def _redis_errors() -> type[Exception]:
    import redis

    return redis.RedisError


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM and SIGINT set ``stop`` while the block runs (the old handlers come back)."""

    def handle(_number: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {number: signal.signal(number, handle) for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


DISTRIBUTED_COMMANDS = (dispatch_command, worker_command)
