"""The reading site as an ASGI app (Starlette): routes, formats, caching and security headers.

Every page has a JSON twin at the same address plus ``.json``, served by the same view; both
are described in ``/openapi.json``. Rendered pages are kept for a few seconds, so a page read
by many readers at once costs one render; the Content-Security-Policy nonce is fresh on every
response all the same (the cache holds a placeholder that is swapped per response).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nutgraf.errors import InputError, NutgrafError
from nutgraf.store.base import Store
from nutgraf.store.query import MAX_QUERY_CHARS
from nutgraf.web import views
from nutgraf.web.csrf import set_csrf_cookie
from nutgraf.web.feeds import atom_feed, rss_feed
from nutgraf.web.hosts import AllowedHosts
from nutgraf.web.markup import host
from nutgraf.web.openapi import openapi_document
from nutgraf.web.personal import fill_slots, slot
from nutgraf.web.ratelimit import FailureLimits, LoginLimiter

log = logging.getLogger("nutgraf.web")

CACHE_SECONDS = 10.0
CACHE_ENTRIES = 4096
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
)
STATIC_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'"
MAX_STATIC_PATH = 255  # the longest file name a file system takes
_NONCE_SLOT = secrets.token_hex(16)  # stands for the nonce in cached pages; never guessable


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """``admin_token`` guards the admin pages; with none they are open only to a server bound
    to a loopback address (``local_only``). ``allowed_hosts`` are the Host names answered
    (None: any; see ``nutgraf.web.hosts``); ``base_url``, when set, is the site's public
    address, used for the absolute links of its feeds instead of the request's Host.
    ``remote_images`` False shows no image from another site (pages then load images from the
    site itself only, and their Content-Security-Policy says so)."""

    name: str = "nutgraf"
    admin_token: str | None = field(default=None, repr=False)
    local_only: bool = True
    cache_seconds: float = CACHE_SECONDS
    allowed_hosts: frozenset[str] | None = None
    base_url: str | None = None
    login_limits: FailureLimits = field(default_factory=FailureLimits)
    remote_images: bool = True


def page_csp(nonce: str, remote_images: bool = True) -> str:
    """A page's Content-Security-Policy: images from the site, and from any https address
    unless remote images are off."""
    return (
        "default-src 'none'; "
        f"script-src 'nonce-{nonce}'; "
        "style-src 'self'; "
        f"img-src 'self'{' https:' if remote_images else ''}; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


class _PageCache:
    """Rendered bodies by address, each kept ``seconds`` (0: not at all); the oldest go first."""

    def __init__(self, seconds: float = CACHE_SECONDS) -> None:
        self.seconds = seconds
        self._entries: OrderedDict[str, tuple[float, bytes, str]] = OrderedDict()

    def get(self, key: str) -> tuple[bytes, str] | None:
        if self.seconds <= 0:
            return None
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1], entry[2]

    def put(self, key: str, body: bytes, media_type: str) -> None:
        if self.seconds <= 0:
            return
        self._entries[key] = (time.monotonic() + self.seconds, body, media_type)
        self._entries.move_to_end(key)
        while len(self._entries) > CACHE_ENTRIES:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()


class Site:
    """The site's state: the archive, the templates and the page cache."""

    def __init__(self, store: Store, config: SiteConfig) -> None:
        self.store = store
        self.config = config
        self.templates = Environment(
            loader=PackageLoader("nutgraf.web", "templates"),
            autoescape=select_autoescape(("html", "xml")),
            trim_blocks=True,
            lstrip_blocks=True,
            # The templates ship in the package: checking their files for changes on every
            # page (two stat calls a template) cost a tenth of a page.
            auto_reload=False,
        )
        self.templates.globals.update(site_name=config.name, host=host, slot=slot)
        self.cache = _PageCache(config.cache_seconds)
        self.logins = LoginLimiter(config.login_limits)

    def render(self, template: str, **context: Any) -> bytes:
        html = self.templates.get_template(template).render(nonce=_NONCE_SLOT, **context)
        return html.encode("utf-8")


def wants_json(request: Request) -> bool:
    return request.url.path.endswith(".json")


def html_response(
    body: bytes,
    status: int = 200,
    headers: dict[str, str] | None = None,
    *,
    remote_images: bool = True,
) -> Response:
    """A page with a fresh nonce in its body and in its Content-Security-Policy."""
    nonce = secrets.token_urlsafe(16)
    response = Response(
        body.replace(_NONCE_SLOT.encode(), nonce.encode()),
        status_code=status,
        media_type="text/html; charset=utf-8",
        headers=headers,
    )
    response.headers["content-security-policy"] = page_csp(nonce, remote_images)
    return response


