"""The admin's feeds page: who may see and use it, each action on a feed (edit, disable,
enable, remove), OPML import and export with hostile input, and the page in a real headless
Chromium (edit a category, see it under /categories, export and import OPML)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import httpx
import pytest
from starlette.testclient import TestClient

from nutgraf.ingest.opml import OpmlFeed, parse_opml, write_opml
from nutgraf.store import PollOutcome, SQLiteStore
from nutgraf.web.app import SiteConfig, create_app
from nutgraf.web.csrf import CSRF_COOKIE
from nutgraf.web.feeds_admin import MAX_IMPORT_BYTES
from nutgraf.web.openapi import SCHEMAS
from tests.web.conftest import (
    COAST,
    HARBOUR,
    Archive,
    assert_accessible,
    fill,
    make_client,
    page_html,
    serving,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser

TOKEN = "correct horse battery staple"
NOW = "2026-11-24T10:00:00Z"
HARBOUR_FEED = HARBOUR + "feed.xml"
COAST_FEED = COAST + "feed.xml"
FAILING = "https://failing.test/feed.xml"
OPML = write_opml(
    [
        OpmlFeed("https://one.test/feed", "One", "https://one.test/", "World/Asia"),
        OpmlFeed("https://two.test/feed", "Two", None, None),
    ]
)


def subscribe(store: SQLiteStore) -> dict[str, int]:
    """The crafted archive's two feeds (articles: 3 each) and a failing one."""
    ids = {}
    for url, title in ((HARBOUR_FEED, "Harbour Post"), (COAST_FEED, None), (FAILING, "Failing")):
        state, _ = store.add_feed(url, title=title, now=NOW)
        ids[url] = state.id
    store.record_poll(
        ids[FAILING],
        PollOutcome(checked=NOW, next_check="2026-11-24T11:00:00Z", error="HTTP 500 <boom>"),
    )
    return ids


@pytest.fixture
def feeds(store: SQLiteStore, archive: Archive) -> dict[str, int]:
    return subscribe(store)


@pytest.fixture
def local(store: SQLiteStore, feeds: dict[str, int]) -> Iterator[TestClient]:
    """A loopback site without a token: the admin pages are open."""
    with make_client(store) as client:
        yield client


@pytest.fixture
def guarded(store: SQLiteStore, feeds: dict[str, int]) -> Iterator[TestClient]:
    """A site beyond loopback with an admin token."""
    with make_client(store, SiteConfig(admin_token=TOKEN, local_only=False)) as client:
        yield client


def csrf(client: TestClient) -> str:
    client.get("/admin/feeds")
    token = client.cookies.get(CSRF_COOKIE)
    assert token
    return token


def post(client: TestClient, path: str, **fields: str) -> httpx.Response:
    return client.post(path, data={"csrf": csrf(client), **fields}, follow_redirects=False)


def upload(client: TestClient, data: bytes, **fields: str) -> httpx.Response:
    return client.post(
        "/admin/feeds/import",
        data={"csrf": csrf(client), **fields},
        files={"file": ("feeds.opml", data, "text/x-opml")},
        follow_redirects=False,
    )


def notice(response: httpx.Response) -> tuple[str, str]:
    found = page_html(response.text).xpath("//*[contains(@class, 'notice')]")
    assert len(found) == 1, response.text
    return ("error" if "error" in found[0].get("class") else "ok"), found[0].text_content()


def done(client: TestClient, response: httpx.Response) -> str:
    """The message a post-redirect-get action left on the feeds page."""
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/admin/feeds"
    kind, text = notice(client.get("/admin/feeds"))
    assert kind == "ok"
    assert not client.get("/admin/feeds").text.count("notice ok")  # said once
    return text


# --- the list ---------------------------------------------------------------------------------


