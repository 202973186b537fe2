"""The site's RSS 2.0 and Atom feeds: the latest articles and per source, summary included."""

from __future__ import annotations

import html
from typing import Any

import feedparser
from starlette.testclient import TestClient

from nutgraf.store import SQLiteStore
from tests.web.conftest import EVIL, Archive, make_client, story

NEWEST_FIRST = ("passes", "evil", "copy", "keepers", "ferry", "vote")


def parsed(client: TestClient, path: str, media: str) -> Any:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{media}; charset=utf-8"
    assert b"<script>" not in response.content  # escaped as XML at least
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def summary_of(store: SQLiteStore, article_id: int) -> str:
    stored = store.get(article_id)
    assert stored is not None
    return " ".join(s.text for s in stored.item.summary.sentences)


def test_the_rss_feed_lists_the_latest_with_their_summaries(
    client: TestClient, store: SQLiteStore, archive: Archive
) -> None:
    feed = parsed(client, "/feed.rss", "application/rss+xml")
    assert feed.version == "rss20"
    assert feed.feed.title == "nutgraf: latest"
    ids = [getattr(archive, name) for name in NEWEST_FIRST]
    assert [e.link for e in feed.entries] == [f"http://testserver/articles/{i}" for i in ids]
    for entry, article_id in zip(feed.entries, ids, strict=True):
        stored = store.get(article_id)
        assert stored is not None
        assert entry.title == stored.item.article.title
        assert entry.id == entry.link
        # The description is HTML to a reader: the summary's text shows as it is.
        assert entry.summary_detail.type == "text/html"
        assert html.unescape(entry.summary) == summary_of(store, article_id)
        assert entry.source.title == stored.item.article.source
    evil = feed.entries[1]
    assert evil.title == f"Harbour {EVIL} notice"
    assert "<script>" not in evil.summary  # no reader runs it
    assert evil.published_parsed[:3] == (2026, 1, 5)


def test_the_atom_feed_lists_the_latest_with_their_summaries(
    client: TestClient, store: SQLiteStore, archive: Archive
) -> None:
    feed = parsed(client, "/feed.atom", "application/atom+xml")
    assert feed.version == "atom10"
    ids = [getattr(archive, name) for name in NEWEST_FIRST]
    assert [e.link for e in feed.entries] == [f"http://testserver/articles/{i}" for i in ids]
    for entry, article_id in zip(feed.entries, ids, strict=True):
        assert entry.summary_detail.type == "text/plain"
        assert entry.summary == summary_of(store, article_id)
    evil = feed.entries[1]
    assert evil.title == f"Harbour {EVIL} notice"
    assert evil.author == f"Mal {EVIL}"
    assert evil.updated_parsed[:3] == (2026, 1, 5)
    assert feed.feed.updated_parsed[:3] == (2026, 1, 6)


def test_a_source_has_its_own_feeds(client: TestClient, archive: Archive) -> None:
    for path, media in (
        ("/sources/coast.test/feed.rss", "application/rss+xml"),
        ("/sources/coast.test/feed.atom", "application/atom+xml"),
    ):
        feed = parsed(client, path, media)
        assert feed.feed.title == f"nutgraf: Coast {EVIL}"
        assert feed.feed.link == "http://testserver/sources/coast.test"
        assert [e.link.rsplit("/", 1)[1] for e in feed.entries] == [
            str(archive.passes),
            str(archive.copy),
            str(archive.ferry),
        ]
    harbour = parsed(client, "/sources/harbour.test/feed.rss", "application/rss+xml")
    assert len(harbour.entries) == 3
    assert {e.source.title for e in harbour.entries} == {"Harbour Post"}


def test_an_unknown_source_has_no_feed(client: TestClient, archive: Archive) -> None:
    assert client.get("/sources/nowhere.test/feed.rss").status_code == 404
    assert client.get("/sources/nowhere.test/feed.atom").status_code == 404


def test_pages_advertise_the_feeds(client: TestClient, archive: Archive) -> None:
    page = client.get("/sources/coast.test").text
    for href in (
        "/feed.rss",
        "/feed.atom",
        "/sources/coast.test/feed.rss",
        "/sources/coast.test/feed.atom",
    ):
        assert f'href="{href}"' in page


def test_an_empty_archive_has_empty_feeds(store: SQLiteStore) -> None:
    with make_client(store) as client:
        assert parsed(client, "/feed.rss", "application/rss+xml").entries == []
        assert parsed(client, "/feed.atom", "application/atom+xml").entries == []


def test_a_forged_host_does_not_reach_other_readers_through_the_cache(
    client: TestClient, archive: Archive
) -> None:
    forged = client.get("/feed.rss", headers={"Host": "evil.test"})
    assert b"http://evil.test/articles/" in forged.content
    honest = client.get("/feed.rss")
    assert b"evil.test" not in honest.content
    assert b"http://testserver/articles/" in honest.content


def test_an_article_without_a_summary_offers_none(store: SQLiteStore) -> None:
    saved = store.save(
        story(
            "No summary here",
            [("p", "Short.")],
            [],
            url="https://coast.test/short",
            site="https://coast.test/",
            source="Coast",
            published="2026-01-01T00:00:00Z",
        )
    )
    with make_client(store) as client:
        assert "Get a summary" not in client.get("/").text
        assert "Get a summary" not in client.get(f"/articles/{saved.id}").text
        entry = parsed(client, "/feed.atom", "application/atom+xml").entries[0]
        assert entry.get("summary", "") == ""
