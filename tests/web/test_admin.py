"""The admin pages: who may use them, CSRF and Origin checks, and each action's outcome,
against a real HTTP site on loopback."""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from click.testing import CliRunner
from starlette.testclient import TestClient

from nutgraf.cli import main
from nutgraf.store import SQLiteStore
from nutgraf.web.app import SiteConfig
from nutgraf.web.auth import SESSION_COOKIE
from nutgraf.web.csrf import CSRF_COOKIE
from nutgraf.web.server import app_from_environment
from tests.batch.conftest import Page, Site
from tests.batch.test_ingest_cli import STORIES, html_body, page, rss
from tests.web.conftest import Archive, assert_accessible, make_client, page_html

TOKEN = "correct horse battery staple"
DATE = "Mon, 23 Nov 2026 10:00:00 GMT"


@pytest.fixture
def guarded(store: SQLiteStore, archive: Archive) -> Iterator[TestClient]:
    """The site with an admin token, listening beyond loopback."""
    with make_client(store, SiteConfig(admin_token=TOKEN, local_only=False)) as client:
        yield client


def csrf(client: TestClient) -> str:
    """Load the admin page (which sets the CSRF cookie) and return the form's token."""
    response = client.get("/admin")
    token = client.cookies.get(CSRF_COOKIE)
    assert token
    # Every form carries the cookie's value (a closed admin page has no forms).
    assert set(page_html(response.text).xpath("//input[@name='csrf']/@value")) <= {token}
    return token


def post(client: TestClient, path: str, **fields: str) -> httpx.Response:
    return client.post(path, data={"csrf": csrf(client), **fields})


def notice(response: httpx.Response) -> tuple[str, str]:
    """The page's ("ok" | "error", text) notice."""
    doc = page_html(response.text)
    found = doc.xpath("//*[contains(@class, 'notice')]")
    assert len(found) == 1, response.text
    kind = "error" if "error" in found[0].get("class") else "ok"
    return kind, found[0].text_content()


def sign_in(client: TestClient) -> None:
    response = post(client, "/admin/login", token=TOKEN)
    assert response.status_code == 200  # after the 303 back to /admin
    assert response.url.path == "/admin"
    assert page_html(response.text).xpath("//form[@action='/admin/feeds']")


# --- who may use them -----------------------------------------------------------------------


def test_admin_is_open_on_loopback_without_a_token(client: TestClient) -> None:
    response = client.get("/admin")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    actions = page_html(response.text).xpath("//form/@action")
    assert actions[1:] == ["/admin/feeds", "/admin/urls", "/admin/dumps", "/admin/reingest"]


def test_admin_is_closed_beyond_loopback_without_a_token(
    store: SQLiteStore, archive: Archive
) -> None:
    with make_client(store, SiteConfig(admin_token=None, local_only=False)) as client:
        response = client.get("/admin")
        assert response.status_code == 403
        assert "The admin pages are off" in response.text
        assert_accessible(response.text)
        assert "NUTGRAF_ADMIN_TOKEN" in response.text
        assert not page_html(response.text).xpath("//form[starts-with(@action, '/admin')]")
        for path in ("/admin/feeds", "/admin/urls", "/admin/dumps", "/admin/reingest"):
            refused = post(client, path, url="http://127.0.0.1/x", text="x", article="1")
            assert refused.status_code == 403
            assert notice(refused) == ("error", "sign in first")
        # Nor does signing in open it: there is no token to give.
        post(client, "/admin/login", token="")
        assert client.get("/admin").status_code == 403
    assert store.count() == 6


def _served_admin() -> httpx.Response:
    """The admin page of the app a ``nutgraf serve`` worker builds from its environment."""
    app = app_from_environment()
    try:
        with TestClient(app, base_url="http://localhost:8000") as client:
            return client.get("/admin")
    finally:
        app.state.site.store.close()


def admin_status() -> int:
    return _served_admin().status_code


def asks_for_token() -> bool:
    return bool(page_html(_served_admin().text).xpath("//input[@name='token']"))


