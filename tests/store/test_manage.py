"""Deleting articles and purging old ones keeps the archive consistent (search, copies, "Read
also", stories, near-duplicate keys), and feeds can be removed, disabled and enabled: on
SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from nutgraf.errors import NutgrafError
from nutgraf.manage import (
    delete_articles,
    disable_feed,
    enable_feed,
    purge,
    remove_feed,
)
from nutgraf.store import PollOutcome, Store
from nutgraf.stories.archive import update_stories
from tests.stories import events

NOW = "2031-03-05T00:00:00Z"


def clock() -> str:
    return NOW


def fill(store: Store) -> dict[str, int]:
    return {r.key: events.ingest(store, r) for r in events.ALL}


def count(store: Store, sql: str, *parameters: Any) -> int:
    rows = store._manage_read(sql, parameters)  # type: ignore[attr-defined]
    return int(next(iter(dict(rows[0]).values())))


def test_a_deleted_article_is_gone_from_search_stories_and_read_also(store: Store) -> None:
    ids = fill(store)
    update_stories(store, now=clock)
    bridge = store.story_of(ids["bridge-valley"])
    assert bridge is not None
    before = store.story_digest(bridge)
    assert before is not None and before.articles == 3
    assert ids["bridge-valley"] in before.members
    store.keep_read_also(ids["tram-tide"], [(ids["bridge-valley"], 2.0), (ids["honey"], 1.0)], NOW)
    store.keep_read_also(ids["bridge-valley"], [(ids["honey"], 1.0)], NOW)
    assert ids["bridge-valley"] in [s.id for s in store.search("Vellmar")]
    assert count(store, "SELECT count(*) FROM near_keys WHERE article_id = ?", ids["bridge-valley"])

    done = delete_articles(store, [ids["bridge-valley"]], now=clock)

    assert done.deleted == (ids["bridge-valley"],) and done.missing == () and done.stories == 1
    assert store.get(ids["bridge-valley"]) is None
    assert [s.id for s in store.search("Vellmar")] == sorted(
        [ids["bridge-north"], ids["bridge-coast"]], reverse=True
    )
    assert store.search("cafe owners") == []  # a phrase only the deleted article held
    assert [h.id for h, _ in store.read_also(ids["tram-tide"]) or []] == [ids["honey"]]
    assert store.read_also(ids["bridge-valley"]) is None
    assert not count(
        store, "SELECT count(*) FROM near_keys WHERE article_id = ?", ids["bridge-valley"]
    )
    assert store.story_of(ids["bridge-valley"]) is None
    after = store.story_digest(bridge)
    assert after is not None
    assert (after.articles, after.sources) == (2, 2)
    assert after.members == (ids["bridge-north"], ids["bridge-coast"])
    assert {s.article for s in after.sentences} <= {ids["bridge-north"], ids["bridge-coast"]}
    assert [h.id for h in store.story_articles(bridge)] == [
        ids["bridge-north"],
        ids["bridge-coast"],
    ]


def test_a_story_left_empty_loses_its_digest_and_stories_go_on(store: Store) -> None:
    ids = fill(store)
    update_stories(store, now=clock)
    honey = store.story_of(ids["honey"])
    assert honey is not None and store.story_digest(honey) is not None
    delete_articles(store, [ids["honey"]], now=clock)
    assert store.story_digest(honey) is None
    saved = store.story_state()
    assert saved is not None
    held = [m[0] for story in saved[1]["open"] for m in story["members"]]
    assert ids["honey"] not in held and ids["tram-tide"] in held
    assert honey not in [d.id for d in store.latest_stories(min_sources=1)]
    # The clusterer forgot it: the article comes back (its address is free again), and the
    # next update places it in a story of its own, as new.
    again = events.ingest(store, events.HONEY)
    assert again > max(ids.values())
    tally = update_stories(store, now=clock)
    assert tally.placed == 1
    story = store.story_of(again)
    assert story is not None
    digest = store.story_digest(story)
    assert digest is not None and digest.members == (again,)


def test_copies_of_a_deleted_original_stay_and_the_earliest_becomes_the_original(
    store: Store,
) -> None:
    original = events.ingest(store, events.BRIDGE_NORTH)
    first = events.ingest(store, events.BRIDGE_NORTH, copy_to="Wire One")
    second = events.ingest(store, events.BRIDGE_NORTH, copy_to="Wire Two")
    update_stories(store, now=clock)
    story = store.story_of(original)
    assert store.story_of(first) == store.story_of(second) == story is not None
    one, two = store.get(first), store.get(second)
    assert one is not None and one.duplicate is not None and one.duplicate.of == original
    assert two is not None and two.duplicate is not None and two.duplicate.of == original

    done = delete_articles(store, [original], now=clock)

    assert done.promoted == {original: first}
    one, two = store.get(first), store.get(second)
    assert one is not None and one.duplicate is None
    assert two is not None and two.duplicate is not None
    assert two.duplicate.of == first
    assert two.duplicate.reason == f"same text as article {first}"
    assert [h.id for h in store.copies(second)] == [first, second]
    assert store.story_of(first) == store.story_of(second) == story
    digest = store.story_digest(story)
    assert digest is not None
    assert (digest.articles, digest.members) == (2, (first,))
    assert {s.article for s in digest.sentences} == {first}
    # Deleting an original with all its copies leaves nothing pointing anywhere.
    assert delete_articles(store, [first, second], now=clock).deleted == (first, second)
    assert store.count() == 0 and store.story_digest(story) is None


def test_ids_of_deleted_articles_are_never_given_again(store: Store) -> None:
    ids = fill(store)
    top = max(ids.values())
    store.keep_read_also(ids["tram-tide"], [(top, 1.0)], NOW)
    delete_articles(store, [top], now=clock)
    again = events.ingest(store, events.HONEY)
    assert again > top
    assert store.read_also(ids["tram-tide"]) == []


def test_deleting_unknown_ids_deletes_nothing_and_says_which(store: Store) -> None:
    ids = fill(store)
    done = delete_articles(store, [999, ids["honey"], 998], now=clock)
    assert done.deleted == (ids["honey"],) and done.missing == (999, 998)
    assert delete_articles(store, [999], now=clock).deleted == ()
    assert store.count() == len(ids) - 1


def test_purge_deletes_the_older_articles_and_keeps_the_newer(store: Store) -> None:
    ids = fill(store)
    update_stories(store, now=clock)
    dry = purge(store, 2, now=clock, dry_run=True)
    bridges = sorted(ids[k] for k in ("bridge-north", "bridge-valley", "bridge-coast"))
    assert (dry.cutoff, sorted(dry.ids), dry.deletion) == ("2031-03-03T00:00:00Z", bridges, None)
    assert store.count() == len(ids)

    done = purge(store, 2, now=clock)

    assert done.deletion is not None and sorted(done.deletion.deleted) == bridges
    assert sorted(a.id for a in store.articles()) == sorted(
        ids[k] for k in ("tram-tide", "tram-north", "honey")
    )
    assert store.search("Vellmar") == []
    assert [d.headline for d in store.latest_stories()] == [
        "Tidewater council approves night tram line to the harbour"
    ]
    assert purge(store, 2, now=clock).ids == ()


def test_feeds_are_disabled_enabled_and_removed(store: Store) -> None:
    url = "https://feeds.example/news.xml"
    state, _ = store.add_feed(url, title="News", now="2031-03-01T00:00:00Z")
    store.record_poll(
        state.id,
        PollOutcome(checked="2031-03-01T00:00:00Z", next_check="2031-03-09T00:00:00Z", error="x"),
    )
    disabled = disable_feed(store, url)
    assert disabled.disabled_reason == "disabled by the admin"
    assert store.due_feeds("2031-04-01T00:00:00Z") == []
    assert store.claim_due_feeds("2031-04-01T00:00:00Z", "me", 60, 10) == []

    enabled = enable_feed(store, url, now=clock)
    assert (enabled.disabled_reason, enabled.failures, enabled.last_error) == (None, 0, None)
    assert enabled.first_failure is None and enabled.next_check == NOW
    assert [f.url for f in store.due_feeds(NOW)] == [url]

    removed, deletion = remove_feed(store, url)
    assert removed.id == state.id and deletion.deleted == ()
    assert store.feeds() == []
    with pytest.raises(NutgrafError, match="no subscribed feed has the address"):
        remove_feed(store, url)
    with pytest.raises(NutgrafError, match="no subscribed feed has the address"):
        disable_feed(store, url)


def test_a_feed_removed_with_its_articles_takes_only_its_own(store: Store) -> None:
    from nutgraf.batch.pipeline import Origin, archive_item, save

    url = "https://feeds.example/bridge.xml"
    store.add_feed(url, now=NOW)
    other = events.ingest(store, events.HONEY)
    mine = []
    for report in (events.BRIDGE_NORTH, events.BRIDGE_VALLEY):
        item = archive_item(
            events.article(report),
            origin=Origin(url=f"{report.site}{report.key}", feed=url, guid=report.key),
            fetched=NOW,
        )
        mine.append(save(store, item).id)
    assert store.feed_article_ids(url) == mine

    _, deletion = remove_feed(store, url, with_articles=True, now=clock)

    assert deletion.deleted == tuple(mine)
    assert store.feed(url) is None
    assert [a.id for a in store.articles()] == [other]
