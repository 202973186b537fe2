"""cap_xml_entries and parse_feed's entry limit: a huge feed is cut to its newest entries
before anything parses it (issue 15, point 4)."""

from __future__ import annotations

import gzip
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser
import pytest

from nutgraf.errors import FeedError
from nutgraf.ingest import feeds
from nutgraf.ingest.feedcap import MAX_FEED_ENTRIES, cap_xml_entries, pick_newest, read_date
from nutgraf.ingest.feeds import MAX_FEED_WARNINGS, MAX_JSON_CONTAINERS, parse_feed

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def rss(items: list[str], *, after: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        "<title>Many</title><link>https://many.example/</link>"
        + "".join(items)
        + after
        + "</channel></rss>"
    ).encode()


def dated_item(n: int, moment: datetime) -> str:
    stamp = moment.strftime("%a, %d %b %Y %H:%M:%S +0000")
    return (
        f"<item><title>Story {n}</title><link>https://many.example/{n}</link>"
        f"<pubDate>{stamp}</pubDate><description>Text {n}.</description></item>"
    )


def titles(data: bytes, **kwargs: Any) -> list[str | None]:
    return [entry.title for entry in parse_feed(data, **kwargs).entries]


def test_a_feed_within_the_limit_is_left_as_it_is() -> None:
    data = rss([dated_item(n, START) for n in range(5)])
    capped = cap_xml_entries(data, 5)
    assert (capped.data, capped.entries, capped.dropped, capped.note) == (data, 5, 0, None)


def test_the_newest_entries_are_kept_by_date_in_feed_order() -> None:
    # Dates out of order: entry n is n hours old, except that 7 and 3 are the newest two.
    moments = [START - timedelta(hours=n) for n in range(10)]
    moments[7], moments[3] = START + timedelta(days=2), START + timedelta(days=1)
    data = rss([dated_item(n, moment) for n, moment in enumerate(moments)])
    capped = cap_xml_entries(data, 4)
    assert (capped.entries, capped.dropped, capped.by_date) == (10, 6, True)
    assert capped.note == (
        "the feed holds 10 entries, over the limit of 4: kept the newest 4 (by date) and dropped 6"
    )
    # 0 and 1 are the newest of the rest; the kept ones stay in the order the feed gave.
    assert titles(capped.data) == ["Story 0", "Story 1", "Story 3", "Story 7"]
    parsed = parse_feed(data, max_entries=4)
    assert [entry.title for entry in parsed.entries] == titles(capped.data)
    assert capped.note in parsed.warnings


def test_undated_entries_are_kept_in_feed_order() -> None:
    items = [dated_item(n, START + timedelta(days=n)) for n in range(6)]
    items[2] = "<item><title>Story 2</title><description>No date.</description></item>"
    capped = cap_xml_entries(rss(items), 3)
    assert (capped.dropped, capped.by_date) == (3, False)
    assert titles(capped.data) == ["Story 0", "Story 1", "Story 2"]
    assert "(in feed order)" in (capped.note or "")


def test_cdata_comments_and_other_elements_survive_the_cut() -> None:
    items = [
        "<item><title>A</title><description><![CDATA[<item>not an entry</item>]]>"
        "</description></item>",
        "<!-- <item>a comment</item> -->",
        "<item><title>B</title><category>x</category></item>",
        "<item/>",
        "<item><title>D</title></item>",
    ]
    capped = cap_xml_entries(rss(items, after="<ttl>60</ttl>"), 2)
    assert (capped.entries, capped.dropped) == (4, 2)
    text = capped.data.decode()
    assert text.count("<item>") == 4  # A, B, and the ones in the CDATA and the comment
    assert "<!-- <item>a comment</item> -->" in text
    assert text.endswith("<ttl>60</ttl></channel></rss>")
    assert titles(capped.data) == ["A", "B"]


def test_atom_entries_with_a_prefix_are_counted_and_cut() -> None:
    entries = "".join(
        f"<a:entry><a:title>E{n}</a:title><a:updated>{(START + timedelta(minutes=n)).isoformat()}"
        f"</a:updated><a:id>urn:e{n}</a:id><a:content>Entry {n}</a:content></a:entry>"
        for n in range(8)
    )
    data = (
        f'<a:feed xmlns:a="http://www.w3.org/2005/Atom"><a:title>T</a:title>{entries}</a:feed>'
    ).encode()
    capped = cap_xml_entries(data, 3)
    assert (capped.dropped, capped.by_date) == (5, True)
    assert titles(capped.data) == ["E5", "E6", "E7"]


