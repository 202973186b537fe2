"""The Fever API's JSON shapes, built from the archive's records: pure functions.

- A group is a feed category, flat ("News/Europe" is a group of its own, apart from
  "News"). Its id is the CRC-32 of the name's UTF-8 bytes masked to 31 bits (1 when that is
  0, which Fever keeps for "Kindling"): it does not depend on which other categories exist,
  so an app's groups keep their ids while feeds come and go. Two names with the same CRC
  share an id (a chance of about 1 in 400,000 among 100 categories, 1 in 4,000 among 1,000);
  marking that id marks both.
- A feed's id is the feed's own id; its ``favicon_id`` is always 1, the site's icon
  (nutgraf keeps no icon per feed).
- An item is an article; its id is the article's id, its ``html`` the article's summary (the
  cited sentences, each linking to where it stands) followed by the body as the site shows it
  (``nutgraf.web.markup.body_html``: escaped text, never the feed's HTML).
- A link is a story told by several outlets (Fever's "hot" links): its temperature is ten
  per outlet, plus up to 9.9 for how recent its newest article is within the window asked.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

from nutgraf.extract.images import place_figures
from nutgraf.records import Summary
from nutgraf.store.base import FeedState
from nutgraf.store.records import ArticleMarks, HotStory, SortedArticle
from nutgraf.store.rows import second
from nutgraf.web.markup import body_html

__all__ = [
    "FAVICON_ID",
    "favicon_json",
    "feeds_groups_json",
    "feeds_json",
    "group_id",
    "groups_json",
    "id_list",
    "item_json",
    "last_refreshed",
    "link_json",
]

API_VERSION = 3
FAVICON_ID = 1
_NOT_MARKED = ArticleMarks(0, False, False)


def group_id(category: str) -> int:
    """The group id of a category: CRC-32 of its UTF-8 name in 31 bits, never 0."""
    return (zlib.crc32(category.encode("utf-8")) & 0x7FFF_FFFF) or 1


def unix(moment: str | None) -> int:
    """Seconds since 1970 of an ISO 8601 time (0 when there is none)."""
    return second(moment or "", "")


def last_refreshed(feeds: Iterable[FeedState]) -> int:
    """When a feed was last checked, in unix seconds (0: never)."""
    return max((unix(f.last_checked) for f in feeds), default=0)


def groups_json(feeds: Sequence[FeedState]) -> list[dict[str, Any]]:
    names = sorted({f.category for f in feeds if f.category})
    return [{"id": group_id(name), "title": name} for name in names]


def feeds_groups_json(feeds: Sequence[FeedState]) -> list[dict[str, Any]]:
    """Each group's feeds, as Fever's ``feeds_groups``: ``feed_ids`` a comma-separated string."""
    by_group: dict[int, list[int]] = {}
    for feed in feeds:
        if feed.category:
            by_group.setdefault(group_id(feed.category), []).append(feed.id)
    return [
        {"group_id": group, "feed_ids": id_list(sorted(ids))}
        for group, ids in sorted(by_group.items())
    ]


def feeds_json(feeds: Sequence[FeedState]) -> list[dict[str, Any]]:
    return [
        {
            "id": feed.id,
            "favicon_id": FAVICON_ID,
            "title": feed.title or feed.url,
            "url": feed.url,
            "site_url": feed.site or "",
            "is_spark": 0,
            "last_updated_on_time": unix(feed.last_checked),
        }
        for feed in feeds
    ]


def favicon_json(svg: bytes) -> dict[str, Any]:
    """The site's icon as Fever's favicon 1 (``data`` goes after ``data:`` in an address)."""
    return {"id": FAVICON_ID, "data": "image/svg+xml;base64," + base64.b64encode(svg).decode()}


def item_json(
    found: SortedArticle,
    marks: Mapping[int, ArticleMarks],
    feed_ids: Mapping[str, int],
    *,
    images: bool,
) -> dict[str, Any]:
    stored = found.stored
    item, article = stored.item, stored.item.article
    mark = marks.get(stored.id, _NOT_MARKED)
    figures = place_figures(item.html, article.blocks) if images else ()
    html = summary_html(item.summary) + body_html(article, item.summary, figures)
    return {
        "id": stored.id,
        "feed_id": feed_ids.get(item.feed or "", 0),
        "title": article.title or "",
        "author": article.byline or "",
        "html": str(html),
        "url": item.canonical_url or item.url or "",
        "is_saved": int(mark.starred),
        "is_read": int(mark.read),
        "created_on_time": second(found.sort_time, item.fetched),
    }


def summary_html(summary: Summary) -> Markup:
    """The cited summary above an item's body: each sentence links to where it stands
    (``#sN``, as on the site); nothing when the article has no summary."""
    if not summary.sentences:
        return Markup("")
    listed = "".join(
        f'<li><a href="#s{number}">{escape(sentence.text)}</a></li>'
        for number, sentence in enumerate(summary.sentences, start=1)
    )
    return Markup(f'<ol class="summary">{listed}</ol>\n')


def link_json(
    story: HotStory,
    marks: Mapping[int, ArticleMarks],
    feed_ids: Mapping[str, int],
    *,
    base_url: str,
    now: int,
    window_seconds: int,
) -> dict[str, Any]:
    first = story.articles[0]
    age = max(0, now - unix(story.last))
    recency = min(9.9, 10 * max(0.0, 1 - age / max(1, window_seconds)))
    return {
        "id": story.id,
        "feed_id": feed_ids.get(story.first_feed or "", 0),
        "item_id": first,
        "temperature": round(story.sources * 10 + recency, 1),
        "is_item": 1,
        "is_local": 1,
        "is_saved": int(marks.get(first, _NOT_MARKED).starred),
        "title": story.headline or "",
        "url": f"{base_url}/stories/{story.id}",
        "item_ids": id_list(story.articles),
    }


def id_list(ids: Iterable[int]) -> str:
    """Ids as Fever sends them: one comma-separated string."""
    return ",".join(str(i) for i in ids)
