"""The Fever API at ``/api/fever`` (and ``/api/fever/``), for apps such as Reeder, Fiery
Feeds, Unread or ReadKit: the published API (feedafever.com/api, version 3), answered as
FreshRSS and Miniflux answer it.

Each request is ``POST /api/fever?api`` with the form field ``api_key``, md5("name:API
password") in hex, which the user's API password set (``nutgraf users api-password``); the
key is also read from the query string, as some apps send it. A missing or unknown key
answers ``{"api_version": 3, "auth": 0}`` and nothing else, with HTTP 200 as Fever,
FreshRSS and Miniflux do (apps read ``auth``). Failures count against the client with the
site's sign-ins (``nutgraf.web.ratelimit``): past the limit every key waits, the right one
too (429, Retry-After). A user without an API password has no key. ``?api=xml`` is refused
(400): this server speaks JSON only.

Lists (``groups``, ``feeds``, ``favicons``, ``items``, ``links``, ``unread_item_ids``,
``saved_item_ids``) and marks (``mark=item|feed|group``) are described in
``nutgraf.web.fever_json`` and ``nutgraf.web.fever_params``, and in docs/fever.md. A mark
answers with the reader's ``unread_item_ids`` (``saved_item_ids`` for saved and unsaved),
and the site's counts follow at once. A request the API cannot take (a number that is not
one, a body over 16 kB) is one JSON error, ``{"api_version": 3, "auth": 0|1, "error":
{"status": N, "message": "..."}}``, never a page.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from functools import lru_cache
from importlib.resources import files
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from nutgraf.errors import NutgrafError
from nutgraf.store.base import FeedState, Store
from nutgraf.store.fever import ITEMS_PAGE
from nutgraf.store.records import User
from nutgraf.web import reading_slots
from nutgraf.web.fever_json import (
    API_VERSION,
    favicon_json,
    feeds_groups_json,
    feeds_json,
    group_id,
    groups_json,
    id_list,
    item_json,
    last_refreshed,
    link_json,
)
from nutgraf.web.fever_params import LINKS_PAGE, BadCall, FeverCall, Mark, parse_call
from nutgraf.web.forms import FormTooLarge, read_form
from nutgraf.web.ratelimit import client_key, retry_after
from nutgraf.web.site import Site, json_bytes
from nutgraf.web.views import BadRequest

__all__ = ["fever_routes"]

MAX_BODY_BYTES = 16_384
MAX_FIELDS = 32
MAX_QUERY_BYTES = 4096
_KEY = re.compile(r"[0-9a-f]{32}")
_ISO = "%Y-%m-%dT%H:%M:%SZ"
_LATEST = 253_402_300_799  # 9999-12-31T23:59:59Z: a later ``before`` is read as this
_DAY = 86_400
_PRIVATE = {"cache-control": "private, no-store"}


def _site(request: Request) -> Site:
    return request.app.state.site  # type: ignore[no-any-return]


def _answer(data: dict[str, Any], status: int = 200) -> Response:
    return Response(json_bytes(data), status, _PRIVATE, "application/json")


def _error(status: int, message: str, *, auth: int = 0) -> Response:
    return _answer(
        {"api_version": API_VERSION, "auth": auth, "error": {"status": status, "message": message}},
        status,
    )


async def fever(request: Request) -> Response:
    site = _site(request)
    if len(request.scope.get("query_string", b"")) > MAX_QUERY_BYTES:
        return _error(400, f"the query string is over {MAX_QUERY_BYTES:,} bytes")
    try:
        form = (
            await read_form(request, max_bytes=MAX_BODY_BYTES, max_fields=MAX_FIELDS)
            if request.method == "POST"
            else {}
        )
    except FormTooLarge as error:
        return _error(413, str(error))
    except BadRequest as error:
        return _error(400, str(error))
    fields = {**dict(request.query_params), **form}
    client = client_key(request.client.host if request.client else None)
    wait = site.logins.wait(client)
    if wait > 0:  # refused before looking: past the limit the right key waits too
        response = _error(429, "too many wrong API keys; try again later")
        response.headers["retry-after"] = retry_after(wait)
        return response
    key = fields.get("api_key", "").strip().lower()
    try:
        user = await run_in_threadpool(_user, site.store, key)
    except NutgrafError as error:  # the archive cannot be read
        return _error(503, str(error))
    if user is None:
        if key:
            site.logins.fail(client)
        return _answer({"api_version": API_VERSION, "auth": 0})
    site.logins.succeed(client)
    try:
        call = parse_call(fields)
    except BadCall as error:
        return _error(400, str(error), auth=1)
    base = (site.config.base_url or str(request.base_url)).rstrip("/")
    try:
        data = await run_in_threadpool(answer, site, user.name, call, base)
    except NutgrafError as error:  # the archive is read-only, or cannot be reached
        return _error(503, str(error), auth=1)
    return _answer(data)


def _user(store: Store, key: str) -> User | None:
    """The user whose Fever key is ``key`` (md5 in lower-case hex); None for any other."""
    if not _KEY.fullmatch(key):
        return None
    return store.user_by_fever_key(key)


def answer(site: Site, user: str, call: FeverCall, base_url: str) -> dict[str, Any]:
    """The authenticated answer to ``call`` for ``user``: the mark first, then the lists."""
    store = site.store
    feeds = store.feeds()
    data: dict[str, Any] = {
        "api_version": API_VERSION,
        "auth": 1,
        "last_refreshed_on_time": last_refreshed(feeds),
    }
    asked = set(call.asked)
    if call.mark is not None:
        _mark(store, user, call.mark, feeds)
        reading_slots.forget_counts(store, user)
        asked.add(
            "saved_item_ids" if call.mark.mark_as in ("saved", "unsaved") else "unread_item_ids"
        )
    if "groups" in asked:
        data["groups"] = groups_json(feeds)
    if "groups" in asked or "feeds" in asked:
        data["feeds_groups"] = feeds_groups_json(feeds)
    if "feeds" in asked:
        data["feeds"] = feeds_json(feeds)
    if "favicons" in asked:
        data["favicons"] = [favicon_json(_favicon())]
    feed_ids = {f.url: f.id for f in feeds}
    if "items" in asked:
        page = call.items
        found = store.articles_by_id(
            since_id=page.since_id,
            max_id=page.max_id,
            with_ids=list(page.with_ids) if page.with_ids is not None else None,
            limit=ITEMS_PAGE,
        )
        marks = store.article_marks(user, [a.stored.id for a in found])
        images = site.config.remote_images
        data["total_items"] = store.count()
        data["items"] = [item_json(a, marks, feed_ids, images=images) for a in found]
    if "links" in asked:
        data["links"] = _links(store, user, call, feed_ids, base_url)
    if "unread_item_ids" in asked:
        data["unread_item_ids"] = id_list(store.unread_ids(user))
    if "saved_item_ids" in asked:
        data["saved_item_ids"] = id_list(store.starred_ids(user))
    return data


def _links(
    store: Store, user: str, call: FeverCall, feed_ids: dict[str, int], base_url: str
) -> list[dict[str, Any]]:
    window = call.links
    now = int(time.time())
    until = now - window.offset * _DAY
    since = until - window.range * _DAY
    stories = store.hot_stories(
        _iso(since), _iso(until), limit=LINKS_PAGE, offset=(window.page - 1) * LINKS_PAGE
    )
    marks = store.article_marks(user, [s.articles[0] for s in stories])
    return [
        link_json(
            s, marks, feed_ids, base_url=base_url, now=until, window_seconds=window.range * _DAY
        )
        for s in stories
    ]


def _mark(store: Store, user: str, mark: Mark, feeds: list[FeedState]) -> None:
    """Make ``mark``; an id that names nothing marks nothing, as in Fever."""
    if mark.kind == "item":
        if mark.mark_as in ("read", "unread"):
            store.set_read(user, [mark.id], mark.mark_as == "read")
        else:
            store.set_starred(user, mark.id, mark.mark_as == "saved", _iso(int(time.time())))
        return
    # "before": items created (sorted) before that moment; none or 0 is "now" (FreshRSS).
    before = _iso(min(mark.before or int(time.time()), _LATEST))
    if mark.kind == "group" and mark.id == 0:  # Kindling: every item
        store.mark_read_before(user, before)
        return
    if mark.kind == "feed":
        urls = [f.url for f in feeds if f.id == mark.id]
    else:  # a category; -1 (Sparks) names none, as nutgraf has no sparks
        urls = [f.url for f in feeds if f.category and group_id(f.category) == mark.id]
    store.mark_feeds_read(user, urls, before)


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(max(0, seconds), UTC).strftime(_ISO)


@lru_cache(maxsize=1)
def _favicon() -> bytes:
    """The site's own icon (what ``/favicon.ico`` serves)."""
    return files("nutgraf.web").joinpath("static/favicon.svg").read_bytes()


def fever_routes() -> list[BaseRoute]:
    return [
        Route("/api/fever", fever, methods=["GET", "POST"], name="fever"),
        Route("/api/fever/", fever, methods=["GET", "POST"], name="fever_slash"),
    ]
