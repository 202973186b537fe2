"""Feed entry bodies (HTML fragments) into blocks."""

from __future__ import annotations

import pytest

from nutgraf.extract.fragment import blocks_from_fragment
from nutgraf.records import Block


def test_headings_paragraphs_lists_and_quotes() -> None:
    html = (
        "<p>One <b>bold</b> paragraph.</p><h2>A part</h2><p>Two<br>lines</p>"
        "<ul><li>item a</li><li>item b</li></ul><blockquote><p>Quoted.</p></blockquote>"
    )
    assert blocks_from_fragment(html) == (
        Block("paragraph", "One bold paragraph."),
        Block("subheading", "A part"),
        Block("paragraph", "Two lines"),
        Block("paragraph", "item a"),
        Block("paragraph", "item b"),
        Block("paragraph", "Quoted."),
    )


def test_double_breaks_split_loose_text_and_scripts_vanish() -> None:
    html = "First part.<br><br>Second part.<script>alert(1)</script><style>p{}</style>"
    assert blocks_from_fragment(html) == (
        Block("paragraph", "First part."),
        Block("paragraph", "Second part."),
    )


@pytest.mark.parametrize(
    "html",
    [
        '<a href="https://news.example/item?id=1">Comments</a>',
        "<p>12 comments</p>",
        "<p>The post Storm hits coast appeared first on Example News.</p>",
        "<p>Continue reading…</p>",
        "",
        "   ",
    ],
)
def test_link_lines_and_footers_are_not_text(html: str) -> None:
    assert blocks_from_fragment(html) == ()


def test_prose_that_mentions_comments_stays() -> None:
    text = "The comments section was closed after abuse."
    assert blocks_from_fragment(f"<p>{text}</p>") == (Block("paragraph", text),)


def test_broken_markup_still_gives_its_text() -> None:
    assert [b.text for b in blocks_from_fragment("<p>Open <b>never closed<p>next")] == [
        "Open never closed",
        "next",
    ]
