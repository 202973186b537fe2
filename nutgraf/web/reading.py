"""A reader's own reading: marking articles read, unread, starred; marking many read at once;
the /unread and /starred lists; the /settings page. Every view here is one reader's, so none
goes through the shared page cache (``Cache-Control: private, no-store``).

Routes (each POST takes the form field ``csrf`` and refuses another site's Origin):

- ``POST /articles/ID/read|unread|star|unstar`` (+ ``.json``): HTML answers 303 back to the
  page it came from (a same-site Referer) or the article; JSON answers
  ``{"id": ID, "read": bool, "starred": bool}``.
- ``POST /mark-read`` (+ ``.json``): exactly one of ``ids`` (article ids as shown, separated
  by commas or spaces, at most ``MAX_MARK_IDS``), ``feed`` (a feed's id), ``category`` (a
  feed category's name) or ``before`` (ISO 8601 date or time: everything sorted before it).
  JSON answers ``{"marked": N or null, "unread": N}``.
- ``GET /unread`` (``?page=``, ``?feed=ID``, ``?category=NAME``), ``GET /starred``
  (``?page=``), with ``.json`` twins; ``/unread.json`` carries ``"unread"``, the reader's
  total.
- ``GET /settings`` (+ ``.json``), ``POST /settings``: ``mark_on_open`` and
  ``api_summaries`` (each "on" or absent; the second heads the apps' items with their
  summaries, ``nutgraf.web.greader``).

Anonymous requests get 401 (JSON) or a redirect to ``/login?next=PATH`` (HTML).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from nutgraf.records import Headline
from nutgraf.serialize import headline_json
from nutgraf.store.base import FeedState
from nutgraf.store.categories import in_category
from nutgraf.store.marks import MAX_MARK_IDS
from nutgraf.store.records import ArticleMarks
from nutgraf.web import reading_slots, views
from nutgraf.web.csrf import csrf_token
from nutgraf.web.endpoints import int_param, layout_of
from nutgraf.web.forms import FormRefused, checked_form
from nutgraf.web.identity import Reader, reader
from nutgraf.web.listing import headline_item
from nutgraf.web.site import Site, json_bytes, page_response

PRIVATE = {"cache-control": "private, no-store"}
MAX_FORM_BYTES = 16_384  # a whole form: a page of ids is at most 4 kB
MAX_CATEGORY_CHARS = 200
MAX_REFERER_CHARS = 2000
MAX_TIME_CHARS = 40
_IDS = re.compile(r"[0-9]{1,18}(?:[ ,]+[0-9]{1,18})*")

Handler = Callable[[Request], Awaitable[Response]]


# --- who, and may they ----------------------------------------------------------------------


def _site(request: Request) -> Site:
    return request.app.state.site  # type: ignore[no-any-return]


def _json(request: Request) -> bool:
    return request.url.path.endswith(".json")


def _login_redirect(next_path: str) -> Response:
    return RedirectResponse(f"/login?next={quote(next_path, safe='/')}", status_code=303)


def _anonymous(request: Request, next_path: str) -> Response:
    """What an anonymous request to a reader's view gets: 401, or the way to sign in."""
    if _json(request):
        raise HTTPException(401, "sign in to keep track of your reading")
    return _login_redirect(next_path)


def _here(request: Request) -> str:
    """The request's path and query, as a ``next`` to come back to."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def _back(request: Request, fallback: str) -> str:
    """Where a form sends its browser back to: the page it was posted from when that is on
    this site (its path and query only), else ``fallback``."""
    referer = request.headers.get("referer", "")
    if not referer or len(referer) > MAX_REFERER_CHARS:
        return fallback
    try:
        parts = urlsplit(referer)
    except ValueError:
        return fallback
    host = request.headers.get("host", "")
    if parts.scheme not in ("http", "https") or not host or parts.netloc != host:
        return fallback
    path = parts.path or "/"
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return fallback
    return path + (f"?{parts.query}" if parts.query else "")


async def _form(request: Request) -> dict[str, str]:
    """The posted form of a request that may act; refuses another site's, or a stale one."""
    try:
        return await checked_form(
            request, _site(request).config.allowed_hosts, max_bytes=MAX_FORM_BYTES, max_fields=8
        )
    except FormRefused as refused:
        raise HTTPException(403, str(refused)) from None


