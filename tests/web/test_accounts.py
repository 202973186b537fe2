"""Accounts over HTTP: /login, /logout, revocation, the admins' users page, a private site."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import uvicorn
from click.testing import CliRunner
from starlette.testclient import TestClient

from nutgraf.accounts import hash_password
from nutgraf.cli import main
from nutgraf.store import SQLiteStore
from nutgraf.store.users import User
from nutgraf.web.app import SiteConfig, create_app
from nutgraf.web.auth import SESSION_COOKIE
from nutgraf.web.ratelimit import FailureLimits
from nutgraf.web.server import app_from_environment
from tests.web.conftest import Archive, assert_accessible, page_html

PASSWORD = "lighthouse keeper"
TOKEN = "Zq3-vK9_pL2xWm8RtY4nB7cE-account-tests"
LIMITS = FailureLimits(per_client=3, overall=50, window=60.0, overall_window=60.0)


def add(store: SQLiteStore, name: str, *, admin: bool = False, password: str = PASSWORD) -> None:
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert store.add_user(User(name, hash_password(password), admin, created))


def site(store: SQLiteStore, **options: object) -> TestClient:
    config = SiteConfig(local_only=False, login_limits=LIMITS, **options)  # type: ignore[arg-type]
    return TestClient(create_app(store, config), follow_redirects=False)


@pytest.fixture
def users(store: SQLiteStore, archive: Archive) -> SQLiteStore:
    add(store, "ann")
    add(store, "root", admin=True)
    return store


@pytest.fixture
def client(users: SQLiteStore) -> Iterator[TestClient]:
    with site(users) as opened:
        yield opened


def csrf_of(client: TestClient, path: str = "/login") -> str:
    values = page_html(client.get(path).text).xpath("//input[@name='csrf']/@value")
    assert values, f"no csrf field on {path}"
    return str(values[0])


def sign_in(
    client: TestClient, name: str = "ann", password: str = PASSWORD, next_path: str = ""
) -> TestClient:
    fields = {"csrf": csrf_of(client), "username": name, "password": password}
    if next_path:
        fields["next"] = next_path
    response = client.post("/login", data=fields)
    assert response.status_code == 303, response.text
    return client


def post(client: TestClient, path: str, **fields: str) -> httpx.Response:
    return client.post(path, data={"csrf": csrf_of(client, "/login"), **fields})


def account(client: TestClient, path: str = "/") -> str:
    """The navigation's account part, as text."""
    nav = page_html(client.get(path).text).xpath("//div[@class='account']")[0]
    return " ".join(nav.text_content().split())


def test_the_login_form_has_the_contract_fields_and_is_accessible(client: TestClient) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "private, no-store"
    form = page_html(response.text).xpath("//form[@action='/login']")[0]
    assert {field.get("name") for field in form.xpath(".//input")} >= {
        "username",
        "password",
        "csrf",
    }
    assert form.get("method") == "post"
    assert_accessible(response.text)
    assert account(client) == "Sign in"
    assert page_html(client.get("/").text).xpath("//div[@class='account']/a/@href") == ["/login"]


