"""Real feeds as a reader meets them (issue 16): headlines kept as links, undated entries
placed below the news in their feed's order, untitled items named by their first words."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from nutgraf.batch.ingest import Ingestor
from nutgraf.batch.placing import BACKLOG_TIME
from nutgraf.config import Settings
from nutgraf.store import SQLiteStore
from nutgraf.web.app import create_app

FEEDS = Path(__file__).parents[1] / "data" / "feeds"
OFFLINE = Settings(fetch_pages=False)
NOW = "2026-12-07T06:00:00Z"
LATER = "2026-12-08T06:00:00Z"
DATED = """<rss version="2.0"><channel><title>Daily</title><link>https://daily.example/</link>
<item><title>Harbour reopens after the storm</title><link>https://daily.example/harbour</link>
<pubDate>Tue, 01 Dec 2026 08:00:00 +0000</pubDate><description>The harbour reopened on
Tuesday after a week of repairs, the port authority said.</description></item>
</channel></rss>"""


def ingest(store: SQLiteStore, *sources: str, now: str = NOW) -> Ingestor:
    with Ingestor(store, OFFLINE, now=lambda: now) as ingestor:
        ingestor.run(list(sources))
    return ingestor


def test_headline_only_entries_are_kept_as_links(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "a.db") as store:
        tally = ingest(store, str(FEEDS / "hackernews-3.xml")).tally
        stored = list(store.articles())
    assert (tally.new, tally.failed) == (3, 0)
    assert [s.item.kind for s in stored] == ["link"] * 3
    assert stored[1].item.article.title == "Dall-E 2"
    assert stored[1].item.url == "https://openai.com/dall-e-2/"
    assert stored[1].dated  # the feed dates them


def test_a_link_item_shows_as_such_with_the_way_to_the_original(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "a.db") as store:
        ingest(store, str(FEEDS / "hackernews-3.xml"))
        client = TestClient(create_app(store))
        home = client.get("/").text
        assert home.count('class="kind-link"') == 3
        assert 'href="https://openai.com/dall-e-2/"' in home
        link_id = next(s.id for s in store.articles() if s.item.article.title == "Dall-E 2")
        page = client.get(f"/articles/{link_id}").text
        assert 'class="link-item"' in page and "read it at" in page
        assert client.get(f"/articles/{link_id}.json").json()["article"]["kind"] == "link"


def test_an_undated_backlog_waits_below_the_news_in_feed_order(tmp_path: Path) -> None:
    dated = tmp_path / "daily.xml"
    dated.write_text(DATED)
    with SQLiteStore(tmp_path / "a.db") as store:
        ingest(store, str(FEEDS / "heise-undated.rdf"), str(dated))
        listed = store.headlines()
        titles = [h.title for h in listed]
        assert titles[0] == "Harbour reopens after the storm"  # not buried by 2018 teasers
        heise = [h for h in listed if not h.dated]
        assert [h.title for h in heise] == [
            "OLED-TVs: Vorsichtsmaßnahmen gegen Einbrennen",
            "Mega-Deal: IBM übernimmt Red Hat",
            "Fortnite-Macher: Epic Games soll 15 Milliarden Dollar wert sein",
            "Erster nichtstaatlicher Raketenstart in China fehlgeschlagen",
        ]  # the feed's own order
        assert all(h.first_seen == NOW and h.sort_time <= BACKLOG_TIME for h in heise)
        page = TestClient(create_app(store)).get("/").text
        assert page.count("first seen") == 4


def test_undated_entries_after_the_first_import_are_news_in_feed_order(tmp_path: Path) -> None:
    dated = tmp_path / "daily.xml"
    dated.write_text(DATED)
    fresh = tmp_path / "fresh.rdf"
    fresh.write_text(
        (FEEDS / "heise-undated.rdf")
        .read_text()
        .replace("<title>OLED", "<title>Neu: OLED")
        .replace("Einbrennen-4205274", "Einbrennen-9999999")
    )
    with SQLiteStore(tmp_path / "a.db") as store:
        ingest(store, str(dated))
        with Ingestor(store, OFFLINE, now=lambda: LATER) as ingestor:
            ingestor.feed_bytes(fresh.read_bytes(), str(fresh), url=None, backlog=False)
        listed = store.headlines()
    assert listed[0].title == "Neu: OLED-TVs: Vorsichtsmaßnahmen gegen Einbrennen"
    assert (listed[0].sort_time, listed[0].dated) == (LATER, False)
    assert [h.sort_time for h in listed[:4]] == sorted(
        (h.sort_time for h in listed[:4]), reverse=True
    )
    assert listed[4].title == "Harbour reopens after the storm"


def test_an_untitled_article_is_named_by_its_first_words(tmp_path: Path) -> None:
    dump = tmp_path / "notes.txt"
    dump.write_text(
        "The council approved the new budget on Monday evening after a long debate about "
        "the harbour.\n\nMembers said the repairs would start in spring."
    )
    with SQLiteStore(tmp_path / "a.db") as store:
        ingest(store, str(dump))
        (stored,) = store.articles()
    assert stored.item.article.title == (
        "The council approved the new budget on Monday evening after a long…"
    )


def test_an_entry_keeps_its_feeds_thumbnail(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "a.db") as store:
        ingest(store, str(FEEDS / "techcrunch-1entry.xml"))
        (stored,) = store.articles()
        (listed,) = store.headlines()
    expected = "http://tctechcrunch2011.files.wordpress.com/2011/11/angies-list.jpeg?w=150"
    assert stored.item.image == listed.image == expected  # its media:thumbnail


def test_a_page_keeps_the_lead_image_it_names(tmp_path: Path) -> None:
    html = (FEEDS.parent / "html" / "harbor-gazette-ferry.html").read_text(encoding="utf-8")
    page = tmp_path / "ferry.html"
    page.write_text(
        html.replace(
            "<head>",
            '<head><meta property="og:image" content="https://cdn.example/ferry.jpg">',
            1,
        ),
        encoding="utf-8",
    )
    assert "og:image" in page.read_text(encoding="utf-8")
    with SQLiteStore(tmp_path / "a.db") as store:
        ingest(store, str(page))
        (listed,) = store.headlines()
    assert listed.image == "https://cdn.example/ferry.jpg"


PAGE = """<html><head><title>Ferry returns</title></head><body>
<header><img src="https://news.example/logo.png" width="200" height="60" alt="News"></header>
<article><h1>Ferry returns to the island</h1>
<p>The ferry returned to the island on Monday after a month of repairs, the operator said,
and the first crossing was full of residents who had waited for weeks.</p>
<figure><img src="https://news.example/ferry.jpg" width="800" height="500" alt="The ferry">
<figcaption>The ferry at the quay on Monday morning.</figcaption></figure>
<p>Repairs to the hull took longer than planned because parts had to be made abroad, the
operator added, and the timetable will stay reduced until the end of the month.</p>
<p>Residents said the crossing had been missed by shops, schools and the island's doctor,
who had relied on a smaller boat that could not carry cars or heavy goods.</p>
</article>
<aside><h2>Related</h2><img src="https://news.example/other.jpg" width="300" height="200"
alt="Another story"><p>Another story about the harbour.</p></aside>
</body></html>"""


def test_a_page_shows_the_pictures_among_its_text_and_not_its_logo(tmp_path: Path) -> None:
    page = tmp_path / "ferry.html"
    page.write_text(PAGE, encoding="utf-8")
    with SQLiteStore(tmp_path / "a.db") as store:
        ingest(store, str(page))
        (stored,) = store.articles()
        shown = TestClient(create_app(store)).get(f"/articles/{stored.id}").text
    html = shown[shown.index('class="body"') :]
    kept = stored.item.html or ""
    assert "ferry.jpg" in kept and "logo.png" not in kept and "other.jpg" not in kept
    assert html.index("ferry.jpg") < html.index("Repairs to the hull")
    assert html.index("returned to the island") < html.index("ferry.jpg")
    assert "logo.png" not in shown and "other.jpg" not in shown
