"""A real client against the Google Reader API: newsboat in its FeedHQ mode, over HTTP on
loopback (issue 18).

Feeds are served on loopback, subscribed and ingested through the API's
``subscription/quickadd``, and newsboat syncs them (``-x reload print-unread``, no terminal).
Its unread count must equal the reader's ``unread_total`` after every change: marks made
through the API (``edit-tag``) and through the site (``POST /articles/ID/read``), and marks
newsboat makes itself, driven on a pseudo-terminal as a person would (opening an article
sends ``edit-tag``; ``C`` sends ``mark-all-as-read`` for every feed; a flag set with ^E
stars the article), which the archive must then hold.

newsboat is the Debian package ``newsboat``: without it the test skips, saying so, except
under CI (``CI`` set), where it fails.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from nutgraf.accounts import hash_password
from nutgraf.store import SQLiteStore
from nutgraf.store.records import User
from nutgraf.web.app import SiteConfig, create_app
from tests.batch.conftest import Page, Site
from tests.web.conftest import serving
from tests.web.signin import sign_in

NEWSBOAT = shutil.which("newsboat") or "/usr/bin/newsboat"
PASSWORD = "newsboat tests password"
API = "/api/greader/reader/api/0"
TIMEOUT = 60


def require_newsboat() -> str:
    if os.access(NEWSBOAT, os.X_OK):
        return NEWSBOAT
    missing = f"newsboat is not installed at {NEWSBOAT} (apt install newsboat)"
    if os.environ.get("CI"):
        pytest.fail(f"the newsboat test is required under CI: {missing}")
    pytest.skip(missing)


def rss(name: str, count: int) -> bytes:
    items = "".join(
        f"<item><title>{name} report {n}</title><link>https://{name}.test/{n}</link>"
        f"<guid>{name}-{n}</guid><pubDate>Mon, {n + 1:02d} Nov 2026 09:00:00 GMT</pubDate>"
        f"<description>The {name} council met on day {n} to talk about the harbour. "
        f"Members agreed on plan number {n * 13} after a long debate about the ferry pier. "
        "The vote was close, and work starts next week.</description></item>"
        for n in range(1, count + 1)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{name.title()} News</title>'
        f"<link>https://{name}.test/</link>{items}</channel></rss>"
    ).encode()


class Newsboat:
    """newsboat with its own home, config, URL file and cache, signed in as ``ann``."""

    def __init__(self, folder: Path, base: str) -> None:
        folder.mkdir()
        (folder / "home").mkdir()
        (folder / "password").write_text(PASSWORD)
        (folder / "urls").write_text("")
        (folder / "config").write_text(
            'urls-source "feedhq"\n'
            f'feedhq-url "{base}/api/greader"\n'
            'feedhq-login "ann"\n'
            f'feedhq-passwordfile "{folder / "password"}"\n'
            "feedhq-show-special-feeds no\n"
            "feedhq-min-items 100\n"
            'feedhq-flag-star "s"\n'
            "confirm-exit no\n"
        )
        self.folder = folder
        self.env = {
            "HOME": str(folder / "home"),
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "TERM": "xterm",
            "LANG": "C.UTF-8",
        }
        self.command = [
            require_newsboat(),
            "-C",
            str(folder / "config"),
            "-u",
            str(folder / "urls"),
            "-c",
            str(folder / "cache.db"),
        ]

    def sync(self) -> int:
        """Reload every feed from the API; how many articles newsboat has unread."""
        done = subprocess.run(
            [*self.command, "-x", "reload", "print-unread"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 0, done.stderr
        found = re.search(r"(\d+) unread articles", done.stdout)
        assert found, done.stdout + done.stderr
        return int(found.group(1))

    def press(self, keys: list[bytes], until: Callable[[], bool]) -> None:
        """Run newsboat on a pseudo-terminal, type ``keys`` one by one, then quit it view by
        view until ``until()`` holds (the archive shows what the keys did)."""
        primary, secondary = os.openpty()
        os.set_blocking(primary, False)
        process = subprocess.Popen(
            [*self.command, "-l", "6", "-d", str(self.folder / "log")],
            env={**self.env, "LINES": "40", "COLUMNS": "120"},
            stdin=secondary,
            stdout=secondary,
            stderr=secondary,
            start_new_session=True,
        )
        os.close(secondary)
        try:
            self._drain(primary, 2.0)
            for key in keys:
                os.write(primary, key)
                self._drain(primary, 0.7)
            deadline = time.monotonic() + TIMEOUT
            while not until() and time.monotonic() < deadline:
                if process.poll() is None:  # newsboat writes some marks as it leaves a view
                    os.write(primary, b"q")
                self._drain(primary, 0.3)
            log = (self.folder / "log").read_text(errors="replace")[-3000:]
            assert until(), f"newsboat's change did not reach the archive: {log}"
            while process.poll() is None and time.monotonic() < deadline:
                os.write(primary, b"q")
                self._drain(primary, 0.3)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            os.close(primary)

    @staticmethod
    def _drain(fd: int, seconds: float) -> None:
        """Read (and drop) what newsboat draws for ``seconds``, so it never blocks writing."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    os.read(fd, 65536)
                except OSError:
                    return