def test_signing_in_and_out(client: TestClient) -> None:
    response = client.post(
        "/login",
        data={
            "csrf": csrf_of(client),
            "username": " Ann ",
            "password": PASSWORD,
            "next": "/sources",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/sources"
    cookie = response.cookies[SESSION_COOKIE]
    assert len(cookie) >= 43 and "ann" not in cookie
    assert account(client) == "ann Sign out"  # a reader: no Admin link
    home = page_html(client.get("/").text)
    token = home.xpath("//form[@action='/logout']/input[@name='csrf']/@value")[0]
    assert token == client.cookies["nutgraf_csrf"]
    response = client.post("/logout", data={"csrf": token})
    assert (response.status_code, response.headers["location"]) == (303, "/")
    assert account(client) == "Sign in"


def test_the_sign_out_button_brings_its_csrf_cookie(client: TestClient) -> None:
    """A page with no other form still sets the cookie its Sign out button's token needs."""
    sign_in(client)
    client.cookies.delete("nutgraf_csrf")
    response = client.get("/sources")
    token = page_html(response.text).xpath("//form[@action='/logout']/input/@value")[0]
    assert response.cookies["nutgraf_csrf"] == token
    assert client.post("/logout", data={"csrf": token}).status_code == 303
    assert account(client) == "Sign in"


def test_an_admin_sees_the_admin_link_and_opens_the_admin_pages(client: TestClient) -> None:
    assert "Sign in" in client.get("/admin/users").text  # not yet
    assert client.get("/admin/users").status_code == 403
    sign_in(client, "root")
    assert account(client) == "root Admin Sign out"
    assert client.get("/admin/users").status_code == 200
    admin = client.get("/admin")
    assert admin.status_code == 200
    assert page_html(admin.text).xpath("//form[@action='/admin/feeds']")


def test_wrong_password_and_unknown_user_get_the_same_answer(client: TestClient) -> None:
    answers = []
    for name, password in (("ann", "not her password"), ("nobody", PASSWORD), ("a" * 500, "x")):
        response = client.post(
            "/login", data={"csrf": csrf_of(client), "username": name, "password": password}
        )
        error = page_html(response.text).xpath("//p[@role='alert']")[0].text_content()
        answers.append((response.status_code, error, SESSION_COOKIE in response.cookies))
    assert answers == [(403, "Wrong user name or password.", False)] * 3
    assert account(client) == "Sign in"


def test_failed_sign_ins_are_limited_with_retry_after(client: TestClient) -> None:
    for _ in range(LIMITS.per_client):
        response = client.post(
            "/login", data={"csrf": csrf_of(client), "username": "ann", "password": "guess1234"}
        )
        assert response.status_code == 403
    response = client.post(
        "/login", data={"csrf": csrf_of(client), "username": "ann", "password": PASSWORD}
    )
    assert response.status_code == 429  # the right password too, past the limit
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert SESSION_COOKIE not in response.cookies


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("/sources?page=2", "/sources?page=2"),
        ("/articles/1", "/articles/1"),
        ("//evil.test/", "/"),
        ("http://evil.test/", "/"),
        ("https:/evil.test", "/"),
        ("/\\evil.test", "/"),
        ("/\t/evil.test", "/"),
        (" /x", "/"),
        ("javascript:alert(1)", "/"),
        ("/" + "a" * 3000, "/"),
    ],
)
def test_next_goes_only_to_a_path_on_this_site(client: TestClient, sent: str, kept: str) -> None:
    response = client.post(
        "/login",
        data={"csrf": csrf_of(client), "username": "ann", "password": PASSWORD, "next": sent},
    )
    assert (response.status_code, response.headers["location"]) == (303, kept)


def test_the_login_page_keeps_only_a_safe_next(client: TestClient) -> None:
    for sent, kept in (("/stories", "/stories"), ("//evil.test", "/")):
        page = page_html(client.get("/login", params={"next": sent}).text)
        assert page.xpath("//input[@name='next']/@value") == [kept]


def test_a_new_password_or_removal_signs_the_user_out_everywhere(
    client: TestClient, users: SQLiteStore
) -> None:
    sign_in(client)
    with site(users) as other:
        sign_in(other)
        users.set_password("ann", hash_password("a whole new password"))
        assert account(client) == "Sign in"
        assert account(other) == "Sign in"
        sign_in(other, password="a whole new password")
        assert account(other) == "ann Sign out"
        users.remove_user("ann")
        assert account(other) == "Sign in"


def test_a_changed_hash_alone_revokes_a_session(client: TestClient, users: SQLiteStore) -> None:
    """The session's credential is a fingerprint of the hash: even with the sessions row
    still there, a new hash no longer matches it."""
    sign_in(client)
    with users._write() as db:
        db.execute(
            "UPDATE users SET password_hash = ? WHERE name = 'ann'", (hash_password("x" * 9),)
        )
    assert account(client) == "Sign in"


def test_a_demoted_admin_loses_admin_at_once(client: TestClient, users: SQLiteStore) -> None:
    sign_in(client, "root")
    assert client.get("/admin/users").status_code == 200
    users.set_admin("root", False)
    assert client.get("/admin/users").status_code == 403
    assert account(client) == "root Sign out"
    users.set_admin("root", True)
    assert client.get("/admin/users").status_code == 200


