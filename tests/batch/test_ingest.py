"""The ingestor's feed entries: teasers' pages fetched a few at a time, ahead of the entries
that need them, through the per-host limiter, with saves in feed order on one thread."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import pytest

from nutgraf.batch import pipeline
from nutgraf.batch.ingest import PAGE_WORKERS, Ingestor
from nutgraf.config import Settings
from nutgraf.ingest.fetch import HostLimiter
from nutgraf.records import ArchiveItem, Article, Summary
from nutgraf.store import SQLiteStore
from nutgraf.store.base import NearQuery, SaveResult
from tests.batch.conftest import Page, Site, serving
from tests.batch.test_ingest_cli import STORIES, html_body, page, rss

LOOPBACK = Settings(allow_networks=("127.0.0.0/8",))
DATE = "Mon, 23 Nov 2026 10:00:00 GMT"


class RecordingStore(SQLiteStore):
    """A real SQLite store that notes which thread each save ran on."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.save_threads: list[int] = []

    def save(self, item: ArchiveItem, near: NearQuery | None = None) -> SaveResult:
        self.save_threads.append(threading.get_ident())
        return super().save(item, near)


def teaser_feed(
    site: Site, links: list[str], *, headline_only: frozenset[int] = frozenset()
) -> str:
    """A feed on ``site`` whose entries are teasers (or bare headlines) linking to ``links``."""
    items = []
    for n, link in enumerate(links):
        item = {"title": f"Story {n}", "link": link, "guid": f"g{n}", "date": DATE}
        if n not in headline_only:
            item["description"] = f"Teaser {n}: the first words of story {n}. Read more."
        items.append(item)
    site.pages["/feed.xml"] = Page(rss("Teasers", site.url("/"), items), "application/rss+xml")
    return site.url("/feed.xml")


def most_at_once(spans: list[tuple[float, float]]) -> int:
    """The largest number of (start, end) spans open at the same moment."""
    events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    peak = open_now = 0
    for _, change in events:
        open_now += change
        peak = max(peak, open_now)
    return peak


def test_teaser_pages_are_fetched_at_once_and_saved_in_feed_order(
    site: Site, tmp_path: Path
) -> None:
    delay, count = 1.0, 10
    with ExitStack() as stack:
        # One page on each of ten loopback hosts: the per-host limiter (2 at once, starts 1 s
        # apart per host) lets them all go together, so the pool is what is measured.
        hosts = [stack.enter_context(serving(f"127.0.0.{n + 2}")) for n in range(count)]
        links = []
        for n, host in enumerate(hosts):
            host.pages[f"/story-{n}"] = Page(page(f"Story {n}", STORIES[20 + n]), delay=delay)
            links.append(host.url(f"/story-{n}"))
        feed = teaser_feed(site, links)
        store = RecordingStore(tmp_path / "a.db")
        stack.enter_context(store)
        ingestor = stack.enter_context(Ingestor(store, LOOPBACK))
        started = time.monotonic()
        tally = ingestor.run([feed])
        elapsed = time.monotonic() - started

        assert (tally.new, tally.failures, tally.notes) == (count, [], [])
        spans = [(start, end) for host in hosts for _, start, end in host.served]
        assert len(spans) == count
        # Read one by one this takes over count * delay = 10 s; six at a time, two rounds of
        # 1 s and the extraction (2.5 s; 5 s on a machine loaded four times over).
        assert elapsed < 0.6 * count * delay, elapsed
        assert most_at_once(spans) >= 3
        assert set(store.save_threads) == {threading.get_ident()}
        stored = list(store.articles())
    assert [s.item.article.title for s in stored] == [f"Story {n}" for n in range(count)]
    assert [s.item.url for s in stored] == links
    assert not any(s.item.article.text.startswith("Teaser") for s in stored)  # the pages


def test_pages_on_one_host_keep_its_limits(site: Site, tmp_path: Path) -> None:
    interval = 0.3
    for n in range(5):
        site.pages[f"/story-{n}"] = Page(page(f"Story {n}", STORIES[30 + n]), delay=0.5)
    feed = teaser_feed(site, [site.url(f"/story-{n}") for n in range(5)])
    with SQLiteStore(tmp_path / "a.db") as store, Ingestor(store, LOOPBACK) as ingestor:
        ingestor.fetcher.limiter = HostLimiter(2, interval)  # the default spacing, shortened
        started = time.monotonic()
        tally = ingestor.run([feed])
    assert (tally.new, tally.failed) == (5, 0)
    # The server notes a request a little after it starts and a little before it ends, so
    # these spans can only undercount the requests under way at once.
    spans = [(start, end) for path, start, end in site.served if path.startswith("/story-")]
    assert len(spans) == 5 < PAGE_WORKERS
    assert most_at_once(spans) <= 2  # the pool would run all five; the host allows two
    # The feed, then five pages, each start at least `interval` after the one before.
    assert max(start for start, _ in spans) - started >= 5 * interval


