"""Rows <-> records, shared by the backends: what an article row holds and how it reads back.

A backend's rows are anything indexed by column name (``sqlite3.Row``, a psycopg dict row),
so the SQLite and PostgreSQL archives store the same values and return the same records.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any, Protocol
from urllib.parse import urlsplit

from nutgraf.extract.bounds import MAX_BLOCKS, MAX_TEXT_CHARS
from nutgraf.nlp.scripts import SEARCH_PIECE
from nutgraf.nlp.summarize import SUMMARIZER
from nutgraf.records import (
    PARAGRAPH_SEPARATOR,
    ArchiveItem,
    Article,
    Block,
    Duplicate,
    Headline,
    StoredArticle,
    Summary,
    SummarySentence,
)
from nutgraf.store.base import SEARCH_LIMIT_MAX, FeedState, NearQuery, StoredSummary

# A word of a query: a run of letters and digits (``\w+``), a run of CJK, or a run of Thai
# (or Lao, Khmer, Myanmar) with its vowel signs: ``scripts.search_pieces``.
SEARCH_WORD = SEARCH_PIECE
HEADLINE_COLUMNS = """
    id, title, source, site, url, published, sort_time,
    duplicate_of, duplicate_kind, overlap, duplicate_reason, kind, image, first_seen, dated
"""
ARTICLE_COLUMNS = """
    id, url, canonical_url, feed, guid, site, source, title, byline, published, fetched,
    language, blocks, html, summary, related, previous, next, content_hash,
    duplicate_of, duplicate_kind, overlap, duplicate_reason, kind, image, first_seen, dated,
    sort_time
"""
# What a save reads of the stored article it may be another fetch of.
KNOWN_COLUMNS = "id, content_hash, title, sort_time, first_seen, dated"
# What a backfill reads of an article: enough to summarize it again and compare.
SUMMARY_COLUMNS = """
    id, title, blocks, source, byline, published, language, related, previous, next, url,
    summary, summarizer
