"""The admin's feeds page: every subscribed feed with its status, and what can be done to one.

``/admin/feeds`` lists each feed (ok, failing or disabled; last error; last and next check;
article count) with forms to edit its title and category, disable, enable or remove it (the
articles too, when asked), to import an OPML list (a file or pasted text), and a link to
export them all (``/admin/feeds.opml``). ``/admin/feeds.json`` is the list for automation.

Access is the admin pages' (``nutgraf.web.admin``): an admin-token session, or a loopback
server without a token. The JSON list and the OPML export also take the admin token as
``Authorization: Bearer TOKEN``. Every form carries the ``csrf`` field and answers with a
redirect back here (post, redirect, get); a refused one answers at once with the reason.

An imported list only subscribes: the poll fetches the feeds (the page never waits on a
hundred sites), and only http(s) addresses are taken, so the server never reads its own files.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from nutgraf.batch.ingest import utc_now
from nutgraf.controls import strip_controls
from nutgraf.errors import InputError, NutgrafError
from nutgraf.ingest.fetch import is_fetchable
from nutgraf.ingest.opml import OpmlFeed, parse_opml
from nutgraf.manage import disable_feed, enable_feed, feeds_opml, remove_feed
from nutgraf.store.base import FeedState, Store
from nutgraf.web.admin import FLASH_COOKIE, _access, _checked_form, _done, _read_flash
from nutgraf.web.categories import clean_category
from nutgraf.web.csrf import csrf_ok, csrf_token, origin_ok
from nutgraf.web.forms import FormTooLarge, read_upload
from nutgraf.web.ratelimit import client_key, retry_after
from nutgraf.web.site import Site, error_response, json_response, page_response

__all__ = [
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_FEEDS",
    "FeedRow",
    "Imported",
    "feed_rows",
    "feeds_admin_routes",
    "import_feeds",
]

FEEDS_PAGE = "/admin/feeds"
MAX_IMPORT_BYTES = 1024 * 1024  # an OPML list of thousands of feeds is a few hundred kB
MAX_IMPORT_FEEDS = 5000
MAX_TITLE_CHARS = 300
MAX_URL_CHARS = 2000
MAX_TOKEN_CHARS = 1000  # a Bearer value longer than this is no admin token

Status = Literal["ok", "failing", "disabled"]


@dataclass(frozen=True, slots=True)
class FeedRow:
    """A feed as the page lists it."""

    feed: FeedState
    status: Status
    articles: int


@dataclass(frozen=True, slots=True)
class Imported:
    """What importing a list did: feeds subscribed, already there, and refused (with why)."""

    subscribed: tuple[str, ...] = ()
    known: tuple[str, ...] = ()
    refused: tuple[tuple[str, str], ...] = ()

    def message(self) -> str:
        new = len(self.subscribed)
        lines = [
            f"subscribed to {new} new feed{'s' if new != 1 else ''} "
            f"({len(self.known)} already subscribed); the next poll fetches them"
        ]
        lines.extend(f"refused: {url}: {why}" for url, why in self.refused)
        return "\n".join(lines)


def feed_status(feed: FeedState) -> Status:
    if feed.disabled_reason:
        return "disabled"
    return "failing" if feed.failures else "ok"


def feed_rows(feeds: Sequence[FeedState], counts: dict[str, int]) -> list[FeedRow]:
    """Every feed with its status and article count, as listed."""
    return [FeedRow(f, feed_status(f), counts.get(f.url, 0)) for f in feeds]


def _row_json(row: FeedRow) -> dict[str, Any]:
    feed = row.feed
    return {
        "id": feed.id,
        "url": feed.url,
        "title": feed.title,
        "site": feed.site,
        "category": feed.category,
        "status": row.status,
        "failures": feed.failures,
        "last_error": feed.last_error,
        "disabled_reason": feed.disabled_reason,
        "last_checked": feed.last_checked,
        "last_success": feed.last_success,
        "next_check": feed.next_check,
        "articles": row.articles,
    }


def _rows(store: Store) -> list[FeedRow]:
    return feed_rows(store.feeds(), store.feed_article_counts())


def import_feeds(store: Store, listed: Sequence[OpmlFeed], now: str) -> Imported:
    """Subscribe to the http(s) feeds of an OPML list, with their titles and categories."""
    subscribed: list[str] = []
    known: list[str] = []
    refused: list[tuple[str, str]] = []
    for outline in listed[:MAX_IMPORT_FEEDS]:
        url = outline.url
        if len(url) > MAX_URL_CHARS or not is_fetchable(url):
            refused.append((strip_controls(url)[:200], "not an http(s) address"))
            continue
        try:
            category = clean_category(outline.category)
        except InputError as error:
            refused.append((url, str(error)))
            continue
        title = (strip_controls(outline.title) or "")[:MAX_TITLE_CHARS] or None
        site = outline.site if outline.site and len(outline.site) <= MAX_URL_CHARS else None
        _, created = store.add_feed(url, title=title, site=site, category=category, now=now)
        (subscribed if created else known).append(url)
    if len(listed) > MAX_IMPORT_FEEDS:
        refused.append((f"{len(listed) - MAX_IMPORT_FEEDS} more", f"over {MAX_IMPORT_FEEDS} feeds"))
    return Imported(tuple(subscribed), tuple(known), tuple(refused))


Bearer = Literal["none", "right", "wrong", "wait"]


def _bearer(request: Request) -> tuple[Bearer, float]:
    """Whether the request carries the admin token as ``Authorization: Bearer``: "none" (no
    such header, or no token set), "right", "wrong", or "wait" (this client failed too often:
    refused before comparing, as a sign-in is), with the seconds to wait."""
    site: Site = request.app.state.site
    token = site.config.admin_token
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if not token or scheme.lower() != "bearer":
        return "none", 0.0
    client = client_key(request.client.host if request.client else None)
    wait = site.logins.wait(client)
    if wait > 0:
        return "wait", wait
    if len(given) <= MAX_TOKEN_CHARS and hmac.compare_digest(
        given.strip().encode(), token.encode()
    ):
        return "right", 0.0
    site.logins.fail(client)
    return "wrong", 0.0


def _render(request: Request, status: int = 200, **context: object) -> Response:
    site: Site = request.app.state.site
    csrf = csrf_token(request)
    body = site.render(
        "admin_feeds.html",
        title="Feeds",
        csrf=csrf,
        request=request,
        rows=_rows(site.store),
        **context,
    )
    return page_response(site, request, body, status, headers={"cache-control": "no-store"})


def _refused(request: Request, as_json: bool) -> Response | None:
    """None when the request may see the feeds; else the answer refusing it."""
    access = _access(request)
    if access == "open":
        return None
    bearer, wait = _bearer(request) if as_json else ("none", 0.0)
    if bearer == "right":
        return None
    status, message = (
        (429, "too many failed sign-ins; try again later")
        if bearer == "wait"
        else (401, "sign in first: open /admin with the admin token, or send it as a Bearer token")
        if access == "login"
        else (403, "the admin pages are off on this server (no admin token, not on loopback)")
    )
    if as_json:
        response = json_response({"error": {"status": status, "message": message}}, status)
        if bearer == "wait":
            response.headers["retry-after"] = retry_after(wait)
        return response
    if access == "login":
        return RedirectResponse("/admin", status_code=303)
    return error_response(request, status, message)


async def feeds_page(request: Request) -> Response:
    as_json = request.scope["path"].endswith(".json")
    refused = _refused(request, as_json)
    if refused is not None:
        return refused
    site: Site = request.app.state.site
    if as_json:
        rows = await run_in_threadpool(_rows, site.store)
        response = json_response({"feeds": [_row_json(r) for r in rows]})
        response.headers["cache-control"] = "no-store"
        return response
    message = _read_flash(request.cookies.get(FLASH_COOKIE, ""))
    response = await run_in_threadpool(_render, request, 200, message=message)
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path="/admin")
    return response


async def export_opml(request: Request) -> Response:
    refused = _refused(request, True)
    if refused is not None:
        return refused
    return await opml_download(request.app.state.site, "no-store")


async def opml_download(site: Site, cache_control: str) -> Response:
    """The site's feeds as an OPML file to download (the admin's and the apps' export)."""
    feeds = await run_in_threadpool(site.store.feeds)
    return Response(
        feeds_opml(feeds, f"{site.config.name} feeds"),
        media_type="text/x-opml; charset=utf-8",
        headers={
            "content-disposition": 'attachment; filename="nutgraf-feeds.opml"',
            "cache-control": cache_control,
        },
    )


