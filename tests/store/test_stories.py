"""The stories tables on both backends: placements, copies following their original, digests,
the list of stories, and the compare-and-set that keeps two updaters from both saving."""

from __future__ import annotations

from nutgraf.store import Store
from nutgraf.store.records import Placement, StoryText
from nutgraf.stories.summary import StorySentence
from tests.stories import events

AT = "2031-03-05T00:00:00Z"
STATE = {"version": 1, "note": "any JSON", "list": [1, "two", None]}


def fill(store: Store) -> dict[str, int]:
    return {r.key: events.ingest(store, r) for r in events.ALL}


def text(story: int, members: tuple[int, ...], headline: str) -> StoryText:
    cited = StorySentence("A cited sentence.", members[0], "North Post", 0, 0, 17)
    return StoryText(story, headline, members, (cited,))


def test_a_story_is_saved_read_and_listed(store: Store) -> None:
    ids = fill(store)
    assert store.story_state() is None and store.story_through() == 0
    assert [a.id for a in store.arrivals(0, 100)] == sorted(ids.values())
    north, valley, tide = ids["bridge-north"], ids["bridge-valley"], ids["tram-tide"]
    arrival = store.arrivals(north - 1, 1)[0]
    assert arrival.title == events.BRIDGE_NORTH.title
    assert arrival.time == "2031-03-02T07:00:00+00:00"
    assert arrival.duplicate_of is None
    saved = store.save_stories(
        [
            Placement(north, 1, 1.0, "opened"),
            Placement(valley, 1, 0.4, "joined"),
            Placement(tide, 2, 0.0, "opened"),
        ],
        [text(1, (north, valley), 'Bridge <closed> & "shut"'), text(2, (tide,), "Trams")],
        STATE,
        expected=0,
        through=tide,
        at=AT,
    )
    assert saved
    assert store.story_state() == (tide, STATE)
    assert store.story_through() == tide
    assert store.story_of(north) == store.story_of(valley) == 1
    assert store.story_of(ids["honey"]) is None
    assert [h.id for h in store.story_articles(1)] == [north, valley]
    digest = store.story_digest(1)
    assert digest is not None
    assert (digest.headline, digest.articles, digest.sources) == ('Bridge <closed> & "shut"', 2, 2)
    assert (digest.first, digest.last) == (
        events.BRIDGE_NORTH.published,
        events.BRIDGE_VALLEY.published,
    )
    assert digest.members == (north, valley)
    assert digest.sentences[0].article == north and digest.sentences[0].source == "North Post"
    assert digest.computed == AT
    # Newest news first; one outlet is listed only when asked for.
    assert [d.id for d in store.latest_stories()] == [1]
    assert [d.id for d in store.latest_stories(min_sources=1)] == [2, 1]
    assert [d.id for d in store.latest_stories(min_sources=1, limit=1, offset=1)] == [1]
    assert store.story_digest(99) is None and store.story_articles(99) == []


def test_a_stale_updater_saves_nothing(store: Store) -> None:
    ids = fill(store)
    north = ids["bridge-north"]
    assert store.save_stories(
        [Placement(north, 1, 1.0, "a")], [], STATE, expected=0, through=north, at=AT
    )
    assert not store.save_stories(
        [Placement(north, 7, 1.0, "b")], [text(7, (north,), "x")], {}, expected=0, through=9, at=AT
    )
    assert store.story_of(north) == 1
    assert store.story_digest(7) is None
    assert store.story_state() == (north, STATE)


def test_a_moved_article_keeps_its_score_its_copies_follow_and_empty_stories_go(
    store: Store,
) -> None:
    ids = fill(store)
    north, valley = ids["bridge-north"], ids["bridge-valley"]
    copy = events.ingest(store, events.BRIDGE_VALLEY, copy_to="Lake Times")
    placements = [
        Placement(north, 1, 1.0, "opened"),
        Placement(valley, 2, 0.3, "opened"),
        Placement(copy, 2, 1.0, "copy"),
    ]
    texts = [text(1, (north,), "One"), text(2, (valley,), "Two")]
    assert store.save_stories(placements, texts, STATE, expected=0, through=copy, at=AT)
    digest = store.story_digest(2)
    assert digest is not None and (digest.articles, digest.sources) == (2, 2)
    # A merge moves the valley report (and so its copy) into story 1; story 2 is gone.
    moved = [Placement(valley, 1, None, "moved to story 1")]
    assert store.save_stories(
        moved, [text(1, (north, valley), "Merged")], STATE, expected=copy, through=copy, at=AT
    )
    assert store.story_of(valley) == store.story_of(copy) == 1
    assert store.story_digest(2) is None
    merged = store.story_digest(1)
    assert merged is not None and (merged.headline, merged.articles, merged.sources) == (
        "Merged",
        3,
        3,
    )
    assert [h.id for h in store.story_articles(1)] == [north, valley, copy]
