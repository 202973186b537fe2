"""What sync clients ask of the archive (issue 18): pages of a stream walked with a keyset in
either order, filtered by feeds, read state, stars, labels and time; unread counts by feed that
add up to ``unread_total``; readers' labels; marking many at once; and what deleting an
article or removing a user leaves. On SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

from nutgraf.manage import delete_articles
from nutgraf.store import Store
from nutgraf.store.records import Session, StreamFilter, User
from nutgraf.store.sync import MAX_APP_SESSIONS
from tests.store.test_marks import AT, FEED_A, FEED_B, fill


def page(store: Store, user: str = "ann", **wanted: object) -> list[int]:
    return [i for i, _ in store.stream_items(user, StreamFilter(limit=100, **wanted))]  # type: ignore[arg-type]


def test_a_stream_is_the_archive_newest_first_or_oldest_first(store: Store) -> None:
    ids = fill(store)
    assert page(store) == ids[::-1]
    assert page(store, oldest_first=True) == ids
    rows = store.stream_items("ann", StreamFilter(limit=2))
    assert rows[0] == (ids[-1], "2026-01-06T09:00:00Z")


def test_pages_follow_each_other_by_keyset_in_either_order(store: Store) -> None:
    ids = fill(store, days=7)
    for oldest_first, expected in ((False, ids[::-1]), (True, ids)):
        wanted = StreamFilter(limit=3, oldest_first=oldest_first)
        seen: list[int] = []
        while True:
            rows = store.stream_items("ann", wanted)
            seen += [i for i, _ in rows]
            if len(rows) < 3:
                break
            wanted = replace(wanted, after=(rows[-1][1], rows[-1][0]))
        assert seen == expected


def test_streams_filter_by_feed_state_star_label_and_time(store: Store) -> None:
    ids = fill(store)  # days 1..6, odd days from feed A
    store.set_read("ann", [ids[0], ids[1]], True)
    store.set_starred("ann", ids[2], True, AT)
    store.set_label("ann", [ids[3], ids[4]], "Later", True)
    assert page(store, feeds=(FEED_A,)) == [ids[4], ids[2], ids[0]]
    assert page(store, feeds=()) == []
    assert page(store, read=True) == [ids[1], ids[0]]
    assert page(store, read=False) == ids[2:][::-1]
    assert page(store, starred=True) == [ids[2]]
    assert page(store, starred=False, read=False) == [ids[5], ids[4], ids[3]]
    assert page(store, label="Later") == [ids[4], ids[3]]
    assert page(store, label="Later", feeds=(FEED_B,)) == [ids[5], ids[4], ids[3], ids[1]]
    assert page(store, newer="2026-01-02T09:00:00Z", older="2026-01-05T00:00:00Z") == [
        ids[3],
        ids[2],
    ]
    assert page(store, "bob", read=True) == []


def test_unread_walks_start_at_the_watermark_unless_marked_unread_below_it(store: Store) -> None:
    ids = fill(store)
    store.mark_read_before("ann", "2026-01-04T00:00:00Z")
    assert page(store, read=False) == [ids[5], ids[4], ids[3]]
    store.set_read("ann", [ids[0]], False)
    assert page(store, read=False) == [ids[5], ids[4], ids[3], ids[0]]
    assert page(store, read=True) == [ids[2], ids[1]]


def test_unread_by_feed_adds_up_to_the_unread_total(store: Store) -> None:
    ids = fill(store)
    assert {c.feed: c.count for c in store.unread_by_feed("ann")} == {None: 6}
    store.add_feed(FEED_A, now=AT)
    store.add_feed(FEED_B, now=AT)
    store.set_read("ann", [ids[0], ids[5]], True)
    counts = {c.feed: c.count for c in store.unread_by_feed("ann")}
    assert counts == {FEED_A: 2, FEED_B: 2}
    assert sum(counts.values()) == store.unread_total("ann")
    store.mark_read_before("ann", "2026-01-05T00:00:00Z")
    store.set_read("ann", [ids[1]], False)
    found = store.unread_by_feed("ann")
    assert {c.feed: c.count for c in found} == {FEED_A: 1, FEED_B: 1}
    assert sum(c.count for c in found) == store.unread_total("ann") == 2
    newest = {c.feed: c.newest for c in store.unread_by_feed("bob")}
    assert newest[FEED_B] == "2026-01-06T09:00:00Z"
    store.remove_feed(store.feed(FEED_B).id)  # type: ignore[union-attr]
    found = store.unread_by_feed("ann")  # ids[1] now comes from no subscribed feed
    assert {c.feed: c.count for c in found} == {FEED_A: 1, None: 1}
    assert store.unread_total("ann") == 2


def test_marks_of_many_and_of_a_stream(store: Store) -> None:
    ids = fill(store)
    assert store.set_read_many("ann", [*ids, 999_999], True) == 6
    assert store.unread_total("ann") == 0
    store.set_read_many("ann", ids[:3], False)
    assert store.mark_stream_read("ann", feeds=[FEED_A], before="2026-01-02T00:00:00Z") == 1
    assert store.sync_marks("ann", ids[:3]) == {
        ids[0]: (True, False),
        ids[1]: (False, False),
        ids[2]: (False, False),
    }
    assert store.set_starred_many("ann", [ids[1], ids[2]], True, AT) == 2
    assert store.mark_stream_read("ann", starred=True) == 2
    assert store.unread_total("ann") == 0
    store.set_read_many("ann", ids, False)
    store.set_label("ann", [ids[4]], "Later", True)
    assert store.mark_stream_read("ann", label="Later") == 1
    store.set_starred_many("ann", [ids[1]], False, AT)
    assert [h.id for h in store.starred("ann")] == [ids[2]]


def test_labels_are_each_readers_own_and_can_be_renamed_or_dropped(store: Store) -> None:
    ids = fill(store)
    assert store.set_label("ann", [ids[0], ids[1], 999_999], "Later", True) == 2
    store.set_label("ann", [ids[1]], "Best", True)
    store.set_label("bob", [ids[0]], "Later", True)
    assert store.item_labels("ann", ids) == {ids[0]: ["Later"], ids[1]: ["Best", "Later"]}
    assert store.reader_label_names("ann") == ["Best", "Later"]
    store.rename_label("ann", "Later", "Best")
    assert store.item_labels("ann", ids) == {ids[0]: ["Best"], ids[1]: ["Best"]}
    assert store.drop_label("ann", "Best") == 2
    assert store.reader_label_names("ann") == [] and store.reader_label_names("bob") == ["Later"]
    assert store.set_label("bob", [ids[0]], "Later", False) == 1


def test_deleting_an_article_or_removing_a_user_drops_their_labels(store: Store) -> None:
    ids = fill(store)
    store.add_user(User("ann", "hash", False, AT))
    store.set_label("ann", [ids[0], ids[1]], "Later", True)
    store.set_label("bob", [ids[0]], "Later", True)
    delete_articles(store, [ids[0]])
    assert store.item_labels("ann", ids) == {ids[1]: ["Later"]}
    assert store.item_labels("bob", ids) == {}
    store.remove_user("ann")
    assert store.reader_label_names("ann") == []
    store.set_label("bob", [ids[1]], "Later", True)
    store.forget_reader("bob")
    assert store.reader_label_names("bob") == []


def test_the_api_summaries_setting_is_kept_with_the_readers_settings(store: Store) -> None:
    assert store.reader_settings("ann").api_summaries is True
    store.set_api_summaries("ann", False)
    store.set_mark_on_open("ann", False)
    settings = store.reader_settings("ann")
    assert (settings.api_summaries, settings.mark_on_open) == (False, False)


def test_app_sessions_are_capped_apart_from_browser_sessions(store: Store) -> None:
    store.add_user(User("ann", "hash", False, AT))

    def open_session(key: str, minute: int) -> None:
        stamp = f"2026-12-07T10:{minute:02d}:00Z"
        store.start_session(Session(key, "ann", False, "c", stamp, "2099-01-01T00:00:00Z"), stamp)

    open_session("browser", 0)
    for n in range(MAX_APP_SESSIONS + 5):
        store.trim_app_sessions("ann")
        open_session(f"api:{n:03d}", n + 1)
    now = "2026-12-08T00:00:00Z"
    assert store.session("browser", now) is not None
    live = [n for n in range(MAX_APP_SESSIONS + 5) if store.session(f"api:{n:03d}", now)]
    assert live == list(range(5, MAX_APP_SESSIONS + 5))
    store.set_api_password("ann", "new hash", None)
    assert store.session("api:020", now) is None and store.session("browser", now) is not None
