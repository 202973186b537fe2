"""Categories in the archive: a category's articles (nested ones too), newest first and
paged, the article count of every feed, and editing a feed's title and category: on SQLite
and on PostgreSQL. At 100,000 articles a page of a category is an index search, not a scan."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

from nutgraf.store import SQLiteStore, Store
from tests.web.conftest import story

NOW = "2026-12-01T00:00:00Z"
EUROPE = "https://europe.test/feed.xml"
NEWS = "https://news.test/feed.xml"
SPORT = "https://sport.test/feed.xml"
LOOSE = "https://loose.test/feed.xml"  # a feed with no category


def save(store: Store, feed: str, n: int, day: int) -> int:
    site = feed.removesuffix("feed.xml")
    item = story(
        f"Report {n} from {site}",
        [("p", f"Report number {n} says something only report {n} from {site} says.")],
        [],
        url=f"{site}report-{n}",
        site=site,
        source=site,
        published=f"2026-01-{day:02d}T09:00:00Z",
    )
    return store.save(replace(item, feed=feed)).id


def subscribe(store: Store) -> dict[str, int]:
    ids = {}
    for url, category in (
        (EUROPE, "News/Europe"),
        (NEWS, "News"),
        (SPORT, "Sport"),
        (LOOSE, None),
    ):
        state, _ = store.add_feed(url, category=category, now=NOW)
        ids[url] = state.id
    return ids


def test_a_category_lists_its_feeds_and_nested_feeds_articles_newest_first(store: Store) -> None:
    subscribe(store)
    europe = [save(store, EUROPE, n, day) for n, day in ((1, 1), (2, 4))]
    news = [save(store, NEWS, n, day) for n, day in ((3, 2), (4, 3))]
    sport = save(store, SPORT, 5, 5)
    loose = save(store, LOOSE, 6, 6)

    assert [h.id for h in store.category_headlines("News")] == [
        europe[1],
        news[1],
        news[0],
        europe[0],
    ]
    assert [h.id for h in store.category_headlines("News/Europe")] == europe[::-1]
    assert [h.id for h in store.category_headlines("Sport")] == [sport]
    # Paged; a name that only starts like a category is not nested in it.
    assert [h.id for h in store.category_headlines("News", limit=2, offset=1)] == [
        news[1],
        news[0],
    ]
    assert store.category_headlines("New") == []
    assert store.category_headlines("News/Europe/Paris") == []
    assert loose not in [h.id for h in store.category_headlines("")]
    assert store.feed_article_counts() == {EUROPE: 2, NEWS: 2, SPORT: 1, LOOSE: 1}


def test_a_feed_without_articles_counts_zero_and_a_removed_one_is_gone(store: Store) -> None:
    ids = subscribe(store)
    assert store.feed_article_counts() == {EUROPE: 0, NEWS: 0, SPORT: 0, LOOSE: 0}
    store.remove_feed(ids[SPORT])
    assert SPORT not in store.feed_article_counts()


def test_editing_a_feed_sets_its_title_and_category_and_the_poll_keeps_them(
    store: Store,
) -> None:
    ids = subscribe(store)
    save(store, LOOSE, 1, 1)
    edited = store.edit_feed(ids[LOOSE], "Loose \x1b[31mends", "Odd/Ends")
    assert edited is not None
    assert (edited.title, edited.category) == ("Loose ends", "Odd/Ends")
    assert [h.title for h in store.category_headlines("Odd")] == [
        "Report 1 from https://loose.test/"
    ]
    cleared = store.edit_feed(ids[LOOSE], None, None)
    assert cleared is not None and (cleared.title, cleared.category) == (None, None)
    assert store.category_headlines("Odd") == []
    assert store.edit_feed(999_999, "x", "y") is None


def test_a_category_page_at_100k_articles_searches_an_index(tmp_path: Path) -> None:
    path = tmp_path / "big.db"
    with SQLiteStore(path) as opened:
        for n in range(20):
            category = "News/Europe" if n < 3 else "Sport" if n < 10 else "Tech"
            opened.add_feed(f"https://f{n}.test/feed", category=category, now=NOW)
    db = sqlite3.connect(path)
    db.executemany(
        "INSERT INTO articles(feed, guid, fetched, sort_time, blocks, text, summary, related, "
        "content_hash, kind, dated) VALUES (?, ?, ?, ?, '[]', 'x', '{}', '[]', ?, 'article', 1)",
        (
            (f"https://f{n % 20}.test/feed", f"g{n}", when, when, str(n))
            for n in range(100_000)
            for when in [f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:00:00Z"]
        ),
    )
    db.commit()
    db.close()
    with SQLiteStore(path) as opened:
        found = opened.category_headlines("Sport", limit=21, offset=40)
        assert len(found) == 21
        assert all((a.sort_time, a.id) > (b.sort_time, b.id) for a, b in pairwise(found))
        sql, parameters = opened._category_query("Sport", 21, 40)
        plan = " | ".join(
            str(row["detail"]) for row in opened._read(f"EXPLAIN QUERY PLAN {sql}", parameters)
        )
        assert "SEARCH articles USING INDEX articles_by_feed (feed=?)" in plan, plan
        assert "SCAN articles" not in plan, plan
        assert sum(opened.feed_article_counts().values()) == 100_000
