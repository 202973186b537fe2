"""HTML page to ``Article``: trafilatura finds the body and the metadata; this maps them.

Pure: it takes the page as a string and never fetches anything. trafilatura's output tree
(``p``, ``head``, ``list``/``item``, ``quote``, ``table``...) becomes paragraph and
subheading blocks in reading order.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterator
from copy import copy
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import trafilatura

# lxml ships no type hints (lxml-stubs is not a dependency): its objects are Any here.
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.settings import Document as TrafilaturaDocument

from nutgraf.extract.boilerplate import (
    drop_slide_runs,
    lone_headings_as_paragraphs,
    restore_repeats,
    sentence_headings_as_paragraphs,
)
from nutgraf.extract.bounds import bound_blocks
from nutgraf.extract.pagebounds import bound_tree, cut_tags, too_deep
from nutgraf.records import Article, Block

__all__ = ["extract_html"]

LOGGER = logging.getLogger(__name__)

# Characters XML (hence lxml) refuses: one of them silently truncates the parsed page.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# lxml refuses a str that declares its own encoding; the text is decoded already.
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# Longer attribute values are never a class, id or date, and trafilatura's regexes over
# them are slow: a 3 MB class attribute costs 9 s. Real pages stay far below both limits
# (the dev set: 64 attributes on one element at most).
_MAX_ATTRIBUTE_CHARS = 2000
_MAX_ATTRIBUTES = 256
# Elements with too many or too long attributes, found in libxml2: a Python walk over every
# element costs 2 ms a page.
_ATTRIBUTE_SUSPECTS = etree.XPath(
    f"/descendant::*[count(@*) > {_MAX_ATTRIBUTES} or @*[string-length() > {_MAX_ATTRIBUTE_CHARS}]]"
)
# A start tag this long is cut to its name before parsing: libxml2 checks attributes for
# duplicates in quadratic time (100,000 attributes on one tag: 40 s to parse).
_HUGE_START_TAG = re.compile(r"<([a-zA-Z][\w:.-]{0,40}+)[^<>]{8000,}+>")
# A "heading" this long is a styled lead paragraph, not a subheading.
_MAX_SUBHEADING_WORDS = 30
_MAX_BYLINE_WORDS = 15
_BYLINE_PREFIX = re.compile(r"^(?:by|von|par|por|di|door|av|af)\s+", re.IGNORECASE)
# Precision mode drops whole sections of some pages (an article split over several
# containers, a body inside a table): when it keeps less than this share of the text of
# the page's own paragraphs, trafilatura runs again in recall mode, and that text replaces
# the precise one when the precise one is under _PRECISE_SHARE_OF_RECALL of its length.
# Set on Mozilla Readability's pages, checked on the extraction/ dev pages (unchanged
# there); the second pass runs on about one page in nine (BENCHMARKS.md, CHANGELOG.md).
_RECALL_CHECK_SHARE = 0.7
_PRECISE_SHARE_OF_RECALL = 0.6
# What trafilatura, lxml and its regexes can raise on hostile input; anything else is a bug.
_EXTRACTION_ERRORS = (ValueError, TypeError, LookupError, RecursionError, etree.LxmlError)


def extract_html(html: str, *, url: str | None = None) -> Article:
    """Extract the article of an HTML page: body blocks and metadata.

    Nothing is fetched: ``url`` is only recorded and used to resolve the site name.
    trafilatura runs in precision mode (0.968 token F1 on the dev set against 0.955
    balanced), then in recall mode when precision finds nothing or, judged by length
    against the page's own paragraphs, too little (``_recall_blocks``); then its baseline
    extractor and the page's ``<p>`` texts. A page with no text gives an ``Article``
    without blocks. A page larger than any real one is cut first (``pagebounds``), one
    nested too deep for trafilatura is read from its ``<p>`` texts alone, and the body is
    bounded (``bound_blocks``): the work is bounded whatever the page.

    Args:
        html: the page, decoded.
        url: where the page came from, if known.

    Returns:
        The article: title, byline, published (ISO date), source (site name or host),
        url, and the body blocks. ``language`` is left to ``extract``, which detects it from
        the text: ``<html lang>`` is a template default, wrong on 4 of the 111 dev pages
        that declare one.
    """
    tree = _parse(html)
    if tree is None:
        return Article(url=url)
    blocks: list[Block] = []
    document = None
    deep = too_deep(tree)
    if not deep:
        # Precision keeps page chrome out; recall finds what precision drops.
        document = _run_trafilatura(tree, url, precision=True, metadata=True)
        blocks = list(_blocks(document.body)) if document is not None else []
        recall = _recall_blocks(tree, url, blocks, metadata=document is None)
        if recall is not None:
            document = recall[0] if document is None else document
            blocks = recall[1]
    if document is None:
        document = _metadata(copy(tree), url)
    if not blocks:
        blocks = _paragraph_blocks(tree) if deep else _fallback_blocks(tree)
    if not deep:  # trafilatura keeps one of equal neighbours
        blocks = restore_repeats(blocks, _repeated_paragraphs(tree))
    blocks = lone_headings_as_paragraphs(sentence_headings_as_paragraphs(drop_slide_runs(blocks)))
    if document is None:
        return Article(blocks=bound_blocks(blocks), url=url)
    title, byline = _clean(document.title), _clean(document.author)
    date = _clean(document.date)
    return Article(
        title=title,
        blocks=bound_blocks(_drop_echoes(blocks, title, byline)),
        source=_clean(document.sitename) or _clean(document.hostname),
        byline=byline,
        published=_precise_date(tree, date) if date else None,
        url=url or _clean(document.url),
        image=_lead_image(document.image, url or _clean(document.url)),
    )


def _parse(html: str) -> HtmlElement | None:
    """Parse the page leniently, with what lxml refuses or chokes on taken out."""
    html = _XML_DECLARATION.sub("", _XML_INVALID.sub("", html), count=1)
    html = cut_tags(_HUGE_START_TAG.sub(r"<\1>", html))
    if not html.strip():
        return None
    try:
        tree: HtmlElement | None = trafilatura.load_html(html)
        if tree is None:  # load_html takes a lone "<p>...</p>" for non-HTML; as a page it is
            tree = trafilatura.load_html(f"<html><body>{html}</body></html>")
    except _EXTRACTION_ERRORS as error:
        LOGGER.warning("the page could not be parsed: %s", error)
        return None
    if tree is None:
        return None
    bound_tree(tree)
    _drop_hidden(tree)
    for element in _ATTRIBUTE_SUSPECTS(tree):
        if len(element.attrib) > _MAX_ATTRIBUTES:
            element.attrib.clear()
        for name, value in element.attrib.items():
            if len(value) > _MAX_ATTRIBUTE_CHARS:
                del element.attrib[name]
    return tree


def _drop_hidden(tree: HtmlElement) -> None:
    """Take out the block elements a reader does not see, unless they hold most of the
    page's text: a page that shows its article by script only hides it until then."""
    hidden = _HIDDEN(tree)
    if not hidden:
        return
    hidden_chars = sum(len(element.text_content()) for element in hidden)  # nested: overcounted
    if hidden_chars > _MAX_HIDDEN_SHARE * _BODY_CHARS(tree):
        return
    for element in hidden:
        element.drop_tree()  # its tail stays: that text is visible


