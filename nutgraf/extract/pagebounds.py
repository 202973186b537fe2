"""A page cut to a size trafilatura reads in bounded time, before it reads it.

trafilatura's cost grows faster than the page: jusText, its fallback, looks for the nearest
long paragraph from each short one (quadratic in a run of short paragraphs: 5,000 of them in
a row take 11 s), its wild-text recovery walks every element's ancestors and searches the
text kept so far (15,000 nested paragraphs: 17 s). Real pages stay far from where that
hurts, so a page larger than any of them is cut, in document order, to what they hold at
most: what follows is dropped, as is the tail of an endless run of short blocks. A page
nested so deep that even its kept elements would cost too much is left to the fallback
extractor (``too_deep``).

The numbers come from the 261 pages of ../shared/data/extraction and
extraction-readability (and tests/data/html), whose largest is a Wikipedia page: 19,252
``<``, 9,888 elements, a sum of element depths of 120,183; the longest run of short leaf
blocks is 953 (a Taiwanese blog).
"""

from __future__ import annotations

from functools import lru_cache
from itertools import islice
from typing import Final

# lxml ships no type hints (lxml-stubs is not a dependency): its objects are Any here.
from lxml import etree
from lxml.html import HtmlElement

__all__ = [
    "MAX_DEPTH_SUM",
    "MAX_ELEMENTS",
    "MAX_NODE_TEXT",
    "MAX_PAGE_TEXT",
    "MAX_SHORT_RUN",
    "MAX_TAGS",
    "bound_tree",
    "cut_tags",
    "too_deep",
]

# Tags ("<") of the page parsed at all, and elements kept: about 1.2 times the largest page.
MAX_TAGS: Final = 24_000
MAX_ELEMENTS: Final = 12_000
# Short leaf blocks kept in a row: about twice the longest run of a real page. "Short" is
# jusText's: under 70 characters (its length_low).
MAX_SHORT_RUN: Final = 2_000
SHORT_CHARS: Final = 70
# Characters of text (outside scripts and styles) kept in one text node and in the whole page:
# five times the longest node of a real page (9,353) and twice the most text (493,559, of
# which most is white space). trafilatura's date and text regexes cost about a microsecond
# and a half per character.
MAX_NODE_TEXT: Final = 50_000
MAX_PAGE_TEXT: Final = 1_000_000
# The sum over elements of their depth, what trafilatura's ancestor walks cost: three times
# the largest page's. Beyond it (12,000 elements 30 deep on average) trafilatura is not run.
MAX_DEPTH_SUM: Final = 360_000

_CODE_TAGS: Final = frozenset({"script", "style"})
# Elements that start a paragraph of their own (jusText's PARAGRAPH_TAGS, and HTML5's).
_BLOCK_TAGS: Final = frozenset(
    """address article aside blockquote body caption center col colgroup dd details dir div
    dl dt fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr legend li main
    menu nav ol optgroup option p pre section summary table tbody td textarea tfoot th thead
    tr ul""".split()
)

# The checks that find a real page within every bound run in libxml2 (XPath), where no Python
# object is made per element; the walks that cut run only on a page that fails one of them.
# What ``tree.iter()`` yields: elements, comments, processing instructions.
_NODE_COUNT = etree.XPath(
    "count(/descendant::*) + count(/descendant::comment())"
    " + count(/descendant::processing-instruction())"
)
_ELEMENT_COUNT = etree.XPath("count(/descendant::*)")
_TEXT_CHARS = etree.XPath("string-length(string(/))")  # every text node, scripts included
_LONG_TEXT_NODE = etree.XPath(
    "boolean(/descendant::text()[string-length() > $limit][not(parent::script or parent::style)])"
)
_COMMENTS = etree.XPath("/descendant::comment() | /descendant::processing-instruction()")
# Depths beyond this are looked for by the walk itself (a page of so few elements walks fast).
_MAX_DEPTH_PATH = 200


def cut_tags(html: str) -> str:
    """``html`` with its first ``MAX_TAGS`` tags (``<``), cut before the next: parsing a page
    costs per tag, and nothing past that many is kept anyway."""
    if html.count("<") <= MAX_TAGS:
        return html
    position = -1
    for _ in range(MAX_TAGS + 1):
        position = html.find("<", position + 1)
    return html[:position]