def test_the_page_lists_every_feed_with_status_checks_and_articles(
    local: TestClient, store: SQLiteStore, feeds: dict[str, int]
) -> None:
    store.disable_feed(feeds[COAST_FEED], "disabled by the admin")
    body = local.get("/admin/feeds.json").json()
    listed = {f["url"]: f for f in body["feeds"]}
    assert set(listed) == {HARBOUR_FEED, COAST_FEED, FAILING}
    assert set(listed[FAILING]) == set(SCHEMAS["FeedStatus"]["properties"])
    assert (listed[HARBOUR_FEED]["status"], listed[HARBOUR_FEED]["articles"]) == ("ok", 3)
    assert (listed[COAST_FEED]["status"], listed[COAST_FEED]["articles"]) == ("disabled", 3)
    failing = listed[FAILING]
    assert (failing["status"], failing["articles"], failing["failures"]) == ("failing", 0, 1)
    assert failing["last_error"] == "HTTP 500 <boom>"
    assert failing["last_checked"] == NOW and failing["next_check"] == "2026-11-24T11:00:00Z"

    response = local.get("/admin/feeds")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert_accessible(response.text)
    doc = page_html(response.text)
    sections = {s.get("id"): s.text_content() for s in doc.xpath("//section[@class='panel feed']")}
    assert "failing" in sections[f"feed-{feeds[FAILING]}"]
    assert "Last error: HTTP 500 <boom>" in sections[f"feed-{feeds[FAILING]}"]
    assert "disabled: disabled by the admin" in sections[f"feed-{feeds[COAST_FEED]}"]
    assert "3 articles" in sections[f"feed-{feeds[HARBOUR_FEED]}"]
    assert not doc.xpath("//main//boom")  # the error is text, not markup
    actions = set(doc.xpath("//form/@action"))
    one = f"/admin/feeds/{feeds[HARBOUR_FEED]}"
    assert {f"{one}/edit", f"{one}/disable", f"{one}/remove", "/admin/feeds/import"} <= actions
    assert f"/admin/feeds/{feeds[COAST_FEED]}/enable" in actions
    token = local.cookies.get(CSRF_COOKIE)
    assert set(doc.xpath("//input[@name='csrf']/@value")) == {token}
    admin_page = page_html(local.get("/admin").text)
    assert "/admin/feeds" in admin_page.xpath("//main//a/@href")


def test_with_a_token_the_page_asks_to_sign_in_and_automation_sends_the_token(
    guarded: TestClient,
) -> None:
    page = guarded.get("/admin/feeds", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/admin"
    twin = guarded.get("/admin/feeds.json")
    assert twin.status_code == 401
    assert set(twin.json()["error"]) == {"status", "message"}
    assert guarded.get("/admin/feeds.opml").status_code == 401
    for wrong in ("Bearer nope", f"Basic {TOKEN}", "Bearer", "Bearer " + "x" * 5000):
        assert guarded.get("/admin/feeds.json", headers={"authorization": wrong}).status_code == 401
    bearer = {"authorization": f"Bearer {TOKEN}"}
    assert len(guarded.get("/admin/feeds.json", headers=bearer).json()["feeds"]) == 3
    assert guarded.get("/admin/feeds.opml", headers=bearer).status_code == 200
    # The token opens no form: a post needs the session and its CSRF cookie.
    refused = guarded.post("/admin/feeds/1/disable", headers=bearer, follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"] == "/admin"

    guarded.post("/admin/login", data={"csrf": csrf(guarded), "token": TOKEN})
    assert guarded.get("/admin/feeds").status_code == 200
    assert len(guarded.get("/admin/feeds.json").json()["feeds"]) == 3


def test_guessing_the_bearer_token_is_limited_as_sign_ins_are(guarded: TestClient) -> None:
    wrong = {"authorization": "Bearer " + "n" * 30}
    answers = [guarded.get("/admin/feeds.json", headers=wrong).status_code for _ in range(6)]
    assert answers == [401] * 5 + [429]
    right = guarded.get("/admin/feeds.json", headers={"authorization": f"Bearer {TOKEN}"})
    assert right.status_code == 429  # past the limit the right token waits too
    assert int(right.headers["retry-after"]) > 0
    assert right.json()["error"]["message"] == "too many failed sign-ins; try again later"


def test_beyond_loopback_without_a_token_the_page_is_closed(
    store: SQLiteStore, feeds: dict[str, int]
) -> None:
    with make_client(store, SiteConfig(local_only=False)) as closed:
        assert closed.get("/admin/feeds").status_code == 403
        assert closed.get("/admin/feeds.json").json()["error"]["status"] == 403
        assert closed.get("/admin/feeds.opml").status_code == 403
        assert closed.get(
            "/admin/feeds.json", headers={"authorization": "Bearer x"}
        ).status_code == (403)
        token = closed.get("/admin").cookies.get(CSRF_COOKIE) or "t"
        closed.cookies.set(CSRF_COOKIE, token, path="/")
        for action in ("edit", "disable", "remove"):
            response = closed.post(
                f"/admin/feeds/{feeds[HARBOUR_FEED]}/{action}",
                data={"csrf": token, "category": "X"},
            )
            assert response.status_code == 403
        refused = closed.post(
            "/admin/feeds/import",
            data={"csrf": token},
            files={"file": ("f.opml", OPML, "text/xml")},
        )
        assert refused.status_code == 403
    assert store.feed(HARBOUR_FEED) is not None
    assert store.feed("https://one.test/feed") is None


# --- actions on a feed ------------------------------------------------------------------------


def test_editing_sets_title_and_category_and_the_category_page_shows_it(
    local: TestClient, store: SQLiteStore, feeds: dict[str, int], archive: Archive
) -> None:
    path = f"/admin/feeds/{feeds[COAST_FEED]}/edit"
    said = done(local, post(local, path, title=" The Coast ", category=" Local / Coast /"))
    assert said == "saved The Coast: in Local/Coast"
    state = store.feed(COAST_FEED)
    assert state is not None and (state.title, state.category) == ("The Coast", "Local/Coast")
    listed = local.get("/categories/Local.json").json()["articles"]
    assert [a["id"] for a in listed] == [archive.passes, archive.copy, archive.ferry]
    # Emptied, both are cleared.
    assert (
        done(local, post(local, path, title="", category=""))
        == f"saved {COAST_FEED}: in no category"
    )
    assert local.get("/categories/Local.json").status_code == 404


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"title": "t" * 301, "category": "x"}, "a title is at most 300 characters"),
        ({"title": "t", "category": "c" * 201}, "a category is at most 200 characters"),
    ],
)
def test_an_edit_out_of_bounds_is_refused_and_changes_nothing(
    local: TestClient,
    store: SQLiteStore,
    feeds: dict[str, int],
    fields: dict[str, str],
    error: str,
) -> None:
    response = post(local, f"/admin/feeds/{feeds[HARBOUR_FEED]}/edit", **fields)
    assert response.status_code == 400
    kind, text = notice(response)
    assert kind == "error" and error in text
    # What was typed is kept in the form.
    doc = page_html(response.text)
    typed = doc.xpath(f"//input[@id='title-{feeds[HARBOUR_FEED]}']/@value")
    assert typed == [fields["title"]]
    state = store.feed(HARBOUR_FEED)
    assert state is not None and (state.title, state.category) == ("Harbour Post", None)


