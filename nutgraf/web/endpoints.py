"""Page endpoints: a view served as HTML, or as JSON at its ``.json`` twin, through the page
cache; the twin routes; and the query parameters the views read.

Every page has a JSON twin at the same address plus ``.json``, served by the same view; both
are described in ``/openapi.json``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from nutgraf.web import views
from nutgraf.web.listing import (
    DEFAULT_LAYOUT,
    LAYOUT_COOKIE,
    LAYOUT_PARAMETER,
    Layout,
    parse_layout,
)
from nutgraf.web.site import Site, json_bytes, page_response, request_path, wants_json

ViewCall = Callable[[Site, Request], views.Page]


# Makes a cached JSON body the reader's own (None: it stays the shared one).
PersonalJson = Callable[[Request, bytes], Response | None]


def page_endpoint(
    view: ViewCall,
    *,
    blocking: bool = False,
    listing: bool = False,
    personal_json: PersonalJson | None = None,
) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint serving ``view`` as HTML, or as JSON at the ``.json`` address.

    A view that reads a few rows by key renders in well under a millisecond, less than a
    trip to the thread pool costs (a third more CPU a page), so it runs on the event loop:
    the article page among them, as every article is bounded (at ingest, and when read
    from a row stored before that, ``rows.read_blocks``). A ``blocking`` one runs in the
    thread pool instead: search, whose cost depends on the words, and the group and story
    pages, which read several articles.

    A ``listing`` page (a list of articles) is shown in the reader's layout
    (``nutgraf.web.listing``): its cached copies are kept apart by layout, and a layout
    chosen by the query parameter is remembered in a cookie.
    """

    async def endpoint(request: Request) -> Response:
        site: Site = request.app.state.site
        as_json = wants_json(request)
        layout = layout_of(request) if listing and not as_json else None
        key = _cache_key(request)
        if layout is not None:
            key = f"{key}#{layout}"
        cached = site.cache.get(key)
        if cached is None:
            if blocking:
                body, media = await run_in_threadpool(_build, site, view, request, as_json, layout)
            else:
                body, media = _build(site, view, request, as_json, layout)
            site.cache.put(key, body, media)
            cached = (body, media)
        body, media = cached
        if media == "application/json":
            own = personal_json(request, body) if personal_json is not None else None
            return own or Response(body, media_type="application/json")
        response = page_response(site, request, body)
        if layout is not None and LAYOUT_PARAMETER in request.query_params:
            response.set_cookie(
                LAYOUT_COOKIE,
                layout,
                max_age=LAYOUT_COOKIE_SECONDS,
                httponly=True,
                samesite="lax",
            )
        return response

    return endpoint


# The query parameters views read; others (tracking tags, cache busters) do not make a page
# different, so they neither miss the cache nor crowd it.
PAGE_PARAMETERS = ("q", "page", "from")  # and "layout", which list pages read (layout_of)


def _cache_key(request: Request) -> str:
    params = request.query_params
    # Encoded, so a value holding "&" or "=" (q=said%26page%3D2) cannot spell another key.
    kept = urlencode([(name, params[name]) for name in PAGE_PARAMETERS if name in params])
    return f"{request_path(request)}?{kept}"


LAYOUT_COOKIE_SECONDS = 365 * 24 * 3600


def layout_of(request: Request) -> Layout:
    """The layout a list page is shown in: the query parameter's (a wrong one is a 400),
    else the cookie's (a wrong one is ignored), else the default."""
    asked = request.query_params.get(LAYOUT_PARAMETER)
    if asked is not None:
        layout = parse_layout(asked)
        if layout is None:
            raise views.BadRequest(f"layout must be compact or cards, not {asked[:40]!r}")
        return layout
    return parse_layout(request.cookies.get(LAYOUT_COOKIE)) or DEFAULT_LAYOUT


def _build(
    site: Site, view: ViewCall, request: Request, as_json: bool, layout: Layout | None
) -> tuple[bytes, str]:
    page = view(site, request)
    if as_json:
        return json_bytes(page.data()), "application/json"
    context = {**page.context(), "title": page.title, "layout": layout}
    return site.render(page.template, **context), "text/html"


def int_param(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise views.BadRequest(f"{name} must be a whole number, not {raw!r}") from None


class _IdConvertor(Convertor[int]):
    """A row id in a path: 1 to 18 digits, so it fits SQLite's and PostgreSQL's 64-bit
    integers; a longer number matches no route and is a 404, not an overflow."""

    regex = "[0-9]{1,18}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("rowid", _IdConvertor())


def twins(
    path: str,
    view: ViewCall,
    name: str,
    *,
    blocking: bool = False,
    listing: bool = False,
    personal_json: PersonalJson | None = None,
) -> list[BaseRoute]:
    endpoint = page_endpoint(view, blocking=blocking, listing=listing, personal_json=personal_json)
    json_path = "/index.json" if path == "/" else f"{path}.json"
    # The twin goes first: "/sources/{slug}" would also match "/sources/x.test.json".
    return [
        Route(json_path, endpoint, name=f"{name}_json"),
        Route(path, endpoint, name=name),
    ]
