"""The site's own feeds, RSS 2.0 and Atom 1.0: the newest articles, of the whole archive, of
one source or of one story, each with its summary as the description. Built with
ElementTree, so every title, name and summary from the archive is escaped as XML text."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urljoin

from nutgraf.records import StoredArticle
from nutgraf.store.base import Store
from nutgraf.store.rows import second
from nutgraf.stories.read import read_story
from nutgraf.web.views import NotFound, source_by_slug

FEED_ITEMS = 50
# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
ATOM = "http://www.w3.org/2005/Atom"


def _articles(
    store: Store, slug: str | None, story: int | None
) -> tuple[list[StoredArticle], str, str]:
    """The feed's articles, newest first, its name, and the page it stands for."""
    if story is not None:
        found = read_story(store, story)
        if found is None:
            raise NotFound(f"there is no story {story}")
        newest = sorted(found.articles, key=lambda h: (h.sort_time, h.id), reverse=True)
        articles = [a for h in newest[:FEED_ITEMS] if (a := store.get(h.id)) is not None]
        return articles, found.headline, f"stories/{story}"
    if slug is None:
        return store.latest(limit=FEED_ITEMS), "", ""
    source = source_by_slug(store, slug)
    return store.latest(limit=FEED_ITEMS, site=source.site), source.name or slug, f"sources/{slug}"


def _summary_text(stored: StoredArticle) -> str:
    return " ".join(s.text for s in stored.item.summary.sentences)


def _moment(stored: StoredArticle) -> datetime:
    """Publication time, else fetch time, as the archive orders by them (1970 for neither)."""
    when = second(stored.item.article.published or "", stored.item.fetched)
    return datetime.fromtimestamp(when, UTC)


def rss_feed(
    store: Store,
    base_url: str,
    site_name: str,
    slug: str | None = None,
    *,
    story: int | None = None,
) -> bytes:
    articles, source_name, path = _articles(store, slug, story)
    page = urljoin(base_url, path)
    rss = ET.Element("rss", version="2.0")
    channel = ET.SubElement(rss, "channel")
    ET.SubElement(channel, "title").text = _feed_title(site_name, source_name)
    ET.SubElement(channel, "link").text = page
    ET.SubElement(channel, "description").text = "Latest articles with their summaries"
    for stored in articles:
        entry = ET.SubElement(channel, "item")
        link = urljoin(base_url, f"articles/{stored.id}")
        ET.SubElement(entry, "title").text = stored.item.article.title or "Untitled"
        ET.SubElement(entry, "link").text = link
        ET.SubElement(entry, "guid", isPermaLink="true").text = link
        # RSS readers take the description as HTML: escape the text once more for them.
        ET.SubElement(entry, "description").text = html.escape(_summary_text(stored), quote=False)
        ET.SubElement(entry, "pubDate").text = format_datetime(_moment(stored))
        if stored.item.article.source:
            ET.SubElement(
                entry, "source", url=stored.item.feed or stored.item.site or link
            ).text = stored.item.article.source
    return _serialized(rss)


def atom_feed(
    store: Store,
    base_url: str,
    site_name: str,
    slug: str | None = None,
    *,
    story: int | None = None,
) -> bytes:
    articles, source_name, path = _articles(store, slug, story)
    ET.register_namespace("", ATOM)
    page = urljoin(base_url, path)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = _feed_title(site_name, source_name)
    ET.SubElement(feed, f"{{{ATOM}}}id").text = page
    ET.SubElement(feed, f"{{{ATOM}}}link", href=page)
    updated = max((_moment(a) for a in articles), default=datetime(1970, 1, 1, tzinfo=UTC))
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = updated.isoformat()
    for stored in articles:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        link = urljoin(base_url, f"articles/{stored.id}")
        ET.SubElement(entry, f"{{{ATOM}}}title").text = stored.item.article.title or "Untitled"
        ET.SubElement(entry, f"{{{ATOM}}}id").text = link
        ET.SubElement(entry, f"{{{ATOM}}}link", href=link)
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _moment(stored).isoformat()
        author = ET.SubElement(entry, f"{{{ATOM}}}author")
        ET.SubElement(author, f"{{{ATOM}}}name").text = (
            stored.item.article.byline or stored.item.article.source or "unknown"
        )
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = _summary_text(stored)
    return _serialized(feed)


def _feed_title(site_name: str, source_name: str) -> str:
    return f"{site_name}: {source_name}" if source_name else f"{site_name}: latest"


def _serialized(root: ET.Element) -> bytes:
    for element in root.iter():
        if element.text:
            element.text = _NOT_XML.sub("", element.text)
        for name, value in element.attrib.items():
            element.attrib[name] = _NOT_XML.sub("", value)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data