FeedAction = Callable[[Store, FeedState, dict[str, str]], str]


def _feed_action(work: FeedAction) -> Callable[[Request], Awaitable[Response]]:
    """A form on one feed: refuse unless allowed, find the feed, run ``work``, say what
    happened."""

    async def handler(request: Request) -> Response:
        if _access(request) != "open":
            return _refused(request, False) or _render(request, 403, error="sign in first")
        fields = await _checked_form(request)
        if isinstance(fields, Response):
            return fields
        site: Site = request.app.state.site
        feed_id = int(request.path_params["id"])

        def run() -> str:
            found = next((f for f in site.store.feeds() if f.id == feed_id), None)
            if found is None:
                raise LookupError(f"there is no feed {feed_id}; it may have been removed")
            return work(site.store, found, fields)

        try:
            message = await run_in_threadpool(run)
        except LookupError as error:
            return _render(request, 404, error=str(error.args[0]))
        except NutgrafError as error:
            return _render(request, 400, error=str(error), sent={"feed": feed_id, **fields})
        finally:
            site.cache.clear()
        return _done(message, FEEDS_PAGE)

    return handler


def _name(feed: FeedState) -> str:
    return feed.title or feed.url


def _edit(store: Store, feed: FeedState, fields: dict[str, str]) -> str:
    title = strip_controls(fields.get("title", "")).strip()
    if len(title) > MAX_TITLE_CHARS:
        raise InputError(f"a title is at most {MAX_TITLE_CHARS} characters; shorten it")
    category = clean_category(fields.get("category", ""))
    changed = store.edit_feed(feed.id, title or None, category)
    if changed is None:
        raise LookupError(f"there is no feed {feed.id}; it may have been removed")
    where = f"in {changed.category}" if changed.category else "in no category"
    return f"saved {_name(changed)}: {where}"


