"""Where an undated feed entry is listed (pure).

An entry its feed gives no date keeps the time it was first seen, but is not listed at that
time as it stands: entries seen in one poll would all share it, in no order, and a first
import of an old feed without dates (three pages of 2018 teasers) would bury the news.
So an undated entry is placed one second below the entry before it in its feed (the feed's
own order is kept), and the entries of a feed's first import (its backlog) are placed below
every dated article, from ``BACKLOG_TIME`` down, where they wait in feed order.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["BACKLOG_TIME", "placed_at"]

# Where a backlog of undated entries starts: after (below) anything with a real date.
BACKLOG_TIME = "1970-01-02T00:00:00Z"
_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def placed_at(first_seen: str, position: int, *, backlog: bool) -> str:
    """The listing time of the undated entry at ``position`` (0 is the feed's first) of a
    feed read at ``first_seen``; from ``BACKLOG_TIME`` for a feed's first import."""
    start = BACKLOG_TIME if backlog else first_seen
    try:
        moment = datetime.strptime(start, _FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return start
    return (moment - timedelta(seconds=max(0, position))).strftime(_FORMAT)
