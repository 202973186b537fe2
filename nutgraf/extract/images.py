"""An article's images, read from its sanitized HTML: the figures its page shows where they
stand in the text, and the first one, which a list shows as its thumbnail.

The page renders the body from its text blocks (so summary sentences keep their offsets), not
from the HTML; ``place_figures`` says after how many blocks each image stood in the HTML, by
finding each block's text, in order, in the HTML's text (white space ignored).

Not every ``<img>`` is a picture of the article: a 1x1 tracking pixel or spacer (a width or
height under ``MIN_SIDE``), and the share buttons, ad slots and counters that feed services
append to every entry (``SERVICE_HOSTS``, as Miniflux's ``isBlockedResource``) are left out.
The same picture twice is shown once.

Everything is bounded: the first ``MAX_HTML_CHARS`` of the HTML are read for figures, the first
``LEAD_CHARS`` for a thumbnail; the first ``MAX_IMAGES_READ`` images are looked at, and at
most ``MAX_FIGURES`` figures are kept.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.html

# lxml ships no type hints (lxml-stubs is not a dependency): its objects are Any here.
from lxml import etree

from nutgraf.extract.sanitize import is_internal_host, sanitize_html
from nutgraf.records import Block

__all__ = [
    "LEAD_CHARS",
    "MAX_FIGURES",
    "MAX_HTML_CHARS",
    "MAX_IMAGES_READ",
    "MIN_SIDE",
    "SERVICE_HOSTS",
    "Figure",
    "display_image",
    "figures_html",
    "first_image",
    "place_figures",
]

MAX_HTML_CHARS = 2_000_000  # as much of an entry's HTML as nutgraf.extract.fragment reads
LEAD_CHARS = 65_536  # where a thumbnail is looked for: the start of the article
MAX_FIGURES = 100
MAX_IMAGES_READ = 1_000  # <img> tags looked at: pixels and buttons are many, pictures fewer
MIN_SIDE = 16  # pixels: smaller is a tracking pixel, a spacer or an icon
# Hosts of feed services' share buttons, ads and counters, not of article pictures (a host
# matches, and so do its subdomains).
SERVICE_HOSTS = (
    "feeds.feedburner.com",
    "feedproxy.google.com",
    "doubleclick.net",
    "feedsportal.com",
    "stats.wordpress.com",
    "pixel.wp.com",
    "feeds.wordpress.com",
    "api.flattr.com",
    "pheedo.com",
)

_IMG_TAG = re.compile(r"""<img\b(?:[^>"']|"[^"]*"|'[^']*')*>""", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
_BAD_URL_CHAR = re.compile(r"[\s\x00-\x1f\"'<>\\]")
_DIGITS = re.compile(r"\s*(\d{1,5})\s*")
# What lxml raises on hostile input (see nutgraf.extract.sanitize).
_LXML_ERRORS = (etree.LxmlError, ValueError, TypeError, AssertionError, RecursionError)
_MARK = "\ue000"  # stands for an image in the text (a private-use character)
_PROBE = 24  # characters of a block tried alone when the whole block is not found


@dataclass(frozen=True, slots=True)
class Figure:
    """An image of the article as its page shows it.

    ``src`` is absolute (http or https); ``alt`` its text alternative ("" when it had none);
    ``width`` and ``height`` its size in pixels when the HTML gave both; ``after`` how many of
    the article's blocks come before it. ``caption`` is its ``<figcaption>`` text when that is
    not one of the blocks; when it is, ``caption_block`` is that block's index (the block
    right after the image), which the page shows as the caption.
    """

    src: str
    alt: str
    after: int
    width: int | None = None
    height: int | None = None
    caption: str | None = None
    caption_block: int | None = None


def display_image(url: str | None) -> str | None:
    """The address a page loads an image from: https, the host public; None for no image.

    An http address is asked for over https, as browsers do for an image on an https page
    (Chrome, Firefox: mixed content is upgraded, and blocked when that fails), so a page
    never loads anything in the clear and the Content-Security-Policy can say ``https:``.
    """
    if not url:
        return None
    absolute = _absolute(url.strip(), None)
    if absolute is None:
        return None
    parts = urlsplit(absolute)
    return urlunsplit(("https", *parts[1:]))


def first_image(html: str | None, base: str | None = None) -> str | None:
    """The first picture of an article's HTML: what a list shows as its thumbnail.

    Args:
        html: the article's HTML (sanitized or not); only its first ``LEAD_CHARS`` are read.
        base: the address relative image sources are resolved against (None: the HTML's
            sources must be absolute already, as sanitized HTML's are).

    Returns:
        An absolute http(s) address, or None when the start of the HTML shows no picture (only
        pixels, icons and feed services' buttons, or none at all). Never raises.
    """
    if not html:
        return None
    for tag in _IMG_TAG.finditer(html[:LEAD_CHARS]):
        try:
            element = lxml.html.fragment_fromstring(tag.group())
        except _LXML_ERRORS:
            continue
        src = _picture(element, base)
        if src is not None:
            return src
    return None


def place_figures(html: str | None, blocks: Sequence[Block]) -> tuple[Figure, ...]:
    """The pictures of ``html`` in order, each placed after the blocks that precede it there.

    Args:
        html: the article's sanitized HTML.
        blocks: the article's blocks, read from that HTML (their text is looked for in it).

    Returns:
        At most ``MAX_FIGURES`` figures, ``after`` never decreasing. An image whose place
        cannot be told (the blocks' text is not found) follows the last block placed before
        it, or opens the article. Never raises.
    """
    if not html or "<img" not in html[:MAX_HTML_CHARS].lower():
        return ()
    root = _parse(html[:MAX_HTML_CHARS])
    if root is None:
        return ()
    text, images = _text_and_images(root, _MARK in html)
    squashed = [_squash(b.text).replace(_MARK, "") for b in blocks]
    starts = _block_starts(text, squashed)
    figures: list[Figure] = []
    seen: set[str] = set()
    for at, img in images:
        src = _picture(img, None)
        if src is None or src in seen:
            continue
        seen.add(src)
        after = bisect.bisect_left(starts, at)  # the blocks that start before it
        figures.append(_figure(img, src, after, blocks, squashed))
        if len(figures) == MAX_FIGURES:
            break
    return _one_caption_each(figures)


def figures_html(page: str, blocks: Sequence[Block], base: str | None) -> str | None:
    """A fetched page's article as compact HTML for display: its blocks, with the pictures
    that stand among them on the page; None when there are none.

    A page holds more pictures than its article: a logo before the headline, teasers of
    other articles after the text. Only a picture after the article's first block and before
    its last one is kept, or one before the first block with a caption of its own (a lead
    photo in a ``<figure>``). Bounded as ``place_figures`` and the sanitizer are.
    """
    if not blocks or "<img" not in page[:MAX_HTML_CHARS].lower():
        return None
    figures = [
        figure
        for figure in place_figures(sanitize_html(page, base), blocks)
        if 0 < figure.after < len(blocks)
        or (figure.after == 0 and (figure.caption or figure.caption_block is not None))
    ]
    if not figures:
        return None
    captions = {f.caption_block for f in figures if f.caption_block is not None}
    parts: list[str] = []
    for index, block in enumerate(blocks):
        for figure in (f for f in figures if f.after == index):
            parts.append(_figure_markup(figure, blocks))
        if index not in captions:
            tag = "p" if block.kind == "paragraph" else "h2"
            parts.append(f"<{tag}>{_escape(block.text)}</{tag}>")
    return "".join(parts)


def _figure_markup(figure: Figure, blocks: Sequence[Block]) -> str:
    size = (
        f' width="{figure.width}" height="{figure.height}"'
        if figure.width and figure.height
        else ""
    )
    caption = (
        blocks[figure.caption_block].text if figure.caption_block is not None else figure.caption
    )
    shown = f"<figcaption>{_escape(caption)}</figcaption>" if caption else ""
    return (
        f'<figure><img src="{_escape(figure.src)}" alt="{_escape(figure.alt)}"{size}>'
        f"{shown}</figure>"
    )


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _parse(html: str) -> Any | None:
    """The HTML as one tree under a ``<div>``, or None when lxml refuses it."""
    cut = html.rfind(">") + 1 if len(html) == MAX_HTML_CHARS else len(html)
    try:
        return lxml.html.fragment_fromstring(html[:cut], create_parent="div")
    except _LXML_ERRORS:
        return None


def _text_and_images(root: Any, has_mark: bool) -> tuple[str, list[tuple[int, Any]]]:
    """The tree's text without white space, and each ``<img>`` with where it stands in it.

    A mark is put after each image and the text read in one call (lxml's, in C): walking
    the tree in Python cost five times as much. The mark is a private-use character; text
    that holds one already has it removed first (no article needs it).
    """
    images = list(islice(root.iter("img"), MAX_IMAGES_READ))
    marked = root.xpath(f"//text()[contains(., '{_MARK}')]") if has_mark else ()
    for node in marked:
        parent = node.getparent()
        if node.is_text:
            parent.text = parent.text.replace(_MARK, "")
        else:
            parent.tail = parent.tail.replace(_MARK, "")
    for img in images:
        img.tail = _MARK + (img.tail or "")
    pieces = _squash(root.text_content()).split(_MARK)
    placed: list[tuple[int, Any]] = []
    size = 0
    for piece, img in zip(pieces, images, strict=False):
        size += len(piece)
        placed.append((size, img))
    return "".join(pieces), placed


def _block_starts(text: str, squashed: Sequence[str]) -> list[int]:
    """Where each block starts in ``text`` (white space removed), found in order (the whole
    block, else its first characters). A block not found is taken to start where the one
    before it ended, so the list never decreases."""
    starts: list[int] = []
    cursor = 0
    for wanted in squashed:
        found = text.find(wanted, cursor) if wanted else -1
        if found < 0 and len(wanted) > _PROBE:
            found = text.find(wanted[:_PROBE], cursor)
        if found < 0:
            starts.append(cursor)
            continue
        starts.append(found)
        cursor = found + len(wanted)
    return starts


def _figure(img: Any, src: str, after: int, blocks: Sequence[Block], squashed: list[str]) -> Figure:
    width, height = _side(img, "width"), _side(img, "height")
    if width is None or height is None:
        width = height = None
    caption = _caption(img)
    caption_block = None
    if caption is not None:
        wanted = _squash(caption)
        if after < len(blocks) and blocks[after].kind == "paragraph" and squashed[after] == wanted:
            caption, caption_block = None, after
        elif wanted in squashed:
            caption = None  # shown as a paragraph of the body already
    alt = _SPACE.sub(" ", img.get("alt") or "").strip()
    return Figure(src, alt, after, width, height, caption, caption_block)


def _one_caption_each(figures: list[Figure]) -> tuple[Figure, ...]:
    """Only the last figure before a caption block shows it as its caption."""
    kept: list[Figure] = []
    for n, figure in enumerate(figures):
        following = figures[n + 1] if n + 1 < len(figures) else None
        if (
            figure.caption_block is not None
            and following is not None
            and following.caption_block == figure.caption_block
        ):
            figure = Figure(figure.src, figure.alt, figure.after, figure.width, figure.height)
        kept.append(figure)
    return tuple(kept)


def _caption(img: Any) -> str | None:
    """The text of the ``<figcaption>`` of the ``<figure>`` holding ``img``, if any."""
    for ancestor in _ancestors(img):
        if ancestor.tag == "figure":
            for caption in ancestor.iter("figcaption"):
                text = _SPACE.sub(" ", caption.text_content().replace(_MARK, "")).strip()
                return text or None
            return None
    return None


def _ancestors(element: Any) -> Iterator[Any]:
    parent = element.getparent()
    while parent is not None:
        yield parent
        parent = parent.getparent()


def _picture(img: Any, base: str | None) -> str | None:
    """The absolute address of ``img`` when it is a picture of the article, else None."""
    for side in ("width", "height"):
        value = _side(img, side)
        if value is not None and value < MIN_SIDE:
            return None
    src = img.get("src")
    if not src:
        return None
    url = _absolute(src.strip(), base)
    if url is None or _is_service(urlsplit(url).hostname or ""):
        return None
    return url


def _absolute(url: str, base: str | None) -> str | None:
    """``url`` resolved against ``base``, when that is an http(s) address of a public host."""
    try:
        if base is not None:
            url = urljoin(base, url)
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host or is_internal_host(host):
        return None
    if _BAD_URL_CHAR.search(url):
        return None
    return url


def _is_service(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(host == name or host.endswith("." + name) for name in SERVICE_HOSTS)


def _side(img: Any, name: str) -> int | None:
    """A ``width`` or ``height`` attribute in pixels; None when absent or not in pixels."""
    value = img.get(name)
    match = _DIGITS.fullmatch(value) if value else None
    return int(match.group(1)) if match else None


def _squash(text: str) -> str:
    """``text`` without white space (str.split's, as the block's own text was cut)."""
    return "".join(text.split())
