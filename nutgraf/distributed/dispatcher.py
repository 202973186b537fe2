"""The dispatcher: lease the feeds that are due and send one ``poll_feed`` message for each.

A round claims at most ``batch`` feeds (``Store.claim_due_feeds``: in PostgreSQL one
statement with ``FOR UPDATE SKIP LOCKED``, so several dispatchers may run at once and never
send one feed twice while its lease runs), at most ``per_host`` of them from one host (the
others stay unleased for a later round, so a big site neither floods the queue nor starves
the small ones), and only while the feed queue holds fewer than ``max_backlog`` messages, so
a lease does not run out while its message waits. The worker that polls a feed ends its
lease (``record_poll``); a lease whose message was lost (a dispatcher killed between claim
and send, a message dropped) runs out after ``lease_seconds`` and the feed is claimed again.

Beside the rounds, a dispatcher keeps the stories current: a thread places the articles the
workers stored in stories (``update_stories``) every ``interval``. Several dispatchers may do
it at once: a story update is a compare-and-set, and only one of them saves each batch.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nutgraf.batch.ingest import utc_now
from nutgraf.errors import NutgrafError
from nutgraf.store.base import FeedState, Store

if TYPE_CHECKING:
    from nutgraf.stories.cluster import StoryOptions

log = logging.getLogger("nutgraf.dispatch")


@dataclass(frozen=True, slots=True)
class DispatchOptions:
    """``lease_seconds``: how long a claimed feed is held for its worker; ``batch``: feeds
    claimed a round; ``per_host``: feeds of one host a round; ``interval``: seconds between
    rounds; ``max_backlog``: no claiming while the feed queue holds this many messages."""

    lease_seconds: int = 900
    batch: int = 500
    per_host: int = 4
    interval: float = 2.0
    max_backlog: int = 2000

    def __post_init__(self) -> None:
        for name in ("lease_seconds", "batch", "per_host", "max_backlog"):
            if getattr(self, name) < 1:
                raise NutgrafError(f"--{name.replace('_', '-')} must be 1 or more")
        if self.lease_seconds < 30:
            raise NutgrafError("--lease must be 30 seconds or more (a poll takes up to 30 s)")
        if self.interval <= 0:
            raise NutgrafError("--interval must be more than 0 seconds")


@dataclass(frozen=True, slots=True)
class Round:
    """What one round did: feeds sent, and the feed queue's backlog it saw."""

    sent: int
    backlog: int


def dispatcher_name() -> str:
    """Who holds the leases this process takes: host, process id and a random tag."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def dispatch_round(
    store: Store,
    send: Callable[[FeedState], None],
    backlog: Callable[[], int],
    *,
    owner: str,
    options: DispatchOptions,
    now: str | None = None,
) -> Round:
    """Claim the due feeds there is room for and ``send`` each one."""
    waiting = backlog()
    room = min(options.batch, options.max_backlog - waiting)
    if room <= 0:
        return Round(0, waiting)
    feeds = store.claim_due_feeds(
        now or utc_now(), owner, options.lease_seconds, room, per_host=options.per_host
    )
    for feed in feeds:
        send(feed)
    return Round(len(feeds), waiting)


def run_dispatcher(
    store: Store,
    send: Callable[[FeedState], None],
    backlog: Callable[[], int],
    *,
    options: DispatchOptions,
    stop: threading.Event,
    once: bool = False,
    report: Callable[[Round], None] = lambda _round: None,
    stories: bool = True,
    story_options: StoryOptions | None = None,
    retention_days: int | None = None,
) -> int:
    """Dispatch a round every ``options.interval`` seconds until ``stop`` is set (``once``:
    one round); returns how many feeds were sent. With ``stories``, a thread keeps the
    stories current meanwhile (``once``: one update, after the round), with
    ``story_options``, first purging what ``retention_days`` no longer keeps."""
    owner = dispatcher_name()
    total = 0
    keeper = None
    if stories and not once:
        keeper = threading.Thread(
            target=keep_stories,
            args=(store, stop, options.interval, story_options, retention_days),
            daemon=True,
        )
        keeper.start()
    try:
        while not stop.is_set():
            done = dispatch_round(store, send, backlog, owner=owner, options=options)
            total += done.sent
            report(done)
            if once:
                break
            stop.wait(options.interval)
    finally:
        if keeper is not None:
            stop.set()
            keeper.join()
    if stories and once:
        _purge_old(store, retention_days)
        _update_stories(store, story_options)
    return total


def keep_stories(
    store: Store,
    stop: threading.Event,
    interval: float,
    story_options: StoryOptions | None = None,
    retention_days: int | None = None,
) -> None:
    """Place newly stored articles in stories every ``interval`` seconds until ``stop``,
    first purging the articles older than ``retention_days`` (when set)."""
    while not stop.is_set():
        _purge_old(store, retention_days)
        _update_stories(store, story_options)
        stop.wait(interval)


def _update_stories(store: Store, options: StoryOptions | None) -> None:
    from nutgraf.stories.archive import update_stories

    try:
        update_stories(store, options=options)
    except NutgrafError as error:  # the archive is down or locked: the next turn retries
        log.warning("stories not updated: %s", " ".join(str(error).split()))


def _purge_old(store: Store, retention_days: int | None) -> None:
    """Delete what the retention no longer keeps: when nothing is that old, one indexed read."""
    if retention_days is None:
        return
    from nutgraf.manage import purge

    try:
        done = purge(store, retention_days)
    except NutgrafError as error:  # the archive is down or locked: the next turn retries
        log.warning("retention not applied: %s", " ".join(str(error).split()))
        return
    if done.ids:
        log.info("retention: %d articles from before %s deleted", len(done.ids), done.cutoff)