# A <p> followed by a <p> of the same text, long enough for trafilatura to keep only one
# (its MIN_DUPLICATE_LENGTH: 50).
_REPEATED_PARAGRAPHS = etree.XPath(
    "/descendant::p[string-length(normalize-space()) > 50]"
    "[normalize-space() = normalize-space(following-sibling::*[1][self::p])]"
)


def _repeated_paragraphs(tree: HtmlElement) -> Counter[str]:
    """How many times the page follows each paragraph text with itself, by text."""
    return Counter(" ".join(p.text_content().split()) for p in _REPEATED_PARAGRAPHS(tree))


def _recall_blocks(
    tree: HtmlElement, url: str | None, precise: list[Block], *, metadata: bool
) -> tuple[TrafilaturaDocument, list[Block]] | None:
    """Recall mode's document and blocks where they should replace the precise ones, else None.

    Recall runs only when the precise blocks are empty or hold less than
    ``_RECALL_CHECK_SHARE`` of the text of the page's visible paragraphs, so
    most pages pay for one pass; its blocks win when the precise ones are shorter than
    ``_PRECISE_SHARE_OF_RECALL`` of theirs.
    """
    precise_chars = _chars(precise)
    if precise and precise_chars >= _RECALL_CHECK_SHARE * _visible_paragraph_chars(tree):
        return None
    document = _run_trafilatura(tree, url, precision=False, metadata=metadata)
    if document is None:
        return None
    blocks = list(_blocks(document.body))
    if not blocks or precise_chars >= _PRECISE_SHARE_OF_RECALL * _chars(blocks):
        return None
    return document, blocks


def _chars(blocks: list[Block]) -> int:
    return sum(len(block.text) for block in blocks)


