"""``update_stories``: the archive's articles placed in stories as they arrive."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from nutgraf.batch.pipeline import Origin, archive_item, save
from nutgraf.batch.placing import placed_at
from nutgraf.records import Article
from nutgraf.store import SQLiteStore
from nutgraf.store.records import StoryDigest
from nutgraf.stories.archive import pick_headline, story_language, update_stories
from nutgraf.stories.cluster import StoryOptions
from nutgraf.stories.read import read_story, story_json
from tests.stories import events

NOW = "2031-03-05T00:00:00Z"


@pytest.fixture
def store() -> Iterator[SQLiteStore]:
    with SQLiteStore(":memory:") as opened:
        yield opened


def fill(store: SQLiteStore, reports: tuple[events.Report, ...] = events.ALL) -> dict[str, int]:
    return {r.key: events.ingest(store, r) for r in reports}


def snapshot(store: SQLiteStore) -> tuple[dict[int, int | None], list[StoryDigest]]:
    placed = {i: store.story_of(i) for i in range(1, store.count() + 1)}
    return placed, store.latest_stories(limit=100, min_sources=1)


def test_one_event_from_three_outlets_is_one_story_with_a_cited_summary(
    store: SQLiteStore,
) -> None:
    ids = fill(store)
    tally = update_stories(store, now=lambda: NOW)
    assert (tally.placed, tally.copies, tally.through) == (6, 0, 6)
    bridge = store.story_of(ids["bridge-north"])
    assert bridge is not None
    assert store.story_of(ids["bridge-valley"]) == store.story_of(ids["bridge-coast"]) == bridge
    assert store.story_of(ids["tram-tide"]) == store.story_of(ids["tram-north"]) != bridge
    digest = store.story_digest(bridge)
    assert digest is not None
    assert (digest.articles, digest.sources) == (3, 3)
    assert digest.members == (ids["bridge-north"], ids["bridge-valley"], ids["bridge-coast"])
    assert len(digest.sentences) == 3
    for sentence in digest.sentences:
        stored = store.get(int(sentence.article))
        assert stored is not None
        assert stored.item.article.text[sentence.start : sentence.end] == sentence.text
        assert sentence.source == stored.item.article.source
    assert len({s.article for s in digest.sentences}) >= 2
    # Two outlets or more: listed; the honey story has one, so only --all lists it.
    listed = [d.id for d in store.latest_stories()]
    assert bridge in listed and store.story_of(ids["honey"]) not in listed
    assert store.story_of(ids["honey"]) in [d.id for d in store.latest_stories(min_sources=1)]


def test_two_runs_place_articles_as_one_run_does(store: SQLiteStore) -> None:
    fill(store)
    update_stories(store, now=lambda: NOW)
    whole = snapshot(store)
    with SQLiteStore(":memory:") as other:
        fill(other, events.ALL[:3])
        first = update_stories(other, now=lambda: NOW)
        assert first.through == 3
        fill(other, events.ALL[3:])
        second = update_stories(other, now=lambda: NOW)
        assert (second.placed, second.through) == (3, 6)
        assert snapshot(other) == whole
    with SQLiteStore(":memory:") as chunked:
        fill(chunked)
        update_stories(chunked, now=lambda: NOW, chunk=2)
        assert snapshot(chunked) == whole


def test_nothing_new_is_a_cheap_no_op(store: SQLiteStore) -> None:
    assert update_stories(store).placed == 0
    fill(store)
    update_stories(store, now=lambda: NOW)
    state = store.story_state()
    again = update_stories(store, now=lambda: "2040-01-01T00:00:00Z")
    assert (again.placed, again.through) == (0, 6)
    assert store.story_state() == state


def test_a_copy_joins_its_originals_story_and_counts_as_a_source(store: SQLiteStore) -> None:
    ids = fill(store, (events.BRIDGE_NORTH, events.BRIDGE_VALLEY))
    update_stories(store, now=lambda: NOW)
    copy = events.ingest(store, events.BRIDGE_VALLEY, copy_to="Lake Times")
    stored = store.get(copy)
    assert stored is not None and stored.duplicate is not None
    tally = update_stories(store, now=lambda: NOW)
    assert (tally.placed, tally.copies) == (1, 1)
    story = store.story_of(ids["bridge-valley"])
    assert store.story_of(copy) == story
    assert story is not None
    digest = store.story_digest(story)
    assert digest is not None
    assert (digest.articles, digest.sources) == (3, 3)
    assert copy not in digest.members  # the summary reads originals only
    assert [h.source for h in store.story_articles(story)] == [
        "North Post",
        "Valley Herald",
        "Lake Times",
    ]


def test_an_undated_copy_from_a_backlog_never_dates_its_story_to_1970(
    store: SQLiteStore,
) -> None:
    ids = fill(store, (events.BRIDGE_NORTH, events.BRIDGE_VALLEY))
    report = events.BRIDGE_VALLEY
    site = "https://lake.test/"
    undated = dataclasses.replace(events.article(report, site=site, outlet="Lake"), published=None)
    item = archive_item(
        undated,
        origin=Origin(url=f"{site}{report.key}", site=site, source="Lake"),
        fetched=NOW,
        placed=placed_at(NOW, 0, backlog=True),  # listed below the news, at 1970
    )
    copy = save(store, item).id
    update_stories(store, now=lambda: NOW)
    story = store.story_of(ids["bridge-valley"])
    assert story is not None and store.story_of(copy) == story
    found = read_story(store, story)
    assert found is not None
    assert not found.digest.first.startswith("1970") and found.digest.first < NOW
    assert found.articles[-1].id == copy  # reported last: when first seen
    assert story_json(found)["articles"][-1]["time"] == NOW


def test_a_second_updater_that_lost_the_race_saves_nothing(store: SQLiteStore) -> None:
    fill(store, events.ALL[:3])
    update_stories(store, now=lambda: NOW)
    loaded = store.story_state()
    assert loaded is not None
    fill(store, events.ALL[3:])
    # Another updater saved through article 5 after this one read the state at 3.
    assert store.save_stories([], [], loaded[1], expected=3, through=5, at=NOW)
    assert not store.save_stories([], [], loaded[1], expected=3, through=6, at=NOW)
    assert store.story_through() == 5


def test_the_headline_is_the_title_the_others_echo() -> None:
    bridge = [events.article(r) for r in (events.BRIDGE_NORTH, events.BRIDGE_VALLEY)]
    assert pick_headline(bridge) == events.BRIDGE_NORTH.title  # a tie: the earliest
    # "Crack", "Vellmar", "Gorge", "glass", "bridge": it shares most with both others.
    three = [*bridge, events.article(events.BRIDGE_COAST)]
    assert pick_headline(three) == events.BRIDGE_VALLEY.title
    assert pick_headline([events.article(events.HONEY)]) == events.HONEY.title
    assert pick_headline([]) is None


def test_the_day_penalty_decides_whether_the_next_days_report_joins() -> None:
    # The dock strike: two reports on the 9th, one on the 10th about its cost to shops; the
    # deal that ended it, on the 18th and 19th, is another event.
    reports = events.sample_reports("nutgraf-dock-strike", "nutgraf-dock-deal")
    placed: dict[float, list[int | None]] = {}
    for penalty in (0.5, 0.0):
        with SQLiteStore(":memory:") as store:
            ids = fill(store, reports)
            update_stories(store, now=lambda: NOW, options=StoryOptions(day_penalty=penalty))
            placed[penalty] = [store.story_of(ids[r.key]) for r in reports]
    strike, deal = slice(0, 3), slice(3, 6)
    daily, whole_event = placed[0.5], placed[0.0]
    assert daily[0] == daily[1] != daily[2]  # each day's development a story
    assert len(set(whole_event[strike])) == len(set(whole_event[deal])) == 1
    assert whole_event[0] != whole_event[3]


def test_options_given_later_place_the_later_articles() -> None:
    reports = events.sample_reports("nutgraf-dock-strike")
    with SQLiteStore(":memory:") as store:
        ids = fill(store, reports[:2])
        update_stories(store, now=lambda: NOW, options=StoryOptions(day_penalty=0.5))
        ids.update(fill(store, reports[2:]))
        update_stories(store, now=lambda: NOW, options=StoryOptions(day_penalty=0.0))
        assert len({store.story_of(i) for i in ids.values()}) == 1
        saved = store.story_state()
        assert saved is not None and saved[1]["options"]["day_penalty"] == 0.0


def test_a_story_in_several_languages_is_told_in_the_language_most_of_it_is_in() -> None:
    # The Tolland bus strike in English, German and Polish, one report each: a tie, so the
    # earliest report's language.
    reports = events.sample_reports(
        "nutgraf-ml-tolland-bus-strike", sample="clusters-multilingual.jsonl"
    )
    assert [r.language for r in reports] == ["en", "de", "pl"]
    with SQLiteStore(":memory:") as store:
        ids = fill(store, reports)
        update_stories(store, now=lambda: NOW)
        story = {store.story_of(i) for i in ids.values()}
        assert len(story) == 1
        digest = store.story_digest(story.pop() or 0)
        assert digest is not None
        english = ids[reports[0].key]
        assert digest.headline == reports[0].title
        assert digest.members == (english,)
        assert {s.article for s in digest.sentences} == {english}
        assert (digest.articles, digest.sources) == (3, 3)


def test_story_language() -> None:
    def written(*languages: str | None) -> list[Article]:
        return [Article(title="t", blocks=(), language=code) for code in languages]

    assert story_language(written("de", "en", "en")) == "en"
    assert story_language(written("pl", "de", "de", "pl")) == "pl"  # tie: the earliest
    assert story_language(written(None, "en", "de")) == "en"  # no language: English


def test_feeds_ingested_one_after_another_still_make_stories() -> None:
    # A first ingest brings each outlet's three weeks of entries in turn: the clusterer
    # must see them in time order, or the newest entries of the first outlet would close
    # the stories the older entries of the next ones belong to.
    reports = events.sample_reports(
        "nutgraf-storm-ilse", "nutgraf-penhallow-breach", "nutgraf-cup-final"
    )
    by_outlet = sorted(reports, key=lambda r: (r.outlet, r.published))
    assert by_outlet != list(reports)
    with SQLiteStore(":memory:") as store:
        ids = fill(store, tuple(by_outlet))
        update_stories(store, now=lambda: NOW)
        stories = {
            event: {store.story_of(ids[r.key]) for r in events.sample_reports(event)}
            for event in ("nutgraf-storm-ilse", "nutgraf-penhallow-breach", "nutgraf-cup-final")
        }
    assert all(len(found) == 1 for found in stories.values()), stories
