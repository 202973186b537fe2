"""The pieces without servers: broker settings and worker limits, entry messages, what counts
as transient, what becomes of work that exhausts its worker, and suspects running alone."""

from __future__ import annotations

import json
import threading
import time

import pytest
from dramatiq.middleware.time_limit import TimeLimitExceeded

from nutgraf.batch.ingest import Fetcher, draft_entry
from nutgraf.config import Settings
from nutgraf.distributed.actors import MAX_RETRIES, should_retry
from nutgraf.distributed.config import (
    BrokerSettings,
    WorkerLimits,
    broker_settings,
    worker_limits,
)
from nutgraf.distributed.dispatcher import DispatchOptions
from nutgraf.distributed.poison import Exhausted, RunLock, Unfinished, run_bounded
from nutgraf.distributed.steps import (
    Resources,
    StepClock,
    Transient,
    draft_from_message,
    entry_label,
    entry_message,
    ingest_entry,
    is_transient,
)
from nutgraf.errors import FetchError, InputError, NutgrafError
from nutgraf.records import Feed, FeedEntry
from nutgraf.store import SQLiteStore
from tests.batch.conftest import serving
from tests.batch.test_page_budget import LOOPBACK, dripping, page_requests, quick_fetcher


def test_broker_settings_come_from_the_option_then_the_environment() -> None:
    assert broker_settings(environ={}) == BrokerSettings()
    env = {
        "NUTGRAF_REDIS_URL": "redis://queue.internal:6380/2",
        "NUTGRAF_REDIS_NAMESPACE": "news-eu",
        "NUTGRAF_HEARTBEAT_SECONDS": "15",
    }
    assert broker_settings(environ=env) == BrokerSettings(
        "redis://queue.internal:6380/2", "news-eu", 15.0
    )
    assert broker_settings("redis://other:6379/0", env).url == "redis://other:6379/0"


@pytest.mark.parametrize(
    ("url", "env", "message"),
    [
        (
            "http://u:secret@queue:6379",
            {},
            "http://u:***@queue:6379 is not a Redis URL; give one like redis://127.0.0.1:6379/0 "
            "(--redis or NUTGRAF_REDIS_URL)",
        ),
        (
            None,
            {"NUTGRAF_HEARTBEAT_SECONDS": "soon"},
            "NUTGRAF_HEARTBEAT_SECONDS has value 'soon'. Use a number of seconds, 1 to 3600.",
        ),
        (
            None,
            {"NUTGRAF_REDIS_NAMESPACE": "a b"},
            "NUTGRAF_REDIS_NAMESPACE has value 'a b'. Use letters, digits, '_.:-'.",
        ),
    ],
)
def test_bad_broker_settings_say_which_and_how_to_fix(
    url: str | None, env: dict[str, str], message: str
) -> None:
    with pytest.raises(NutgrafError) as raised:
        broker_settings(url, env)
    assert str(raised.value) == message


def test_an_entry_message_is_json_and_drafts_as_the_feed_would() -> None:
    entry = FeedEntry(
        guid="g1",
        link="https://example.org/story",
        title="A story",
        content_html="<p>First paragraph.</p><h2>Part</h2><p>Second paragraph.</p>",
        author="Jo",
        published="2026-11-23T10:00:00Z",
    )
    feed = Feed("rss20", "https://example.org/feed", "Example", "https://example.org/", "en-GB")
    message = json.loads(json.dumps(entry_message(entry, feed, "https://example.org/feed")))
    assert draft_from_message(message) == draft_entry(
        entry,
        Feed("", "https://example.org/feed", "Example", "https://example.org/", "en-GB"),
        "https://example.org/feed",
    )
    assert draft_from_message(message).article.language == "en"


def test_an_entry_the_archive_holds_unchanged_stops_before_summarizing() -> None:
    text = " ".join(
        f"Sentence {n} of the council's report on the bridge repairs." for n in range(30)
    )
    entry = FeedEntry(
        guid="g1", link="https://example.org/story", title="Bridge", content_html=text
    )
    feed = Feed("rss20", "https://example.org/feed", "Example", "https://example.org/", "en")
    message = entry_message(entry, feed, "https://example.org/feed")
    with SQLiteStore(":memory:") as store:
        fetcher = Fetcher(Settings())
        resources = Resources(store, fetcher, Settings(), StepClock())
        first = ingest_entry(resources, message, "2026-11-24T09:00:00Z", may_retry=False)
        again = ingest_entry(resources, message, "2026-11-24T10:00:00Z", may_retry=False)
        fetcher.close()
    assert (first.status, again.status) == ("new", "unchanged")
    calls = {name: count for name, (count, _) in resources.clock.drain().items()}
    assert calls == {"extract": 2, "known": 2, "summarize": 1, "dedupe": 1, "store": 1}