def page_response(
    site: Site,
    request: Request,
    body: bytes,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """A rendered page answered to ``request``: its reader's slots filled in
    (``nutgraf.web.personal``), a fresh nonce, and the CSRF cookie its forms need."""
    body, csrf = fill_slots(site, request, body)
    response = html_response(body, status, headers, remote_images=site.config.remote_images)
    if csrf is not None:
        set_csrf_cookie(response, request, csrf)
    return response


def json_response(data: Any, status: int = 200) -> Response:
    return Response(json_bytes(data), status_code=status, media_type="application/json")


def json_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


ViewCall = Callable[[Site, Request], views.Page]
# Makes a cached JSON body the reader's own (None: it stays the shared one).
PersonalJson = Callable[[Request, bytes], Response | None]


def page_endpoint(
    view: ViewCall, *, blocking: bool = False, personal_json: PersonalJson | None = None
) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint serving ``view`` as HTML, or as JSON at the ``.json`` address.

    A view that reads a few rows by key renders in well under a millisecond, less than a
    trip to the thread pool costs (a third more CPU a page), so it runs on the event loop:
    the article page among them, as every article is bounded (at ingest, and when read
    from a row stored before that, ``rows.read_blocks``). A ``blocking`` one runs in the
    thread pool instead: search, whose cost depends on the words, and the group and story
    pages, which read several articles.
    """

    async def endpoint(request: Request) -> Response:
        site: Site = request.app.state.site
        as_json = wants_json(request)
        key = _cache_key(request)
        cached = site.cache.get(key)
        if cached is None:
            if blocking:
                body, media = await run_in_threadpool(_build, site, view, request, as_json)
            else:
                body, media = _build(site, view, request, as_json)
            site.cache.put(key, body, media)
            cached = (body, media)
        body, media = cached
        if media == "application/json":
            own = personal_json(request, body) if personal_json is not None else None
            return own or Response(body, media_type="application/json")
        return page_response(site, request, body)

    return endpoint


# The query parameters views read; others (tracking tags, cache busters) do not make a page
# different, so they neither miss the cache nor crowd it.
PAGE_PARAMETERS = ("q", "page", "from")


def _cache_key(request: Request) -> str:
    params = request.query_params
    # Encoded, so a value holding "&" or "=" (q=said%26page%3D2) cannot spell another key.
    kept = urlencode([(name, params[name]) for name in PAGE_PARAMETERS if name in params])
    return f"{request.url.path}?{kept}"


def _build(site: Site, view: ViewCall, request: Request, as_json: bool) -> tuple[bytes, str]:
    page = view(site, request)
    if as_json:
        return json_bytes(page.data()), "application/json"
    context = {**page.context(), "title": page.title}
    return site.render(page.template, **context), "text/html"


def _int_param(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise views.BadRequest(f"{name} must be a whole number, not {raw!r}") from None


def _home(site: Site, request: Request) -> views.Page:
    return views.home(site.store, _int_param(request, "page", 1), images=site.config.remote_images)


def _article(site: Site, request: Request) -> views.Page:
    within = request.query_params.get("from") == "source"
    return views.article(
        site.store,
        int(request.path_params["id"]),
        within_source=within,
        images=site.config.remote_images,
    )


def _sources(site: Site, request: Request) -> views.Page:
    return views.sources(site.store)


def _source(site: Site, request: Request) -> views.Page:
    return views.source(
        site.store,
        request.path_params["slug"],
        _int_param(request, "page", 1),
        images=site.config.remote_images,
    )


def _search(site: Site, request: Request) -> views.Page:
    query = request.query_params.get("q", "")
    if len(query) > MAX_QUERY_CHARS:
        raise views.BadRequest(f"the search query is over {MAX_QUERY_CHARS} characters; shorten it")
    return views.search(
        site.store, query, _int_param(request, "page", 1), images=site.config.remote_images
    )


def _group(site: Site, request: Request) -> views.Page:
    return views.group(site.store, int(request.path_params["id"]))


def _stories(site: Site, request: Request) -> views.Page:
    return views.stories(site.store, _int_param(request, "page", 1))


def _story(site: Site, request: Request) -> views.Page:
    return views.story(site.store, int(request.path_params["id"]), images=site.config.remote_images)


def _feed_endpoint(kind: str, per_source: bool) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        site: Site = request.app.state.site
        # Feeds hold absolute links: from base_url when set, else from the Host header,
        # cached per host then, so a request with another Host cannot serve its links to
        # every reader.
        base = site.config.base_url or str(request.base_url)
        key = f"{base}{request.url.path}"
        cached = site.cache.get(key)
        if cached is None:
            slug = request.path_params.get("slug") if per_source else None
            story = request.path_params.get("id")
            build = partial(atom_feed if kind == "atom" else rss_feed, story=story)
            body = await run_in_threadpool(build, site.store, base, site.config.name, slug)
            media = "application/atom+xml" if kind == "atom" else "application/rss+xml"
            site.cache.put(key, body, media)
            cached = (body, media)
        return Response(cached[0], media_type=cached[1] + "; charset=utf-8")

    return endpoint


async def _openapi(request: Request) -> Response:
    return JSONResponse(openapi_document(request.app.state.site.config.name))


async def _health(request: Request) -> Response:
    return json_response({"status": "ok"})


class _IdConvertor(Convertor[int]):
    """A row id in a path: 1 to 18 digits, so it fits SQLite's and PostgreSQL's 64-bit
    integers; a longer number matches no route and is a 404, not an overflow."""

    regex = "[0-9]{1,18}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("rowid", _IdConvertor())


class _StaticFiles(StaticFiles):
    """The package's static files; a path the file system cannot name (a NUL byte, one too
    long) is not there, rather than a server error."""

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        if "\x00" in path or len(path) > MAX_STATIC_PATH:
            return "", None
        try:
            return super().lookup_path(path)
        except (ValueError, OSError):
            return "", None


def _twins(
    path: str,
    view: ViewCall,
    name: str,
    *,
    blocking: bool = False,
    personal_json: PersonalJson | None = None,
) -> list[BaseRoute]:
    endpoint = page_endpoint(view, blocking=blocking, personal_json=personal_json)
    json_path = "/index.json" if path == "/" else f"{path}.json"
    # The twin goes first: "/sources/{slug}" would also match "/sources/x.test.json".
    return [
        Route(json_path, endpoint, name=f"{name}_json"),
        Route(path, endpoint, name=name),
    ]


def routes() -> list[BaseRoute]:
    from nutgraf.web.admin import admin_routes
    from nutgraf.web.reading import article_json, reading_routes

    return [
        *_twins("/", _home, "home"),
        *_twins("/articles/{id:rowid}", _article, "article", personal_json=article_json),
        *_twins("/sources", _sources, "sources"),
        *_twins("/sources/{slug}", _source, "source"),
        *_twins("/search", _search, "search", blocking=True),
        *_twins("/groups/{id:rowid}", _group, "group", blocking=True),
        *_twins("/stories", _stories, "stories"),
        *_twins("/stories/{id:rowid}", _story, "story", blocking=True),
        Route("/feed.rss", _feed_endpoint("rss", False), name="feed_rss"),
        Route("/feed.atom", _feed_endpoint("atom", False), name="feed_atom"),
        Route("/sources/{slug}/feed.rss", _feed_endpoint("rss", True), name="source_rss"),
        Route("/sources/{slug}/feed.atom", _feed_endpoint("atom", True), name="source_atom"),
        Route("/stories/{id:rowid}/feed.rss", _feed_endpoint("rss", False), name="story_rss"),
        Route("/stories/{id:rowid}/feed.atom", _feed_endpoint("atom", False), name="story_atom"),
        Route("/openapi.json", _openapi, name="openapi"),
        Route("/healthz", _health, name="health"),
        *admin_routes(),
        *reading_routes(),
        Mount("/static", _StaticFiles(packages=[("nutgraf.web", "static")]), name="static"),
    ]


def _error(request: Request, status: int, message: str) -> Response:
    if wants_json(request) or request.url.path.startswith("/openapi"):
        return json_response({"error": {"status": status, "message": message}}, status)
    site: Site = request.app.state.site
    body = site.render(
        "error.html", title=f"Error {status}", status=status, message=message, request=request
    )
    return page_response(site, request, body, status)


async def _not_found(request: Request, exc: Exception) -> Response:
    return _error(request, 404, str(exc) if str(exc) else "there is no page at this address")


async def _bad_request(request: Request, exc: Exception) -> Response:
    return _error(request, 400, str(exc))


async def _unavailable(request: Request, exc: Exception) -> Response:
    log.error("archive unavailable: %s", exc)
    return _error(request, 503, f"the archive cannot be read now: {exc}")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = {
        404: "there is no page at this address",
        405: "this address does not take that method",
    }.get(exc.status_code, str(exc.detail))
    return _error(request, exc.status_code, message)


async def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("error serving %s", request.url.path)
    response = _error(request, 500, "the server failed to answer; the error is in its log")
    # Starlette sends this one from outside every middleware, SecurityHeaders included.
    for name, value in (*SECURITY_HEADERS, (b"content-security-policy", STATIC_CSP.encode())):
        response.headers.setdefault(name.decode(), value.decode())
    return response


class SecurityHeaders:
    """Headers every response carries; pages set their own nonce-based CSP."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name for name, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in names)
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", STATIC_CSP.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(store: Store, config: SiteConfig | None = None) -> Starlette:
    """The site over ``store``. The caller owns the store and closes it."""
    app = Starlette(
        routes=routes(),
        exception_handlers={
            views.NotFound: _not_found,
            views.BadRequest: _bad_request,
            InputError: _bad_request,
            NutgrafError: _unavailable,
            HTTPException: _http_error,
            Exception: _server_error,
        },
    )
    config = config or SiteConfig()
    app.state.site = Site(store, config)
    app.add_middleware(AllowedHosts, allowed=config.allowed_hosts)
    app.add_middleware(SecurityHeaders)
    return app