# --- marking one article --------------------------------------------------------------------


def _mark_one(action: str) -> Handler:
    async def handler(request: Request) -> Response:
        article_id = int(request.path_params["id"])
        fallback = f"/articles/{article_id}"
        who = reader(request)
        if who is None:
            return _anonymous(request, _back(request, fallback))
        await _form(request)
        site = _site(request)
        marks = await run_in_threadpool(_apply, site, who, article_id, action)
        reading_slots.forget_counts(site.store, who.name)
        if _json(request):
            return _json_response({"id": article_id, "read": marks.read, "starred": marks.starred})
        return RedirectResponse(_back(request, fallback), status_code=303)

    return handler


def _apply(site: Site, who: Reader, article_id: int, action: str) -> ArticleMarks:
    store = site.store
    reading_slots.wait_for_opened(store, who.name)  # an opened article's write comes first
    if action in ("read", "unread"):
        found = store.set_read(who.name, [article_id], action == "read") > 0
    else:
        found = store.set_starred(who.name, article_id, action == "star", _now())
    marks = store.article_marks(who.name, [article_id]).get(article_id)
    if not found or marks is None:
        raise views.NotFound(f"there is no article {article_id}")
    return marks


# --- marking many ---------------------------------------------------------------------------


async def mark_read(request: Request) -> Response:
    who = reader(request)
    if who is None:
        return _anonymous(request, _back(request, "/unread"))
    fields = await _form(request)
    site = _site(request)
    marked = await run_in_threadpool(_mark_many, site, who, fields)
    reading_slots.forget_counts(site.store, who.name)
    if _json(request):
        total = await run_in_threadpool(reading_slots.unread_total, site.store, who.name)
        return _json_response({"marked": marked, "unread": total})
    return RedirectResponse(_back(request, "/unread"), status_code=303)


def _mark_many(site: Site, who: Reader, fields: dict[str, str]) -> int | None:
    """Mark what the form names read; how many were marked (None: not counted)."""
    chosen = [name for name in ("ids", "feed", "category", "before") if fields.get(name)]
    if len(chosen) != 1:
        raise views.BadRequest("give exactly one of ids, feed, category or before")
    name, value = chosen[0], fields[chosen[0]].strip()
    store = site.store
    if name == "ids":
        return store.set_read(who.name, parse_ids(value), True)
    if name == "before":
        store.mark_read_before(who.name, parse_time(value))
        return None
    return store.mark_feeds_read(
        who.name,
        _feed_urls(
            site,
            feed=value if name == "feed" else None,
            category=value if name == "category" else None,
        ),
    )


def parse_ids(value: str) -> list[int]:
    """Article ids separated by commas or spaces (at most ``MAX_MARK_IDS``)."""
    value = value.strip()
    if not _IDS.fullmatch(value):
        raise views.BadRequest("ids must be article numbers separated by commas or spaces")
    ids = sorted({int(i) for i in re.split(r"[ ,]+", value)})
    if len(ids) > MAX_MARK_IDS:
        raise views.BadRequest(f"give at most {MAX_MARK_IDS} ids at once")
    return ids


