"""Multi-source story summaries, and the scoring helper they use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nutgraf.nlp.summarize import score_sentences, summarize
from nutgraf.records import Article, Block
from nutgraf.stories.cluster import ArticleKey
from nutgraf.stories.summary import (
    StorySummary,
    SummaryOptions,
    _Pick,
    _select,
    summarize_story,
)

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "stories" / "multidoc-sample.jsonl"


def to_article(raw: dict[str, str]) -> Article:
    paragraphs = [p for p in raw["text"].split("\n\n") if p.strip()]
    return Article(
        title=raw["title"],
        blocks=tuple(Block("paragraph", p) for p in paragraphs),
        source=raw["source"],
        language="en",
    )


def stories() -> dict[str, list[tuple[str, Article]]]:
    with SAMPLE.open(encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    return {row["id"]: [(a["id"], to_article(a)) for a in row["articles"]] for row in rows}


STORY_BY_ID = stories()
STORIES = list(STORY_BY_ID.values())


@pytest.mark.parametrize("story", STORIES, ids=list(STORY_BY_ID))
def test_sentences_cite_their_article_outlet_and_offsets(
    story: list[tuple[str, Article]],
) -> None:
    summary = summarize_story(story, sentences=4)
    assert len(summary.sentences) == 4
    articles: dict[ArticleKey, Article] = dict(story)
    for sentence in summary.sentences:
        article = articles[sentence.article]
        assert sentence.source == article.source
        assert article.text[sentence.start : sentence.end] == sentence.text
        assert sentence.text in article.paragraphs[sentence.paragraph]


@pytest.mark.parametrize("story", STORIES, ids=list(STORY_BY_ID))
def test_no_two_sentences_say_the_same(story: list[tuple[str, Article]]) -> None:
    options = SummaryOptions()
    summary = summarize_story(story, sentences=5, options=options)
    scored: dict[tuple[ArticleKey, int], frozenset[str]] = {
        (key, s.sentence.start): s.stems
        for key, article in story
        for s in score_sentences(article).sentences
    }
    bags = [scored[(s.article, s.start)] for s in summary.sentences]
    for i, left in enumerate(bags):
        for right in bags[i + 1 :]:
            assert len(left & right) / min(len(left), len(right)) <= options.redundant_overlap


@pytest.mark.parametrize("story", STORIES, ids=list(STORY_BY_ID))
def test_sources_are_interleaved(story: list[tuple[str, Article]]) -> None:
    strict = summarize_story(story, sentences=3, options=SummaryOptions(source_penalty=100.0))
    assert len({s.article for s in strict.sentences}) == 3
    default = summarize_story(story, sentences=3)
    assert len({s.article for s in default.sentences}) >= 2


def test_a_second_outlet_is_quoted_even_when_one_has_every_better_sentence() -> None:
    (_, article), (_, other), *_ = STORIES[0]
    mine = score_sentences(article).sentences[:3]
    theirs = score_sentences(other).sentences[0]
    # Outlet A's three sentences all far better than outlet B's one.
    picks = [_Pick(0, s, 10.0 - i) for i, s in enumerate(mine)] + [_Pick(1, theirs, -10.0)]
    for penalty in (0.0, SummaryOptions().source_penalty):
        chosen = _select(picks, 3, SummaryOptions(source_penalty=penalty), ["a", "b"])
        assert [p.article for p in chosen] == [0, 0, 1], penalty
    # Two articles of one outlet are one outlet; with nothing from elsewhere, all is A's.
    chosen = _select(picks, 3, SummaryOptions(source_penalty=0.0), ["a", "a"])
    assert [p.article for p in chosen] == [0, 0, 0]
    assert len(_select(picks[:3], 3, SummaryOptions(), ["a"])) == 3


def test_repeated_articles_are_not_quoted_twice() -> None:
    story = STORIES[0]
    copies = [story[0], ("copy", story[0][1])]
    summary = summarize_story(copies, sentences=4)
    texts = [s.text for s in summary.sentences]
    assert len(texts) == len(set(texts))


def test_an_empty_story_has_an_empty_summary() -> None:
    assert summarize_story([]) == StorySummary((), "en")


def test_scores_match_what_summarize_picks() -> None:
    article = STORIES[1][0][1]
    scores = score_sentences(article)
    assert [s.sentence.text for s in scores.sentences][:1] == [
        article.text[scores.sentences[0].sentence.start : scores.sentences[0].sentence.end]
    ]
    values = [s.score for s in scores.sentences]
    assert sum(values) / len(values) == pytest.approx(0.0, abs=1e-9)
    chosen = {s.start for s in summarize(article, sentences=3).sentences}
    eligible = {s.sentence.start for s in scores.sentences if s.eligible}
    assert chosen <= eligible
