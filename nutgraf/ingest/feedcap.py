"""Keep a huge feed to its newest entries before it is parsed.

Ten kilobytes of gzip inflate to a feed of a million empty items; parsed whole, it cost minutes
and gigabytes before a single entry was looked at. So the entries past ``MAX_FEED_ENTRIES`` are
cut out of the document first, by a light scan (bytes in, bytes out; no parser, nothing
expanded), and the XML guard's structure scan and feedparser only ever see what is kept. The
kept document is checked by the XML guard like any other (``prepare_xml`` runs after the cut).

Which entries are kept: the newest by date when every entry looked at has a readable date,
else the first ones in feed order (feeds list their newest first). Only the first
``MAX_SCANNED_ENTRIES`` are looked at; the ones after them are dropped unread.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = [
    "MAX_FEED_ENTRIES",
    "MAX_SCANNED_ENTRIES",
    "CappedFeed",
    "cap_xml_entries",
    "drop_note",
    "pick_newest",
    "read_date",
]

# The largest of the 58 real feeds in the shared corpus and the test data holds 60 entries
# (heise-online-rdf); podcast and full-archive feeds run to a few hundred. A thousand keeps
# every real feed whole and bounds the work a hostile one can ask for.
MAX_FEED_ENTRIES = 1000
# Entries looked at to find the newest; the rest are dropped unread, so a feed of a million
# dated items costs ten thousand date reads, not a million.
MAX_SCANNED_ENTRIES = 10 * MAX_FEED_ENTRIES

# What the scan stops at: a CDATA section or a comment (skipped whole: an "<item>" in them is
# text), or an item/entry start or end tag, with any namespace prefix.
_MARK = re.compile(
    rb"<(?:!\[CDATA\[|!--|(/?)((?:[\w.-]+:)?(?:item|entry))(?=[\s/>]))", re.IGNORECASE
)
# The end of an entry read backwards: "</item>" or "<entry .../>" reversed.
_LAST_ENTRY_END = re.compile(
    rb">\s*(?:meti|yrtne)(?::[\w.-]+)?/<|>/(?:[^<>]*\s)?(?:meti|yrtne)(?::[\w.-]+)?<",
    re.IGNORECASE,
)
# An entry's start tag; the empty group makes findall count without copying each match.
_ENTRY_START = re.compile(rb"<(?:[\w.-]+:)?(?:item|entry)(?=[\s/>])()", re.IGNORECASE)
# The first date element of an entry: RSS pubDate, Atom published/updated, Dublin Core date.
_DATE = re.compile(
    rb"<(?:[\w.-]+:)?(?:pubDate|published|updated|date|issued|modified)(?:\s[^<>]*)?>"
    rb"\s*([^<]{1,80})<",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class CappedFeed:
    """The document with at most the limit's entries; how many it held and how many were cut.

    ``entries`` counts the entries past the scanned ones by their start tags, so it is exact
    for any real feed and close for a hostile one.
    """

    data: bytes
    entries: int
    dropped: int = 0
    by_date: bool = False

    @property
    def note(self) -> str | None:
        """The one line saying what was dropped (None when nothing was)."""
        if not self.dropped:
            return None
        return drop_note(self.entries, self.entries - self.dropped, by_date=self.by_date)


def drop_note(entries: int, kept: int, *, by_date: bool) -> str:
    """The one line a capped feed gets: how many entries it held, kept and dropped."""
    which = "by date" if by_date else "in feed order"
    return (
        f"the feed holds {entries:,} entries, over the limit of {kept:,}: kept the newest "
        f"{kept:,} ({which}) and dropped {entries - kept:,}"
    )


def cap_xml_entries(
    data: bytes, limit: int = MAX_FEED_ENTRIES, *, scan_limit: int | None = None
) -> CappedFeed:
    """Cut an XML feed down to its newest ``limit`` entries (outermost item/entry elements).

    A feed within the limit comes back unchanged (the same bytes). The scan is linear: it
    stops at an unterminated CDATA section, comment or tag, as a parser would.

    Args:
        data: the feed as UTF-8 (or any ASCII-compatible) bytes.
        limit: the most entries kept.
        scan_limit: the most entries looked at (default ``MAX_SCANNED_ENTRIES``, and never
            fewer than ``limit``).

    Returns:
        The document to parse, with the counts for the note.
    """
    scan_limit = max(limit, MAX_SCANNED_ENTRIES if scan_limit is None else scan_limit)
    spans, complete = _entry_spans(data, scan_limit)
    if complete and len(spans) <= limit:
        return CappedFeed(data, len(spans))
    tail = spans[-1][1] if complete else _last_entry_end(data, spans[-1][1])
    unread = 0 if complete else _count_entries(data, spans[-1][1], tail)
    dates = [_span_date(data, start, end) for start, end in spans]
    keep, by_date = pick_newest(dates, limit)
    kept = set(keep)
    pieces = [data[: spans[0][0]]]
    for n, (start, end) in enumerate(spans):
        if n in kept:
            pieces.append(data[start:end])
        if n + 1 < len(spans):
            pieces.append(data[end : spans[n + 1][0]])  # what lies between two entries
    pieces.append(data[tail:])
    total = len(spans) + unread
    return CappedFeed(b"".join(pieces), total, total - len(keep), by_date)


def pick_newest(dates: Sequence[datetime | None], limit: int) -> tuple[tuple[int, ...], bool]:
    """Which entries to keep, in feed order, and whether they were chosen by date (pure).

    The newest ``limit`` by date (ties in feed order) when every entry has a date, else the
    first ``limit``.
    """
    if len(dates) <= limit:
        return tuple(range(len(dates))), False
    if any(moment is None for moment in dates):
        return tuple(range(limit)), False
    newest = sorted(range(len(dates)), key=lambda n: (_timestamp(dates[n]), -n), reverse=True)
    return tuple(sorted(newest[:limit])), True


def read_date(raw: str) -> datetime | None:
    """An entry date as feeds write them (ISO 8601 or RFC 822), aware; None when unreadable."""
    text = raw.strip()
    moment: datetime | None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _timestamp(moment: datetime | None) -> float:
    return moment.timestamp() if moment is not None else float("-inf")


def _entry_spans(data: bytes, scan_limit: int) -> tuple[list[tuple[int, int]], bool]:
    """The (start, end) of the outermost item/entry elements, up to ``scan_limit`` of them,
    and whether the scan reached the end of the document."""
    spans: list[tuple[int, int]] = []
    depth, start, pos = 0, 0, 0
    while True:
        mark = _MARK.search(data, pos)
        if mark is None:
            return spans, True
        if mark.group(2) is None:  # a CDATA section or a comment
            close = b"]]>" if mark.group().endswith(b"[") else b"-->"
            end = data.find(close, mark.end())
            if end < 0:
                return spans, True  # unterminated: nothing after it is markup
            pos = end + len(close)
            continue
        end = data.find(b">", mark.end())
        if end < 0:
            return spans, True
        pos = end + 1
        if mark.group(1):  # an end tag
            if depth == 0:
                continue  # a stray end tag
            depth -= 1
            if depth > 0:
                continue
        elif data[end - 1 : end] != b"/":  # a start tag
            depth += 1
            if depth == 1:
                start = mark.start()
            continue
        elif depth > 0:
            continue  # an empty element inside an entry
        else:
            start = mark.start()
        spans.append((start, pos))
        if len(spans) >= scan_limit:
            return spans, False


def _last_entry_end(data: bytes, after: int) -> int:
    """Where the document's last item/entry element ends (no earlier than ``after``): what
    follows is the feed's closing tags. Found by searching the reversed bytes, in C."""
    found = _LAST_ENTRY_END.search(data[after:][::-1])
    return after if found is None else len(data) - found.start()


def _count_entries(data: bytes, start: int, end: int) -> int:
    return len(_ENTRY_START.findall(data, start, end))


def _span_date(data: bytes, start: int, end: int) -> datetime | None:
    found = _DATE.search(data, start, end)
    if found is None:
        return None
    return read_date(found.group(1).decode("utf-8", errors="replace"))
