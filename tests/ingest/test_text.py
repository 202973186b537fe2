"""parse_text: page dumps against their hand-labelled JSON, plain text, and any text at all."""

from __future__ import annotations

import json
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutgraf.extract.bounds import MAX_BLOCKS, MAX_TEXT_CHARS
from nutgraf.ingest import text as text_module
from nutgraf.ingest.text import CHROME_VOCABULARY, parse_text
from nutgraf.records import Article, Block

PAGES = Path(__file__).parent.parent / "data" / "pages"
EXPECTED = sorted(PAGES.glob("*.expected.json"))


def _page_text(expected: Path) -> str:
    return expected.with_name(expected.name.removesuffix(".expected.json") + ".txt").read_text(
        encoding="utf-8"
    )


def _as_expected(article: Article) -> dict[str, Any]:
    """The article in the keys of the hand-labelled expected files."""
    return {
        "title": article.title,
        "source": article.source,
        "byline": article.byline,
        "date": article.published,
        "subheadings": list(article.subheadings),
        "body_paragraphs": list(article.paragraphs),
        "related_headlines": list(article.related),
        "previous_article": article.previous,
        "next_article": article.next,
    }


def test_the_corpus_has_the_seed_and_six_more_pages() -> None:
    names = {path.name.removesuffix(".expected.json") for path in EXPECTED}
    assert "seed-lublin" in names
    assert len(names) >= 7


@pytest.mark.parametrize("expected_path", EXPECTED, ids=lambda p: p.name.split(".")[0])
def test_page_dump_matches_its_labels(expected_path: Path) -> None:
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    got = _as_expected(parse_text(_page_text(expected_path)))
    assert {key: got[key] for key in got if key in expected} == {
        key: expected[key] for key in got if key in expected
    }


def test_seed_page_blocks_in_reading_order() -> None:
    article = parse_text((PAGES / "seed-lublin.txt").read_text(encoding="utf-8"))
    subheadings = [n for n, block in enumerate(article.blocks) if block.kind == "subheading"]
    assert subheadings == [7, 10]  # after the 7th and the 9th paragraph
    assert len(article.blocks) == 18
    assert article.byline is None and article.published is None
    assert "Get a summary" not in article.text and "Read Also" not in article.text


def test_seed_page_with_windows_line_endings_and_tabs() -> None:
    text = (PAGES / "seed-lublin.txt").read_text(encoding="utf-8")
    messy = text.replace("\n", "\r\n").replace("Source: ", "Source:\t ")
    assert parse_text(messy) == parse_text(text)


def test_plain_text_paragraphs_split_by_blank_lines_and_wrapped_lines_joined() -> None:
    text = (
        "The river rose by two metres overnight and the old bridge was closed to traffic\n"
        "before dawn, the city said.\n"
        "\n"
        "Residents   of the lower town\twere asked to move their cars to higher ground.\n"
    )
    article = parse_text(text)
    assert article.title is None
    assert article.paragraphs == (
        "The river rose by two metres overnight and the old bridge was closed to traffic "
        "before dawn, the city said.",
        "Residents of the lower town were asked to move their cars to higher ground.",
    )


def test_plain_text_without_blank_lines_splits_on_single_newlines() -> None:
    text = "First paragraph, on its own line.\nSecond paragraph.\nThird paragraph ends here."
    article = parse_text(text)
    assert article.title is None
    assert article.paragraphs == (
        "First paragraph, on its own line.",
        "Second paragraph.",
        "Third paragraph ends here.",
    )


def test_plain_text_with_a_title_line() -> None:
    article = parse_text("Storm Closes Bridge\n\nThe bridge was closed on Monday.\n")
    assert article.title == "Storm Closes Bridge"
    assert article.blocks == (Block("paragraph", "The bridge was closed on Monday."),)


def test_cnn_style_single_line_is_one_paragraph_without_title() -> None:
    text = (
        "(CNN)Share, and your gift will be multiplied. That may sound like an esoteric "
        "adage, but when Zully Broussard selflessly decided to give one of her kidneys to a "
        "stranger, her generosity paired up with big data."
    )
    article = parse_text(text)
    assert article.title is None
    assert article.paragraphs == (text,)
    assert article.related == () and article.source is None


def test_body_sentence_with_a_chrome_word_stays_body() -> None:
    body = [
        "Poland will share its experience of building shelters with its neighbours.",
        "Read also the minister's letter, which was published on Monday, before you decide.",
        "Source code for the app is published on GitHub, the ministry said.",
        "Next year the programme will be extended to all schools.",
    ]
    article = parse_text("Shelters for Every Town\n\n" + "\n\n".join(body))
    assert article.title == "Shelters for Every Town"
    assert list(article.paragraphs) == body
    assert article.related == () and article.source is None and article.next is None


@pytest.mark.parametrize(
    ("line", "published"),
    [
        ("Published: 12 March 2024", "2024-03-12"),
        ("2024-03-12", "2024-03-12"),
        ("12.03.2024", "2024-03-12"),
        ("Updated March 12, 2024 at 3:05 pm", "2024-03-12T15:05"),
        ("Tuesday, 12 March 2024", "2024-03-12"),
        ("12 marca 2024 r., godz. 14:05", "2024-03-12T14:05"),
        ("Veröffentlicht am 12. März 2024", "2024-03-12"),
        ("Опубликовано: 12 марта 2024 года", "2024-03-12"),
        ("12 de marzo de 2024", "2024-03-12"),
        ("2024-03-12T10:30:00Z", "2024-03-12T10:30Z"),
        ("Published: yesterday", None),
        ("Published 2024-03-12", "2024-03-12"),
        ("Updated 12.03.2024 14:05", "2024-03-12T14:05"),
        ("31/12/2024", "2024-12-31"),
        ("12/31/2024", "2024-12-31"),
        ("03/04/2024", None),  # day and month cannot be told apart
    ],
)
def test_date_lines_become_iso_dates_not_body(line: str, published: str | None) -> None:
    article = parse_text(f"Harbour Reopens\n\n{line}\n\nThe harbour reopened on Monday.")
    assert article.published == published
    assert article.paragraphs == ("The harbour reopened on Monday.",)


