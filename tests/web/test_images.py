"""Images on the site (issue 16, point 7): an article's own pictures where they stood in its
HTML, thumbnails in lists, the Content-Security-Policy, and ``remote_images`` off."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from nutgraf.batch.ingest import Ingestor
from nutgraf.batch.pipeline import Origin, archive_item, save
from nutgraf.config import Settings
from nutgraf.extract.fragment import blocks_from_fragment
from nutgraf.extract.sanitize import sanitize_html
from nutgraf.records import ArchiveItem
from nutgraf.store import SQLiteStore
from nutgraf.stories.archive import update_stories
from nutgraf.web.app import SiteConfig
from tests.stories import events
from tests.web.conftest import HARBOUR, assert_accessible, make_client, page_html, story

TECHCRUNCH = Path(__file__).parent.parent / "data" / "feeds" / "techcrunch-1entry.xml"
TC_PICTURE = "tctechcrunch2011.files.wordpress.com/2011/11/angies-list.jpeg?w=100&h=62&crop=1"
PIER_HTML = (
    '<figure><img src="/img/pier.jpg" width="1200" height="675" alt="The pier at dawn">'
    "<figcaption>The pier at dawn, before the repairs. Repairs start in May.</figcaption>"
    "</figure>"
    "<p>The harbour commission voted to repair the ferry pier. The vote was close.</p>"
    '<p>Keepers said the <img src="http://img.test/lamp.png" alt="The old lamp"> lamp had '
    "been failing for years.</p>"
    "<h2>What comes next</h2>"
    '<img src="https://img.test/map.png" alt="Map of the works">'
    "<p>The ferry timetable will change while the pier is repaired.</p>"
    '<p><img src="https://feeds.feedburner.com/~ff/Harbour?d=1" border="0">'
    '<img src="https://img.test/pixel.gif" width="1" height="1"></p>'
)
PIER_CITED = [
    "Repairs start in May.",
    "The vote was close.",
    "The ferry timetable will change while the pier is repaired.",
]
IMG_ATTRIBUTES = {"loading": "lazy", "decoding": "async", "referrerpolicy": "no-referrer"}


@dataclass(frozen=True)
class Images:
    pier: int  # pictures in its HTML, at known places
    plain: int  # no picture at all
    thumbed: int  # an ``image`` (from its feed), and a different picture in its HTML
    techcrunch: int  # the real TechCrunch entry, ingested from its feed
    story: int  # a story whose first article has a picture


def pier_item() -> ArchiveItem:
    url = HARBOUR + "pier"
    blocks = [
        ("h" if b.kind == "subheading" else "p", b.text) for b in blocks_from_fragment(PIER_HTML)
    ]
    item = story(
        "Pier repairs approved",
        blocks,
        PIER_CITED,
        url=url,
        site=HARBOUR,
        source="Harbour Post",
        published="2026-02-01T09:00:00Z",
    )
    return dataclasses.replace(item, html=sanitize_html(PIER_HTML, url))


def fill(store: SQLiteStore) -> Images:
    pier = store.save(pier_item()).id
    plain_item = story(
        "Lamp lit again",
        [("p", "The lighthouse lamp was lit again on Friday night, after the repairs.")],
        ["The lighthouse lamp was lit again on Friday night, after the repairs."],
        url=HARBOUR + "lamp",
        site=HARBOUR,
        source="Harbour Post",
        published="2026-02-02T09:00:00Z",
    )
    plain = store.save(plain_item).id
    thumbed_item = dataclasses.replace(
        story(
            "Ferry returns",
            [("p", "The ferry returned to the repaired pier on Saturday morning.")],
            ["The ferry returned to the repaired pier on Saturday morning."],
            url=HARBOUR + "ferry",
            site=HARBOUR,
            source="Harbour Post",
            published="2026-02-03T09:00:00Z",
        ),
        html='<p>The ferry.</p><img src="https://img.test/in-body.jpg">',
        image="http://img.test/feed-thumbnail.jpg",
    )
    thumbed = store.save(thumbed_item).id
    with Ingestor(store, Settings(fetch_pages=False)) as ingestor:
        tally = ingestor.run([str(TECHCRUNCH)])
    assert tally.failed == 0, tally.failures
    (techcrunch,) = [h.id for h in store.headlines(limit=100) if "Angie" in (h.title or "")]
    north_item = archive_item(
        events.article(events.BRIDGE_NORTH),
        origin=Origin(
            url=events.BRIDGE_NORTH.site + "bridge",
            site=events.BRIDGE_NORTH.site,
            source=events.BRIDGE_NORTH.outlet,
        ),
        fetched=events.BRIDGE_NORTH.published[:19] + "Z",
        html='<img src="https://img.test/bridge.jpg" width="800" height="450">'
        + "".join(f"<p>{p}</p>" for p in events.BRIDGE_NORTH.paragraphs),
    )
    north = save(store, north_item).id
    events.ingest(store, events.BRIDGE_VALLEY)
    update_stories(store)
    found = store.story_of(north)
    assert found is not None
    return Images(pier, plain, thumbed, techcrunch, found)


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[tuple[SQLiteStore, Images]]:
    with SQLiteStore(tmp_path / "images.db") as store:
        yield store, fill(store)


@pytest.fixture
def client(archive: tuple[SQLiteStore, Images]) -> Iterator[TestClient]:
    with make_client(archive[0]) as opened:
        yield opened


@pytest.fixture
def dark(archive: tuple[SQLiteStore, Images]) -> Iterator[TestClient]:
    with make_client(archive[0], SiteConfig(remote_images=False)) as opened:
        yield opened


def body_tags(text: str) -> list[str]:
    return [e.tag for e in page_html(text).xpath("//div[@class='body']/*")]


def test_an_article_shows_its_pictures_where_they_stood(
    client: TestClient, archive: tuple[SQLiteStore, Images]
) -> None:
    response = client.get(f"/articles/{archive[1].pier}")
    assert response.status_code == 200
    assert_accessible(response.text)
    assert body_tags(response.text) == ["figure", "p", "p", "figure", "h2", "figure", "p"]
    doc = page_html(response.text)
    images = doc.xpath("//div[@class='body']//img")
    assert [(i.get("src"), i.get("alt")) for i in images] == [
        (HARBOUR + "img/pier.jpg", "The pier at dawn"),
        ("https://img.test/lamp.png", "The old lamp"),  # http, asked for over https
        ("https://img.test/map.png", "Map of the works"),
    ]
    for image in images:
        assert {name: image.get(name) for name in IMG_ATTRIBUTES} == IMG_ATTRIBUTES
    assert (images[0].get("width"), images[0].get("height")) == ("1200", "675")
    assert images[2].get("width") is None  # unknown size: the CSS keeps a 16:9 box
    assert images[2].getparent().get("class") == "unsized"
    caption = doc.xpath("//div[@class='body']/figure[1]/figcaption")[0]
    assert caption.text_content() == "The pier at dawn, before the repairs. Repairs start in May."


def test_summary_sentences_keep_their_anchors_among_the_pictures(
    client: TestClient, archive: tuple[SQLiteStore, Images]
) -> None:
    doc = page_html(client.get(f"/articles/{archive[1].pier}").text)
    for number, sentence in enumerate(PIER_CITED, start=1):
        (mark,) = doc.xpath(f"//mark[@id='s{number}']")
        assert mark.text_content() == sentence
        assert doc.xpath(f"//details[@class='summary']//a[@href='#s{number}']")
    assert doc.xpath("//figcaption/mark[@id='s1']")  # the caption is the cited block


def test_the_techcrunch_entry_shows_its_picture_and_no_buttons_ads_or_pixels(
    client: TestClient, archive: tuple[SQLiteStore, Images]
) -> None:
    store, ids = archive
    response = client.get(f"/articles/{ids.techcrunch}")
    doc = page_html(response.text)
    (image,) = doc.xpath("//img")
    assert image.get("src") == "https://" + TC_PICTURE
    assert (image.get("width"), image.get("height")) == ("100", "62")
    assert doc.xpath("//div[@class='body']/*[1]")[0].tag == "figure"  # before the text
    assert "feedburner" not in response.text and "doubleclick" not in response.text
    stored = store.get(ids.techcrunch)
    assert stored is not None
    thumbnail = stored.item.image or "http://" + TC_PICTURE
    data = client.get(f"/articles/{ids.techcrunch}.json").json()
    assert data["article"]["image"] == thumbnail


def test_lists_show_thumbnails_and_their_twins_say_where_they_are(
    client: TestClient, archive: tuple[SQLiteStore, Images]
) -> None:
    ids = archive[1]
    home = page_html(client.get("/").text)

    def thumbs(doc: Any) -> dict[str, str]:
        found = {}
        for image in doc.xpath("//img[contains(@class, 'thumb')]"):
            link = image.getparent().xpath(".//a[starts-with(@href, '/articles/')]")[0]
            found[link.get("href").split("?")[0]] = image.get("src")
            assert {name: image.get(name) for name in IMG_ATTRIBUTES} == IMG_ATTRIBUTES
            assert (image.get("width"), image.get("height"), image.get("alt")) == ("120", "80", "")
        return found

    expected = {
        f"/articles/{ids.pier}": HARBOUR + "img/pier.jpg",
        f"/articles/{ids.thumbed}": "https://img.test/feed-thumbnail.jpg",  # its image first
    }
    on_home = thumbs(home)
    assert {k: v for k, v in on_home.items() if k in expected} == expected
    assert f"/articles/{ids.plain}" not in on_home
    assert on_home[f"/articles/{ids.techcrunch}"].startswith("https://")
    listed = {a["id"]: a["image"] for a in client.get("/index.json").json()["articles"]}
    assert listed[ids.pier] == HARBOUR + "img/pier.jpg"
    assert listed[ids.thumbed] == "http://img.test/feed-thumbnail.jpg"  # as its feed gave it
    assert listed[ids.plain] is None
    source = thumbs(page_html(client.get("/sources/harbour.test").text))
    assert source == expected
    source_json = client.get("/sources/harbour.test.json").json()["articles"]
    assert {a["id"]: a["image"] for a in source_json}[ids.pier] == HARBOUR + "img/pier.jpg"
    search = thumbs(page_html(client.get("/search?q=pier").text))
    assert search == expected
    results = client.get("/search.json?q=pier").json()["results"]
    assert {r["id"]: r["image"] for r in results}[ids.pier] == HARBOUR + "img/pier.jpg"
    story_page = thumbs(page_html(client.get(f"/stories/{ids.story}").text))
    assert list(story_page.values()) == ["https://img.test/bridge.jpg"]
    told = client.get(f"/stories/{ids.story}.json").json()["articles"]
    assert [a["image"] for a in told].count("https://img.test/bridge.jpg") == 1


def test_the_csp_allows_https_images_on_pages_and_none_remote_elsewhere(
    client: TestClient, archive: tuple[SQLiteStore, Images]
) -> None:
    for path in ("/", f"/articles/{archive[1].pier}", "/sources", "/admin", "/nowhere"):
        csp = client.get(path).headers["content-security-policy"]
        assert "img-src 'self' https:;" in csp, path
    static = client.get("/static/site.css").headers["content-security-policy"]
    assert "img-src 'self';" in static


def test_remote_images_off_shows_none_and_the_csp_says_so(
    dark: TestClient, archive: tuple[SQLiteStore, Images]
) -> None:
    ids = archive[1]
    pages = (
        "/",
        f"/articles/{ids.pier}",
        f"/articles/{ids.techcrunch}",
        f"/articles/{ids.thumbed}",
        "/sources/harbour.test",
        "/search?q=pier",
        f"/stories/{ids.story}",
        "/admin",
    )
    for path in pages:
        response = dark.get(path)
        assert response.status_code == 200, path
        assert "<img" not in response.text, path
        csp = response.headers["content-security-policy"]
        assert "img-src 'self';" in csp and "https:" not in csp, path
    article = page_html(dark.get(f"/articles/{ids.pier}").text)
    # The cited caption is still there, as a paragraph, its sentence still marked.
    assert body_tags(dark.get(f"/articles/{ids.pier}").text) == ["p", "p", "p", "h2", "p"]
    assert article.xpath("//div[@class='body']/p/mark[@id='s1']")
    # The JSON twins still say where the pictures are: they load nothing.
    listed = {a["id"]: a["image"] for a in dark.get("/index.json").json()["articles"]}
    assert listed[ids.pier] == HARBOUR + "img/pier.jpg"
