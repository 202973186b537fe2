"""extract: bytes or text, HTML or plain text, in; an Article with its language out."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from nutgraf.errors import InputError
from nutgraf.extract import extract, extract_html
from nutgraf.records import Article

pytest.importorskip("nutgraf.ingest.text", reason="parse_text (plain-text pages) not written yet")

PAGES = Path(__file__).parent.parent / "data" / "html"

PLAIN = """Council approves new cycle lanes

By Sam Green

The city council on Monday approved a network of protected cycle lanes across the centre,
after two years of consultation with residents and businesses.

Work will begin in the spring and should be finished by the end of next year, the council said.
"""
RUSSIAN = """Банк России сохранил ключевую ставку

Центральный банк России в пятницу сохранил ключевую ставку на уровне шестнадцати процентов годовых.

По словам председателя, инфляция замедляется, но остаётся выше цели, поэтому снижать ставку рано.
"""


def test_html_bytes_by_content() -> None:
    data = (PAGES / "harbor-gazette-ferry.html").read_bytes()
    article = extract(data)
    assert article.title == "Ferry service to Gull Island resumes after storm repairs"
    assert article.subheadings == ("A rebuilt landing stage", "What changes for passengers")
    assert article.language == "en"


def test_the_page_language_is_detected_from_its_text() -> None:
    page = (PAGES / "le-petit-quotidien-marche.html").read_text(encoding="utf-8")
    # A template that says lang="en" over French text: the text decides.
    article = extract(page.replace('lang="fr"', 'lang="en"'))
    assert article.language == "fr"
    assert article.byline == "Claire Dubois"


def test_html_str_and_bytes_agree() -> None:
    text = (PAGES / "valley-courier-library.html").read_text(encoding="utf-8")
    assert extract(text) == extract(text.encode("utf-8"))


def test_legacy_encoded_html_bytes() -> None:
    page = (PAGES / "le-petit-quotidien-marche.html").read_text(encoding="utf-8")
    data = page.replace('charset="utf-8"', 'charset="windows-1252"').encode("cp1252")
    article = extract(data, name="marche.html")
    assert article.title == "Le marché couvert rouvre ses portes après deux ans de travaux"
    assert article.paragraphs[0].startswith("Après deux ans de travaux")


def test_an_html_name_marks_a_fragment_as_html() -> None:
    fragment = (
        "<h2>Roads</h2> The council agreed twelve million for resurfacing the ring road, "
        "the biggest repair programme in a decade, after a long debate on Tuesday night."
    )
    as_html = extract(fragment, name="fragment.html")
    assert as_html.title == "Roads"
    assert as_html.paragraphs[0].startswith("The council agreed twelve million")
    # It does not start with a tag, so by content alone it is text, markup and all.
    assert extract(fragment, name="fragment.txt").paragraphs[0].startswith("<h2>Roads</h2>")


def test_plain_text_goes_to_the_text_parser() -> None:
    article = extract(PLAIN.encode("utf-8"), name="lanes.txt")
    assert article.title == "Council approves new cycle lanes"
    assert article.byline == "Sam Green"
    assert len(article.paragraphs) == 2
    assert article.language == "en"


def test_windows_1251_plain_text() -> None:
    article = extract(RUSSIAN.encode("cp1251"), name="stavka.txt")
    assert article.title == "Банк России сохранил ключевую ставку"
    assert article.language == "ru"


def test_crlf_text_as_str() -> None:
    article = extract(PLAIN.replace("\n", "\r\n"))
    assert article == extract(PLAIN)


def test_the_url_is_recorded_not_fetched() -> None:
    article = extract(PLAIN, url="https://news.example/lanes")
    assert article.url == "https://news.example/lanes"
    page = (PAGES / "valley-courier-library.html").read_bytes()
    assert extract(page, url="https://news.example/library").url == "https://news.example/library"


def test_exports() -> None:
    # ``nutgraf.extract`` the attribute is the function (``from nutgraf import extract``);
    # the subpackage stays importable by name.
    module = importlib.import_module("nutgraf.extract")

    assert module.__all__ == ["extract", "extract_html"]
    assert isinstance(extract_html("<p>x</p>"), Article)


# --- rejections ------------------------------------------------------------------------------


def test_binary_bytes() -> None:
    with pytest.raises(InputError, match=r"^photo.png looks like binary data \(PNG image\)"):
        extract(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, name="photo.png")


def test_blank_text() -> None:
    with pytest.raises(InputError, match=r"^<input> holds no text"):
        extract("  \n\n ")


def test_a_page_without_article_text() -> None:
    page = "<html><head><title>Log in</title></head><body><form><input></form></body></html>"
    with pytest.raises(InputError) as raised:
        extract(page, name="login.html")
    assert str(raised.value) == (
        "login.html holds no article text; check that the page is an article, "
        "not an index, a login page or a stub"
    )


def test_the_url_names_the_input_when_there_is_no_name() -> None:
    with pytest.raises(InputError, match=r"^https://news\.example/empty holds no"):
        extract(b"<html><body></body></html>", url="https://news.example/empty")
