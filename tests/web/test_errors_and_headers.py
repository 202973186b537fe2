"""One error shape, the security headers, and a fresh CSP nonce on every (cached) page."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from starlette.testclient import TestClient

from nutgraf.errors import NutgrafError
from nutgraf.records import StoredArticle
from nutgraf.store import SQLiteStore
from nutgraf.web import app as web_app
from tests.web.conftest import Archive, make_client, page_html, story

NONCE_IN_HEADER = re.compile(r"script-src 'nonce-([A-Za-z0-9_-]{16,})'")
NONCE_IN_PAGE = re.compile(r'<script nonce="([^"]+)" src="/static/site.js"')


def assert_json_error(response: httpx.Response, status: int, message: str) -> None:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"error": {"status": status, "message": message}}


def assert_html_error(response: httpx.Response, status: int, message: str) -> None:
    assert response.status_code == status
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    doc = page_html(response.text)
    assert doc.xpath("string(//h1)") == f"Error {status}"
    assert doc.xpath("string(//p[@role='alert'])") == message


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/articles/999", 404, "there is no article 999"),
        ("/groups/999", 404, "there is no article 999"),
        ("/sources/nowhere.test", 404, "there is no source 'nowhere.test'"),
        ("/no/such/page", 404, "there is no page at this address"),
        ("/?page=0", 400, "page 0 is out of range; pages run from 1 to 500"),
        ("/?page=501", 400, "page 501 is out of range; pages run from 1 to 500"),
        ("/?page=two", 400, "page must be a whole number, not 'two'"),
        ("/search?q=lighthouse&page=-1", 400, "page -1 is out of range; pages run from 1 to 500"),
        (
            "/search?q=%21%3F%21",
            400,
            "search query '!?!' has no words to look for; give one or more",
        ),
        ("/search?q=" + "a" * 501, 400, "the search query is over 500 characters; shorten it"),
        ("/sources/coast.test?page=x", 400, "page must be a whole number, not 'x'"),
    ],
)
def test_errors_have_one_shape_in_html_and_json(
    client: TestClient, archive: Archive, path: str, status: int, message: str
) -> None:
    page, _, query = path.partition("?")
    twin = ("/index" if page == "/" else page) + ".json" + (f"?{query}" if query else "")
    assert_json_error(client.get(twin), status, message)
    assert_html_error(client.get(path), status, message[0].upper() + message[1:] + ".")


def test_a_wrong_method_is_refused_in_the_same_shape(client: TestClient) -> None:
    assert_json_error(client.post("/index.json"), 405, "this address does not take that method")
    assert client.post("/").status_code == 405
    assert_json_error(client.get("/articles/abc.json"), 404, "there is no page at this address")


def test_a_server_error_keeps_the_shape_and_the_headers(tmp_path: object) -> None:
    class Broken(SQLiteStore):
        def latest(
            self, *, limit: int = 20, offset: int = 0, site: str | None = None
        ) -> list[StoredArticle]:
            raise RuntimeError("disk on fire")

    with TestClient(
        web_app.create_app(Broken(":memory:")), raise_server_exceptions=False
    ) as client:
        twin = client.get("/index.json")
        assert_json_error(twin, 500, "the server failed to answer; the error is in its log")
        assert "disk on fire" not in twin.text
        html = client.get("/")
        assert html.status_code == 500
        for response in (twin, html):
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
            assert "content-security-policy" in response.headers


def paths(archive: Archive) -> list[str]:
    return [
        "/",
        "/index.json",
        f"/articles/{archive.vote}",
        f"/articles/{archive.vote}.json",
        "/sources",
        "/search?q=ferry",
        "/search.json?q=ferry",
        "/feed.rss",
        "/sources/coast.test/feed.atom",
        "/openapi.json",
        "/healthz",
        "/static/site.css",
        "/admin",
        "/nowhere",
        "/nowhere.json",
    ]


def test_every_response_carries_the_security_headers(client: TestClient, archive: Archive) -> None:
    for path in paths(archive):
        response = client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin", path
        assert response.headers["x-frame-options"] == "DENY", path
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, path
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, path


def nonces(response: httpx.Response) -> tuple[str, str]:
    header = NONCE_IN_HEADER.search(response.headers["content-security-policy"])
    in_page = NONCE_IN_PAGE.findall(response.text)
    assert header is not None and len(in_page) == 1
    return header.group(1), in_page[0]


def test_the_csp_nonce_matches_the_script_and_changes_even_on_a_cached_page(
    client: TestClient, store: SQLiteStore, archive: Archive
) -> None:
    first = client.get("/")
    store.save(
        story(
            "Breaking: a new ferry",
            [("p", "A new ferry sails.")],
            ["A new ferry sails."],
            url="https://coast.test/new",
            site="https://coast.test/",
            source="Coast",
            published="2026-02-01T00:00:00Z",
        )
    )
    second = client.get("/")
    assert "Breaking: a new ferry" not in second.text  # the page came from the cache
    header_one, page_one = nonces(first)
    header_two, page_two = nonces(second)
    assert header_one == page_one and header_two == page_two
    assert header_one != header_two
    csp = first.headers["content-security-policy"]
    assert "script-src 'nonce-" in csp and "style-src 'self'" in csp and "base-uri 'none'" in csp
    for path in ("/sources", "/admin", "/no-such-page"):
        header, in_page = nonces(client.get(path))
        assert header == in_page, path


def test_cached_pages_expire(
    client: TestClient, store: SQLiteStore, archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.app.state.site.cache.seconds = 0.05  # type: ignore[attr-defined]
    client.get("/index.json")
    store.save(
        story(
            "Breaking: a new ferry",
            [("p", "A new ferry sails.")],
            ["A new ferry sails."],
            url="https://coast.test/new",
            site="https://coast.test/",
            source="Coast",
            published="2026-02-01T00:00:00Z",
        )
    )
    time.sleep(0.1)
    assert client.get("/index.json").json()["articles"][0]["title"] == "Breaking: a new ferry"


def test_the_html_and_json_twins_are_cached_apart(client: TestClient, archive: Archive) -> None:
    assert client.get("/").headers["content-type"].startswith("text/html")
    assert client.get("/index.json").headers["content-type"] == "application/json"
    assert client.get("/").headers["content-type"].startswith("text/html")


def test_an_unreadable_archive_is_a_503(tmp_path: object) -> None:
    class Locked(SQLiteStore):
        def latest(
            self, *, limit: int = 20, offset: int = 0, site: str | None = None
        ) -> list[StoredArticle]:
            raise NutgrafError("the database x.db cannot be used: locked")

    with make_client(Locked(":memory:")) as client:
        assert_json_error(
            client.get("/index.json"),
            503,
            "the archive cannot be read now: the database x.db cannot be used: locked",
        )


def test_an_encoded_query_cannot_poison_another_pages_cache(
    client: TestClient, archive: Archive
) -> None:
    """Issue 15, point 8: q=said%26page%3D2 is the search for "said&page=2", not page 2."""
    poisoned = client.get("/search.json", params={"q": "lighthouse&page=2"}).json()
    honest = client.get("/search.json?q=lighthouse&page=2").json()
    assert poisoned != honest
    assert honest == client.get("/search.json?q=lighthouse&page=2&utm_source=x").json()
    first = client.get("/search.json?q=lighthouse").json()
    assert first != honest


@pytest.mark.parametrize(
    "path",
    [
        "/articles/99999999999999999999",
        "/articles/99999999999999999999.json",
        "/articles/9223372036854775808",
        "/groups/99999999999999999999",
        "/stories/99999999999999999999",
        "/stories/99999999999999999999.json",
        "/stories/99999999999999999999/feed.rss",
        "/stories/99999999999999999999/feed.atom",
        "/static/%00",
        "/static/site.css%00",
        "/static/" + "a" * 5000,
    ],
)
def test_huge_ids_and_odd_static_paths_are_not_found(client: TestClient, path: str) -> None:
    """Issue 15, point 9: not a 500."""
    response = client.get(path)
    assert response.status_code == 404, response.text
    assert response.headers["x-content-type-options"] == "nosniff"


def test_huge_page_numbers_are_refused(client: TestClient) -> None:
    for path in ("/", "/search?q=lighthouse&", "/stories?", "/sources/harbour-post?"):
        sep = "" if path.endswith(("&", "?")) else "?"
        response = client.get(f"{path}{sep}page=99999999999999999999")
        assert response.status_code == 400, path