def test_a_post_without_the_csrf_token_or_from_another_site_is_refused(
    local: TestClient, store: SQLiteStore, feeds: dict[str, int]
) -> None:
    path = f"/admin/feeds/{feeds[HARBOUR_FEED]}/disable"
    csrf(local)
    assert local.post(path, data={}).status_code == 403
    assert local.post(path, data={"csrf": "forged"}).status_code == 403
    foreign = local.post(path, data={"csrf": csrf(local)}, headers={"origin": "https://evil.test"})
    assert foreign.status_code == 403
    assert "another site" in notice(foreign)[1]
    missing = local.post(
        "/admin/feeds/import", files={"file": ("f.opml", OPML, "text/xml")}, data={}
    )
    assert missing.status_code == 403
    state = store.feed(HARBOUR_FEED)
    assert state is not None and state.disabled_reason is None
    assert store.feed("https://one.test/feed") is None


@pytest.mark.parametrize("action", ["edit", "disable", "enable", "remove"])
def test_an_unknown_feed_is_a_404(local: TestClient, action: str) -> None:
    response = post(local, f"/admin/feeds/424242/{action}", category="x")
    assert response.status_code == 404
    assert "there is no feed 424242" in notice(response)[1]
    too_long = post(local, f"/admin/feeds/{'9' * 19}/{action}")
    assert too_long.status_code == 404
    assert post(local, f"/admin/feeds/abc/{action}").status_code == 404


def test_disable_and_enable(local: TestClient, store: SQLiteStore, feeds: dict[str, int]) -> None:
    one = f"/admin/feeds/{feeds[FAILING]}"
    assert "disabled Failing" in done(local, post(local, f"{one}/disable"))
    state = store.feed(FAILING)
    assert state is not None and state.disabled_reason == "disabled by the admin"
    assert store.due_feeds("2099-01-01T00:00:00Z") and FAILING not in {
        f.url for f in store.due_feeds("2099-01-01T00:00:00Z")
    }
    assert "enabled Failing" in done(local, post(local, f"{one}/enable"))
    state = store.feed(FAILING)
    assert state is not None and (state.disabled_reason, state.failures) == (None, 0)
    assert state.last_error is None


def test_remove_keeps_the_articles_unless_asked(
    local: TestClient, store: SQLiteStore, feeds: dict[str, int], archive: Archive
) -> None:
    said = done(local, post(local, f"/admin/feeds/{feeds[HARBOUR_FEED]}/remove"))
    assert said == "removed Harbour Post; its articles stay"
    assert store.feed(HARBOUR_FEED) is None
    assert store.get(archive.vote) is not None
    said = done(local, post(local, f"/admin/feeds/{feeds[COAST_FEED]}/remove", with_articles="1"))
    assert said == f"removed {COAST_FEED} and deleted its 3 articles"
    assert store.feed(COAST_FEED) is None
    assert [store.get(i) for i in (archive.ferry, archive.copy, archive.passes)] == [None] * 3
    assert store.get(archive.vote) is not None


