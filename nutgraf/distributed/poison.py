"""Poison messages: a message whose work exhausts a worker's time or memory, or kills the
worker process, is recorded as failed and acknowledged, never redelivered forever.

- Time: each actor has a time limit (``NUTGRAF_FEED_TIME_LIMIT``, ``NUTGRAF_ENTRY_TIME_LIMIT``)
  after which Dramatiq raises ``TimeLimitExceeded`` in the thread running it; the actor
  records the feed or entry as failed and returns. Not retried: the same input takes as long
  again.
- Memory, caught: a MemoryError (an allocation the system refused) is recorded as the
  message's failure and the actor returns.
- Death: the process dies running the message (the OOM killer's SIGKILL, a crash in a C
  library). Its messages go back to the queue after the heartbeat timeout, and would kill the
  next worker in turn. ``Deliveries`` counts in Redis the times each message was started and
  not finished (``<namespace>:started:<message id>``: one more at each start, deleted when it
  ends, expiring with the message's age limit); a message started ``POISON_STARTS`` times
  without finishing is recorded as failed and acknowledged without being run again.

A message started before and not finished is a suspect: it runs alone in its process (the
messages running there end first, the ones taken after it wait), so when the process dies
again the blame is its own, not that of the messages that happened to run beside it. For the
same reason a MemoryError raised while the message shared its process is retried alone
(``Unfinished``) before it counts as the message's own.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

import redis
from dramatiq import Retry
from dramatiq.middleware import Middleware
from dramatiq.middleware.time_limit import TimeLimitExceeded

# Starts without an end after which a message is poison: with suspects run alone, the second
# and third deaths are the message's own; the first may have been any message beside it.
POISON_STARTS = 3
# How long a start is remembered: a message older than the broker's age limit (6 hours,
# broker.MAX_MESSAGE_AGE_MS) is dropped unrun anyway.
STARTED_TTL_SECONDS = 6 * 3600

log = logging.getLogger("nutgraf.worker")
T = TypeVar("T")


class Unfinished(Retry):
    """The message ran out of memory beside others: retried, alone, before it is blamed
    (a ``Retry``: Dramatiq retries it with backoff and logs no traceback)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)  # type: ignore[no-untyped-call]  # untyped lib


@dataclass(frozen=True, slots=True)
class Delivery:
    """This run of a message: the times it was started before and did not finish, and
    whether it runs alone in its process."""

    unfinished: int = 0
    alone: bool = False

    @property
    def is_poison(self) -> bool:
        return self.unfinished >= POISON_STARTS


_current: ContextVar[Delivery | None] = ContextVar("nutgraf_delivery", default=None)


def current_delivery() -> Delivery:
    """The delivery of the message this thread runs (a fresh one outside a worker)."""
    return _current.get() or Delivery()


@dataclass(frozen=True, slots=True)
class Exhausted:
    """Work that exhausted its worker, and why: recorded as failed, and acknowledged."""

    reason: str


def run_bounded(work: Callable[[], T], time_limit: float, setting: str) -> T | Exhausted:
    """Run ``work`` for the message this thread runs, unless it is poison; what exhausted the
    worker (its time limit, named by ``setting``, or its memory) comes back as ``Exhausted``.

    Raises:
        Unfinished: it ran out of memory beside other messages (retried alone).
    """
    delivery = current_delivery()
    if delivery.is_poison:
        return Exhausted(
            f"killed its worker {delivery.unfinished} times (out of memory, or a crash); "
            "not run again"
        )
    try:
        return work()
    except TimeLimitExceeded:
        return Exhausted(
            f"took longer than the {time_limit:g} s time limit ({setting}); not retried"
        )
    except MemoryError:
        pass
    # Out of the handler: the failed work's frames, and the memory they held, are gone.
    if not delivery.alone:
        log.warning("a message ran out of memory beside others; it is retried alone")
        raise Unfinished("ran out of memory beside other messages; retried alone")
    return Exhausted("ran out of memory; not retried")


def started_key(namespace: str, message_id: str) -> str:
    return f"{namespace}:started:{message_id}"


class RunLock:
    """Messages share the process; a suspect runs alone: it waits for the running messages to
    end, and the messages taken after it wait for it (a suspect waiting goes first)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._sharing = 0
        self._alone = False
        self._waiting_alone = 0

    def acquire(self, alone: bool) -> None:
        with self._changed:
            if alone:
                self._waiting_alone += 1
                try:
                    self._changed.wait_for(lambda: not self._alone and self._sharing == 0)
                finally:
                    self._waiting_alone -= 1
                self._alone = True
            else:
                self._changed.wait_for(lambda: not self._alone and self._waiting_alone == 0)
                self._sharing += 1

    def release(self, alone: bool) -> None:
        with self._changed:
            if alone:
                self._alone = False
            else:
                self._sharing -= 1
            self._changed.notify_all()


class Deliveries(Middleware):
    """Count each message's unfinished starts in Redis and run suspects alone (see above).

    Placed after the age limit (a message dropped for its age is not started) and before the
    time limit (waiting to run alone does not count against the message's time)."""

    def __init__(self) -> None:
        self.lock = RunLock()

    def before_process_message(self, broker: Any, message: Any) -> None:
        key = started_key(broker.namespace, message.message_id)
        client: redis.Redis = broker.client
        try:
            before = int(client.get(key) or 0)  # type: ignore[arg-type]
        except redis.RedisError as error:
            log.warning("could not read the starts of message %s: %s", message.message_id, error)
            before = 0
        alone = 0 < before < POISON_STARTS
        self.lock.acquire(alone)
        _current.set(Delivery(before, alone))
        try:
            pipe = client.pipeline(transaction=False)
            pipe.incr(key)
            pipe.expire(key, STARTED_TTL_SECONDS)
            pipe.execute()
        except redis.RedisError as error:
            log.warning("could not count a start of message %s: %s", message.message_id, error)

    def after_process_message(
        self, broker: Any, message: Any, *, result: Any = None, exception: Any = None
    ) -> None:
        delivery = _current.get()
        if delivery is None:  # an earlier middleware skipped the message before it started
            return
        _current.set(None)
        try:
            if not isinstance(exception, Unfinished):
                broker.client.delete(started_key(broker.namespace, message.message_id))
        except redis.RedisError as error:
            log.warning("could not clear the starts of message %s: %s", message.message_id, error)
        finally:
            self.lock.release(delivery.alone)

    def after_skip_message(self, broker: Any, message: Any) -> None:
        self.after_process_message(broker, message)
