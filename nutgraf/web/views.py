"""The site's views: each reads the archive and returns one ``Page``, which the app renders
as HTML or, for the ``.json`` twin of the same address, as JSON. Nothing here knows HTTP.

A listed article's thumbnail is its ``image``, else the first picture of its HTML (for rows
stored before ingest filled ``image``); the JSON twins give the same address as ``image``.
With ``images`` False (the ``remote_images`` setting off) pages show no image at all, and
their JSON twins still say where the images are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from nutgraf import relate
from nutgraf.extract.images import display_image, first_image, place_figures
from nutgraf.nlp.stems import forms_in
from nutgraf.records import ArchiveItem, Headline, SourceCount, StoredArticle
from nutgraf.serialize import (
    duplicate_json,
    headline_json,
    listed_json,
    source_json,
    stored_json,
    story_sentence_json,
    summary_json,
)
from nutgraf.store.base import Store
from nutgraf.store.query import SEARCH_COUNT_CAP
from nutgraf.stories.read import Story, outlet, read_story, story_json
from nutgraf.web.listing import ListedItem, stored_item
from nutgraf.web.markup import body_html, highlight, host, search_words, snippet

PAGE_SIZE = 20
T = TypeVar("T")
MAX_PAGE = 500  # deeper pages are refused: use search, or the JSON twins' paging


class NotFound(Exception):
    """The address names nothing in the archive; the message says what."""


class BadRequest(Exception):
    """The request cannot be answered as asked; the message says how to fix it."""


@dataclass(frozen=True, slots=True)
class Page:
    """What a view found: ``template`` and ``context`` for HTML, ``data`` for JSON. Both are
    built on demand: a request wants one of the two."""

    template: str
    title: str
    data: Callable[[], Mapping[str, Any]]
    context: Callable[[], Mapping[str, Any]]


def home(store: Store, page: int = 1, *, images: bool = True) -> Page:
    page = page_number(page)
    articles, more = _paged(lambda limit, offset: store.latest(limit=limit, offset=offset), page)
    thumbs = {a.id: thumbnail(a.item) for a in articles}
    return Page(
        "home.html",
        "Latest news",
        lambda: {
            "page": page,
            "next_page": page + 1 if more else None,
            "articles": [
                {
                    **listed_json(a),
                    "image": thumbs[a.id],
                    "summary": summary_json(a.item.summary),
                }
                for a in articles
            ],
        },
        lambda: {
            "items": _stored_items(articles, shown_thumbnails(thumbs, images)),
            "page": page,
            "more": more,
        },
    )


def article(
    store: Store, article_id: int, *, within_source: bool = False, images: bool = True
) -> Page:
    stored = store.get(article_id)
    if stored is None:
        raise NotFound(f"there is no article {article_id}")
    item, text = stored.item, stored.item.article
    site = item.site if within_source else None
    previous, following = store.neighbours(article_id, site=site)
    group = store.copies(article_id)
    copies = [h for h in group if h.id != article_id]
    story_id = store.story_of(article_id)
    story = store.story_digest(story_id) if story_id is not None else None
    members = store.story_articles(story.id) if story and story.sources > 1 else []
    read_also = relate.read_also(store, stored, story=members, copies=[h.id for h in copies])
    part_of = story if members else None
    subscribed = store.feed(item.feed) if item.feed else None
    category = subscribed.category if subscribed is not None else None
    return Page(
        "article.html",
        text.title or "Untitled article",
        lambda: {
            "article": {**stored_json(stored), "image": thumbnail(item)},
            "read_also": [headline_json(h) for h in read_also],
            "also_reported_by": [headline_json(h) for h in copies],
            "group": group[0].id if copies else None,
            "previous_article": headline_json(previous) if previous else None,
            "next_article": headline_json(following) if following else None,
            "story": {"id": part_of.id, "headline": part_of.headline} if part_of else None,
            "category": category,
        },
        lambda: {
            "stored": stored,
            "article": text,
            "summary": item.summary,
            "body": body_html(
                text, item.summary, place_figures(item.html, text.blocks) if images else ()
            ),
            "outlet": text.source or host(item.site or item.url) or "unknown source",
            "source_slug": host(item.site) or None,
            "read_also": read_also,
            "copies": copies,
            "group": group[0].id if copies else None,
            "previous": previous,
            "next": following,
            "within_source": within_source,
            "part_of": part_of,
            "category": category,
        },
    )


def sources(store: Store) -> Page:
    listed = store.sources()
    return Page(
        "sources.html",
        "Sources",
        lambda: {"sources": [{**source_json(s), "slug": host(s.site)} for s in listed]},
        lambda: {"sources": listed},
    )


def source(store: Store, slug: str, page: int = 1, *, images: bool = True) -> Page:
    page = page_number(page)
    found = source_by_slug(store, slug)
    # Whole articles, as home reads them: the list shows a line of each and its summary.
    articles, more = _paged(
        lambda limit, offset: store.latest(limit=limit, offset=offset, site=found.site), page
    )
    name = found.name or slug
    thumbs = {a.id: thumbnail(a.item) for a in articles}
    return Page(
        "source.html",
        name,
        lambda: {
            "source": {**source_json(found), "slug": slug},
            "page": page,
            "next_page": page + 1 if more else None,
            "articles": [
                {
                    **listed_json(a),
                    "image": thumbs[a.id],
                    "duplicate": duplicate_json(a.duplicate),
                }
                for a in articles
            ],
        },
        lambda: {
            "source": found,
            "name": name,
            "slug": slug,
            # A source's page leads to its articles within it (previous and next stay in it).
            "items": _stored_items(articles, shown_thumbnails(thumbs, images), "?from=source"),
            "page": page,
            "more": more,
        },
    )


def _forms(found: StoredArticle, words: Sequence[str]) -> list[str]:
    """The forms of ``words`` in the article's language that its title and text hold."""
    article = found.item.article
    language = article.language or found.item.summary.language
    return forms_in(language, words, f"{article.title or ''}\n{article.text}")


