"""OPML subscription lists: read one into ``OpmlFeed`` records, write one back (OPML 2.0)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import defusedxml
import defusedxml.ElementTree

from nutgraf.errors import FeedError
from nutgraf.ingest.xmlguard import prepare_xml

__all__ = ["MAX_OPML_BYTES", "OpmlFeed", "parse_opml", "write_opml"]

MAX_OPML_BYTES = 10 * 1024 * 1024
_INVALID_XML_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """One subscription: the feed URL, and what the list says about it.

    ``category`` is the path of the outlines it sits in, joined by "/" ("News/Europe").
    """

    url: str
    title: str | None = None
    site: str | None = None
    category: str | None = None


def parse_opml(data: bytes) -> tuple[OpmlFeed, ...]:
    """The feeds of an OPML document, in document order, each URL once.

    Args:
        data: the OPML bytes (a gzip body is inflated).

    Returns:
        One ``OpmlFeed`` per outline with an ``xmlUrl``; nested outlines give the category.

    Raises:
        FeedError: when the bytes are not OPML, are malformed, or declare entities.
    """
    safe = prepare_xml(data, MAX_OPML_BYTES)
    try:
        root = defusedxml.ElementTree.fromstring(
            safe, forbid_dtd=False, forbid_entities=True, forbid_external=True
        )
    except defusedxml.DefusedXmlException as error:
        raise FeedError(f"the OPML list is unsafe to parse ({error})") from error
    except ET.ParseError as error:
        raise FeedError(f"the OPML list is not well-formed XML ({error})") from error
    if _local(root.tag) != "opml":
        raise FeedError(f"not an OPML list: the root element is <{_local(root.tag)}>, not <opml>")
    body = next((child for child in root if _local(child.tag) == "body"), None)
    if body is None:
        raise FeedError("the OPML list has no <body>")
    feeds: list[OpmlFeed] = []
    seen: set[str] = set()
    # A stack of iterators, not recursion: a hostile list may nest outlines very deep.
    stack: list[tuple[Iterator[ET.Element], tuple[str, ...]]] = [(iter(body), ())]
    while stack:
        children, path = stack[-1]
        outline = next(children, None)
        if outline is None:
            stack.pop()
            continue
        if _local(outline.tag) != "outline":
            continue
        label = _attr(outline, "title") or _attr(outline, "text")
        url = _attr(outline, "xmlUrl") or _attr(outline, "xmlurl")
        if url is None:
            stack.append((iter(outline), (*path, label) if label else path))
            continue
        if url not in seen:
            seen.add(url)
            feeds.append(_feed(outline, url, label, path))
        stack.append((iter(outline), path))
    return tuple(feeds)


def _feed(outline: ET.Element, url: str, label: str | None, path: tuple[str, ...]) -> OpmlFeed:
    category = "/".join(path) if path else None
    if category is None:
        attribute = _attr(outline, "category")
        if attribute:
            first = attribute.split(",")[0].strip().strip("/")
            category = "/".join(part.strip() for part in first.split("/") if part.strip()) or None
    return OpmlFeed(url=url, title=label, site=_attr(outline, "htmlUrl"), category=category)


def _attr(element: ET.Element, name: str) -> str | None:
    value = element.get(name)
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def write_opml(feeds: Sequence[OpmlFeed], title: str = "nutgraf feeds") -> bytes:
    """An OPML 2.0 document (UTF-8) listing ``feeds``; categories become nested outlines.

    Characters XML 1.0 cannot hold (control characters) are dropped from every field.

    Args:
        feeds: the subscriptions, written in order within each category.
        title: the document's ``<head><title>``.

    Returns:
        The document as bytes, with an XML declaration.
    """
    opml = ET.Element("opml", version="2.0")
    head = ET.SubElement(opml, "head")
    ET.SubElement(head, "title").text = _xml_text(title)
    body = ET.SubElement(opml, "body")
    folders: dict[tuple[str, ...], ET.Element] = {(): body}
    for feed in feeds:
        path = tuple(
            part
            for part in (_xml_text(p).strip() for p in (feed.category or "").split("/"))
            if part
        )
        parent = _folder(folders, path)
        attributes = {"type": "rss", "text": _xml_text(feed.title or "")}
        if feed.title:
            attributes["title"] = _xml_text(feed.title)
        attributes["xmlUrl"] = _xml_text(feed.url)
        if feed.site:
            attributes["htmlUrl"] = _xml_text(feed.site)
        ET.SubElement(parent, "outline", attributes)
    ET.indent(opml)
    document: bytes = ET.tostring(opml, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def _folder(folders: dict[tuple[str, ...], ET.Element], path: tuple[str, ...]) -> ET.Element:
    for depth in range(1, len(path) + 1):
        key = path[:depth]
        if key not in folders:
            folders[key] = ET.SubElement(
                folders[key[:-1]], "outline", {"text": key[-1], "title": key[-1]}
            )
    return folders[path]


def _xml_text(value: str) -> str:
    return _INVALID_XML_TEXT.sub("", value)
