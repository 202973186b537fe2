"""The Fever API at /api/fever (issue 18), as the published API (feedafever.com/api, version 3)
has apps call it: ``POST /api/fever?api`` with ``api_key`` = md5("name:API password"), each
list and every mark, the hostile requests, a private site, and an app over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import time
import zlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from importlib.resources import files
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from nutgraf.accounts import fever_key, hash_password
from nutgraf.errors import NutgrafError
from nutgraf.store import SQLiteStore
from nutgraf.store.base import PollOutcome
from nutgraf.stories.archive import update_stories
from nutgraf.web.app import SiteConfig, create_app
from nutgraf.web.ratelimit import FailureLimits
from tests.store.test_sqlite import item
from tests.web.conftest import COAST, EVIL, HARBOUR, Archive, make_client, serving
from tests.web.signin import CONFIG, PASSWORD, sign_in

NOW = "2026-11-24T10:00:00Z"
API_PASSWORD = "ann's app password"
HARBOUR_FEED = HARBOUR + "feed.xml"
COAST_FEED = COAST + "feed.xml"
AUTH_FAILED = {"api_version": 3, "auth": 0}
# Many wrong keys in one test, from one client: the limit has its own test.
LENIENT = replace(CONFIG, login_limits=FailureLimits(per_client=100, overall=1000))


def give_api_password(store: SQLiteStore, name: str, password: str = API_PASSWORD) -> str:
    """Make ``name`` a user with this API password; their Fever key."""
    if store.user(name) is None:
        sign_in(httpx.Client(), store, name)  # adds the user with an account password
    key = fever_key(name, password)
    assert store.set_api_password(name, hash_password(password), key)
    return key


@pytest.fixture
def feeds(store: SQLiteStore, archive: Archive) -> dict[str, int]:
    harbour, _ = store.add_feed(
        HARBOUR_FEED, title="Harbour Post", site=HARBOUR, category="News/Harbour", now=NOW
    )
    coast, _ = store.add_feed(COAST_FEED, title=None, category="News", now=NOW)
    store.add_feed("https://quiet.test/feed.xml", title="Quiet", now=NOW)  # in no group
    return {"harbour": harbour.id, "coast": coast.id}


@pytest.fixture
def app(store: SQLiteStore, feeds: dict[str, int]) -> Iterator[TestClient]:
    with make_client(store, LENIENT) as opened:
        yield opened


@pytest.fixture
def key(store: SQLiteStore) -> str:
    return give_api_password(store, "ann")


def fever(client: TestClient, key: str | None, query: str = "api", **fields: str) -> Any:
    """One call as apps make it: POST /api/fever?QUERY, api_key in the form; the JSON."""
    data = dict(fields) if key is None else {"api_key": key, **fields}
    response = client.post(f"/api/fever?{query}", data=data)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "private, no-store"
    return response.json()


def ids(text: str) -> list[int]:
    return [int(i) for i in text.split(",")] if text else []


# --- auth -----------------------------------------------------------------------------------


def test_the_right_key_authenticates(app: TestClient, key: str) -> None:
    answer = fever(app, key)
    assert answer == {"api_version": 3, "auth": 1, "last_refreshed_on_time": 0}
    assert key == hashlib.md5(f"ann:{API_PASSWORD}".encode()).hexdigest()
    # The other address, the key in upper case, and the key in the query string all work.
    assert fever(app, key.upper())["auth"] == 1
    assert app.post("/api/fever/?api", data={"api_key": key}).json()["auth"] == 1
    assert app.post(f"/api/fever?api&api_key={key}").json()["auth"] == 1
    assert app.get(f"/api/fever?api&api_key={key}").json()["auth"] == 1


def test_a_wrong_or_missing_key_answers_auth_0_and_nothing_else(
    app: TestClient, key: str, store: SQLiteStore
) -> None:
    for wrong in ("", "0" * 32, fever_key("ann", "not the password"), key[:-1], "x" * 500):
        assert fever(app, wrong, "api&items&unread_item_ids&groups") == AUTH_FAILED, wrong
    assert fever(app, None, "api&items") == AUTH_FAILED
    # A mark with a wrong key marks nothing.
    fever(app, "0" * 32, "api", mark="group", id="0", **{"as": "read"}, before="9999999999")
    assert fever(app, key, "api&unread_item_ids")["unread_item_ids"] != ""


def test_a_user_without_an_api_password_has_no_key(
    app: TestClient, store: SQLiteStore, key: str
) -> None:
    sign_in(httpx.Client(), store, "bob")  # an account password, no API password
    assert fever(app, fever_key("bob", PASSWORD)) == AUTH_FAILED
    # Taking the API password away takes the key with it; a new password makes a new key.
    store.set_api_password("ann", None, None)
    assert fever(app, key) == AUTH_FAILED
    new = give_api_password(store, "ann", "another app password")
    assert fever(app, key) == AUTH_FAILED
    assert fever(app, new)["auth"] == 1


def test_wrong_keys_are_limited_like_sign_ins(store: SQLiteStore, feeds: dict[str, int]) -> None:
    key = give_api_password(store, "ann")
    config = SiteConfig(login_limits=FailureLimits(per_client=2, overall=100))
    with make_client(store, config) as app:
        assert fever(app, key)["auth"] == 1
        for _ in range(2):
            assert fever(app, "f" * 32) == AUTH_FAILED
        refused = app.post("/api/fever?api", data={"api_key": key})
        assert refused.status_code == 429  # past the limit the right key waits too
        assert int(refused.headers["retry-after"]) > 0
        assert refused.json()["auth"] == 0
        assert "too many" in refused.json()["error"]["message"]


def test_a_private_site_answers_the_api_with_its_key(
    store: SQLiteStore, feeds: dict[str, int]
) -> None:
    key = give_api_password(store, "ann")
    with make_client(store, SiteConfig(public=False)) as app:
        assert app.get("/unread.json").status_code == 401
        assert fever(app, key, "api&groups")["groups"]
        assert fever(app, "0" * 32) == AUTH_FAILED


# --- the lists ------------------------------------------------------------------------------


def test_groups_are_categories_with_stable_ids(
    app: TestClient, key: str, feeds: dict[str, int]
) -> None:
    answer = fever(app, key, "api&groups")
    harbour_group = zlib.crc32(b"News/Harbour") & 0x7FFFFFFF
    news_group = zlib.crc32(b"News") & 0x7FFFFFFF
    assert answer["groups"] == [
        {"id": news_group, "title": "News"},
        {"id": harbour_group, "title": "News/Harbour"},
    ]
    assert sorted(answer["feeds_groups"], key=lambda g: g["group_id"]) == sorted(
        [
            {"group_id": news_group, "feed_ids": str(feeds["coast"])},
            {"group_id": harbour_group, "feed_ids": str(feeds["harbour"])},
        ],
        key=lambda g: g["group_id"],
    )
    assert "feeds" not in answer and "items" not in answer


def test_feeds_with_their_groups(
    app: TestClient, key: str, feeds: dict[str, int], store: SQLiteStore
) -> None:
    answer = fever(app, key, "api&feeds")
    by_id = {f["id"]: f for f in answer["feeds"]}
    assert len(by_id) == 3
    assert by_id[feeds["harbour"]] == {
        "id": feeds["harbour"],
        "favicon_id": 1,
        "title": "Harbour Post",
        "url": HARBOUR_FEED,
        "site_url": HARBOUR,
        "is_spark": 0,
        "last_updated_on_time": 0,  # never checked yet
    }
    assert by_id[feeds["coast"]]["title"] == COAST_FEED  # a feed without a title: its url
    assert len(answer["feeds_groups"]) == 2
    assert "groups" not in answer


def test_feed_times_are_when_they_were_checked(
    app: TestClient, key: str, feeds: dict[str, int], store: SQLiteStore
) -> None:
    store.record_poll(feeds["coast"], PollOutcome("2026-11-30T12:00:00Z", "2026-11-30T13:00:00Z"))
    checked = int(datetime(2026, 11, 30, 12, tzinfo=UTC).timestamp())
    answer = fever(app, key, "api&feeds")
    assert answer["last_refreshed_on_time"] == checked
    by_id = {f["id"]: f for f in answer["feeds"]}
    assert by_id[feeds["coast"]]["last_updated_on_time"] == checked


def test_favicons_are_the_sites_own_icon(app: TestClient, key: str) -> None:
    answer = fever(app, key, "api&favicons")
    [icon] = answer["favicons"]
    assert icon["id"] == 1
    kind, data = icon["data"].split(";base64,")
    assert kind == "image/svg+xml"
    svg = files("nutgraf.web").joinpath("static/favicon.svg").read_bytes()
    assert base64.b64decode(data) == svg
    assert app.get("/favicon.ico").content == svg


def test_items_are_articles_with_their_summary_and_reading_state(
    app: TestClient, key: str, archive: Archive, feeds: dict[str, int], store: SQLiteStore
) -> None:
    store.set_read("ann", [archive.ferry], True)
    store.set_starred("ann", archive.vote, True, NOW)
    answer = fever(app, key, "api&items")
    assert answer["total_items"] == 6
    items = {i["id"]: i for i in answer["items"]}
    assert [i["id"] for i in answer["items"]] == sorted(items)  # the first by id
    vote = items[archive.vote]
    assert vote["feed_id"] == feeds["harbour"]
    assert vote["title"] == "Lighthouse budget vote"
    assert vote["author"] == "Jo Writer"
    assert vote["url"] == HARBOUR + "vote"
    assert (vote["is_saved"], vote["is_read"]) == (1, 0)
    assert (items[archive.ferry]["is_saved"], items[archive.ferry]["is_read"]) == (0, 1)
    published = datetime(2026, 1, 1, 9, tzinfo=UTC).timestamp()
    assert vote["created_on_time"] == int(published)
    # The summary heads the body; each cited sentence is marked where it stands.
    html = vote["html"]
    assert html.startswith('<ol class="summary"><li><a href="#s1">The harbour commission')
    assert '<mark class="cite" id="s1" tabindex="-1">The harbour commission voted' in html
    assert "<h2>What the budget pays for</h2>" in html
    evil = items[archive.evil]
    assert evil["title"] == f"Harbour {EVIL} notice"  # JSON text, as the feed titled it
    assert "<script>" not in evil["html"] and "&lt;script&gt;" in evil["html"]
    assert evil["author"] == f"Mal {EVIL}"


def test_items_page_by_since_id_max_id_and_with_ids(
    app: TestClient, key: str, archive: Archive, store: SQLiteStore
) -> None:
    more = [
        store.save(
            item(
                f"filler article {n} about the ferry",
                url=f"https://filler.test/{n}",
                published=f"2026-02-{n // 24 + 1:02d}T{n % 24:02d}:00:00Z",
                feed="https://filler.test/feed.xml",
                guid=str(n),
            )
        ).id
        for n in range(60)
    ]
    every = sorted([*archive.newest_first(), *more])
    assert len(every) == 66

    def page(query: str, **fields: str) -> list[int]:
        answer = fever(app, key, query, **fields)
        assert answer["total_items"] == 66
        return [i["id"] for i in answer["items"]]

    assert page("api&items") == every[:50]
    assert page("api&items&since_id=0") == every[:50]
    assert page(f"api&items&since_id={every[49]}") == every[50:]
    assert page(f"api&items&since_id={every[-1]}") == []
    assert page(f"api&items&max_id={every[10]}") == every[:10][::-1]
    assert page("api&items&max_id=0") == every[16:][::-1]  # 0: the newest 50
    assert page(f"api&items&with_ids={every[3]},{every[60]},{every[3]},999999") == [
        every[3],
        every[60],
    ]
    # The arguments may come in the form instead of the query string.
    assert page("api", items="", since_id=str(every[59])) == every[60:]
    filler = fever(app, key, f"api&items&with_ids={more[0]}")["items"][0]
    assert filler["feed_id"] == 0  # its feed is not subscribed


def test_unread_and_saved_item_ids(
    app: TestClient, key: str, archive: Archive, store: SQLiteStore
) -> None:
    answer = fever(app, key, "api&unread_item_ids&saved_item_ids")
    assert ids(answer["unread_item_ids"]) == archive.newest_first()
    assert answer["saved_item_ids"] == ""
    store.set_read("ann", [archive.copy], True)
    store.set_starred("ann", archive.keepers, True, NOW)
    store.set_starred("ann", archive.passes, True, NOW)
    answer = fever(app, key, "api&unread_item_ids&saved_item_ids")
    assert ids(answer["unread_item_ids"]) == [
        i for i in archive.newest_first() if i != archive.copy
    ]
    assert ids(answer["saved_item_ids"]) == [archive.passes, archive.keepers]
    bob = give_api_password(store, "bob", "bob's app password")
    assert ids(fever(app, bob, "api&saved_item_ids")["saved_item_ids"]) == []


def test_links_are_stories_ranked_by_outlets(
    app: TestClient, key: str, archive: Archive, store: SQLiteStore, feeds: dict[str, int]
) -> None:
    update_stories(store)
    digests = [store.story_digest(s) for s in {store.story_of(i) for i in archive.newest_first()}]
    told = sorted(
        (d for d in digests if d is not None and d.sources >= 2),
        key=lambda d: (d.sources, d.last, d.id),
        reverse=True,
    )
    assert told, "the small archive tells a story in two outlets"
    days = (datetime.now(UTC) - datetime(2026, 1, 1, tzinfo=UTC)).days + 2
    answer = fever(app, key, f"api&links&range={days}")
    links = answer["links"]
    assert [link["id"] for link in links] == [d.id for d in told]
    first, story = links[0], told[0]
    members = [h.id for h in store.story_articles(story.id)]
    assert ids(first["item_ids"]) == sorted(members)
    assert first["item_id"] == min(members)
    assert first["feed_id"] in (feeds["harbour"], feeds["coast"])
    assert first["title"] == story.headline
    assert first["url"] == f"http://testserver/stories/{story.id}"
    assert (first["is_item"], first["is_local"], first["is_saved"]) == (1, 1, 0)
    assert story.sources * 10 <= first["temperature"] < story.sources * 10 + 10
    # Outside the window, and past the last page, there is none.
    assert fever(app, key, "api&links&offset=0&range=1")["links"] == []
    assert fever(app, key, f"api&links&range={days}&page=2")["links"] == []
    store.set_starred("ann", min(members), True, NOW)
    assert fever(app, key, f"api&links&range={days}")["links"][0]["is_saved"] == 1


# --- marks ----------------------------------------------------------------------------------


def mark(app: TestClient, key: str, kind: str, as_: str, id_: int, **more: str) -> Any:
    return fever(app, key, "api", mark=kind, id=str(id_), **{"as": as_}, **more)


def test_mark_item_read_unread_saved_unsaved(
    app: TestClient, key: str, archive: Archive, store: SQLiteStore
) -> None:
    answer = mark(app, key, "item", "read", archive.evil)
    assert answer["auth"] == 1
    assert ids(answer["unread_item_ids"]) == [
        i for i in archive.newest_first() if i != archive.evil
    ]
    assert "saved_item_ids" not in answer
    assert store.article_marks("ann", [archive.evil])[archive.evil].read
    answer = mark(app, key, "item", "unread", archive.evil)
    assert ids(answer["unread_item_ids"]) == archive.newest_first()
    answer = mark(app, key, "item", "saved", archive.ferry)
    assert ids(answer["saved_item_ids"]) == [archive.ferry]
    assert "unread_item_ids" not in answer
    answer = mark(app, key, "item", "saved", archive.vote)
    assert ids(answer["saved_item_ids"]) == [archive.ferry, archive.vote]
    answer = mark(app, key, "item", "unsaved", archive.ferry)
    assert ids(answer["saved_item_ids"]) == [archive.vote]
    # An item that does not exist marks nothing, as in Fever.
    assert ids(mark(app, key, "item", "read", 999_999)["unread_item_ids"]) == archive.newest_first()


def test_mark_feed_read_before_a_time(
    app: TestClient, key: str, archive: Archive, feeds: dict[str, int]
) -> None:
    # Harbour: vote (1 Jan), keepers (3 Jan), evil (5 Jan).
    before = int(datetime(2026, 1, 4, tzinfo=UTC).timestamp())
    answer = mark(app, key, "feed", "read", feeds["harbour"], before=str(before))
    assert ids(answer["unread_item_ids"]) == [
        archive.passes,
        archive.evil,
        archive.copy,
        archive.ferry,
    ]
    # No "before" (or 0) is now, as FreshRSS reads it.
    answer = mark(app, key, "feed", "read", feeds["harbour"])
    assert ids(answer["unread_item_ids"]) == [archive.passes, archive.copy, archive.ferry]
    assert mark(app, key, "feed", "read", 999)["unread_item_ids"]  # no such feed: nothing


def test_mark_group_read_before_a_time_and_group_0_for_everything(
    app: TestClient, key: str, archive: Archive
) -> None:
    news = zlib.crc32(b"News") & 0x7FFFFFFF  # the Coast feed: ferry, copy, passes (2, 4, 6 Jan)
    before = int(datetime(2026, 1, 5, tzinfo=UTC).timestamp())
    answer = mark(app, key, "group", "read", news, before=str(before))
    # Flat groups: "News" is not "News/Harbour", whose articles stay unread.
    assert ids(answer["unread_item_ids"]) == [
        archive.passes,
        archive.evil,
        archive.keepers,
        archive.vote,
    ]
    assert ids(mark(app, key, "group", "read", -1)["unread_item_ids"]) == [
        archive.passes,
        archive.evil,
        archive.keepers,
        archive.vote,
    ]  # Sparks: nutgraf has none
    everything = int(datetime(2026, 1, 6, tzinfo=UTC).timestamp())
    answer = mark(app, key, "group", "read", 0, before=str(everything))
    assert ids(answer["unread_item_ids"]) == [archive.passes]  # 6 Jan 09:00 is after
    answer = mark(app, key, "group", "read", 0, before=str(10**17))  # far on: everything
    assert answer["unread_item_ids"] == ""


# --- the site and the API see the same reading ----------------------------------------------


def test_a_mark_through_fever_shows_on_the_site_and_back(
    app: TestClient, key: str, archive: Archive, store: SQLiteStore
) -> None:
    with make_client(store, CONFIG) as site:
        sign_in(site, store, "ann")
        site.get("/")  # the CSRF cookie
        assert site.get("/unread.json").json()["unread"] == 6  # counted, and kept 10 s
        mark(app, key, "item", "read", archive.keepers)
        listed = site.get("/unread.json").json()
        assert listed["unread"] == 5  # the site's kept count was dropped
        assert archive.keepers not in [a["id"] for a in listed["articles"]]
        token = site.cookies.get("nutgraf_csrf")
        assert token
        site.post(f"/articles/{archive.copy}/read.json", data={"csrf": token})
        site.post(f"/articles/{archive.vote}/star.json", data={"csrf": token})
        answer = fever(app, key, "api&unread_item_ids&saved_item_ids")
        assert archive.copy not in ids(answer["unread_item_ids"])
        assert ids(answer["saved_item_ids"]) == [archive.vote]


# --- hostile requests -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "fields", "says"),
    [
        ("api=xml", {}, "JSON only"),
        ("api&items&since_id=-1", {}, "since_id must be a whole number"),
        ("api&items&max_id=1e9", {}, "max_id must be a whole number"),
        ("api&items&since_id=" + "9" * 19, {}, "at most 18 digits"),
        ("api&items&with_ids=" + ",".join(["1"] * 51), {}, "at most 50"),
        ("api&items&with_ids=1,two", {}, "with_ids must be item ids"),
        ("api&links&range=99999", {}, "offset and range are days"),
        ("api&links&page=101", {}, "page runs from 1 to 100"),
        ("api", {"mark": "item", "as": "read", "id": "x"}, "needs id"),
        ("api", {"mark": "item", "as": "read"}, "needs id"),
        ("api", {"mark": "item", "as": "burnt", "id": "1"}, "as=read, unread, saved or unsaved"),
        ("api", {"mark": "feed", "as": "unread", "id": "1"}, "as=read only"),
        ("api", {"mark": "everything", "as": "read", "id": "1"}, "item, feed or group"),
        ("api", {"mark": "feed", "as": "read", "id": "1", "before": "yesterday"}, "before"),
    ],
)
def test_a_wrong_argument_is_one_clear_error(
    app: TestClient, key: str, query: str, fields: dict[str, str], says: str
) -> None:
    response = app.post(f"/api/fever?{query}", data={"api_key": key, **fields})
    assert response.status_code == 400
    body = response.json()
    assert body["api_version"] == 3 and body["auth"] == 1
    assert body["error"]["status"] == 400
    assert says in body["error"]["message"]


def test_bodies_and_queries_are_bounded(app: TestClient, key: str) -> None:
    big = app.post("/api/fever?api", data={"api_key": key, "pad": "x" * 20_000})
    assert big.status_code == 413
    assert big.json()["error"]["status"] == 413
    many = app.post(
        "/api/fever?api",
        content="&".join(f"f{n}=1" for n in range(100)),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert many.status_code == 400
    assert (
        app.post(
            "/api/fever?api",
            content=b"api_key=\xff\xfe",
            headers={"content-type": "application/x-www-form-urlencoded"},
        ).status_code
        == 400
    )
    assert (
        app.post(
            "/api/fever?api", content=b"{}", headers={"content-type": "application/json"}
        ).status_code
        == 400
    )
    long_query = app.post("/api/fever?api&x=" + "y" * 5000, data={"api_key": key})
    assert long_query.status_code == 400
    assert "query string" in long_query.json()["error"]["message"]
    assert app.delete("/api/fever?api").status_code == 405


# --- an app over real HTTP ------------------------------------------------------------------


def test_an_app_syncs_over_real_http(
    store: SQLiteStore, archive: Archive, feeds: dict[str, int]
) -> None:
    key = give_api_password(store, "ann")
    with serving(create_app(store, SiteConfig())) as base, httpx.Client(base_url=base) as http:

        def call(query: str, **fields: str) -> Any:
            response = http.post(f"/api/fever/?{query}", data={"api_key": key, **fields})
            assert response.status_code == 200
            return response.json()

        # What an app does on its first sync: who am I, groups and feeds, items, state.
        assert call("api")["auth"] == 1
        assert call("api&groups")["groups"]
        assert len(call("api&feeds")["feeds"]) == 3
        items = call("api&items&since_id=0")["items"]
        assert [i["id"] for i in items] == sorted(archive.newest_first())
        assert call(f"api&items&since_id={items[-1]['id']}")["items"] == []
        unread = ids(call("api&unread_item_ids")["unread_item_ids"])
        assert unread == archive.newest_first()
        # Then it marks what was read, and a whole feed up to its last sync.
        after = call("api", mark="item", id=str(archive.vote), **{"as": "read"})
        assert archive.vote not in ids(after["unread_item_ids"])
        synced = str(int(time.time()))
        after = call("api", mark="group", id="0", before=synced, **{"as": "read"})
        assert after["unread_item_ids"] == ""
        assert http.post("/api/fever?api", data={"api_key": "0" * 32}).json() == AUTH_FAILED


def test_an_archive_that_cannot_be_written_is_one_json_error(
    app: TestClient, key: str, archive: Archive, store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object) -> int:
        raise NutgrafError("the archive is read-only")

    monkeypatch.setattr(store, "set_read", refuse)
    response = app.post(
        "/api/fever?api", data={"api_key": key, "mark": "item", "as": "read", "id": "1"}
    )
    assert response.status_code == 503
    assert response.json() == {
        "api_version": 3,
        "auth": 1,
        "error": {"status": 503, "message": "the archive is read-only"},
    }