@pytest.mark.parametrize(
    ("line", "byline"),
    [
        ("By Jane Doe", "Jane Doe"),
        ("Autor: Jan Kowalski", "Jan Kowalski"),
        ("Von Hans Müller", "Hans Müller"),
        ("Автор: Иван Петров", "Иван Петров"),
        ("By Anna Nowak, PAP | 5 min read", "Anna Nowak, PAP"),
    ],
)
def test_byline_lines(line: str, byline: str) -> None:
    article = parse_text(f"Harbour Reopens\n\n{line}\n\nThe harbour reopened on Monday.")
    assert article.byline == byline
    assert article.paragraphs == ("The harbour reopened on Monday.",)


def test_a_headline_after_a_title_is_not_taken_for_a_byline() -> None:
    article = parse_text("Von der Leyen Visits Kyiv\n\nThe president arrived by train.")
    assert article.title == "Von der Leyen Visits Kyiv"
    assert article.byline is None


def test_repeated_short_lines_are_chrome() -> None:
    text = "\n\n".join(
        [
            "Harbour Reopens After Storm",
            "The Kingsport Gazette",
            "The harbour reopened on Monday after a week of repairs.",
            "Ferries will run to the normal timetable from Friday.",
            "The Kingsport Gazette",
        ]
    )
    article = parse_text(text)
    assert article.paragraphs == (
        "The harbour reopened on Monday after a week of repairs.",
        "Ferries will run to the normal timetable from Friday.",
    )
    assert article.subheadings == ()


def test_vocabulary_covers_the_required_languages() -> None:
    assert {"en", "pl", "de", "ru"} <= set(CHROME_VOCABULARY)
    for roles in CHROME_VOCABULARY.values():
        assert all(phrase == phrase.lower() for phrase in "|".join(roles.values()).split("|"))


@pytest.mark.parametrize("text", ["", " ", "\n\n\t\n", "\u2028\u00a0"])
def test_empty_text_gives_an_article_without_blocks(text: str) -> None:
    assert parse_text(text) == Article()


def test_a_10_kb_dump_parses_quickly() -> None:
    text = (PAGES / "seed-lublin.txt").read_text(encoding="utf-8")
    text = (text + "\n\n") * (10_000 // len(text) + 1)
    start = time.perf_counter()
    for _ in range(20):
        parse_text(text)
    assert (time.perf_counter() - start) / 20 < 0.02  # generous: about 1 ms on a laptop


def _normalised(text: str) -> str:
    return " ".join(text.split())


@given(st.text())
def test_any_text_parses_and_blocks_come_from_the_text(text: str) -> None:
    article = parse_text(text)
    for block in article.blocks:
        assert block.text and block.text == block.text.strip()
        assert block.text in _normalised(text)


_PAGE_LINES = st.sampled_from(
    [
        "Read Also:",
        "— A related headline about the harbour",
        "Source: PAP",
        "Next Article",
        "Previous Article",
        "No time to read?",
        "Share",
        "By Jane Doe",
        "12.03.2024",
        "A Short Subheading",
        "The harbour reopened on Monday after a week of repairs.",
        "- a list item;",
        "",
    ]
)


@given(st.lists(st.one_of(_PAGE_LINES, st.text(max_size=40)), max_size=30))
def test_any_mix_of_page_lines_parses(lines: list[str]) -> None:
    text = "\n".join(lines)
    article = parse_text(text)
    for block in article.blocks:
        assert block.text and block.text == block.text.strip()
        assert block.text in _normalised(text)
    assert all(item and item == item.strip() for item in article.related)


# --- bounded whatever the text (#15, point 3) ------------------------------------------------


@pytest.mark.parametrize(
    "unit",
    ["a\n", "a.\n", "a\n\n", "ab cd\n", "x\r\n"],
    ids=["letters", "letters-dot", "paragraphs", "words", "crlf"],
)
def test_a_page_of_tiny_lines_is_read_line_by_line_into_a_bounded_article(unit: str) -> None:
    text = unit * 50_000
    tracemalloc.start()
    try:
        article = parse_text(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # The lines were never all held (50,000 lines and their units took 13 to 16 MB); what
    # is held is the text of a merged paragraph, a few times over at most.
    assert peak < 8 * MAX_TEXT_CHARS
    assert len(article.blocks) == 1
    assert len(article.text) <= MAX_TEXT_CHARS
    assert set(article.text.split()) == set(unit.split())


def test_a_long_plain_text_keeps_the_block_cap() -> None:
    lines = [f"Paragraph {n} says what the council decided about the harbour." for n in range(5000)]
    article = parse_text("\n".join(lines))
    assert article.paragraphs == tuple(lines[:MAX_BLOCKS])


@given(st.lists(st.sampled_from(["a", "bb ", " ", "\r\n", "\n", "\r", "\x0b", "\x85", "\u2028"])))
def test_lines_are_split_as_splitlines_splits_them(pieces: list[str]) -> None:
    text = "".join(pieces)
    expected = [" ".join(line.split()) for line in text.splitlines()]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(text_module, "_WINDOW", 3)  # windows end everywhere, even inside "\r\n"
        assert list(text_module._collapsed_lines(text)) == expected
