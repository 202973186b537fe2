"""The poller ``nutgraf serve`` runs beside the site, so a site started alone keeps fresh.

It is ``poll`` in a thread: every ``check_seconds`` it asks whether a feed is due (one indexed
read), and when one is it polls a round: it leases the due feeds (``Store.claim_due_feeds``,
as ``nutgraf dispatch`` does, so a dispatcher and a serving site never poll one feed twice
while its lease runs), polls them politely (``poll.poll_feed``: conditional GET, per-host
limits, backoff), purges what retention no longer keeps and places the new articles in
stories. Each round that polled something is one line through ``report``.

A round that fails (the archive briefly unreachable, a bug) is one line too, and the loop
goes on; a feed that fails is recorded on the feed by ``poll_feed`` and never stops a round.
Setting ``stop`` ends the loop: no new feed is started, the ones in hand finish (each article
is saved in one transaction, so nothing is half written), and a feed claimed but not started
is claimed again when its lease runs out.
"""

from __future__ import annotations

import os
import random
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from nutgraf.batch.ingest import utc_now
from nutgraf.batch.poll import POLL_WORKERS, poll_due
from nutgraf.config import Settings
from nutgraf.errors import NutgrafError
from nutgraf.manage import apply_retention
from nutgraf.store.base import Store
from nutgraf.stories.archive import story_options, update_stories


@dataclass(frozen=True, slots=True)
class PollerOptions:
    """``check_seconds``: how often the poller asks whether a feed is due (a feed added in
    the admin, or by another command, is polled within this); ``lease_seconds``: how long a
    claimed feed is held (a poll takes at most about 30 s, its pages included); ``batch``:
    feeds claimed a round; ``per_host``: feeds of one host a round (the others wait for
    the next round, seconds later); ``workers``: feeds polled at once."""

    check_seconds: float = 2.0
    lease_seconds: int = 900
    batch: int = 100
    per_host: int = 4
    workers: int = POLL_WORKERS

    def __post_init__(self) -> None:
        if self.check_seconds <= 0:
            raise NutgrafError("the poller's check_seconds must be more than 0")
        if min(self.lease_seconds, self.batch, self.per_host, self.workers) < 1:
            raise NutgrafError("the poller's lease, batch, per-host and workers must be 1 or more")


@dataclass(frozen=True, slots=True)
class RoundReport:
    """What one round did: feeds polled, of which failed, the articles stored, and the items
    the rules kept out (``nutgraf.rules``)."""

    feeds: int = 0
    failed: int = 0
    new: int = 0
    updated: int = 0
    duplicates: int = 0
    blocked: int = 0

    def line(self) -> str:
        failed = f" ({self.failed} failed)" if self.failed else ""
        blocked = f", {self.blocked} kept out by rules" if self.blocked else ""
        return (
            f"poll: {self.feeds} feed(s){failed}: {self.new} new, {self.updated} updated, "
            f"{self.duplicates} duplicate article(s){blocked}"
        )


def poller_name() -> str:
    """Who holds the leases this poller takes: host, process id and a random tag."""
    return f"serve:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def poll_round(
    store: Store,
    settings: Settings,
    *,
    owner: str,
    options: PollerOptions,
    stop: threading.Event,
    rng: random.Random | None = None,
) -> RoundReport:
    """Lease the due feeds and poll them, several at a time; a feed not yet started when
    ``stop`` is set is left to its lease."""
    feeds = store.claim_due_feeds(
        utc_now(), owner, options.lease_seconds, options.batch, per_host=options.per_host
    )
    if not feeds:
        return RoundReport()
    done = poll_due(store, settings, rng=rng, workers=options.workers, feeds=feeds, stop=stop)
    return RoundReport(
        feeds=len(done),
        failed=sum(1 for state, _ in done if state.last_error),
        new=sum(tally.new for _, tally in done),
        updated=sum(tally.updated for _, tally in done),
        duplicates=sum(tally.duplicates for _, tally in done),
        blocked=sum(sum(tally.blocked.values()) for _, tally in done),
    )


def run_poller(
    store: Store,
    settings: Settings,
    stop: threading.Event,
    *,
    options: PollerOptions | None = None,
    report: Callable[[str], None] = lambda _line: None,
) -> None:
    """Poll due feeds until ``stop`` is set, reporting one line per round that polled any."""
    options = options or PollerOptions()
    owner = poller_name()
    rng = random.Random()
    while not stop.is_set():
        try:
            if store.due_feeds(utc_now(), limit=1):
                done = poll_round(store, settings, owner=owner, options=options, stop=stop, rng=rng)
                if done.feeds:
                    apply_retention(store, settings)
                    update_stories(store, options=story_options(settings))
                    report(done.line())
        except Exception as error:  # the loop outlives any one round
            report(f"poll: the round failed, trying again later: {_one_line(error)}")
        stop.wait(options.check_seconds)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__
