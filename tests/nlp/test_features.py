"""Sentence features: the content stems they are built on, read one text or many at a time."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nutgraf.nlp.features import _words, content_stems, content_stems_each
from nutgraf.nlp.language import stemmer, stopwords
from nutgraf.nlp.scripts import CJK_RUN, UNSPACED

# ASCII and not, upper and lower case (the capital X included), digits, punctuation, spaces.
_ALPHABET = st.sampled_from(
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_ Xx")
    + list("ąćęłńóśźżÄÖÜäöüßẞİıΣσςабвгдАБВГД٣²")
    + list("     \n\t\xa0\u2009.,;:!?…\"'“”„«»()[]-–—$%€@/")
)
_TEXTS = st.lists(st.one_of(st.text(alphabet=_ALPHABET, max_size=60), st.text(max_size=20)))
_LANGUAGES = st.sampled_from(["en", "de", "pl", "ru", "el", "xx"])


def _reference_words(text: str) -> list[str]:
    """``\\w+`` words, but each run of a script written without spaces (CJK, Thai: every
    character ``UNSPACED`` matches, marks included) as its character bigrams, built one
    character at a time."""
    words: list[str] = []
    run, kind = "", ""
    for character in [*text, " "]:
        unspaced = UNSPACED.match(character) is not None
        new_kind = (
            "cjk"
            if unspaced and CJK_RUN.match(character)
            else "southeast"
            if unspaced
            else "word"
            if re.match(r"\w", character)
            else ""
        )
        if new_kind != kind and run:
            if kind == "word":
                words.append(run)
            else:
                words.extend([run] if len(run) < 3 else [a + b for a, b in itertools.pairwise(run)])
            run = ""
        kind = new_kind
        if kind:
            run += character
    return words


def _reference_stems(text: str, language: str) -> list[str]:
    """content_stems as its docstring states it, without the memo or the ASCII shortcut."""
    words = _reference_words(text.lower())
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
@given(st.one_of(st.text(alphabet=_ALPHABET), st.text().filter(lambda t: not UNSPACED.search(t))))
def test_words_are_the_regex_words(text: str) -> None:
    assert _words(text) == re.findall(r"\w+", text)


# Issue 16: runs of scripts written without spaces are read as their character bigrams.
_UNSPACED_ALPHABET = st.sampled_from([*"ab1 .,。、中国经济の日本語カタ한국กรุงเทพฯ่้ ", "\u0e31"])


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_UNSPACED_ALPHABET))
def test_words_of_unspaced_scripts_are_bigrams(text: str) -> None:
    assert _words(text) == _reference_words(text)


def test_words_of_chinese_are_its_bigrams() -> None:
    assert _words("中国经济 grows 3%") == ["中国", "国经", "经济", "grows", "3"]


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
