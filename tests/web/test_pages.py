"""The reading site's pages and their JSON twins, over a small crafted archive."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from nutgraf.store import SQLiteStore
from nutgraf.web import views
from tests.web.conftest import (
    COAST,
    EVIL,
    HARBOUR,
    VOTE_CITED,
    Archive,
    assert_accessible,
    make_client,
    page_html,
)

ESCAPED_EVIL = "&lt;script&gt;alert(1)&lt;/script&gt; &#34;&#39;&amp;"


def texts(client: TestClient, path: str, xpath: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return [e.text_content().strip() for e in page_html(response.text).xpath(xpath)]


def ids_linked(client: TestClient, path: str, xpath: str) -> list[int]:
    """The article ids the links found by ``xpath`` point to, in page order."""
    response = client.get(path)
    assert response.status_code == 200, response.text
    hrefs = page_html(response.text).xpath(xpath + "/@href")
    return [int(re.match(r"/articles/(\d+)", h).group(1)) for h in hrefs]  # type: ignore[union-attr]


# --- the article page -----------------------------------------------------------------------


def test_article_page_shows_headline_source_byline_date_and_reading_time(
    client: TestClient, archive: Archive
) -> None:
    response = client.get(f"/articles/{archive.vote}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    doc = page_html(response.text)
    assert doc.xpath("string(//h1)") == "Lighthouse budget vote"
    source = doc.xpath("//p[@class='source']")[0]
    assert source.text_content().startswith("Source: Harbour Post")
    original = source.xpath("a")[0]
    assert (original.get("href"), original.text) == (HARBOUR + "vote", "Harbour Post")
    assert source.xpath("a[2]/@href") == ["/sources/harbour.test"]
    meta = doc.xpath("string(//p[@class='meta'])")
    assert "By Jo Writer" in meta and "2026-01-01" in meta and "2 min read" in meta
    assert doc.xpath("//p[@class='meta']/time/@datetime") == ["2026-01-01T09:00:00Z"]
    assert doc.xpath("//article/@lang") == ["en"]


def test_the_body_keeps_its_subheadings_and_wraps_each_cited_sentence(
    client: TestClient, archive: Archive
) -> None:
    doc = page_html(client.get(f"/articles/{archive.vote}").text)
    body = doc.xpath("//div[@class='body']")[0]
    assert [h.text for h in body.xpath("h2")] == ["What the budget pays for", "What comes next"]
    assert [p.tag for p in body] == ["p", "p", "h2", "p", "h2", "p"]
    marks = body.xpath(".//mark[@class='cite']")
    assert [(m.get("id"), m.text) for m in marks] == [
        (f"s{n}", sentence) for n, sentence in enumerate(VOTE_CITED, start=1)
    ]
    assert all(m.get("tabindex") == "-1" for m in marks)
    # The rest of a paragraph stays outside the mark.
    assert body.xpath("p[3]")[0].text_content().endswith("ferry pier. Work starts soon.")


def test_the_summary_is_a_closed_details_whose_sentences_link_to_the_body(
    client: TestClient, archive: Archive
) -> None:
    doc = page_html(client.get(f"/articles/{archive.vote}").text)
    (box,) = doc.xpath("//details[@class='summary']")
    assert box.get("open") is None  # one click (on <summary>) opens it, without JavaScript
    assert box.xpath("string(summary)") == "No time to read? Get a summary"
    links = box.xpath("ol/li/a")
    assert [(a.get("href"), a.text) for a in links] == [
        (f"#s{n}", sentence) for n, sentence in enumerate(VOTE_CITED, start=1)
    ]
    for a in links:
        assert doc.xpath(f"//mark[@id='{a.get('href')[1:]}']")[0].text == a.text


def test_read_also_lists_two_to_five_other_stories_never_the_article_or_its_copies(
    client: TestClient, archive: Archive
) -> None:
    for article_id, group in (
        (archive.vote, {archive.vote, archive.copy}),
        (archive.copy, {archive.vote, archive.copy}),
        (archive.keepers, {archive.keepers}),
    ):
        listed = ids_linked(client, f"/articles/{article_id}", "//aside[@class='read-also']//a")
        assert 2 <= len(listed) <= 5, listed
        assert not set(listed) & group
        assert len(set(listed)) == len(listed)
        data = client.get(f"/articles/{article_id}.json").json()
        assert [h["id"] for h in data["read_also"]] == listed


def test_copies_say_who_else_reported_the_story(client: TestClient, archive: Archive) -> None:
    doc = page_html(client.get(f"/articles/{archive.vote}").text)
    (also,) = doc.xpath("//p[@class='also']")
    assert also.text_content().startswith("Also reported by: Coast <script>")
    assert also.xpath("a/@href") == [f"/articles/{archive.copy}", f"/groups/{archive.vote}"]
    doc = page_html(client.get(f"/articles/{archive.copy}").text)
    assert doc.xpath("//p[@class='also']/a/@href")[0] == f"/articles/{archive.vote}"
    assert (
        page_html(client.get(f"/articles/{archive.ferry}").text).xpath("//p[@class='also']") == []
    )
    data = client.get(f"/articles/{archive.copy}.json").json()
    assert [h["id"] for h in data["also_reported_by"]] == [archive.vote]
    assert data["group"] == archive.vote
    assert data["article"]["duplicate"]["kind"] == "content"
    assert client.get(f"/articles/{archive.ferry}.json").json()["group"] is None


def test_previous_and_next_follow_publication_order(client: TestClient, archive: Archive) -> None:
    # Published one a day: vote, ferry, keepers, copy, evil, passes.
    path = f"/articles/{archive.keepers}"
    assert ids_linked(client, path, "//p[@class='previous']/a") == [archive.ferry]
    assert ids_linked(client, path, "//p[@class='next']/a") == [archive.copy]
    assert texts(client, path, "//p[@class='previous']")[0].startswith("Previous article")
    assert texts(client, path, "//p[@class='next']")[0].startswith("Next article")
    assert ids_linked(client, f"/articles/{archive.vote}", "//p[@class='previous']/a") == []
    assert ids_linked(client, f"/articles/{archive.passes}", "//p[@class='next']/a") == []
    data = client.get(f"{path}.json").json()
    assert (data["previous_article"]["id"], data["next_article"]["id"]) == (
        archive.ferry,
        archive.copy,
    )


def test_previous_and_next_stay_within_the_source_when_browsing_it(
    client: TestClient, archive: Archive
) -> None:
    path = f"/articles/{archive.keepers}?from=source"
    response = client.get(path)
    links = page_html(response.text).xpath("//nav[@class='neighbours']//a/@href")
    assert links == [
        f"/articles/{archive.vote}?from=source",
        f"/articles/{archive.evil}?from=source",
    ]
    data = client.get(f"/articles/{archive.keepers}.json?from=source").json()
    assert (data["previous_article"]["id"], data["next_article"]["id"]) == (
        archive.vote,
        archive.evil,
    )


def test_article_json_carries_every_stored_field(client: TestClient, archive: Archive) -> None:
    response = client.get(f"/articles/{archive.vote}.json")
    assert response.headers["content-type"] == "application/json"
    data = response.json()
    assert set(data) == {
        "article",
        "read_also",
        "also_reported_by",
        "group",
        "previous_article",
        "next_article",
        "story",
        "category",
    }
    assert data["story"] is None  # stories not worked out yet (tests/web/test_stories.py)
    article = data["article"]
    assert article["id"] == archive.vote and article["title"] == "Lighthouse budget vote"
    assert article["subheadings"] == ["What the budget pays for", "What comes next"]
    for sentence in article["summary"]["sentences"]:
        assert article["text"][sentence["start"] : sentence["end"]] == sentence["text"]


# --- lists: home, sources, a source, search, a group ---------------------------------------


def test_home_lists_the_latest_each_with_its_summary_one_click_away(
    client: TestClient, archive: Archive
) -> None:
    response = client.get("/")
    doc = page_html(response.text)
    cards = doc.xpath("//ol[@class='stream']/li")
    order = [
        archive.passes,
        archive.evil,
        archive.copy,
        archive.keepers,
        archive.ferry,
        archive.vote,
    ]
    assert [c.xpath("h2/a/@href")[0] for c in cards] == [f"/articles/{i}" for i in order]
    first = cards[0]
    assert first.xpath("string(.//details/summary)") == "Summary"  # the compact list
    assert first.xpath(".//details/ol/li/a/@href") == [f"/articles/{archive.passes}#s1"]
    card = page_html(client.get("/?layout=cards").text).xpath("//ol[@class='stream']/li")[0]
    assert card.xpath("string(.//details/summary)") == "No time to read? Get a summary"
    assert card.xpath(".//details/ol/li/a/@href") == [f"/articles/{archive.passes}#s1"]
    data = client.get("/index.json").json()
    assert [a["id"] for a in data["articles"]] == order
    assert data["page"] == 1 and data["next_page"] is None
    assert data["articles"][0]["summary"]["sentences"][0]["text"] == (
        "The council passed the lighthouse budget."
    )


def test_sources_lists_each_outlet_with_its_slug(client: TestClient, archive: Archive) -> None:
    doc = page_html(client.get("/sources").text)
    assert doc.xpath("//ul[@class='sources']/li/a/@href") == [
        "/sources/coast.test",
        "/sources/harbour.test",  # the host without www.
    ]
    data = client.get("/sources.json").json()
    assert [(s["slug"], s["site"], s["articles"]) for s in data["sources"]] == [
        ("coast.test", COAST, 3),
        ("harbour.test", HARBOUR, 3),
    ]


def test_a_source_page_lists_its_articles_and_links_within_it(
    client: TestClient, archive: Archive
) -> None:
    doc = page_html(client.get("/sources/harbour.test").text)
    assert doc.xpath("string(//h1)") == "Harbour Post"
    assert doc.xpath("//ol[@class='stream']/li/h2/a/@href") == [
        f"/articles/{i}?from=source" for i in (archive.evil, archive.keepers, archive.vote)
    ]
    assert "/sources/harbour.test/feed.rss" in doc.xpath("//a/@href")
    data = client.get("/sources/harbour.test.json").json()
    assert data["source"]["slug"] == "harbour.test" and data["source"]["site"] == HARBOUR
    assert [a["id"] for a in data["articles"]] == [archive.evil, archive.keepers, archive.vote]


def test_search_is_newest_first_with_matches_highlighted(
    client: TestClient, archive: Archive
) -> None:
    response = client.get("/search", params={"q": "Lighthouse"})
    doc = page_html(response.text)
    assert doc.xpath("string(//h1)") == "Search: Lighthouse"
    assert doc.xpath("//input[@id='q']/@value") == ["Lighthouse"]
    results = doc.xpath("//ol[@class='results']/li")
    found = [archive.passes, archive.copy, archive.keepers, archive.ferry, archive.vote]
    assert [r.xpath("h2/a/@href")[0] for r in results] == [f"/articles/{i}" for i in found]
    assert results[0].xpath("h2/a/mark/text()") == ["Lighthouse"]  # any case
    assert results[3].xpath("p/span[@class='excerpt']/mark/text()") == ["lighthouse"]
    assert "<mark>lighthouse</mark> lamp" in response.text
    data = client.get("/search.json", params={"q": "Lighthouse"}).json()
    assert [r["id"] for r in data["results"]] == found
    assert "<mark>" not in str(data)  # the twin's snippets are plain text
    assert data["query"] == "Lighthouse" and data["next_page"] is None
    assert data["total"] == 5 and data["total_is_exact"] is True
    assert doc.xpath("string(//p[@class='count'])") == "5 results"


def test_search_finds_word_forms_and_marks_them(client: TestClient, archive: Archive) -> None:
    response = client.get("/search", params={"q": "keeper welcome"})
    doc = page_html(response.text)
    results = doc.xpath("//ol[@class='results']/li")
    assert [r.xpath("h2/a/@href")[0] for r in results] == [f"/articles/{archive.keepers}"]
    assert results[0].xpath("h2/a/mark/text()") == ["keepers", "welcome"]
    assert "<mark>keepers</mark> <mark>welcomed</mark>" in response.text
    assert doc.xpath("string(//p[@class='count'])") == "1 result"
    data = client.get("/search.json", params={"q": "keeper welcome"}).json()
    assert [r["id"] for r in data["results"]] == [archive.keepers]
    assert data["total"] == 1


def test_search_counts_up_to_a_cap(
    client: TestClient, archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "SEARCH_COUNT_CAP", 3)
    doc = page_html(client.get("/search", params={"q": "lighthouse"}).text)
    assert doc.xpath("string(//p[@class='count'])") == "More than 3 results"
    data = client.get("/search.json", params={"q": "lighthouse"}).json()
    assert (data["total"], data["total_is_exact"]) == (3, False)
    assert len(data["results"]) == 5  # the count is capped, not the results


def test_search_for_words_no_article_holds_says_so(client: TestClient, archive: Archive) -> None:
    response = client.get("/search?q=zeppelin")
    assert response.status_code == 200
    assert "No article holds every word of “zeppelin”." in response.text
    assert client.get("/search.json?q=zeppelin").json()["results"] == []


def test_an_empty_search_shows_the_form(client: TestClient, archive: Archive) -> None:
    assert page_html(client.get("/search").text).xpath("string(//h1)") == "Search"
    assert client.get("/search.json?q=").json() == {
        "query": "",
        "page": 1,
        "next_page": None,
        "total": 0,
        "total_is_exact": True,
        "results": [],
    }


def test_a_group_page_lists_the_first_copy_then_the_later_ones(
    client: TestClient, archive: Archive
) -> None:
    for member in (archive.vote, archive.copy):
        doc = page_html(client.get(f"/groups/{member}").text)
        assert doc.xpath("string(//h1)") == "One story, 2 copies"
        rows = doc.xpath("//table[@class='group']/tbody/tr")
        assert [r.xpath("td[1]/a/@href")[0] for r in rows] == [
            f"/articles/{archive.vote}",
            f"/articles/{archive.copy}",
        ]
        assert rows[0].xpath("string(td[4])") == "first copy"
        assert "same text as article" in rows[1].xpath("string(td[4])")
        data = client.get(f"/groups/{member}.json").json()
        assert data["first"] == archive.vote
        assert [a["id"] for a in data["articles"]] == [archive.vote, archive.copy]


# --- paging ---------------------------------------------------------------------------------


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 2)


def pager(client: TestClient, path: str) -> dict[str, str]:
    doc = page_html(client.get(path).text)
    return {a.get("rel"): a.get("href") for a in doc.xpath("//nav[@class='pager']/a")}


@pytest.mark.usefixtures("small_pages")
def test_home_pages_through_the_archive(client: TestClient, archive: Archive) -> None:
    seen = []
    for page in (1, 2, 3):
        data = client.get(f"/index.json?page={page}").json()
        assert data["page"] == page
        assert data["next_page"] == (page + 1 if page < 3 else None)
        seen += [a["id"] for a in data["articles"]]
    assert seen == [
        archive.passes,
        archive.evil,
        archive.copy,
        archive.keepers,
        archive.ferry,
        archive.vote,
    ]
    assert pager(client, "/") == {"next": "/?page=2"}
    assert pager(client, "/?page=2") == {"prev": "/?page=1", "next": "/?page=3"}
    assert pager(client, "/?page=3") == {"prev": "/?page=2"}
    assert client.get("/index.json?page=4").json()["articles"] == []


@pytest.mark.usefixtures("small_pages")
def test_search_pages_keep_the_query(client: TestClient, archive: Archive) -> None:
    assert pager(client, "/search?q=lighthouse+budget") == {
        "next": "/search?q=lighthouse%20budget&page=2"
    }
    second = client.get("/search?q=lighthouse+budget&page=2")
    assert pager(client, "/search?q=lighthouse+budget&page=2") == {
        "prev": "/search?q=lighthouse%20budget&page=1"
    }
    assert len(page_html(second.text).xpath("//ol[@class='results']/li")) == 2
    ids = [
        r["id"]
        for page in (1, 2)
        for r in client.get(f"/search.json?q=lighthouse+budget&page={page}").json()["results"]
    ]
    assert ids == [archive.passes, archive.copy, archive.keepers, archive.vote]


@pytest.mark.usefixtures("small_pages")
def test_source_pages_page_too(client: TestClient, archive: Archive) -> None:
    assert pager(client, "/sources/coast.test") == {"next": "/sources/coast.test?page=2"}
    data = client.get("/sources/coast.test.json?page=2").json()
    assert [a["id"] for a in data["articles"]] == [archive.ferry]
    assert data["next_page"] is None


# --- escaping and accessibility -------------------------------------------------------------


def every_page(archive: Archive) -> list[str]:
    return [
        "/",
        "/sources",
        "/sources/coast.test",
        "/sources/harbour.test",
        "/search",
        "/search?q=notice",
        f"/groups/{archive.vote}",
        *(f"/articles/{i}" for i in (archive.vote, archive.keepers, archive.evil, archive.copy)),
        f"/articles/{archive.ferry}?from=source",
        "/admin",
        "/no-such-page",
        "/?page=0",
    ]


def test_feed_text_is_escaped_on_every_page(client: TestClient, archive: Archive) -> None:
    for path in every_page(archive):
        text = client.get(path).text
        assert "<script>alert" not in text, path
        # Only the site's own scripts (site.js, keys.js, reading.js), each a static file with
        # its nonce.
        scripts = page_html(text).xpath("//script")
        assert len(scripts) == text.count("<script") == 3, path
        assert all(s.get("nonce") and s.get("src", "").startswith("/static/") for s in scripts)
    article = client.get(f"/articles/{archive.evil}").text
    doc = page_html(article)
    assert doc.xpath("string(//h1)") == f"Harbour {EVIL} notice"
    assert doc.xpath("string(//span[@class='byline'])") == f"By Mal {EVIL}"
    assert doc.xpath("string(//mark[@id='s1'])").startswith(f"A notice about {EVIL}")
    assert f"<title>Harbour {ESCAPED_EVIL} notice · nutgraf</title>" in article
    source = client.get("/sources/coast.test").text
    assert f"<h1>Coast {ESCAPED_EVIL}</h1>" in source
    assert f'title="Coast {ESCAPED_EVIL} (RSS)"' in source  # attributes too


def test_json_twins_carry_the_text_as_it_is(client: TestClient, archive: Archive) -> None:
    data = client.get(f"/articles/{archive.evil}.json").json()
    assert data["article"]["title"] == f"Harbour {EVIL} notice"
    assert data["article"]["byline"] == f"Mal {EVIL}"


def test_every_page_has_one_h1_a_language_and_labelled_controls(
    client: TestClient, archive: Archive
) -> None:
    for path in every_page(archive):
        response = client.get(path)
        assert_accessible(response.text)


def test_static_files_are_served(client: TestClient) -> None:
    css = client.get("/static/site.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "mark.cite:target" in css.text
    js = client.get("/static/site.js")
    assert js.status_code == 200 and "focus" in js.text
    assert client.get("/static/../app.py").status_code == 404


def test_health(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_an_empty_archive_says_how_to_fill_it(store: SQLiteStore) -> None:
    with make_client(store) as client:
        assert "The archive is empty" in client.get("/").text
        assert client.get("/index.json").json() == {"page": 1, "next_page": None, "articles": []}
        assert client.get("/sources.json").json() == {"sources": []}


def test_the_original_pages_links_are_kept_as_searches(tmp_path: Path) -> None:
    from nutgraf.batch.pipeline import Origin, archive_item, save
    from nutgraf.extract import extract
    from tests.web.conftest import make_client

    dump = (
        "Harbour lights return\n\nThe harbour lights were switched on again on Friday after a "
        "long repair that kept the old lamps dark for most of the winter season.\n\n"
        "Read also:\n— Ferry timetable changes for the summer\n\nSource: Coast Post\n\n"
        "Previous Article\n\nBakery opens on the pier\n\nNext Article\n\nStorm warning for Sunday"
    )
    with SQLiteStore(tmp_path / "dump.db") as store:
        article = extract(dump.encode())
        saved = save(store, archive_item(article, origin=Origin(), fetched="2026-11-24T10:00:00Z"))
        with make_client(store) as client:
            doc = page_html(client.get(f"/articles/{saved.id}").text)
    links = {a.text: a.get("href") for a in doc.xpath("//aside[@class='original']//a")}
    assert links == {
        headline: "/search?q=" + quote(headline)
        for headline in (
            "Ferry timetable changes for the summer",
            "Bakery opens on the pier",
            "Storm warning for Sunday",
        )
    }


@pytest.mark.parametrize(
    "query",
    ['"', "NEAR(a b)", "a OR b", "keeper*", "{title} : x", "stems : enkeeper", "^x", "x" * 500],
)
def test_hostile_searches_answer_results_or_one_clear_error(
    client: TestClient, archive: Archive, query: str
) -> None:
    for path in ("/search", "/search.json"):
        response = client.get(path, params={"q": query})
        assert response.status_code in (200, 400), response.text
        assert "Traceback" not in response.text
    data = client.get("/search.json", params={"q": query}).json()
    assert "error" in data or data["total"] >= len(data["results"])
    too_long = client.get("/search.json", params={"q": "x" * 501})
    assert too_long.status_code == 400 and "500 characters" in too_long.json()["error"]["message"]