def test_the_server_keeps_admin_closed_when_it_listens_beyond_loopback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "a.db"
    SQLiteStore(db).close()
    calls: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.setenv("NUTGRAF_CONFIG", "/nonexistent/nutgraf.toml")
    monkeypatch.delenv("NUTGRAF_ADMIN_TOKEN", raising=False)
    # ``serve`` passes these on to its workers through the environment; restore them after.
    monkeypatch.setenv("NUTGRAF_DB", "unset")
    monkeypatch.setenv("NUTGRAF_SERVE_LOCAL", "unset")
    monkeypatch.setenv("NUTGRAF_SERVE_HOST", "unset")
    result = CliRunner().invoke(main, ["serve", "--db", str(db), "--host", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    assert "admin pages are off" in result.stderr
    assert calls and calls[0]["host"] == "0.0.0.0"
    assert os.environ["NUTGRAF_SERVE_LOCAL"] == "0"
    assert admin_status() == 403
    CliRunner().invoke(main, ["serve", "--db", str(db)])
    assert os.environ["NUTGRAF_SERVE_LOCAL"] == "1"
    assert admin_status() == 200
    monkeypatch.setenv("NUTGRAF_ADMIN_TOKEN", TOKEN)
    CliRunner().invoke(main, ["serve", "--db", str(db), "--host", "0.0.0.0"])
    assert admin_status() == 200
    assert asks_for_token()


def test_with_a_token_admin_asks_for_it_first(guarded: TestClient) -> None:
    response = guarded.get("/admin")
    assert response.status_code == 200
    doc = page_html(response.text)
    assert doc.xpath("//form/@action")[1:] == ["/admin/login"]
    assert doc.xpath("//input[@name='token']/@type") == ["password"]
    assert_accessible(response.text)
    refused = post(guarded, "/admin/urls", url="http://127.0.0.1/x")
    assert refused.status_code == 403
    assert notice(refused) == ("error", "sign in first")


def test_a_wrong_token_is_refused(guarded: TestClient) -> None:
    response = post(guarded, "/admin/login", token="guess")
    assert response.status_code == 403
    assert notice(response) == ("error", "wrong admin token")
    assert SESSION_COOKIE not in guarded.cookies
    assert not page_html(guarded.get("/admin").text).xpath("//form[@action='/admin/feeds']")


def test_the_right_token_signs_in_with_a_strict_http_only_cookie(guarded: TestClient) -> None:
    response = guarded.post(
        "/admin/login",
        data={"csrf": csrf(guarded), "token": TOKEN},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/admin"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert TOKEN not in cookie
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert page_html(guarded.get("/admin").text).xpath("//form[@action='/admin/feeds']")


# --- CSRF and Origin ------------------------------------------------------------------------


def test_a_form_without_the_csrf_token_is_refused(guarded: TestClient) -> None:
    csrf(guarded)
    response = guarded.post("/admin/login", data={"token": TOKEN})
    assert response.status_code == 403
    assert notice(response) == ("error", "refused: the form has expired; reload the page")
    assert SESSION_COOKIE not in guarded.cookies


def test_an_endless_form_is_refused_before_it_is_read(guarded: TestClient) -> None:
    """Anyone may post to the sign-in form: its body is bounded like every form's."""
    csrf(guarded)

    def body() -> Iterator[bytes]:  # chunked: no Content-Length to refuse it by
        yield b"token=" + TOKEN.encode() + b"&x="
        for _ in range(50):
            yield b"x" * 65_536

    form = {"content-type": "application/x-www-form-urlencoded"}
    response = guarded.post("/admin/login", content=body(), headers=form)
    assert response.status_code == 413 and "form is over" in response.text
    assert SESSION_COOKIE not in guarded.cookies


def test_a_csrf_token_not_matching_the_cookie_is_refused(guarded: TestClient) -> None:
    csrf(guarded)
    response = guarded.post("/admin/login", data={"token": TOKEN, "csrf": "forged"})
    assert response.status_code == 403
    assert SESSION_COOKIE not in guarded.cookies


def test_a_csrf_token_without_its_cookie_is_refused(guarded: TestClient) -> None:
    token = csrf(guarded)
    guarded.cookies.clear()
    response = guarded.post("/admin/login", data={"token": TOKEN, "csrf": token})
    assert response.status_code == 403
    assert SESSION_COOKIE not in guarded.cookies


def test_actions_check_csrf_after_sign_in(guarded: TestClient, store: SQLiteStore) -> None:
    sign_in(guarded)
    response = guarded.post("/admin/reingest", data={"article": "1", "csrf": "forged"})
    assert response.status_code == 403
    assert notice(response)[0] == "error"


def test_a_cross_site_origin_is_refused(guarded: TestClient) -> None:
    token = csrf(guarded)
    for origin in ("https://evil.test", "null", "http://testserver.evil.test"):
        response = guarded.post(
            "/admin/login", data={"token": TOKEN, "csrf": token}, headers={"Origin": origin}
        )
        assert response.status_code == 403, origin
        assert notice(response) == ("error", "refused: the form was posted from another site")
    assert SESSION_COOKIE not in guarded.cookies
    same = guarded.post(
        "/admin/login",
        data={"token": TOKEN, "csrf": token},
        headers={"Origin": "http://testserver"},
    )
    assert same.status_code == 200 and SESSION_COOKIE in guarded.cookies


def test_the_csrf_cookie_is_strict_and_http_only(client: TestClient) -> None:
    cookie = client.get("/admin").headers["set-cookie"]
    assert cookie.startswith(f"{CSRF_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie


# --- the actions ----------------------------------------------------------------------------


def feed_items(site: Site, count: int, first: int = 0) -> list[dict[str, str]]:
    return [
        {
            "title": f"Loopback story {n}",
            "link": site.url(f"/story-{n}"),
            "guid": f"loop-{n}",
            "date": DATE,
            "content": html_body(STORIES[n]),
        }
        for n in range(first, first + count)
    ]


@pytest.mark.usefixtures("loopback_allowed")
def test_adding_a_feed_subscribes_and_ingests_it(
    client: TestClient, store: SQLiteStore, site: Site
) -> None:
    client.get("/")  # cached now; the action must not leave it stale
    site.pages["/feed.xml"] = Page(
        rss("Loopback News", site.url("/"), feed_items(site, 3)), "application/rss+xml"
    )
    response = post(client, "/admin/feeds", url=site.url("/feed.xml"))
    assert response.status_code == 200
    kind, text = notice(response)
    assert kind == "ok"
    assert text.splitlines() == [
        f"subscribed to {site.url('/feed.xml')}",
        "3 new, 0 updated, 0 unchanged, 0 duplicates, 0 failed",
    ]
    assert [f.url for f in store.feeds()] == [site.url("/feed.xml")]
    home = client.get("/").text
    assert all(f"Loopback story {n}" in home for n in range(3))
    again = post(client, "/admin/feeds", url=site.url("/feed.xml"))
    assert notice(again)[1].splitlines() == [
        f"already subscribed to {site.url('/feed.xml')}",
        "0 new, 0 updated, 3 unchanged, 0 duplicates, 0 failed",
    ]


@pytest.mark.usefixtures("loopback_allowed")
def test_adding_a_page_that_is_not_a_feed_says_so(client: TestClient, site: Site) -> None:
    site.pages["/home"] = Page(page("Home", STORIES[0]))
    response = post(client, "/admin/feeds", url=site.url("/home"))
    assert response.status_code == 400
    kind, text = notice(response)
    assert kind == "error" and "is a web page, not a feed" in text


def test_a_loopback_feed_is_refused_unless_allowed(
    client: TestClient, site: Site, store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NUTGRAF_ALLOW_NETWORKS", raising=False)
    monkeypatch.setenv("NUTGRAF_CONFIG", "/nonexistent/nutgraf.toml")
    site.pages["/feed.xml"] = Page(
        rss("Loopback News", site.url("/"), feed_items(site, 1)), "application/rss+xml"
    )
    response = post(client, "/admin/feeds", url=site.url("/feed.xml"))
    assert response.status_code == 400
    assert notice(response)[0] == "error"
    assert site.requests == [] and store.feeds() == []


@pytest.mark.usefixtures("loopback_allowed")
def test_adding_a_url_ingests_the_page(client: TestClient, store: SQLiteStore, site: Site) -> None:
    client.get("/")
    site.pages["/story"] = Page(page("The loopback harbour story", STORIES[5]))
    response = post(client, "/admin/urls", url=site.url("/story"))
    assert response.status_code == 200
    assert notice(response) == ("ok", "1 new, 0 updated, 0 unchanged, 0 duplicates, 0 failed")
    assert "The loopback harbour story" in client.get("/").text


@pytest.mark.usefixtures("loopback_allowed")
def test_a_url_that_fails_is_reported(client: TestClient, site: Site) -> None:
    response = post(client, "/admin/urls", url=site.url("/missing"))
    _, text = notice(response)
    first, *reasons = text.splitlines()
    assert first == "0 new, 0 updated, 0 unchanged, 0 duplicates, 1 failed"
    assert reasons and reasons[0].startswith(f"failed: {site.url('/missing')}: ")
    assert "404" in reasons[0]


@pytest.mark.usefixtures("loopback_allowed")
def test_reingesting_fetches_an_article_again(
    client: TestClient, store: SQLiteStore, site: Site
) -> None:
    site.pages["/story"] = Page(page("First title", STORIES[5]))
    post(client, "/admin/urls", url=site.url("/story"))
    (stored,) = [s for s in store.articles() if s.item.url == site.url("/story")]
    site.pages["/story"] = Page(page("Corrected title", STORIES[5]))
    response = post(client, "/admin/reingest", article=str(stored.id))
    assert notice(response) == ("ok", "0 new, 1 updated, 0 unchanged, 0 duplicates, 0 failed")
    assert "Corrected title" in client.get(f"/articles/{stored.id}").text
    by_address = post(client, "/admin/reingest", article=site.url("/story"))
    assert notice(by_address) == ("ok", "0 new, 0 updated, 1 unchanged, 0 duplicates, 0 failed")


def test_reingesting_an_unknown_article_says_so(client: TestClient, archive: Archive) -> None:
    response = post(client, "/admin/reingest", article="999")
    assert response.status_code == 400
    assert notice(response) == ("error", "there is no article 999")


def test_an_empty_field_is_refused_with_what_to_give(client: TestClient) -> None:
    for path, message in (
        ("/admin/feeds", "give the feed's address"),
        ("/admin/urls", "give the article's address"),
        ("/admin/dumps", "give the page's text"),
        ("/admin/reingest", "give an article number or address"),
    ):
        response = post(client, path, url=" ", text="", article="")
        assert response.status_code == 400
        assert notice(response) == ("error", message)


def test_pasting_a_text_dump_adds_an_article(client: TestClient, store: SQLiteStore) -> None:
    client.get("/")
    before = store.count()
    text = "Harbour ferry resumes\n\n" + "\n\n".join(re.split(r"(?<=\.) ", STORIES[7])[:6])
    response = post(client, "/admin/dumps", text=text)
    assert response.status_code == 200
    assert notice(response) == ("ok", "1 new, 0 updated, 0 unchanged, 0 duplicates, 0 failed")
    assert store.count() == before + 1
    assert "Harbour ferry resumes" in client.get("/").text


def test_a_done_action_redirects_so_a_reload_does_not_repeat_it(
    client: TestClient, store: SQLiteStore
) -> None:
    text = "Harbour ferry resumes\n\n" + "\n\n".join(re.split(r"(?<=\.) ", STORIES[7])[:6])
    response = client.post(
        "/admin/dumps", data={"csrf": csrf(client), "text": text}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/admin"
    shown = client.get("/admin")
    assert notice(shown) == ("ok", "1 new, 0 updated, 0 unchanged, 0 duplicates, 0 failed")
    assert shown.headers["cache-control"] == "no-store"
    # The message is said once; a reload shows the forms alone and adds nothing.
    reloaded = client.get("/admin")
    assert not page_html(reloaded.text).xpath("//*[contains(@class, 'notice')]")
    assert page_html(reloaded.text).xpath("//textarea[@name='text']/text()") == []


def test_a_failed_action_keeps_what_was_sent_in_its_form(client: TestClient) -> None:
    pasted = "Advertisement\n\nSubscribe"  # page furniture, no article
    response = post(client, "/admin/dumps", text=pasted)
    assert response.status_code == 400
    assert notice(response)[0] == "error"
    doc = page_html(response.text)
    assert doc.xpath("//textarea[@name='text']/text()") == [pasted]
    assert doc.xpath("//input[@id='page-url']/@value") == [""]  # only the form that was sent
    missing = post(client, "/admin/reingest", article="999 <b>")
    assert page_html(missing.text).xpath("//input[@id='again']/@value") == ["999 <b>"]
    assert "999 <b>" not in missing.text  # escaped, not markup


@pytest.mark.usefixtures("loopback_allowed")
def test_an_address_that_fails_is_reported_as_an_error(
    client: TestClient, store: SQLiteStore, site: Site
) -> None:
    client.get("/")
    before = store.count()
    response = post(client, "/admin/urls", url=site.url("/missing"))
    assert response.status_code == 422
    kind, text = notice(response)
    assert kind == "error"
    assert text.startswith("0 new, 0 updated, 0 unchanged, 0 duplicates, 1 failed")
    assert site.url("/missing") in text
    assert store.count() == before


# --- the site never opens a path on its server (issue 15, point 1) ---------------------------


def _server_files(tmp_path: Path) -> dict[str, str]:
    """Paths an attacker might type: a secret file, a folder, a FIFO whose writer waits."""
    secret = tmp_path / "secret.txt"
    secret.write_text("Server secret\n\nThe database password is hunter2 and more words.\n")
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "notes.txt").write_text("Private notes\n\nThe folder holds private notes.\n")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    return {
        "secret": str(secret),
        "folder": str(folder),
        "fifo": str(fifo),
        "passwd": "/etc/passwd",
        "file url": secret.as_uri(),
        "relative": "secret.txt",
    }


def _feed_fifo(path: str) -> threading.Thread:
    """A writer for the FIFO, so code that opens it reads a secret instead of blocking."""

    def write() -> None:
        with contextlib.suppress(OSError):
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            os.write(fd, b"FIFO secret\n\nThe pipe carried a private message here.\n")
            os.close(fd)

    def keep_trying() -> None:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # until a reader opens it (ENXIO before)
            write()
            time.sleep(0.05)

    thread = threading.Thread(target=keep_trying, daemon=True)
    thread.start()
    return thread


def test_server_paths_typed_into_the_admin_are_never_read(
    client: TestClient, store: SQLiteStore, archive: Archive, tmp_path: Path
) -> None:
    cwd = os.getcwd()
    os.chdir(tmp_path)  # so the relative path names the secret too
    try:
        before = store.count()
        for name, path in _server_files(tmp_path).items():
            if name == "fifo":
                _feed_fifo(path)
            for form, field in (
                ("/admin/urls", "url"),
                ("/admin/reingest", "article"),
                ("/admin/feeds", "url"),
            ):
                response = post(client, form, **{field: path})
                assert response.status_code == 400, (name, form)
                kind, text = notice(response)
                assert kind == "error" and "http" in text, (name, form, text)
        assert store.count() == before
        assert store.feeds() == []
        for word in ("hunter2", "private", "root"):
            assert store.search(word) == [], word
    finally:
        os.chdir(cwd)


@pytest.mark.usefixtures("loopback_allowed")
def test_an_opml_list_is_not_subscribed_from_add_an_article(
    client: TestClient, store: SQLiteStore, site: Site
) -> None:
    site.pages["/feed.xml"] = Page(
        rss("Loopback News", site.url("/"), feed_items(site, 1)), "application/rss+xml"
    )
    site.pages["/list.opml"] = Page(
        (
            '<?xml version="1.0"?><opml version="2.0"><head><title>L</title></head><body>'
            f'<outline type="rss" text="Loopback" xmlUrl="{site.url("/feed.xml")}"/>'
            "</body></opml>"
        ).encode(),
        "text/x-opml",
    )
    response = post(client, "/admin/urls", url=site.url("/list.opml"))
    assert response.status_code == 422
    kind, text = notice(response)
    assert kind == "error" and "OPML" in text
    assert store.feeds() == []
    assert [path for path, _ in site.requests] == ["/list.opml"]
