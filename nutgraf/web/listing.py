"""A listed article as both list layouts show it, and which layout a reader asked for.

Home, a source's page and search list stored articles (search with its matches marked); each
becomes one ``ListedItem``, so a layout is one template macro
(``compact_item`` and ``card_item`` in ``templates/macros.html``). The layout is ``compact``
unless the reader chose ``cards``: by the ``layout`` query parameter, remembered in the
``nutgraf_layout`` cookie (``nutgraf.web.app`` keeps cached pages apart by layout).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from markupsafe import Markup

from nutgraf.records import Headline, StoredArticle, Summary
from nutgraf.web.markup import host

Layout = Literal["compact", "cards"]
LAYOUTS: tuple[Layout, ...] = ("compact", "cards")
DEFAULT_LAYOUT: Layout = "compact"
LAYOUT_COOKIE = "nutgraf_layout"
LAYOUT_PARAMETER = "layout"
EXCERPT_CHARS = 240  # a line and more at any width: the page cuts it to one with an ellipsis


@dataclass(frozen=True, slots=True)
class ListedItem:
    """An article in a list: ``href`` its page, ``excerpt`` a line of its text (plain, or
    marked-up matches for search), ``thumb`` its thumbnail's display address, ``summary``
    its summary when the list has it. ``read`` and ``starred`` are the reader's marks."""

    id: int
    href: str
    title: str | Markup
    outlet: str
    published: str | None
    dated: bool
    first_seen: str | None
    kind: str
    url: str | None
    excerpt: str | Markup = ""
    thumb: str | None = None
    summary: Summary | None = None
    read: bool = False
    starred: bool = False


def stored_item(stored: StoredArticle, thumbs: Mapping[int, str], suffix: str = "") -> ListedItem:
    """A stored article as a list shows it: with the start of its text and its summary;
    ``suffix`` ends the address of its page (``?from=source``)."""
    item, article = stored.item, stored.item.article
    return ListedItem(
        id=stored.id,
        href=f"/articles/{stored.id}{suffix}",
        title=article.title or "Untitled",
        outlet=article.source or host(item.site or item.url),
        published=article.published,
        dated=stored.dated,
        first_seen=stored.first_seen,
        kind=item.kind,
        url=item.url,
        excerpt=excerpt(article.text),
        thumb=thumbs.get(stored.id),
        summary=item.summary if item.summary.sentences else None,
    )


def headline_item(headline: Headline, thumbs: Mapping[int, str]) -> ListedItem:
    """A headline as a list shows it, for lists that read headlines only (no text line, no
    summary: a category's page, which merges its feeds' newest)."""
    return ListedItem(
        id=headline.id,
        href=f"/articles/{headline.id}",
        title=headline.title or "Untitled",
        outlet=headline.source or host(headline.site or headline.url),
        published=headline.published,
        dated=headline.dated,
        first_seen=headline.first_seen,
        kind=headline.kind,
        url=headline.url,
        thumb=thumbs.get(headline.id),
    )


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The start of ``text`` on one line, at most ``limit`` characters, cut at a word."""
    line = " ".join(text[: limit * 2].split())
    if len(line) <= limit:
        return line
    cut = line[:limit].rsplit(" ", 1)[0]
    return f"{cut} …"


def parse_layout(value: str | None) -> Layout | None:
    """The layout ``value`` names, or None when it names none."""
    for layout in LAYOUTS:
        if value == layout:
            return layout
    return None
