"""Every script (issue 16): sentences, language, word counts and summaries on real text in
Chinese, Japanese, Urdu, Hindi, Arabic, Persian, Hebrew, Greek and Thai (tests/data/scripts).

No reference summaries exist for these scripts, so these are properties, not quality scores.
"""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

import pytest

from nutgraf.ingest.text import parse_text
from nutgraf.nlp.language import detect_language
from nutgraf.nlp.scripts import count_words, spaced_for_index, word_units
from nutgraf.nlp.sentences import UNMARKED_MAX_CHARS, split_sentences
from nutgraf.nlp.summarize import summarize

EXCERPTS = json.loads(
    (Path(__file__).parent.parent / "data" / "scripts" / "excerpts.json").read_text("utf-8")
)
# Where each script's sentences end (the last character of a sentence, closers stripped).
_ENDS = {
    "zh": "。！？",
    "ja": "。！？",
    "ur": "۔؟",
    "hi": "।?.",  # the Hindi excerpt has one "।." as written
    "ar": ".؟",
    "fa": ".؟",
    "he": ".?",
    "el": ".;",
}


def _sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


@pytest.mark.parametrize("name", sorted(EXCERPTS))
def test_real_text_is_cut_at_its_marks_with_exact_offsets(name: str) -> None:
    excerpt = EXCERPTS[name]
    text = parse_text(excerpt["text"]).text
    spans = split_sentences(text)
    assert len(spans) >= 3
    for start, end in spans:
        sentence = text[start:end]
        assert sentence == sentence.strip() and sentence
    language = excerpt["language"]
    if language in _ENDS:
        # Each paragraph's sentences but its last end at one of the script's marks.
        for paragraph in text.split("\n\n"):
            inner = _sentences(paragraph)[:-1]
            assert all(s.rstrip("」』”）\"'»")[-1] in _ENDS[language] for s in inner), inner


@pytest.mark.parametrize("name", sorted(EXCERPTS))
def test_every_real_excerpt_of_60_words_gets_a_summary(name: str) -> None:
    excerpt = EXCERPTS[name]
    article = parse_text(excerpt["text"])
    assert count_words(article.text) >= 60
    summary = summarize(article)
    assert summary.language == excerpt["language"]
    assert 1 <= len(summary.sentences) <= 3
    for sentence in summary.sentences:
        assert article.text[sentence.start : sentence.end] == sentence.text


@pytest.mark.parametrize("name", sorted(EXCERPTS))
def test_the_language_of_each_real_excerpt_is_known(name: str) -> None:
    assert detect_language(EXCERPTS[name]["text"]) == EXCERPTS[name]["language"]


def test_cjk_marks_end_sentences_without_spaces_and_closers_stay() -> None:
    assert _sentences("他说：“我们会赢。”然后走了！真的吗？是的。") == [
        "他说：“我们会赢。”",
        "然后走了！",
        "真的吗？",
        "是的。",
    ]
    assert _sentences("「今日は晴れ。明日は雨。」と彼は言った。次の文です。") == [
        "「今日は晴れ。明日は雨。」",
        "と彼は言った。",
        "次の文です。",
    ]
    assert _sentences("价格涨了3.5%（去年）。iPhone发布会在9.9日举行。") == [
        "价格涨了3.5%（去年）。",
        "iPhone发布会在9.9日举行。",
    ]


def test_other_scripts_marks_end_sentences() -> None:
    assert _sentences("यह एक वाक्य है। यह दूसरा है॥ तीसरा?") == [
        "यह एक वाक्य है।",
        "यह दूसरा है॥",
        "तीसरा?",
    ]
    assert _sentences("یہ ایک جملہ ہے۔ کیا یہ دوسرا ہے؟ جی ہاں۔") == [
        "یہ ایک جملہ ہے۔",
        "کیا یہ دوسرا ہے؟",
        "جی ہاں۔",
    ]
    # The Greek question mark ends a sentence; the ano teleia is a semicolon.
    assert _sentences("Τι είπε; Δεν ξέρω. Ήταν εκεί· μετά έφυγε.") == [
        "Τι είπε;",
        "Δεν ξέρω.",
        "Ήταν εκεί· μετά έφυγε.",
    ]
    # An English semicolon does not end a sentence.
    assert _sentences("He came; she left. Then it rained.") == [
        "He came; she left.",
        "Then it rained.",
    ]


def test_thai_is_cut_at_phrase_spaces_within_bounds() -> None:
    text = parse_text(EXCERPTS["th-react-docs"]["text"]).text
    spans = split_sentences(text)
    assert len(spans) >= 6
    assert all(end - start <= UNMARKED_MAX_CHARS for start, end in spans)
    # Cut at spaces only: the units joined by what was between them are the text.
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert text[end:start].isspace()


def test_word_counts_of_unspaced_scripts() -> None:
    assert word_units("经济增长了。") == ("经济", "增长", "了")
    assert count_words("经济增长了。 GDP grew") == 5
    assert word_units("a  b\nc") == ("a", "b", "c")  # spaced text: str.split, as before
    assert spaced_for_index("国际空间站 ISS") == " 国际 际空 空间 间站 站  ISS"


@pytest.mark.parametrize(
    "text",
    [
        "中" * 5_000_000,
        "ภาษาไทย" * 700_000,
        "ภาษา ไทย " * 500_000,
        ("中国，" * 1_000_000),
    ],
    ids=["cjk-without-marks", "thai-without-spaces", "thai-one-line", "cjk-clauses"],
)
def test_hostile_unmarked_text_is_cut_in_bounded_units_in_linear_time(text: str) -> None:
    started = time.perf_counter()
    spans = split_sentences(text)
    elapsed = time.perf_counter() - started
    assert elapsed < 10
    assert max(end - start for start, end in spans) <= UNMARKED_MAX_CHARS
    assert split_sentences(text, limit=10) == spans[:10]
    summary = summarize(text[:300_000])
    assert summary.sentences or not summary.reading_minutes
