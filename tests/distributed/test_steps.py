"""The pieces without servers: broker settings, entry messages, what counts as transient."""

from __future__ import annotations

import json

import pytest

from nutgraf.batch.ingest import Fetcher, draft_entry
from nutgraf.config import Settings
from nutgraf.distributed.actors import MAX_RETRIES, should_retry
from nutgraf.distributed.config import BrokerSettings, broker_settings
from nutgraf.distributed.dispatcher import DispatchOptions
from nutgraf.distributed.steps import (
    Resources,
    StepClock,
    Transient,
    draft_from_message,
    entry_message,
    ingest_entry,
    is_transient,
)
from nutgraf.errors import FetchError, InputError, NutgrafError
from nutgraf.records import Feed, FeedEntry
from nutgraf.store import SQLiteStore


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
