"""Feeds from bytes to records: RSS 0.9x/1.0/2.0, Atom 0.3/1.0 and JSON Feed 1.0/1.1.

No network: bytes in, a ``Feed`` out, or a one-line ``FeedError``. XML goes through
``xmlguard`` (entity bombs, XXE, gzip bombs, deep nesting) before feedparser sees it, and
feedparser only ever gets a byte stream, so it never fetches or opens anything.
"""

from __future__ import annotations

import codecs
import html
import io
import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import charset_normalizer
import feedparser
import lxml.html
from lxml import etree

from nutgraf.errors import FeedError
from nutgraf.ingest.feedcap import (
    MAX_FEED_ENTRIES,
    MAX_SCANNED_ENTRIES,
    cap_xml_entries,
    drop_note,
    pick_newest,
    read_date,
)
from nutgraf.ingest.xmlguard import gunzip_limited, prepare_xml, root_name, sniff_encoding
from nutgraf.records import Feed, FeedEntry

__all__ = [
    "FEED_CONTENT_TYPES",
    "MAX_FEED_BYTES",
    "MAX_FEED_ENTRIES",
    "MAX_FEED_WARNINGS",
    "MAX_JSON_CONTAINERS",
    "discover_feeds",
    "is_feed_content_type",
    "parse_feed",
    "parse_localized_date",
]

MAX_FEED_BYTES = 20 * 1024 * 1024
# Warnings kept per feed, the rest counted in one line: a feed's notes are read by a person,
# and a hostile feed can make one per entry.
MAX_FEED_WARNINGS = 20
# JSON objects and arrays a JSON Feed may hold: a hundred per entry kept. json.loads builds
# every one (an empty object costs 64 bytes for its 3), so 20 MiB of "{}," would take 450 MB
# before a single item could be dropped; the count is taken on the text first, in C.
MAX_JSON_CONTAINERS = 100 * MAX_FEED_ENTRIES
EARLIEST_YEAR = 1990
FUTURE_SLACK = timedelta(days=2)
# Tags (raw or escaped) in a feed beyond which feedparser does not resolve the relative links
# of its entries' HTML: its resolver reads every tag in Python, 30 to 60 microseconds each (a
# feed entry of 500,000 "<p>a</p>" took 38 s). The largest real feed of ../shared/data/feeds
# holds 7,511; past the bound, links are made absolute against the entry's address when its
# HTML is sanitized.
MAX_RESOLVED_TAGS = 100_000

FEED_CONTENT_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+json",
        "application/x-rss+xml",
        "application/x-atom+xml",
    }
)
_XMLISH_CONTENT_TYPES = frozenset({"application/xml", "text/xml", "application/json"})

_FORMATS = {
    "rss090": "rss090",
    "rss091u": "rss091",
    "rss091n": "rss091",
    "rss092": "rss092",
    "rss10": "rss10",
    "rss20": "rss20",
    "atom01": "atom03",
    "atom02": "atom03",
    "atom03": "atom03",
    "atom10": "atom10",
    "atom": "atom10",
}
_JSON_FEED_VERSIONS = {
    "https://jsonfeed.org/version/1": "json10",
    "https://jsonfeed.org/version/1.1": "json11",
}
_XML_DECLARATION = re.compile(r"\A\s*<\?xml\b[^>]*\?>")
_XML_DECL_ENCODING = re.compile(r"""\A\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)""")
_INVALID_XML_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_BREAK_TAG = re.compile(r"<(?:br|/?p|/?div|/?li|/?h\d)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
_ROOT_HINT = re.compile(r"<(rss|feed|rdf:RDF|channel)\b", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)
# Labels that mean "windows-1252" on the web (WHATWG Encoding), and gb2312's superset.
_ENCODING_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
}
_HTML_ROOTS = frozenset({"html", "head", "body", "div", "p", "meta", "script", "table", "span"})
_JUNK_BEFORE_XML = re.compile(r"<\?xml\b|<(?:rss|feed|rdf:RDF)\b")
_WESTERN = ("cp1252", "latin_1", "iso8859_15")


def is_feed_content_type(content_type: str | None) -> bool:
    """True for an HTTP Content-Type a feed may be served with (RSS, Atom, JSON Feed, XML)."""
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media in FEED_CONTENT_TYPES or media in _XMLISH_CONTENT_TYPES