def source_by_slug(store: Store, slug: str) -> SourceCount:
    """The source whose site's host is ``slug`` (as its page address and feeds name it)."""
    for candidate in store.sources():
        if host(candidate.site) == slug:
            return candidate
    raise NotFound(f"there is no source {slug!r}")


def search(store: Store, query: str, page: int = 1, *, images: bool = True) -> Page:
    page = page_number(page)
    query = query.strip()
    words = search_words(query)
    if not query:
        return Page(
            "search.html",
            "Search",
            lambda: {
                "query": "",
                "page": 1,
                "next_page": None,
                "total": 0,
                "total_is_exact": True,
                "results": [],
            },
            lambda: {"query": "", "items": [], "page": 1, "more": False, "total": 0},
        )
    if not words:
        raise BadRequest(f"search query {query!r} has no words to look for; give one or more")
    found, more = _paged(
        lambda limit, offset: store.search(query, limit=limit, offset=offset), page
    )
    counted = store.search_count(query, cap=SEARCH_COUNT_CAP)
    total, exact = min(counted, SEARCH_COUNT_CAP), counted <= SEARCH_COUNT_CAP
    # Each result's marks: the query's words, and the forms of them its language gave it.
    marks = {s.id: [*words, *_forms(s, words)] for s in found}
    snippets = [snippet(s.item.article.text, marks[s.id]) for s in found]
    thumbs = {s.id: thumbnail(s.item) for s in found}

    def results() -> list[ListedItem]:
        shown = shown_thumbnails(thumbs, images)
        return [
            replace(
                stored_item(s, shown),
                title=highlight(s.item.article.title or "Untitled", marks[s.id]),
                excerpt=highlight(text, marks[s.id]),
            )
            for s, text in zip(found, snippets, strict=True)
        ]

    return Page(
        "search.html",
        f"Search: {query}",
        lambda: {
            "query": query,
            "page": page,
            "next_page": page + 1 if more else None,
            "total": total,
            "total_is_exact": exact,
            "results": [
                {
                    **listed_json(s),
                    "image": thumbs[s.id],
                    "snippet": text,
                }
                for s, text in zip(found, snippets, strict=True)
            ],
        },
        lambda: {
            "query": query,
            "items": results(),
            "page": page,
            "more": more,
            "words": words,
            "total": total,
            "total_is_exact": exact,
        },
    )


