"""Admin sessions and failed sign-ins (issue 15, point 6), against a real server on loopback.

Clients on other loopback addresses (127.0.0.2, 127.0.0.3, ...) stand for other machines:
the server sees each as a client of its own.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from click.testing import CliRunner

from nutgraf.cli import main
from nutgraf.store import SQLiteStore
from nutgraf.web.app import SiteConfig, create_app
from nutgraf.web.auth import SESSION_COOKIE
from nutgraf.web.ratelimit import FailureLimits, LoginLimiter, client_key
from tests.web.conftest import fill, page_html, serving

TOKEN = "Zq3-vK9_pL2xWm8RtY4nB7cE-session-tests"
LIMITS = FailureLimits(per_client=3, overall=8, window=60.0, overall_window=60.0)


@contextmanager
def site(db: Path, token: str = TOKEN, limits: FailureLimits = LIMITS) -> Iterator[str]:
    with SQLiteStore(db) as store:
        config = SiteConfig(admin_token=token, local_only=False, login_limits=limits)
        with serving(create_app(store, config)) as base:
            yield base


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "site.db"
    with SQLiteStore(path) as store:
        fill(store)
    return path


def browser(base: str, address: str = "127.0.0.1") -> httpx.Client:
    """A client from ``address``, keeping cookies as a browser does."""
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=base, transport=transport, headers={"Origin": base})


def sign_in(client: httpx.Client, token: str = TOKEN) -> httpx.Response:
    form = client.get("/admin")
    csrf = page_html(form.text).xpath("//input[@name='csrf']/@value")[0]
    return client.post("/admin/login", data={"csrf": csrf, "token": token})


def is_open(client: httpx.Client) -> bool:
    doc = page_html(client.get("/admin").text)
    return bool(doc.xpath("//form[@action='/admin/feeds']"))


def test_each_sign_in_gets_a_new_random_session_kept_only_as_a_hash(db: Path) -> None:
    with site(db) as base:
        cookies = []
        for _ in range(2):
            with browser(base) as client:
                assert sign_in(client).status_code == 303
                cookies.append(client.cookies[SESSION_COOKIE])
                assert is_open(client)
    assert cookies[0] != cookies[1]
    assert all(len(c) >= 40 for c in cookies)
    with sqlite3.connect(db) as raw:
        keys = {row[0] for row in raw.execute("SELECT key FROM sessions")}
        dump = "\n".join(raw.iterdump())
    assert keys == {hashlib.sha256(c.encode()).hexdigest() for c in cookies}
    assert not any(c in dump for c in cookies)
    assert TOKEN not in dump


def test_signing_out_ends_the_session_even_for_a_copied_cookie(db: Path) -> None:
    with site(db) as base, browser(base) as client:
        sign_in(client)
        stolen = client.cookies[SESSION_COOKIE]
        csrf = page_html(client.get("/admin").text).xpath("//input[@name='csrf']/@value")[0]
        assert client.post("/admin/logout", data={"csrf": csrf}).status_code == 303
        assert not is_open(client)
        with browser(base) as other:
            other.cookies.set(SESSION_COOKIE, stolen)
            assert not is_open(other)


def test_an_expired_session_is_refused(db: Path) -> None:
    with site(db) as base, browser(base) as client:
        sign_in(client)
        assert is_open(client)
        with sqlite3.connect(db) as raw:
            raw.execute("UPDATE sessions SET expires = '2000-01-01T00:00:00Z'")
        assert not is_open(client)


def test_a_new_token_ends_the_sessions_of_the_old(db: Path) -> None:
    with site(db) as base, browser(base) as client:
        sign_in(client)
        cookie = client.cookies[SESSION_COOKIE]
    with site(db, token="another-Token_of-24-chars-or-more") as base, browser(base) as client:
        client.cookies.set(SESSION_COOKIE, cookie)
        assert not is_open(client)


def test_a_forged_or_huge_cookie_is_no_session(db: Path) -> None:
    with site(db) as base, browser(base) as client:
        for forged in ("x", "a" * 43, "a" * 5000, hashlib.sha256(TOKEN.encode()).hexdigest()):
            client.cookies.set(SESSION_COOKIE, forged)
            assert not is_open(client)


def test_parallel_guessing_is_limited_per_client(db: Path) -> None:
    """200 connections guessing at once got 400 guesses a second; now only ``per_client``
    guesses are compared, and the rest are refused with Retry-After, the right token too."""
    with site(db) as base:
        with browser(base) as client:
            csrf = page_html(client.get("/admin").text).xpath("//input[@name='csrf']/@value")[0]

            def guess(n: int) -> httpx.Response:
                return client.post("/admin/login", data={"csrf": csrf, "token": f"guess-{n}"})

            with ThreadPoolExecutor(max_workers=20) as pool:
                answers = [r.status_code for r in pool.map(guess, range(60))]
            assert answers.count(403) == LIMITS.per_client
            assert answers.count(429) == 60 - LIMITS.per_client
            refused = sign_in(client)
            assert refused.status_code == 429
            assert 1 <= int(refused.headers["retry-after"]) <= 60
            assert not is_open(client)
        with browser(base, "127.0.0.2") as elsewhere:
            assert sign_in(elsewhere).status_code == 303
            assert is_open(elsewhere)


def test_guessing_from_many_clients_is_limited_overall(db: Path) -> None:
    with site(db) as base:
        answers = []
        for n in range(2, 8):  # six clients, three guesses each: more than 8 overall
            with browser(base, f"127.0.0.{n}") as client:
                for _ in range(LIMITS.per_client):
                    answers.append(sign_in(client, token="wrong").status_code)
        assert answers.count(403) == LIMITS.overall
        with browser(base, "127.0.0.99") as fresh:
            assert sign_in(fresh).status_code == 429


def test_the_limiter_slides_its_window_and_stays_bounded() -> None:
    now = [0.0]
    limits = FailureLimits(per_client=2, overall=100, window=10, max_clients=50)
    limiter = LoginLimiter(limits, clock=lambda: now[0])
    limiter.fail("a")
    now[0] = 4
    limiter.fail("a")
    assert limiter.wait("a") == pytest.approx(6)
    assert limiter.wait("b") == 0
    now[0] = 10.5
    assert limiter.wait("a") == 0  # the first failure has left the window
    limiter.fail("a")
    assert limiter.wait("a") == pytest.approx(3.5)
    limiter.succeed("a")
    assert limiter.wait("a") == 0
    for n in range(10_000):
        limiter.fail(f"client-{n}")
    assert len(limiter._clients) == limits.max_clients


def test_an_ipv6_client_counts_as_its_network() -> None:
    assert client_key("2001:db8::1") == client_key("2001:db8::ffff:1") == "2001:db8::/64"
    assert client_key("2001:db8:0:1::1") != client_key("2001:db8::1")
    assert client_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert client_key("192.0.2.1") == "192.0.2.1"
    assert client_key(None) == "?"


def test_serve_refuses_the_placeholder_token_at_start_up(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: started.append(kwargs))
    monkeypatch.setenv("NUTGRAF_CONFIG", str(db.parent / "none.toml"))
    for token in ("CHANGE-ME-TO-A-LONG-RANDOM-STRING", "short-token"):
        monkeypatch.setenv("NUTGRAF_ADMIN_TOKEN", token)
        result = CliRunner().invoke(main, ["serve", "--db", str(db), "--host", "0.0.0.0"])
        assert result.exit_code == 1
        assert result.output.startswith("Error: Config 'admin_token'")
        assert len(result.output.strip().splitlines()) == 1
    assert started == []
