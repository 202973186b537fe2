"""Block rules trafilatura misses (#19): slideshow caption runs out, sentence headings and
lone headings in, hidden blocks out, a paragraph the page repeats kept each time."""

from __future__ import annotations

from collections import Counter

from nutgraf.extract.boilerplate import (
    drop_slide_runs,
    lone_headings_as_paragraphs,
    restore_repeats,
    sentence_headings_as_paragraphs,
)
from nutgraf.extract.html import extract_html
from nutgraf.records import Block

BODY = "Real body paragraph that talks about the news of the day at some length."


def _paragraphs(*texts: str) -> list[Block]:
    return [Block("paragraph", text) for text in texts]


def test_a_run_of_slide_counters_is_dropped() -> None:
    slides = [f"{k}/50 Caption of slide {k} with its own few words." for k in range(1, 6)]
    blocks = _paragraphs(BODY, *slides, "After the gallery the article goes on.")
    assert drop_slide_runs(blocks) == _paragraphs(BODY, "After the gallery the article goes on.")


def test_counters_spelled_with_of_count_too() -> None:
    blocks = _paragraphs(*(f"{k} of 4 Slide caption" for k in range(1, 5)), BODY)
    assert drop_slide_runs(blocks) == _paragraphs(BODY)


def test_short_or_broken_runs_stay() -> None:
    recipe = _paragraphs("1/2 tsp ground cloves", "1/4 cup sugar", "3/4 cup flour", BODY)
    assert drop_slide_runs(recipe) == recipe
    two = _paragraphs("1/3 First slide", "2/3 Second slide", BODY)
    assert drop_slide_runs(two) == two
    other_total = _paragraphs("1/3 a", "2/3 b", "3/4 c", BODY)
    assert drop_slide_runs(other_total) == other_total


def test_a_sentence_heading_is_a_paragraph() -> None:
    lead = "The U.S. has long been heralded as a land of opportunity for everyone."
    blocks = [Block("subheading", lead), Block("subheading", "What comes next?")]
    assert sentence_headings_as_paragraphs(blocks) == [
        Block("paragraph", lead),
        Block("subheading", "What comes next?"),
    ]
    title = Block("subheading", "How eight hotels handle towels and sheets in the spring")
    assert sentence_headings_as_paragraphs([title]) == [title]


def test_extract_html_applies_both_rules() -> None:
    lead = "Hotels do not wash every blanket between guests, their managers say."
    slides = "".join(
        f"<p>{k}/20 A slide caption that goes on for a while here.</p>" for k in (1, 2, 3)
    )
    html = (
        "<html><head><title>Hotels</title></head><body><article>"
        f"<h2>{lead}</h2>" + f"<p>{BODY}</p>" * 4 + slides + f"<p>{BODY} The end.</p>"
        "</article></body></html>"
    )
    article = extract_html(html)
    assert article.paragraphs[0] == lead
    assert not any("/20" in paragraph for paragraph in article.paragraphs)
    assert article.paragraphs[-1] == f"{BODY} The end."


def test_headings_alone_are_the_text() -> None:
    headings = [Block("subheading", "Test Case 1"), Block("subheading", "Test Case 2")]
    assert lone_headings_as_paragraphs(headings) == _paragraphs("Test Case 1", "Test Case 2")
    headed = [Block("subheading", "Test Case 1"), *_paragraphs(BODY)]
    assert lone_headings_as_paragraphs(headed) == headed


def test_hidden_blocks_are_not_read() -> None:
    hidden = "Nobody sees this paragraph of the page, hidden as it is by its style."
    html = (
        "<html><head><title>Hidden</title></head><body><article>"
        + f"<p>{BODY}</p>" * 3
        + f'<p style="Display: None">{hidden}</p><div hidden><p>{hidden}</p></div>'
        + f"<p>{BODY} Last.</p></article></body></html>"
    )
    assert "Nobody" not in extract_html(html).text


def test_a_page_that_hides_most_of_its_text_keeps_it() -> None:
    html = (
        "<html><head><title>Shown by script</title></head><body><p>Menu</p>"
        f'<article style="display:none">{f"<p>{BODY}</p>" * 5}</article></body></html>'
    )
    assert BODY in extract_html(html).text


def test_repeats_are_restored_to_the_page_count() -> None:
    other = Block("paragraph", "Another paragraph of the article, said only once.")
    body = Block("paragraph", BODY)
    assert restore_repeats([body, other], Counter({BODY: 2})) == [body, body, body, other]
    assert restore_repeats([body, body, body, other], Counter({BODY: 2})) == [
        body,
        body,
        body,
        other,
    ]
    assert restore_repeats([body, other], Counter()) == [body, other]


def test_a_paragraph_the_page_repeats_is_kept_each_time() -> None:
    html = (
        "<html><head><title>Lorem</title></head><body><article><h1>Lorem</h1>"
        + f"<p>{BODY}</p>" * 3
        + "</article></body></html>"
    )
    assert extract_html(html).paragraphs == (BODY, BODY, BODY)