def group(store: Store, article_id: int) -> Page:
    members = store.copies(article_id)
    if not members:
        raise NotFound(f"there is no article {article_id}")
    first = members[0]
    return Page(
        "group.html",
        f"Copies of: {first.title or 'Untitled'}",
        lambda: {"first": first.id, "articles": [headline_json(h) for h in members]},
        lambda: {"first": first, "members": members},
    )


def stories(store: Store, page: int = 1) -> Page:
    page = page_number(page)
    found, more = _paged(
        lambda limit, offset: store.latest_stories(limit=limit, offset=offset), page
    )
    return Page(
        "stories.html",
        "Stories",
        lambda: {
            "page": page,
            "next_page": page + 1 if more else None,
            "stories": [
                {
                    "id": d.id,
                    "headline": d.headline,
                    "articles": d.articles,
                    "sources": d.sources,
                    "first": d.first,
                    "last": d.last,
                    "summary": [story_sentence_json(s) for s in d.sentences],
                }
                for d in found
            ],
        },
        lambda: {"stories": found, "page": page, "more": more},
    )


def story(store: Store, story_id: int, *, images: bool = True) -> Page:
    found = read_story(store, story_id)
    if found is None:
        raise NotFound(f"there is no story {story_id}")
    thumbs = headline_thumbnails(store, found.articles)

    def data() -> dict[str, Any]:
        told = story_json(found)
        told["articles"] = [{**a, "image": thumbs.get(a["id"])} for a in told["articles"]]
        return told

    return Page(
        "story.html",
        found.headline,
        data,
        lambda: {
            "story": found,
            "outlet": outlet,
            "numbers": _numbers(found),
            "thumbs": shown_thumbnails(thumbs, images),
        },
    )


def thumbnail(item: ArchiveItem) -> str | None:
    """The item's thumbnail: its ``image``, else the first picture of its HTML."""
    return item.image or first_image(item.html, item.url)


def headline_thumbnails(store: Store, headlines: Sequence[Headline]) -> dict[int, str]:
    """The thumbnails of listed articles, by id: their ``image``, else the first picture of
    their HTML (read for those without one only, and only its start)."""
    found = {h.id: h.image for h in headlines if h.image}
    lead = store.lead_html([h.id for h in headlines if not h.image])
    for article_id, html in lead.items():
        image = first_image(html)
        if image is not None:
            found[article_id] = image
    return found


def shown_thumbnails(thumbs: Mapping[int, str | None], images: bool) -> dict[int, str]:
    """The addresses a list page loads its thumbnails from (https; none when images are
    off)."""
    if not images:
        return {}
    shown = {article_id: display_image(url) for article_id, url in thumbs.items()}
    return {article_id: url for article_id, url in shown.items() if url is not None}


def _stored_items(
    found: Sequence[StoredArticle], thumbs: Mapping[int, str], suffix: str = ""
) -> list[ListedItem]:
    return [stored_item(s, thumbs, suffix) for s in found]


def _numbers(found: Story) -> dict[int, int]:
    """Each article's place in the timeline (from 1), by id: what a summary sentence cites."""
    return {h.id: n for n, h in enumerate(found.articles, start=1)}


def _paged(read: Callable[[int, int], Sequence[T]], page: int) -> tuple[Sequence[T], bool]:
    """Page ``page`` of what ``read(limit, offset)`` lists, and whether a next page exists
    (one row more than a page is read to know it)."""
    rows = read(PAGE_SIZE + 1, (page - 1) * PAGE_SIZE)
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def page_number(page: int) -> int:
    if page < 1 or page > MAX_PAGE:
        raise BadRequest(f"page {page} is out of range; pages run from 1 to {MAX_PAGE}")
    return page
