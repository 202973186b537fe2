"""The reading half of the API: who (``user-info``, ``token``), what there is
(``subscription/list``, ``tag/list``, ``unread-count``), the streams' pages
(``stream/contents``, ``stream/items/ids``, ``stream/items/contents``, ``reader/atom``) and the
reader's marks (``edit-tag``, ``mark-all-as-read``).

A page reads the archive in a handful of queries whatever its size: the page's ids
(``Store.stream_items``, a walk of the time index), the articles, their marks and labels, the
feeds and the reader's settings. ``n`` is capped (``MAX_CONTENTS`` items of contents,
``MAX_IDS`` ids), never refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from nutgraf.store.base import FeedState, Store
from nutgraf.store.categories import in_category
from nutgraf.web import reading_slots
from nutgraf.web.greader.auth import ApiUser, action_token, api_user, require_action_token
from nutgraf.web.greader.items import (
    STATE,
    Entry,
    article_entry,
    atom_document,
    entry_json,
    story_entry,
)
from nutgraf.web.greader.protocol import (
    ApiError,
    Params,
    json_answer,
    read_params,
    site_of,
    text_answer,
)
from nutgraf.web.greader.streams import (
    STORIES,
    STORY_BASE,
    PageRequest,
    Stream,
    continuation,
    iso_time,
    page_request,
    parse_item_id,
    parse_stream,
    parse_tag,
    stream_feeds,
    unix_seconds,
)

__all__ = ["MAX_CONTENTS", "MAX_IDS", "category_names", "signed"]

MAX_CONTENTS = 1000
MAX_IDS = 10_000
MAX_ITEMS_ASKED = 1000  # ids one stream/items/contents or edit-tag takes
MAX_STORIES = 100  # stories on one page


async def signed(request: Request) -> tuple[ApiUser, Params]:
    """The request's user and parameters; a POST must carry the ``T`` token."""
    user = api_user(request)
    params = await read_params(request)
    if request.method == "POST":
        require_action_token(user, params)
    return user, params


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _usec(stamp: str | None) -> str:
    return str(unix_seconds(stamp) * 1_000_000)


def category_names(feeds: Sequence[FeedState]) -> list[str]:
    """Every category the feeds are in, and every category those are nested in, by name."""
    names: set[str] = set()
    for feed in feeds:
        if feed.category:
            parts = feed.category.split("/")
            names.update("/".join(parts[:n]) for n in range(1, len(parts) + 1))
    return sorted(names)


# --- who, and what there is -----------------------------------------------------------------


async def token(request: Request) -> Response:
    user, _ = await signed(request)
    return text_answer(action_token(user.token))


async def user_info(request: Request) -> Response:
    user, _ = await signed(request)
    found = await run_in_threadpool(site_of(request).store.user, user.name)
    created = unix_seconds(found.created) if found is not None else 0
    return json_answer(
        {
            "userId": user.name,
            "userName": user.name,
            "userProfileId": user.name,
            "userEmail": "",
            "isBloggerUser": False,
            "signupTimeSec": created,
            "isMultiLoginEnabled": False,
        }
    )


def _subscription(feed: FeedState) -> dict[str, Any]:
    labels = [{"id": f"user/-/label/{feed.category}", "label": feed.category}]
    return {
        "id": f"feed/{feed.url}",
        "title": feed.title or feed.url,
        "categories": labels if feed.category else [],
        "url": feed.url,
        "htmlUrl": feed.site or "",
        "iconUrl": "",
        "firstitemmsec": str(unix_seconds(feed.added) * 1000),
        "sortid": f"{feed.id:08X}",
    }


async def subscription_list(request: Request) -> Response:
    await signed(request)
    feeds = await run_in_threadpool(site_of(request).store.feeds)
    return json_answer({"subscriptions": [_subscription(f) for f in feeds]})