def test_only_the_scanned_entries_are_read_and_the_rest_dropped_unread() -> None:
    items = [dated_item(n, START + timedelta(hours=n)) for n in range(50)]
    capped = cap_xml_entries(rss(items, after="<ttl>60</ttl>"), 2, scan_limit=5)
    assert (capped.entries, capped.dropped) == (50, 48)
    # The newest two of the first five (3 and 4), not of all fifty; the channel's tail kept.
    assert titles(capped.data) == ["Story 3", "Story 4"]
    assert capped.data.endswith(b"<ttl>60</ttl></channel></rss>")


def test_a_million_empty_items_are_cut_before_the_parser_sees_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The issue's feed: a million empty items, gzip-compressed to a few kilobytes."""
    body = rss(["<item></item>"] * 1_000_000)
    data = gzip.compress(body, 9)
    assert len(data) < 30_000
    seen: list[int] = []
    real = feedparser.parse

    def measuring(stream: io.BytesIO, **kwargs: Any) -> Any:
        seen.append(len(stream.getvalue()))
        return real(stream, **kwargs)

    monkeypatch.setattr(feeds.feedparser, "parse", measuring)
    feed = parse_feed(data)
    assert len(feed.entries) == MAX_FEED_ENTRIES
    assert seen and seen[0] < 20 * MAX_FEED_ENTRIES  # the cut document, not 13 MB
    assert feed.warnings[0] == (
        "the feed holds 1,000,000 entries, over the limit of 1,000: kept the newest 1,000 "
        "(in feed order) and dropped 999,000"
    )
    assert len(feed.warnings) <= MAX_FEED_WARNINGS + 1


def test_the_default_limit_keeps_real_feeds_whole() -> None:
    data = rss([dated_item(n, START - timedelta(minutes=n)) for n in range(MAX_FEED_ENTRIES)])
    assert cap_xml_entries(data).data == data
    over = rss([dated_item(n, START - timedelta(minutes=n)) for n in range(MAX_FEED_ENTRIES + 7)])
    feed = parse_feed(over)
    assert len(feed.entries) == MAX_FEED_ENTRIES
    assert feed.entries[-1].title == f"Story {MAX_FEED_ENTRIES - 1}"


def json_feed(items: list[dict[str, Any]]) -> bytes:
    return json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": items}
    ).encode()


def test_a_json_feed_keeps_its_newest_items() -> None:
    items = [
        {
            "id": str(n),
            "title": f"Item {n}",
            "content_text": f"Text {n}.",
            "date_published": (START + timedelta(hours=n % 5)).isoformat(),
        }
        for n in range(12)
    ]
    feed = parse_feed(json_feed(items), max_entries=3)
    assert [entry.title for entry in feed.entries] == ["Item 3", "Item 4", "Item 9"]
    assert "kept the newest 3 (by date) and dropped 9" in feed.warnings[0]


def test_a_json_feed_of_a_million_empty_objects_is_refused_before_it_is_built() -> None:
    data = b'{"version": "https://jsonfeed.org/version/1", "items": [' + b"{}," * 999_999
    data += b"{}]}"
    with pytest.raises(FeedError, match="JSON objects and arrays, over the limit of") as caught:
        parse_feed(gzip.compress(data))
    assert f"{MAX_JSON_CONTAINERS:,}" in str(caught.value)


def test_warnings_are_bounded_with_one_line_for_the_rest() -> None:
    items = [f"<item><guid>same</guid><title>T{n}</title></item>" for n in range(60)]
    warnings = parse_feed(rss(items)).warnings
    # 59 duplicate GUIDs and one line about dates: 60 warnings, 20 kept, 40 counted.
    assert len(warnings) == MAX_FEED_WARNINGS + 1 == 21
    assert warnings[-1] == "and 40 more warnings about this feed"


def test_pick_newest_and_read_date() -> None:
    dates = [read_date("Mon, 02 Mar 2026 10:00:00 GMT"), read_date("2026-03-02T11:00:00+02:00")]
    assert dates[0] is not None and dates[1] is not None and dates[1] < dates[0]
    assert read_date("2026-03-02") == datetime(2026, 3, 2, tzinfo=UTC)
    assert read_date("yesterday") is None
    assert pick_newest(dates, 1) == ((0,), True)
    assert pick_newest([*dates, None], 2) == ((0, 1), False)
    assert pick_newest(dates, 5) == ((0, 1), False)
