"""The body of a feed entry: an HTML fragment that is already the article, into blocks.

A feed's ``content:encoded`` or Atom ``content`` holds the story itself, not a page around
it, so there is no boilerplate to find: headings become subheadings, paragraphs, list items
and quotes become paragraphs, ``<br><br>`` splits paragraphs, and the "The post ... appeared
first on ..." line that blog engines append is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import lxml.html
from lxml import etree

from nutgraf.extract.bounds import bound_blocks
from nutgraf.extract.pagebounds import cut_tags
from nutgraf.records import Block

_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_PARAGRAPHS = frozenset({"p", "li", "blockquote", "pre", "figcaption", "dd", "dt", "td"})
_BLOCK_TAGS = tuple(sorted(_HEADINGS | _PARAGRAPHS))
_SKIP = frozenset({"script", "style", "noscript", "iframe", "object", "svg", "form", "button"})
_SPACE = re.compile(r"\s+")
_FOOTER = re.compile(
    r"^(?:the post .{1,300} appeared first on .{1,200}|continue reading.{0,80}|read more.{0,40}"
    r"|\[(?:…|\.\.\.)\]|(?:\d+ )?comments?|discuss(?:ion)?)\W*$",
    re.IGNORECASE,
)
_MAX_FRAGMENT = 2_000_000


def blocks_from_fragment(html: str) -> tuple[Block, ...]:
    """The blocks of an HTML fragment, in reading order; plain text gives its lines. Bounded:
    the first ``MAX_TAGS`` tags are read (``cut_tags``), and the walk stops where the article
    is full (``bound_blocks``)."""
    html = cut_tags(html[:_MAX_FRAGMENT])
    if not html.strip():
        return ()
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return bound_blocks(Block("paragraph", line) for line in _lines(html))
    return bound_blocks(b for b in _walk(root) if not _FOOTER.match(b.text))


def _walk(element: etree._Element) -> Iterator[Block]:
    """Blocks of ``element``: its own loose text (split at double breaks), then children's."""
    loose: list[str] = [element.text or ""]
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in _SKIP:
            loose.append(child.tail or "")
            continue
        if tag in _HEADINGS or tag in _PARAGRAPHS or _holds_blocks(child):
            yield from _flush(loose)
            loose = [""]
            if tag in _HEADINGS:
                text = _clean(child.text_content())
                if text:
                    yield Block("subheading", text)
            elif tag in _PARAGRAPHS and not _holds_blocks(child):
                yield from (Block("paragraph", t) for t in _split_breaks(child))
            else:
                yield from _walk(child)
            loose.append(child.tail or "")
        elif tag == "br":
            loose.append("\n" + (child.tail or ""))
        else:
            loose.append(_inline_text(child) + (child.tail or ""))
    yield from _flush(loose)


def _holds_blocks(element: etree._Element) -> bool:
    """Whether a heading or paragraph element is inside ``element`` (found by lxml: the walk
    asks this at every level, so a Python loop here made a deep fragment quadratic)."""
    return next(element.iterdescendants(*_BLOCK_TAGS), None) is not None


def _split_breaks(element: etree._Element) -> Iterator[str]:
    """A paragraph's text cut where two line breaks meet (feeds use them for paragraphs)."""
    parts = [element.text or ""]
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "br":
            parts.append("\n" + (child.tail or ""))
        elif tag not in _SKIP:
            parts.append(_inline_text(child) + (child.tail or ""))
        else:
            parts.append(child.tail or "")
    yield from _paragraphs("".join(parts))


def _inline_text(element: etree._Element) -> str:
    if isinstance(element.tag, str) and element.tag in _SKIP:
        return ""
    pieces = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and child.tag == "br":
            pieces.append("\n")
        else:
            pieces.append(_inline_text(child))
        pieces.append(child.tail or "")
    return "".join(pieces)


def _flush(loose: list[str]) -> Iterator[Block]:
    for text in _paragraphs("".join(loose)):
        yield Block("paragraph", text)


def _paragraphs(text: str) -> Iterator[str]:
    """Text split at blank lines (two breaks); single breaks become spaces."""
    for part in re.split(r"\n\s*\n", text):
        cleaned = _clean(part)
        if cleaned:
            yield cleaned


def _lines(text: str) -> Iterator[str]:
    for line in text.splitlines():
        cleaned = _clean(line)
        if cleaned:
            yield cleaned


def _clean(text: str | None) -> str | None:
    if not text:
        return None
    cleaned = _SPACE.sub(" ", text).strip()
    return cleaned or None