def discover_feeds(html_page: bytes | str, base_url: str | None) -> tuple[str, ...]:
    """The feeds an HTML page advertises with ``<link rel="alternate" type=...>``.

    Args:
        html_page: the page, as bytes or text.
        base_url: the page's URL, to resolve relative links (``<base href>`` wins).

    Returns:
        Absolute feed URLs, deduplicated, in page order.
    """
    try:
        root = lxml.html.document_fromstring(html_page)
    except (ValueError, TypeError, etree.ParserError):
        return ()
    base = base_url or ""
    for element in root.iter("base"):
        href = (element.get("href") or "").strip()
        if href:
            base = urljoin(base, href)
            break
    found: list[str] = []
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        media = (link.get("type") or "").split(";", 1)[0].strip().lower()
        href = (link.get("href") or "").strip()
        if "alternate" not in rel or media not in FEED_CONTENT_TYPES or not href:
            continue
        url = urljoin(base, href) if base else href
        if url not in found:
            found.append(url)
    return tuple(found)


def parse_feed(
    data: bytes,
    *,
    url: str | None = None,
    content_type: str | None = None,
    now: datetime | None = None,
    max_bytes: int = MAX_FEED_BYTES,
    max_entries: int = MAX_FEED_ENTRIES,
) -> Feed:
    """Parse a feed document into a ``Feed``.

    Args:
        data: the body as received (a gzip body is inflated, up to ``max_bytes``).
        url: where it came from; relative links resolve against it.
        content_type: the HTTP Content-Type, whose charset is used when given.
        now: the current time, for refusing dates in the future (default: the clock).
        max_bytes: the largest body accepted.
        max_entries: the most entries read: the newest are kept (``feedcap``), before the
            document is parsed, and one warning says how many were dropped.

    Returns:
        The feed, with ``warnings`` noting what was repaired or dropped (at most
        ``MAX_FEED_WARNINGS`` of them, then one line counting the rest).

    Raises:
        FeedError: when the bytes are not a feed (empty, binary, HTML, other JSON or XML)
            or are unsafe to parse.
    """
    where = url or "the document"
    if len(data) > max_bytes and not data.startswith(b"\x1f\x8b"):
        raise FeedError(f"{where} is {len(data):,} bytes, over the feed limit of {max_bytes:,}")
    data = gunzip_limited(data, max_bytes)
    moment = now or datetime.now(UTC)
    head = _head_text(data)
    start = head.lstrip()
    if not start:
        raise FeedError(f"{where} is empty, not a feed")
    if _looks_binary(head):
        raise FeedError(f"{where} is binary data, not a feed")
    if start[0] in "{[":
        return _parse_json_feed(data, url, moment, max_entries)
    if not start.startswith("<") and not _ROOT_HINT.search(head):
        if re.search(r"<html\b", head, re.IGNORECASE):
            raise _html_error(data, url)
        raise FeedError(f"{where} is not a feed: it starts with {start[:40]!r}, not XML or JSON")
    root = (root_name(data) or "").lower()
    if root in _HTML_ROOTS or re.match(r"<!doctype\s+html", start, re.IGNORECASE):
        raise _html_error(data, url)
    return _parse_xml_feed(data, url, content_type, moment, max_bytes, max_entries, root)


def _head_text(data: bytes) -> str:
    """The first few KiB as text, enough to tell XML, JSON, HTML and binary apart."""
    chunk = data[:4096]
    for bom, codec in _BOMS:
        if chunk.startswith(bom):
            return chunk[len(bom) :].decode(codec, errors="replace")
    family, _ = sniff_encoding(chunk)
    return chunk.decode("utf-8" if family == "latin-1" else family, errors="replace")


