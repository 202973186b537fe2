"""Sentence features: the content stems they are built on, read one text or many at a time."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nutgraf.nlp.features import _words, content_stems, content_stems_each
from nutgraf.nlp.language import stemmer, stopwords

# ASCII and not, upper and lower case (the capital X included), digits, punctuation, spaces.
_ALPHABET = st.sampled_from(
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_ Xx")
    + list("ąćęłńóśźżÄÖÜäöüßẞİıΣσςабвгдАБВГД٣²")
    + list("     \n\t\xa0\u2009.,;:!?…\"'“”„«»()[]-–—$%€@/")
)
_TEXTS = st.lists(st.one_of(st.text(alphabet=_ALPHABET, max_size=60), st.text(max_size=20)))
_LANGUAGES = st.sampled_from(["en", "de", "pl", "ru", "el", "xx"])


def _reference_stems(text: str, language: str) -> list[str]:
    """content_stems as its docstring states it, without the memo or the ASCII shortcut."""
    words = re.findall(r"\w+", text.lower())
    return [
        stemmer(language)(word)
        for word in words
        if word not in stopwords(language) and len(word) >= 2 and not word.isdigit()
    ]


@settings(max_examples=300, deadline=None)
@given(_TEXTS, _LANGUAGES)
def test_content_stems_each_is_content_stems_of_each_text(texts: list[str], language: str) -> None:
    expected = [_reference_stems(text, language) for text in texts]
    assert [content_stems(text, language) for text in texts] == expected
    assert content_stems_each(texts, language) == expected


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(alphabet=_ALPHABET), st.text()))
def test_words_are_the_regex_words(text: str) -> None:
    assert _words(text) == re.findall(r"\w+", text)


@pytest.mark.parametrize(
    "texts",
    [
        [],
        [""],
        ["", "", ""],
        ["X marks the spot.", "Mr. X and x", "X"],
        ["The vote was 52 to 48.", "—", "Turnout was high in 2019!"],
    ],
)
def test_content_stems_each_keeps_one_bag_per_text(texts: list[str]) -> None:
    assert content_stems_each(texts, "en") == [content_stems(text, "en") for text in texts]
