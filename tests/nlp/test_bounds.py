"""The summarizer's work per article is bounded whatever the article (#15, point 3)."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from nutgraf.nlp import summarize as summarize_module
from nutgraf.nlp.centrality import textrank
from nutgraf.nlp.sentences import split_sentences
from nutgraf.nlp.summarize import MAX_SENTENCES, summarize
from nutgraf.records import Article, Block

_WORDS = [f"w{n}x" for n in range(20_000)]


def _sentence(n: int) -> str:
    """A sentence of its own five words (of 20,000) between common ones."""
    return "The " + " ".join(_WORDS[(n * 5 + k) % len(_WORDS)] for k in range(5)) + " met."


def _article(sentences: int, per_paragraph: int = 10) -> Article:
    paragraphs = (
        " ".join(_sentence(p * per_paragraph + k) for k in range(per_paragraph))
        for p in range(sentences // per_paragraph)
    )
    return Article(title="Council", blocks=tuple(Block("paragraph", p) for p in paragraphs))


@contextmanager
def _peak() -> Iterator[Callable[[], int]]:
    """The peak of memory allocated by Python inside the block, in bytes."""
    tracemalloc.start()
    try:
        yield lambda: tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_summarizer_reads_at_most_max_sentences() -> None:
    article = _article(2 * MAX_SENTENCES)
    units = summarize_module._sentences(article)
    assert len(units) == MAX_SENTENCES
    assert units[-1].text == _sentence(MAX_SENTENCES - 1)
    summary = summarize(article)
    assert len(summary.sentences) == 3
    assert all(s.start < units[-1].end for s in summary.sentences)
    # The reading time still counts the whole text.
    assert summary.reading_minutes == -(-len(article.text.split()) // 230)


def test_memory_does_not_grow_with_sentences_past_the_cap() -> None:
    summarize(_article(100))  # the model and the stemmer, loaded outside the measure
    with _peak() as peak:
        summarize(_article(12_000, per_paragraph=20))
        # 12,000 sentences took 68 MB (12 MB of model activations alone per 10,000).
        assert peak() < 40 * 2**20


def test_textrank_holds_one_matrix_of_sentences_and_no_vocabulary_rows() -> None:
    count = 2_000
    bags = [[f"s{n}w{k}" for k in range(5)] + ["common"] for n in range(count)]
    with _peak() as peak:
        ranks = textrank(bags)
        # Dense counts of 2,000 sentences by 10,001 words, and the copies of the square
        # matrix, took 306 MB; one square matrix of float64 is 32 MB.
        assert peak() < 1.5 * count * count * 8
    assert ranks.shape == (count,)
    assert ranks.sum() == pytest.approx(count)


def test_a_long_summary_compares_each_pair_of_sentences_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compared = 0
    redundant = summarize_module._redundant

    def counting(a: summarize_module._Candidate, b: summarize_module._Candidate) -> bool:
        nonlocal compared
        compared += 1
        return redundant(a, b)

    monkeypatch.setattr(summarize_module, "_redundant", counting)
    article = _article(400)
    summary = summarize(article, sentences=100)
    assert len(summary.sentences) == 100
    assert compared <= 400 * 100  # it was 600,000: every pick compared every pair again


def test_split_sentences_stops_at_its_limit() -> None:
    text = " ".join(_sentence(n) for n in range(1_000))
    assert split_sentences(text, limit=7) == split_sentences(text)[:7]