def _looks_binary(head: str) -> bool:
    """Control characters a text feed would not hold (a stray one is only stripped)."""
    controls = sum(1 for char in head if char < " " and char not in "\t\r\n")
    return controls > max(8, len(head) // 20) or ("\x00" in head and controls > 2)


def _html_error(data: bytes, url: str | None) -> FeedError:
    feeds = discover_feeds(data, url)
    where = url or "the document"
    if feeds:
        return FeedError(f"{where} is an HTML page, not a feed; it advertises {', '.join(feeds)}")
    title = _html_title(data)
    named = f" ({title!r})" if title else ""
    return FeedError(
        f"{where} is an HTML page{named}, not a feed, and it advertises no feed; "
        "find the feed link on the page or add it as a page"
    )


def _html_title(data: bytes) -> str | None:
    try:
        root = lxml.html.document_fromstring(data)
    except (ValueError, TypeError, etree.ParserError):
        return None
    title = root.findtext(".//title")
    return _collapse(title)[:80] or None if title else None


# --- XML feeds -------------------------------------------------------------------------


def _parse_xml_feed(
    data: bytes,
    url: str | None,
    content_type: str | None,
    now: datetime,
    max_bytes: int,
    max_entries: int,
    root: str,
) -> Feed:
    warnings: list[str] = []
    text, note = _decode_xml(data, content_type)
    if note:
        warnings.append(note)
    text = _INVALID_XML_TEXT.sub("", text)
    if not text.lstrip().startswith("<"):
        markup = _JUNK_BEFORE_XML.search(text)
        if markup is not None:
            warnings.append(f"dropped {markup.start():,} characters of text before the XML")
            text = text[markup.start() :]
    declaration = _XML_DECLARATION.match(text)
    body = text[declaration.end() :] if declaration else text
    utf8 = ('<?xml version="1.0" encoding="utf-8"?>' + body).encode("utf-8", errors="replace")
    del text, body  # a huge feed is held once, not three times
    capped = cap_xml_entries(utf8, max_entries)
    if capped.note:
        warnings.append(capped.note)
    safe = prepare_xml(capped.data, max_bytes)
    headers = {"content-type": "application/xml; charset=utf-8"}
    if url:
        headers["content-location"] = url
    resolve = safe.count(b"<") + safe.count(b"&lt;") <= MAX_RESOLVED_TAGS
    parsed = feedparser.parse(
        io.BytesIO(safe),  # a stream: feedparser never reads bytes as a path or a URL
        response_headers=headers,
        resolve_relative_uris=resolve,
        sanitize_html=False,  # FeedEntry keeps raw HTML; sanitize before display
    )
    if parsed.get("bozo"):
        warnings.append(_bozo_note(parsed.get("bozo_exception")))
    channel: Mapping[str, Any] = parsed.get("feed", {})
    entries: Sequence[Mapping[str, Any]] = parsed.get("entries", [])
    version = parsed.get("version") or ""
    if not version and not entries and not channel.get("title"):
        shown = f"<{root}>" if root else "no root element"
        raise FeedError(f"{url or 'the document'} is XML but not a feed ({shown})")
    feed_link = _absolute(channel.get("link"), url)
    base = url or feed_link
    records = _xml_entries(entries, base, now, warnings)
    if not records:
        warnings.append("the feed has no entries")
    return Feed(
        format=_FORMATS.get(version, "rss"),
        url=url,
        title=_plain(channel.get("title"), channel.get("title_detail")),
        link=feed_link,
        language=_clean(channel.get("language")),
        entries=records,
        warnings=_bounded(warnings),
    )


def _decode_xml(data: bytes, content_type: str | None) -> tuple[str, str | None]:
    """The document as text, and a note when its declared encoding was wrong or missing.

    Order: byte-order mark, HTTP charset, XML declaration, UTF-8; when none decodes,
    charset-normalizer guesses (windows-1252 wins ties among Western single-byte sets).
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec), None
            except UnicodeDecodeError:
                break
    http = _CHARSET.search(content_type or "")
    head = _head_text(data)
    declared = _XML_DECL_ENCODING.match(head)
    stated = [m.group(1) for m in (http, declared) if m is not None]
    family, _ = sniff_encoding(data)
    if family != "latin-1":  # UTF-16/32 without a byte-order mark, or EBCDIC
        return data.decode(family, errors="replace"), None
    for label in [*stated, "utf-8"]:
        name = _codec(label)
        if name is None:
            continue
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            if name == "cp1252":
                text = data.decode("latin-1")
            else:
                continue
        if stated and label is not stated[0]:
            return text, f"declared as {stated[0]}, but the bytes are not; read as {label}"
        return text, None
    guessed = _guess_encoding(data)
    if guessed is None:
        return data.decode(
            "utf-8", errors="replace"
        ), "unknown encoding; undecodable bytes replaced"
    said = f"declared as {stated[0]}, but the bytes are not" if stated else "no encoding declared"
    return data.decode(guessed, errors="replace"), f"{said}; detected {guessed}"


def _codec(label: str) -> str | None:
    name = _ENCODING_ALIASES.get(label.lower(), label)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _guess_encoding(data: bytes) -> str | None:
    matches = list(charset_normalizer.from_bytes(data[: 1024 * 1024]))
    if not matches:
        return None
    least = min(match.chaos for match in matches)
    tied = [match for match in matches if match.chaos <= least + 0.01]
    for match in tied:
        if match.encoding in _WESTERN:
            return "cp1252"
    return str(tied[0].encoding)


def _bozo_note(error: object) -> str:
    message = re.sub(r"^<unknown>:(\d+):(\d+):", r"line \1, column \2:", _collapse(str(error)))
    kind = type(error).__name__
    if kind == "SAXParseException":
        return f"the XML is not well-formed ({message}); parsed leniently"
    return f"{kind}: {message}"[:200]


def _xml_entries(
    entries: Sequence[Mapping[str, Any]], base: str | None, now: datetime, warnings: list[str]
) -> tuple[FeedEntry, ...]:
    records: list[FeedEntry] = []
    seen: set[str] = set()
    undated = 0
    for entry in entries:
        guid = _clean(entry.get("id"))
        if guid is not None and guid in seen:
            warnings.append(f"duplicate guid {guid[:80]!r}: kept the first entry")
            continue
        if guid is not None:
            seen.add(guid)
        title = _plain(entry.get("title"), entry.get("title_detail"))
        label = title or guid or f"entry {len(records) + 1}"
        published = _entry_date(entry, "published", now, label, warnings)
        updated = _entry_date(entry, "updated", now, label, warnings)
        if published is None and updated is None:
            undated += 1
        records.append(
            FeedEntry(
                guid=guid,
                link=_entry_link(entry.get("link"), base, warnings),
                title=title,
                summary_html=_clean(entry.get("summary")),
                content_html=_longest_content(entry.get("content")),
                author=_entry_author(entry),
                published=published,
                updated=updated,
                image=_entry_image(entry, base),
            )
        )
    if undated:
        warnings.append(f"{undated} of {len(records)} entries have no usable date")
    return tuple(records)


def _entry_image(entry: Mapping[str, Any], base: str | None) -> str | None:
    """The entry's thumbnail: media:thumbnail, else an image in media:content, else an image
    enclosure; absolute http(s), or None."""
    candidates: list[object] = []
    for key, field in (("media_thumbnail", "url"), ("media_content", "url")):
        items = entry.get(key)
        if isinstance(items, list):
            candidates.extend(
                item.get(field)
                for item in items[:20]
                if isinstance(item, Mapping) and _is_image(item, key)
            )
    enclosures = entry.get("enclosures")
    if isinstance(enclosures, list):
        candidates.extend(
            item.get("href")
            for item in enclosures[:20]
            if isinstance(item, Mapping) and str(item.get("type", "")).startswith("image/")
        )
    for candidate in candidates:
        image = _absolute(candidate, base)
        if image is not None:
            return image
    return None


def _is_image(item: Mapping[str, Any], key: str) -> bool:
    if key == "media_thumbnail":
        return True
    medium, kind = str(item.get("medium", "")), str(item.get("type", ""))
    return medium == "image" or kind.startswith("image/")


def _entry_author(entry: Mapping[str, Any]) -> str | None:
    """The author's name: RSS gives "email (Name)", and feedparser splits it out."""
    detail = entry.get("author_detail")
    name = detail.get("name") if isinstance(detail, Mapping) else None
    return _plain(name or entry.get("author"))


def _entry_date(
    entry: Mapping[str, Any], key: str, now: datetime, title: str | None, warnings: list[str]
) -> str | None:
    # dict.get: feedparser's own lookup maps updated to published, with a DeprecationWarning
    parsed = dict.get(entry, f"{key}_parsed") if isinstance(entry, dict) else None
    raw = dict.get(entry, key) if isinstance(entry, dict) else None
    moment: datetime | None = None
    if parsed is not None:
        try:
            year, month, day, hour, minute, second = (int(part) for part in parsed[:6])
            moment = datetime(year, month, day, hour, minute, min(second, 59), tzinfo=UTC)
        except (TypeError, ValueError):
            moment = None
    if moment is None and isinstance(raw, str):
        moment = parse_localized_date(raw)
    if moment is None:
        if raw:
            warnings.append(f"unreadable {key} date {str(raw)[:40]!r} in {title!r}")
        return None
    return _checked_date(moment, key, now, title, warnings)


# Month abbreviations feedparser does not know (it reads English RFC 822 dates):
# Portuguese, Spanish, Italian, French, German and Dutch, lower case, accents kept.
_MONTHS = {
    **{name: number for number, name in enumerate(
        "jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)},
    "fev": 2, "abr": 4, "mai": 5, "ago": 8, "set": 9, "out": 10, "dez": 12,
    "ene": 1, "dic": 12, "gen": 1, "mag": 5, "giu": 6, "lug": 7, "ott": 10,
    "janv": 1, "févr": 2, "fév": 2, "mars": 3, "avr": 4, "juin": 6, "juil": 7, "août": 8,
    "sept": 9, "déc": 12, "mär": 3, "mrz": 3, "okt": 10, "mrt": 3, "mei": 5,
}  # fmt: skip
_LOCAL_DATE = re.compile(
    r"^\s*(?:[^\W\d]+\.?,?\s+)?(\d{1,2})\.?\s+([^\W\d]+)\.?\s+(\d{4})"
    r"(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*(?:([+-])(\d{2}):?(\d{2})|[A-Za-z]{1,5})?\s*$"
)


def parse_localized_date(raw: str) -> datetime | None:
    """An RFC 822-like date with day and month names in another language, in UTC."""
    match = _LOCAL_DATE.match(raw)
    if match is None:
        return None
    day, month_name, year, hour, minute, second, sign, off_h, off_m = match.groups()
    name = month_name.lower()
    month = _MONTHS.get(name) or _MONTHS.get(name[:4]) or _MONTHS.get(name[:3])
    if month is None:
        return None
    try:
        moment = datetime(
            int(year),
            month,
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=UTC,
        )
    except ValueError:
        return None
    if sign:
        offset = timedelta(hours=int(off_h), minutes=int(off_m))
        moment = moment - offset if sign == "+" else moment + offset
    return moment


def _checked_date(
    moment: datetime, key: str, now: datetime, title: str | None, warnings: list[str]
) -> str | None:
    if moment.year < EARLIEST_YEAR or moment > now + FUTURE_SLACK:
        stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        warnings.append(f"absurd {key} date {stamp} in {title!r}: dropped")
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _entry_link(link: object, base: str | None, warnings: list[str]) -> str | None:
    if not isinstance(link, str) or not link.strip():
        return None
    absolute = _absolute(link, base)
    if absolute is None:
        warnings.append(f"link {link.strip()[:80]!r} is not an absolute http(s) URL: dropped")
    return absolute


def _absolute(link: object, base: str | None) -> str | None:
    """``link`` made absolute against ``base``; None unless the result is http(s)."""
    if not isinstance(link, str) or not link.strip():
        return None
    joined = urljoin(base, link.strip()) if base else link.strip()
    parts = urlsplit(joined)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return joined


def _longest_content(content: object) -> str | None:
    if not isinstance(content, list):
        return None
    values = [item.get("value") for item in content if isinstance(item, Mapping)]
    texts = [value for value in values if isinstance(value, str) and value.strip()]
    return max(texts, key=len) if texts else None


def _plain(value: object, detail: object = None) -> str | None:
    """Plain text: tags stripped and entities decoded when the text is HTML; spaces collapsed."""
    if not isinstance(value, str):
        return None
    kind = detail.get("type", "") if isinstance(detail, Mapping) else ""
    if "html" in str(kind) or (not kind and ("<" in value or "&" in value)):
        value = html.unescape(_TAG.sub("", _BREAK_TAG.sub(" ", value)))
    return _collapse(value) or None


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    stripped = value.strip()
    return stripped or None


def _collapse(value: str) -> str:
    return _SPACE.sub(" ", value).strip()


# --- JSON Feed -------------------------------------------------------------------------


def _bounded(warnings: list[str]) -> tuple[str, ...]:
    """The first ``MAX_FEED_WARNINGS`` warnings, and one line counting the rest."""
    if len(warnings) <= MAX_FEED_WARNINGS:
        return tuple(warnings)
    rest = len(warnings) - MAX_FEED_WARNINGS
    return (*warnings[:MAX_FEED_WARNINGS], f"and {rest:,} more warnings about this feed")


def _parse_json_feed(data: bytes, url: str | None, now: datetime, max_entries: int) -> Feed:
    where = url or "the document"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        guessed = _guess_encoding(data) or "utf-8"
        text = data.decode(guessed, errors="replace")
    containers = text.count("{") + text.count("[")
    if containers > MAX_JSON_CONTAINERS:
        raise FeedError(
            f"{where} holds {containers:,} JSON objects and arrays, over the limit of "
            f"{MAX_JSON_CONTAINERS:,} for a feed: refusing to parse"
        )
    try:
        document = json.loads(text)
    except RecursionError as error:
        raise FeedError(f"{where} is JSON nested too deeply to be a feed") from error
    except ValueError as error:
        raise FeedError(f"{where} is not valid JSON ({error}), so not a JSON Feed") from error
    version = document.get("version") if isinstance(document, dict) else None
    format_ = _JSON_FEED_VERSIONS.get(str(version).rstrip("/")) if version else None
    if not isinstance(document, dict) or format_ is None:
        raise FeedError(f"{where} is JSON but not a JSON Feed (no jsonfeed.org version)")
    warnings: list[str] = []
    home = _absolute(document.get("home_page_url"), url)
    base = url or _absolute(document.get("feed_url"), None) or home
    items = document.get("items")
    if not isinstance(items, list):
        warnings.append("the JSON Feed has no items list")
        items = []
    items = _newest_items(items, max_entries, warnings)
    records: list[FeedEntry] = []
    seen: set[str] = set()
    undated = 0
    for item in items:
        if not isinstance(item, dict):
            warnings.append("an item that is not an object: skipped")
            continue
        record = _json_item(item, base, now, warnings)
        if record.guid is not None and record.guid in seen:
            warnings.append(f"duplicate guid {record.guid[:80]!r}: kept the first entry")
            continue
        if record.guid is not None:
            seen.add(record.guid)
        if record.published is None and record.updated is None:
            undated += 1
        records.append(record)
    if undated:
        warnings.append(f"{undated} of {len(records)} entries have no usable date")
    if not records:
        warnings.append("the feed has no entries")
    return Feed(
        format=format_,
        url=url,
        title=_plain(document.get("title"), {"type": "text/plain"}),
        link=home,
        language=_clean(document.get("language")),
        entries=tuple(records),
        warnings=_bounded(warnings),
    )


def _newest_items(items: list[Any], limit: int, warnings: list[str]) -> list[Any]:
    """The newest ``limit`` items (by date when all have one, else the first), in feed order;
    a warning says how many were dropped."""
    if len(items) <= limit:
        return items
    scanned = items[: max(limit, MAX_SCANNED_ENTRIES)]
    keep, by_date = pick_newest([_item_date(item) for item in scanned], limit)
    warnings.append(drop_note(len(items), len(keep), by_date=by_date))
    return [scanned[n] for n in keep]


def _item_date(item: object) -> datetime | None:
    if not isinstance(item, dict):
        return None
    value = item.get("date_published") or item.get("date_modified")
    return read_date(value) if isinstance(value, str) else None


def _json_item(
    item: Mapping[str, Any], base: str | None, now: datetime, warnings: list[str]
) -> FeedEntry:
    raw_id = item.get("id")
    guid = _clean(str(raw_id)) if isinstance(raw_id, str | int | float) else None
    title = _plain(item.get("title"), {"type": "text/plain"})
    label = title or guid or "an item"
    content_html = _clean(item.get("content_html"))
    if content_html is None and isinstance(item.get("content_text"), str):
        content_html = _clean(html.escape(item["content_text"]))
    summary = item.get("summary")
    return FeedEntry(
        guid=guid,
        link=_entry_link(item.get("url") or item.get("external_url"), base, warnings),
        title=title,
        summary_html=_clean(html.escape(summary)) if isinstance(summary, str) else None,
        content_html=content_html,
        author=_json_author(item),
        published=_json_date(item.get("date_published"), "published", now, label, warnings),
        updated=_json_date(item.get("date_modified"), "updated", now, label, warnings),
        image=_absolute(item.get("image") or item.get("banner_image"), base),
    )


def _json_author(item: Mapping[str, Any]) -> str | None:
    authors = item.get("authors")
    if not isinstance(authors, list):
        authors = [item.get("author")]
    names = [
        _plain(author.get("name"), {"type": "text/plain"})
        for author in authors
        if isinstance(author, dict)
    ]
    joined = ", ".join(name for name in names if name)
    return joined or None


def _json_date(
    value: object, key: str, now: datetime, title: str | None, warnings: list[str]
) -> str | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        warnings.append(f"unreadable {key} date {str(value)[:40]!r} in {title!r}")
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return _checked_date(moment.astimezone(UTC).replace(microsecond=0), key, now, title, warnings)
