"""Workers on the real servers: feeds served on loopback hosts, messages through Redis,
articles into PostgreSQL. A worker process killed mid-batch loses nothing and stores nothing
twice; a bad feed is recorded and the rest goes on; SIGTERM stops workers gracefully."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest
import redis
from click.testing import CliRunner

from nutgraf.cli import main
from nutgraf.distributed.actors import ENTRY_QUEUE, FEED_QUEUE, Actors, declare_actors
from nutgraf.distributed.broker import make_broker
from nutgraf.distributed.config import broker_settings
from nutgraf.distributed.dispatcher import DispatchOptions, dispatch_round
from nutgraf.distributed.worker import WorkerOptions, read_steps, serve
from nutgraf.store.postgres import PostgresStore
from tests.batch.conftest import Page, Site, serving
from tests.batch.test_ingest_cli import STORIES, html_body, page, rss
from tests.distributed.conftest import NUTGRAF

pytestmark = pytest.mark.postgres

DATE = "Mon, 23 Nov 2026 10:00:00 GMT"


def publish(site: Site, first_story: int, full: int, teasers: int, delay: float = 0.0) -> list[str]:
    """A feed at ``/feed.xml`` on ``site``: ``full`` entries with their whole text, then
    ``teasers`` whose pages (answering after ``delay`` s) hold it. Returns the entries' URLs."""
    items, links = [], []
    for n in range(full + teasers):
        story = STORIES[first_story + n]
        link = site.url(f"/story-{n}")
        item = {"title": f"Story {first_story + n}", "link": link, "guid": link, "date": DATE}
        if n < full:
            item["content"] = html_body(story)
        else:
            item["description"] = f"Teaser: the first words of story {first_story + n}."
            site.pages[f"/story-{n}"] = Page(page(f"Story {first_story + n}", story), delay=delay)
        items.append(item)
        links.append(link)
    site.pages["/feed.xml"] = Page(rss("Feed", site.url("/"), items), "application/rss+xml")
    return links


def subscribe(db: str, urls: list[str]) -> None:
    with PostgresStore(db) as store:
        for url in urls:
            store.add_feed(url, now="2020-01-01T00:00:00Z")


@contextmanager
def sender() -> Iterator[tuple[Actors, Callable[[], int]]]:
    """The actors, for sending, on the test's broker; and the size of both queues."""
    broker = make_broker(broker_settings())
    try:
        actors = declare_actors(broker, lambda: pytest.fail("the test only sends"))
        yield actors, lambda: sum(broker.do_qsize(q) for q in (FEED_QUEUE, ENTRY_QUEUE))
    finally:
        broker.client.close()


def dispatch(db: str, actors: Actors) -> int:
    with PostgresStore(db) as store:
        return dispatch_round(
            store,
            lambda feed: actors.poll_feed.send(feed.id, feed.url),
            lambda: 0,
            owner="test",
            options=DispatchOptions(per_host=10),
        ).sent


def wait_for(what: str, ready: Callable[[], bool], timeout: float, logs: Any = "") -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}\n{logs() if callable(logs) else logs}")
        time.sleep(0.1)


def stored_urls(db: str) -> Counter[str | None]:
    with PostgresStore(db) as store:
        return Counter(article.item.url for article in store.articles())


