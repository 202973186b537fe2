"""One summary for a story told by several outlets: sentences from different sources, none
saying what another already says, each cited to its article and outlet.

1. Every article's sentences are scored by the single-article summarizer
   (``score_sentences``: the learned model and the headline, standardized per article).
2. Support: what several outlets report is the core of the event. A sentence's support is the
   mean, over its content stems, of the share of the *other* articles that hold the stem; it
   is standardized over the story's sentences and added with ``support_weight``.
3. Selection is greedy, best value first, round-robin-ish: each sentence already taken from
   an article lowers that article's other sentences by ``source_penalty``, so the summary
   moves from outlet to outlet unless one has far better sentences; and the last sentence
   comes from another outlet when all before it came from one and another has a sentence to
   give, so a summary of two or more sentences always quotes two outlets when the story has
   them. A sentence is skipped
   when it repeats a chosen one (``redundant_overlap`` of the smaller one's stems), when it
   opens with a pronoun pointing back to a sentence it would be quoted without, and when the
   summarizer would not quote it (page furniture, unfinished, too short).

The sentences come in the order chosen (the best first), each with its article's key, outlet,
paragraph and offsets into that article's ``text``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from nutgraf.nlp.summarize import ScoredSentence, score_sentences
from nutgraf.records import Article
from nutgraf.stories.cluster import ArticleKey


@dataclass(frozen=True, slots=True)
class SummaryOptions:
    """How sentences are chosen.

    Chosen on the 378 "train" stories of multidoc.jsonl, 3 sentences against the human
    summaries, ROUGE-1/2/Lsum (``python -m benchmarks.stories --tune``): support weight 0
    with no source penalty 34.86/14.30/29.06; support 1.0 with penalty 0: 35.84/14.67/29.87,
    0.5: 35.73/14.61/29.87, 1.0: 35.50/14.69/29.82, strict round robin (100):
    35.16/14.34/29.45; support 0.5 or 2.0 (penalty 1.0) 35.26 and 35.36 ROUGE-1. A penalty of
    0.5 keeps the summary moving between outlets for 0.1 ROUGE-1. Redundancy at 0.35 lost
    0.8 ROUGE-2 (it drops sentences that only share the event's names), at 0.65 gained 0.3
    while letting through more sentences that repeat one another: 0.5 is kept.
    """

    support_weight: float = 1.0
    source_penalty: float = 0.5
    redundant_overlap: float = 0.5


@dataclass(frozen=True, slots=True)
class StorySentence:
    """A sentence quoted from one of the story's articles.

    ``article`` is the key the article was given with, ``source`` its outlet
    (``Article.source``); ``paragraph`` indexes its ``paragraphs`` and ``start``/``end`` are
    offsets into its ``text``: ``article.text[start:end] == text``.
    """

    text: str
    article: ArticleKey
    source: str | None
    paragraph: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class StorySummary:
    sentences: tuple[StorySentence, ...]
    language: str


@dataclass(frozen=True, slots=True)
class _Pick:
    article: int
    scored: ScoredSentence
    value: float


def summarize_story(
    articles: Sequence[tuple[ArticleKey, Article]],
    *,
    sentences: int = 3,
    options: SummaryOptions | None = None,
) -> StorySummary:
    """Summarize a story from its articles.

    Args:
        articles: ``(key, article)`` pairs; the key is what each sentence cites.
        sentences: how many sentences at most.
        options: the selection's weights (``SummaryOptions()`` when None).

    Returns:
        The chosen sentences, best first, and the language of the first article.
    """
    scored = [score_sentences(article, sentences=sentences) for _, article in articles]
    language = scored[0].language if scored else "en"
    options = options or SummaryOptions()
    picks = _candidates([s.sentences for s in scored], options.support_weight)
    outlets = [
        (article.source or "").casefold() or f"#{i}" for i, (_, article) in enumerate(articles)
    ]
    chosen = _select(picks, sentences, options, outlets)
    return StorySummary(
        tuple(
            StorySentence(
                pick.scored.sentence.text,
                articles[pick.article][0],
                articles[pick.article][1].source,
                pick.scored.sentence.paragraph,
                pick.scored.sentence.start,
                pick.scored.sentence.end,
            )
            for pick in chosen
        ),
        language,
    )


def _candidates(articles: list[tuple[ScoredSentence, ...]], weight: float) -> list[_Pick]:
    """Every quotable sentence with its value: its own score plus the story's support."""
    holders: Counter[str] = Counter()
    for sentences in articles:
        holders.update(set().union(*(s.stems for s in sentences)))
    others = max(1, len(articles) - 1)
    picks = []
    supports = []
    for a, sentences in enumerate(articles):
        for scored in sentences:
            if not scored.eligible or scored.anaphoric or not scored.stems:
                continue
            support = sum((holders[w] - 1) / others for w in scored.stems) / len(scored.stems)
            picks.append(_Pick(a, scored, scored.score))
            supports.append(support)
    standard = _standardize(supports)
    return [
        _Pick(p.article, p.scored, p.value + weight * s)
        for p, s in zip(picks, standard, strict=True)
    ]


def _select(
    picks: list[_Pick], count: int, options: SummaryOptions, outlets: list[str]
) -> list[_Pick]:
    """Greedy, round-robin-ish (``source_penalty``), skipping repeats of chosen sentences;
    the last pick goes to a second outlet if none has been quoted yet (``outlets`` names each
    article's outlet)."""
    chosen: list[_Pick] = []
    taken: Counter[int] = Counter()
    limit = options.redundant_overlap
    left = sorted(picks, key=lambda p: (-p.value, p.article, p.scored.sentence.start))
    while left and len(chosen) < count:
        open_ = [p for p in left if not any(_redundant(p, c, limit) for c in chosen)]
        quoted = {outlets[c.article] for c in chosen}
        if len(chosen) == count - 1 and len(quoted) == 1:
            elsewhere = [p for p in open_ if outlets[p.article] not in quoted]
            open_ = elsewhere or open_
        best = max(
            open_,
            key=lambda p: p.value - options.source_penalty * taken[p.article],
            default=None,
        )
        if best is None:
            break
        chosen.append(best)
        taken[best.article] += 1
        left.remove(best)
    return chosen


def _redundant(a: _Pick, b: _Pick, limit: float) -> bool:
    shared = len(a.scored.stems & b.scored.stems)
    return shared / min(len(a.scored.stems), len(b.scored.stems)) > limit


def _standardize(values: list[float]) -> list[float]:
    if not values:
        return []
    mean = sum(values) / len(values)
    spread = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    return [(v - mean) / spread if spread > 0 else 0.0 for v in values]
