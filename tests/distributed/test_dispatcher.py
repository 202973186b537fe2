"""The dispatcher on a real PostgreSQL (and Redis for the command): exclusive claims between
dispatchers running at once, leases that run out, per-host limits and the backlog cap."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from nutgraf.cli import main
from nutgraf.distributed.dispatcher import DispatchOptions, dispatch_round
from nutgraf.store import FeedState
from nutgraf.store.postgres import PostgresStore

pytestmark = pytest.mark.postgres

ADDED = "2020-01-01T00:00:00Z"  # in the past: due now, whenever the tests run
NOW = "2026-11-24T10:00:00Z"


def subscribe(url: str, hosts: int, per_host: int) -> None:
    with PostgresStore(url) as store:
        for host in range(hosts):
            for n in range(per_host):
                store.add_feed(f"https://host{host}.example/feed{n}", now=ADDED)


def test_two_dispatchers_at_once_never_send_a_feed_twice(fresh_postgres: str) -> None:
    subscribe(fresh_postgres, hosts=30, per_host=10)
    options = DispatchOptions(batch=7, per_host=3)
    sent: dict[str, list[int]] = {"one": [], "two": []}
    start = threading.Barrier(2)

    def dispatcher(owner: str) -> None:
        with PostgresStore(fresh_postgres) as store:
            start.wait()
            empty = 0
            while empty < 2:
                done = dispatch_round(
                    store,
                    lambda feed: sent[owner].append(feed.id),
                    lambda: 0,
                    owner=owner,
                    options=options,
                    now=NOW,
                )
                empty = 0 if done.sent else empty + 1

    threads = [threading.Thread(target=dispatcher, args=(name,)) for name in sent]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = sent["one"] + sent["two"]
    assert len(everything) == 300 and len(set(everything)) == 300
    assert sent["one"] and sent["two"]  # both took part
    with PostgresStore(fresh_postgres) as store:
        owners = Counter(feed.lease_owner for feed in store.feeds())
    assert owners == {"one": len(sent["one"]), "two": len(sent["two"])}


def test_a_feed_whose_lease_ran_out_is_sent_again(fresh_postgres: str) -> None:
    subscribe(fresh_postgres, hosts=2, per_host=2)
    options = DispatchOptions(lease_seconds=60, per_host=10)
    sent: list[FeedState] = []
    with PostgresStore(fresh_postgres) as store:

        def round_at(now: str) -> int:
            return dispatch_round(
                store, sent.append, lambda: 0, owner="d", options=options, now=now
            ).sent

        assert round_at(NOW) == 4
        assert round_at("2026-11-24T10:00:59Z") == 0  # still leased (not yet polled)
        assert round_at("2026-11-24T10:01:00Z") == 4  # the lease ran out: lost, so sent again
    assert Counter(feed.id for feed in sent) == dict.fromkeys({f.id for f in sent}, 2)


def test_the_command_sends_per_host_limited_rounds_and_waits_for_the_backlog(
    fresh_postgres: str, environment: dict[str, str], namespace: str, redis_url: str
) -> None:
    import redis

    subscribe(fresh_postgres, hosts=3, per_host=5)
    runner = CliRunner()
    args = ["dispatch", "--db", fresh_postgres, "--once", "--per-host", "2"]
    result = runner.invoke(main, args)
    assert (result.exit_code, result.output) == (0, "6 feeds sent (0 were waiting)\n")
    client = redis.Redis.from_url(redis_url)
    try:
        queued = [json.loads(m) for m in client.hvals(f"{namespace}:nutgraf-feeds.msgs")]
    finally:
        client.close()
    assert {m["actor_name"] for m in queued} == {"poll_feed"}
    hosts = Counter(urlsplit(m["args"][1]).hostname for m in queued)
    assert hosts == {"host0.example": 2, "host1.example": 2, "host2.example": 2}
    # The rest waits for a later round, and none comes while the queue is full.
    again = runner.invoke(main, args)
    assert (again.exit_code, again.output) == (0, "6 feeds sent (6 were waiting)\n")
    with PostgresStore(fresh_postgres) as store:
        leased = sum(feed.lease_owner is not None for feed in store.feeds())
        backlog = dispatch_round(
            store,
            lambda feed: pytest.fail(f"{feed.url} sent despite the backlog"),
            lambda: 12,
            owner="x",
            options=DispatchOptions(max_backlog=12),
        )
    assert leased == 12 and backlog.sent == 0 and backlog.backlog == 12


def test_the_command_says_when_redis_is_away(fresh_postgres: str, environment: object) -> None:
    result = CliRunner().invoke(
        main, ["dispatch", "--db", fresh_postgres, "--once", "--redis", "redis://127.0.0.1:1/0"]
    )
    assert result.exit_code == 1
    assert result.output == (
        "Error: cannot reach Redis at redis://127.0.0.1:1/0: Error 111 connecting to "
        "127.0.0.1:1. Connection refused. Start it, or give --redis URL (or NUTGRAF_REDIS_URL)\n"
    )


def test_the_dispatcher_keeps_the_stories_current(fresh_postgres: str) -> None:
    from nutgraf.distributed.dispatcher import run_dispatcher
    from nutgraf.stories.cluster import StoryOptions
    from tests.stories.events import ALL, BRIDGE_COAST, BRIDGE_NORTH, BRIDGE_VALLEY, ingest

    with PostgresStore(fresh_postgres) as store:
        ids = {report.key: ingest(store, report) for report in ALL}
        assert store.story_through() == 0  # stored by workers: not placed yet
        run_dispatcher(
            store,
            lambda feed: None,
            lambda: 0,
            options=DispatchOptions(),
            stop=threading.Event(),
            once=True,
            story_options=StoryOptions(day_penalty=0.05),
        )
        assert store.story_through() == max(ids.values())
        saved = store.story_state()
        assert saved is not None and saved[1]["options"]["day_penalty"] == 0.05
        bridge = {store.story_of(ids[r.key]) for r in (BRIDGE_NORTH, BRIDGE_VALLEY, BRIDGE_COAST)}
        assert len(bridge) == 1 and None not in bridge
        # Running, the dispatcher's thread places what arrives while it runs.
        stop = threading.Event()
        thread = threading.Thread(
            target=run_dispatcher,
            args=(store, lambda feed: None, lambda: 0),
            kwargs={"options": DispatchOptions(interval=0.05), "stop": stop},
        )
        thread.start()
        try:
            later = ingest(store, BRIDGE_NORTH, copy_to="Wire Daily")
            deadline = time.monotonic() + 10
            while store.story_through() < later and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            stop.set()
            thread.join(10)
        assert store.story_through() == later
        assert store.story_of(later) == store.story_of(ids[BRIDGE_NORTH.key])


def test_the_dispatcher_applies_retention_days(fresh_postgres: str) -> None:
    from dataclasses import replace

    from nutgraf.distributed.dispatcher import run_dispatcher
    from tests.stories.events import BRIDGE_NORTH, HONEY, ingest

    old = replace(BRIDGE_NORTH, published="2001-03-02T07:00:00+00:00")
    with PostgresStore(fresh_postgres) as store:
        gone, kept = ingest(store, old), ingest(store, HONEY)  # honey: dated 2031
        for retention in (None, 30):
            run_dispatcher(
                store,
                lambda feed: None,
                lambda: 0,
                options=DispatchOptions(),
                stop=threading.Event(),
                once=True,
                retention_days=retention,
            )
            left = [a.id for a in store.articles()]
            assert left == ([gone, kept] if retention is None else [kept])
        assert store.story_of(kept) is not None and store.story_of(gone) is None