def _run_trafilatura(
    tree: HtmlElement, url: str | None, *, precision: bool, metadata: bool
) -> TrafilaturaDocument | None:
    """trafilatura's body (and metadata), or ``None`` when it finds no text or fails.

    ``precision`` picks trafilatura's precision mode, else its recall mode.
    """
    try:
        document = trafilatura.bare_extraction(
            tree,  # copied by trafilatura: ``tree`` stays intact for the fallbacks
            url=url,
            favor_precision=precision,
            favor_recall=not precision,
            with_metadata=metadata,
            include_comments=False,
            include_formatting=False,
            include_images=False,
            include_links=False,
            output_format="python",
        )
    except _EXTRACTION_ERRORS as error:
        LOGGER.warning("trafilatura failed on the page (%s); falling back", error)
        return None
    return document if isinstance(document, TrafilaturaDocument) else None


def _metadata(tree: HtmlElement, url: str | None) -> TrafilaturaDocument | None:
    """Metadata alone, for pages whose body trafilatura gave up on."""
    try:
        return trafilatura.extract_metadata(tree, default_url=url)
    except _EXTRACTION_ERRORS as error:
        LOGGER.warning("no metadata could be read from the page (%s)", error)
        return None


def _fallback_blocks(tree: HtmlElement) -> list[Block]:
    """trafilatura's baseline extractor, then the page's own paragraphs."""
    try:
        body, _text, length = trafilatura.baseline(tree)
    except _EXTRACTION_ERRORS as error:
        LOGGER.warning("baseline extraction failed (%s)", error)
        length = 0
    if length:
        # Baseline joins the lines of a text dump with newlines: each line is a paragraph.
        blocks = [
            Block("paragraph", line)
            for paragraph in body.iter("p")
            for line in (_clean(part) for part in _text_of(paragraph).split("\n"))
            if line
        ]
        if blocks:
            return blocks
    return _paragraph_blocks(tree)


_CHROME_TAGS = ("nav", "header", "footer", "aside", "form", "script", "style", "noscript")


def _paragraph_blocks(tree: HtmlElement) -> list[Block]:
    """The page's ``<p>`` texts outside its chrome, in one walk (no ancestor is looked up)."""
    blocks: list[Block] = []
    chrome = 0  # chrome elements open around the walk
    for event, element in etree.iterwalk(tree, events=("start", "end"), tag=(*_CHROME_TAGS, "p")):
        if element.tag != "p":
            chrome += 1 if event == "start" else -1
        elif event == "start" and not chrome:
            text = _clean(" ".join(element.itertext()))
            if text:
                blocks.append(Block("paragraph", text))
    return blocks


# The page's paragraphs a reader sees: outside its chrome and hidden elements (about 1.4 ms
# a page on the dev pages, with their text). ``style`` is lower-cased and its spaces taken
# out (XPath 1.0 has no lower-case()).
_STYLE = "translate(@style, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ ', 'abcdefghijklmnopqrstuvwxyz')"
# An element its own style hides (the style lower-cased, its spaces taken out).
_HIDDEN_BY_STYLE = f"contains({_STYLE}, 'display:none') or contains({_STYLE}, 'visibility:hidden')"
_VISIBLE_PARAGRAPHS = etree.XPath(
    "//p[not(ancestor-or-self::*["
    + " or ".join(f"self::{tag}" for tag in _CHROME_TAGS)
    + f" or @hidden or @aria-hidden='true' or {_HIDDEN_BY_STYLE}"
    + "])]"
)
_BODY_CHARS = etree.XPath("string-length(string(/descendant::body[1]))")
_MAX_HIDDEN_SHARE = 0.8  # of the body's text, scripts counted (hidden-nodes: 0.67)
# Block elements a reader never sees: the hidden attribute, or hidden by their style. Inline
# ones stay (Wikipedia hides the MathML twin of each formula, which Readability keeps).
_HIDDEN_BLOCK_TAGS = (
    "p div section article aside header footer form ul ol li dl table figure blockquote"
    " h1 h2 h3 h4 h5 h6"
).split()
_HIDDEN = etree.XPath(
    f"/descendant::body//*[@hidden or {_HIDDEN_BY_STYLE}]"
    "[" + " or ".join(f"self::{tag}" for tag in _HIDDEN_BLOCK_TAGS) + "]"
)


def _visible_paragraph_chars(tree: HtmlElement) -> int:
    """How many characters of text the page's visible ``<p>`` elements hold (spaces collapsed)."""
    return sum(len(" ".join(p.text_content().split())) for p in _VISIBLE_PARAGRAPHS(tree))


# --- trafilatura's output tree to blocks -----------------------------------------------------

_CONTAINERS = frozenset({"body", "div", "article", "section", "main"})


def _blocks(element: etree._Element) -> Iterator[Block]:
    """The blocks of a trafilatura body tree, in reading order."""
    for child in element:
        yield from _child_blocks(child)
        tail = _clean(child.tail)
        if tail:
            yield Block("paragraph", tail)


