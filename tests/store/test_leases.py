"""Feed leases on every backend: claiming due feeds for a dispatcher, per-host limits, expiry,
and the lease ending when the poll is recorded."""

from __future__ import annotations

from nutgraf.store import PollOutcome, Store

ADDED = "2026-11-24T09:00:00Z"
NOW = "2026-11-24T10:00:00Z"


def subscribe(store: Store, *urls: str) -> None:
    for url in urls:
        store.add_feed(url, now=ADDED)


def test_a_claim_leases_due_feeds_to_its_owner_and_no_one_else(store: Store) -> None:
    subscribe(store, "https://a.example/1", "https://b.example/1", "https://c.example/1")
    first = store.claim_due_feeds(NOW, "one", 60, 2)
    assert [f.url for f in first] == ["https://a.example/1", "https://b.example/1"]
    assert {(f.lease_owner, f.lease_until) for f in first} == {("one", "2026-11-24T10:01:00Z")}
    second = store.claim_due_feeds(NOW, "two", 60, 10)
    assert [(f.url, f.lease_owner) for f in second] == [("https://c.example/1", "two")]
    assert store.claim_due_feeds(NOW, "three", 60, 10) == []
    held = {f.url: f.lease_owner for f in store.feeds()}
    assert held == {
        "https://a.example/1": "one",
        "https://b.example/1": "one",
        "https://c.example/1": "two",
    }


def test_a_lease_past_its_time_is_free_again(store: Store) -> None:
    subscribe(store, "https://a.example/1")
    assert len(store.claim_due_feeds(NOW, "one", 60, 10)) == 1
    assert store.claim_due_feeds("2026-11-24T10:00:59Z", "two", 60, 10) == []
    again = store.claim_due_feeds("2026-11-24T10:01:00Z", "two", 60, 10)
    assert [(f.lease_owner, f.lease_until) for f in again] == [("two", "2026-11-24T10:02:00Z")]


def test_a_claim_takes_at_most_per_host_feeds_of_one_host(store: Store) -> None:
    subscribe(store, *(f"https://big.example/{n}" for n in range(6)))
    subscribe(store, "https://small.example/1", "https://Other.example:8080/feed")
    first = store.claim_due_feeds(NOW, "one", 60, 100, per_host=2)
    assert sorted(f.url for f in first) == [
        "https://Other.example:8080/feed",
        "https://big.example/0",
        "https://big.example/1",
        "https://small.example/1",
    ]
    # The others stayed unleased: the next round takes the next two of the big host.
    second = store.claim_due_feeds(NOW, "two", 60, 100, per_host=2)
    assert [f.url for f in second] == ["https://big.example/2", "https://big.example/3"]
    unleased = [f.url for f in store.feeds() if f.lease_owner is None]
    assert unleased == ["https://big.example/4", "https://big.example/5"]


def test_only_due_enabled_feeds_are_claimed_the_most_overdue_first(store: Store) -> None:
    subscribe(store, "https://a.example/late", "https://b.example/later", "https://c.example/off")
    feeds = {f.url: f for f in store.feeds()}
    store.record_poll(
        feeds["https://a.example/late"].id,
        PollOutcome(checked=ADDED, next_check="2026-11-24T09:30:00Z"),
    )
    store.record_poll(
        feeds["https://b.example/later"].id,
        PollOutcome(checked=ADDED, next_check="2026-11-24T11:00:00Z"),
    )
    store.record_poll(
        feeds["https://c.example/off"].id,
        PollOutcome(checked=ADDED, next_check=ADDED, error="gone", disabled_reason="HTTP 410"),
    )
    subscribe(store, "https://d.example/new")  # never checked: due since it was added
    claimed = store.claim_due_feeds(NOW, "one", 60, 10)
    assert [f.url for f in claimed] == ["https://d.example/new", "https://a.example/late"]
    assert store.claim_due_feeds("2026-11-24T12:00:00Z", "one", 60, 0) == []


def test_recording_the_poll_ends_the_lease(store: Store) -> None:
    subscribe(store, "https://a.example/1", "https://b.example/1")
    ok, failed = store.claim_due_feeds(NOW, "one", 600, 10)
    done = store.record_poll(ok.id, PollOutcome(checked=NOW, next_check="2026-11-24T10:00:30Z"))
    assert (done.lease_owner, done.lease_until) == (None, None)
    bad = store.record_poll(
        failed.id, PollOutcome(checked=NOW, next_check="2026-11-24T10:00:30Z", error="HTTP 500")
    )
    assert (bad.lease_owner, bad.lease_until, bad.failures) == (None, None, 1)
    # Due again before the old lease would have run out: claimable at once.
    again = store.claim_due_feeds("2026-11-24T10:01:00Z", "two", 600, 10)
    assert sorted(f.url for f in again) == ["https://a.example/1", "https://b.example/1"]