@pytest.fixture
def served(tmp_path: Path, site: Site, loopback_allowed: None) -> Iterator[tuple[SQLiteStore, str]]:
    site.pages["/harbour.xml"] = Page(rss("harbour", 4), "application/rss+xml")
    site.pages["/coast.xml"] = Page(rss("coast", 3), "application/rss+xml")
    with SQLiteStore(tmp_path / "site.db") as store:
        for name, admin in (("ann", False), ("boss", True)):
            store.add_user(User(name, hash_password(PASSWORD), admin, "2026-12-01T00:00:00Z"))
        with serving(create_app(store, SiteConfig(cache_seconds=0))) as base:
            yield store, base


def api_client(base: str, name: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=TIMEOUT)
    answer = client.post(
        "/api/greader/accounts/ClientLogin", data={"Email": name, "Passwd": PASSWORD}
    )
    auth = dict(line.split("=", 1) for line in answer.text.splitlines())["Auth"]
    client.headers["Authorization"] = f"GoogleLogin auth={auth}"
    return client, client.get(f"{API}/token").text


def test_newsboat_syncs_reading_state_both_ways(
    tmp_path: Path, site: Site, served: tuple[SQLiteStore, str]
) -> None:
    require_newsboat()
    store, base = served
    boss, boss_token = api_client(base, "boss")
    for path in ("/harbour.xml", "/coast.xml"):
        added = boss.post(
            f"{API}/subscription/quickadd", data={"quickadd": site.url(path), "T": boss_token}
        ).json()
        assert added["numResults"] == 1, added
    assert store.unread_total("ann") == 7

    newsboat = Newsboat(tmp_path / "newsboat", base)
    assert newsboat.sync() == store.unread_total("ann") == 7

    # Marks made through the API and through the site reach newsboat on its next reload.
    ann, token = api_client(base, "ann")
    ids = [
        int(r["id"])
        for r in ann.get(
            f"{API}/stream/items/ids",
            params={"s": "user/-/state/com.google/reading-list", "n": 100},
        ).json()["itemRefs"]
    ]
    long_ids = [f"tag:google.com,2005:reader/item/{i:016x}" for i in ids[:2]]
    edited = ann.post(
        f"{API}/edit-tag",
        content="&".join(
            [
                *(f"i={i}" for i in long_ids),
                "a=user/-/state/com.google/read",
                "a=user/-/state/com.google/starred",
                f"T={token}",
            ]
        ),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert edited.text == "OK"
    browser = httpx.Client(base_url=base, timeout=TIMEOUT)
    sign_in(browser, store, "ann")
    browser.get("/settings")  # sets the CSRF cookie
    marked = browser.post(
        f"/articles/{ids[2]}/read", data={"csrf": browser.cookies["nutgraf_csrf"]}
    )
    assert marked.status_code in (200, 303)
    assert store.unread_total("ann") == 4
    assert newsboat.sync() == 4
    ann.post(
        f"{API}/edit-tag", data={"i": str(ids[0]), "r": "user/-/state/com.google/read", "T": token}
    )
    assert newsboat.sync() == store.unread_total("ann") == 5

    # newsboat's own marks: opening an article marks it read through edit-tag...
    newsboat.press([b"\r", b"\r"], until=lambda: store.unread_total("ann") == 4)
    assert newsboat.sync() == 4
    # ...a flag stars it (edit-tag starred)...
    starred_before = len(store.starred("ann", limit=100))
    newsboat.press(
        [b"\r", b"\x05", b"s\r"],
        until=lambda: len(store.starred("ann", limit=100)) == starred_before + 1,
    )
    # ...and C marks every feed read (mark-all-as-read, one call a feed).
    newsboat.press([b"C", b"y"], until=lambda: store.unread_total("ann") == 0)
    assert newsboat.sync() == store.unread_total("ann") == 0
