"""The protocol's names, read into typed records: item ids, stream ids, and a stream's paging
parameters. Pure: nothing here reads the archive; what a name refers to is given.

Item ids come long (``tag:google.com,2005:reader/item/`` and 16 hex digits) or short (the same
number in decimal, signed 64-bit as Google's were); both are taken everywhere. An article's
id is its archive id; a story's is ``STORY_BASE`` + its id, so the two never meet.

Streams: ``feed/URL``, ``user/-/label/NAME`` (a category of feeds, nested with "/" as
``in_category`` nests them, and the reader's own labels on articles), ``user/-/label/Stories``
(the multi-outlet stories), ``user/-/state/com.google/reading-list``, ``.../read``,
``.../starred``; ``user/-/`` may be ``user/USERID/``.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal

from nutgraf.store.base import FeedState
from nutgraf.store.categories import in_category
from nutgraf.store.records import StreamFilter
from nutgraf.web.greader.protocol import ApiError, Params

__all__ = [
    "LONG_PREFIX",
    "STORIES",
    "STORY_BASE",
    "PageRequest",
    "Stream",
    "continuation",
    "iso_time",
    "long_id",
    "page_request",
    "parse_item_id",
    "parse_stream",
    "parse_tag",
    "stream_feeds",
    "unix_seconds",
]

LONG_PREFIX = "tag:google.com,2005:reader/item/"
STORY_BASE = 2**40
STORIES = "Stories"  # the label of nutgraf's multi-outlet stories
MAX_STREAM_CHARS = 2100  # "feed/" and a feed's URL (2,000 at most) with room
MAX_LABEL_CHARS = 200
MAX_STORY_OFFSET = 10_000
_UNSIGNED = 2**64
_USER = re.compile(r"user/([^/]{1,64})/(state/com\.google|label)/(.+)", re.DOTALL)
_CURSOR = re.compile(r"([0-9T:.+Z-]{10,40})\|([0-9]{1,18})")

Kind = Literal["all", "read", "starred", "unread", "feed", "label", "stories"]


@dataclass(frozen=True, slots=True)
class Stream:
    """A stream: ``kind``, the feed's URL for ``feed``, the label's name for ``label``."""

    kind: Kind
    id: str
    feed: str | None = None
    label: str | None = None


@dataclass(frozen=True, slots=True)
class PageRequest:
    """A page of a stream: the articles' filter, or for the stories the offset to read at;
    ``empty`` when the parameters contradict each other (read and not read)."""

    stream: Stream
    filter: StreamFilter
    story_offset: int = 0
    empty: bool = False


# --- item ids -------------------------------------------------------------------------------


def long_id(number: int) -> str:
    return f"{LONG_PREFIX}{number % _UNSIGNED:016x}"


def parse_item_id(raw: str) -> int:
    """The number of an item id in either form; ApiError 400 for anything else."""
    text = raw.strip()
    try:
        if text.startswith(LONG_PREFIX):
            digits = text.removeprefix(LONG_PREFIX)
            if len(digits) != 16:
                raise ValueError
            return int(digits, 16)
        if len(text) <= 20 and re.fullmatch(r"-?[0-9]+", text):
            number = int(text)
            if -(2**63) <= number < 2**63:
                return number % _UNSIGNED
    except ValueError:
        pass
    raise ApiError(
        400, f"{text[:80]!r} is not an item id: {LONG_PREFIX} and 16 hex digits, or a number"
    )


# --- streams --------------------------------------------------------------------------------


def parse_tag(raw: str) -> tuple[Literal["state", "label"], str]:
    """A tag (``user/-/state/com.google/read``, ``user/-/label/NAME``) as (kind, name)."""
    text = raw.strip()
    found = _USER.fullmatch(text) if len(text) <= MAX_STREAM_CHARS else None
    if found is None:
        raise ApiError(
            400,
            f"{text[:80]!r} is not a tag: user/-/state/com.google/NAME or user/-/label/NAME",
        )
    name = found.group(3)
    if found.group(2) == "label":
        if len(name) > MAX_LABEL_CHARS or not name.strip():
            raise ApiError(400, f"a label is 1 to {MAX_LABEL_CHARS} characters")
        return "label", name
    return "state", name


def parse_stream(raw: str) -> Stream:
    """A stream id as a ``Stream``; ApiError 400 naming the streams there are."""
    text = raw.strip()
    if len(text) > MAX_STREAM_CHARS:
        raise ApiError(400, f"a stream id is at most {MAX_STREAM_CHARS} characters")
    if text.startswith("feed/"):
        return Stream("feed", text, feed=text.removeprefix("feed/"))
    if text.startswith("user/"):
        kind, name = parse_tag(text)
        if kind == "label":
            if name == STORIES:
                return Stream("stories", f"user/-/label/{STORIES}", label=name)
            return Stream("label", f"user/-/label/{name}", label=name)
        states: dict[str, Kind] = {
            "reading-list": "all",
            "read": "read",
            "starred": "starred",
            "kept-unread": "unread",
        }
        if name in states:
            return Stream(states[name], f"user/-/state/com.google/{name}")
    raise ApiError(
        400,
        f"unknown stream {text[:80]!r}: use feed/URL, user/-/label/NAME, "
        "user/-/label/Stories or user/-/state/com.google/reading-list, read or starred",
    )


def stream_feeds(
    stream: Stream, feeds: Sequence[FeedState], labels: Sequence[str]
) -> tuple[tuple[str, ...] | None, str | None]:
    """The feed URLs and the reader's label a stream of kind feed or label covers; ApiError
    404 when there is no such subscription or label."""
    if stream.kind == "feed":
        if not any(f.url == stream.feed for f in feeds):
            raise ApiError(404, f"there is no subscription {stream.id[:200]!r}")
        return (str(stream.feed),), None
    if stream.kind == "label":
        name = str(stream.label)
        urls = tuple(f.url for f in feeds if in_category(f.category, name))
        own = name if name in labels else None
        if not urls and own is None:
            raise ApiError(404, f"there is no label {name!r}")
        return (urls or None), own
    return None, None


# --- paging ---------------------------------------------------------------------------------


def iso_time(seconds: int) -> str:
    """Unix seconds as the archive orders times (clamped to years 1 to 9999)."""
    bounded = max(0, min(seconds, 253_402_300_799))
    return datetime.fromtimestamp(bounded, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def unix_seconds(stamp: str | None) -> int:
    """An archive time (ISO 8601) in Unix seconds; 0 when it cannot be read."""
    if not stamp:
        return 0
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return 0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _number(params: Params, name: str) -> int | None:
    raw = params.get(name)
    if raw is None or raw.strip() == "":
        return None
    text = raw.strip()
    if len(text) > 20 or not re.fullmatch(r"-?[0-9]+", text):
        raise ApiError(400, f"{name} must be a whole number, not {text[:40]!r}")
    return int(text)


def continuation(after: tuple[str, int] | None = None, offset: int | None = None) -> str:
    """The ``continuation`` of a page that ended at ``after`` (sort time, id), or of a
    stories page that ends at ``offset``."""
    if offset is not None:
        return f"s{offset}"
    assert after is not None
    raw = f"{after[0]}|{after[1]}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _cursor(raw: str) -> tuple[str, int]:
    bad = ApiError(400, "c is not a continuation this server gave; start again without it")
    if len(raw) > 80:
        raise bad
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        raise bad from None
    found = _CURSOR.fullmatch(text)
    if found is None:
        raise bad
    return found.group(1), int(found.group(2))


def page_request(stream: Stream, params: Params, *, cap: int, default: int = 20) -> PageRequest:
    """A page of ``stream`` as the parameters ask: ``n`` (capped at ``cap``), ``c``, ``r=o``,
    ``xt``/``it`` (the read and starred states), ``ot``/``nt`` (Unix seconds: as Google
    Reader, FreshRSS and Miniflux take them, ``ot`` is the oldest time wanted, so items
    newer than it, and ``nt`` the newest, so items older than it)."""
    wanted = _number(params, "n")
    limit = max(1, min(cap, default if wanted is None else wanted))
    reads: set[bool] = set()
    stars: set[bool] = set()
    if stream.kind in ("read", "unread"):
        reads.add(stream.kind == "read")
    if stream.kind == "starred":
        stars.add(True)
    for name, include in (("xt", False), ("it", True)):
        for target in params.all(name):
            if not target.strip():
                continue
            kind, state = parse_tag(target)
            if kind == "state" and state == "read":
                reads.add(include)
            elif kind == "state" and state == "kept-unread":
                reads.add(not include)
            elif kind == "state" and state == "starred":
                stars.add(include)
            elif kind == "state" and state == "reading-list" and include:
                continue
            else:
                raise ApiError(
                    400,
                    f"{name} takes user/-/state/com.google/read or .../starred, "
                    f"not {target[:80]!r}",
                )
    newer, older = _number(params, "ot"), _number(params, "nt")
    raw = params.get("c") or ""
    filter_ = StreamFilter(
        read=next(iter(reads)) if len(reads) == 1 else None,
        starred=next(iter(stars)) if len(stars) == 1 else None,
        older=iso_time(older) if older is not None else None,
        newer=iso_time(newer) if newer is not None else None,
        oldest_first=(params.get("r") or "").strip() == "o",
        limit=limit,
    )
    empty = len(reads) > 1 or len(stars) > 1
    if stream.kind == "stories":
        offset = 0
        if raw:
            if not re.fullmatch(r"s[0-9]{1,5}", raw):
                raise ApiError(400, "c is not a continuation this server gave; start again")
            offset = int(raw[1:])
        if offset > MAX_STORY_OFFSET:
            empty = True
        return PageRequest(stream, filter_, story_offset=offset, empty=empty)
    if raw:
        filter_ = replace(filter_, after=_cursor(raw))
    return PageRequest(stream, filter_, empty=empty)
