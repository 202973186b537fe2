"""The typed records that flow through nutgraf: plain, frozen, comparable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

BlockKind = Literal["paragraph", "subheading"]
# "article": a body was read; "link": a headline-only entry kept as a link to the original.
ItemKind = Literal["article", "link"]


@dataclass(frozen=True, slots=True)
class Block:
    """One block of an article body, in reading order."""

    kind: BlockKind
    text: str


@dataclass(frozen=True, slots=True)
class Article:
    """A clean article: its body as blocks, and the page's machinery kept as data.

    ``related``, ``previous`` and ``next`` are headlines the page linked to; they are never
    part of the body. ``published`` is an ISO 8601 date or date-time as the page gave it.
    ``image`` is the lead image the page names for itself (``og:image``), absolute.
    """

    title: str | None = None
    blocks: tuple[Block, ...] = ()
    source: str | None = None
    byline: str | None = None
    published: str | None = None
    language: str | None = None
    related: tuple[str, ...] = ()
    previous: str | None = None
    next: str | None = None
    url: str | None = None
    image: str | None = None

    @property
    def paragraphs(self) -> tuple[str, ...]:
        return tuple(b.text for b in self.blocks if b.kind == "paragraph")

    @property
    def subheadings(self) -> tuple[str, ...]:
        return tuple(b.text for b in self.blocks if b.kind == "subheading")

    @property
    def text(self) -> str:
        """The body paragraphs joined by blank lines; summary offsets point into this."""
        return PARAGRAPH_SEPARATOR.join(self.paragraphs)


PARAGRAPH_SEPARATOR = "\n\n"


@dataclass(frozen=True, slots=True)
class SummarySentence:
    """A sentence taken verbatim from the article.

    ``paragraph`` indexes ``Article.paragraphs``; ``start`` and ``end`` are character offsets
    into ``Article.text``, so ``article.text[start:end] == text``.
    """

    text: str
    paragraph: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Summary:
    sentences: tuple[SummarySentence, ...]
    language: str
    reading_minutes: int


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item of a feed as the feed gave it; HTML fields are raw (sanitize before display).

    ``link`` is absolute (``xml:base`` and the feed URL applied). ``published`` and
    ``updated`` are ISO 8601 date-times in UTC, or None when missing or unreadable. ``image``
    is the entry's own thumbnail (media:thumbnail, media:content or an image enclosure;
    JSON Feed's image), absolute.
    """

    guid: str | None = None
    link: str | None = None
    title: str | None = None
    summary_html: str | None = None
    content_html: str | None = None
    author: str | None = None
    published: str | None = None
    updated: str | None = None
    image: str | None = None


@dataclass(frozen=True, slots=True)
class Feed:
    """A parsed feed. ``format`` is one of rss090, rss091, rss092, rss10, rss20, atom03,
    atom10, json10, json11 (or "rss" when the version is not stated)."""

    format: str
    url: str | None = None
    title: str | None = None
    link: str | None = None
    language: str | None = None
    entries: tuple[FeedEntry, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ArchiveItem:
    """An article ready for the archive: the clean article, its summary and where it came from.

    ``url`` is the address it was read from; ``canonical_url`` the same without tracking
    parameters (the key that makes re-ingesting a no-op); ``feed`` the feed's URL and ``guid``
    the entry's id within it; ``site`` the outlet's home page; ``html`` the sanitized body;
    ``fetched`` an ISO 8601 UTC time; ``content_hash`` the hash of the normalized text.
    ``kind`` says whether a body was read or the item is a link (see ``ItemKind``); ``image``
    is its thumbnail's absolute URL. An item without a publication date is listed at
    ``placed`` when set (its first-seen time, moved back to keep its feed's order or to keep
    an import's backlog below the news), else at ``fetched``.
    """

    article: Article
    summary: Summary
    fetched: str
    content_hash: str
    url: str | None = None
    canonical_url: str | None = None
    feed: str | None = None
    guid: str | None = None
    site: str | None = None
    html: str | None = None
    kind: ItemKind = "article"
    image: str | None = None
    placed: str | None = None

    @property
    def fetch(self) -> Fetch:
        """What identifies this fetch of the article (see ``Fetch``)."""
        return Fetch(
            self.content_hash, self.article.title, self.canonical_url, self.feed, self.guid
        )


@dataclass(frozen=True, slots=True)
class Fetch:
    """One fetch of an article, known before it is summarized: where it was read (the
    canonical URL; the feed and the entry's id) and what it said (the hash of its normalized
    text, its headline). The archive holding the same address with the same hash and headline
    makes the fetch "unchanged"."""

    content_hash: str
    title: str | None
    canonical_url: str | None = None
    feed: str | None = None
    guid: str | None = None


@dataclass(frozen=True, slots=True)
class Duplicate:
    """Why an article is a later copy of another: the first one's id, how it matched
    (``url``, ``guid``, ``content`` or ``near``), the share of text they have in common (1.0
    for exact copies) and that reason in words."""

    of: int
    kind: str
    overlap: float
    reason: str


@dataclass(frozen=True, slots=True)
class StoredArticle:
    """An archived article with its id, and the earlier article it copies, if any;
    ``first_seen`` is when the archive first stored it, and ``dated`` False when its source
    gave no publication date (its time is then when it was first seen)."""

    id: int
    item: ArchiveItem
    duplicate: Duplicate | None = None
    first_seen: str | None = None
    dated: bool = True


@dataclass(frozen=True, slots=True)
class Headline:
    """An article as a list shows it: enough to link to it and say where it is from.

    ``sort_time`` is the time it is ordered by (publication, else when first seen);
    ``duplicate`` is set when it is a later copy of another article. ``dated`` is False when
    its feed gave no date: ``first_seen`` is then its only time.
    """

    id: int
    title: str | None
    source: str | None
    site: str | None
    url: str | None
    published: str | None
    sort_time: str
    duplicate: Duplicate | None = None
    kind: ItemKind = "article"
    image: str | None = None
    first_seen: str | None = None
    dated: bool = True


@dataclass(frozen=True, slots=True)
class SourceCount:
    """An outlet in the archive: its site, its name as its articles give it, how many
    articles it has and when the newest was published."""

    site: str
    name: str | None
    articles: int
    latest: str
