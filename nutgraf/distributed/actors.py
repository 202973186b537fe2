"""The actors: ``poll_feed`` (fetch and parse one feed, send its entries on) and
``ingest_entry`` (extract, summarize, deduplicate and store one entry).

Dramatiq acknowledges a message only when its actor returns, so a worker killed mid-job
leaves the message to be redone by another. Both actors are safe to run twice:

- ``poll_feed`` sends the entries first and records the poll (new ETag, next check, lease
  ended) last. Killed before the record, it is redone from the start (the old ETag: the feed
  is fetched and its entries sent again, and storing them again changes nothing); redone
  after it, the feed is no longer due and the message is dropped.
- ``ingest_entry`` saves through ``Store.save``, which knows an article by its URL or GUID:
  a second run finds it "unchanged". A run killed mid-save never committed.

Retries (Dramatiq's, with exponential backoff from 1 s to 5 min): a teaser page whose host is
down or busy, and any failure of the archive or of Redis. Bad input is not retried: an entry
that cannot make an article is recorded with ``record_failure``; a feed that cannot be
fetched or parsed is recorded on the feed, which backs off as ``nutgraf poll`` does (honouring
Retry-After, disabled after three days of failures), and the other feeds go on.

Nor is work that exhausts the worker (``poison``): a poll or an entry that runs past its time
limit or out of memory, or that killed its worker ``POISON_STARTS`` times, is recorded the
same way (the entry in the failures, the feed on the feed) and acknowledged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dramatiq
import redis
from dramatiq.middleware import CurrentMessage

from nutgraf.batch.ingest import utc_now
from nutgraf.distributed import steps
from nutgraf.distributed.config import WorkerLimits
from nutgraf.distributed.poison import Exhausted, Unfinished, run_bounded
from nutgraf.distributed.steps import EntryDone, FeedPoll, Resources, Transient
from nutgraf.errors import InputError

FEED_QUEUE = "nutgraf-feeds"
ENTRY_QUEUE = "nutgraf-entries"
MAX_RETRIES = 8
MIN_BACKOFF_MS = 1_000
MAX_BACKOFF_MS = 300_000

log = logging.getLogger("nutgraf.worker")


def should_retry(retries: int, error: Exception) -> bool:
    """Retry a transient failure (or Redis going away), or a message that ran out of memory
    beside others (``Unfinished``: retried alone), until ``MAX_RETRIES``; nothing else."""
    return retries < MAX_RETRIES and isinstance(error, Transient | Unfinished | redis.RedisError)


@dataclass(frozen=True, slots=True)
class Actors:
    poll_feed: dramatiq.Actor[[int, str], None]
    ingest_entry: dramatiq.Actor[[dict[str, Any]], None]


def declare_actors(
    broker: dramatiq.Broker,
    resources: Callable[[], Resources],
    limits: WorkerLimits | None = None,
) -> Actors:
    """Declare both actors on ``broker``, with ``limits``' time limits; ``resources`` gives
    the worker process's shared store and fetcher (called on each message; the dispatcher,
    which only sends, never calls it)."""
    limits = limits or WorkerLimits()
    retry: dict[str, Any] = {
        "retry_when": should_retry,
        "min_backoff": MIN_BACKOFF_MS,
        "max_backoff": MAX_BACKOFF_MS,
    }

    def poll_feed(feed_id: int, url: str) -> None:
        shared = resources()
        feed = steps.feed_state(shared, url)
        now = utc_now()
        if feed is None or feed.id != feed_id or not steps.is_due(feed, now):
            log.info("feed %s: not due (polled already, disabled or removed); skipped", url)
            return

        def poll() -> FeedPoll:
            polled = steps.poll_feed(shared, feed, now)
            for message in polled.entries:
                entry_actor.send(message)
            steps.record_poll(shared, feed, polled.outcome)
            return polled

        polled = run_bounded(poll, limits.feed_time_limit, "NUTGRAF_FEED_TIME_LIMIT")
        if isinstance(polled, Exhausted):
            steps.record_feed_failure(shared, feed, polled.reason, utc_now())
            log.warning("feed %s failed: %s", url, polled.reason)
        elif polled.outcome.error:
            log.warning("feed %s failed: %s", url, polled.outcome.error)
        else:
            log.info("feed %s: %d entries sent", url, len(polled.entries))

    def ingest_entry(message: dict[str, Any]) -> None:
        shared = resources()
        current = CurrentMessage.get_current_message()
        retries = int(current.options.get("retries", 0)) if current is not None else MAX_RETRIES
        now = utc_now()

        def ingest() -> EntryDone:
            return steps.ingest_entry(shared, message, now, may_retry=retries < MAX_RETRIES)

        try:
            done = run_bounded(ingest, limits.entry_time_limit, "NUTGRAF_ENTRY_TIME_LIMIT")
        except InputError as error:
            steps.record_failure(shared, "ingest_entry", str(error), now)
            log.warning("ingest_entry: %s", error)
            return
        if isinstance(done, Exhausted):
            label = steps.entry_label(message)
            steps.record_failure(shared, label, done.reason, utc_now())
            log.warning("%s failed: %s", label, done.reason)
            return
        if done.note:
            log.info("%s: %s", done.label, done.note)
        if done.blocked:
            log.info("%s: not stored, %s", done.label, done.blocked)
        if done.failure:
            log.warning("%s failed: %s", done.label, done.failure)

    feed_actor = dramatiq.actor(
        poll_feed,
        broker=broker,
        actor_name="poll_feed",
        queue_name=FEED_QUEUE,
        time_limit=int(limits.feed_time_limit * 1000),
        **retry,
    )
    entry_actor = dramatiq.actor(
        ingest_entry,
        broker=broker,
        actor_name="ingest_entry",
        queue_name=ENTRY_QUEUE,
        time_limit=int(limits.entry_time_limit * 1000),
        **retry,
    )
    return Actors(feed_actor, entry_actor)
