"""The reading site as an ASGI app (Starlette): its routes, error pages and security headers.

The site's state and responses are in ``nutgraf.web.site``, page endpoints and their JSON
twins in ``nutgraf.web.endpoints``; each area adds its own routes (admin, accounts...).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from importlib.resources import files

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nutgraf.errors import InputError, NutgrafError
from nutgraf.store.base import Store
from nutgraf.store.query import MAX_QUERY_CHARS
from nutgraf.web import reading_slots, views
from nutgraf.web.accounts import account_routes
from nutgraf.web.admin import admin_routes
from nutgraf.web.categories import category_routes
from nutgraf.web.endpoints import int_param, twins
from nutgraf.web.feeds import atom_feed, rss_feed
from nutgraf.web.feeds_admin import feeds_admin_routes
from nutgraf.web.fever import fever_routes
from nutgraf.web.forms import FormTooLarge
from nutgraf.web.greader import greader_routes
from nutgraf.web.hosts import AllowedHosts
from nutgraf.web.openapi import openapi_document
from nutgraf.web.privacy import PrivateSite
from nutgraf.web.reading import article_json, reading_routes
from nutgraf.web.site import (
    MAX_STATIC_PATH,
    SECURITY_HEADERS,
    STATIC_CSP,
    Site,
    SiteConfig,
    error_response,
    json_response,
)

__all__ = ["Site", "SiteConfig", "create_app", "routes"]

log = logging.getLogger("nutgraf.web")


def _home(site: Site, request: Request) -> views.Page:
    return views.home(site.store, int_param(request, "page", 1), images=site.config.remote_images)


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
        int_param(request, "page", 1),
        images=site.config.remote_images,
    )


def _search(site: Site, request: Request) -> views.Page:
    query = request.query_params.get("q", "")
    if len(query) > MAX_QUERY_CHARS:
        raise views.BadRequest(f"the search query is over {MAX_QUERY_CHARS} characters; shorten it")
    return views.search(
        site.store, query, int_param(request, "page", 1), images=site.config.remote_images
    )


def _group(site: Site, request: Request) -> views.Page:
    return views.group(site.store, int(request.path_params["id"]))


def _stories(site: Site, request: Request) -> views.Page:
    return views.stories(site.store, int_param(request, "page", 1))


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


FAVICON = files("nutgraf.web").joinpath("static/favicon.svg")


async def _favicon(request: Request) -> Response:
    """The site's icon at the address browsers ask by default (an SVG: they all read it)."""
    return Response(
        FAVICON.read_bytes(),
        media_type="image/svg+xml",
        headers={"cache-control": "public, max-age=86400"},
    )


async def _health(request: Request) -> Response:
    return json_response({"status": "ok"})


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


def routes() -> list[BaseRoute]:
    return [
        *twins("/", _home, "home", listing=True),
        *twins("/articles/{id:rowid}", _article, "article", personal_json=article_json),
        *twins("/sources", _sources, "sources"),
        *twins("/sources/{slug}", _source, "source", listing=True),
        *twins("/search", _search, "search", blocking=True, listing=True),
        *twins("/groups/{id:rowid}", _group, "group", blocking=True),
        *twins("/stories", _stories, "stories"),
        *twins("/stories/{id:rowid}", _story, "story", blocking=True),
        *category_routes(),
        Route("/feed.rss", _feed_endpoint("rss", False), name="feed_rss"),
        Route("/feed.atom", _feed_endpoint("atom", False), name="feed_atom"),
        Route("/sources/{slug}/feed.rss", _feed_endpoint("rss", True), name="source_rss"),
        Route("/sources/{slug}/feed.atom", _feed_endpoint("atom", True), name="source_atom"),
        Route("/stories/{id:rowid}/feed.rss", _feed_endpoint("rss", False), name="story_rss"),
        Route("/stories/{id:rowid}/feed.atom", _feed_endpoint("atom", False), name="story_atom"),
        Route("/openapi.json", _openapi, name="openapi"),
        Route("/healthz", _health, name="health"),
        *feeds_admin_routes(),
        *account_routes(),
        *admin_routes(),
        Route("/favicon.ico", _favicon, name="favicon"),
        *reading_routes(),
        *fever_routes(),
        *greader_routes(),
        Mount("/static", _StaticFiles(packages=[("nutgraf.web", "static")]), name="static"),
    ]


async def _not_found(request: Request, exc: Exception) -> Response:
    return error_response(
        request, 404, str(exc) if str(exc) else "there is no page at this address"
    )


async def _bad_request(request: Request, exc: Exception) -> Response:
    return error_response(request, 400, str(exc))


async def _too_large(request: Request, exc: Exception) -> Response:
    return error_response(request, 413, str(exc))


async def _unavailable(request: Request, exc: Exception) -> Response:
    log.error("archive unavailable: %s", exc)
    return error_response(request, 503, f"the archive cannot be read now: {exc}")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = {
        404: "there is no page at this address",
        405: "this address does not take that method",
    }.get(exc.status_code, str(exc.detail))
    return error_response(request, exc.status_code, message)


async def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("error serving %s", request.url.path)
    response = error_response(request, 500, "the server failed to answer; the error is in its log")
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
    config = config or SiteConfig()

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        await run_in_threadpool(reading_slots.flush_opened, store)  # before the store closes

    app = Starlette(
        routes=routes(),
        lifespan=lifespan,
        exception_handlers={
            views.NotFound: _not_found,
            FormTooLarge: _too_large,
            views.BadRequest: _bad_request,
            InputError: _bad_request,
            NutgrafError: _unavailable,
            HTTPException: _http_error,
            Exception: _server_error,
        },
    )
    app.state.site = Site(store, config)
    app.add_middleware(PrivateSite)  # inside AllowedHosts: a refused Host is refused first
    app.add_middleware(AllowedHosts, allowed=config.allowed_hosts)
    app.add_middleware(SecurityHeaders)
    return app