def test_a_failing_page_affects_only_its_own_entry(site: Site, tmp_path: Path) -> None:
    site.pages["/ok-0"] = Page(page("Story 0", STORIES[35]))
    site.pages["/gone-1"] = Page(b"", status=404)
    site.pages["/broken-2"] = Page(b"", status=500)
    site.pages["/ok-3"] = Page(page("Story 3", STORIES[36]))
    links = [site.url(p) for p in ("/ok-0", "/gone-1", "/broken-2", "/ok-3")]
    feed = teaser_feed(site, links, headline_only=frozenset({2}))
    with SQLiteStore(tmp_path / "a.db") as store, Ingestor(store, LOOPBACK) as ingestor:
        ingestor.fetcher.limiter = HostLimiter(2, 0.05)  # the default's 1 s spacing, shortened
        tally = ingestor.run([feed])
        stored = list(store.articles())
    assert (tally.new, tally.updated, tally.duplicates, tally.failed) == (4, 0, 0, 0)
    # The headline whose page failed is kept as a link to it, not lost.
    assert tally.notes == [
        (feed, f"teaser kept: {links[1]} returned HTTP 404 Not Found"),
        (feed, f"headline kept as a link: {links[2]} returned HTTP 500 Internal Server Error"),
    ]
    assert [s.item.article.title for s in stored] == ["Story 0", "Story 1", "Story 2", "Story 3"]
    assert [s.item.kind for s in stored] == ["article", "article", "link", "article"]
    assert stored[2].item.url == links[2]
    paragraphs = [len(s.item.article.paragraphs) for s in stored]
    assert paragraphs[0] > 3 and paragraphs[1] == 1 and paragraphs[2] == 0 and paragraphs[3] > 3


def test_a_host_that_is_down_is_tried_once(site: Site, tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on: connections are refused
        probe.bind(("127.0.0.12", 0))
        port = probe.getsockname()[1]
    links = [f"http://127.0.0.12:{port}/story-{n}" for n in range(8)]
    feed = teaser_feed(site, links)
    with SQLiteStore(tmp_path / "a.db") as store, Ingestor(store, LOOPBACK) as ingestor:
        tally = ingestor.run([feed])
    assert (tally.new, tally.failed) == (8, 0)  # every teaser kept as it is
    assert [label for label, _ in tally.notes] == [feed, feed]  # one line per reason
    first, rest = [note for _, note in tally.notes]
    assert first.startswith(f"teaser kept: {links[0]} could not be fetched")
    assert rest == "7 teasers kept: 127.0.0.12 was unreachable earlier in this run"


def test_entries_already_stored_are_not_summarized_again(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def feed(texts: list[str]) -> str:
        items = [
            {
                "title": f"Story {n}",
                "link": site.url(f"/s{n}"),
                "guid": f"g{n}",
                "date": DATE,
                "content": html_body(text),
            }
            for n, text in enumerate(texts)
        ]
        site.pages["/full.xml"] = Page(rss("Full", site.url("/"), items), "application/rss+xml")
        return site.url("/full.xml")

    texts = STORIES[:4]
    summarized: list[str] = []
    real = pipeline.summarize

    def counting(article: Article) -> Summary:
        summarized.append(article.title or "")
        return real(article)

    monkeypatch.setattr(pipeline, "summarize", counting)
    with SQLiteStore(tmp_path / "a.db") as store:
        with Ingestor(store, LOOPBACK) as ingestor:
            assert ingestor.run([feed(texts)]).new == 4
        assert len(summarized) == 4
        summarized.clear()
        with Ingestor(store, LOOPBACK) as ingestor:
            again = ingestor.run([feed([*texts[:3], texts[3] + " A correction was added."])])
    assert (again.new, again.updated, again.failures) == (0, 1, [])
    assert summarized == ["Story 3"]  # the three the archive holds unchanged were skipped
