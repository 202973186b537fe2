"""The Fever API's store queries (issue 18): a reader's unread and starred ids, pages of whole
articles by id, hot stories, and marking a feed read below a time; on SQLite and PostgreSQL."""

from __future__ import annotations

from nutgraf.store import Store
from nutgraf.stories.archive import update_stories
from tests.store.test_marks import AT, FEED_A, FEED_B, fill, unread_ids
from tests.store.test_sqlite import item
from tests.stories import events


def test_unread_ids_are_the_unread_list_newest_first(store: Store) -> None:
    ids = fill(store)
    assert store.unread_ids("ann") == ids[::-1]
    store.set_read("ann", [ids[5], ids[2]], True)
    assert store.unread_ids("ann") == [ids[4], ids[3], ids[1], ids[0]]
    # Below the watermark only what was marked unread again is unread.
    store.mark_read_before("ann", "2026-01-04T00:00:00Z")
    store.set_read("ann", [ids[0]], False)
    assert store.unread_ids("ann") == [ids[4], ids[3], ids[0]]
    assert store.unread_ids("ann") == unread_ids(store, "ann")
    assert store.unread_ids("bob") == ids[::-1]  # another reader's marks are theirs


def test_starred_ids_are_newest_first_and_only_the_readers(store: Store) -> None:
    ids = fill(store)
    assert store.starred_ids("ann") == []
    for article in (ids[1], ids[4], ids[0]):
        store.set_starred("ann", article, True, AT)
    store.set_starred("bob", ids[3], True, AT)
    assert store.starred_ids("ann") == [ids[4], ids[1], ids[0]]
    store.set_starred("ann", ids[4], False, AT)
    assert store.starred_ids("ann") == [ids[1], ids[0]]
    assert store.starred_ids("bob") == [ids[3]]


def test_articles_by_id_pages_of_fifty_every_way_fever_asks(store: Store) -> None:
    ids = [
        store.save(
            item(
                f"article number {n} about the harbour",
                url=f"https://news.test/{n}",
                published=f"2026-02-01T{n // 60:02d}:{n % 60:02d}:00Z",
                feed=FEED_A,
                guid=str(n),
            )
        ).id
        for n in range(60)
    ]
    ids.sort()
    first = store.articles_by_id()
    assert [a.stored.id for a in first] == ids[:50]
    assert first[0].sort_time == "2026-02-01T00:00:00Z"
    assert first[0].stored.item.article.title == "A headline"
    assert [a.stored.id for a in store.articles_by_id(since_id=ids[49])] == ids[50:]
    assert store.articles_by_id(since_id=ids[-1]) == []
    assert [a.stored.id for a in store.articles_by_id(max_id=ids[10])] == ids[:10][::-1]
    assert [a.stored.id for a in store.articles_by_id(max_id=0)] == ids[10:][::-1]
    wanted = [ids[7], ids[3], 999_999_999, ids[3]]
    assert [a.stored.id for a in store.articles_by_id(with_ids=wanted)] == [ids[3], ids[7]]
    assert store.articles_by_id(with_ids=[]) == []
    assert len(store.articles_by_id(with_ids=ids)) == 50  # never more than a page
    assert len(store.articles_by_id(limit=1000)) == 50


def test_hot_stories_rank_by_outlets_then_recency(store: Store) -> None:
    ids = {report.key: events.ingest(store, report) for report in events.ALL}
    update_stories(store)
    bridge, tram = store.story_of(ids["bridge-north"]), store.story_of(ids["tram-tide"])
    hot = store.hot_stories("2031-03-01T00:00:00Z", "2031-03-05T00:00:00Z", limit=50)
    # The bridge (three outlets) is hotter than the newer tram story (two); honey (one) is out.
    assert [s.id for s in hot] == [bridge, tram]
    assert [s.sources for s in hot] == [3, 2]
    first = hot[0]
    assert first.articles[0] == ids["bridge-north"]  # the first to report it
    assert set(first.articles) == {
        ids[k] for k in ("bridge-north", "bridge-valley", "bridge-coast")
    }
    assert first.headline
    assert first.first_feed is None  # stored without a feed
    # The window is by the newest article: the bridge was last reported on 2 March.
    later = store.hot_stories("2031-03-03T00:00:00Z", "2031-03-05T00:00:00Z", limit=50)
    assert [s.id for s in later] == [tram]
    assert (
        store.hot_stories("2031-03-01T00:00:00Z", "2031-03-05T00:00:00Z", limit=1, offset=1)[0].id
        == tram
    )


def test_marking_a_feed_read_before_a_time_leaves_newer_and_other_feeds(store: Store) -> None:
    ids = fill(store)  # A: days 1, 3, 5; B: days 2, 4, 6
    store.set_read("ann", [ids[0]], True)
    marked = store.mark_feeds_read("ann", [FEED_A], "2026-01-04T00:00:00Z")
    assert marked == 1  # day 3 (day 1 was read already)
    assert store.unread_ids("ann") == [ids[5], ids[4], ids[3], ids[1]]
    both = store.mark_feeds_read("ann", [FEED_A, FEED_B], "2026-01-06T00:00:00Z")
    assert both == 3  # days 2, 4 and 5
    assert store.unread_ids("ann") == [ids[5]]
    assert store.mark_feeds_read("ann", [], "2027-01-01T00:00:00Z") == 0
    assert store.unread_ids("bob") == ids[::-1]


def test_marking_a_feed_read_respects_the_watermark(store: Store) -> None:
    ids = fill(store)
    store.mark_read_before("ann", "2026-01-03T00:00:00Z")
    store.set_read("ann", [ids[0]], False)  # day 1 unread again, below the watermark
    assert store.mark_feeds_read("ann", [FEED_A], "2026-01-04T00:00:00Z") == 2
    assert store.unread_ids("ann") == [ids[5], ids[4], ids[3]]
