"""extract_html: news pages written for the test, hostile markup, and the shared real pages."""

from __future__ import annotations

import gzip
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from nutgraf.extract.html import _parse, _visible_paragraph_chars, extract_html
from nutgraf.records import Article

PAGES = Path(__file__).parent.parent / "data" / "html"
PARAGRAPH = (
    "The council met on Tuesday and agreed the budget after a long debate about roads, "
    "schools and the future of the harbour. "
) * 2


def _page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def _all_text(article: Article) -> str:
    return "\n".join(block.text for block in article.blocks)


# --- realistic pages -------------------------------------------------------------------------

CASES: list[dict[str, Any]] = [
    {
        "file": "harbor-gazette-ferry.html",
        "title": "Ferry service to Gull Island resumes after storm repairs",
        "byline": "Maria Lopez",
        "published": "2024-03-05T08:30:00+00:00",
        "source": "Harbor Gazette",
        "url": "https://harborgazette.example/news/2024/03/05/ferry-service-resumes",
        "subheadings": ("A rebuilt landing stage", "What changes for passengers"),
        "paragraphs": 6,
        "first": "The ferry between Port Alden and Gull Island carried its first passengers",
        "last": "The operator said it would add a late sailing on Friday evenings",
        "chrome": [
            "Subscribe today",
            "Related stories",
            "Storm damage along the coast",
            "All rights reserved",
            "Privacy policy",
            "By Maria Lopez",
        ],
    },
    {
        "file": "valley-courier-library.html",
        "title": "Town library to open on Sundays from April",
        "byline": "Tom Briggs",
        "published": "2023-11-20T14:05:00Z",
        "source": "Valley Courier",
        "url": None,
        "subheadings": ("Why Sundays",),
        "paragraphs": 6,
        "first": "Millbrook's central library will open on Sunday afternoons from April",
        "last": "Those who voted against said the money would be better spent",
        "chrome": [
            "cookies",
            "Log in",
            "Share this article",
            "newsletter",
            "Most read",
            "Bypass plans delayed",
            "Registered in England",
        ],
    },
    {
        "file": "le-petit-quotidien-marche.html",
        "title": "Le marché couvert rouvre ses portes après deux ans de travaux",
        "byline": "Claire Dubois",
        "published": "2022-06-18",
        "source": "Le Petit Quotidien",
        "url": None,
        "subheadings": (),
        "paragraphs": 4,  # one <div> of text cut at its <br><br>
        "first": "Après deux ans de travaux, le marché couvert de la place Saint-Martin",
        "last": "Les horaires restent inchangés",
        "chrome": ["Accueil", "Abonnez-vous", "Mentions légales", "Par Claire Dubois"],
    },
]


@pytest.mark.parametrize("case", CASES, ids=[case["file"] for case in CASES])
def test_news_page(case: dict[str, Any]) -> None:
    article = extract_html(_page(case["file"]))
    assert article.title == case["title"]
    assert article.byline == case["byline"]
    assert article.published == case["published"]
    assert article.source == case["source"]
    assert article.url == case["url"]
    assert article.subheadings == case["subheadings"]
    assert len(article.paragraphs) == case["paragraphs"]
    assert article.paragraphs[0].startswith(case["first"])
    assert article.paragraphs[-1].startswith(case["last"])
    body = _all_text(article)
    for chrome in case["chrome"]:
        assert chrome not in body
    assert article.language is None  # extract() detects it from the text


def test_subheadings_sit_between_their_paragraphs_in_reading_order() -> None:
    article = extract_html(_page("harbor-gazette-ferry.html"))
    kinds = "".join(block.kind[0] for block in article.blocks)
    assert kinds == "ppsppspp"


def test_blockquote_text_is_a_paragraph() -> None:
    article = extract_html(_page("valley-courier-library.html"))
    assert any(p.startswith("Families tell us the weekend") for p in article.paragraphs)


def test_the_given_url_wins_over_the_canonical_one() -> None:
    article = extract_html(_page("harbor-gazette-ferry.html"), url="https://mirror.example/ferry")
    assert article.url == "https://mirror.example/ferry"


def test_whitespace_inside_paragraphs_is_collapsed() -> None:
    article = extract_html(_page("harbor-gazette-ferry.html"))
    assert all(text == " ".join(text.split()) for text in article.paragraphs)


def test_a_bare_fragment() -> None:
    article = extract_html(f"<p>{PARAGRAPH}</p>")
    assert article.paragraphs == (PARAGRAPH.strip(),)


def test_lists_become_paragraphs() -> None:
    html = (
        f"<html><body><article><h1>Budget</h1><p>{PARAGRAPH}</p><ul>"
        "<li>Roads: twelve million for resurfacing the ring road.</li>"
        "<li>Schools: two new primary schools in the north of the town.</li>"
        f"</ul><p>{PARAGRAPH}</p></article></body></html>"
    )
    paragraphs = extract_html(html).paragraphs
    assert "Roads: twelve million for resurfacing the ring road." in paragraphs
    assert "Schools: two new primary schools in the north of the town." in paragraphs


