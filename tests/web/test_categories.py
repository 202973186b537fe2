"""Categories in the site: the index, a category's page and their JSON twins, links from the
navigation and the article page, hostile names, and the favicon."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from nutgraf.errors import InputError
from nutgraf.store import SQLiteStore
from nutgraf.store.base import FeedState
from nutgraf.web import views
from nutgraf.web.app import SiteConfig
from nutgraf.web.categories import category_href, clean_category, group_categories
from nutgraf.web.openapi import SCHEMAS
from tests.web.conftest import COAST, HARBOUR, Archive, assert_accessible, make_client, page_html

NOW = "2026-11-24T10:00:00Z"
ODD = "Odd & ?#%/Ünïcode <b>"  # needs encoding in a link, escaping in a page


@pytest.fixture
def categorized(store: SQLiteStore, archive: Archive) -> Iterator[TestClient]:
    """The crafted archive with its two feeds in nested categories; no page cache."""
    store.add_feed(HARBOUR + "feed.xml", title="Harbour Post", category="News/Harbour", now=NOW)
    store.add_feed(COAST + "feed.xml", title="Coast", category=ODD, now=NOW)
    store.add_feed("https://empty.test/feed.xml", category="News/Empty", now=NOW)
    with make_client(store, SiteConfig(cache_seconds=0)) as client:
        yield client


def test_the_index_lists_every_category_with_its_feeds_and_counts(
    categorized: TestClient,
) -> None:
    body = categorized.get("/categories.json").json()
    assert [(c["name"], c["articles"]) for c in body["categories"]] == [
        ("News", 3),
        ("News/Empty", 0),
        ("News/Harbour", 3),
        ("Odd & ?#%", 3),
        ("Odd & ?#%/Ünïcode <b>", 3),
    ]
    harbour = body["categories"][2]
    assert set(harbour) == set(SCHEMAS["Category"]["properties"])
    assert harbour["url"] == "/categories/News/Harbour"
    assert [(f["title"], f["articles"]) for f in harbour["feeds"]] == [("Harbour Post", 3)]
    assert body["categories"][0]["feeds"] == []  # a parent named only by its children

    response = categorized.get("/categories")
    assert response.status_code == 200
    assert_accessible(response.text)
    doc = page_html(response.text)
    links = doc.xpath("//ul[@class='categories']/li/a")
    assert [a.text_content() for a in links][-1] == ODD  # escaped text, not markup
    assert links[-1].get("href") == "/categories/Odd%20%26%20%3F%23%25/%C3%9Cn%C3%AFcode%20%3Cb%3E"
    assert not doc.xpath("//main//b")


def test_a_category_page_lists_its_articles_and_its_nested_ones_newest_first(
    categorized: TestClient, archive: Archive
) -> None:
    newest_first = [archive.evil, archive.keepers, archive.vote]
    body = categorized.get("/categories/News.json").json()
    assert [a["id"] for a in body["articles"]] == newest_first
    assert body["category"]["name"] == "News" and body["next_page"] is None
    assert set(body["category"]) == set(SCHEMAS["CategoryRef"]["properties"])
    assert [
        a["id"] for a in categorized.get("/categories/News/Harbour.json").json()["articles"]
    ] == (newest_first)
    odd = categorized.get(category_href(ODD) + ".json").json()
    assert [a["id"] for a in odd["articles"]] == [archive.passes, archive.copy, archive.ferry]

    response = categorized.get(category_href(ODD))
    assert response.status_code == 200
    assert_accessible(response.text)
    doc = page_html(response.text)
    assert doc.xpath("//h1")[0].text_content() == ODD
    assert doc.xpath("//ol[@class='stream']/li/h2/a/@href") == [
        f"/articles/{i}" for i in (archive.passes, archive.copy, archive.ferry)
    ]
    empty = categorized.get("/categories/News/Empty")
    assert empty.status_code == 200 and "No articles in this category yet" in empty.text


def test_a_category_pages_like_a_source(
    categorized: TestClient, archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    first = categorized.get("/categories/News.json").json()
    second = categorized.get("/categories/News.json?page=2").json()
    assert [a["id"] for a in first["articles"]] == [archive.evil, archive.keepers]
    assert first["next_page"] == 2
    assert [a["id"] for a in second["articles"]] == [archive.vote]
    assert second["next_page"] is None
    pager = page_html(categorized.get("/categories/News").text).xpath("//a[@rel='next']/@href")
    assert pager == ["/categories/News?page=2"]


@pytest.mark.parametrize(
    "path",
    [
        "/categories/Nope",
        "/categories/News/Nope",
        "/categories/New",  # only the start of a category
        "/categories/",
        "/categories/..%2F..%2Fetc%2Fpasswd",
        "/categories/News%00",
        "/categories/" + "x" * 5000,
        "/categories/%C3%28",  # not UTF-8
    ],
)
def test_an_unknown_or_hostile_category_is_a_404(categorized: TestClient, path: str) -> None:
    page = categorized.get(path)
    assert page.status_code == 404
    assert "there is no" in page.text.lower()
    twin = categorized.get(path + ".json")
    assert twin.status_code == 404
    assert set(twin.json()["error"]) == {"status", "message"}


@pytest.mark.parametrize("page", ["0", "501", "two", "9" * 40])
def test_a_bad_page_number_is_a_400(categorized: TestClient, page: str) -> None:
    response = categorized.get(f"/categories/News.json?page={page}")
    assert response.status_code == 400
    assert response.json()["error"]["status"] == 400


def test_the_navigation_and_the_article_page_link_the_categories(
    categorized: TestClient, archive: Archive
) -> None:
    home = page_html(categorized.get("/").text)
    assert "/categories" in home.xpath("//nav[@aria-label='Site']/a/@href")
    article = page_html(categorized.get(f"/articles/{archive.ferry}").text)
    link = article.xpath("//p[@class='source']/a[starts-with(@href, '/categories/')]")
    assert [(a.get("href"), a.text_content()) for a in link] == [(category_href(ODD), ODD)]
    assert categorized.get(f"/articles/{archive.vote}.json").json()["category"] == "News/Harbour"


def test_an_article_of_no_subscribed_feed_has_no_category(
    client: TestClient, archive: Archive
) -> None:
    assert client.get(f"/articles/{archive.vote}.json").json()["category"] is None
    page = page_html(client.get(f"/articles/{archive.vote}").text)
    assert not page.xpath("//a[starts-with(@href, '/categories/')]")
    assert client.get("/categories.json").json() == {"categories": []}
    assert "No categories yet" in client.get("/categories").text


def test_the_favicon_is_served_and_linked(client: TestClient) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/svg+xml"
    assert icon.content.startswith(b"<svg")
    assert client.get("/static/favicon.svg").content == icon.content
    links = page_html(client.get("/").text).xpath("//link[@rel='icon']/@href")
    assert links == ["/static/favicon.svg"]


def test_categories_are_cleaned_and_grouped_with_their_parents() -> None:
    assert clean_category(" News / / Europe \x1b[1m/ ") == "News/Europe"
    assert clean_category("  / ") is None
    assert clean_category(None) is None
    with pytest.raises(InputError):
        clean_category("x" * 201)
    feeds = [
        FeedState(1, "https://a.test/", category="A/B/C"),
        FeedState(2, "https://b.test/", category="A"),
        FeedState(3, "https://c.test/"),
    ]
    grouped = group_categories(feeds, {"https://a.test/": 4, "https://b.test/": 1})
    assert [(c.name, c.articles, [f.id for f in c.feeds]) for c in grouped] == [
        ("A", 5, [2]),
        ("A/B", 4, []),
        ("A/B/C", 4, [1]),
    ]


def test_a_name_holding_a_question_mark_keeps_its_page_and_twin_apart_in_the_cache(
    store: SQLiteStore, archive: Archive
) -> None:
    store.add_feed(COAST + "feed.xml", category="Q&A?", now=NOW)
    with make_client(store) as cached:  # the page cache on, as served
        page = cached.get(category_href("Q&A?"))
        twin = cached.get(category_href("Q&A?") + ".json")
    assert page.headers["content-type"].startswith("text/html")
    assert twin.headers["content-type"] == "application/json"
    assert twin.json()["category"]["name"] == "Q&A?"
