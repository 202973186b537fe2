"""Per-feed backoff and disabling: the policy in nutgraf/ingest/schedule.py."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutgraf.ingest.schedule import (
    DISABLE_AFTER_FAILURES,
    DISABLE_AFTER_SPAN,
    MAX_BACKOFF,
    next_check,
    should_disable,
)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def wait(failures: int, retry_after: float | None = None, interval: timedelta = HOUR) -> timedelta:
    at = next_check(
        NOW, interval=interval, failures=failures, retry_after=retry_after, rng=random.Random(1)
    )
    return at - NOW


def test_a_healthy_feed_is_checked_every_interval() -> None:
    assert wait(0) == HOUR
    assert wait(0, interval=timedelta(minutes=15)) == timedelta(minutes=15)


def test_failures_back_off_exponentially_with_jitter() -> None:
    for failures in (1, 2, 3):
        full = HOUR * 2**failures
        assert 0.75 * full <= wait(failures) <= full


def test_backoff_is_capped_at_a_day() -> None:
    assert 0.75 * MAX_BACKOFF <= wait(5) <= MAX_BACKOFF
    assert 0.75 * MAX_BACKOFF <= wait(10_000) <= MAX_BACKOFF


def test_a_long_interval_is_never_shortened() -> None:
    week = timedelta(days=7)
    assert wait(0, interval=week) == week
    assert wait(3, interval=week) == week


def test_jitter_spreads_feeds_that_failed_together() -> None:
    waits = {
        next_check(NOW, interval=HOUR, failures=3, retry_after=None, rng=random.Random(seed))
        for seed in range(20)
    }
    assert len(waits) > 10


def test_retry_after_is_honoured_when_longer() -> None:
    assert wait(1, retry_after=5 * 3600) == timedelta(hours=5)
    assert wait(0, retry_after=7200) == timedelta(hours=2)
    assert wait(3, retry_after=60) == wait(3)
    assert wait(1, retry_after=10 * 86400) == MAX_BACKOFF


def test_a_non_positive_interval_is_an_error() -> None:
    with pytest.raises(ValueError, match="interval must be positive"):
        wait(0, interval=timedelta(0))


@given(
    failures=st.integers(min_value=0, max_value=10_000),
    minutes=st.integers(min_value=1, max_value=60 * 24 * 30),
    retry_after=st.none() | st.floats(min_value=0, max_value=1e9, allow_nan=False),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_next_check_stays_within_bounds(
    failures: int, minutes: int, retry_after: float | None, seed: int
) -> None:
    interval = timedelta(minutes=minutes)
    at = next_check(
        NOW, interval=interval, failures=failures, retry_after=retry_after, rng=random.Random(seed)
    )
    assert NOW + interval <= at <= NOW + max(interval, MAX_BACKOFF)


def test_should_disable_needs_both_many_failures_and_days() -> None:
    three_days_ago = NOW - DISABLE_AFTER_SPAN
    assert DISABLE_AFTER_FAILURES == 10
    assert should_disable(10, three_days_ago, NOW)
    assert should_disable(50, NOW - timedelta(days=30), NOW)
    assert not should_disable(9, NOW - timedelta(days=30), NOW)
    assert not should_disable(100, NOW - timedelta(hours=71), NOW)
    assert not should_disable(10, None, NOW)
    assert not should_disable(0, None, NOW)
