"""When to check a feed again, and when to give up on it: pure functions, no clock inside.

The policy:

- A healthy feed (no failures) is checked every ``interval``.
- After ``n`` consecutive failures the wait is ``interval * 2**n``, capped at
  ``MAX_BACKOFF`` (24 hours, or ``interval`` itself when that is longer), then scaled by a
  random factor in [0.75, 1.0] so feeds that failed together do not retry together. It is
  never shorter than ``interval``.
- A server's Retry-After (seconds) is honoured when it is longer than that wait; it is capped
  at ``MAX_BACKOFF`` too, so a hostile value cannot silence a feed for ever.
- A feed is disabled after ``DISABLE_AFTER_FAILURES`` (10) consecutive failures that span at
  least ``DISABLE_AFTER_SPAN`` (3 days), so a weekend outage alone never disables a feed,
  nor do many quick failures in one bad hour.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

__all__ = [
    "DISABLE_AFTER_FAILURES",
    "DISABLE_AFTER_SPAN",
    "MAX_BACKOFF",
    "next_check",
    "should_disable",
]

MAX_BACKOFF = timedelta(hours=24)
DISABLE_AFTER_FAILURES = 10
DISABLE_AFTER_SPAN = timedelta(days=3)
_JITTER_LOW = 0.75
_MAX_EXPONENT = 30  # 2**30 intervals is far past any cap; keeps the float finite


def next_check(
    now: datetime,
    *,
    interval: timedelta,
    failures: int,
    retry_after: float | None,
    rng: random.Random,
) -> datetime:
    """The time to check a feed next (see the module docstring for the policy).

    Args:
        now: the current time.
        interval: the feed's normal polling interval (positive).
        failures: consecutive failed checks so far (0 after a success).
        retry_after: the delay in seconds the server asked for, if it asked.
        rng: the jitter source (tests pass a seeded one).

    Returns:
        ``now`` plus the wait: ``interval`` when healthy, backed off after failures.
    """
    if interval <= timedelta(0):
        raise ValueError(f"interval must be positive, not {interval}")
    cap = max(MAX_BACKOFF, interval)
    wait = interval
    if failures > 0:
        doubled = interval.total_seconds() * 2.0 ** min(failures, _MAX_EXPONENT)
        backoff = min(doubled, cap.total_seconds()) * rng.uniform(_JITTER_LOW, 1.0)
        wait = max(interval, timedelta(seconds=backoff))
    if retry_after is not None and retry_after > 0:
        asked = min(timedelta(seconds=retry_after), cap)
        wait = max(wait, asked)
    return now + wait


def should_disable(failures: int, first_failure: datetime | None, now: datetime) -> bool:
    """True when a feed failed ``DISABLE_AFTER_FAILURES`` times in a row over 3+ days.

    Args:
        failures: consecutive failed checks.
        first_failure: when the first of them happened (None when there is none).
        now: the current time.

    Returns:
        Whether to stop checking the feed until a user re-enables it.
    """
    if failures < DISABLE_AFTER_FAILURES or first_failure is None:
        return False
    return now - first_failure >= DISABLE_AFTER_SPAN
