"""Rules applied at ingest: a real feed served on loopback, polled into SQLite and PostgreSQL,
with block, keep-only, star and tag rules."""

from __future__ import annotations

import threading

import pytest

from nutgraf.batch.ingest import Ingestor
from nutgraf.batch.poll import poll_due
from nutgraf.batch.poller import PollerOptions, poll_round
from nutgraf.config import Settings
from nutgraf.rules import Rule
from nutgraf.store import Store
from tests.batch.conftest import Page, Site
from tests.batch.test_ingest_cli import STORIES, html_body, rss
from tests.store.conftest import postgres_server, postgres_store, store

__all__ = ["postgres_server", "postgres_store", "store"]

LOOPBACK = Settings(allow_networks=("127.0.0.0/8",))
DATE = "Mon, 23 Nov 2026 10:00:00 GMT"
TITLES = [
    "Football: late goal wins the cup",
    "Markets fall as interest rates rise",
    "Election night: the count goes on",
    "Sponsored: the best mattress of 2026",
]


def serve_feed(
    site: Site, path: str, titles: list[str], author: str = "Jo Bloggs", first: int = 0
) -> str:
    """A feed at ``path`` of full stories (``STORIES`` from ``first`` on) by ``author``."""
    items = [
        {
            "title": title,
            "link": site.url(f"{path}/story-{n}"),
            "guid": f"{path}-{n}",
            "date": DATE,
            "content": html_body(STORIES[first + n]),
        }
        for n, title in enumerate(titles)
    ]
    body = rss("Example News", site.url("/"), items).replace(
        b"<item>", f"<item><author>{author}</author>".encode()
    )
    site.pages[path] = Page(body, "application/rss+xml")
    return site.url(path)


def stored(store: Store) -> dict[str, int]:
    """The stored articles' ids by headline."""
    return {a.item.article.title or "": a.id for a in store.latest(limit=100)}


def stored_titles(store: Store) -> list[str]:
    return sorted(stored(store))


def test_rules_block_star_and_tag_at_ingest_and_a_blocked_item_stays_out(
    store: Store, site: Site
) -> None:
    feed = serve_feed(site, "/feed.xml", TITLES)
    block = store.add_rule(Rule(0, None, "title", "keyword", "football", "block"))
    sponsored = store.add_rule(Rule(0, feed, "title", "regex", r"^Sponsored:", "block"))
    store.add_rule(Rule(0, None, "text", "keyword", "the", "star", user="ann"))
    store.add_rule(Rule(0, None, "title", "keyword", "interest rates", "tag", "money", "ann"))
    store.add_rule(Rule(0, None, "title", "keyword", "election", "tag", "politics", "bob"))
    off = store.add_rule(Rule(0, None, "title", "keyword", "markets", "block"))
    store.set_rule_enabled(off.id, False)
    # A rule of another feed does nothing here.
    store.add_rule(Rule(0, "https://elsewhere.example/feed", "any", "keyword", "election", "block"))

    with Ingestor(store, LOOPBACK) as ingestor:
        ingestor.url(feed)
        tally = ingestor.tally
    assert tally.summary_line() == (
        f"2 new, 0 updated, 0 unchanged, 0 duplicates, 0 failed, "
        f"1 blocked by rule {block.id}, 1 blocked by rule {sponsored.id}"
    )
    assert not tally.failures
    assert stored_titles(store) == sorted(TITLES[1:3])
    ids = stored(store)
    markets, election = ids[TITLES[1]], ids[TITLES[2]]
    assert sorted(h.id for h in store.starred("ann")) == sorted([markets, election])
    assert store.starred("bob") == []
    assert store.item_labels("ann", [markets, election]) == {markets: ["money"]}
    assert store.item_labels("bob", [markets, election]) == {election: ["politics"]}

    # The next polls: blocked items stay out, quietly; what readers undid stays undone, also
    # when the stories are edited.
    store.set_starred("ann", markets, False, "2026-12-08T00:00:00Z")
    expected = (
        "0 new, 0 updated, 2 unchanged, 0 duplicates, 0 failed, ",
        "0 new, 2 updated, 0 unchanged, 0 duplicates, 0 failed, ",
    )
    for n, counts in enumerate(expected):
        if n:
            serve_feed(site, "/feed.xml", TITLES, first=20)
        with Ingestor(store, LOOPBACK) as ingestor:
            ingestor.url(feed)
            again = ingestor.tally
        assert again.summary_line() == (
            f"{counts}1 blocked by rule {block.id}, 1 blocked by rule {sponsored.id}"
        )
    assert not again.failures
    assert store.failures() == []
    assert store.count() == 2
    assert [h.id for h in store.starred("ann")] == [election]


def test_keep_only_rules_of_a_feed_leave_other_feeds_alone(store: Store, site: Site) -> None:
    kept = serve_feed(site, "/kept.xml", TITLES)
    other = serve_feed(site, "/other.xml", ["Weather: sun at last", "Traffic news"], first=4)
    keep = store.add_rule(Rule(0, kept, "title", "keyword", "election, cup", "keep"))
    for url in (kept, other):
        store.add_feed(url, title=None, site=None, category=None, now="2026-12-08T00:00:00Z")

    results = dict((state.url, tally) for state, tally in poll_due(store, LOOPBACK, workers=1))
    assert results[kept].summary_line() == (
        f"2 new, 0 updated, 0 unchanged, 0 duplicates, 0 failed, 2 not kept by rule {keep.id}"
    )
    assert results[other].summary_line().startswith("2 new, ")
    assert stored_titles(store) == sorted(
        [TITLES[0], TITLES[2], "Weather: sun at last", "Traffic news"]
    )


def test_the_author_and_url_fields_are_judged(store: Store, site: Site) -> None:
    feed = serve_feed(site, "/by.xml", TITLES[:2], author="Pat Smith")
    store.add_rule(Rule(0, None, "url", "regex", r"/story-1$", "block"))
    store.add_rule(Rule(0, None, "author", "keyword", "pat smith", "tag", "pat", "ann"))
    with Ingestor(store, LOOPBACK) as ingestor:
        ingestor.url(feed)
    only = stored(store)
    assert list(only) == [TITLES[0]]
    assert store.item_labels("ann", list(only.values())) == {only[TITLES[0]]: ["pat"]}


@pytest.fixture(autouse=True)
def _loopback(loopback_allowed: None) -> None:
    """The address guard lets the tests reach the loopback site."""


def test_serve_s_poller_counts_what_the_rules_kept_out(store: Store, site: Site) -> None:
    feed = serve_feed(site, "/round.xml", TITLES)
    store.add_rule(Rule(0, None, "title", "keyword", "football, sponsored", "block"))
    store.add_feed(feed, title=None, site=None, category=None, now="2026-12-08T00:00:00Z")
    report = poll_round(
        store, LOOPBACK, owner="test", options=PollerOptions(workers=1), stop=threading.Event()
    )
    assert (report.feeds, report.new, report.blocked) == (1, 2, 2)
    assert report.line() == (
        "poll: 1 feed(s): 2 new, 0 updated, 0 duplicate article(s), 2 kept out by rules"
    )