def parse_time(value: str) -> str:
    """An ISO 8601 date or time as the archive orders times (UTC, ``...Z``); a time without
    a zone is UTC."""
    if len(value) > MAX_TIME_CHARS:
        raise views.BadRequest("before must be an ISO 8601 date or time, like 2026-12-01")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise views.BadRequest(
            f"before must be an ISO 8601 date or time, like 2026-12-01, not {value!r}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _feed_urls(site: Site, *, feed: str | None = None, category: str | None = None) -> list[str]:
    """The URLs of the feed with id ``feed``, or of the feeds in ``category``; 404 when
    there is none."""
    feeds = site.store.feeds()
    if feed is not None:
        if not (feed.isascii() and feed.isdigit() and len(feed) <= 18):
            raise views.BadRequest(f"feed must be a feed's number, not {feed[:40]!r}")
        urls = [f.url for f in feeds if f.id == int(feed)]
        if not urls:
            raise views.NotFound(f"there is no feed {feed}")
        return urls
    assert category is not None
    if len(category) > MAX_CATEGORY_CHARS:
        raise views.BadRequest(f"a category name is at most {MAX_CATEGORY_CHARS} characters")
    urls = [f.url for f in feeds if in_category(f.category, category)]
    if not urls:
        raise views.NotFound(f"there is no category {category!r}")
    return urls


# --- the reader's lists ---------------------------------------------------------------------


def _list_endpoint(kind: str) -> Handler:
    async def endpoint(request: Request) -> Response:
        who = reader(request)
        if who is None:
            return _anonymous(request, _here(request).replace(".json", "", 1))
        site = _site(request)
        page = views.page_number(int_param(request, "page", 1))
        built = await run_in_threadpool(_build_list, site, who, kind, request, page, _json(request))
        if _json(request):
            return _json_response(built["data"])
        return _page_response(site, request, f"{kind}.html", **built["context"])

    return endpoint


def _build_list(
    site: Site, who: Reader, kind: str, request: Request, page: int, as_json: bool
) -> dict[str, Any]:
    store = site.store
    params = request.query_params
    feed, category = params.get("feed"), params.get("category")
    offset = (page - 1) * views.PAGE_SIZE
    feeds = store.feeds()
    title = "Unread" if kind == "unread" else "Starred"
    filter_query = ""
    if kind == "unread":
        chosen = None
        if feed is not None or category is not None:
            chosen = _feed_urls(site, feed=feed, category=category if feed is None else None)
            filter_query = (
                f"feed={feed}" if feed is not None else f"category={quote(category or '')}"
            )
            title = f"Unread: {_filter_name(feeds, feed, category)}"
        rows = store.unread(who.name, limit=views.PAGE_SIZE + 1, offset=offset, feeds=chosen)
    else:
        rows = store.starred(who.name, limit=views.PAGE_SIZE + 1, offset=offset)
    headlines, more = rows[: views.PAGE_SIZE], len(rows) > views.PAGE_SIZE
    marks = store.article_marks(who.name, [h.id for h in headlines])
    thumbs = views.headline_thumbnails(store, headlines)
    shown = views.shown_thumbnails(thumbs, site.config.remote_images)
    total = reading_slots.unread_total(site.store, who.name)
    data: dict[str, Any] = {
        "page": page,
        "next_page": page + 1 if more else None,
        "articles": [_listed(h, thumbs.get(h.id), marks.get(h.id)) for h in headlines],
    }
    if kind == "unread":
        data = {"unread": total, **data}
    context: dict[str, Any] = {
        "title": title,
        "items": [headline_item(h, shown) for h in headlines],
        "layout": layout_of(request),
        "page": page,
        "more": more,
        "total": total,
        "filter_query": filter_query,
        "feeds": [],
        "categories": [],
        "ids": " ".join(str(h.id) for h in headlines),
        "now": _now(),
        "feed": feed,
        "category": category,
    }
    if kind == "unread" and not as_json:  # the counts by feed: the HTML page shows them
        by_feed = dict(reading_slots.unread_counts(site.store, who.name).by_feed)
        context["feeds"] = [(f, by_feed[f.url]) for f in feeds if by_feed.get(f.url)]
        context["categories"] = _category_counts(feeds, by_feed)
    return {"data": data, "context": context}


def _listed(h: Headline, image: str | None, marks: ArticleMarks | None) -> dict[str, Any]:
    return {
        **headline_json(h),
        "image": image,
        "read": bool(marks and marks.read),
        "starred": bool(marks and marks.starred),
    }


def _category_counts(feeds: list[FeedState], by_feed: dict[str, int]) -> list[tuple[str, int]]:
    """The unread count of each category that has some, its nested categories' included (as
    ``?category=`` and ``/categories/NAME`` include them)."""
    names = {f.category for f in feeds if f.category and by_feed.get(f.url)}
    counted = {
        name: sum(by_feed.get(f.url, 0) for f in feeds if in_category(f.category, name))
        for name in names
    }
    return sorted(counted.items())


def _filter_name(feeds: list[FeedState], feed: str | None, category: str | None) -> str:
    if feed is not None:
        found = [f for f in feeds if str(f.id) == feed]
        return (found[0].title or found[0].url) if found else feed
    return category or ""


# --- settings -------------------------------------------------------------------------------


async def settings_page(request: Request) -> Response:
    who = reader(request)
    if who is None:
        return _anonymous(request, "/settings")
    site = _site(request)
    settings = await run_in_threadpool(site.store.reader_settings, who.name)
    if _json(request):
        return _json_response(
            {"mark_on_open": settings.mark_on_open, "api_summaries": settings.api_summaries}
        )
    saved = request.query_params.get("saved") == "1"
    return _page_response(
        site, request, "settings.html", title="Settings", settings=settings, saved=saved
    )


async def save_settings(request: Request) -> Response:
    who = reader(request)
    if who is None:
        return _anonymous(request, "/settings")
    fields = await _form(request)
    chosen: dict[str, bool] = {}
    for name in ("mark_on_open", "api_summaries"):
        value = fields.get(name, "")
        if value not in ("", "on"):
            raise views.BadRequest(f"{name} is a checkbox: on, or not sent")
        chosen[name] = value == "on"
    store = _site(request).store

    def save() -> None:
        store.set_mark_on_open(who.name, chosen["mark_on_open"])
        store.set_api_summaries(who.name, chosen["api_summaries"])

    await run_in_threadpool(save)
    reading_slots.forget_settings(store, who.name)
    return RedirectResponse("/settings?saved=1", status_code=303)


# --- answers --------------------------------------------------------------------------------


def _page_response(site: Site, request: Request, template: str, **context: Any) -> Response:
    csrf_token(request)  # its forms (mark all read, settings) hold the token
    body = site.render(template, request=request, **context)
    return page_response(site, request, body, headers=dict(PRIVATE))


def _json_response(data: Any) -> Response:
    return Response(json_bytes(data), media_type="application/json", headers=dict(PRIVATE))


def article_json(request: Request, body: bytes) -> Response | None:
    """An article's cached JSON with ``read`` and ``starred`` for the signed-in reader
    (None: anonymous, the shared body as it is)."""
    who = reader(request)
    if who is None:
        return None
    article_id = int(request.path_params["id"])
    store = _site(request).store
    found = store.article_marks(who.name, [article_id])
    reading_slots.with_opened(store, who.name, found)
    marks = found.get(article_id)
    if marks is None or not body.startswith(b"{"):
        return None
    own = f'{{"read":{str(marks.read).lower()},"starred":{str(marks.starred).lower()},'
    return Response(own.encode() + body[1:], media_type="application/json", headers=dict(PRIVATE))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def reading_routes() -> list[BaseRoute]:
    reading_slots.register()
    routes: list[BaseRoute] = []
    for action in ("read", "unread", "star", "unstar"):
        handler = _mark_one(action)
        for suffix in (".json", ""):
            routes.append(
                Route(
                    f"/articles/{{id:rowid}}/{action}{suffix}",
                    handler,
                    methods=["POST"],
                    name=f"article_{action}{suffix.replace('.', '_')}",
                )
            )
    for kind in ("unread", "starred"):
        endpoint = _list_endpoint(kind)
        routes.append(Route(f"/{kind}.json", endpoint, methods=["GET"], name=f"{kind}_json"))
        routes.append(Route(f"/{kind}", endpoint, methods=["GET"], name=kind))
    routes += [
        Route("/mark-read.json", mark_read, methods=["POST"], name="mark_read_json"),
        Route("/mark-read", mark_read, methods=["POST"], name="mark_read"),
        Route("/settings.json", settings_page, methods=["GET"], name="settings_json"),
        Route("/settings", settings_page, methods=["GET"], name="settings"),
        Route("/settings", save_settings, methods=["POST"], name="settings_save"),
    ]
    return routes
