"""Subscribing to feeds and polling them politely.

A poll sends the feed's ETag and Last-Modified back (a 304 costs the server nothing), goes
through the per-host limiter, and records the outcome on the feed: after a failure the next
check backs off (``nutgraf.ingest.schedule``), honouring Retry-After; a feed that keeps
failing for days is disabled with its reason shown by ``nutgraf feeds``.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from nutgraf.batch.ingest import PAGE_BUDGET, Fetcher, Ingestor, Tally, sniff, utc_now
from nutgraf.config import Settings
from nutgraf.errors import FeedError, FetchError, NutgrafError
from nutgraf.ingest.feeds import discover_feeds
from nutgraf.ingest.fetch import FEED_MAX_BYTES, Fetched
from nutgraf.ingest.schedule import next_check, should_disable
from nutgraf.store.base import FeedState, PollOutcome, Store


def add_feed(
    store: Store,
    settings: Settings,
    url: str,
    *,
    title: str | None = None,
    category: str | None = None,
) -> tuple[FeedState, Tally]:
    """Check that ``url`` is a feed, subscribe to it and ingest its entries now. The tally
    counts the feed as ``subscribed`` only when it was not already.

    Raises:
        NutgrafError: the URL cannot be fetched or is not a feed (a web page's error names
            the feeds it advertises).
    """
    with Ingestor(store, settings) as ingestor:
        fetched = ingestor.fetcher.fetch(url, FEED_MAX_BYTES)
        if sniff(fetched.body, fetched.content_type) == "html":
            advertised = discover_feeds(fetched.body, fetched.final_url)
            if advertised:
                raise FeedError(
                    f"{url} is a web page, not a feed; it advertises {advertised[0]}. "
                    f"Try: nutgraf add-feed {advertised[0]}"
                )
            raise FeedError(f"{url} is a web page, not a feed, and it advertises none")
        feed = ingestor.feed_bytes(
            fetched.body, url, url=fetched.final_url, content_type=fetched.content_type
        )
        now = utc_now()
        state, created = store.add_feed(
            url, title=title or feed.title, site=feed.link, category=category, now=now
        )
        ingestor.tally.subscribed += created  # 0: it was subscribed already
        state = store.record_poll(
            state.id,
            PollOutcome(
                checked=now,
                next_check=_later(now, settings.poll_interval),
                etag=fetched.etag,
                last_modified=fetched.last_modified,
                title=feed.title,
                site=feed.link,
            ),
        )
        return state, ingestor.tally


POLL_WORKERS = 8


def poll_due(
    store: Store,
    settings: Settings,
    *,
    rng: random.Random | None = None,
    workers: int = POLL_WORKERS,
    page_budget: float = PAGE_BUDGET,
    fetcher: Fetcher | None = None,
    feeds: Sequence[FeedState] | None = None,
    stop: threading.Event | None = None,
) -> list[tuple[FeedState, Tally]]:
    """Poll every feed that is due now (or ``feeds``, ones a poller leased), several at a
    time; each outcome is recorded on its feed. A feed not yet started when ``stop`` is set
    is left alone (its lease, if it has one, runs out). The shared per-host limiter keeps
    any one site from seeing more than its share.

    One feed cannot hold the others up for long: its teaser pages get ``page_budget``
    seconds, all of them, and no page is asked again in this poll, for any feed, of a host
    that timed out or could not be reached. (Before, twenty pages dripping a byte a second
    held the host's two turns thirty seconds at a time, five minutes in all, while the poll,
    the other feeds of that host and the next poll waited.) ``fetcher`` is shared by the
    poll's feeds (one is made, and closed, when none is given).
    """
    rng = rng or random.Random()
    chosen = store.due_feeds(utc_now()) if feeds is None else feeds
    owned = fetcher is None
    shared = fetcher if fetcher is not None else Fetcher(settings)

    def poll(feed: FeedState) -> tuple[FeedState, Tally] | None:
        if stop is not None and stop.is_set():
            return None
        with Ingestor(store, settings, fetcher=shared, page_budget=page_budget) as ingestor:
            return poll_feed(ingestor, feed, settings, random.Random(rng.random()))

    try:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            return [done for done in pool.map(poll, chosen) if done is not None]
    finally:
        if owned:
            shared.close()


def poll_feed(
    ingestor: Ingestor, feed: FeedState, settings: Settings, rng: random.Random
) -> tuple[FeedState, Tally]:
    """Fetch one feed (conditionally) and ingest what is new; record how it went."""
    store = ingestor.store
    now = utc_now()
    try:
        fetched = ingestor.fetcher.fetch(
            feed.url, FEED_MAX_BYTES, etag=feed.etag, last_modified=feed.last_modified
        )
        title = site = None
        if not fetched.not_modified:
            # Until a poll succeeds, what the feed holds is its backlog.
            first = feed.last_success is None
            parsed = ingestor.feed_bytes(
                fetched.body, feed.url, url=fetched.final_url, backlog=first
            )
            title, site = parsed.title, parsed.link
        outcome = polled(now, fetched, settings, title=title, site=site)
    except NutgrafError as error:
        outcome = poll_failed(feed, error, now, settings, rng)
    return store.record_poll(feed.id, outcome), ingestor.tally


def polled(
    now: str,
    fetched: Fetched,
    settings: Settings,
    *,
    title: str | None = None,
    site: str | None = None,
) -> PollOutcome:
    """A poll that fetched the feed (or heard it was not modified): next check after the
    feed's interval, its validators kept for the next conditional GET (pure)."""
    return PollOutcome(
        checked=now,
        next_check=_later(now, settings.poll_interval),
        etag=fetched.etag,
        last_modified=fetched.last_modified,
        title=title,
        site=site,
    )


def poll_failed(
    feed: FeedState, error: NutgrafError, now: str, settings: Settings, rng: random.Random
) -> PollOutcome:
    """A failed poll: the next check backs off (honouring Retry-After), and a feed failing
    for days is disabled with the reason (pure but for ``rng``)."""
    retry_after = error.retry_after if isinstance(error, FetchError) else None
    failures = feed.failures + 1
    moment = _instant(now)
    first = _instant(feed.first_failure) if feed.first_failure else moment
    return PollOutcome(
        checked=now,
        next_check=_format(
            next_check(
                moment,
                interval=timedelta(seconds=settings.poll_interval),
                failures=failures,
                retry_after=retry_after,
                rng=rng,
            )
        ),
        error=" ".join(str(error).split()),
        disabled_reason=(
            f"failed {failures} times since {_format(first)}: {error}"
            if should_disable(failures, first, moment)
            else None
        ),
    )


def _later(now: str, seconds: int) -> str:
    return _format(_instant(now) + timedelta(seconds=seconds))


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _format(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