async def tag_list(request: Request) -> Response:
    user, _ = await signed(request)
    store = site_of(request).store

    def read() -> tuple[list[FeedState], list[str]]:
        return store.feeds(), store.reader_label_names(user.name)

    feeds, own = await run_in_threadpool(read)
    folders = category_names(feeds)
    tags: list[dict[str, str]] = [{"id": f"{STATE}starred"}]
    tags.append({"id": f"user/-/label/{STORIES}", "type": "tag"})
    tags.extend({"id": f"user/-/label/{name}", "type": "folder"} for name in folders)
    tags.extend(
        {"id": f"user/-/label/{name}", "type": "tag"}
        for name in own
        if name not in folders and name != STORIES
    )
    return json_answer({"tags": tags})


async def unread_count(request: Request) -> Response:
    user, _ = await signed(request)
    store = site_of(request).store

    def read() -> dict[str, Any]:
        counts = store.unread_by_feed(user.name)
        feeds = store.feeds()
        by_url = {c.feed: c for c in counts if c.feed is not None}
        rows: list[dict[str, Any]] = []
        for feed in feeds:
            found = by_url.get(feed.url)
            if found is not None:
                rows.append(
                    {
                        "id": f"feed/{feed.url}",
                        "count": found.count,
                        "newestItemTimestampUsec": _usec(found.newest),
                    }
                )
        for name in category_names(feeds):
            inside = [
                by_url[f.url] for f in feeds if in_category(f.category, name) and f.url in by_url
            ]
            if inside:
                rows.append(
                    {
                        "id": f"user/-/label/{name}",
                        "count": sum(c.count for c in inside),
                        "newestItemTimestampUsec": _usec(max(c.newest for c in inside)),
                    }
                )
        total = sum(c.count for c in counts)
        newest = max((c.newest for c in counts), default="")
        rows.append(
            {
                "id": f"{STATE}reading-list",
                "count": total,
                "newestItemTimestampUsec": _usec(newest),
            }
        )
        return {"max": total, "unreadcounts": rows}

    return json_answer(await run_in_threadpool(read))


# --- pages of a stream ----------------------------------------------------------------------


def _base(request: Request) -> str:
    return site_of(request).config.base_url or str(request.base_url)


def _article_entries(store: Store, user: str, ids: Sequence[int]) -> list[Entry]:
    """The articles of ``ids`` (those that exist) as items, in that order."""
    found = store.sync_articles(ids)
    if not found:
        return []
    numbers = [a.id for a, _ in found]
    marks = store.sync_marks(user, numbers)
    labels = store.item_labels(user, numbers)
    feeds = {f.url: f for f in store.feeds()}
    summaries = store.reader_settings(user).api_summaries
    return [
        article_entry(
            article,
            sort_time,
            read=marks.get(article.id, (False, False))[0],
            starred=marks.get(article.id, (False, False))[1],
            labels=labels.get(article.id, []),
            feed=feeds.get(article.item.feed) if article.item.feed else None,
            summaries=summaries,
        )
        for article, sort_time in found
    ]


def _story_entries(store: Store, user: str, ids: Sequence[int], base: str) -> list[Entry]:
    entries = []
    for story_id in ids:
        digest = store.story_digest(story_id)
        if digest is None:
            continue
        articles = store.story_articles(story_id)
        marks = store.sync_marks(user, [h.id for h in articles])
        read = bool(marks) and all(read for read, _ in marks.values())
        entries.append(story_entry(digest, articles, read=read, base=base))
    return entries


def _stories_page(
    store: Store, user: str, page: PageRequest, base: str
) -> tuple[list[Entry], str | None]:
    if page.empty or page.filter.starred:
        return [], None
    limit = min(page.filter.limit, MAX_STORIES)
    digests = store.latest_stories(limit=limit, offset=page.story_offset)
    entries = _story_entries(store, user, [d.id for d in digests], base)
    if page.filter.read is not None:
        entries = [e for e in entries if e.read == page.filter.read]
    more = continuation(offset=page.story_offset + limit) if len(digests) == limit else None
    return entries, more


def _page_ids(
    store: Store, user: str, page: PageRequest
) -> tuple[list[tuple[int, str]], str | None]:
    """The ids and sort times of a page of an article stream, and the next page's
    continuation (None: this is the last)."""
    if page.empty:
        return [], None
    stream = page.stream
    own = store.reader_label_names(user) if stream.kind == "label" else []
    feeds, label = stream_feeds(stream, store.feeds() if stream.kind != "all" else [], own)
    wanted = replace(page.filter, feeds=feeds, label=label)
    rows = store.stream_items(user, wanted)
    more = continuation(after=(rows[-1][1], rows[-1][0])) if len(rows) == wanted.limit else None
    return rows, more


