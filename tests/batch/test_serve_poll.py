"""`nutgraf serve` polls the feeds itself: a real feed server on loopback, `nutgraf serve` as a
subprocess on a real SQLite archive subscribed to it, the site read over HTTP."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from nutgraf.batch.ingest import utc_now
from nutgraf.store import open_store
from tests.batch.conftest import Page, Site
from tests.batch.test_ingest_cli import STORIES, html_body, rss


def _feed(site: Site, titles: list[str]) -> Page:
    items = [
        {"title": t, "link": f"https://p.example/{n}", "guid": t, "content": html_body(STORIES[n])}
        for n, t in enumerate(titles)
    ]
    return Page(rss("Polled", site.url("/"), items), "application/rss+xml")


def _subscribed(tmp_path: Path, site: Site) -> Path:
    """An archive subscribed to the site's feed, never polled (so due at once)."""
    db = tmp_path / "served.db"
    store = open_store(str(db))
    store.add_feed(site.url("/feed.xml"), title="Polled", site=None, category=None, now=utc_now())
    store.close()
    return db


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _serving(db: Path, *options: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = _free_port()
    env = {
        **os.environ,
        "NUTGRAF_ALLOW_NETWORKS": "127.0.0.0/8",
        "NUTGRAF_CONFIG": "/nonexistent/nutgraf.toml",
        "NUTGRAF_PAGE_CACHE_SECONDS": "0",
    }
    env.pop("NUTGRAF_DB", None)
    command = [sys.executable, "-m", "nutgraf", "serve", "--db", str(db), "--port", str(port)]
    process = subprocess.Popen(
        [*command, *options], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            assert process.poll() is None, process.communicate()[1]
            try:
                httpx.get(base + "/index.json", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the site did not start"
                time.sleep(0.1)
        yield process, base
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def _titles(base: str) -> list[str]:
    answer = httpx.get(base + "/index.json", timeout=5)
    assert answer.status_code == 200
    return [item["title"] for item in answer.json()["articles"]]


def _wait_for(base: str, title: str, seconds: float = 12) -> None:
    deadline = time.monotonic() + seconds
    while title not in _titles(base):
        assert time.monotonic() < deadline, f"{title!r} never appeared on the site"
        time.sleep(0.2)


def _stop(process: subprocess.Popen[str], sig: signal.Signals) -> str:
    process.send_signal(sig)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    return err


def test_serve_polls_new_items_onto_the_site(
    tmp_path: Path, site: Site, loopback_allowed: None
) -> None:
    site.pages["/feed.xml"] = _feed(site, ["Council approves the budget"])
    db = _subscribed(tmp_path, site)
    with _serving(db) as (process, base):
        _wait_for(base, "Council approves the budget")
        # A new item is published, and the feed comes due again: the next round stores it.
        site.pages["/feed.xml"] = _feed(site, ["Council approves the budget", "Bridge reopens"])
        with sqlite3.connect(db) as connection:
            connection.execute("UPDATE feeds SET next_check = '2000-01-01T00:00:00Z'")
        _wait_for(base, "Bridge reopens")
        err = _stop(process, signal.SIGTERM)
    assert "poll: 1 feed(s): 1 new" in err
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # The poll ended the lease it took, and the stories hold what it stored.
        leases = connection.execute("SELECT lease_owner, lease_until FROM feeds").fetchall()
        assert leases == [(None, None)]
        placed = connection.execute("SELECT count(*) FROM stories").fetchone()[0]
        assert placed == 2


def test_no_poll_leaves_the_feed_alone(tmp_path: Path, site: Site, loopback_allowed: None) -> None:
    site.pages["/feed.xml"] = _feed(site, ["Council approves the budget"])
    db = _subscribed(tmp_path, site)
    with _serving(db, "--no-poll") as (process, base):
        time.sleep(3)  # more than a poller's look for due feeds
        assert _titles(base) == []
        err = _stop(process, signal.SIGINT)
    assert site.requests == []
    assert "poll:" not in err


def test_a_failing_feed_does_not_stop_the_poller(
    tmp_path: Path, site: Site, loopback_allowed: None
) -> None:
    site.pages["/feed.xml"] = Page(b"oops", "text/plain", status=500)
    db = _subscribed(tmp_path, site)
    store = open_store(str(db))
    store.add_feed(site.url("/good.xml"), title="Good", site=None, category=None, now=utc_now())
    store.close()
    site.pages["/good.xml"] = _feed(site, ["Ferry timetable changes"])
    with _serving(db) as (process, base):
        _wait_for(base, "Ferry timetable changes")
        err = _stop(process, signal.SIGINT)
    assert "poll: 2 feed(s) (1 failed): 1 new" in err
    with sqlite3.connect(db) as connection:
        failures = connection.execute("SELECT failures FROM feeds ORDER BY id").fetchall()
    assert failures == [(1,), (0,)]