# --- OPML -------------------------------------------------------------------------------------


def test_import_subscribes_to_a_file_or_pasted_list_with_its_categories(
    local: TestClient, store: SQLiteStore
) -> None:
    said = done(local, upload(local, OPML))
    assert said.startswith("subscribed to 2 new feeds (0 already subscribed)")
    one = store.feed("https://one.test/feed")
    assert one is not None and (one.title, one.category, one.site) == (
        "One",
        "World/Asia",
        "https://one.test/",
    )
    assert one.next_check is not None  # due: the next poll fetches it
    pasted = OPML.decode().replace("https://two.test/feed", "https://three.test/feed")
    response = local.post(
        "/admin/feeds/import",
        data={"csrf": csrf(local), "text": pasted},
        follow_redirects=False,
    )
    assert done(local, response).startswith("subscribed to 1 new feed (1 already subscribed)")
    assert store.feed("https://three.test/feed") is not None
    categories = local.get("/categories.json").json()["categories"]
    assert [c["name"] for c in categories] == ["World", "World/Asia"]


def test_import_takes_only_web_addresses(local: TestClient, store: SQLiteStore) -> None:
    hostile = write_opml(
        [
            OpmlFeed("file:///etc/passwd", "Files"),
            OpmlFeed("javascript:alert(1)", "Script"),
            OpmlFeed("/var/lib/nutgraf.db", "Path"),
            OpmlFeed("https://ok.test/feed", "OK\x1b[31m", None, "c" * 300),
            OpmlFeed("https://fine.test/feed", "Fine\x1b[31m"),
        ]
    )
    said = done(local, upload(local, hostile))
    assert said.startswith("subscribed to 1 new feed")
    assert "refused: file:///etc/passwd: not an http(s) address" in said
    assert "refused: javascript:alert(1): not an http(s) address" in said
    assert "refused: https://ok.test/feed: a category is at most 200 characters" in said
    urls = {f.url for f in store.feeds()}
    assert "https://fine.test/feed" in urls
    assert not urls & {"file:///etc/passwd", "javascript:alert(1)", "https://ok.test/feed"}
    fine = store.feed("https://fine.test/feed")
    assert fine is not None and fine.title == "Fine[31m"  # XML cannot carry the escape


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>
<opml version="2.0"><body><outline text="&lol2;" xmlUrl="https://x.test/"/></body></opml>"""


@pytest.mark.parametrize(
    ("data", "status", "error"),
    [
        (b"<opml><body><outline", 400, "not well-formed"),
        (BOMB, 400, "entity declaration"),
        (b"<rss version='2.0'><channel/></rss>", 400, "not an OPML list"),
        (b"   ", 400, "give an OPML list"),
        (b"<opml>" + b" " * (MAX_IMPORT_BYTES + 10) + b"</opml>", 413, "over 1024 kB"),
    ],
)
def test_a_hostile_or_broken_list_is_refused_with_one_message(
    local: TestClient, store: SQLiteStore, data: bytes, status: int, error: str
) -> None:
    before = len(store.feeds())
    response = upload(local, data)
    assert response.status_code == status
    kind, text = notice(response)
    assert kind == "error" and error in text
    assert len(store.feeds()) == before


def test_a_huge_paste_or_body_is_refused_before_it_is_read(local: TestClient) -> None:
    huge = "x" * (MAX_IMPORT_BYTES + 200_000)
    pasted = local.post("/admin/feeds/import", data={"csrf": csrf(local), "text": huge})
    assert pasted.status_code == 413
    two = local.post(
        "/admin/feeds/import",
        data={"csrf": csrf(local)},
        files=[("file", ("a.opml", OPML, "text/xml")), ("file", ("b.opml", OPML, "text/xml"))],
    )
    assert two.status_code == 400


def test_export_downloads_every_feed_as_opml(
    local: TestClient, store: SQLiteStore, feeds: dict[str, int]
) -> None:
    store.edit_feed(feeds[HARBOUR_FEED], "Harbour Post", "News/Harbour")
    response = local.get("/admin/feeds.opml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/x-opml")
    assert response.headers["content-disposition"] == 'attachment; filename="nutgraf-feeds.opml"'
    listed = {f.url: f for f in parse_opml(response.content)}
    assert set(listed) == {HARBOUR_FEED, COAST_FEED, FAILING}
    assert (listed[HARBOUR_FEED].title, listed[HARBOUR_FEED].category) == (
        "Harbour Post",
        "News/Harbour",
    )


# --- in a browser -----------------------------------------------------------------------------


@pytest.mark.browser
def test_a_category_edited_on_the_feeds_page_shows_and_opml_goes_out_and_in(
    browser: Browser, shots: Path, tmp_path: Path
) -> None:
    from tests.web.test_browser import LOW_CONTRAST

    with SQLiteStore(tmp_path / "site.db") as store:
        archive = fill(store)
        ids = subscribe(store)
        with serving(create_app(store, SiteConfig())) as base:
            context = browser.new_context(
                viewport={"width": 360, "height": 740}, accept_downloads=True
            )
            try:
                page = context.new_page()
                page.set_default_timeout(5000)
                errors: list[str] = []
                page.on("pageerror", lambda error: errors.append(str(error)))
                page.goto(base + "/admin")
                page.get_by_role("link", name="Feeds: status").click()
                page.wait_for_url("**/admin/feeds")
                assert page.evaluate("document.documentElement.scrollWidth") <= 360
                assert page.evaluate(LOW_CONTRAST) == []
                page.screenshot(path=str(shots / "feeds-admin.png"), full_page=True)

                # Edit the coast feed's category, from the keyboard.
                field = page.locator(f"#category-{ids[COAST_FEED]}")
                field.fill("Local/Coast")
                field.press("Enter")
                page.wait_for_url("**/admin/feeds")
                assert "in Local/Coast" in page.locator(".notice.ok").inner_text()
                page.goto(base + "/categories")
                page.get_by_role("link", name="Local/Coast").click()
                page.wait_for_url("**/categories/Local/Coast")
                titles = page.locator("ol.stream li h2 > a").all_inner_texts()
                assert titles[0] == "Lighthouse budget passes the council"
                assert len(titles) == 3
                page.goto(f"{base}/articles/{archive.ferry}")
                assert page.get_by_role("link", name="Local/Coast").count() == 1

                # Export, remove a feed, and import the exported list back.
                page.goto(base + "/admin/feeds")
                with page.expect_download() as download:
                    page.get_by_role("link", name="Export OPML").click()
                exported = tmp_path / "exported.opml"
                download.value.save_as(exported)
                assert {f.url for f in parse_opml(exported.read_bytes())} == {
                    HARBOUR_FEED,
                    COAST_FEED,
                    FAILING,
                }
                page.get_by_role("button", name=f"Remove {COAST_FEED}").click()
                page.wait_for_url("**/admin/feeds")
                assert store.feed(COAST_FEED) is None
                page.set_input_files("#opml-file", str(exported))
                page.get_by_role("button", name="Import").click()
                page.wait_for_url("**/admin/feeds")
                notice_text = page.locator(".notice.ok").inner_text()
                assert notice_text.startswith("subscribed to 1 new feed (2 already subscribed)")
                back = store.feed(COAST_FEED)
                assert back is not None and back.category == "Local/Coast"
                page.screenshot(path=str(shots / "feeds-admin-imported.png"), full_page=True)
                assert errors == []
            finally:
                context.close()


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_new_pages_have_aa_contrast_and_fit_a_phone(
    browser: Browser, shots: Path, tmp_path: Path, scheme: Literal["light", "dark"]
) -> None:
    from tests.web.test_browser import LOW_CONTRAST

    with SQLiteStore(tmp_path / "site.db") as store:
        fill(store)
        ids = subscribe(store)
        store.edit_feed(ids[COAST_FEED], None, "Local/Coast and a rather long name to wrap")
        with serving(create_app(store, SiteConfig())) as base:
            context = browser.new_context(
                viewport={"width": 360, "height": 740}, color_scheme=scheme
            )
            try:
                page = context.new_page()
                for path in (
                    "/categories",
                    "/categories/Local",
                    "/admin/feeds",
                ):
                    page.goto(base + path)
                    name = path.strip("/").replace("/", "-")
                    page.screenshot(path=str(shots / f"{scheme}-{name}.png"), full_page=True)
                    assert page.evaluate(LOW_CONTRAST) == [], path
                    assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
                # From the keyboard, focus is visible on the feeds page's fields.
                page.locator(f"#category-{ids[COAST_FEED]}").focus()
                outline = "getComputedStyle(document.activeElement).outlineStyle"
                assert page.evaluate(outline) != "none"
            finally:
                context.close()