def _contents(
    store: Store, user: str, page: PageRequest, base: str
) -> tuple[list[Entry], str | None]:
    if page.stream.kind == "stories":
        return _stories_page(store, user, page, base)
    rows, more = _page_ids(store, user, page)
    return _article_entries(store, user, [i for i, _ in rows]), more


def _stream_of(request: Request, params: Params, default: str | None = None) -> Stream:
    raw = request.path_params.get("stream") or params.get("s") or default
    if not raw:
        raise ApiError(400, "name a stream: s=feed/URL, user/-/label/NAME or user/-/state/...")
    return parse_stream(raw)


def _contents_json(
    stream_id: str, title: str, entries: list[Entry], more: str | None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "direction": "ltr",
        "id": stream_id,
        "title": title,
        "self": [],
        "updated": int(datetime.now(UTC).timestamp()),
        "items": [entry_json(e) for e in entries],
    }
    if more:
        data["continuation"] = more
    return data


async def _stream_page(request: Request) -> tuple[Stream, str, list[Entry], str | None]:
    """The stream a contents call asks for (none: the reading list, as FreshRSS answers
    EasyRSS and FeedMe), its title, and a page of its entries with the continuation."""
    user, params = await signed(request)
    stream = _stream_of(request, params, default=f"{STATE}reading-list")
    page = page_request(stream, params, cap=MAX_CONTENTS)
    store = site_of(request).store
    base = _base(request)

    def read() -> tuple[str, list[Entry], str | None]:
        entries, more = _contents(store, user.name, page, base)
        return _title(stream, store), entries, more

    title, entries, more = await run_in_threadpool(read)
    return stream, title, entries, more


async def stream_contents(request: Request) -> Response:
    stream, title, entries, more = await _stream_page(request)
    return json_answer(_contents_json(stream.id, title, entries, more))


def _title(stream: Stream, store: Store) -> str:
    if stream.kind == "feed":
        found = store.feed(str(stream.feed))
        return (found.title if found is not None else None) or str(stream.feed)
    if stream.label:
        return stream.label
    return {"all": "Reading list", "read": "Read", "starred": "Starred"}.get(stream.kind, "")


async def items_ids(request: Request) -> Response:
    user, params = await signed(request)
    stream = _stream_of(request, params)
    page = page_request(stream, params, cap=MAX_IDS)
    store = site_of(request).store

    def read() -> dict[str, Any]:
        if stream.kind == "stories":
            entries, more = _stories_page(store, user.name, page, _base(request))
            refs = [(e.number, e.crawled * 1_000_000) for e in entries]
        else:
            rows, more = _page_ids(store, user.name, page)
            refs = [(i, unix_seconds(t) * 1_000_000) for i, t in rows]
        data: dict[str, Any] = {
            "itemRefs": [
                {"id": str(number), "directStreamIds": [], "timestampUsec": str(usec)}
                for number, usec in refs
            ]
        }
        if more:
            data["continuation"] = more
        return data

    return json_answer(await run_in_threadpool(read))


def _asked_ids(params: Params) -> list[int]:
    raw = [value for value in params.all("i") if value.strip()]
    if not raw:
        raise ApiError(400, "give the items as i=ID (repeat i for many)")
    # Articles are below STORY_BASE, stories the next 2**40 ids; no other id names anything.
    ids = (parse_item_id(value) for value in raw[:MAX_ITEMS_ASKED])
    return list(dict.fromkeys(i for i in ids if i < 2 * STORY_BASE))


async def items_contents(request: Request) -> Response:
    user, params = await signed(request)
    ids = _asked_ids(params)
    store = site_of(request).store
    base = _base(request)

    def read() -> list[Entry]:
        articles = _article_entries(store, user.name, [i for i in ids if i < STORY_BASE])
        stories = _story_entries(
            store, user.name, [i - STORY_BASE for i in ids if i >= STORY_BASE], base
        )
        by_number = {e.number: e for e in [*articles, *stories]}
        return [by_number[i] for i in ids if i in by_number]

    entries = await run_in_threadpool(read)
    return json_answer(_contents_json(f"{STATE}reading-list", "Reading list", entries, None))


