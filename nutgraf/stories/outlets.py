"""Who told a story, and how many different articles it holds: one outlet is one source, one
article reached twice is one article.

A site read through two feeds (its RSS and its Atom, ``feeds.example.org`` and
``example.org/feed``) is one outlet: ``outlet_key`` names an outlet by the host of its site,
without the prefixes that serve the same site to other readers (``www.``, ``m.``,
``mobile.``, ``amp.``) and without a feed service's first label (``feeds.``, ``feed.``,
``rss.``, ``atom.``, ``feedproxy.``, ``feedburner.``). When the feed's own link is such a
feed host, the host of the article's link names the outlet instead; when that is one too
(a feed service's redirector), or neither is an http(s) address, the outlet's name as the
feed gives it, then the feed host, then the feed's address.

Undercounting is the safe side: two blogs on one host (``medium.com/@a`` and
``medium.com/@b``) count as one outlet, so a story they both tell needs a third to count as
told by two; counting one blog read twice as two outlets made stories out of nothing.

``title_key`` is a headline as a repeat is recognized by: the same outlet giving the same
headline (case, punctuation and spacing aside) within a story's window is the same article
reached twice (an RSS link with ``http``, the Atom link with ``https``). A headline of fewer
than ``TITLE_KEY_WORDS`` words ("Cartoon", "Featured Advertiser") names a column, not an
article, and has no key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

SAME_SITE_PREFIXES = ("www", "www1", "www2", "m", "mobile", "amp")
FEED_HOST_LABELS = frozenset({"feeds", "feed", "rss", "atom", "feedproxy", "feedburner"})
TITLE_KEY_WORDS = 3

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Member:
    """An article of a story as its counts need it: where it came from, its headline, and
    the article the archive holds it as a copy of (``copy_of``), if any."""

    id: int
    site: str | None = None
    url: str | None = None
    source: str | None = None
    feed: str | None = None
    title: str | None = None
    copy_of: int | None = None


def outlet_key(
    site: str | None, url: str | None = None, source: str | None = None, feed: str | None = None
) -> str:
    """The outlet an article is from, as a key equal for one site however it was reached.

    Args:
        site: the outlet's home page as its feed links it (``ArchiveItem.site``).
        url: the article's own link.
        source: the outlet's name as its feed gives it.
        feed: the feed's address (or the file it was read from).

    Returns:
        The site's host without same-site and feed-service prefixes (``heise.de``), else the
        lower-cased name (``name:...``), else a feed host, else the feed (``feed:...``), else
        ``""``.
    """
    site_host = _host(site)
    link_host = _host(url)
    for host in (site_host, link_host):
        if host and not _is_feed_host(host):
            return _strip_prefixes(host)
    if source and source.strip():
        return "name:" + " ".join(source.casefold().split())
    for host in (site_host, link_host):
        if host:
            return _strip_prefixes(host)
    return f"feed:{feed}" if feed else ""


def title_key(title: str | None) -> str | None:
    """A headline's words, lower-cased, for recognizing the same headline (None: fewer than
    ``TITLE_KEY_WORDS`` words)."""
    words = _WORD.findall((title or "").casefold())
    return " ".join(words) if len(words) >= TITLE_KEY_WORDS else None


def count_story(members: Iterable[Member]) -> tuple[int, int]:
    """How many different articles and how many outlets a story's members are.

    A copy (the archive's duplicate of an earlier article) from its original's outlet is not
    another article, nor is a second article with the same headline from the same outlet; a
    copy another outlet printed (a wire story) is that outlet's article.
    """
    listed = list(members)
    outlets = {m.id: outlet_key(m.site, m.url, m.source, m.feed) for m in listed}
    articles: set[tuple[str, str] | int] = set()
    for member in listed:
        outlet = outlets[member.id]
        if member.copy_of is not None and outlets.get(member.copy_of) == outlet:
            continue
        title = title_key(member.title)
        articles.add((outlet, title) if title is not None else member.id)
    return len(articles), len(set(outlets.values()))


def _host(url: str | None) -> str | None:
    """The lower-cased host of an http(s) URL (None for anything else)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return host.rstrip(".").lower() or None


def _is_feed_host(host: str) -> bool:
    labels = host.split(".")
    return len(labels) > 2 and labels[0] in FEED_HOST_LABELS


def _strip_prefixes(host: str) -> str:
    """``www.example.org``, ``m.example.org``, ``feeds.example.org`` -> ``example.org``; a
    host of two labels keeps them (``m.com`` is a site)."""
    labels = host.split(".")
    while len(labels) > 2 and (labels[0] in SAME_SITE_PREFIXES or labels[0] in FEED_HOST_LABELS):
        labels = labels[1:]
    return ".".join(labels)
