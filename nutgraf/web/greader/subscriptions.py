"""The subscriptions half of the API: ``subscription/edit``, ``subscription/quickadd``,
``subscription/export`` and ``subscription/import`` (OPML), ``rename-tag`` and
``disable-tag``.

nutgraf has no subscription list per user: its feeds are the site's, and every user sees them
all. Changing them takes an admin user (403 otherwise). A label of feeds is a feed's category
(nested with "/"); ``rename-tag`` and ``disable-tag`` also rename or drop the reader's own
labels on articles, which needs no admin. Subscribing checks the address as the admin's
add-feed does (an http(s) address whose host the fetcher may reach) and then does what it does
(``nutgraf.batch.poll.add_feed``: the feed is fetched and ingested once, its title read).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from nutgraf.batch.ingest import utc_now
from nutgraf.batch.poll import add_feed
from nutgraf.config import load_settings
from nutgraf.controls import strip_controls
from nutgraf.errors import NutgrafError
from nutgraf.ingest.fetch import is_fetchable
from nutgraf.ingest.opml import parse_opml
from nutgraf.manage import remove_feed
from nutgraf.store.base import FeedState, Store
from nutgraf.store.categories import in_category
from nutgraf.web.categories import clean_category
from nutgraf.web.feeds_admin import MAX_IMPORT_BYTES, import_feeds, opml_download
from nutgraf.web.forms import read_upload
from nutgraf.web.greader.auth import ApiUser, api_user, require_action_token
from nutgraf.web.greader.protocol import (
    ApiError,
    Params,
    json_answer,
    query_params,
    site_of,
    text_answer,
)
from nutgraf.web.greader.reading import signed
from nutgraf.web.greader.streams import STORIES, parse_tag

__all__ = [
    "disable_tag",
    "rename_tag",
    "subscription_edit",
    "subscription_export",
    "subscription_import",
    "subscription_quickadd",
]

MAX_URL_CHARS = 2000
MAX_TITLE_CHARS = 300
MAX_EDITED = 100  # feeds one subscription/edit names


def _admin(user: ApiUser) -> None:
    if not user.admin:
        raise ApiError(
            403,
            "only an admin may change the subscriptions: nutgraf's feeds are the whole "
            "site's, and every user reads them all",
        )


def _feed_url(raw: str) -> str:
    """The feed address of ``feed/URL`` (or of a bare URL), when the fetcher may fetch it."""
    url = raw.strip().removeprefix("feed/")
    if len(url) > MAX_URL_CHARS or not is_fetchable(url):
        raise ApiError(400, f"{url[:200]!r} is not an http:// or https:// address")
    return url


def _label(raw: str | None) -> str | None:
    """A category from a label tag (``user/-/label/NAME``), or None for none."""
    if raw is None or not raw.strip():
        return None
    kind, name = parse_tag(raw)
    if kind != "label" or name == STORIES:
        raise ApiError(400, f"{raw[:80]!r} is not a label of feeds: user/-/label/NAME")
    return clean_category(name)


def _title(raw: str | None) -> str | None:
    title = strip_controls(raw or "").strip()
    if len(title) > MAX_TITLE_CHARS:
        raise ApiError(400, f"a title is at most {MAX_TITLE_CHARS} characters")
    return title or None


def _find(store: Store, url: str) -> FeedState:
    found = store.feed(url)
    if found is None:
        raise ApiError(404, f"there is no subscription feed/{url[:200]}")
    return found


def _subscribe(store: Store, url: str, title: str | None, category: str | None) -> FeedState:
    try:
        state, _ = add_feed(store, load_settings(), url, title=title, category=category)
    except NutgrafError as error:
        raise ApiError(400, f"cannot subscribe to {url[:200]}: {error}") from None
    return state


def _edit(store: Store, params: Params) -> None:
    action = (params.get("ac") or "").strip()
    streams = [s for s in params.all("s") if s.strip()][:MAX_EDITED]
    if action not in ("subscribe", "unsubscribe", "edit"):
        raise ApiError(400, "ac must be subscribe, unsubscribe or edit")
    if not streams:
        raise ApiError(400, "name the feed: s=feed/URL")
    title = _title(params.get("t"))
    added, removed = _label(params.get("a")), _label(params.get("r"))
    for stream in streams:
        url = _feed_url(stream)
        if action == "subscribe":
            _subscribe(store, url, title, added)
        elif action == "unsubscribe":
            remove_feed(store, _find(store, url).url)
        else:
            feed = _find(store, url)
            category = feed.category
            if added is not None:
                category = added
            elif removed is not None and category is not None and in_category(category, removed):
                category = None
            store.edit_feed(feed.id, title or feed.title, category)


async def subscription_edit(request: Request) -> Response:
    user, params = await signed(request)
    _admin(user)
    site = site_of(request)
    try:
        await run_in_threadpool(_edit, site.store, params)
    finally:
        site.cache.clear()
    return text_answer("OK")


async def subscription_quickadd(request: Request) -> Response:
    user, params = await signed(request)
    _admin(user)
    url = _feed_url(params.get("quickadd") or "")
    site = site_of(request)
    try:
        state = await run_in_threadpool(_subscribe, site.store, url, None, None)
    except ApiError as error:
        if error.status != 400:
            raise
        return json_answer({"numResults": 0, "query": url, "error": error.message})
    finally:
        site.cache.clear()
    return json_answer(
        {
            "numResults": 1,
            "query": url,
            "streamId": f"feed/{state.url}",
            "streamName": state.title or state.url,
        }
    )


async def subscription_export(request: Request) -> Response:
    await signed(request)
    return await opml_download(site_of(request), "private, no-store")


async def _opml_body(request: Request) -> tuple[dict[str, str], bytes]:
    """The OPML list: the body itself, or the ``file`` of a form; its text fields."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind in ("multipart/form-data", "application/x-www-form-urlencoded"):
        fields, data = await read_upload(
            request, max_bytes=MAX_IMPORT_BYTES + 64 * 1024, max_fields=8, file_field="file"
        )
        return fields, data or fields.get("opml", "").encode("utf-8")
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > MAX_IMPORT_BYTES:
        raise ApiError(413, f"the OPML list is over {MAX_IMPORT_BYTES // 1024} kB; split it")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_IMPORT_BYTES:
            raise ApiError(413, f"the OPML list is over {MAX_IMPORT_BYTES // 1024} kB; split it")
    return {}, bytes(body)


