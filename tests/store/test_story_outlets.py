"""One outlet is one source and one article reached twice is one article (issue 16), on both
backends: a blog read through its RSS (``http://www.``) and its Atom feed (``https://``, a
``feeds.`` host), the full post in one and its teaser in the other."""

from __future__ import annotations

from nutgraf.batch.pipeline import Origin, archive_item, save
from nutgraf.records import Article, Block
from nutgraf.store import Store
from nutgraf.stories.archive import update_stories
from nutgraf.stories.read import read_story
from tests.stories import events

AT = "2031-03-05T00:00:00Z"
POST = events.BRIDGE_NORTH


def store_post(store: Store, url: str, site: str, feed: str, paragraphs: tuple[str, ...]) -> int:
    article = Article(
        title=POST.title,
        blocks=tuple(Block("paragraph", p) for p in paragraphs),
        source="North Post",
        published=POST.published,
        language="en",
        url=url,
    )
    origin = Origin(url=url, feed=feed, guid=url, site=site, source="North Post")
    return save(store, archive_item(article, origin=origin, fetched=AT)).id


def test_one_blog_through_two_feeds_is_one_article_from_one_source(store: Store) -> None:
    rss = store_post(
        store,
        "http://www.northpost.test/bridge",
        "http://www.northpost.test/",
        "http://www.northpost.test/feed",
        POST.paragraphs,
    )
    atom = store_post(
        store,
        "https://northpost.test/bridge",
        "https://feeds.northpost.test/atom",
        "https://feeds.northpost.test/atom",
        POST.paragraphs[:1],
    )
    stored = store.get(atom)
    assert stored is not None and stored.duplicate is None  # two rows: not a copy by text
    update_stories(store, now=lambda: AT)
    story = store.story_of(rss)
    assert story is not None and store.story_of(atom) == story
    digest = store.story_digest(story)
    assert digest is not None
    assert (digest.articles, digest.sources) == (1, 1)
    assert store.latest_stories() == []  # not a story told by two outlets
    told = read_story(store, story)
    assert told is not None and told.sources == ("North Post",)
    # Another outlet's report of the same event makes it one: 2 articles from 2 sources.
    valley = events.ingest(store, events.BRIDGE_VALLEY)
    update_stories(store, now=lambda: AT)
    assert store.story_of(valley) == story
    digest = store.story_digest(story)
    assert digest is not None and (digest.articles, digest.sources) == (2, 2)
    assert [d.id for d in store.latest_stories()] == [story]
