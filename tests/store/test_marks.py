"""Reading state per reader (issue 17): read, unread, starred, the watermark, counts, and what
deleting an article or forgetting a reader leaves; on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from nutgraf.manage import delete_articles, purge
from nutgraf.store import SQLiteStore, Store
from nutgraf.store.records import User
from tests.store.test_sqlite import item

FEED_A = "https://a.test/feed.xml"
FEED_B = "https://b.test/feed.xml"
AT = "2026-12-07T10:00:00Z"


def fill(store: Store, days: int = 6) -> list[int]:
    """One article a day from 2026-01-01, alternating feeds A and B; ids oldest first."""
    ids = []
    for day in range(1, days + 1):
        feed = FEED_A if day % 2 else FEED_B
        saved = store.save(
            item(
                f"story of day {day} about harbour number {day * 7}",
                url=f"https://news.test/{day}",
                published=f"2026-01-{day:02d}T09:00:00Z",
                feed=feed,
                guid=str(day),
                site=feed.removesuffix("feed.xml"),
            )
        )
        ids.append(saved.id)
    return ids


def unread_ids(store: Store, user: str, **options: object) -> list[int]:
    return [h.id for h in store.unread(user, limit=100, **options)]  # type: ignore[arg-type]


def test_everything_starts_unread_and_unstarred(store: Store) -> None:
    ids = fill(store)
    assert unread_ids(store, "ann") == ids[::-1]
    marks = store.article_marks("ann", ids)
    assert all(not m.read and not m.starred for m in marks.values())
    assert store.unread_counts("ann").total == store.unread_total("ann") == 6
    assert store.starred("ann") == []
    assert store.reader_settings("ann").mark_on_open is True


def test_a_batch_of_opened_articles_is_written_at_once_for_many_readers(store: Store) -> None:
    ids = fill(store)
    store.set_starred("ann", ids[0], True, AT)
    store.set_read("ann", [ids[1]], False)
    written = store.set_read_batch([("ann", [ids[0], ids[1]]), ("bob", [ids[2], 999_999])])
    assert written == 3
    marks = store.article_marks("ann", ids[:2])
    assert marks[ids[0]].read and marks[ids[0]].starred  # the star stays
    assert marks[ids[1]].read
    assert unread_ids(store, "bob") == [i for i in ids[::-1] if i != ids[2]]
    assert store.set_read_batch([]) == 0
    assert unread_ids(store, "ann") == ids[2:][::-1]  # the store's own connection sees it


def test_read_unread_and_star_are_per_reader(store: Store) -> None:
    ids = fill(store)
    assert store.set_read("ann", [ids[0], ids[1], 999_999], True) == 2
    assert store.set_starred("ann", ids[2], True, AT)
    assert not store.set_starred("ann", 999_999, True, AT)
    marks = store.article_marks("ann", ids)
    assert [marks[i].read for i in ids] == [True, True, False, False, False, False]
    assert [marks[i].starred for i in ids] == [False, False, True, False, False, False]
    assert unread_ids(store, "ann") == ids[2:][::-1]
    assert [h.id for h in store.starred("ann")] == [ids[2]]
    # Bob's state is his own.
    assert unread_ids(store, "bob") == ids[::-1]
    assert store.starred("bob") == []
    # Unread again; unstar.
    store.set_read("ann", [ids[0]], False)
    store.set_starred("ann", ids[2], False, AT)
    assert unread_ids(store, "ann") == [i for i in ids[::-1] if i != ids[1]]
    assert store.starred("ann") == []


def test_reading_everything_older_than_a_time_moves_a_watermark(store: Store) -> None:
    ids = fill(store)
    store.set_read("ann", [ids[5]], True)
    store.set_read("ann", [ids[1]], False)  # explicitly unread, then covered by the watermark
    store.set_starred("ann", ids[0], True, AT)
    store.mark_read_before("ann", "2026-01-04T00:00:00Z")
    assert unread_ids(store, "ann") == [ids[4], ids[3]]
    assert store.unread_counts("ann").total == store.unread_total("ann") == 2
    # The star outlives the watermark; an article above it can be unread again below it.
    assert [h.id for h in store.starred("ann")] == [ids[0]]
    store.set_read("ann", [ids[1]], False)
    assert unread_ids(store, "ann") == [ids[4], ids[3], ids[1]]
    store.set_read("ann", [ids[4]], True)
    assert store.unread_total("ann") == store.unread_counts("ann").total == 2
    store.set_read("ann", [ids[4]], False)
    # The watermark never moves back.
    store.mark_read_before("ann", "2026-01-02T00:00:00Z")
    assert store.reader_settings("ann").read_before == "2026-01-04T00:00:00Z"
    # Only the reader's exceptions are kept as rows, not one per article.
    rows = store._sql_read(  # type: ignore[attr-defined]
        "SELECT count(*) AS n FROM reader_marks WHERE user_name = ?", ("ann",)
    )
    assert int(rows[0]["n"]) == 4  # the star, day 6 read, days 2 and 5 marked unread


def test_feeds_mark_read_and_count_unread(store: Store) -> None:
    ids = fill(store)
    counts = store.unread_counts("ann")
    assert counts.total == 6 and dict(counts.by_feed) == {FEED_A: 3, FEED_B: 3}
    assert unread_ids(store, "ann", feeds=[FEED_B]) == [ids[5], ids[3], ids[1]]
    assert unread_ids(store, "ann", feeds=[]) == []
    assert store.mark_feeds_read("ann", [FEED_A]) == 3
    counts = store.unread_counts("ann")
    assert counts.total == store.unread_total("ann") == 3 and dict(counts.by_feed) == {FEED_B: 3}
    assert store.mark_feeds_read("ann", [FEED_A]) == 0
    assert store.unread_counts("bob").total == 6


def test_paging_the_unread_list(store: Store) -> None:
    ids = fill(store)
    assert [h.id for h in store.unread("ann", limit=2, offset=2)] == [ids[3], ids[2]]


def test_deleting_or_purging_an_article_removes_its_state(store: Store) -> None:
    ids = fill(store)
    store.set_starred("ann", ids[0], True, AT)
    store.set_read("ann", [ids[1], ids[2]], True)
    delete_articles(store, [ids[0], ids[1]], now=lambda: AT)
    rows = store._sql_read("SELECT article_id FROM reader_marks")  # type: ignore[attr-defined]
    assert [int(r["article_id"]) for r in rows] == [ids[2]]
    purge(store, 1, now=lambda: "2100-01-01T00:00:00Z")
    assert store._sql_read("SELECT article_id FROM reader_marks") == []  # type: ignore[attr-defined]
    assert store.starred("ann") == []


def test_forgetting_a_reader(store: Store) -> None:
    ids = fill(store)
    store.set_read("ann", ids[:2], True)
    store.set_starred("ann", ids[3], True, AT)
    store.set_mark_on_open("ann", False)
    store.mark_read_before("ann", "2026-01-02T00:00:00Z")
    store.set_read("bob", ids[:1], True)
    store.forget_reader("ann")
    assert unread_ids(store, "ann") == ids[::-1]
    assert store.starred("ann") == []
    assert store.reader_settings("ann").mark_on_open is True
    assert unread_ids(store, "bob") == ids[1:][::-1]


def test_the_open_setting(store: Store) -> None:
    store.set_mark_on_open("ann", False)
    assert store.reader_settings("ann").mark_on_open is False
    store.mark_read_before("ann", "2026-01-02T00:00:00Z")
    assert store.reader_settings("ann").mark_on_open is False
    store.set_mark_on_open("ann", True)
    assert store.reader_settings("ann").mark_on_open is True


def test_removing_a_user_drops_their_reading_state(store: Store) -> None:
    """A new user of the same name starts afresh: nothing read, starred or set."""
    ids = fill(store)
    for name in ("ann", "bob"):
        store.add_user(User(name, "$argon2id$hash", False, AT))
        store.set_read(name, ids[:2], True)
        store.set_starred(name, ids[2], True, AT)
        store.set_mark_on_open(name, False)
    assert store.remove_user("ann")
    assert store.unread_total("ann") == 6 and store.starred("ann") == []
    assert store.reader_settings("ann").mark_on_open is True
    assert store.unread_total("bob") == 4 and len(store.starred("bob")) == 1


def test_a_file_archive_writes_batches_on_a_connection_of_their_own(tmp_path: Path) -> None:
    """The batch goes through a second connection: the store's own one reads meanwhile, and
    sees the batch once it is committed; closing the store closes both."""
    with SQLiteStore(tmp_path / "archive.db") as store:
        ids = fill(store)
        assert store.set_read_batch([("ann", ids[:3])]) == 3
        assert unread_ids(store, "ann") == ids[3:][::-1]
        side = store._side
        assert side is not None and side is not store._db
        side.execute("BEGIN IMMEDIATE")  # a batch being written: the store still reads
        assert unread_ids(store, "ann") == ids[3:][::-1]
        side.execute("ROLLBACK")
    with pytest.raises(sqlite3.ProgrammingError):
        side.execute("SELECT 1")
