"""Teaser pages that drip: a host that timed out is not asked again in the run, each feed's
pages end within its budget, and the other feeds of a poll are not held up (issue 15,
point 5). Real loopback servers; tiny deadlines and budgets stand in for the real 30 s and
60 s. The measured case, twenty pages dripping a byte a second, is in benchmarks/hostile.py.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from pathlib import Path

from nutgraf.batch.ingest import Fetcher, Ingestor
from nutgraf.batch.poll import poll_due
from nutgraf.config import Settings
from nutgraf.ingest.fetch import FetchSettings, HostLimiter
from nutgraf.store import SQLiteStore
from tests.batch.conftest import Page, Site, serving
from tests.batch.test_ingest import teaser_feed
from tests.batch.test_ingest_cli import STORIES, html_body, page, rss

LOOPBACK = Settings(allow_networks=("127.0.0.0/8",))
DRIP = 0.05  # seconds between two bytes of a dripping page: it never stalls a read
DEADLINE = 0.6  # the fetch deadline the tests give (30 s by default)


def dripping(title: str) -> Page:
    """A page that takes a minute to send, a byte at a time."""
    return Page(page(title, STORIES[3]) + b" " * 2000, drip=DRIP)


def quick_fetcher(settings: Settings = LOOPBACK) -> Fetcher:
    """A fetcher with the tests' short deadline and the per-host spacing shortened."""
    fetcher = Fetcher(settings)
    fetcher.settings = FetchSettings(allow_networks=settings.allow_networks, deadline=DEADLINE)
    fetcher.limiter = HostLimiter(2, 0.02)
    return fetcher


def page_requests(site: Site) -> list[str]:
    return [path for path, _ in site.requests if path.startswith("/story-")]


def test_a_host_that_timed_out_is_not_asked_again_in_the_run(tmp_path: Path) -> None:
    with serving("127.0.0.21") as slow, serving() as site:
        links = []
        for n in range(8):
            slow.pages[f"/story-{n}"] = dripping(f"Story {n}")
            links.append(slow.url(f"/story-{n}"))
        feed = teaser_feed(site, links)
        with SQLiteStore(tmp_path / "a.db") as store:
            fetcher = quick_fetcher()
            try:
                with Ingestor(store, LOOPBACK, fetcher=fetcher, page_budget=30) as ingestor:
                    started = time.monotonic()
                    tally = ingestor.run([feed])
                    elapsed = time.monotonic() - started
            finally:
                fetcher.close()
        assert page_requests(slow) == ["/story-0"]  # the first timed out; none asked again
    assert (tally.new, tally.failed) == (8, 0)  # every teaser kept as it is
    assert tally.notes == [
        (feed, f"teaser kept: {links[0]} took longer than the {DEADLINE:g} s deadline; "
         "nutgraf gave up"),
        (feed, "7 teasers kept: 127.0.0.21 timed out earlier in this run"),
    ]  # fmt: skip
    assert elapsed < 8 * DEADLINE  # one deadline and the saves, not one deadline a page


def test_a_feeds_pages_end_within_its_budget(tmp_path: Path) -> None:
    """Pages on twelve hosts, each dripping: no timeout comes, the budget does."""
    budget = 1.0
    with ExitStack() as stack:
        site = stack.enter_context(serving())
        hosts = [stack.enter_context(serving(f"127.0.0.{30 + n}")) for n in range(12)]
        links = []
        for n, host in enumerate(hosts):
            host.pages[f"/story-{n}"] = dripping(f"Story {n}")
            links.append(host.url(f"/story-{n}"))
        feed = teaser_feed(site, links)
        store = stack.enter_context(SQLiteStore(tmp_path / "a.db"))
        ingestor = stack.enter_context(Ingestor(store, LOOPBACK, page_budget=budget))
        started = time.monotonic()
        tally = ingestor.run([feed])
        elapsed = time.monotonic() - started
        stored = list(store.articles())
    assert (tally.new, tally.failed) == (12, 0)
    assert tally.notes == [
        (feed, "12 teasers kept: their pages were not read within the feed's 1 s "
         "page budget"),
    ]  # fmt: skip
    assert all(s.item.article.text.startswith("Teaser") for s in stored)
    # The budget, the grace for extracting a page already read, and the saves: not the
    # 30 s deadline of each of two rounds of six pages.
    assert elapsed < budget + 4.0, elapsed


def test_a_dripping_feed_does_not_hold_up_the_other_feeds_of_its_poll(tmp_path: Path) -> None:
    """Twenty dripping teasers and an ordinary feed on the same host (its turns are shared),
    and another elsewhere: the poll ends within the dripping feed's budget."""
    budget = 2.0
    with serving() as slow, serving("127.0.0.51") as other:
        links = []
        for n in range(20):
            slow.pages[f"/story-{n}"] = dripping(f"Story {n}")
            links.append(slow.url(f"/story-{n}"))
        feeds = [teaser_feed(slow, links)]
        for n, site in enumerate((slow, other)):
            text = html_body(STORIES[7 + n])
            item = {"title": "Full", "link": site.url("/full"), "content": text}
            site.pages["/ok.xml"] = Page(rss("OK", site.url("/"), [item]), "application/rss+xml")
            feeds.append(site.url("/ok.xml"))
        with SQLiteStore(tmp_path / "a.db") as store:
            for url in feeds:
                store.add_feed(url, now="2000-01-01T00:00:00Z")
            fetcher = quick_fetcher()
            try:
                started = time.monotonic()
                polled = poll_due(store, LOOPBACK, page_budget=budget, fetcher=fetcher)
                elapsed = time.monotonic() - started
            finally:
                fetcher.close()
            titles = sorted(s.item.article.title or "" for s in store.articles())
        assert page_requests(slow) == ["/story-0"]
    tallies = {state.url: tally for state, tally in polled}
    assert (
        tallies[feeds[0]].summary_line() == "20 new, 0 updated, 0 unchanged, 0 duplicates, 0 failed"
    )
    assert [tallies[url].new for url in feeds[1:]] == [1, 1]
    assert titles == ["Full", "Full", *sorted(f"Story {n}" for n in range(20))]
    assert elapsed < budget + 4.0, elapsed
