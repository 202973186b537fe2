"""The host boundary (issue 15, point 2): DNS rebinding against a real server on loopback.

A page on ``rebind.test`` whose address is switched to 127.0.0.1 sends its requests to the
loopback server with ``Host: rebind.test:PORT`` and ``Origin: http://rebind.test:PORT``;
httpx sends exactly those headers here, as the browser would after the switch.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from nutgraf.config import load_settings
from nutgraf.errors import NutgrafError
from nutgraf.store import SQLiteStore
from nutgraf.web.csrf import CSRF_COOKIE
from nutgraf.web.hosts import allowed_hosts, host_name, is_allowed, origin_allowed
from nutgraf.web.server import app_from_environment
from tests.web.conftest import fill, page_html, serving


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """What ``nutgraf serve`` runs on loopback with no admin token: its worker's app, built
    from the environment serve sets, on a free port."""
    db = tmp_path / "site.db"
    with SQLiteStore(db) as store:
        fill(store)
    monkeypatch.setenv("NUTGRAF_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.delenv("NUTGRAF_ADMIN_TOKEN", raising=False)
    monkeypatch.delenv("NUTGRAF_ALLOWED_HOSTS", raising=False)
    monkeypatch.delenv("NUTGRAF_BASE_URL", raising=False)
    monkeypatch.setenv("NUTGRAF_DB", str(db))
    monkeypatch.setenv("NUTGRAF_SERVE_LOCAL", "1")
    monkeypatch.setenv("NUTGRAF_SERVE_HOST", "127.0.0.1")
    app = app_from_environment()
    try:
        with serving(app) as base:
            yield base
    finally:
        app.state.site.store.close()


def _port(base: str) -> str:
    return base.rsplit(":", 1)[1]


def test_a_rebound_name_is_refused_before_routing(served: str) -> None:
    port = _port(served)
    with httpx.Client(base_url=served) as client:
        for host in (f"rebind.test:{port}", "rebind.test", f"127.0.0.1.rebind.test:{port}", ""):
            for path in ("/", "/admin", "/healthz", "/static/site.css", "/nowhere"):
                response = client.get(path, headers={"Host": host})
                assert response.status_code == 400, (host, path)
                assert response.text.startswith("Error: ")
                assert response.headers["x-frame-options"] == "DENY"
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", "LOCALHOST", f"[::1]:{port}"):
            assert client.get("/", headers={"Host": host}).status_code == 200, host


def test_a_rebinding_page_cannot_drive_the_admin(served: str, tmp_path: Path) -> None:
    port = _port(served)
    evil = f"rebind.test:{port}"
    # The attacker's page holds a CSRF pair of its own making: a browser keeps cookies by
    # name, so the rebound name's cookie jar is the attacker's to fill.
    cookies = {CSRF_COOKIE: "x" * 32}
    with httpx.Client(base_url=served, headers={"Host": evil}, cookies=cookies) as client:
        page = client.get("/admin")
        assert page.status_code == 400
        response = client.post(
            "/admin/dumps",
            data={"csrf": "x" * 32, "text": "Planted story\n\nPlanted by a rebinding page."},
            headers={"Origin": f"http://{evil}"},
        )
        assert response.status_code == 400
    with SQLiteStore(tmp_path / "site.db") as store:
        assert store.search("planted") == []


def test_the_admin_still_works_on_its_own_name(served: str, tmp_path: Path) -> None:
    with httpx.Client(base_url=served, follow_redirects=True) as client:
        form = client.get("/admin")
        assert form.status_code == 200
        token = page_html(form.text).xpath("//input[@name='csrf']/@value")[0]
        response = client.post(
            "/admin/dumps",
            data={"csrf": token, "text": "Harbour gala\n\nThe harbour gala raised money today."},
            headers={"Origin": served},
        )
        assert response.status_code == 200, response.text
        refused = client.post(
            "/admin/dumps",
            data={"csrf": token, "text": "Other\n\nAnother text."},
            headers={"Origin": "http://localhost.rebind.test"},
        )
        assert refused.status_code == 403


def test_host_names_are_parsed_strictly() -> None:
    assert host_name("LocalHost:8000") == "localhost"
    assert host_name("[::1]:8000") == "::1"
    assert host_name("[0:0:0:0:0:0:0:1]") == "::1"
    assert host_name("news.example.org.") == "news.example.org"
    for bad in ("", " ", "a b", "[::1", "[::1]x", "evil.test/path", "user@host", "h:port"):
        assert host_name(bad) is None, bad


def test_allowed_hosts_follow_the_bind_address_and_base_url() -> None:
    loopback = allowed_hosts(None, bind="127.0.0.1", local=True, base_url=None)
    assert loopback == {"localhost", "127.0.0.1", "::1"}
    with_base = allowed_hosts(None, bind="::1", local=True, base_url="https://News.test/")
    assert with_base == {"localhost", "127.0.0.1", "::1", "news.test"}
    assert allowed_hosts(None, bind="0.0.0.0", local=False, base_url="https://n.test/") == {
        "n.test"
    }
    assert allowed_hosts(None, bind="0.0.0.0", local=False, base_url=None) is None
    assert allowed_hosts(("*",), bind="127.0.0.1", local=True, base_url=None) is None
    assert allowed_hosts(("a.test",), bind="127.0.0.1", local=True, base_url=None) == {"a.test"}
    assert is_allowed("www.example.org", frozenset({".example.org"}))
    assert is_allowed("example.org", frozenset({".example.org"}))
    assert not is_allowed("badexample.org", frozenset({".example.org"}))


def test_an_origin_must_name_an_allowed_host_and_the_requests_own() -> None:
    allowed = frozenset({"localhost", "127.0.0.1"})
    assert origin_allowed("http://localhost:8000", "localhost:8000", allowed)
    assert not origin_allowed("http://rebind.test:8000", "rebind.test:8000", allowed)
    assert not origin_allowed("http://localhost:9000", "localhost:8000", allowed)
    assert not origin_allowed("null", "localhost:8000", allowed)
    assert origin_allowed("http://any.test", "any.test", None)


def test_settings_name_the_hosts(tmp_path: Path) -> None:
    environ = {"NUTGRAF_CONFIG": str(tmp_path / "none.toml")}
    settings = load_settings(
        {
            **environ,
            "NUTGRAF_ALLOWED_HOSTS": "News.Example.org, .example.net,[::1]",
            "NUTGRAF_BASE_URL": "https://news.example.org",
        }
    )
    assert settings.allowed_hosts == ("news.example.org", ".example.net", "::1")
    assert settings.base_url == "https://news.example.org/"
    for key, value in (
        ("NUTGRAF_ALLOWED_HOSTS", "https://news.example.org/"),
        ("NUTGRAF_ALLOWED_HOSTS", "news.example.org:8000"),
        ("NUTGRAF_BASE_URL", "news.example.org"),
        ("NUTGRAF_BASE_URL", "file:///etc/passwd"),
    ):
        with pytest.raises(NutgrafError) as raised:
            load_settings({**environ, key: value})
        assert "\n" not in str(raised.value)
