"""An item as the protocol gives it: the JSON of ``stream/contents`` and the Atom entry of
``reader/atom`` (as FeedHQ served it: newsboat reads the read state from its ``category``
terms). Pure: the caller reads the archive and hands the records in.

An article's content is its sanitized HTML (or, without one, its text as the site renders
it), headed by its summary: the cited sentences in order, unless the reader turned that off.
Its ``canonical`` and ``alternate`` links are its canonical address and the address it was
read from; its ``origin`` names its feed (``streamId`` ``feed/URL``, ``title``, ``htmlUrl``)
and its outlet. A story's content is its cited summary (each sentence with its outlet) and its
articles as links.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from markupsafe import escape as html_escape

from nutgraf.records import Headline, StoredArticle
from nutgraf.store.base import FeedState
from nutgraf.store.records import StoryDigest
from nutgraf.web.greader.streams import STORIES, STORY_BASE, iso_time, long_id, unix_seconds
from nutgraf.web.markup import body_html

__all__ = [
    "STATE",
    "Entry",
    "article_entry",
    "atom_document",
    "entry_json",
    "story_entry",
]

STATE = "user/-/state/com.google/"
READER_SCHEME = "http://www.google.com/reader/"
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True, slots=True)
class Entry:
    """One item, ready for JSON or Atom. Times are Unix seconds; ``categories`` are tags."""

    number: int
    title: str
    published: int
    updated: int
    crawled: int  # when it entered the stream's order (its sort time)
    content: str
    link: str | None
    canonical: str | None
    author: str | None
    original_id: str | None
    stream_id: str
    stream_title: str
    site: str | None
    outlet: str | None
    read: bool
    starred: bool
    labels: tuple[str, ...]


def _clean(text: str | None) -> str:
    return _NOT_XML.sub("", text or "")


def summary_html(sentences: Iterable[str]) -> str:
    items = "".join(f"<li>{html_escape(s)}</li>" for s in sentences)
    return (
        '<section class="nutgraf-summary"><p><strong>Summary</strong></p>'
        f"<ol>{items}</ol></section>"
    )


def article_entry(
    article: StoredArticle,
    sort_time: str,
    *,
    read: bool,
    starred: bool,
    labels: Sequence[str],
    feed: FeedState | None,
    summaries: bool,
) -> Entry:
    """An article as an item; ``labels`` are the reader's own, ``feed`` its subscription."""
    item, text = article.item, article.item.article
    body = item.html or str(body_html(text, item.summary))
    if summaries and item.summary.sentences:
        body = summary_html(s.text for s in item.summary.sentences) + body
    sorted_at = unix_seconds(sort_time)
    category = feed.category if feed is not None else None
    tags = tuple(dict.fromkeys([*((category,) if category else ()), *labels]))
    source = feed.url if feed is not None else (item.feed or item.site or item.url or "")
    return Entry(
        number=article.id,
        title=text.title or "Untitled",
        published=unix_seconds(text.published) or sorted_at,
        updated=sorted_at,
        crawled=sorted_at,
        content=body,
        link=item.url or text.url,
        canonical=item.canonical_url or item.url,
        author=text.byline,
        original_id=item.guid or item.url,
        stream_id=f"feed/{source}",
        stream_title=(feed.title if feed is not None else None) or text.source or source,
        site=(feed.site if feed is not None else None) or item.site,
        outlet=text.source,
        read=read,
        starred=starred,
        labels=tags,
    )


def story_entry(
    digest: StoryDigest, articles: Sequence[Headline], *, read: bool, base: str
) -> Entry:
    """A multi-outlet story as an item: its cited summary and its articles as links."""
    sentences = "".join(
        f"<li>{html_escape(s.text)}"
        + (f" <cite>{html_escape(s.source)}</cite>" if s.source else "")
        + "</li>"
        for s in digest.sentences
    )
    links = "".join(
        f'<li><a href="{html_escape(h.url or "")}">{html_escape(h.title or "Untitled")}</a>'
        + (f" ({html_escape(h.source or h.site or '')})" if h.source or h.site else "")
        + "</li>"
        for h in articles
        if h.url
    )
    content = (
        f'<section class="nutgraf-summary"><p><strong>Summary</strong></p><ol>{sentences}</ol>'
        f"</section><p><strong>{digest.sources} outlets, {digest.articles} articles</strong></p>"
        f"<ul>{links}</ul>"
    )
    page = f"{base.rstrip('/')}/stories/{digest.id}"
    last = unix_seconds(digest.last)
    return Entry(
        number=STORY_BASE + digest.id,
        title=digest.headline or "Untitled story",
        published=unix_seconds(digest.first) or last,
        updated=last,
        crawled=last,
        content=content,
        link=page,
        canonical=page,
        author=None,
        original_id=page,
        stream_id=f"user/-/label/{STORIES}",
        stream_title=STORIES,
        site=base,
        outlet=None,
        read=read,
        starred=False,
        labels=(STORIES,),
    )


