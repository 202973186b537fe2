"""Two simple incremental story clusterers to measure ``StoryIndex`` against.

Both read the articles once, in order, compare each with the earlier articles within the same
time window as ``StoryIndex`` (so the comparison is about what articles are compared on, not
about the window), and join the story of the most similar earlier article, or open a new one
(single link, as first-story detection does):

- ``cluster_by_title_words``: most headline content stems shared, at least ``min_shared``;
- ``cluster_by_tfidf``: TF-IDF cosine of headline and body (content stems, document
  frequencies learned as articles arrive), at least ``threshold``.

Their settings were chosen the way ``StoryOptions`` was, on the training stream of
``clusters.jsonl`` (``python -m benchmarks.stories --tune``), B-cubed F1: headline stems
shared >= 1: 0.028, >= 2: 0.529, >= 3: 0.837; TF-IDF cosine >= 0.15: 0.828, 0.2: 0.866,
0.25: 0.880, 0.3: 0.870, 0.4: 0.800.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from collections.abc import Iterable
from typing import TypeVar

from nutgraf.nlp.features import content_stems
from nutgraf.stories.cluster import DAY, ArticleKey, StoryDocument, parse_time

T = TypeVar("T")

TITLE_MIN_SHARED = 3
TFIDF_THRESHOLD = 0.25


def cluster_by_title_words(
    documents: Iterable[StoryDocument],
    *,
    min_shared: int = TITLE_MIN_SHARED,
    window_days: float = 3.0,
) -> dict[ArticleKey, int]:
    """Every article's story: that of the earlier article in the window whose headline shares
    the most content stems with its own (at least ``min_shared``; ties: the latest)."""
    recent: deque[tuple[float, ArticleKey, frozenset[str]]] = deque()
    story_of: dict[ArticleKey, int] = {}
    for document in documents:
        when = parse_time(document.time)
        _forget_before(recent, when - window_days * DAY)
        words = frozenset(content_stems(document.title, document.language))
        best, best_shared = None, min_shared - 1
        for then, article, other in recent:
            shared = len(words & other)
            if shared >= best_shared and abs(when - then) <= window_days * DAY:
                best, best_shared = article, shared
        story_of[document.id] = story_of[best] if best is not None else len(story_of) + 1
        recent.append((when, document.id, words))
    return story_of


def cluster_by_tfidf(
    documents: Iterable[StoryDocument],
    *,
    threshold: float = TFIDF_THRESHOLD,
    window_days: float = 3.0,
) -> dict[ArticleKey, int]:
    """Every article's story: that of the earlier article in the window with the highest
    TF-IDF cosine, when it is at least ``threshold``."""
    recent: deque[tuple[float, ArticleKey, dict[str, float]]] = deque()
    df: Counter[str] = Counter()
    story_of: dict[ArticleKey, int] = {}
    for count, document in enumerate(documents, start=1):
        when = parse_time(document.time)
        _forget_before(recent, when - window_days * DAY)
        tf = Counter(content_stems(f"{document.title}\n{document.text}", document.language))
        df.update(tf.keys())
        weights = {t: (1 + math.log(n)) * math.log((count + 1) / df[t]) for t, n in tf.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        vector = {t: w / norm for t, w in weights.items()}
        best, best_score = None, threshold
        for then, article, other in recent:
            if abs(when - then) > window_days * DAY:
                continue
            score = sum(w * other.get(t, 0.0) for t, w in vector.items())
            if score >= best_score:
                best, best_score = article, score
        story_of[document.id] = story_of[best] if best is not None else len(story_of) + 1
        recent.append((when, document.id, vector))
    return story_of


def _forget_before(recent: deque[tuple[float, ArticleKey, T]], limit: float) -> None:
    """Drop the articles at the front that are older than ``limit`` (input is mostly in order)."""
    while recent and recent[0][0] < limit:
        recent.popleft()