def test_a_worker_keeps_a_headline_as_a_link_placed_as_its_feed_orders_it() -> None:
    feed = Feed("rss20", "https://example.org/feed", "Example", "https://example.org/", "en")
    entries = [
        FeedEntry(guid=f"g{n}", link=f"https://example.org/{n}", title=f"Headline {n}")
        for n in range(2)
    ]
    thumbnail = FeedEntry(
        guid="g2", link="https://example.org/2", title="Headline 2", image="https://i.example/2.jpg"
    )
    messages = [
        entry_message(entry, feed, feed.url or "", position=n, backlog=False)
        for n, entry in enumerate([*entries, thumbnail])
    ]
    settings = Settings(fetch_pages=False)
    with SQLiteStore(":memory:") as store:
        fetcher = Fetcher(settings)
        resources = Resources(store, fetcher, settings, StepClock())
        for message in reversed(json.loads(json.dumps(messages))):  # any order of arrival
            assert ingest_entry(resources, message, NOW, may_retry=False).status == "new"
        fetcher.close()
        listed = store.headlines()
    assert [h.title for h in listed] == ["Headline 0", "Headline 1", "Headline 2"]
    assert {h.kind for h in listed} == {"link"} and not any(h.dated for h in listed)
    assert listed[2].image == "https://i.example/2.jpg"


NOW = "2026-12-07T06:00:00Z"


@pytest.mark.parametrize(
    "message",
    [{}, {"feed": {"url": "u"}}, {"feed": {"url": "u"}, "entry": {"bogus": 1}}, {"entry": []}],
)
def test_a_message_that_is_not_an_entry_is_bad_input(message: dict[str, object]) -> None:
    with pytest.raises(InputError, match="not a feed entry"):
        draft_from_message(message)


def test_transient_failures_are_retried_and_bad_input_is_not() -> None:
    assert is_transient(FetchError("x could not be fetched: refused", unreachable=True))
    assert is_transient(FetchError("x returned HTTP 429 Too Many", retry_after=30.0))
    assert is_transient(FetchError("https://x/ returned HTTP 502 Bad Gateway"))
    assert is_transient(FetchError("https://x/ timed out while waiting for data"))
    assert not is_transient(FetchError("https://x/ returned HTTP 404 Not Found"))
    assert not is_transient(FetchError("https://x/ is over the 5 MB page limit"))
    assert should_retry(0, Transient("the database is away"))
    assert not should_retry(MAX_RETRIES, Transient("the database is away"))
    assert not should_retry(0, InputError("not a feed entry"))
    assert not should_retry(0, ValueError("a bug"))


def test_the_step_clock_counts_and_drains() -> None:
    clock = StepClock()
    for _ in range(3):
        with clock.step("parse"):
            pass
    taken = clock.drain()
    assert list(taken) == ["parse"] and taken["parse"][0] == 3
    assert clock.drain() == {}


def test_dispatch_options_are_checked() -> None:
    with pytest.raises(NutgrafError, match="--per-host must be 1 or more"):
        DispatchOptions(per_host=0)
    with pytest.raises(NutgrafError, match="--lease must be 30 seconds or more"):
        DispatchOptions(lease_seconds=5)


def test_worker_limits_come_from_the_environment() -> None:
    assert worker_limits({}) == WorkerLimits(300.0, 120.0)
    env = {"NUTGRAF_FEED_TIME_LIMIT": "90", "NUTGRAF_ENTRY_TIME_LIMIT": "2.5"}
    assert worker_limits(env) == WorkerLimits(90.0, 2.5)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"NUTGRAF_ENTRY_TIME_LIMIT": "soon"},
            "NUTGRAF_ENTRY_TIME_LIMIT has value 'soon'. Use a number of seconds, 1 to 86400.",
        ),
        (
            {"NUTGRAF_FEED_TIME_LIMIT": "0"},
            "NUTGRAF_FEED_TIME_LIMIT has value '0'. Use a number of seconds, 1 to 86400.",
        ),
        (
            {"NUTGRAF_FEED_TIME_LIMIT": "nan"},
            "NUTGRAF_FEED_TIME_LIMIT has value 'nan'. Use a number of seconds, 1 to 86400.",
        ),
    ],
)
def test_bad_worker_limits_say_which_and_how_to_fix(env: dict[str, str], message: str) -> None:
    with pytest.raises(NutgrafError) as raised:
        worker_limits(env)
    assert str(raised.value) == message


