"""Story pages: the list, one story (headline, cited summary, timeline, first reporter), their
JSON twins and feeds, the article page's link to its story, and "Read also" order."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from nutgraf.batch.pipeline import Origin, archive_item, save
from nutgraf.store import SQLiteStore
from nutgraf.stories.archive import update_stories
from tests.stories import events
from tests.web.conftest import EVIL, assert_accessible, make_client, page_html

EVIL_SITE = "https://evil.test/"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[TestClient, SQLiteStore, dict[str, int]]]:
    with SQLiteStore(tmp_path / "stories.db") as store:
        ids = {r.key: events.ingest(store, r) for r in events.ALL}
        ids["north-copy"] = events.ingest(store, events.BRIDGE_NORTH, copy_to="Lake Times")
        # The night tram story told a third time, by an outlet with a hostile name and title.
        hostile = replace(events.TRAM_NORTH, title=f"Night trams {EVIL}", key="tram-evil")
        item = archive_item(
            events.article(hostile, site=EVIL_SITE, outlet=f"Evil {EVIL}"),
            origin=Origin(url=EVIL_SITE + "tram", site=EVIL_SITE, source=f"Evil {EVIL}"),
            fetched="2031-03-03T21:00:00Z",
        )
        ids["tram-evil"] = save(store, item).id
        update_stories(store)
        with make_client(store) as client:
            yield client, store, ids


def story_of(store: SQLiteStore, article: int) -> int:
    found = store.story_of(article)
    assert found is not None
    return found


def test_the_stories_page_lists_multi_source_stories_newest_first(
    site: tuple[TestClient, SQLiteStore, dict[str, int]],
) -> None:
    client, store, ids = site
    response = client.get("/stories")
    assert response.status_code == 200
    assert_accessible(response.text)
    doc = page_html(response.text)
    links = [a.get("href") for a in doc.xpath("//ol[@class='stream']//h2/a")]
    tram, bridge = story_of(store, ids["tram-tide"]), story_of(store, ids["bridge-north"])
    assert links == [f"/stories/{tram}", f"/stories/{bridge}"]  # honey has one outlet
    assert doc.xpath("//nav[@aria-label='Site']//a[@href='/stories']")
    data = client.get("/stories.json").json()
    assert [s["id"] for s in data["stories"]] == [tram, bridge]
    assert data["stories"][1]["articles"] == 4 and data["stories"][1]["sources"] == 4
    assert (data["page"], data["next_page"]) == (1, None)
    assert client.get("/stories?page=0").status_code == 400


def test_a_story_page_shows_headline_cited_summary_timeline_and_first_reporter(
    site: tuple[TestClient, SQLiteStore, dict[str, int]],
) -> None:
    client, store, ids = site
    bridge = story_of(store, ids["bridge-north"])
    response = client.get(f"/stories/{bridge}")
    assert response.status_code == 200
    assert_accessible(response.text)
    doc = page_html(response.text)
    assert doc.xpath("string(//h1)") == events.BRIDGE_VALLEY.title
    assert "First reported by North Post, Lake Times" in doc.xpath("string(//p[@class='first'])")
    timeline = doc.xpath("//section[@class='timeline']//li")
    assert [li.xpath("string(.//span[@class='outlet'])") for li in timeline] == [
        "North Post",
        "Lake Times",
        "Valley Herald",
        "Coast Wire",
    ]
    members = {ids[k] for k in ("bridge-north", "bridge-valley", "bridge-coast")}
    cited = doc.xpath("//section[@class='story-summary']//li")
    assert len(cited) == 3
    for item in cited:
        link = item.xpath(".//a")[0]
        article = int(link.get("href").rsplit("/", 1)[1])
        assert article in members
        stored = store.get(article)
        assert stored is not None and link.text_content() == stored.item.article.source
        assert item.text_content().split(" [")[0] in stored.item.article.text
    data = client.get(f"/stories/{bridge}.json").json()
    assert data["headline"] == events.BRIDGE_VALLEY.title
    assert data["first_reported_by"] == ["North Post", "Lake Times"]
    assert [a["id"] for a in data["articles"]] == [
        ids["bridge-north"],
        ids["north-copy"],
        ids["bridge-valley"],
        ids["bridge-coast"],
    ]
    assert {s["article"] for s in data["summary"]} <= members
    assert client.get("/stories/9999").status_code == 404
    assert client.get("/stories/9999.json").json()["error"]["status"] == 404


def test_everything_from_the_archive_is_escaped(
    site: tuple[TestClient, SQLiteStore, dict[str, int]],
) -> None:
    client, store, ids = site
    tram = story_of(store, ids["tram-evil"])
    assert tram == story_of(store, ids["tram-tide"])
    for path in ("/stories", f"/stories/{tram}", f"/articles/{ids['tram-evil']}"):
        text = client.get(path).text
        assert "<script>alert(1)" not in text, path
    assert f"Evil {EVIL}" in [
        li.text_content()
        for li in page_html(client.get(f"/stories/{tram}").text).xpath("//span[@class='outlet']")
    ]


def test_story_feeds_list_the_storys_articles_newest_first(
    site: tuple[TestClient, SQLiteStore, dict[str, int]],
) -> None:
    client, store, ids = site
    tram = story_of(store, ids["tram-tide"])
    rss = client.get(f"/stories/{tram}/feed.rss")
    assert rss.headers["content-type"].startswith("application/rss+xml")
    channel = ET.fromstring(rss.content).find("channel")
    assert channel is not None
    assert channel.findtext("link") == f"http://testserver/stories/{tram}"
    links = [item.findtext("link") for item in channel.findall("item")]
    assert links == [
        f"http://testserver/articles/{ids['tram-evil']}",
        f"http://testserver/articles/{ids['tram-north']}",
        f"http://testserver/articles/{ids['tram-tide']}",
    ]
    titles = [item.findtext("title") for item in channel.findall("item")]
    assert f"Night trams {EVIL}" in titles  # escaped as XML text, read back as it was
    atom = client.get(f"/stories/{tram}/feed.atom")
    assert atom.headers["content-type"].startswith("application/atom+xml")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = ET.fromstring(atom.content)
    assert len(root.findall("a:entry", ns)) == 3
    assert client.get("/stories/9999/feed.rss").status_code == 404


def test_the_article_page_links_its_story_and_read_also_puts_the_other_sources_first(
    site: tuple[TestClient, SQLiteStore, dict[str, int]],
) -> None:
    client, store, ids = site
    bridge = story_of(store, ids["bridge-north"])
    doc = page_html(client.get(f"/articles/{ids['bridge-north']}").text)
    link = doc.xpath("//p[@class='part-of']/a")[0]
    assert link.get("href") == f"/stories/{bridge}"
    assert link.text_content() == events.BRIDGE_VALLEY.title
    data = client.get(f"/articles/{ids['bridge-north']}.json").json()
    assert data["story"] == {"id": bridge, "headline": events.BRIDGE_VALLEY.title}
    read_also = [h["id"] for h in data["read_also"]]
    # The other outlets' reports, earliest first; never the article or its copy.
    assert read_also[:2] == [ids["bridge-valley"], ids["bridge-coast"]]
    assert ids["bridge-north"] not in read_also and ids["north-copy"] not in read_also
    assert 2 <= len(read_also) <= 5 and len(set(read_also)) == len(read_also)
    # From the copy's page: the original is its copy, so it is left out too.
    copy = client.get(f"/articles/{ids['north-copy']}.json").json()
    assert [h["id"] for h in copy["read_also"]][:2] == [ids["bridge-valley"], ids["bridge-coast"]]
    assert ids["bridge-north"] not in [h["id"] for h in copy["read_also"]]
    # A story of one outlet is no "story" on the article page.
    honey = client.get(f"/articles/{ids['honey']}.json").json()
    assert honey["story"] is None
    assert not page_html(client.get(f"/articles/{ids['honey']}").text).xpath(
        "//p[@class='part-of']"
    )
