"""One article on its way into the archive: pure steps, then one store call.

``archive_item`` summarizes and fingerprints a clean article; ``near_query`` says how the
store finds its near copies; ``save`` hands both to the store in one write. Runners (the
CLI's ingest, the poller, later the distributed workers) only map these over their items.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from nutgraf.dedup.fingerprint import content_hash, jaccard, minhash, shingles
from nutgraf.dedup.near import DedupOptions, lsh_keys
from nutgraf.dedup.urls import canonical_url
from nutgraf.extract.sanitize import sanitize_html
from nutgraf.nlp.summarize import summarize
from nutgraf.records import ArchiveItem, Article
from nutgraf.relate import keep_read_also
from nutgraf.store.base import NearQuery, SaveResult, Store


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an article was read: its address, the feed and entry id it came through, the
    outlet's home page and name."""

    url: str | None = None
    feed: str | None = None
    guid: str | None = None
    site: str | None = None
    source: str | None = None


def archive_item(
    article: Article, *, origin: Origin, fetched: str, html: str | None = None
) -> ArchiveItem:
    """The article summarized, hashed and with its sanitized HTML, ready to store."""
    url = origin.url or article.url
    if origin.source and not article.source:
        article = replace(article, source=origin.source)
    if url and not article.url:
        article = replace(article, url=url)
    return ArchiveItem(
        article=article,
        summary=summarize(article),
        fetched=fetched,
        content_hash=content_hash(article.text),
        url=url,
        canonical_url=canonical_url(url) if url else None,
        feed=origin.feed,
        guid=origin.guid,
        site=origin.site,
        html=sanitize_html(html, url) if html else None,
    )


_DEDUP = DedupOptions()


def near_query(text: str) -> NearQuery:
    """Near-copy lookup for ``text``: LSH keys of its MinHash, verified by exact overlap of
    word shingles. A text too short to judge (``min_shingles``) only gets exact matching."""
    own = shingles(text, _DEDUP.shingle_size)

    def overlap(other: str) -> float:
        return jaccard(own, shingles(other, _DEDUP.shingle_size))

    def describe(value: float) -> str:
        return f"{value:.0%} of its 5-word shingles are shared"

    identifying = len(own) >= _DEDUP.min_shingles
    keys = lsh_keys(minhash(own, _DEDUP.permutations), _DEDUP) if identifying else ()
    return NearQuery(
        keys=keys,
        overlap=overlap,
        threshold=_DEDUP.threshold,
        describe=describe,
        identifying=identifying,
    )


def save(store: Store, item: ArchiveItem, near: NearQuery | None = None) -> SaveResult:
    """Store ``item``, recognising it if known and linking it if it copies an earlier one
    (``near``: its ``near_query``, worked out here when not given); a new or changed article
    gets its "Read also" worked out now, so no reader waits for it."""
    result = store.save(item, near if near is not None else near_query(item.article.text))
    if result.status != "unchanged":
        keep_read_also(store, result.id, item.article, item.fetched)
    return result
