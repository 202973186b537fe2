"""The Dramatiq broker on Redis, and the heartbeat that tells it a worker is alive.

Dramatiq's Redis broker keeps each message a worker has taken in that worker's "acks" set
until the actor returns; a worker that stops sending heartbeats for ``heartbeat_seconds`` is
dead, and queue maintenance moves what it had taken back to the queue for another worker.
Dramatiq only heartbeats when it talks to Redis (fetching, acknowledging), and runs that
maintenance on a random one in a thousand commands. A worker here also runs a ``Heartbeat``
thread: it asks every queue's size every quarter of the timeout, which keeps a busy worker
alive (its long jobs are not taken from it) and, since this broker runs maintenance on every
size query, brings a dead worker's messages back within about one timeout.

The middleware also counts each message's unfinished starts (``poison.Deliveries``), so a
message that keeps killing its workers is stopped after ``poison.POISON_STARTS`` of them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import AgeLimit, CurrentMessage, Retries, TimeLimit

from nutgraf.distributed.config import BrokerSettings, redact
from nutgraf.distributed.poison import Deliveries
from nutgraf.errors import NutgrafError

# A message older than this is dropped unprocessed (a dispatcher sends the feed again later).
MAX_MESSAGE_AGE_MS = 6 * 3600 * 1000
# An actor running longer than this is interrupted; each actor sets its own, shorter, limit
# (``WorkerLimits``), so this only bounds an actor declared without one.
TIME_LIMIT_MS = 10 * 60 * 1000


class NutgrafBroker(RedisBroker):
    """Dramatiq's Redis broker, running queue maintenance (requeueing the messages of dead
    workers) on every queue-size query, which the heartbeat and the dispatcher make."""

    def _should_do_maintenance(self, command: str) -> int:
        if command == "qsize":
            return 1
        return int(super()._should_do_maintenance(command))  # type: ignore[no-untyped-call]  # untyped lib


def make_broker(settings: BrokerSettings) -> NutgrafBroker:
    """A broker on ``settings.url`` with the middleware the actors rely on, in this order: an
    age limit, the count of unfinished starts (after the age limit: a message dropped unrun
    was not started; before the time limit: waiting to run alone does not count against the
    message's time), a time limit, retries with backoff, the current message (for the retry
    count)."""
    middleware = [
        AgeLimit(max_age=MAX_MESSAGE_AGE_MS),  # type: ignore[no-untyped-call]  # untyped lib
        Deliveries(),
        TimeLimit(time_limit=TIME_LIMIT_MS),  # type: ignore[no-untyped-call]  # untyped lib
        Retries(max_retries=0),  # type: ignore[no-untyped-call]  # each actor sets its own
        CurrentMessage(),
    ]
    try:
        return NutgrafBroker(  # type: ignore[no-untyped-call]  # untyped lib
            url=settings.url,
            namespace=settings.namespace,
            heartbeat_timeout=int(settings.heartbeat_seconds * 1000),
            middleware=middleware,
        )
    except ValueError as error:
        raise NutgrafError(f"{redact(settings.url)} is not a usable Redis URL: {error}") from None


def check_redis(broker: NutgrafBroker, settings: BrokerSettings) -> None:
    """Raise a one-line NutgrafError unless Redis answers."""
    try:
        broker.client.ping()
    except redis.RedisError as error:
        reason = " ".join(str(error).split()).rstrip(".") or type(error).__name__
        raise NutgrafError(
            f"cannot reach Redis at {redact(settings.url)}: {reason}. "
            "Start it, or give --redis URL (or NUTGRAF_REDIS_URL)"
        ) from None


def queue_size(broker: NutgrafBroker, queue: str) -> int:
    """Messages waiting in ``queue`` (not counting delayed retries); runs maintenance too."""
    return int(broker.do_qsize(queue))


class Heartbeat(threading.Thread):
    """Every ``interval`` seconds: ask each queue's size (a heartbeat, and maintenance) and run
    ``tick`` (flushing step timings); once more when stopped."""

    def __init__(
        self, broker: NutgrafBroker, interval: float, tick: Callable[[], None] | None = None
    ) -> None:
        super().__init__(name="nutgraf-heartbeat", daemon=True)
        self.broker = broker
        self.interval = interval
        self.tick = tick or (lambda: None)
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(self.interval):
            self.beat()
        self.beat()

    def beat(self) -> None:
        declared = self.broker.get_declared_queues  # untyped lib: a set of names
        delayed = self.broker.get_declared_delay_queues
        queues = set(declared()) | set(delayed())  # type: ignore[no-untyped-call]
        try:
            for queue in sorted(queues):
                queue_size(self.broker, queue)
            self.tick()
        except redis.RedisError:
            pass  # Redis is away: the consumers log it and reconnect; beat again next time
        except MemoryError:
            pass  # memory ran short (a message's runaway, refused): beat again next time

    def stop(self) -> None:
        self._halt.set()
        self.join()
