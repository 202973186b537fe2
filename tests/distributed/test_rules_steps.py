"""Rules in the distributed workers' entry step: the same decisions as ``nutgraf poll``, with
the rules read once per ``RuleCache`` window, not once per entry."""

from __future__ import annotations

from nutgraf.batch.ingest import Fetcher
from nutgraf.config import Settings
from nutgraf.distributed.steps import Resources, RuleCache, StepClock, entry_message, ingest_entry
from nutgraf.records import Feed, FeedEntry
from nutgraf.rules import Rule
from nutgraf.store import SQLiteStore

FEED = Feed("rss20", "https://example.org/feed", "Example", "https://example.org/", "en")
NOW = "2026-12-08T06:00:00Z"


def message(n: int, title: str) -> dict[str, object]:
    text = " ".join(f"Sentence {k} of report {n} on the bridge repairs." for k in range(30))
    entry = FeedEntry(guid=f"g{n}", link=f"https://example.org/{n}", title=title, content_html=text)
    return entry_message(entry, FEED, "https://example.org/feed")


class CountingStore(SQLiteStore):
    def __init__(self) -> None:
        super().__init__(":memory:")
        self.rule_reads = 0

    def rules(self, *, enabled_only: bool = False) -> list[Rule]:
        self.rule_reads += 1
        return super().rules(enabled_only=enabled_only)


def test_a_worker_blocks_stars_and_tags_as_the_rules_say() -> None:
    settings = Settings(fetch_pages=False)
    with CountingStore() as store:
        block = store.add_rule(Rule(0, None, "title", "keyword", "football", "block"))
        store.add_rule(Rule(0, FEED.url, "title", "keyword", "bridge", "star", user="ann"))
        store.add_rule(Rule(0, None, "text", "keyword", "repairs", "tag", "works", "ann"))
        fetcher = Fetcher(settings)
        resources = Resources(store, fetcher, settings, StepClock(), RuleCache(seconds=3600))
        blocked = ingest_entry(resources, message(1, "Football tonight"), NOW, may_retry=False)
        kept = ingest_entry(resources, message(2, "Bridge closed"), NOW, may_retry=False)
        again = ingest_entry(resources, message(1, "Football tonight"), NOW, may_retry=False)
        fetcher.close()
        (article,) = store.latest()
        assert [a.id for a in store.starred("ann")] == [article.id]
        assert store.item_labels("ann", [article.id]) == {article.id: ["works"]}
        assert store.rule_reads == 1
    assert (blocked.status, blocked.blocked) == (None, f"blocked by rule {block.id}")
    assert (kept.status, kept.blocked) == ("new", None)
    assert again.blocked == f"blocked by rule {block.id}" and again.failure is None
    calls = {name: count for name, (count, _) in resources.clock.drain().items()}
    assert calls["summarize"] == 1  # a blocked entry costs no summarizing


def test_the_rule_cache_reads_again_after_its_window() -> None:
    with CountingStore() as store:
        cache = RuleCache(seconds=0.0)
        assert cache.get(store) == []
        store.add_rule(Rule(0, None, "title", "keyword", "x", "block"))
        assert [r.pattern for r in cache.get(store)] == ["x"]
        assert store.rule_reads == 2