def categories(entry: Entry) -> list[str]:
    tags = [f"{STATE}reading-list"]
    if entry.read:
        tags.append(f"{STATE}read")
    else:
        tags.append(f"{STATE}fresh")
    if entry.starred:
        tags.append(f"{STATE}starred")
    tags.extend(f"user/-/label/{label}" for label in entry.labels)
    return tags


def entry_json(entry: Entry) -> dict[str, object]:
    """The item as ``stream/contents`` and ``stream/items/contents`` give it."""
    alternate = [{"href": entry.link, "type": "text/html"}] if entry.link else []
    content = {"direction": "ltr", "content": entry.content}
    origin: dict[str, object] = {
        "streamId": entry.stream_id,
        "title": entry.stream_title,
        "htmlUrl": entry.site or "",
    }
    if entry.outlet:
        origin["outlet"] = entry.outlet
    return {
        "id": long_id(entry.number),
        "crawlTimeMsec": str(entry.crawled * 1000),
        "timestampUsec": str(entry.crawled * 1_000_000),
        "published": entry.published,
        "updated": entry.updated,
        "title": entry.title,
        "author": entry.author or "",
        "categories": categories(entry),
        "canonical": [{"href": entry.canonical}] if entry.canonical else [],
        "alternate": alternate,
        "summary": content,
        "content": content,
        "origin": origin,
    }


def _atom_entry(entry: Entry) -> str:
    states = [(f"{STATE}reading-list", "reading-list")]
    states.append((f"{STATE}read", "read") if entry.read else (f"{STATE}fresh", "fresh"))
    if entry.starred:
        states.append((f"{STATE}starred", "starred"))
    parts = [f'<entry gr:crawl-timestamp-msec="{entry.crawled * 1000}">']
    original = (
        f" gr:original-id={quoteattr(_clean(entry.original_id))}" if entry.original_id else ""
    )
    parts.append(f"<id{original}>{long_id(entry.number)}</id>")
    parts.extend(
        f"<category term={quoteattr(term)} scheme={quoteattr(READER_SCHEME)} "
        f"label={quoteattr(label)}/>"
        for term, label in states
    )
    # The reader's labels go without the reader's scheme: newsboat takes every label in it
    # for a state, and a label named "read" would mark the item read.
    parts.extend(
        f"<category term={quoteattr(_clean('user/-/label/' + label))} "
        f"label={quoteattr(_clean(label))}/>"
        for label in entry.labels
    )
    parts.append(f'<title type="text">{escape(_clean(entry.title))}</title>')
    parts.append(f"<published>{iso_time(entry.published)}</published>")
    parts.append(f"<updated>{iso_time(entry.updated)}</updated>")
    if entry.link:
        parts.append(
            f'<link rel="alternate" href={quoteattr(_clean(entry.link))} type="text/html"/>'
        )
    if entry.canonical:
        parts.append(f'<link rel="canonical" href={quoteattr(_clean(entry.canonical))}/>')
    parts.append(f'<content type="html">{escape(_clean(entry.content))}</content>')
    if entry.author:
        parts.append(f"<author><name>{escape(_clean(entry.author))}</name></author>")
    parts.append(
        f"<source gr:stream-id={quoteattr(_clean(entry.stream_id))}>"
        f"<id>tag:google.com,2005:reader/{escape(_clean(entry.stream_id))}</id>"
        f'<title type="text">{escape(_clean(entry.stream_title))}</title>'
        + (
            f'<link rel="alternate" href={quoteattr(_clean(entry.site))} type="text/html"/>'
            if entry.site
            else ""
        )
        + "</source>"
    )
    parts.append("</entry>")
    return "".join(parts)


def atom_document(
    *,
    stream_id: str,
    title: str,
    self_url: str,
    entries: Sequence[Entry],
    more: str | None,
    updated: int,
) -> bytes:
    """A stream's page as Atom, the way Google Reader's ``/reader/atom/`` gave it."""
    head = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:gr="http://www.google.com/schemas/reader/atom/" '
        'xmlns:idx="urn:atom-extension:indexing" idx:index="no">'
        "<generator>nutgraf</generator>"
        f"<id>tag:google.com,2005:reader/{escape(_clean(stream_id))}</id>"
        f'<title type="text">{escape(_clean(title))}</title>'
        + (f"<gr:continuation>{escape(more)}</gr:continuation>" if more else "")
        + f'<link rel="self" href={quoteattr(_clean(self_url))}/>'
        f"<updated>{iso_time(updated)}</updated>"
    )
    return (head + "".join(_atom_entry(e) for e in entries) + "</feed>\n").encode("utf-8")
