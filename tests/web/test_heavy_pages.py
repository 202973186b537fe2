"""An article of a huge number of tiny blocks, as stored before ingest bounded them (issue 15,
point 3): its page is bounded in size, and serving it does not hold up other requests."""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

import httpx

from nutgraf.records import ArchiveItem, Article, Block, Summary
from nutgraf.store import SQLiteStore
from nutgraf.web.app import SiteConfig, create_app
from nutgraf.web.markup import MAX_SHOWN_BLOCKS
from tests.web.conftest import page_html, serving


def store_tiny_blocks(store: SQLiteStore, count: int) -> int:
    url = "https://tiny.test/a"
    article = Article(
        title="Tiny paragraphs",
        blocks=tuple(Block("paragraph", "a") for _ in range(count)),
        source="Tiny",
        byline=None,
        published="2026-01-01T00:00:00Z",
        language="en",
        url=url,
    )
    item = ArchiveItem(
        article=article,
        summary=Summary((), "en", 1),
        fetched="2026-01-01T00:00:00Z",
        content_hash=hashlib.sha256(article.text.encode()).hexdigest(),
        url=url,
        canonical_url=url,
        feed=None,
        site="https://tiny.test/",
        html=None,
    )
    return store.save(item).id


def test_a_huge_body_is_cut_where_the_page_says_so(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "a.db") as store:
        article = store_tiny_blocks(store, MAX_SHOWN_BLOCKS + 500)
        with serving(create_app(store, SiteConfig(cache_seconds=0))) as base:
            response = httpx.get(f"{base}/articles/{article}")
    doc = page_html(response.text)
    assert len(doc.xpath("//div[@class='body']/p[not(@class)]")) == MAX_SHOWN_BLOCKS
    (cut,) = doc.xpath("//p[@class='cut']")
    assert "500 more parts" in cut.text_content()


def test_a_heavy_article_is_read_bounded_and_does_not_stall_the_site(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "a.db") as store:
        article = store_tiny_blocks(store, 200_000)
        with serving(create_app(store, SiteConfig(cache_seconds=0))) as base:
            took: list[float] = []

            def read_heavy() -> None:
                started = time.perf_counter()
                response = httpx.get(f"{base}/articles/{article}.json", timeout=60)
                took.append(time.perf_counter() - started)
                paragraphs = response.json()["article"]["paragraphs"]
                assert len(paragraphs) == MAX_SHOWN_BLOCKS

            heavy = threading.Thread(target=read_heavy)
            heavy.start()
            started = time.perf_counter()
            assert httpx.get(f"{base}/healthz", timeout=60).status_code == 200
            health = time.perf_counter() - started
            heavy.join()
    # Decoded whole, the row took seconds, on the event loop, and the health check waited.
    assert took[0] < 1.0 and health < 1.0, (took, health)
