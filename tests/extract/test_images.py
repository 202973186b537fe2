"""An article's images from its sanitized HTML: where they stand among its blocks, and the
first one (a list's thumbnail)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nutgraf.extract.fragment import blocks_from_fragment
from nutgraf.extract.images import (
    LEAD_CHARS,
    MAX_FIGURES,
    Figure,
    display_image,
    first_image,
    place_figures,
)
from nutgraf.extract.sanitize import sanitize_html
from nutgraf.ingest.feeds import parse_feed

FEEDS = Path(__file__).parent.parent / "data" / "feeds"
TECHCRUNCH_THUMB = (
    "http://tctechcrunch2011.files.wordpress.com/2011/11/angies-list.jpeg?w=100&h=62&crop=1"
)


def placed(raw: str, base: str | None = "https://news.example/story") -> tuple[Figure, ...]:
    """What ingest keeps (blocks of the raw HTML, the sanitized HTML), then placed."""
    return place_figures(sanitize_html(raw, base), blocks_from_fragment(raw))


def test_a_techcrunch_entry_keeps_its_picture_and_drops_buttons_ads_and_pixels() -> None:
    feed = parse_feed((FEEDS / "techcrunch-1entry.xml").read_bytes(), url="https://techcrunch.com/")
    entry = feed.entries[0]
    raw = entry.content_html or ""
    assert raw.count("<img") == 10  # thumbnail, 2 ads, 6 feed-service buttons, 1 pixel
    html = sanitize_html(raw, entry.link)
    blocks = blocks_from_fragment(raw)
    figures = place_figures(html, blocks)
    assert figures == (Figure(TECHCRUNCH_THUMB, "angies-list", after=0, width=100, height=62),)
    assert blocks[0].text.startswith("Angie’s List, which offers consumers")
    assert first_image(html) == TECHCRUNCH_THUMB


def test_images_are_placed_between_the_blocks_they_stood_between() -> None:
    raw = (
        '<img src="/lead.jpg" width="800" height="450" alt="The harbour">'
        "<p>First paragraph about the harbour.</p>"
        "<h2>The lamp</h2>"
        '<p>Second <img src="https://img.example/inline.png"> paragraph, with an image inside.</p>'
        '<figure><img src="https://img.example/pier.jpg" alt="The pier">'
        "<figcaption>The pier, in March.</figcaption></figure>"
        "<p>Last paragraph.</p>"
        '<p><img src="https://img.example/end.gif" width="640" height="90%"></p>'
    )
    figures = placed(raw)
    assert [(f.src.rsplit("/", 1)[1], f.after) for f in figures] == [
        ("lead.jpg", 0),
        ("inline.png", 3),  # after the paragraph it was inside
        ("pier.jpg", 3),  # before its caption, block 3
        ("end.gif", 5),
    ]
    lead, _, pier, end = figures
    assert lead.src == "https://news.example/lead.jpg"  # resolved against the page
    assert (lead.width, lead.height, lead.alt) == (800, 450, "The harbour")
    assert pier.caption_block == 3 and pier.caption is None
    assert (end.width, end.height) == (None, None)  # a percentage is not a size


def test_a_caption_that_is_no_block_is_kept_on_the_figure() -> None:
    html = (
        '<p>Text before the picture.</p><figure><img src="https://img.example/a.jpg">'
        "<figcaption>Photo: A. Lens</figcaption></figure>"
    )
    blocks = blocks_from_fragment("<p>Text before the picture.</p>")
    (figure,) = place_figures(html, blocks)
    assert (figure.after, figure.caption, figure.caption_block) == (1, "Photo: A. Lens", None)


def test_two_images_before_one_caption_give_it_to_the_last() -> None:
    raw = (
        '<figure><img src="https://img.example/a.jpg"><img src="https://img.example/b.jpg">'
        "<figcaption>Both sides of the pier.</figcaption></figure><p>Text.</p>"
    )
    first, second = placed(raw)
    assert (first.caption_block, second.caption_block) == (None, 0)


def test_pixels_icons_repeats_and_unsafe_sources_are_left_out() -> None:
    html = (
        '<p>Text.</p><img src="https://t.example/p.gif" width="1" height="1">'
        '<img src="https://img.example/icon.png" width="12" height="12">'
        '<img src="https://img.example/a.jpg"><img src="https://img.example/a.jpg">'
        '<img src="http://127.0.0.1/admin.png"><img src="data:image/png;base64,AAAA">'
        '<img src="javascript:alert(1)"><img src="/relative.png"><img>'
        '<img src="https://stats.wordpress.com/b.gif?x=1">'
        '<img src="https://ad.doubleclick.net/x.gif">'
    )
    figures = place_figures(html, blocks_from_fragment("<p>Text.</p>"))
    assert [f.src for f in figures] == ["https://img.example/a.jpg"]


def test_blocks_whose_text_is_not_found_do_not_move_images_back() -> None:
    raw = "<p>One.</p><p>Two.</p><img src='https://img.example/a.jpg'><p>Three.</p>"
    blocks = blocks_from_fragment("<p>One.</p><p>Two, reworded.</p><p>Three.</p>")
    (figure,) = place_figures(sanitize_html(raw, None), blocks)
    assert figure.after == 2


def test_first_image_skips_what_is_no_picture_and_reads_only_the_lead() -> None:
    assert first_image(None) is None
    assert first_image("<p>No picture.</p>") is None
    html = (
        '<img src="https://feeds.feedburner.com/~ff/x?d=1">'
        '<img src="https://img.example/px.gif" height="1" width="1">'
        "<IMG alt='a > b' SRC='pic.jpg'>"
    )
    assert first_image(html) is None  # relative, and no base
    assert first_image(html, "https://news.example/a/") == "https://news.example/a/pic.jpg"
    late = "<p>" + "x" * LEAD_CHARS + '</p><img src="https://img.example/late.jpg">'
    assert first_image(late) is None


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://img.example/a.jpg?w=1&h=2", "https://img.example/a.jpg?w=1&h=2"),
        ("http://img.example/a.jpg", "https://img.example/a.jpg"),  # asked for over https
        (" https://img.example/a.jpg ", "https://img.example/a.jpg"),
        ("HTTP://img.example/a.jpg", "https://img.example/a.jpg"),
        ("/a.jpg", None),
        ("ftp://img.example/a.jpg", None),
        ("javascript:alert(1)", None),
        ("https://localhost/a.jpg", None),
        ("https://10.0.0.1/a.jpg", None),
        ('https://img.example/a".jpg', None),
        ("https://img.example:99999/a.jpg", None),
        ("", None),
        (None, None),
    ],
)
def test_display_image_loads_public_images_over_https_only(
    url: str | None, shown: str | None
) -> None:
    assert display_image(url) == shown


def test_many_images_are_bounded_in_number_and_time() -> None:
    html = "".join(
        f"<p>Paragraph {n} is long enough to stand alone as a paragraph of the article.</p>"
        f'<img src="https://img.example/{n}.jpg">'
        for n in range(20_000)
    )
    blocks = blocks_from_fragment(html)
    started = time.perf_counter()
    figures = place_figures(html, blocks)
    assert time.perf_counter() - started < 2.0
    assert len(figures) == MAX_FIGURES
    assert [f.after for f in figures[:3]] == [1, 2, 3]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="<>/=\"' imgsrcpa:.x1", max_size=300))
def test_any_text_is_read_without_raising(html: str) -> None:
    figures = place_figures(html, blocks_from_fragment(html))
    afters = [f.after for f in figures]
    assert afters == sorted(afters)
    first_image(html, "https://news.example/")


def test_text_holding_the_image_mark_does_not_shift_images() -> None:
    raw = (
        "<p>A private \ue000 use character.</p><p>The second paragraph.</p>"
        "<img src='https://img.example/a.jpg'><p>Three.</p>"
    )
    (figure,) = placed(raw)
    assert figure.after == 2
