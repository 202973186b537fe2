"""Categories in the site: ``/categories`` lists every category with its feeds and article
counts, ``/categories/NAME`` the articles of one, newest first, paged as a source's are; each
with its ``.json`` twin.

A category is what ``add-feed --category`` or an OPML list gave a feed; "/" nests them
("News/Europe" is in "News"), so a name is routed with a path convertor and every link
percent-encodes it (``category_href``). A parent named only through its children ("News" when
only "News/Europe" is given) is a category too, holding its children's articles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute

from nutgraf.controls import strip_controls
from nutgraf.errors import InputError
from nutgraf.serialize import headline_json
from nutgraf.store.base import FeedState, Store
from nutgraf.web import views
from nutgraf.web.endpoints import int_param, twins
from nutgraf.web.listing import headline_item
from nutgraf.web.markup import category_href
from nutgraf.web.site import Site

__all__ = [
    "MAX_CATEGORY_CHARS",
    "Category",
    "CategoryFeed",
    "category_href",
    "category_routes",
    "clean_category",
    "group_categories",
]

MAX_CATEGORY_CHARS = 200


@dataclass(frozen=True, slots=True)
class CategoryFeed:
    """A feed as a category lists it."""

    id: int
    url: str
    title: str | None
    articles: int


@dataclass(frozen=True, slots=True)
class Category:
    """A category, its own feeds (not those of nested categories) and the articles of all
    (its own and nested feeds')."""

    name: str
    feeds: tuple[CategoryFeed, ...]
    articles: int

    @property
    def depth(self) -> int:
        return self.name.count("/")


def clean_category(raw: str | None) -> str | None:
    """A category as the archive keeps it: parts trimmed, empty parts dropped, no control
    characters; None for none.

    Raises:
        InputError: it is longer than ``MAX_CATEGORY_CHARS``.
    """
    text = strip_controls(raw) or ""
    name = "/".join(part.strip() for part in text.split("/") if part.strip())
    if len(name) > MAX_CATEGORY_CHARS:
        raise InputError(f"a category is at most {MAX_CATEGORY_CHARS} characters; shorten it")
    return name or None


def _parents(name: str) -> list[str]:
    """``name`` and every category it is nested in: "a/b/c" -> a, a/b, a/b/c."""
    parts = name.split("/")
    return ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]


def group_categories(feeds: Sequence[FeedState], counts: Mapping[str, int]) -> list[Category]:
    """Every category the feeds name (and the parents they nest in), by name."""
    own: dict[str, list[CategoryFeed]] = {}
    totals: dict[str, int] = {}
    for feed in feeds:
        if not feed.category:
            continue
        listed = CategoryFeed(feed.id, feed.url, feed.title, counts.get(feed.url, 0))
        own.setdefault(feed.category, []).append(listed)
        for name in _parents(feed.category):
            totals[name] = totals.get(name, 0) + listed.articles
    return [
        Category(name, tuple(own.get(name, ())), totals[name])
        for name in sorted(totals, key=lambda n: n.split("/"))
    ]


def _category_json(category: Category) -> dict[str, Any]:
    return {
        "name": category.name,
        "url": category_href(category.name),
        "articles": category.articles,
        "feeds": [
            {"id": f.id, "url": f.url, "title": f.title, "articles": f.articles}
            for f in category.feeds
        ],
    }


def _category_ref_json(category: Category) -> dict[str, Any]:
    """A category as its own page names it: without counts, which cost a count of every
    article of its feeds (the index shows them)."""
    return {
        "name": category.name,
        "url": category_href(category.name),
        "feeds": [{"id": f.id, "url": f.url, "title": f.title} for f in category.feeds],
    }


def _all(store: Store) -> list[Category]:
    return group_categories(store.feeds(), store.feed_article_counts())


def categories_page(store: Store) -> views.Page:
    found = _all(store)
    return views.Page(
        "categories.html",
        "Categories",
        lambda: {"categories": [_category_json(c) for c in found]},
        lambda: {"categories": found},
    )


def category_page(store: Store, name: str, page: int = 1, *, images: bool = True) -> views.Page:
    page = views.page_number(page)
    # The category and its feeds, without their counts: a page of it reads one page of
    # articles, however many it holds.
    listed = group_categories(store.feeds(), {})
    found = next((c for c in listed if c.name == name), None)
    if found is None or len(name) > MAX_CATEGORY_CHARS:
        raise views.NotFound(f"there is no category {name!r}")
    headlines, more = views._paged(
        lambda limit, offset: store.category_headlines(name, limit=limit, offset=offset), page
    )
    thumbs = views.headline_thumbnails(store, headlines)
    shown = views.shown_thumbnails(thumbs, images)
    return views.Page(
        "category.html",
        name,
        lambda: {
            "category": _category_ref_json(found),
            "page": page,
            "next_page": page + 1 if more else None,
            "articles": [{**headline_json(h), "image": thumbs.get(h.id)} for h in headlines],
        },
        lambda: {
            "category": found,
            "items": [headline_item(h, shown) for h in headlines],
            "page": page,
            "more": more,
        },
    )


def category_routes() -> list[BaseRoute]:
    def index(site: Site, request: Request) -> views.Page:
        return categories_page(site.store)

    def one(site: Site, request: Request) -> views.Page:
        return category_page(
            site.store,
            request.path_params["name"],
            int_param(request, "page", 1),
            images=site.config.remote_images,
        )

    return [
        *twins("/categories", index, "categories"),
        *twins("/categories/{name:path}", one, "category", listing=True),
    ]