def _disable(store: Store, feed: FeedState, fields: dict[str, str]) -> str:
    return f"disabled {_name(disable_feed(store, feed.url))}: it is not polled until enabled"


def _enable(store: Store, feed: FeedState, fields: dict[str, str]) -> str:
    return f"enabled {_name(enable_feed(store, feed.url))}: it is polled from now"


def _remove(store: Store, feed: FeedState, fields: dict[str, str]) -> str:
    with_articles = fields.get("with_articles", "") not in ("", "0")
    state, deletion = remove_feed(store, feed.url, with_articles=with_articles)
    if not with_articles:
        return f"removed {_name(state)}; its articles stay"
    count = len(deletion.deleted)
    return f"removed {_name(state)} and deleted its {count} article{'s' if count != 1 else ''}"


async def _upload_fields(request: Request) -> tuple[dict[str, str], bytes] | Response:
    """The import form's text fields and its list's bytes (the file, else the pasted
    text), when the request may act; else the response refusing it."""
    site: Site = request.app.state.site
    if not origin_ok(request, site.config.allowed_hosts):
        return _render(request, 403, error="refused: the form was posted from another site")
    over = f"the OPML list is over {MAX_IMPORT_BYTES // 1024} kB; split it"
    try:
        fields, data = await read_upload(
            request, max_bytes=MAX_IMPORT_BYTES + 64 * 1024, max_fields=5, file_field="file"
        )
    except FormTooLarge:
        return _render(request, 413, error=over)
    if not csrf_ok(request, fields):
        return _render(request, 403, error="refused: the form has expired; reload the page")
    if not data.strip():
        data = fields.get("text", "").encode("utf-8")
    if len(data) > MAX_IMPORT_BYTES:
        return _render(request, 413, error=over)
    if not data.strip():
        return _render(request, 400, error="give an OPML list: choose its file or paste it")
    return fields, data


async def import_opml(request: Request) -> Response:
    if _access(request) != "open":
        return _refused(request, False) or _render(request, 403, error="sign in first")
    checked = await _upload_fields(request)
    if isinstance(checked, Response):
        return checked
    fields, data = checked
    site: Site = request.app.state.site
    sent = {"text": fields.get("text", "")}

    def run() -> Imported:
        return import_feeds(site.store, parse_opml(data), utc_now())

    try:
        imported = await run_in_threadpool(run)
    except NutgrafError as error:
        return _render(request, 400, error=str(error), sent=sent)
    finally:
        site.cache.clear()
    return _done(imported.message(), FEEDS_PAGE)


def feeds_admin_routes() -> list[BaseRoute]:
    one = "/admin/feeds/{id:rowid}"
    return [
        Route("/admin/feeds.json", feeds_page, methods=["GET"], name="admin_feeds_json"),
        Route("/admin/feeds.opml", export_opml, methods=["GET"], name="admin_feeds_opml"),
        Route(FEEDS_PAGE, feeds_page, methods=["GET"], name="admin_feeds"),
        Route("/admin/feeds/import", import_opml, methods=["POST"], name="admin_feeds_import"),
        Route(f"{one}/edit", _feed_action(_edit), methods=["POST"], name="admin_feed_edit"),
        Route(f"{one}/disable", _feed_action(_disable), methods=["POST"], name="admin_feed_off"),
        Route(f"{one}/enable", _feed_action(_enable), methods=["POST"], name="admin_feed_on"),
        Route(f"{one}/remove", _feed_action(_remove), methods=["POST"], name="admin_feed_remove"),
    ]
