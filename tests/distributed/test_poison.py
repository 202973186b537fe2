"""Poison messages on the real servers: work that runs past its time limit, runs out of
memory, or kills its worker process is recorded as failed and acknowledged, and the workers
go on."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import dramatiq
import pytest
import redis

from nutgraf.distributed.actors import ENTRY_QUEUE, FEED_QUEUE, should_retry
from nutgraf.distributed.broker import make_broker
from nutgraf.distributed.config import broker_settings
from nutgraf.distributed.poison import (
    POISON_STARTS,
    Delivery,
    Exhausted,
    current_delivery,
    run_bounded,
    started_key,
)
from nutgraf.distributed.steps import entry_message
from nutgraf.records import Feed, FeedEntry
from nutgraf.store.postgres import PostgresStore
from tests.batch.test_ingest_cli import STORIES, html_body
from tests.distributed.test_workers import (
    Worker,
    dispatch,
    sender,
    stored_urls,
    subscribe,
    wait_for,
)

pytestmark = pytest.mark.postgres

FEED = Feed("rss20", "https://example.org/feed", "Example", "https://example.org/", "en")


class Drip:
    """A loopback server whose every answer drips: headers at once, then one byte every
    ``interval`` seconds, for as long as the client reads (a page that never finishes)."""

    def __init__(self, address: str, interval: float) -> None:
        self.requests: list[str] = []
        self.halt = threading.Event()
        drip = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                drip.requests.append(self.path)
                kind = "application/rss+xml" if "feed" in self.path else "text/html"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", "100000")
                self.end_headers()
                try:
                    while not drip.halt.wait(interval):
                        self.wfile.write(b" ")
                        self.wfile.flush()
                except OSError:
                    pass  # the worker gave up, or was killed

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer((address, 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}{path}"


@contextmanager
def dripping(address: str, interval: float) -> Iterator[Drip]:
    drip = Drip(address, interval)
    drip.thread.start()
    try:
        yield drip
    finally:
        drip.halt.set()
        drip.server.shutdown()
        drip.server.server_close()


def entry(link: str, text: str | None = None, title: str = "A story") -> dict[str, Any]:
    """An entry message: the whole story when ``text`` is given, else a teaser of ``link``."""
    if text is None:
        item = FeedEntry(guid=link, link=link, title=title, summary_html="<p>Teaser.</p>")
    else:
        item = FeedEntry(guid=link, link=link, title=title, content_html=html_body(text))
    return entry_message(item, FEED, FEED.url)


def failures(db: str) -> dict[str, str]:
    with PostgresStore(db) as store:
        return {source: reason for source, reason, _ in store.failures()}


def queues_empty(client: redis.Redis, namespace: str) -> bool:
    """Nothing waiting, delayed, held by a worker or dead-lettered; no start left counted."""
    waiting = sum(
        int(client.llen(f"{namespace}:{queue}")) + int(client.zcard(f"{namespace}:{queue}.DQ"))
        for queue in (FEED_QUEUE, ENTRY_QUEUE)
    )
    held = sum(int(client.scard(key)) for key in client.scan_iter(f"{namespace}:__acks__.*"))
    dead = sum(int(client.zcard(f"{namespace}:{q}.XQ")) for q in (FEED_QUEUE, ENTRY_QUEUE))
    counted = list(client.scan_iter(f"{namespace}:started:*"))
    return waiting == held == dead == 0 and not counted


def test_work_past_its_time_limit_is_recorded_and_acknowledged(
    fresh_postgres: str, environment: dict[str, str], namespace: str, redis_url: str
) -> None:
    env = {**environment, "NUTGRAF_ENTRY_TIME_LIMIT": "1", "NUTGRAF_FEED_TIME_LIMIT": "1"}
    with ExitStack() as stack:
        # Pages and feeds that drip a byte every 0.1 s: each byte wakes the fetching thread,
        # so the limit's exception lands; the fetch's own 30 s deadline would come too late.
        drip = stack.enter_context(dripping("127.0.0.2", 0.1))
        slow_feed = drip.url("/feed.xml")
        subscribe(fresh_postgres, [slow_feed])
        worker = Worker(fresh_postgres, env, "--threads", "1")
        stack.callback(worker.stop)
        actors, _ = stack.enter_context(sender())
        client = redis.Redis.from_url(redis_url)
        stack.callback(client.close)
        teaser = drip.url("/story")
        actors.ingest_entry.send(entry(teaser))
        assert dispatch(fresh_postgres, actors) == 1
        wait_for("the failures", lambda: teaser in failures(fresh_postgres), 20, worker.log)
        assert failures(fresh_postgres) == {
            teaser: "took longer than the 1 s time limit (NUTGRAF_ENTRY_TIME_LIMIT); not retried"
        }

        def feed_failed() -> bool:
            with PostgresStore(fresh_postgres) as store:
                return store.feeds()[0].failures == 1

        wait_for("the feed's failure", feed_failed, 20, worker.log)
        with PostgresStore(fresh_postgres) as store:
            feed = store.feeds()[0]
        assert feed.last_error == (
            "took longer than the 1 s time limit (NUTGRAF_FEED_TIME_LIMIT); not retried"
        )
        assert feed.lease_owner is None and feed.next_check and feed.last_checked
        assert feed.next_check > feed.last_checked  # backs off as after any failed poll
        # Each was taken once, and acknowledged: nothing retried, dead-lettered or held.
        assert sorted(drip.requests) == ["/feed.xml", "/story"]
        wait_for("the queues to empty", lambda: queues_empty(client, namespace), 10, worker.log)
        # The worker's only thread goes on with the next message.
        whole = "https://example.org/whole"
        actors.ingest_entry.send(entry(whole, STORIES[0]))
        wait_for("the next entry", lambda: whole in stored_urls(fresh_postgres), 20, worker.log)
        assert worker.process.poll() is None


def holder(client: redis.Redis, namespace: str, redis_id: str, worker: Worker) -> int | None:
    """The pid of the worker process holding the message ``redis_id`` (None: none yet)."""
    pids = {
        line.split(" worker ", 1)[1].split()[0]: int(line.rsplit(" pid ", 1)[1].split(",")[0])
        for line in list(worker.lines)
        if " worker " in line and " started: " in line
    }
    for broker_id, pid in pids.items():
        if client.sismember(f"{namespace}:__acks__.{broker_id}.{ENTRY_QUEUE}", redis_id):
            return pid
    return None


def test_a_message_that_kills_its_workers_is_recorded_after_three_deaths(
    fresh_postgres: str, environment: dict[str, str], namespace: str, redis_url: str
) -> None:
    with ExitStack() as stack:
        drip = stack.enter_context(dripping("127.0.0.2", 0.5))
        worker = Worker(fresh_postgres, environment, "--processes", "2", "--threads", "2")
        stack.callback(worker.stop)
        wait_for("the workers", lambda: len(worker.broker_ids()) == 2, 30, worker.log)
        actors, _ = stack.enter_context(sender())
        client = redis.Redis.from_url(redis_url)
        stack.callback(client.close)
        deadly = drip.url("/deadly")
        sent = actors.ingest_entry.send(entry(deadly))
        redis_id = sent.options["redis_message_id"]
        ordinary = [f"https://example.org/story-{n}" for n in range(4)]
        for n, url in enumerate(ordinary):
            actors.ingest_entry.send(entry(url, STORIES[n]))
        # Each time a worker reads the deadly entry's page, the test kills that worker, as the
        # OOM killer would: the message goes back to the queue and kills the next one.
        for death in range(1, POISON_STARTS + 1):
            wait_for(
                f"delivery {death}",
                lambda n=death: drip.requests.count("/deadly") == n,
                20,
                worker.log,
            )
            wait_for("its holder", lambda: holder(client, namespace, redis_id, worker), 5)
            pid = holder(client, namespace, redis_id, worker)
            assert pid is not None
            assert int(client.get(started_key(namespace, sent.message_id)) or 0) == death
            os.kill(pid, signal.SIGKILL)
        wait_for("the failure", lambda: deadly in failures(fresh_postgres), 20, worker.log)
        assert failures(fresh_postgres) == {
            deadly: "killed its worker 3 times (out of memory, or a crash); not run again"
        }  # the entries that ran beside it were not blamed
        assert drip.requests.count("/deadly") == POISON_STARTS  # not run a fourth time
        wait_for(
            "the other entries",
            lambda: set(stored_urls(fresh_postgres)) == set(ordinary),
            20,
            worker.log,
        )
        wait_for("the queues to empty", lambda: queues_empty(client, namespace), 20, worker.log)
        # The supervisor started a new process for each one killed, and stops them all at once.
        assert worker.process.poll() is None
        assert len(worker.broker_ids()) >= 2 + POISON_STARTS - 1
        restarts = [line for line in worker.lines if "died with status -9; starting it" in line]
        assert len(restarts) == POISON_STARTS
        worker.process.send_signal(signal.SIGTERM)
        assert worker.process.wait(timeout=60) == 0
    assert stored_urls(fresh_postgres) == dict.fromkeys(ordinary, 1)


def test_a_memory_error_is_retried_alone_then_recorded_and_acknowledged(
    environment: dict[str, str], namespace: str, redis_url: str
) -> None:
    """On the real broker and middleware, with the real allocator refusing an allocation: an
    actor that runs out of memory beside others is retried alone, then its failure is final."""
    broker = make_broker(broker_settings())
    outcomes: list[tuple[Delivery, object]] = []
    spans: list[tuple[str, float, float]] = []

    def hungry() -> None:
        delivery = current_delivery()
        started = time.monotonic()
        outcome = run_bounded(lambda: bytearray(1 << 62), 60, "NUTGRAF_ENTRY_TIME_LIMIT")
        spans.append(("hungry", started, time.monotonic()))
        outcomes.append((delivery, outcome))

    def steady() -> None:
        started = time.monotonic()
        time.sleep(0.3)
        spans.append(("steady", started, time.monotonic()))

    options: dict[str, Any] = {"queue_name": ENTRY_QUEUE, "retry_when": should_retry}
    options["min_backoff"] = 100
    hungry_actor = dramatiq.actor(hungry, broker=broker, actor_name="hungry", **options)
    steady_actor = dramatiq.actor(steady, broker=broker, actor_name="steady", **options)
    worker = dramatiq.Worker(broker, worker_threads=4)
    client = redis.Redis.from_url(redis_url)
    worker.start()
    try:
        for _ in range(3):
            steady_actor.send()
        hungry_actor.send()
        for _ in range(6):
            steady_actor.send()
        wait_for("the retry alone", lambda: len(outcomes) == 1, 15)
        wait_for("the steady ones", lambda: sum(s[0] == "steady" for s in spans) == 9, 15)
        wait_for("the queues to empty", lambda: queues_empty(client, namespace), 10)
    finally:
        worker.stop()
        broker.client.close()
        client.close()
    delivery, outcome = outcomes[0]
    assert delivery == Delivery(unfinished=1, alone=True)
    assert outcome == Exhausted("ran out of memory; not retried")
    # Alone: no other message ran in the process while it did.
    _, start, end = next(span for span in spans if span[0] == "hungry")
    assert all(e <= start or s >= end for name, s, e in spans if name == "steady")