def test_the_recall_check_counts_only_the_paragraphs_a_reader_sees() -> None:
    # Hidden text counted as the page's would make a short precise text look like a miss
    # and call recall mode, which keeps hidden text, to replace it.
    shown = "Shown."
    html = (
        "<html><body><nav><p>Menu entry</p></nav><article>"
        '<div style="visibility: hidden"><p>Hidden one</p></div>'
        '<div style="DISPLAY: none"><p>Hidden two</p></div><div hidden><p>Hidden three</p></div>'
        '<p aria-hidden="true">Hidden four</p>'
        f"<div><p>  {shown}  </p></div></article><footer><p>Footer</p></footer></body></html>"
    )
    tree = _parse(html)
    assert tree is not None
    assert _visible_paragraph_chars(tree) == len(shown)


def test_a_page_without_text_gives_no_blocks() -> None:
    article = extract_html("<html><head><title>Just a title</title></head><body></body></html>")
    assert article.blocks == ()
    assert article.title == "Just a title"


@pytest.mark.parametrize("html", ["", "   \n", "<html></html>", "<!-- only a comment -->"])
def test_empty_pages(html: str) -> None:
    assert extract_html(html).blocks == ()


# --- hostile markup --------------------------------------------------------------------------

HOSTILE = {
    "deeply nested divs": "<html><body>"
    + "<div>" * 50_000
    + "x"
    + "</div>" * 50_000
    + "</body></html>",
    "deeply nested inline tags": f"<html><body><p>{PARAGRAPH}</p><p>"
    + "<b>" * 50_000
    + "bold"
    + "</b>" * 50_000
    + "</p></body></html>",
    "nested blockquotes": f"<html><body><p>{PARAGRAPH}</p>"
    + "<blockquote>" * 3000
    + "q"
    + "</blockquote>" * 3000
    + "</body></html>",
    "huge attribute": "<html><body><div class='"
    + "a" * 3_000_000
    + f"'><p>{PARAGRAPH}</p></div></body></html>",
    "100,000 attributes": "<html><body><div "
    + " ".join(f"a{i}=x" for i in range(100_000))
    + f"><p>{PARAGRAPH}</p></div></body></html>",
    "invalid characters": f"<html><body><p>{PARAGRAPH}</p>"
    "<p>NUL\x00 bell\x07 surrogate\ud800 nonchar\ufffe end</p></body></html>",
    "broken markup": f"<html><body><p>{PARAGRAPH}<b><i>unclosed<p>x</table></td>"
    "&#xD800;&#0;&#99999999;&bogus;",
    "xml declaration": '<?xml version="1.0" encoding="windows-1251"?>'
    f"<html><body><p>{PARAGRAPH}</p></body></html>",
    "unclosed comment": f"<html><body><p>{PARAGRAPH}</p><!-- never closed",
    "script only": "<html><body><script>" + "var a = '</p>';" * 10_000 + "</script></body></html>",
}


@pytest.mark.parametrize("html", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_html_does_not_crash_or_stall(html: str) -> None:
    started = time.monotonic()
    article = extract_html(html)
    assert time.monotonic() - started < 20  # unguarded, the attribute cases take 9 s and minutes
    assert isinstance(article, Article)
    for block in article.blocks:
        assert block.text == block.text.strip()
        assert "\x00" not in block.text


def test_invalid_characters_do_not_cut_the_page_short() -> None:
    article = extract_html(HOSTILE["invalid characters"])
    assert article.paragraphs[-1] == "NUL bell surrogate nonchar end"


def test_an_encoding_declaration_in_decoded_text_is_ignored() -> None:
    html = HOSTILE["xml declaration"].replace("council", "совет")
    assert "совет" in extract_html(html).paragraphs[0]


def test_extraction_opens_no_connection() -> None:
    attempts: list[str] = []

    def audit(event: str, _args: tuple[object, ...]) -> None:
        if watching and event.startswith("socket."):
            attempts.append(event)

    watching = True
    sys.addaudithook(audit)  # hooks cannot be removed: the flag turns it off after the test
    try:
        extract_html(_page("harbor-gazette-ferry.html"), url="https://harborgazette.example/x")
    finally:
        watching = False
    assert attempts == []


# --- real pages (shared data) ----------------------------------------------------------------

_TOKEN = re.compile(r"\w+")
# Every 10th dev page (14) measured a mean token F1 of 0.917, lowest page 0.52 (two pages
# where the benchmark's body runs on past what trafilatura keeps). All 131 pages: 0.969.
F1_FLOOR = 0.90
PAGE_FLOOR = 0.45


def _token_f1(predicted: str, expected: str) -> float:
    got, want = (
        Counter(_TOKEN.findall(predicted.lower())),
        Counter(_TOKEN.findall(expected.lower())),
    )
    common = sum((got & want).values())
    if not common:
        return 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def test_real_pages_token_f1(shared_data: Path) -> None:
    folder = shared_data / "extraction"
    rows = [json.loads(line) for line in (folder / "ground-truth.jsonl").read_text().splitlines()]
    sample = sorted(rows, key=lambda row: row["id"])[::10]
    scores = {}
    for row in sample:
        html = gzip.decompress((folder / row["html_file"]).read_bytes()).decode("utf-8")
        article = extract_html(html, url=row["url"])
        # The benchmark's article body includes subheadings: compare every block.
        scores[row["id"][:8]] = _token_f1(_all_text(article), row["body"])
    mean = sum(scores.values()) / len(scores)
    assert mean >= F1_FLOOR, f"mean token F1 {mean:.3f} < {F1_FLOOR}: {scores}"
    assert min(scores.values()) >= PAGE_FLOOR, scores
