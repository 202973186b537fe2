"""What a Fever API request asks for, read from its fields: pure, and bounded.

Fever puts everything in names of the query string (``?api&items&since_id=10``) or of the
posted form, and apps differ in which; both are read, the form's value winning (as PHP's
``$_REQUEST`` does for Fever itself and FreshRSS). A request may ask for several things at
once (``?api&groups&feeds``). Every number is 1 to 18 digits, so it fits a 64-bit integer;
a wrong value is one ``BadCall`` saying which and how to fix it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from nutgraf.store.fever import ITEMS_PAGE

__all__ = ["BadCall", "FeverCall", "Mark", "parse_call"]

MarkKind = Literal["item", "feed", "group"]
MarkAs = Literal["read", "unread", "saved", "unsaved"]
LINKS_PAGE = 50
MAX_LINKS_DAYS = 3650  # how far back ``offset`` and ``range`` may reach, in days
MAX_LINKS_PAGE = 100
DEFAULT_LINKS_RANGE = 7
_NUMBER = re.compile(r"[0-9]{1,18}")
_GROUP = re.compile(r"-?[0-9]{1,18}")
_ASKED = ("groups", "feeds", "favicons", "items", "links", "unread_item_ids", "saved_item_ids")


class BadCall(ValueError):
    """The request cannot be answered as asked; the message says how to fix it."""


@dataclass(frozen=True, slots=True)
class Mark:
    """``mark=item|feed|group&as=...&id=N&before=UNIX``: ``before`` None when not given."""

    kind: MarkKind
    mark_as: MarkAs
    id: int
    before: int | None


@dataclass(frozen=True, slots=True)
class ItemsPage:
    """Which items: ``with_ids`` when given, else after ``since_id``, else before ``max_id``
    (0: the newest), else the first by id."""

    since_id: int | None = None
    max_id: int | None = None
    with_ids: tuple[int, ...] | None = None


@dataclass(frozen=True, slots=True)
class LinksWindow:
    """Fever's hot links: stories last reported between ``offset + range`` and ``offset``
    days ago, page ``page`` of them."""

    offset: int = 0
    range: int = DEFAULT_LINKS_RANGE
    page: int = 1


@dataclass(frozen=True, slots=True)
class FeverCall:
    """Everything one request asks: the lists it names (``asked``), which items and links,
    and the mark it makes, if any."""

    asked: frozenset[str]
    items: ItemsPage
    links: LinksWindow
    mark: Mark | None


def parse_call(fields: Mapping[str, str]) -> FeverCall:
    """The call ``fields`` (query and form merged) make; BadCall when one is wrong."""
    if fields.get("api", "").strip().lower() == "xml":
        raise BadCall("this server answers the Fever API in JSON only: ask with ?api, not ?api=xml")
    return FeverCall(
        asked=frozenset(name for name in _ASKED if name in fields),
        items=_items(fields) if "items" in fields else ItemsPage(),
        links=_links(fields) if "links" in fields else LinksWindow(),
        mark=_mark(fields) if "mark" in fields else None,
    )


def _number(fields: Mapping[str, str], name: str) -> int | None:
    """The whole number ``name`` holds; None when it is absent or empty."""
    raw = fields.get(name, "").strip()
    if not raw:
        return None
    if not _NUMBER.fullmatch(raw):
        raise BadCall(f"{name} must be a whole number of at most 18 digits, not {raw[:40]!r}")
    return int(raw)


def _items(fields: Mapping[str, str]) -> ItemsPage:
    # One of the three, in FreshRSS's order when an app sends more than one.
    if "with_ids" in fields:
        return ItemsPage(with_ids=_ids(fields["with_ids"]))
    max_id = _number(fields, "max_id")
    if max_id is not None:
        return ItemsPage(max_id=max_id)
    return ItemsPage(since_id=_number(fields, "since_id"))


def _ids(raw: str) -> tuple[int, ...]:
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if len(parts) > ITEMS_PAGE:
        raise BadCall(f"with_ids names at most {ITEMS_PAGE} items")
    for part in parts:
        if not _NUMBER.fullmatch(part):
            raise BadCall(
                f"with_ids must be item ids separated by commas, not {part[:40]!r} among them"
            )
    return tuple(int(part) for part in parts)


def _links(fields: Mapping[str, str]) -> LinksWindow:
    offset = _number(fields, "offset") or 0
    span = _number(fields, "range") or DEFAULT_LINKS_RANGE
    page = _number(fields, "page") or 1
    if offset > MAX_LINKS_DAYS or span > MAX_LINKS_DAYS:
        raise BadCall(f"offset and range are days, at most {MAX_LINKS_DAYS}")
    if page > MAX_LINKS_PAGE:
        raise BadCall(f"page runs from 1 to {MAX_LINKS_PAGE}")
    return LinksWindow(offset, span, page)


def _mark(fields: Mapping[str, str]) -> Mark:
    kind = _KINDS.get(fields["mark"].strip().lower())
    if kind is None:
        raise BadCall("mark must be item, feed or group")
    mark_as = _MARK_AS.get(fields.get("as", "").strip().lower())
    if kind == "item" and mark_as is None:
        raise BadCall("mark=item takes as=read, unread, saved or unsaved")
    if kind != "item" and mark_as != "read":
        raise BadCall(f"mark={kind} takes as=read only")
    assert mark_as is not None
    raw_id = fields.get("id", "").strip()
    if not (_GROUP if kind == "group" else _NUMBER).fullmatch(raw_id):
        raise BadCall(f"mark={kind} needs id, a whole number of at most 18 digits")
    return Mark(kind, mark_as, int(raw_id), _number(fields, "before"))


_KINDS: dict[str, MarkKind] = {"item": "item", "feed": "feed", "group": "group"}
_MARK_AS: dict[str, MarkAs] = {
    "read": "read",
    "unread": "unread",
    "saved": "saved",
    "unsaved": "unsaved",
}
