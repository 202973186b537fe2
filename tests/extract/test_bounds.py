"""The work per article is bounded whatever its shape: tiny blocks, endless pages (#15, 3).

Each extractor (plain text, HTML page, feed fragment) is given a few thousand tiny blocks,
more than any real article holds, and must keep a bounded article; the big measured cases
(3.6 MB, 500,000 paragraphs) are in benchmarks/hostile.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import lxml.html
import pytest

from nutgraf import extract
from nutgraf.extract.bounds import (
    MAX_BLOCKS,
    MAX_TEXT_CHARS,
    MAX_TINY_RUN,
    bound_blocks,
    cut_text,
)
from nutgraf.extract.fragment import blocks_from_fragment
from nutgraf.extract.html import _parse, extract_html
from nutgraf.extract.pagebounds import (
    MAX_DEPTH_SUM,
    MAX_ELEMENTS,
    MAX_NODE_TEXT,
    MAX_PAGE_TEXT,
    MAX_SHORT_RUN,
    MAX_TAGS,
    bound_tree,
    cut_tags,
    too_deep,
)
from nutgraf.extract.sanitize import sanitize_html
from nutgraf.records import Block

PROSE = "The council approved the budget on Tuesday after a long debate in the chamber."


def _page(body: str) -> str:
    return f"<!doctype html><html><head><title>Tiny</title></head><body>{body}</body></html>"


def _paragraph(n: int) -> Block:
    return Block("paragraph", f"{PROSE} Item {n}.")


# --- bound_blocks ----------------------------------------------------------------------------


def test_an_article_of_real_size_is_kept_as_it_is() -> None:
    blocks = (*(_paragraph(n) for n in range(300)), Block("subheading", "Budget"), _paragraph(1))
    tiny = tuple(Block("paragraph", str(n)) for n in range(MAX_TINY_RUN))  # a table's cells
    assert bound_blocks(blocks + tiny + blocks) == blocks + tiny + blocks


def test_a_long_run_of_tiny_blocks_becomes_one_paragraph() -> None:
    run = [Block("paragraph", "a")] * (MAX_TINY_RUN + 1)
    kept = bound_blocks([_paragraph(0), *run, Block("subheading", "b"), _paragraph(1)])
    assert kept == (
        _paragraph(0),
        Block("paragraph", " ".join(["a"] * (MAX_TINY_RUN + 1) + ["b"])),
        _paragraph(1),
    )


def test_blocks_and_characters_are_capped() -> None:
    assert len(bound_blocks(_paragraph(n) for n in range(3 * MAX_BLOCKS))) == MAX_BLOCKS
    kept = bound_blocks([Block("paragraph", "word " * MAX_TEXT_CHARS)] * 3)
    assert len(kept) == 1
    assert len(kept[0].text) <= MAX_TEXT_CHARS
    assert kept[0].text.endswith("word")  # cut at a space


def test_blocks_are_read_only_as_far_as_the_bound() -> None:
    read = 0

    def endless() -> Iterator[Block]:
        nonlocal read
        while True:
            read += 1
            yield Block("paragraph", "a")  # tiny: merged into paragraphs of the whole budget

    kept = bound_blocks(endless())
    assert len(kept) == 1
    assert read <= MAX_TEXT_CHARS // 2 + 1  # what fills it: a letter and a space each


def test_cut_text_keeps_whole_words() -> None:
    assert cut_text("alpha beta gamma", 12) == "alpha beta"
    assert cut_text("alphabet", 5) == "alpha"
    assert cut_text("short", 10) == "short"


# --- the three extractors ---------------------------------------------------------------------


def test_a_text_page_of_one_letter_lines_is_one_bounded_paragraph() -> None:
    article = extract("Tiny lines\n" + "a\n" * 5_000, name="page.txt")
    assert len(article.blocks) <= 2
    assert len(article.text) <= MAX_TEXT_CHARS


@pytest.mark.parametrize(
    "body",
    [
        "<p>a</p>" * 5_000,
        "<ul>" + "<li>a</li>" * 5_000 + "</ul>",
        "<h2>a</h2><p>b</p>" * 2_500,
        "<p>" + "A. B. C. " * 5_000 + "</p>",
        "<div>" * 200 + "<p>a</p>" * 5_000 + "</div>" * 200,
    ],
    ids=["paragraphs", "list-items", "headings", "sentences", "nested"],
)
def test_a_page_or_feed_entry_of_tiny_blocks_is_bounded(body: str) -> None:
    for blocks in (extract_html(_page(body)).blocks, blocks_from_fragment(body)):
        assert 1 <= len(blocks) <= MAX_TINY_RUN
        assert sum(len(block.text) for block in blocks) <= MAX_TEXT_CHARS


def test_a_feed_entry_of_many_paragraphs_keeps_the_block_cap() -> None:
    blocks = blocks_from_fragment("".join(f"<p>{_paragraph(n).text}</p>" for n in range(5_000)))
    assert blocks == tuple(_paragraph(n) for n in range(MAX_BLOCKS))


# --- the page, before trafilatura reads it ----------------------------------------------------


def test_a_real_sized_page_is_parsed_whole() -> None:
    html = _page("".join(f"<div><p>{_paragraph(n).text}</p></div>" for n in range(3_000)))
    tree = _parse(html)
    assert tree is not None
    assert len(tree.xpath("//p")) == 3_000


def test_a_huge_page_is_cut_to_the_element_bound() -> None:
    html = _page("<div><p>x</p></div>" * 20_000)  # 60,000 tags
    tree = _parse(html)
    assert tree is not None
    assert sum(1 for _ in tree.iter()) <= MAX_ELEMENTS
    assert cut_tags(html).count("<") == MAX_TAGS


def test_an_endless_run_of_short_blocks_is_cut_and_what_follows_is_kept() -> None:
    html = _page("<section>" + "<div><p>short</p></div>" * (MAX_SHORT_RUN + 500) + "</section>")
    tree = lxml.html.document_fromstring(html.replace("</section>", f"</section><p>{PROSE}</p>"))
    bound_tree(tree)
    texts = [p.text_content() for p in tree.iter("p")]
    assert texts.count("short") == MAX_SHORT_RUN
    assert texts[-1] == PROSE


def test_long_text_is_cut_in_the_tree() -> None:
    tree = lxml.html.document_fromstring(_page("<p>" + "word " * 100_000 + "</p>"))
    bound_tree(tree)
    assert len(tree.xpath("string(//p)")) <= 50_000


def test_a_long_comment_and_many_long_nodes_are_cut_too() -> None:
    comment = lxml.html.document_fromstring(_page("<!--" + "c" * 100_000 + "--><p>x</p>"))
    bound_tree(comment)
    assert all(len(node.text or "") <= MAX_NODE_TEXT for node in comment.iter())
    node = "word " * (MAX_NODE_TEXT // 5 - 1)  # just under the bound of one node
    many = lxml.html.document_fromstring(_page(f"<p>{node}</p>" * (MAX_PAGE_TEXT // len(node) + 5)))
    bound_tree(many)
    assert len(many.xpath("string(/)")) <= MAX_PAGE_TEXT


def _depth_sum(tree: lxml.html.HtmlElement) -> int:
    return sum(len(list(element.iterancestors())) + 1 for element in tree.iter())


@pytest.mark.parametrize(("depth", "width"), [(10, 100), (60, 5_000), (150, 2_300), (200, 1_000)])
def test_too_deep_is_the_sum_of_depths(depth: int, width: int) -> None:
    html = _page("<div>" * depth + "<p>x</p>" * width + "</div>" * depth)
    tree = lxml.html.document_fromstring(html)
    assert too_deep(tree) == (_depth_sum(tree) > MAX_DEPTH_SUM)


def test_a_page_nested_too_deep_for_trafilatura_is_read_from_its_paragraphs() -> None:
    count = MAX_DEPTH_SUM // 240 + 1
    paragraphs = "".join(f"<p>{_paragraph(n).text}</p>" for n in range(count))
    html = _page("<div>" * 240 + paragraphs + "</div>" * 240)
    tree = _parse(html)
    assert tree is not None
    assert too_deep(tree)
    article = extract_html(html)
    assert article.title == "Tiny"
    assert article.paragraphs == tuple(_paragraph(n).text for n in range(count))


def test_sanitized_html_is_bounded() -> None:
    kept = sanitize_html("<p>a</p>" * 20_000, "https://example.org/")
    assert kept.count("<p>") <= MAX_TAGS // 2
