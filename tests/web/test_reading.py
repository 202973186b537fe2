"""Reading state over HTTP (issue 17): marking read, unread, starred; marking many; the
/unread, /starred and /settings pages and their JSON twins; the buttons and classes on
shared pages; CSRF, anonymous readers, two readers kept apart, deleted articles."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import httpx
import pytest
from starlette.testclient import TestClient

from nutgraf.manage import delete_articles
from nutgraf.store import SQLiteStore
from nutgraf.web import reading_slots
from nutgraf.web.openapi import READER_ENDPOINTS, SCHEMAS
from tests.web.conftest import (
    COAST,
    HARBOUR,
    Archive,
    assert_accessible,
    make_client,
    page_html,
)
from tests.web.signin import CONFIG, sign_in

NOW = "2026-11-24T10:00:00Z"


@pytest.fixture
def site(store: SQLiteStore, archive: Archive) -> Iterator[TestClient]:
    store.add_feed(HARBOUR + "feed.xml", title="Harbour Post", category="Local", now=NOW)
    store.add_feed(COAST + "feed.xml", title="Coast", category="Region", now=NOW)
    with make_client(store, CONFIG) as opened:
        yield opened


@pytest.fixture
def ann(site: TestClient, store: SQLiteStore) -> TestClient:
    sign_in(site, store, "ann")
    site.get("/")  # the page sets the CSRF cookie its forms need
    return site


def csrf(client: TestClient) -> str:
    token = client.cookies.get("nutgraf_csrf")
    assert token
    return token


def post(client: TestClient, path: str, **fields: str) -> httpx.Response:
    return client.post(path, data={"csrf": csrf(client), **fields}, follow_redirects=False)


def unread(client: TestClient) -> list[int]:
    return [a["id"] for a in client.get("/unread.json").json()["articles"]]


# --- anonymous ------------------------------------------------------------------------------


def test_anonymous_readers_are_sent_to_sign_in(site: TestClient, archive: Archive) -> None:
    for path in ("/unread", "/starred", "/settings", "/unread?feed=1&page=2"):
        response = site.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=/")
    assert site.get("/unread?page=2", follow_redirects=False).headers["location"] == (
        "/login?next=/unread%3Fpage%3D2"
    )
    for path in ("/unread.json", "/starred.json", "/settings.json"):
        response = site.get(path)
        assert response.status_code == 401
        assert response.json()["error"]["status"] == 401
    response = site.post(f"/articles/{archive.vote}/read.json", data={"csrf": "x"})
    assert response.status_code == 401
    assert set(response.json()) == {"error"}
    response = site.post(f"/articles/{archive.vote}/star", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next=/articles/{archive.vote}"
    assert site.post("/mark-read.json", data={"ids": "1"}).status_code == 401


def test_anonymous_pages_carry_no_buttons_and_stay_shared(
    site: TestClient, archive: Archive
) -> None:
    home = site.get("/").text
    assert 'class="mark"' not in home and "Unread (" not in home
    doc = page_html(home)
    assert len(doc.xpath("//li[@data-article]")) == 6
    article = site.get(f"/articles/{archive.vote}")
    assert page_html(article.text).xpath("//article/@data-article") == [str(archive.vote)]
    assert "read" not in site.get(f"/articles/{archive.vote}.json").json()


# --- marking one article --------------------------------------------------------------------


def test_read_unread_star_unstar_json(ann: TestClient, archive: Archive) -> None:
    path = f"/articles/{archive.ferry}"
    assert post(ann, path + "/star.json").json() == {
        "id": archive.ferry,
        "read": False,
        "starred": True,
    }
    answer = post(ann, path + "/read.json")
    assert answer.json() == {"id": archive.ferry, "read": True, "starred": True}
    assert answer.headers["cache-control"] == "private, no-store"
    assert post(ann, path + "/unstar.json").json()["starred"] is False
    assert post(ann, path + "/unread.json").json()["read"] is False


def test_html_marks_go_back_to_a_same_site_page(ann: TestClient, archive: Archive) -> None:
    path = f"/articles/{archive.keepers}/read"
    back = ann.post(
        path,
        data={"csrf": csrf(ann)},
        headers={"referer": "http://testserver/search?q=lamp"},
        follow_redirects=False,
    )
    assert back.status_code == 303 and back.headers["location"] == "/search?q=lamp"
    for referer in (
        "https://evil.test/x",
        "http://testserver//evil.test/",
        "not a url",
        "x" * 3000,
    ):
        away = ann.post(
            path, data={"csrf": csrf(ann)}, headers={"referer": referer}, follow_redirects=False
        )
        assert away.headers["location"] == f"/articles/{archive.keepers}", referer
    assert archive.keepers not in unread(ann)


def test_marks_need_the_csrf_token_and_this_site(ann: TestClient, archive: Archive) -> None:
    path = f"/articles/{archive.vote}/read.json"
    assert ann.post(path).status_code == 403
    assert ann.post(path, data={"csrf": "wrong"}).status_code == 403
    foreign = ann.post(path, data={"csrf": csrf(ann)}, headers={"origin": "https://evil.test"})
    assert foreign.status_code == 403
    assert "another site" in foreign.json()["error"]["message"]
    assert archive.vote in unread(ann)


def test_a_missing_or_deleted_article_is_404(
    ann: TestClient, store: SQLiteStore, archive: Archive
) -> None:
    assert post(ann, "/articles/999999/star.json").status_code == 404
    post(ann, f"/articles/{archive.evil}/star.json")
    delete_articles(store, [archive.evil], now=lambda: NOW)
    assert ann.get("/starred.json").json()["articles"] == []
    assert post(ann, f"/articles/{archive.evil}/read.json").status_code == 404
    assert archive.evil not in unread(ann)


def test_two_readers_keep_their_own_state(
    site: TestClient, store: SQLiteStore, archive: Archive
) -> None:
    sign_in(site, store, "ann")
    site.get("/")
    post(site, f"/articles/{archive.vote}/star.json")
    post(site, "/mark-read.json", ids=f"{archive.ferry},{archive.copy}")
    sign_in(site, store, "bob")
    assert unread(site) == archive.newest_first()
    assert site.get("/starred.json").json()["articles"] == []
    assert site.get("/unread.json").json()["unread"] == 6
    sign_in(site, store, "ann")
    assert site.get("/unread.json").json()["unread"] == 4
    assert [a["id"] for a in site.get("/starred.json").json()["articles"]] == [archive.vote]


# --- the article page and its JSON ----------------------------------------------------------


def test_opening_an_article_marks_it_read_unless_set_off(ann: TestClient, archive: Archive) -> None:
    page = ann.get(f"/articles/{archive.vote}").text
    doc = page_html(page)
    assert "is-read" in doc.xpath("//article/@class")[0]
    assert doc.xpath("//form[@class='mark']/@data-action") == ["unread", "star"]
    assert "Unread (<span data-unread>5</span>)" in page
    assert ann.get(f"/articles/{archive.vote}.json").json()["read"] is True
    assert post(ann, "/settings", mark_on_open="", api_summaries="on").status_code == 303
    assert ann.get("/settings.json").json() == {"mark_on_open": False, "api_summaries": True}
    ann.get(f"/articles/{archive.ferry}")
    assert archive.ferry in unread(ann)
    post(ann, "/settings", mark_on_open="on")
    assert page_html(ann.get("/settings").text).xpath("//input[@id='mark_on_open']/@checked")
    assert post(ann, "/settings", mark_on_open="yes").status_code == 400


def test_marking_unread_right_after_opening_is_never_undone_by_the_opening(
    ann: TestClient, store: SQLiteStore, archive: Archive
) -> None:
    """Opening records the article read in a writer thread (off the event loop); the reader's
    own marking waits for that write, so it always comes last."""
    for _ in range(20):
        ann.get(f"/articles/{archive.ferry}")
        answer = post(ann, f"/articles/{archive.ferry}/unread.json").json()
        assert answer["read"] is False
    reading_slots.wait_for_opened(store, "ann")
    assert store.article_marks("ann", [archive.ferry])[archive.ferry].read is False
    assert archive.ferry in unread(ann)


def slow_writes(monkeypatch: pytest.MonkeyPatch, store: SQLiteStore) -> threading.Event:
    """The store's read marks wait until the event returned is set (another process writing,
    say); the rest of the store answers as usual."""
    go = threading.Event()
    set_read_batch = store.set_read_batch

    def slow(marks: list[tuple[str, list[int]]]) -> int:
        go.wait(10)
        return set_read_batch(marks)

    monkeypatch.setattr(store, "set_read_batch", slow)
    return go


def test_an_opened_article_counts_as_read_while_its_write_waits(
    store: SQLiteStore, archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The opened article's write waits in the writer thread, and meanwhile this process
    already counts it read for its reader."""
    go = slow_writes(monkeypatch, store)
    reading_slots._opened(store, "ann", [archive.keepers])
    marks = store.article_marks("ann", [archive.keepers])
    assert marks[archive.keepers].read is False  # not written yet
    reading_slots.with_opened(store, "ann", marks)
    assert marks[archive.keepers].read is True
    go.set()
    reading_slots.wait_for_opened(store, "ann")
    assert store.article_marks("ann", [archive.keepers])[archive.keepers].read is True
    assert not reading_slots._WRITING