def test_forms_without_csrf_or_from_another_site_are_refused(client: TestClient) -> None:
    client.get("/login")  # the cookie is set; the field is missing
    fields = {"username": "ann", "password": PASSWORD}
    assert client.post("/login", data=fields).status_code == 403
    assert client.post("/login", data={**fields, "csrf": "forged"}).status_code == 403
    sign_in(client, "root")
    assert client.post("/logout", data={}).status_code == 403
    assert (
        client.post("/admin/users", data={"name": "eve", "password": PASSWORD}).status_code == 403
    )
    foreign = client.post(
        "/login",
        data={**fields, "csrf": csrf_of(client)},
        headers={"origin": "https://evil.test"},
    )
    assert foreign.status_code == 403
    assert account(client) == "root Admin Sign out"  # the refused forms changed nothing


def test_hostile_forms_are_one_clear_error(client: TestClient) -> None:
    csrf = csrf_of(client)
    huge = client.post("/login", data={"csrf": csrf, "username": "ann", "password": "x" * 20_000})
    assert huge.status_code == 413 and "form is over" in huge.text
    many = client.post(
        "/login",
        content="&".join(f"f{n}=1" for n in range(50)),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert many.status_code == 400
    multipart = client.post("/login", files={"username": ("a", b"ann")})
    assert multipart.status_code == 400
    assert "may not carry a file" in multipart.text
    long_password = client.post(
        "/login", data={"csrf": csrf, "username": "ann", "password": "é" * 600}
    )
    assert long_password.status_code == 403  # over 1,024 bytes: no one's, and not hashed


def test_admins_manage_users_with_post_redirect_get(client: TestClient, users: SQLiteStore) -> None:
    sign_in(client, "root")
    response = post(client, "/admin/users", name="Bea", password="bea's password", admin="on")
    assert (response.status_code, response.headers["location"]) == (303, "/admin/users")
    page = client.get("/admin/users")
    assert "Added the admin bea." in page.text
    assert_accessible(page.text)
    assert "Added the admin" not in client.get("/admin/users").text  # said once
    bea = users.user("bea")
    assert bea is not None and bea.admin
    taken = post(client, "/admin/users", name="ann", password="whatever pw")
    assert taken.status_code == 400 and "There is already a user ann." in taken.text
    short = post(client, "/admin/users", name="carl", password="short")
    assert short.status_code == 400 and "at least 8 characters" in short.text
    bad = post(client, "/admin/users", name="<b>x</b>", password="long enough")
    assert bad.status_code == 400 and "<b>x</b>" not in bad.text
    with site(users) as ann:
        sign_in(ann)
        assert post(
            client, "/admin/users/password", name="ann", password="reset by root"
        ).is_redirect
        assert account(ann) == "Sign in"
        sign_in(ann, password="reset by root")
        assert post(client, "/admin/users/admin", name="ann", admin="1").is_redirect
        assert account(ann) == "ann Admin Sign out"
        assert post(client, "/admin/users/admin", name="ann", admin="0").is_redirect
        assert account(ann) == "ann Sign out"
        removed = post(client, "/admin/users/remove", name="ann")
        assert removed.status_code == 303
        assert account(ann) == "Sign in"
    assert users.user("ann") is None
    missing = post(client, "/admin/users/remove", name="ann")
    assert missing.status_code == 400


def test_a_reader_may_not_manage_users(client: TestClient, users: SQLiteStore) -> None:
    sign_in(client)
    refused = post(client, "/admin/users", name="eve", password="eve's password")
    assert refused.status_code == 403
    assert users.user("eve") is None


def test_the_admin_token_keeps_working(users: SQLiteStore) -> None:
    with site(users, admin_token=TOKEN) as client:
        csrf = csrf_of(client, "/admin")
        response = client.post("/admin/login", data={"csrf": csrf, "token": TOKEN})
        assert response.status_code == 303
        assert account(client) == "admin Admin Sign out"
        assert client.get("/admin/users").status_code == 200


# A private site (public = false): every page, twin and feed needs a signed-in reader.


@pytest.fixture
def private(users: SQLiteStore) -> Iterator[TestClient]:
    with site(users, public=False, admin_token=TOKEN) as opened:
        yield opened


def test_anonymous_html_goes_to_login_and_comes_back(private: TestClient, archive: Archive) -> None:
    for path, target in (
        ("/", "/"),
        (f"/articles/{archive.vote}", f"/articles/{archive.vote}"),
        ("/search?q=lighthouse&page=1", "/search?q=lighthouse&page=1"),
        ("/no/such/page", "/no/such/page"),
    ):
        response = private.get(path)
        assert response.status_code == 303, path
        location = response.headers["location"]
        assert location.startswith("/login?next=")
        login = page_html(private.get(location).text)
        assert login.xpath("//input[@name='next']/@value") == [target]
    response = private.post(
        "/login",
        data={
            "csrf": csrf_of(private),
            "username": "ann",
            "password": PASSWORD,
            "next": "/search?q=lighthouse&page=1",
        },
    )
    assert response.headers["location"] == "/search?q=lighthouse&page=1"
    assert private.get("/search?q=lighthouse").status_code == 200


def test_json_feeds_and_openapi_answer_401(private: TestClient, archive: Archive) -> None:
    for path in (
        "/index.json",
        f"/articles/{archive.vote}.json",
        "/feed.rss",
        "/feed.atom",
        "/sources/coast.test/feed.rss",
        "/openapi.json",
    ):
        response = private.get(path)
        assert response.status_code == 401, path
        assert response.json() == {
            "error": {
                "status": 401,
                "message": "sign in first: this site is private (POST /login)",
            }
        }
    sign_in(private)
    for path in ("/index.json", "/feed.rss", "/openapi.json"):
        response = private.get(path)
        assert response.status_code == 200, path
        assert response.headers["cache-control"].startswith("private")


def test_sign_in_health_and_static_stay_open(private: TestClient) -> None:
    assert private.get("/login").status_code == 200
    assert private.get("/healthz").json() == {"status": "ok"}
    assert private.get("/static/site.css").status_code == 200
    assert private.get("/admin").status_code == 200  # the token's own sign-in


def test_a_cached_page_is_never_served_to_an_anonymous_reader(users: SQLiteStore) -> None:
    app = create_app(users, SiteConfig(public=False, cache_seconds=60, local_only=False))
    with (
        TestClient(app, follow_redirects=False) as reader,
        TestClient(app, follow_redirects=False) as stranger,
    ):
        sign_in(reader)
        for path in ("/", "/index.json", "/feed.rss"):
            assert reader.get(path).status_code == 200
        assert app.state.site.cache.get("/?#compact") is not None  # the page is in the cache
        assert stranger.get("/").status_code == 303
        assert stranger.get("/index.json").status_code == 401
        assert stranger.get("/feed.rss").status_code == 401


def test_a_public_site_stays_open(client: TestClient) -> None:
    assert client.get("/").status_code == 200
    assert client.get("/index.json").status_code == 200
    assert client.get("/feed.rss").status_code == 200


def test_serve_passes_public_on_and_warns_of_a_private_site_without_users(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "private.db"
    SQLiteStore(db).close()
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    monkeypatch.setenv("NUTGRAF_CONFIG", "/nonexistent/nutgraf.toml")
    monkeypatch.setenv("NUTGRAF_PUBLIC", "false")
    for name in ("NUTGRAF_DB", "NUTGRAF_SERVE_LOCAL", "NUTGRAF_SERVE_HOST"):
        monkeypatch.setenv(name, "unset")  # serve sets them for its workers; restored after
    result = CliRunner().invoke(main, ["serve", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "the site is private (public = false) and has no users yet" in result.stderr
    app = app_from_environment()
    assert not app.state.site.config.public
    app.state.site.store.close()
    with SQLiteStore(db) as store:
        add(store, "ann")
    result = CliRunner().invoke(main, ["serve", "--db", str(db)])
    assert "has no users" not in result.stderr