class Worker:
    """``nutgraf worker`` in a subprocess, its log lines collected as they come."""

    def __init__(self, db: str, env: dict[str, str], *args: str) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [*NUTGRAF, "worker", "--db", db, *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    def broker_ids(self) -> list[str]:
        """The broker ids of the worker processes that have started."""
        return [
            line.split(" worker ", 1)[1].split()[0].rstrip(":")
            for line in self.lines
            if " worker " in line and " started: " in line
        ]

    def log(self) -> str:
        return "\n".join(self.lines[-60:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def test_a_worker_killed_mid_batch_loses_nothing_and_stores_nothing_twice(
    fresh_postgres: str, environment: dict[str, str], namespace: str, redis_url: str
) -> None:
    with ExitStack() as stack:
        # Four hosts (the per-host limiter spaces each one's pages 1 s apart per process),
        # each with a feed of 4 whole entries and 4 teasers whose pages take 0.4 s.
        sites = [stack.enter_context(serving(f"127.0.0.{n + 2}")) for n in range(4)]
        expected = [url for n, s in enumerate(sites) for url in publish(s, 8 * n, 4, 4, 0.4)]
        subscribe(fresh_postgres, [s.url("/feed.xml") for s in sites])
        doomed = Worker(fresh_postgres, environment, "--threads", "4")
        stack.callback(doomed.stop)
        wait_for("the first worker", lambda: len(doomed.broker_ids()) == 1, 30, doomed.log)
        survivor = Worker(fresh_postgres, environment, "--processes", "2", "--threads", "2")
        stack.callback(survivor.stop)
        wait_for("the other workers", lambda: len(survivor.broker_ids()) == 2, 30, survivor.log)
        actors, queued = stack.enter_context(sender())
        assert dispatch(fresh_postgres, actors) == 4

        client = redis.Redis.from_url(redis_url)
        stack.callback(client.close)
        held = f"{namespace}:__acks__.{doomed.broker_ids()[0]}.{ENTRY_QUEUE}"
        wait_for(
            "the first worker to hold entries while some are stored",
            lambda: client.scard(held) > 0 and sum(stored_urls(fresh_postgres).values()) > 0,
            30,
            doomed.log,
        )
        doomed.process.send_signal(signal.SIGKILL)
        doomed.process.wait()
        # Taken and never acknowledged: these were in flight when it died.
        assert client.scard(held) > 0
        stored_before = sum(stored_urls(fresh_postgres).values())
        assert stored_before < len(expected)

        wait_for("its messages to go back", lambda: client.scard(held) == 0, 30, survivor.log)

        def everything_done() -> bool:
            with PostgresStore(fresh_postgres) as store:
                polled = all(f.last_success and f.lease_owner is None for f in store.feeds())
            complete = set(stored_urls(fresh_postgres)) == set(expected)
            return polled and complete and queued() == 0

        wait_for("every article", everything_done, 60, survivor.log)
        # A graceful stop finishes the jobs under way (any redone ones): then count.
        survivor.process.send_signal(signal.SIGTERM)
        assert survivor.process.wait(timeout=60) == 0
        assert stored_urls(fresh_postgres) == dict.fromkeys(expected, 1)
        with PostgresStore(fresh_postgres) as store:
            assert store.failures() == []
        steps = read_steps(client, namespace)
    # The survivors' step timings reached Redis (the dead one's last ones died with it).
    assert steps["store"][0] >= len(expected) - stored_before and steps["summarize"][1] > 0


def test_a_bad_feed_is_recorded_and_the_others_are_ingested(
    fresh_postgres: str, environment: dict[str, str]
) -> None:
    with ExitStack() as stack:
        good, bad = stack.enter_context(serving("127.0.0.2")), stack.enter_context(serving())
        expected = publish(good, 0, 2, 1)
        # An entry with neither a headline nor a link: recorded as failed, the others stored.
        feed = good.pages["/feed.xml"].body.replace(
            b"</channel>",
            b"<item><guid isPermaLink='false'>bare</guid><author>x@y.org</author></item></channel>",
        )
        good.pages["/feed.xml"] = Page(feed, "application/rss+xml")
        bad.pages["/page.html"] = Page(page("Not a feed", STORIES[30]))
        urls = [good.url("/feed.xml"), bad.url("/page.html"), bad.url("/missing.xml")]
        subscribe(fresh_postgres, urls)
        stop = threading.Event()
        options = WorkerOptions(db=fresh_postgres, broker=broker_settings(), threads=2)
        worker = threading.Thread(target=serve, args=(options, stop))
        worker.start()
        stack.callback(worker.join)
        stack.callback(stop.set)
        actors, queued = stack.enter_context(sender())
        assert dispatch(fresh_postgres, actors) == 3

        def polled() -> bool:
            with PostgresStore(fresh_postgres) as store:
                return all(f.last_checked for f in store.feeds()) and queued() == 0

        wait_for("the polls", polled, 30)
        wait_for("the articles", lambda: len(stored_urls(fresh_postgres)) == 3, 30)
        with PostgresStore(fresh_postgres) as store:
            feeds = {f.url: f for f in store.feeds()}
            wait_for("the failed entry", lambda: store.failures() != [], 10)
            failures = store.failures()
        assert set(stored_urls(fresh_postgres)) == set(expected)
        # Recorded by the poll, as one row for the feed (it is never sent to be ingested).
        assert failures[0][:2] == (
            urls[0],
            "1 of its 4 entries failed: bare: an entry with neither a title nor a link",
        )
        assert feeds[urls[0]].last_success and feeds[urls[0]].failures == 0
        for url in urls[1:]:
            assert feeds[url].failures == 1 and feeds[url].lease_owner is None
            assert feeds[url].next_check and feeds[url].next_check > feeds[url].last_checked
        assert "returned HTTP 404" in (feeds[urls[2]].last_error or "")
        assert "is an HTML page ('Not a feed'), not a feed" in (feeds[urls[1]].last_error or "")
        # Polled: not due, so a second round sends nothing.
        assert dispatch(fresh_postgres, actors) == 0


def test_a_worker_says_when_redis_or_the_archive_is_away(
    fresh_postgres: str, environment: dict[str, str]
) -> None:
    runner = CliRunner()
    no_redis = runner.invoke(
        main, ["worker", "--db", fresh_postgres, "--redis", "redis://127.0.0.1:1/0"]
    )
    assert no_redis.exit_code == 1
    assert no_redis.output.startswith("Error: cannot reach Redis at redis://127.0.0.1:1/0: ")
    assert no_redis.output.count("\n") == 1
    no_db = runner.invoke(main, ["worker", "--db", "postgresql://nutgraf@127.0.0.1:1/news"])
    assert no_db.exit_code == 1
    assert no_db.output.startswith(
        "Error: cannot open the archive postgresql://nutgraf@127.0.0.1:1/news: connection failed"
    )
    assert no_db.output.count("\n") == 1