def test_the_site_writes_its_opened_articles_before_it_shuts_down(
    store: SQLiteStore, archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store is closed after the site's shutdown: an opened article's write still waiting
    is done by then, not lost to a closed store."""
    go = slow_writes(monkeypatch, store)
    with make_client(store, CONFIG) as client:
        sign_in(client, store, "ann")
        assert client.get(f"/articles/{archive.keepers}").status_code == 200
        assert reading_slots._WRITING  # the write waits
        threading.Timer(0.3, go.set).start()
    assert not reading_slots._WRITING  # written during the shutdown
    assert store.article_marks("ann", [archive.keepers])[archive.keepers].read is True


def test_article_json_carries_the_readers_state_after_the_cache(
    ann: TestClient, store: SQLiteStore, archive: Archive
) -> None:
    path = f"/articles/{archive.keepers}.json"
    post(ann, f"/articles/{archive.keepers}/star.json")
    mine = ann.get(path)
    assert mine.json()["starred"] is True and mine.json()["read"] is False
    assert mine.json()["article"]["id"] == archive.keepers
    assert mine.headers["cache-control"] == "private, no-store"
    ann.cookies.delete("nutgraf_session")
    shared = ann.get(path).json()  # the same cached body, without anyone's state
    assert "starred" not in shared and shared["article"]["id"] == archive.keepers


def test_list_items_carry_the_contract_markup(ann: TestClient, archive: Archive) -> None:
    post(ann, f"/articles/{archive.copy}/read.json")
    for path in ("/", "/sources/coast.test", "/search?q=lighthouse", "/unread", "/starred"):
        post(ann, f"/articles/{archive.passes}/star.json")
        doc = page_html(ann.get(path).text)
        items = doc.xpath("//li[@data-article]")
        assert items, path
        for item in items:
            forms = item.xpath(".//form[contains(@class, 'mark')]")
            assert [f.get("data-action") for f in forms] in (
                ["read", "star"],
                ["unread", "star"],
                ["read", "unstar"],
                ["unread", "unstar"],
            ), path
            for form in forms:
                assert form.get("method") == "post"
                assert form.get("action") == f"/articles/{item.get('data-article')}/" + form.get(
                    "data-action"
                )
                assert form.xpath("input[@name='csrf']/@value") == [csrf(ann)]
                assert form.xpath("button/@aria-pressed")
            classes = item.get("class", "").split()
            assert ("is-read" in classes) == (item.get("data-article") == str(archive.copy)), path
            starred = item.get("data-article") == str(archive.passes)
            assert ("is-starred" in classes) == starred, path


# --- marking many ---------------------------------------------------------------------------


def test_mark_a_page_of_ids_read(ann: TestClient, archive: Archive) -> None:
    answer = post(ann, "/mark-read.json", ids=f"{archive.vote} {archive.ferry},999999")
    assert answer.json() == {"marked": 2, "unread": 4}
    back = ann.post(
        "/mark-read",
        data={"csrf": csrf(ann), "ids": str(archive.keepers)},
        headers={"referer": "http://testserver/unread?page=1"},
        follow_redirects=False,
    )
    assert back.status_code == 303 and back.headers["location"] == "/unread?page=1"
    assert unread(ann) == [archive.passes, archive.evil, archive.copy]


def test_mark_a_feed_a_category_or_everything_before_a_time(
    ann: TestClient, store: SQLiteStore, archive: Archive
) -> None:
    coast = next(f for f in store.feeds() if f.url == COAST + "feed.xml")
    assert post(ann, "/mark-read.json", feed=str(coast.id)).json() == {
        "marked": 3,
        "unread": 3,
    }
    assert unread(ann) == [archive.evil, archive.keepers, archive.vote]
    post(ann, f"/articles/{archive.ferry}/unread.json")
    assert post(ann, "/mark-read.json", category="Local").json()["unread"] == 1
    assert unread(ann) == [archive.ferry]
    post(ann, "/mark-read.json", ids=str(archive.ferry))
    post(ann, f"/articles/{archive.passes}/unread.json")
    post(ann, f"/articles/{archive.vote}/unread.json")
    answer = post(ann, "/mark-read.json", before="2026-01-03")
    assert answer.json() == {"marked": None, "unread": 1}
    assert unread(ann) == [archive.passes]


@pytest.mark.parametrize(
    ("fields", "status", "says"),
    [
        ({}, 400, "exactly one"),
        ({"ids": "1", "feed": "1"}, 400, "exactly one"),
        ({"ids": "1; DROP TABLE"}, 400, "article numbers"),
        ({"ids": " ".join(str(i) for i in range(1, 300))}, 400, "at most"),
        ({"before": "yesterday"}, 400, "ISO 8601"),
        ({"before": "2026-01-01" * 10}, 400, "ISO 8601"),
        ({"feed": "abc"}, 400, "feed's number"),
        ({"feed": "4242"}, 404, "no feed"),
        ({"category": "Nowhere"}, 404, "no category"),
        ({"category": "x" * 300}, 400, "at most"),
    ],
)
def test_mark_read_refuses_bad_fields(
    ann: TestClient, fields: dict[str, str], status: int, says: str
) -> None:
    answer = post(ann, "/mark-read.json", **fields)
    assert answer.status_code == status
    assert says in answer.json()["error"]["message"]
    page = post(ann, "/mark-read", **fields)
    assert page.status_code == status
    assert "Traceback" not in page.text


# --- the reader's lists ---------------------------------------------------------------------


def test_unread_page_counts_by_feed_and_category(
    ann: TestClient, store: SQLiteStore, archive: Archive
) -> None:
    post(ann, f"/articles/{archive.vote}/read.json")
    page = ann.get("/unread")
    assert page.headers["cache-control"] == "private, no-store"
    doc = page_html(page.text)
    links = {a.get("href"): a.text_content() for a in doc.xpath("//aside//a")}
    coast = next(f for f in store.feeds() if f.url == COAST + "feed.xml")
    assert links["/unread?category=Local"] == "Local"
    assert links[f"/unread?feed={coast.id}"] == "Coast"
    assert "Local (2)" in doc.xpath("string(//aside)").replace("\n", "")
    assert "Coast (3)" in doc.xpath("string(//aside)")
    assert doc.xpath("//input[@name='ids']/@value") == [
        " ".join(str(i) for i in archive.newest_first() if i != archive.vote)
    ]
    by_feed = ann.get(f"/unread.json?feed={coast.id}").json()
    assert [a["id"] for a in by_feed["articles"]] == [archive.passes, archive.copy, archive.ferry]
    assert by_feed["unread"] == 5  # the reader's total, whatever the filter
    local = ann.get("/unread.json?category=Local").json()
    assert [a["id"] for a in local["articles"]] == [archive.evil, archive.keepers]
    assert ann.get("/unread?category=Local").status_code == 200
    assert ann.get("/unread.json?feed=777").status_code == 404
    assert ann.get("/unread.json?feed=abc").status_code == 400
    assert ann.get("/unread.json?category=" + "x" * 300).status_code == 400
    hostile = ann.get("/unread?category=%3Cscript%3E")
    assert hostile.status_code == 404 and "<script>" not in hostile.text
    assert ann.get("/unread.json?page=abc").status_code == 400
    assert ann.get("/unread.json?page=9999").status_code == 400
    assert ann.get("/unread.json?page=2").json()["articles"] == []


def test_a_category_holds_the_categories_nested_in_it(
    ann: TestClient, store: SQLiteStore, archive: Archive
) -> None:
    """``?category=Local`` means what ``/categories/Local`` means: "Local/Coast" is in it."""
    coast = next(f for f in store.feeds() if f.url == COAST + "feed.xml")
    store.edit_feed(coast.id, None, "Local/Coast")
    local = ann.get("/unread.json?category=Local").json()
    assert sorted(a["id"] for a in local["articles"]) == sorted(archive.newest_first())
    nested = ann.get("/unread.json?category=Local/Coast").json()
    assert [a["id"] for a in nested["articles"]] == [archive.passes, archive.copy, archive.ferry]
    aside = page_html(ann.get("/unread").text).xpath("string(//aside)").replace("\n", "")
    assert "Local (6)" in aside and "Local/Coast (3)" in aside
    assert ann.get("/unread.json?category=Loc").status_code == 404  # a prefix is no category
    assert post(ann, "/mark-read.json", category="Local").json()["unread"] == 0


def test_unread_json_shape_and_the_nav_count_follows_marks(
    ann: TestClient, archive: Archive
) -> None:
    data = ann.get("/unread.json").json()
    assert set(data) == {"unread", "page", "next_page", "articles"}
    assert data["unread"] == 6
    first = data["articles"][0]
    assert {"id", "title", "source", "url", "published", "image", "read", "starred"} <= set(first)
    assert "Unread (<span data-unread>6</span>)" in ann.get("/sources").text
    post(ann, f"/articles/{archive.passes}/read.json")
    assert "Unread (<span data-unread>5</span>)" in ann.get("/sources").text


def test_the_readers_json_answers_are_as_documented(ann: TestClient, archive: Archive) -> None:
    document = ann.get("/openapi.json").json()
    examples = {
        "/unread.json": lambda: ann.get("/unread.json"),
        "/starred.json": lambda: ann.get("/starred.json"),
        "/settings.json": lambda: ann.get("/settings.json"),
        "/mark-read.json": lambda: post(ann, "/mark-read.json", ids=str(archive.vote)),
        **{
            f"/articles/{{id}}/{action}.json": (
                lambda action=action: post(ann, f"/articles/{archive.ferry}/{action}.json")
            )
            for action in ("read", "unread", "star", "unstar")
        },
    }
    assert set(examples) == set(READER_ENDPOINTS)
    for path, call in examples.items():
        (operation,) = document["paths"][path].values()
        assert {"200", "401", "403", "404"} <= set(operation["responses"])
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        body = call().json()
        assert set(body) == set(schema["properties"]), path
        for listed in body.get("articles", []):
            assert set(listed) == set(SCHEMAS["Headline"]["properties"]) | {"read", "starred"}


def test_a_form_too_long_is_refused_unread_and_an_unsized_one_is_read_within_bounds(
    ann: TestClient, archive: Archive
) -> None:
    big = ann.post(
        "/mark-read.json", data={"csrf": csrf(ann), "ids": "1 " * 10_000, "x": "y" * 10_000}
    )
    assert big.status_code == 413
    assert "bytes" in big.json()["error"]["message"]
    assert archive.vote in unread(ann)

    def chunks(size: int) -> Callable[[], Iterator[bytes]]:
        def body() -> Iterator[bytes]:  # sent chunked: no Content-Length
            yield f"csrf={csrf(ann)}&ids={archive.vote}&pad=".encode()
            yield b"x" * size

        return body

    form = {"content-type": "application/x-www-form-urlencoded"}
    endless = ann.post("/mark-read.json", content=chunks(40_000)(), headers=form)
    assert endless.status_code == 413
    assert archive.vote in unread(ann)
    unsized = ann.post("/mark-read.json", content=chunks(10)(), headers=form)
    assert unsized.status_code == 200
    assert archive.vote not in unread(ann)
    multipart = ann.post(
        f"/articles/{archive.ferry}/read.json", data={"csrf": csrf(ann)}, files={"f": b"x"}
    )
    assert multipart.status_code == 400 and "file" in multipart.json()["error"]["message"]
    assert archive.ferry in unread(ann)


def test_the_readers_pages_are_accessible(ann: TestClient, archive: Archive) -> None:
    post(ann, f"/articles/{archive.vote}/star.json")
    for path in ("/unread", "/unread?category=Local", "/starred", "/settings"):
        page = ann.get(path)
        assert page.status_code == 200, path
        assert_accessible(page.text)
        doc = page_html(page.text)
        assert doc.xpath("//main") and doc.xpath("//nav"), path