"""
# The columns an ArchiveItem fills, in the order of ``item_values``.
ITEM_COLUMNS = (
    "url",
    "canonical_url",
    "feed",
    "guid",
    "site",
    "source",
    "title",
    "byline",
    "published",
    "fetched",
    "sort_time",
    "language",
    "blocks",
    "html",
    "text",
    "summary",
    "related",
    "previous",
    "next",
    "content_hash",
    "summarizer",
    "kind",
    "image",
    "first_seen",
    "dated",
)
SORT_TIME = ITEM_COLUMNS.index("sort_time")
FIRST_SEEN = ITEM_COLUMNS.index("first_seen")
DATED = ITEM_COLUMNS.index("dated")
# How many articles sharing LSH keys with a new text have their text compared with it.
NEAR_CANDIDATES = 50


class Row(Protocol):
    """A database row read by column name."""

    def __getitem__(self, key: str, /) -> Any: ...

    def keys(self) -> Any: ...


def item_values(item: ArchiveItem) -> tuple[Any, ...]:
    """The values of ``ITEM_COLUMNS`` for ``item``, as first stored (see ``kept_values``)."""
    article, summary = item.article, item.summary
    dated = is_dated(article.published)
    return (
        item.url,
        item.canonical_url,
        item.feed,
        item.guid,
        item.site,
        article.source,
        article.title,
        article.byline,
        article.published,
        item.fetched,
        article.published if dated else (item.placed or item.fetched),
        article.language or summary.language,
        json.dumps([[b.kind, b.text] for b in article.blocks], ensure_ascii=False),
        item.html,
        article.text,
        summary_json(summary),
        json.dumps(list(article.related), ensure_ascii=False),
        article.previous,
        article.next,
        item.content_hash,
        SUMMARIZER,  # a stored summary is taken to be this summarizer's (see nutgraf backfill)
        item.kind,
        item.image,
        item.fetched,
        int(dated),
    )


def kept_values(values: tuple[Any, ...], known: Row) -> tuple[Any, ...]:
    """``values`` for an update of the stored row ``known``: when it was first seen stays,
    and so does the time an undated item is listed at (a changed teaser does not jump to the
    top of the news)."""
    kept = list(values)
    if known["first_seen"] is not None:
        kept[FIRST_SEEN] = known["first_seen"]
    if not kept[DATED] and not known["dated"]:
        kept[SORT_TIME] = known["sort_time"]
    return tuple(kept)


def summary_json(summary: Summary) -> str:
    """A summary as the ``summary`` column holds it."""
    return json.dumps(
        {
            "language": summary.language,
            "reading_minutes": summary.reading_minutes,
            "sentences": [[s.text, s.paragraph, s.start, s.end] for s in summary.sentences],
        },
        ensure_ascii=False,
    )


def read_summary(kept: str) -> Summary:
    """The summary a ``summary`` column holds."""
    summary = json.loads(kept)
    return Summary(
        tuple(SummarySentence(*s) for s in summary["sentences"]),
        summary["language"],
        summary["reading_minutes"],
    )


def is_dated(published: str | None) -> bool:
    """Whether ``published`` is a date to order by (it reads as ISO 8601)."""
    return bool(published and re.match(r"\d{4}-\d{2}-\d{2}", published))


def second(sort_time: str, fetched: str) -> int:
    """Seconds since 1970 of the sort time (else the fetch time; else 0), UTC when unstated."""
    for value in (sort_time, fetched):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except (ValueError, AttributeError):
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return int(moment.timestamp())
    return 0


def tombstones(canonical_url: str | None, feed: str | None, guid: str | None) -> list[str]:
    """The keys that say an article was deleted: its canonical URL's and its feed GUID's
    SHA-256 (what ``Store.unchanged`` knows an article by)."""
    keys = []
    if canonical_url:
        keys.append("url " + _sha256(canonical_url))
    if feed and guid:
        keys.append("guid " + _sha256(f"{feed}\n{guid}"))
    return keys


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def best_near(candidates: Iterable[Row], near: NearQuery) -> Duplicate | None:
    """The candidate (rows with ``id`` and ``text``) sharing the most with the new text, at or
    above the threshold; ties go to the oldest."""
    best: tuple[float, int] | None = None
    for row in candidates:
        overlap = near.overlap(row["text"])
        if overlap >= near.threshold and (
            best is None or (overlap, -row["id"]) > (best[0], -best[1])
        ):
            best = (overlap, int(row["id"]))
    if best is None:
        return None
    return Duplicate(best[1], "near", round(best[0], 4), near.describe(best[0]))


def same_fetch(row: Row, content_hash: str, title: str | None) -> bool:
    """Whether the stored article ``row`` is this fetch unchanged: same text hash, same
    headline (what makes a save, and ``Store.unchanged``, answer "unchanged")."""
    return bool(row["content_hash"] == content_hash and row["title"] == title)


def same_text(article_id: int) -> Duplicate:
    return Duplicate(article_id, "content", 1.0, f"same text as article {article_id}")


def stored(row: Row) -> StoredArticle:
    item = ArchiveItem(
        article=row_article(row),
        summary=read_summary(row["summary"]),
        fetched=row["fetched"],
        content_hash=row["content_hash"],
        url=row["url"],
        canonical_url=row["canonical_url"],
        feed=row["feed"],
        guid=row["guid"],
        site=row["site"],
        html=row["html"],
        kind=row["kind"],
        image=row["image"],
    )
    return StoredArticle(
        int(row["id"]), item, duplicate(row), row["first_seen"], bool(row["dated"])
    )


def stored_summary(row: Row) -> StoredSummary:
    """A row of ``SUMMARY_COLUMNS`` as a backfill reads it."""
    return StoredSummary(
        int(row["id"]), row_article(row), read_summary(row["summary"]), row["summarizer"]
    )


def row_article(row: Row) -> Article:
    """The article a row holds (its columns as ``SUMMARY_COLUMNS`` names them)."""
    return Article(
        title=row["title"],
        blocks=read_blocks(row["blocks"]),
        source=row["source"],
        byline=row["byline"],
        published=row["published"],
        language=row["language"],
        related=tuple(json.loads(row["related"] or "[]")),
        previous=row["previous"],
        next=row["next"],
        url=row["url"],
    )


# The longest blocks column of an article as ingest bounds it now: MAX_TEXT_CHARS of text,
# six characters each at worst (a JSON \\u escape), and MAX_BLOCKS blocks' brackets and kinds.
MAX_BLOCKS_JSON = MAX_TEXT_CHARS * 6 + MAX_BLOCKS * 32
_JSON = json.JSONDecoder()


def read_blocks(raw: str) -> tuple[Block, ...]:
    """An article's blocks from their JSON column. A row stored before ingest bounded its
    articles (half a million one-letter paragraphs took 3 s to decode, on every page that
    showed it) is read only to ``MAX_BLOCKS`` blocks and ``MAX_TEXT_CHARS`` characters: its
    first blocks as they stand, so its summary's offsets still point where they did."""
    if len(raw) <= MAX_BLOCKS_JSON:
        return tuple(Block(kind, text) for kind, text in json.loads(raw))
    kept, room = [], MAX_TEXT_CHARS
    for block in islice(_each_block(raw), MAX_BLOCKS):
        room -= len(block.text) + len(PARAGRAPH_SEPARATOR)
        if room < 0:
            break
        kept.append(block)
    return tuple(kept)