async def atom(request: Request) -> Response:
    stream, title, entries, more = await _stream_page(request)
    body = atom_document(
        stream_id=stream.id,
        title=title,
        self_url=str(request.url),
        entries=entries,
        more=more,
        updated=max((e.updated for e in entries), default=0),
    )
    return Response(
        body,
        media_type="application/atom+xml; charset=utf-8",
        headers={"cache-control": "private, no-store"},
    )


# --- marks ----------------------------------------------------------------------------------


def _edit(store: Store, user: str, ids: list[int], added: list[str], removed: list[str]) -> None:
    articles = [i for i in ids if i < STORY_BASE]
    stories = [i - STORY_BASE for i in ids if i >= STORY_BASE]
    for story in stories[:MAX_STORIES]:  # reading a story reads its articles
        articles.extend(m.id for m in store.story_members(story))
    reading_slots.wait_for_opened(store, user)  # an opened article's write comes first
    for tags, on in ((removed, False), (added, True)):
        for tag in tags:
            kind, name = parse_tag(tag)
            if kind == "label":
                if name != STORIES:
                    store.set_label(user, articles, name, on)
            elif name == "read":
                store.set_read_many(user, articles, on)
            elif name == "kept-unread" and on:
                store.set_read_many(user, articles, False)
            elif name == "starred":
                store.set_starred_many(user, [i for i in ids if i < STORY_BASE], on, _now())
            # Other states (kept-unread taken off, tracking-*, broadcast, like) change nothing.


async def edit_tag(request: Request) -> Response:
    user, params = await signed(request)
    ids = _asked_ids(params)
    added = [t for t in params.all("a") if t.strip()]
    removed = [t for t in params.all("r") if t.strip()]
    for tag in (*added, *removed):
        parse_tag(tag)  # every tag is checked before anything is written
    store = site_of(request).store
    await run_in_threadpool(_edit, store, user.name, ids, added, removed)
    reading_slots.forget_counts(store, user.name)
    return text_answer("OK")


def _timestamp(raw: str | None) -> str | None:
    """``ts`` (Unix time in seconds, milliseconds, microseconds as Google Reader and
    Miniflux take it, or nanoseconds as FreshRSS's greader.php names it)."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    if len(text) > 20 or not text.isdigit():
        raise ApiError(400, f"ts must be a Unix time, not {text[:40]!r}")
    value = int(text)
    units = ((10**17, 10**9), (10**14, 10**6), (10**11, 10**3))  # (above, divisor)
    return iso_time(value // next((unit for above, unit in units if value > above), 1))


def _mark_all(store: Store, user: str, stream: Stream, before: str | None) -> None:
    reading_slots.wait_for_opened(store, user)
    if stream.kind == "all":
        # Everything there is now: the newest article may be dated ahead of the clock.
        newest = [iso_time(unix_seconds(h.sort_time) + 1) for h in store.headlines(limit=1)]
        store.mark_read_before(user, before or max(_now(), *newest))
        return
    if stream.kind == "starred":
        store.mark_stream_read(user, starred=True, before=before)
        return
    if stream.kind in ("feed", "label"):
        own = store.reader_label_names(user) if stream.kind == "label" else []
        feeds, label = stream_feeds(stream, store.feeds(), own)
        if feeds is not None:
            store.mark_stream_read(user, feeds=feeds, before=before)
        if label is not None:
            store.mark_stream_read(user, label=label, before=before)
        return
    raise ApiError(400, f"{stream.id} cannot be marked read at once; mark its items (edit-tag)")


async def mark_all_as_read(request: Request) -> Response:
    user, params = await signed(request)
    stream = _stream_of(request, params)
    before = _timestamp(params.get("ts"))
    store = site_of(request).store
    await run_in_threadpool(_mark_all, store, user.name, stream, before)
    reading_slots.forget_counts(store, user.name)
    return text_answer("OK")