def test_a_failed_entry_is_labelled_without_parsing_its_html() -> None:
    entry = FeedEntry(guid="g", link=None, title="T", content_html="<p>a</p>" * 10)
    feed = Feed("rss20", "https://example.org/feed", "Example", "https://example.org/", "en")
    assert entry_label(entry_message(entry, feed, feed.url)) == "g"
    assert entry_label({"feed": {"url": "https://x/feed"}, "entry": {"title": " \n"}}) == (
        "https://x/feed"
    )
    assert entry_label({"entry": {"title": "x" * 1000}}) == "x" * 299 + "…"
    assert entry_label({"entry": [], "feed": None}) == "ingest_entry"


def test_work_that_exhausts_its_worker_comes_back_as_exhausted() -> None:
    def slow() -> None:
        raise TimeLimitExceeded  # what Dramatiq raises in the thread at the time limit

    assert run_bounded(slow, 2, "NUTGRAF_ENTRY_TIME_LIMIT") == Exhausted(
        "took longer than the 2 s time limit (NUTGRAF_ENTRY_TIME_LIMIT); not retried"
    )
    assert run_bounded(lambda: 7, 2, "NUTGRAF_ENTRY_TIME_LIMIT") == 7
    # Outside a worker a message runs as a first delivery: a MemoryError is retried alone.
    with pytest.raises(Unfinished):
        run_bounded(lambda: bytearray(1 << 62), 2, "NUTGRAF_ENTRY_TIME_LIMIT")
    assert should_retry(0, Unfinished("ran out of memory beside other messages"))


def test_a_suspect_runs_alone() -> None:
    lock, events = RunLock(), []
    lock.acquire(alone=False)
    lock.acquire(alone=False)  # messages share the process
    suspect = threading.Thread(target=lambda: (lock.acquire(alone=True), events.append("alone")))
    suspect.start()
    time.sleep(0.05)
    latecomer = threading.Thread(target=lambda: (lock.acquire(alone=False), events.append("late")))
    latecomer.start()
    time.sleep(0.05)
    assert events == []  # the suspect waits for the running two; the latecomer for it
    lock.release(alone=False)
    lock.release(alone=False)
    suspect.join(timeout=5)
    time.sleep(0.05)
    assert events == ["alone"]
    lock.release(alone=True)
    latecomer.join(timeout=5)
    assert events == ["alone", "late"]


def test_a_worker_leaves_a_host_that_timed_out_alone_for_a_while() -> None:
    """Each teaser is its own message in the workers: without a memory of slow hosts, every
    teaser of a dripping site held a worker thread for the whole fetch deadline."""
    with serving("127.0.0.23") as slow, SQLiteStore(":memory:") as store:
        feed = Feed("rss20", slow.url("/feed"), "Slow", slow.url("/"), "en")
        fetcher = quick_fetcher()
        resources = Resources(store, fetcher, LOOPBACK, StepClock())
        notes = []
        try:
            for n in range(4):
                slow.pages[f"/story-{n}"] = dripping(f"Story {n}")
                entry = FeedEntry(
                    guid=f"g{n}",
                    link=slow.url(f"/story-{n}"),
                    title=f"Story {n}",
                    content_html="<p>A teaser of a few words about the council meeting.</p>",
                )
                message = entry_message(entry, feed, slow.url("/feed"))
                done = ingest_entry(resources, message, "2026-12-07T10:00:00Z", may_retry=False)
                notes.append(done.note or "")
        finally:
            fetcher.close()
    assert page_requests(slow) == ["/story-0"]
    assert "deadline" in notes[0]
    assert all("127.0.0.23 timed out in the last few minutes" in n for n in notes[1:])
    assert fetcher.timed_out_within(slow.url("/x"), 60)
    assert not fetcher.timed_out_within(slow.url("/x"), 0)