def _child_blocks(element: etree._Element) -> Iterator[Block]:
    """The blocks of one element of trafilatura's output (p, head, list, quote, table...)."""
    tag = element.tag
    if tag in _CONTAINERS or (tag == "quote" and _has_blocks(element)):
        text = _clean(element.text)
        if text:
            yield Block("paragraph", text)
        yield from _blocks(element)
    elif tag == "head":
        text = _clean(_text_of(element))
        if text and len(text.split()) > _MAX_SUBHEADING_WORDS:
            yield Block("paragraph", text)
        elif text:
            yield Block("subheading", text)
    elif tag == "list":
        for item in element.iter("item"):
            if item.getparent() is element:  # nested lists stay inside their item's text
                text = _clean(_text_of(item))
                if text:
                    yield Block("paragraph", text)
    elif tag == "table":
        for row in element.iter("row"):
            cells = (_clean(_text_of(cell)) for cell in row.iter("cell"))
            text = " | ".join(cell for cell in cells if cell)
            if text:
                yield Block("paragraph", text)
    elif tag in ("graphic", "lb"):
        return
    else:  # p, quote, code, and whatever trafilatura adds later
        for text in _split_at_line_breaks(element):
            yield Block("paragraph", text)


def _has_blocks(element: etree._Element) -> bool:
    """Whether a quote holds paragraphs of its own rather than bare text."""
    return any(child.tag in ("p", "head", "list", "quote", "table") for child in element)


def _split_at_line_breaks(element: etree._Element) -> Iterator[str]:
    """A paragraph's text, cut at its ``<br>``: news pages use them between paragraphs."""
    parts: list[str] = [element.text or ""]
    for child in element:
        if child.tag == "lb":
            parts.append(child.tail or "")
        else:
            parts[-1] += _text_of(child) + (child.tail or "")
    for part in parts:
        text = _clean(part)
        if text:
            yield text


def _text_of(element: etree._Element) -> str:
    """All text inside ``element`` (not its tail), with line breaks as newlines."""
    pieces: list[str] = [element.text or ""]
    for child in element:
        pieces.append("\n" if child.tag == "lb" else " " if child.tag in ("item", "cell") else "")
        pieces.append(_text_of(child))
        pieces.append(child.tail or "")
    return "".join(pieces)


def _lead_image(image: str | None, base: str | None) -> str | None:
    """The page's ``og:image`` made absolute against its address; None unless http(s)."""
    image = _clean(image)
    if image is None:
        return None
    absolute = urljoin(base, image) if base else image
    return absolute if urlsplit(absolute).scheme in ("http", "https") else None


def _clean(text: str | None) -> str | None:
    """Whitespace collapsed; ``None`` for nothing."""
    if not text:
        return None
    return " ".join(text.split()) or None


def _drop_echoes(blocks: list[Block], title: str | None, byline: str | None) -> list[Block]:
    """Drop the headline and byline lines where the body repeats them at its start."""
    title_key, byline_key = _key(title), _key(byline)
    start = 0
    while start < min(len(blocks), 3):
        text = blocks[start].text
        unprefixed = _key(_BYLINE_PREFIX.sub("", text))
        is_title = bool(title_key) and _key(text) == title_key
        is_byline = bool(byline_key) and (
            unprefixed == byline_key
            # "By Jane Doe, March 5, 2024": prefixed, short, and naming the author first
            or (
                _BYLINE_PREFIX.match(text) is not None
                and len(text.split()) <= _MAX_BYLINE_WORDS
                and unprefixed.startswith(byline_key)
            )
        )
        if not (is_title or is_byline):
            break
        start += 1
    return blocks[start:]


_DATE_XPATH = etree.XPath(
    "/descendant::meta[@property='article:published_time' or @name='article:published_time'"
    " or @itemprop='datePublished' or @name='pubdate' or @name='publishdate'"
    " or @name='date' or @name='dc.date.issued' or @name='DC.date.issued']/@content"
    " | /descendant::time/@datetime | /descendant::*[@itemprop='datePublished']/@datetime"
)
_JSON_LD_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]{10,40})"')
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _precise_date(tree: HtmlElement, date: str) -> str:
    """The page's own date-time for trafilatura's ``date``, when the page gives one."""
    candidates: list[str] = [str(value) for value in _DATE_XPATH(tree)]
    for script in tree.iter("script"):
        if script.get("type") == "application/ld+json" and script.text:
            candidates.extend(_JSON_LD_DATE.findall(script.text))
    for candidate in candidates:
        value = candidate.strip().replace(" ", "T", 1)
        if value[:10] != date or not _DATE_TIME.match(value):
            continue
        try:
            datetime.fromisoformat(value)
        except ValueError:
            continue
        return value
    return date


def _key(text: str | None) -> str:
    """Text folded for comparison: case and whitespace ignored."""
    return " ".join((text or "").casefold().split())