def bound_tree(tree: HtmlElement) -> None:
    """Cut a parsed page in place: runs of short leaf blocks to ``MAX_SHORT_RUN``, the whole
    to its first ``MAX_ELEMENTS`` elements, its text to ``MAX_NODE_TEXT`` characters a node
    and ``MAX_PAGE_TEXT`` in all. A real page is left as it is."""
    # A page with fewer blocks than a run may hold (a real page) has no run to cut: counting
    # them in C costs a quarter of the walk that finds the runs.
    if next(islice(tree.iter(*_BLOCK_TAGS), MAX_SHORT_RUN, None), None) is not None:
        for element in _beyond_short_runs(tree):
            parent = element.getparent()
            if parent is not None:
                parent.remove(element)  # its tail too: part of the run
    if _NODE_COUNT(tree) > MAX_ELEMENTS:
        _truncate(tree, MAX_ELEMENTS)
    if _text_over_bounds(tree):
        _cut_text(tree)


def too_deep(tree: HtmlElement) -> bool:
    """Whether the sum of the depths of the page's elements passes ``MAX_DEPTH_SUM``."""
    # n elements none deeper than d sum to at most n * d: a page none of whose elements is
    # deeper than MAX_DEPTH_SUM // n (every real page) needs no walk.
    elements = int(_ELEMENT_COUNT(tree))
    if not elements or not _deeper_than(min(MAX_DEPTH_SUM // elements, _MAX_DEPTH_PATH))(tree):
        return False
    depth = total = 0
    for event, _ in etree.iterwalk(tree, events=("start", "end")):
        if event == "start":
            depth += 1
            total += depth
            if total > MAX_DEPTH_SUM:
                return True
        else:
            depth -= 1
    return False


@lru_cache(maxsize=64)
def _deeper_than(depth: int) -> etree.XPath:
    """An XPath telling whether some element lies deeper than ``depth`` (the root at 1)."""
    return etree.XPath("boolean(" + "/*" * (depth + 1) + ")")


def _beyond_short_runs(tree: HtmlElement) -> list[HtmlElement]:
    """The leaf blocks (blocks holding no block) that come after ``MAX_SHORT_RUN`` short
    ones in a row, in document order."""
    excess: list[HtmlElement] = []
    holds_block = [False]  # per open block element: whether a block was found inside it
    run = 0
    for event, element in etree.iterwalk(tree, events=("start", "end"), tag=_BLOCK_TAGS):
        if event == "start":
            holds_block[-1] = True
            holds_block.append(False)
            continue
        if holds_block.pop():
            continue
        short = len(" ".join(element.text_content().split())) < SHORT_CHARS
        run = run + 1 if short else 0
        if run > MAX_SHORT_RUN:
            excess.append(element)
    return excess


def _text_over_bounds(tree: HtmlElement) -> bool:
    """Whether ``_cut_text`` may have something to cut: some text node or comment over
    ``MAX_NODE_TEXT``, or all the text (scripts and comments counted too: more than
    ``_cut_text`` counts) over ``MAX_PAGE_TEXT``."""
    if _LONG_TEXT_NODE(tree, limit=MAX_NODE_TEXT):
        return True
    comment_chars = 0
    for comment in _COMMENTS(tree):
        chars = len(comment.text or "")
        if chars > MAX_NODE_TEXT:
            return True
        comment_chars += chars
    return bool(_TEXT_CHARS(tree) + comment_chars > MAX_PAGE_TEXT)


def _cut_text(tree: HtmlElement) -> None:
    """Cut each text and tail outside scripts and styles to ``MAX_NODE_TEXT`` characters,
    and drop what passes ``MAX_PAGE_TEXT`` in all."""
    room = MAX_PAGE_TEXT
    for element in tree.iter():
        code = isinstance(element.tag, str) and element.tag in _CODE_TAGS
        for attribute in ("tail",) if code else ("text", "tail"):
            text = getattr(element, attribute)
            if not text:
                continue
            keep = min(len(text), MAX_NODE_TEXT, room)
            if keep < len(text):
                setattr(element, attribute, text[:keep])
            room -= keep


def _truncate(tree: HtmlElement, limit: int) -> None:
    """Remove every element after the first ``limit`` in document order."""
    cut = next(islice(tree.iter(), limit, None), None)
    if cut is None:
        return
    parent = cut.getparent()
    if parent is None:
        return
    del parent[parent.index(cut) :]
    node = parent
    while (parent := node.getparent()) is not None:
        del parent[parent.index(node) + 1 :]
        node = parent
