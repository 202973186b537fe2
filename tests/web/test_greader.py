"""The Google Reader API (issue 18) as apps call it: ClientLogin, the GoogleLogin header and
the T token, every endpoint and stream with the request shapes FreshRSS's, Miniflux's and
newsboat's clients send, and the refusals (bad auth, stale T, unknown streams, huge n)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

import lxml.etree
import pytest
from starlette.testclient import TestClient

from nutgraf.accounts import fever_key, hash_password
from nutgraf.store import SQLiteStore
from nutgraf.store.records import User
from nutgraf.stories.archive import update_stories
from nutgraf.web.app import SiteConfig
from tests.web.conftest import COAST, HARBOUR, Archive, make_client
from tests.web.signin import sign_in
from tests.web.test_reading import csrf

API = "/api/greader/reader/api/0"
LOGIN = "/api/greader/accounts/ClientLogin"
STATE = "user/-/state/com.google/"
READING = f"{STATE}reading-list"
HARBOUR_FEED = HARBOUR + "feed.xml"
COAST_FEED = COAST + "feed.xml"
PASSWORD = "greader tests password"
NOW = "2026-12-01T00:00:00Z"


def long(number: int) -> str:
    return f"tag:google.com,2005:reader/item/{number:016x}"


@dataclass
class App:
    """A signed-in app: its client, Authorization header and T token."""

    client: TestClient
    headers: dict[str, str]
    token: str

    def get(self, path: str, **params: object) -> object:
        return self.client.get(path, params=params, headers=self.headers)  # type: ignore[arg-type]

    def post(self, path: str, data: dict[str, object] | list[tuple[str, str]]) -> object:
        if isinstance(data, list):  # a repeated name, as apps send many ids
            form = {"content-type": "application/x-www-form-urlencoded"}
            body = urlencode(data)
            return self.client.post(path, content=body, headers={**self.headers, **form})
        return self.client.post(path, data=data, headers=self.headers)  # type: ignore[arg-type]

    def json(self, path: str, **params: object) -> dict[str, object]:
        response = self.client.get(path, params=params, headers=self.headers)  # type: ignore[arg-type]
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def ids(self, stream: str, **params: object) -> list[int]:
        refs = self.json(f"{API}/stream/items/ids", **{"s": stream, "n": 1000, **params})[
            "itemRefs"
        ]
        return [int(r["id"]) for r in refs]  # type: ignore[index, union-attr]


def add_user(store: SQLiteStore, name: str, admin: bool = False) -> None:
    store.add_user(User(name, hash_password(PASSWORD), admin, NOW))


def login(client: TestClient, name: str, password: str = PASSWORD) -> App:
    response = client.post(LOGIN, data={"Email": name, "Passwd": password, "service": "reader"})
    assert response.status_code == 200, response.text
    auth = dict(line.split("=", 1) for line in response.text.splitlines())["Auth"]
    headers = {"Authorization": f"GoogleLogin auth={auth}"}
    token = client.get(f"{API}/token", headers=headers).text
    return App(client, headers, token)


@pytest.fixture
def subscribed(store: SQLiteStore, archive: Archive) -> Archive:
    store.add_feed(HARBOUR_FEED, title="Harbour Post", site=HARBOUR, category="News/Local", now=NOW)
    store.add_feed(COAST_FEED, title="Coast", site=COAST, category="News", now=NOW)
    add_user(store, "ann")
    add_user(store, "boss", admin=True)
    return archive


@pytest.fixture
def web(store: SQLiteStore, subscribed: Archive) -> Iterator[TestClient]:
    with make_client(store) as opened:
        yield opened


@pytest.fixture
def ann(web: TestClient) -> App:
    return login(web, "ann")


@pytest.fixture
def boss(web: TestClient) -> App:
    return login(web, "boss")


# --- signing in -----------------------------------------------------------------------------


def test_client_login_answers_sid_lsid_and_auth_lines_as_newsboat_reads_them(
    web: TestClient,
) -> None:
    body = (
        f"service=reader&Email=ann&Passwd={quote(PASSWORD)}&source=newsboat%2F2.21"
        "&accountType=HOSTED_OR_GOOGLE&continue=http://www.google.com/"
    )
    response = web.post(
        LOGIN, content=body, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    lines = dict(line.split("=", 1) for line in response.text.splitlines())
    assert set(lines) == {"SID", "LSID", "Auth"}
    assert lines["SID"] == lines["LSID"] == lines["Auth"]
    assert lines["Auth"].startswith("ann/") and len(lines["Auth"]) == len("ann/") + 40
    as_json = web.post(LOGIN, data={"Email": "Ann", "Passwd": PASSWORD, "output": "json"})
    assert set(as_json.json()) == {"SID", "LSID", "Auth"}


def test_a_wrong_password_or_unknown_user_is_401_and_failures_are_limited(
    web: TestClient,
) -> None:
    wrong = web.post(LOGIN, data={"Email": "ann", "Passwd": "not the password"})
    assert wrong.status_code == 401 and "BadAuthentication" in wrong.text
    assert web.post(LOGIN, data={"Email": "nobody", "Passwd": PASSWORD}).status_code == 401
    assert web.post(LOGIN, data={"Email": "x" * 5000, "Passwd": PASSWORD}).status_code == 401
    for _ in range(3):
        web.post(LOGIN, data={"Email": "ann", "Passwd": "still wrong"})
    limited = web.post(LOGIN, data={"Email": "ann", "Passwd": PASSWORD})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert web.get(LOGIN).status_code == 405


def test_the_api_password_replaces_the_account_password_and_ends_app_sessions(
    web: TestClient, store: SQLiteStore
) -> None:
    app = login(web, "ann")
    assert app.client.get(f"{API}/user-info", headers=app.headers).status_code == 200
    store.set_api_password("ann", hash_password("the api password"), fever_key("ann", "x"))
    assert web.get(f"{API}/user-info", headers=app.headers).status_code == 401
    assert web.post(LOGIN, data={"Email": "ann", "Passwd": PASSWORD}).status_code == 401
    again = login(web, "ann", "the api password")
    assert again.json(f"{API}/user-info")["userName"] == "ann"


def test_every_call_needs_a_live_googlelogin_header_and_cookies_do_not_count(
    web: TestClient, store: SQLiteStore, ann: App
) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer x"},
        {"Authorization": "GoogleLogin auth=ann/" + "0" * 40},
        {"Authorization": "GoogleLogin auth=" + "a" * 5000},
        {"Authorization": ann.headers["Authorization"].replace("ann/", "boss/")},
    ):
        response = web.get(f"{API}/subscription/list", headers=headers)
        assert response.status_code == 401, headers
        assert "sign" in response.text
    sign_in(web, store, "ann")  # a browser session's cookie
    assert web.get(f"{API}/unread-count").status_code == 401
    store.remove_user("ann")
    assert web.get(f"{API}/unread-count", headers=ann.headers).status_code == 401


def test_a_stale_t_token_is_refused_and_none_or_x_taken_as_freshrss_takes_them(
    web: TestClient, ann: App, store: SQLiteStore, subscribed: Archive
) -> None:
    assert len(ann.token) == 57
    other = login(web, "ann")
    assert other.token != ann.token
    for data in ({"T": other.token}, {"T": "x" * 57}):
        response = ann.post(f"{API}/edit-tag", {"i": subscribed.vote, "a": f"{STATE}read", **data})
        assert response.status_code == 401  # type: ignore[attr-defined]
        assert response.headers["x-reader-google-bad-token"] == "true"  # type: ignore[attr-defined]
        assert response.headers["google-bad-token"] == "true"  # type: ignore[attr-defined]
    assert not store.article_marks("ann", [subscribed.vote])[subscribed.vote].read
    fine = ann.post(f"{API}/edit-tag", {"i": subscribed.vote, "a": f"{STATE}read", "T": ann.token})
    assert fine.status_code == 200 and fine.text == "OK"  # type: ignore[attr-defined]
    # FeedMe sends no T, Reeder T=x; the GoogleLogin header authenticates them all the same.
    for data, article in (({}, subscribed.ferry), ({"T": "x"}, subscribed.copy)):
        done = ann.post(f"{API}/edit-tag", {"i": article, "a": f"{STATE}starred", **data})
        assert done.status_code == 200, data  # type: ignore[attr-defined]
        assert store.article_marks("ann", [article])[article].starred
    bare = web.post(f"{API}/edit-tag", data={"i": subscribed.evil, "a": f"{STATE}read"})
    assert bare.status_code == 401  # no header: the missing T never stands in for it


def test_the_api_is_open_on_a_private_site_and_answers_no_html(store: SQLiteStore) -> None:
    add_user(store, "ann")
    with make_client(store, SiteConfig(public=False)) as client:
        app = login(client, "ann")
        assert app.json(f"{API}/user-info")["userId"] == "ann"
        missing = client.get(
            f"{API}/stream/contents/feed%2Fhttps%3A%2F%2Fnone.test", headers=app.headers
        )
        assert missing.status_code == 404 and missing.headers["content-type"].startswith(
            "text/plain"
        )


def test_a_browsers_preflight_is_answered_and_every_answer_allows_any_origin(
    web: TestClient, ann: App
) -> None:
    # FreshRSS and Miniflux answer so, for web and Electron apps (Fluent Reader).
    cors = {"origin": "https://app.test", "access-control-request-headers": "authorization"}
    for path in (LOGIN, f"{API}/stream/contents/{READING}", f"{API}/edit-tag"):
        preflight = web.options(path, headers={**cors, "access-control-request-method": "POST"})
        assert preflight.status_code == 204, path
        assert preflight.headers["access-control-allow-origin"] == "*"
        assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    fine = web.get(f"{API}/user-info", headers={**ann.headers, "origin": "https://app.test"})
    refused = web.get(f"{API}/user-info", headers={"origin": "https://app.test"})
    assert fine.status_code == 200 and refused.status_code == 401
    assert fine.headers["access-control-allow-origin"] == "*"
    assert refused.headers["access-control-allow-origin"] == "*"


# --- what there is --------------------------------------------------------------------------


def test_user_info_subscription_list_and_tag_list(
    ann: App, store: SQLiteStore, subscribed: Archive
) -> None:
    assert ann.json(f"{API}/user-info")["userName"] == "ann"
    subscriptions = ann.json(f"{API}/subscription/list", output="json")["subscriptions"]
    by_id = {s["id"]: s for s in subscriptions}  # type: ignore[union-attr, index]
    harbour = by_id[f"feed/{HARBOUR_FEED}"]
    assert harbour["title"] == "Harbour Post" and harbour["htmlUrl"] == HARBOUR
    assert harbour["url"] == HARBOUR_FEED
    assert harbour["categories"] == [{"id": "user/-/label/News/Local", "label": "News/Local"}]
    store.set_label("ann", [subscribed.vote], "Later", True)
    tags = [t["id"] for t in ann.json(f"{API}/tag/list")["tags"]]  # type: ignore[index, union-attr]
    assert tags == [
        f"{STATE}starred",
        "user/-/label/Stories",
        "user/-/label/News",
        "user/-/label/News/Local",
        "user/-/label/Later",
    ]


def test_unread_count_matches_the_readers_unread_total_by_feed_and_label(
    ann: App, store: SQLiteStore, subscribed: Archive
) -> None:
    store.set_read("ann", [subscribed.vote, subscribed.passes], True)
    counts = {c["id"]: c["count"] for c in ann.json(f"{API}/unread-count")["unreadcounts"]}  # type: ignore[union-attr, index]
    assert counts[READING] == store.unread_total("ann") == 4
    assert counts[f"feed/{HARBOUR_FEED}"] == 2 and counts[f"feed/{COAST_FEED}"] == 2
    assert counts["user/-/label/News"] == 4 and counts["user/-/label/News/Local"] == 2
    store.mark_read_before("ann", "2026-01-03T12:00:00Z")
    store.set_read("ann", [subscribed.ferry], False)
    counts = {c["id"]: c["count"] for c in ann.json(f"{API}/unread-count")["unreadcounts"]}  # type: ignore[union-attr, index]
    assert counts[READING] == store.unread_total("ann") == 3


# --- streams --------------------------------------------------------------------------------


def test_every_stream_holds_what_it_names(
    ann: App, store: SQLiteStore, subscribed: Archive
) -> None:
    a = subscribed
    store.set_read("ann", [a.vote, a.copy], True)
    store.set_starred("ann", a.keepers, True, NOW)
    store.set_label("ann", [a.ferry], "Later", True)
    assert ann.ids(READING) == a.newest_first()
    assert ann.ids(f"feed/{HARBOUR_FEED}") == [a.evil, a.keepers, a.vote]
    assert ann.ids("user/-/label/News/Local") == [a.evil, a.keepers, a.vote]
    assert ann.ids("user/-/label/News") == a.newest_first()
    assert ann.ids("user/-/label/Later") == [a.ferry]
    assert ann.ids(f"{STATE}read") == [a.copy, a.vote]
    assert ann.ids(f"{STATE}starred") == [a.keepers]
    assert ann.ids("user/1234/state/com.google/starred") == [a.keepers]
    assert ann.ids(READING, xt=f"{STATE}read") == [a.passes, a.evil, a.keepers, a.ferry]
    assert ann.ids(READING, it=f"{STATE}starred") == [a.keepers]
    assert ann.ids(f"{STATE}read", xt=f"{STATE}read") == []


def test_paging_walks_the_whole_stream_in_either_order_without_repeats(
    ann: App, subscribed: Archive
) -> None:
    for order, expected in (
        ("n", subscribed.newest_first()),
        ("o", subscribed.newest_first()[::-1]),
    ):
        seen: list[int] = []
        params: dict[str, object] = {"s": READING, "n": 2, "r": order}
        while True:
            page = ann.json(f"{API}/stream/items/ids", **params)
            seen += [int(r["id"]) for r in page["itemRefs"]]  # type: ignore[union-attr, index]
            if "continuation" not in page:
                break
            params["c"] = page["continuation"]
        assert seen == expected
    assert ann.json(f"{API}/stream/contents/feed/{COAST_FEED}")["title"] == "Coast"
    contents = ann.json(f"{API}/stream/contents/{READING}", n=4)
    rest = ann.json(f"{API}/stream/contents/{READING}", n=4, c=contents["continuation"])
    got = [i["id"] for i in [*contents["items"], *rest["items"]]]  # type: ignore[misc]
    assert got == [long(i) for i in subscribed.newest_first()]


def test_time_bounds_are_unix_seconds_ot_the_oldest_and_nt_the_newest(
    ann: App, subscribed: Archive
) -> None:
    # As Google Reader, FreshRSS (ot: min date) and Miniflux (ot: after, nt: before) take
    # them: an app syncing since its last sync sends ot=LAST_SYNC and wants what is newer.
    jan3 = int(datetime(2026, 1, 3, tzinfo=UTC).timestamp())
    jan5 = int(datetime(2026, 1, 5, tzinfo=UTC).timestamp())
    assert ann.ids(READING, ot=jan3, nt=jan5) == [subscribed.copy, subscribed.keepers]
    assert ann.ids(READING, ot=jan5) == [subscribed.passes, subscribed.evil]
    assert ann.ids(READING, nt=jan3) == [subscribed.ferry, subscribed.vote]
    contents = ann.json(f"{API}/stream/contents/{READING}", ot=jan5)["items"]
    assert [i["id"] for i in contents] == [long(subscribed.passes), long(subscribed.evil)]  # type: ignore[union-attr, index]


def test_stream_contents_takes_the_stream_escaped_in_the_path_as_s_or_none(
    ann: App, subscribed: Archive
) -> None:
    harbour = [long(i) for i in (subscribed.evil, subscribed.keepers, subscribed.vote)]
    for path, params in (
        (f"{API}/stream/contents/{quote('feed/' + HARBOUR_FEED, safe='')}", {}),
        (f"{API}/stream/contents/feed/{quote(HARBOUR_FEED, safe='')}", {}),
        (f"{API}/stream/contents", {"s": f"feed/{HARBOUR_FEED}"}),
    ):
        page = ann.json(path, **params)
        assert [i["id"] for i in page["items"]] == harbour, path  # type: ignore[union-attr, index]
    # No stream at all is the reading list, as FreshRSS answers EasyRSS and FeedMe.
    everyone = ann.json(f"{API}/stream/contents", n=100)
    assert everyone["id"] == READING
    assert [i["id"] for i in everyone["items"]] == [long(i) for i in subscribed.newest_first()]  # type: ignore[union-attr, index]


def test_huge_n_is_capped_and_never_an_error(ann: App, subscribed: Archive) -> None:
    assert len(ann.ids(READING, n=10**12)) == 6
    assert len(ann.json(f"{API}/stream/contents/{READING}", n=10**9)["items"]) == 6  # type: ignore[arg-type]
    assert len(ann.json(f"{API}/stream/items/ids", s=READING, n=0)["itemRefs"]) == 1  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        (f"{API}/stream/contents/pop%2Ftopic%2Fx", 400, "unknown stream"),
        (f"{API}/stream/contents/user%2F-%2Fstate%2Fcom.google%2Fbroadcast", 400, "unknown stream"),
        (f"{API}/stream/contents/feed%2Fhttps%3A%2F%2Fnone.test%2Ffeed", 404, "no subscription"),
        (f"{API}/stream/contents/user%2F-%2Flabel%2FNope", 404, "no label"),
        (f"{API}/stream/items/ids", 400, "name a stream"),
        (f"{API}/stream/items/ids?s={READING}&n=lots", 400, "whole number"),
        (f"{API}/stream/items/ids?s={READING}&c=garbage!", 400, "continuation"),
        (f"{API}/stream/items/ids?s={READING}&xt=user/-/label/x", 400, "xt takes"),
        (f"{API}/stream/items/ids?s={READING}&ot=soon", 400, "whole number"),
        (f"{API}/stream/items/contents?i=zz", 400, "not an item id"),
        (f"{API}/stream/items/contents", 400, "give the items"),
        (f"/api/greader/reader/atom/{'x' * 3000}", 400, "at most"),
    ],
)
def test_bad_requests_get_one_clear_line(ann: App, path: str, status: int, says: str) -> None:
    response = ann.client.get(path, headers=ann.headers)
    assert response.status_code == status, response.text
    assert says in response.text and "<" not in response.text


# --- items ----------------------------------------------------------------------------------


def test_an_item_carries_its_summary_html_links_origin_and_categories(
    ann: App, store: SQLiteStore, subscribed: Archive
) -> None:
    store.set_starred("ann", subscribed.vote, True, NOW)
    store.set_label("ann", [subscribed.vote], "Later", True)
    item = ann.json(f"{API}/stream/items/contents", i=long(subscribed.vote))["items"][0]  # type: ignore[index]
    assert item["id"] == long(subscribed.vote)
    assert item["title"] == "Lighthouse budget vote"
    assert item["canonical"] == [{"href": HARBOUR + "vote"}]
    assert item["alternate"] == [{"href": HARBOUR + "vote", "type": "text/html"}]
    assert item["origin"] == {
        "streamId": f"feed/{HARBOUR_FEED}",
        "title": "Harbour Post",
        "htmlUrl": HARBOUR,
        "outlet": "Harbour Post",
    }
    assert item["categories"] == [
        READING,
        f"{STATE}fresh",
        f"{STATE}starred",
        "user/-/label/News/Local",
        "user/-/label/Later",
    ]
    content = item["content"]["content"]
    assert content.startswith('<section class="nutgraf-summary">')
    assert content.index("voted on Monday to fund") < content.index("</section>")
    assert "<p>Keepers had warned" in content
    assert item["published"] == int(datetime(2026, 1, 1, 9, tzinfo=UTC).timestamp())
    assert item["timestampUsec"] == str(item["published"] * 1_000_000)


def test_summaries_can_be_turned_off_in_the_settings(
    web: TestClient, store: SQLiteStore, ann: App, subscribed: Archive
) -> None:
    sign_in(web, store, "ann")
    web.get("/settings")  # the page sets the CSRF cookie its form needs
    web.post("/settings", data={"csrf": csrf(web), "mark_on_open": "on"}, follow_redirects=False)
    assert store.reader_settings("ann").api_summaries is False
    item = ann.json(f"{API}/stream/items/contents", i=str(subscribed.vote))["items"][0]  # type: ignore[index]
    assert "nutgraf-summary" not in item["content"]["content"]


def test_items_contents_takes_many_ids_long_and_short_in_a_post(
    ann: App, subscribed: Archive
) -> None:
    pairs = [
        ("i", long(subscribed.ferry)),
        ("i", str(subscribed.vote)),
        ("i", str(999_999)),
        ("i", str(-1)),
        ("T", ann.token),
    ]
    response = ann.post(f"{API}/stream/items/contents", pairs)
    items = response.json()["items"]  # type: ignore[attr-defined]
    assert [i["id"] for i in items] == [long(subscribed.ferry), long(subscribed.vote)]


def test_the_stories_label_gives_each_multi_outlet_story_as_an_item(
    ann: App, store: SQLiteStore, subscribed: Archive
) -> None:
    update_stories(store)
    story = store.story_of(subscribed.vote)
    assert story is not None
    digest = store.story_digest(story)
    assert digest is not None and digest.sources > 1
    page = ann.json(f"{API}/stream/contents/user/-/label/Stories")
    items = page["items"]  # type: ignore[index]
    item = next(i for i in items if i["id"] == long(2**40 + story))  # type: ignore[union-attr]
    assert item["origin"]["streamId"] == "user/-/label/Stories"
    assert item["alternate"][0]["href"].endswith(f"/stories/{story}")
    links = [h.url for h in store.story_articles(story) if h.url]
    assert all(f'href="{url}"' in item["content"]["content"] for url in links)
    assert ann.ids("user/-/label/Stories")[0] >= 2**40
    done = ann.post(
        f"{API}/edit-tag", {"i": str(2**40 + story), "a": f"{STATE}read", "T": ann.token}
    )
    assert done.status_code == 200  # type: ignore[attr-defined]
    members = [h.id for h in store.story_articles(story)]
    assert all(m.read for m in store.article_marks("ann", members).values())
    assert ann.ids("user/-/label/Stories", xt=f"{STATE}read") == []


def test_atom_carries_the_read_state_as_category_terms(
    ann: App, store: SQLiteStore, subscribed: Archive
) -> None:
    store.set_read("ann", [subscribed.vote], True)
    response = ann.client.get(
        f"/api/greader/reader/atom/{quote('feed/' + HARBOUR_FEED, safe='')}",
        params={"n": 20},
        headers=ann.headers,
    )
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = lxml.etree.fromstring(response.content)
    ns = {"a": "http://www.w3.org/2005/Atom", "gr": "http://www.google.com/schemas/reader/atom/"}
    entries = feed.findall("a:entry", ns)
    assert [e.findtext("a:id", namespaces=ns) for e in entries] == [
        long(i) for i in (subscribed.evil, subscribed.keepers, subscribed.vote)
    ]
    labels = {
        e.findtext("a:id", namespaces=ns): {
            c.get("label") for c in e.findall("a:category", ns) if c.get("scheme")
        }
        for e in entries
    }
    assert labels[long(subscribed.vote)] == {"reading-list", "read"}
    assert labels[long(subscribed.evil)] == {"reading-list", "fresh"}
    stamp = entries[0].get("{http://www.google.com/schemas/reader/atom/}crawl-timestamp-msec")
    assert stamp == str(int(datetime(2026, 1, 5, 9, tzinfo=UTC).timestamp()) * 1000)
    assert "&lt;script&gt;" in response.text and "<script>" not in response.text


# --- marking --------------------------------------------------------------------------------


def test_edit_tag_marks_many_read_unread_starred_and_labelled(
    ann: App, store: SQLiteStore, subscribed: Archive
) -> None:
    a = subscribed
    ids = [long(a.vote), str(a.ferry), long(a.keepers)]
    assert (
        ann.post(
            f"{API}/edit-tag",
            [
                *(("i", i) for i in ids),
                ("a", f"{STATE}read"),
                ("a", f"{STATE}starred"),
                ("a", "user/-/label/Later"),
                ("T", ann.token),
            ],
        ).text
        == "OK"
    )  # type: ignore[attr-defined]
    marks = store.article_marks("ann", [a.vote, a.ferry, a.keepers])
    assert all(m.read and m.starred for m in marks.values())
    assert store.unread_total("ann") == 3
    assert sorted(ann.ids("user/-/label/Later")) == sorted([a.vote, a.ferry, a.keepers])
    ann.post(
        f"{API}/edit-tag",
        [
            ("i", str(a.vote)),
            ("r", f"{STATE}read"),
            ("a", f"{STATE}kept-unread"),
            ("a", f"{STATE}tracking-kept-unread"),
            ("r", f"{STATE}starred"),
            ("r", "user/-/label/Later"),
            ("ac", "edit"),
            ("T", ann.token),
        ],
    )
    vote = store.article_marks("ann", [a.vote])[a.vote]
    assert not vote.read and not vote.starred
    assert a.vote not in ann.ids("user/-/label/Later")
    bad = ann.post(f"{API}/edit-tag", {"i": a.vote, "a": "starred", "T": ann.token})
    assert bad.status_code == 400  # type: ignore[attr-defined]


def test_mark_all_as_read_takes_a_stream_and_a_time(
    ann: App, store: SQLiteStore, subscribed: Archive
) -> None:
    jan3 = int(datetime(2026, 1, 3, 12, tzinfo=UTC).timestamp())
    ok = ann.post(
        f"{API}/mark-all-as-read",
        {"s": f"feed/{HARBOUR_FEED}", "ts": jan3 * 1_000_000, "T": ann.token},
    )
    assert ok.text == "OK"  # type: ignore[attr-defined]
    assert ann.ids(READING, it=f"{STATE}read") == [subscribed.keepers, subscribed.vote]
    ann.post(f"{API}/mark-all-as-read", {"s": "user/-/label/News", "T": ann.token})
    assert store.unread_total("ann") == 0
    store.set_read("ann", [subscribed.evil], False)
    ann.post(f"{API}/mark-all-as-read", {"s": READING, "T": ann.token})
    assert store.unread_total("ann") == 0


@pytest.mark.parametrize("unit", [1, 1000, 1_000_000, 1_000_000_000])
def test_mark_all_as_read_takes_ts_in_seconds_ms_us_or_ns(
    ann: App, subscribed: Archive, unit: int
) -> None:
    jan3 = int(datetime(2026, 1, 3, 12, tzinfo=UTC).timestamp())
    ok = ann.post(
        f"{API}/mark-all-as-read", {"s": f"feed/{HARBOUR_FEED}", "ts": jan3 * unit, "T": "x"}
    )
    assert ok.text == "OK"  # type: ignore[attr-defined]
    assert ann.ids(READING, it=f"{STATE}read") == [subscribed.keepers, subscribed.vote]


def test_the_site_and_the_api_see_each_others_marks(
    web: TestClient, store: SQLiteStore, ann: App, subscribed: Archive
) -> None:
    sign_in(web, store, "ann")
    web.get("/settings")  # the page sets the CSRF cookie its form needs
    web.post(f"/articles/{subscribed.ferry}/read", data={"csrf": csrf(web)}, follow_redirects=False)
    assert subscribed.ferry in ann.ids(f"{STATE}read")
    ann.post(
        f"{API}/edit-tag", {"i": long(subscribed.evil), "a": f"{STATE}starred", "T": ann.token}
    )
    starred = web.get("/starred.json").json()["articles"]
    assert [s["id"] for s in starred] == [subscribed.evil]
    assert web.get("/unread.json").json()["unread"] == store.unread_total("ann") == 5


# --- subscriptions --------------------------------------------------------------------------


def test_changing_subscriptions_needs_an_admin(ann: App) -> None:
    for path, data in (
        ("subscription/edit", {"ac": "unsubscribe", "s": f"feed/{COAST_FEED}"}),
        ("subscription/quickadd", {"quickadd": "https://new.test/feed"}),
        ("rename-tag", {"s": "user/-/label/News", "dest": "user/-/label/Olds"}),
        ("disable-tag", {"s": "user/-/label/News"}),
    ):
        response = ann.post(f"{API}/{path}", {**data, "T": ann.token})
        assert response.status_code == 403, path  # type: ignore[attr-defined]
        assert "admin" in response.text  # type: ignore[attr-defined]
    imported = ann.client.post(
        f"{API}/subscription/import",
        params={"T": ann.token},
        content=b"<opml/>",
        headers=ann.headers,
    )
    assert imported.status_code == 403


def test_an_admin_edits_unsubscribes_renames_and_disables(boss: App, store: SQLiteStore) -> None:
    edit = {
        "ac": "edit",
        "s": f"feed/{COAST_FEED}",
        "t": "Coast Daily",
        "a": "user/-/label/Region",
        "T": boss.token,
    }
    assert boss.post(f"{API}/subscription/edit", edit).text == "OK"  # type: ignore[attr-defined]
    coast = store.feed(COAST_FEED)
    assert coast is not None and (coast.title, coast.category) == ("Coast Daily", "Region")
    boss.post(
        f"{API}/rename-tag",
        {"s": "user/-/label/News", "dest": "user/-/label/Olds", "T": boss.token},
    )
    harbour = store.feed(HARBOUR_FEED)
    assert harbour is not None and harbour.category == "Olds/Local"
    boss.post(f"{API}/disable-tag", {"s": "user/-/label/Olds", "T": boss.token})
    harbour = store.feed(HARBOUR_FEED)
    assert harbour is not None and harbour.category is None
    gone = boss.post(
        f"{API}/subscription/edit",
        {"ac": "unsubscribe", "s": f"feed/{COAST_FEED}", "T": boss.token},
    )
    assert gone.text == "OK" and store.feed(COAST_FEED) is None  # type: ignore[attr-defined]
    refused = boss.post(
        f"{API}/subscription/edit",
        {"ac": "subscribe", "s": "feed/file:///etc/passwd", "T": boss.token},
    )
    assert refused.status_code == 400  # type: ignore[attr-defined]
    assert (
        boss.post(
            f"{API}/subscription/edit", {"ac": "dance", "s": "feed/x", "T": boss.token}
        ).status_code
        == 400
    )  # type: ignore[attr-defined]


def test_anyone_renames_and_drops_their_own_labels(
    ann: App, store: SQLiteStore, subscribed: Archive
) -> None:
    store.set_label("ann", [subscribed.vote], "Later", True)
    store.set_label("bob", [subscribed.vote], "Later", True)
    ann.post(
        f"{API}/rename-tag",
        {"s": "user/-/label/Later", "dest": "user/-/label/Soon", "T": ann.token},
    )
    assert ann.ids("user/-/label/Soon") == [subscribed.vote]
    ann.post(f"{API}/disable-tag", {"s": "user/-/label/Soon", "T": ann.token})
    assert store.reader_label_names("ann") == [] and store.reader_label_names("bob") == ["Later"]
    missing = ann.post(f"{API}/disable-tag", {"s": "user/-/label/Nothing", "T": ann.token})
    assert missing.status_code == 404  # type: ignore[attr-defined]


def test_quickadd_subscribes_and_ingests_a_feed(
    boss: App, store: SQLiteStore, site: object, loopback_allowed: None
) -> None:
    from tests.batch.conftest import Page, Site

    assert isinstance(site, Site)
    site.pages["/feed.xml"] = Page(FEED_XML.encode(), "application/rss+xml")
    url = site.url("/feed.xml")
    answer = boss.post(f"{API}/subscription/quickadd", {"quickadd": url, "T": boss.token}).json()  # type: ignore[attr-defined]
    assert answer["numResults"] == 1 and answer["streamId"] == f"feed/{url}"
    assert answer["streamName"] == "Loopback News"
    assert len(boss.ids(f"feed/{url}")) == 1
    site.pages["/page"] = Page(b"<html><body>not a feed</body></html>")
    bad = boss.post(
        f"{API}/subscription/quickadd", {"quickadd": site.url("/page"), "T": boss.token}
    ).json()  # type: ignore[attr-defined]
    assert bad["numResults"] == 0 and "not a feed" in bad["error"]


def test_subscriptions_export_and_import_as_opml(boss: App, store: SQLiteStore) -> None:
    exported = boss.client.get(f"{API}/subscription/export", headers=boss.headers)
    assert exported.status_code == 200 and HARBOUR_FEED.encode() in exported.content
    opml = (
        b'<opml version="2.0"><body><outline text="Tech">'
        b'<outline type="rss" text="Bits" xmlUrl="https://bits.test/rss"/>'
        b"</outline></body></opml>"
    )
    response = boss.client.post(
        f"{API}/subscription/import",
        params={"T": boss.token},
        content=opml,
        headers={**boss.headers, "content-type": "text/x-opml"},
    )
    assert response.status_code == 200 and response.text == "OK"
    bits = store.feed("https://bits.test/rss")
    assert bits is not None and bits.category == "Tech"
    stale = boss.client.post(
        f"{API}/subscription/import", params={"T": "y" * 57}, content=opml, headers=boss.headers
    )
    assert stale.status_code == 401


FEED_XML = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Loopback News</title><link>https://loop.test/</link>
<item><title>The ferry runs again</title><link>https://loop.test/ferry</link>
<guid>loop-1</guid><pubDate>Mon, 02 Nov 2026 09:00:00 GMT</pubDate>
<description>The ferry runs again after the pier was repaired. Passengers welcomed the news
on Monday, and the timetable is back to normal. The harbour commission said the work was
finished a week early.</description></item>
</channel></rss>
"""
