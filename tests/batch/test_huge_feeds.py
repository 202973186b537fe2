"""A huge feed through `ingest`, `add-feed`, `poll` and the distributed poll step: its newest
entries kept, one line saying how many were dropped, and one failure row per feed and run
for its failed entries (issue 15, point 4). The measured case, a million items, is in
benchmarks/hostile.py."""

from __future__ import annotations

import gzip
import re
import sqlite3
from pathlib import Path

from nutgraf.batch.ingest import FAILURES_LISTED_PER_FEED, Fetcher
from nutgraf.config import Settings
from nutgraf.distributed.steps import Resources, StepClock, poll_feed
from nutgraf.ingest.feedcap import MAX_FEED_ENTRIES
from nutgraf.store import SQLiteStore
from tests.batch.conftest import Page, Site
from tests.batch.test_ingest_cli import run

ITEMS = 5 * MAX_FEED_ENTRIES  # enough to be cut; the million is the benchmark's
DROPPED = ITEMS - MAX_FEED_ENTRIES
NOTE = (
    f"the feed holds {ITEMS:,} entries, over the limit of {MAX_FEED_ENTRIES:,}: kept the "
    f"newest {MAX_FEED_ENTRIES:,} (in feed order) and dropped {DROPPED:,}"
)


def empty_items_feed(count: int = ITEMS) -> bytes:
    """The issue's feed, smaller: ``count`` empty items, gzip-compressed."""
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Huge</title>'
        "<link>https://huge.example/</link>" + "<item></item>" * count + "</channel></rss>"
    )
    return gzip.compress(body.encode(), 9)


def failure_rows(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT source, reason FROM failures ORDER BY id").fetchall()


def test_ingest_keeps_the_newest_entries_and_fails_them_as_one(tmp_path: Path) -> None:
    feed = tmp_path / "huge.xml.gz"
    feed.write_bytes(empty_items_feed())
    db = tmp_path / "archive.db"
    code, out, err = run("ingest", str(feed), db=db)
    assert code == 1  # honest: every kept entry failed
    assert (
        out.splitlines()[-1]
        == f"0 new, 0 updated, 0 unchanged, 0 duplicates, {MAX_FEED_ENTRIES} failed"
    )
    errors = [line for line in err.splitlines() if line.startswith("Error: ")]
    assert errors == [
        *[f"Error: {feed}: an entry with neither a title nor a link"] * 3,
        f"Error: {feed}: and {MAX_FEED_ENTRIES - 3:,} more of its entries failed",
    ]
    assert f"note: {feed}: {NOTE}" in err.splitlines()
    assert len(err.splitlines()) <= 8
    rows = failure_rows(db)
    assert len(rows) == 1 and rows[0][0] == str(feed)
    assert rows[0][1].startswith(
        f"{MAX_FEED_ENTRIES:,} of its {MAX_FEED_ENTRIES:,} entries failed, the first 3: "
        f"{feed}: an entry with neither a title nor a link; "
    )


def test_add_feed_then_every_poll_costs_one_failure_row(
    site: Site, tmp_path: Path, loopback_allowed: None
) -> None:
    site.pages["/huge.xml"] = Page(empty_items_feed(), "application/rss+xml")
    url = site.url("/huge.xml")
    db = tmp_path / "archive.db"
    code, out, err = run("add-feed", url, db=db)
    assert code == 1 and f"note: {url}: {NOTE}" in err.splitlines()
    assert (
        out.splitlines()[-1]
        == f"0 new, 0 updated, 0 unchanged, 0 duplicates, {MAX_FEED_ENTRIES} failed"
    )
    assert sum(line.startswith("Error: ") for line in err.splitlines()) == 4
    for poll in (1, 2):
        with sqlite3.connect(db) as connection:
            connection.execute("UPDATE feeds SET next_check = '2000-01-01T00:00:00Z'")
        code, out, err = run("poll", "--once", db=db)
        assert (
            out
            == f"{url}: 0 new, 0 updated, 0 unchanged, 0 duplicates, {MAX_FEED_ENTRIES} failed\n"
        )
        assert len(failure_rows(db)) == 1 + poll
    assert {source for source, _ in failure_rows(db)} == {url}


def test_a_feed_with_a_few_failed_entries_lists_each(tmp_path: Path) -> None:
    # Neither a title nor a link: what no reader can use (a headline alone is kept).
    items = "".join(
        f"<item><guid isPermaLink='false'>entry-{n}</guid><author>x@y.org</author></item>"
        for n in range(FAILURES_LISTED_PER_FEED)
    )
    feed = tmp_path / "few.xml"
    feed.write_text(f"<rss version='2.0'><channel><title>F</title>{items}</channel></rss>")
    db = tmp_path / "archive.db"
    code, out, err = run("ingest", str(feed), db=db)
    errors = [line for line in err.splitlines() if line.startswith("Error: ")]
    assert code == 1
    assert out.splitlines()[-1] == "0 new, 0 updated, 0 unchanged, 0 duplicates, 3 failed"
    assert errors == [
        f"Error: entry-{n}: an entry with neither a title nor a link" for n in range(3)
    ]
    assert not any("more of its entries" in line for line in errors)
    [(source, reason)] = failure_rows(db)
    assert source == str(feed) and reason.startswith("3 of its 3 entries failed, the first 3: ")


def test_the_distributed_poll_sends_the_newest_and_records_the_empty_as_one(
    site: Site, tmp_path: Path
) -> None:
    items = [
        f"<item><title>Story {n}</title><link>{site.url(f'/s{n}')}</link></item>" for n in range(3)
    ]
    body = (
        '<rss version="2.0"><channel><title>Huge</title><link>https://huge.example/</link>'
        + "".join(items)
        + "<item></item>" * ITEMS
        + "</channel></rss>"
    )
    site.pages["/huge.xml"] = Page(gzip.compress(body.encode()), "application/rss+xml")
    url = site.url("/huge.xml")
    settings = Settings(allow_networks=("127.0.0.0/8",))
    with SQLiteStore(tmp_path / "a.db") as store:
        state, _ = store.add_feed(url, now="2026-11-24T09:00:00Z")
        fetcher = Fetcher(settings)
        try:
            resources = Resources(store, fetcher, settings, StepClock())
            polled = poll_feed(resources, state, "2026-11-24T09:00:00Z")
        finally:
            fetcher.close()
        failures = store.failures()
    assert polled.outcome.error is None
    # The three with a link may yet make articles from their pages; the empty ones cannot.
    assert [message["entry"]["link"] for message in polled.entries] == [
        site.url(f"/s{n}") for n in range(3)
    ]
    [(source, reason, _)] = failures
    empty = MAX_FEED_ENTRIES - 3
    assert source == url
    assert re.match(rf"{empty:,} of its {MAX_FEED_ENTRIES:,} entries failed, the first 3: ", reason)