def _each_block(raw: str) -> Iterator[Block]:
    """The blocks of a JSON array of ``[kind, text]`` pairs, decoded one at a time."""
    at = raw.index("[") + 1
    while True:
        while raw[at] in " \t\r\n,":
            at += 1
        if raw[at] == "]":
            return
        (kind, text), at = _JSON.raw_decode(raw, at)
        yield Block(kind, text)


def headline(row: Row) -> Headline:
    return Headline(
        id=int(row["id"]),
        title=row["title"],
        source=row["source"],
        site=row["site"],
        url=row["url"],
        published=row["published"],
        sort_time=row["sort_time"],
        duplicate=duplicate(row),
        kind=row["kind"],
        image=row["image"],
        first_seen=row["first_seen"],
        dated=bool(row["dated"]),
    )


def duplicate(row: Row) -> Duplicate | None:
    if row["duplicate_of"] is None:
        return None
    return Duplicate(
        int(row["duplicate_of"]),
        row["duplicate_kind"],
        float(row["overlap"]),
        row["duplicate_reason"],
    )


def feed_state(row: Row) -> FeedState:
    return FeedState(**{key: row[key] for key in row.keys()})  # noqa: SIM118 (Row has no iter)


def bounded(limit: int, offset: int) -> tuple[int, int]:
    return max(1, min(int(limit), SEARCH_LIMIT_MAX)), max(0, int(offset))


def read_also_json(related: Sequence[tuple[int, float]]) -> str:
    """Related article ids with their scores (6 significant digits), as kept."""
    return json.dumps([[i, float(f"{s:.6g}")] for i, s in related])


def read_also_pairs(kept: str) -> list[tuple[int, float]]:
    return [(int(i), float(score)) for i, score in json.loads(kept)]


def feed_host(url: str) -> str:
    """The host a feed's URL names, lowercased: what the per-host limit of a claim counts."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def lease_end(now: str, seconds: int) -> str:
    """``seconds`` after ``now`` (ISO 8601 UTC), in the form times are stored."""
    moment = datetime.fromisoformat(now.replace("Z", "+00:00")) + timedelta(seconds=seconds)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def claim_order(feeds: Iterable[FeedState]) -> list[FeedState]:
    """Claimed feeds the most overdue first (never checked before any), then by id."""
    return sorted(feeds, key=lambda f: (f.next_check is not None, f.next_check or "", f.id))