async def subscription_import(request: Request) -> Response:
    user = api_user(request)
    fields, data = await _opml_body(request)
    require_action_token(user, Params(query_params(request).pairs + tuple(fields.items())))
    _admin(user)
    if not data.strip():
        raise ApiError(400, "send the OPML list as the request's body")
    site = site_of(request)

    def run() -> str:
        imported = import_feeds(site.store, parse_opml(data), utc_now())
        return "OK" if not imported.refused else "OK\n" + imported.message()

    try:
        message = await run_in_threadpool(run)
    finally:
        site.cache.clear()
    return text_answer(message)


def _tags(params: Params) -> tuple[str, str | None]:
    kind, name = parse_tag(params.get("s") or params.get("t") or "")
    if kind != "label":
        raise ApiError(400, "s must be a label: user/-/label/NAME")
    if name == STORIES:
        raise ApiError(400, f"{STORIES} is nutgraf's own label; it cannot change")
    dest = params.get("dest")
    if dest is None:
        return name, None
    kind, new = parse_tag(dest)
    if kind != "label" or new == STORIES:
        raise ApiError(400, "dest must be a label: user/-/label/NAME")
    return name, new


def _retag(store: Store, user: ApiUser, old: str, new: str | None) -> None:
    """Rename the label ``old`` (or drop it: ``new`` None) on feeds and on the reader's
    articles; 403 when feeds carry it and the user is no admin, 404 when nothing does."""
    feeds = [f for f in store.feeds() if in_category(f.category, old)]
    own = old in store.reader_label_names(user.name)
    if not feeds and not own:
        raise ApiError(404, f"there is no label {old!r}")
    if feeds:
        _admin(user)
        target = clean_category(new) if new is not None else None
        for feed in feeds:
            category = None
            if target is not None and feed.category is not None:
                category = clean_category(target + feed.category[len(old) :])
            store.edit_feed(feed.id, feed.title, category)
    if own:
        if new is None:
            store.drop_label(user.name, old)
        else:
            store.rename_label(user.name, old, new)


async def rename_tag(request: Request) -> Response:
    user, params = await signed(request)
    old, new = _tags(params)
    if new is None:
        raise ApiError(400, "give the new name: dest=user/-/label/NAME")
    site = site_of(request)
    try:
        await run_in_threadpool(_retag, site.store, user, old, new)
    finally:
        site.cache.clear()
    return text_answer("OK")


async def disable_tag(request: Request) -> Response:
    user, params = await signed(request)
    old, _ = _tags(params)
    site = site_of(request)
    try:
        await run_in_threadpool(_retag, site.store, user, old, None)
    finally:
        site.cache.clear()
    return text_answer("OK")
