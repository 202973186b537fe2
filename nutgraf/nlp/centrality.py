"""TextRank centrality: how much of the rest of the article each sentence stands for.

The graph of Mihalcea and Tarau (2004): sentences are nodes, an edge weighs the words two
sentences share (with repetition) over the sum of the logarithms of their lengths, and
PageRank with damping 0.85 ranks the nodes. Built as one matrix product, so an article of a
hundred sentences costs well under a millisecond.

Memory is one matrix of sentences by sentences (the summarizer reads at most
``MAX_SENTENCES``: 72 MB), worked on in place. The words two sentences share come from a
sentences-by-words count matrix when that is small (every real article), else word by word
from each word's sentences, so a text of many distinct words never makes a dense row of the
whole vocabulary per sentence. Both give the same exact integer counts.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from nutgraf.nlp.products import product

DAMPING = 0.85
_ITERATIONS = 50
_TOLERANCE = 1e-6
# Cells of the sentences-by-words count matrix built at most (16 MB of float64): a news
# article of a hundred sentences and two thousand words takes a tenth of it.
_MAX_COUNT_CELLS = 2_000_000
_ROWS = 256  # rows of the matrix worked on at a time, for the temporaries


def textrank(bags: list[list[str]]) -> np.ndarray:
    """PageRank scores (mean 1) of sentences given as bags of content words."""
    count = len(bags)
    if count == 0:
        return np.zeros(0)
    weights = _shared_words(bags)
    # The edge weights, in place: shared words over the sum of the log lengths (over 1 at
    # most where both sentences hold one word: log 1 = 0).
    log_length = np.log(np.maximum(np.array([len(bag) for bag in bags], dtype=float), 1.0))
    for start in range(0, count, _ROWS):
        rows = weights[start : start + _ROWS]
        norm = log_length[start : start + _ROWS, None] + log_length[None, :]
        rows[:] = np.divide(rows, norm, out=np.minimum(rows, 1.0), where=norm > 0)
    np.fill_diagonal(weights, 0.0)
    totals = weights.sum(axis=1)
    # The weights are symmetric, so column j over the total of row j is the transition
    # matrix transposed: the rank flowing into each sentence, again in place.
    np.divide(weights, totals[None, :], out=weights, where=totals[None, :] > 0)
    weights[:, totals <= 0] = 1.0 / count
    incoming = weights
    rank = np.full(count, 1.0 / count)
    for _ in range(_ITERATIONS):
        updated = (1 - DAMPING) / count + DAMPING * product(incoming, rank)
        converged = np.abs(updated - rank).sum() < _TOLERANCE
        rank = updated
        if converged:
            break
    result: np.ndarray = rank * count
    return result


def _shared_words(bags: list[list[str]]) -> np.ndarray:
    """The count of words (with repetition) each two sentences share, as a square matrix
    whose diagonal is left out of account."""
    count = len(bags)
    vocabulary: dict[str, int] = {}
    rows, columns = [], []
    for i, bag in enumerate(bags):
        for word in bag:
            rows.append(i)
            columns.append(vocabulary.setdefault(word, len(vocabulary)))
    if count * len(vocabulary) <= _MAX_COUNT_CELLS:
        counts = np.zeros((count, max(1, len(vocabulary))))
        np.add.at(counts, (rows, columns), 1.0)
        return product(counts, counts.T)
    shared = np.zeros((count, count))
    postings: dict[str, dict[int, int]] = {}
    for i, bag in enumerate(bags):
        for word, n in Counter(bag).items():
            postings.setdefault(word, {})[i] = n
    for held in postings.values():
        if len(held) < 2:  # a word of one sentence adds to the diagonal only
            continue
        at = np.fromiter(held.keys(), dtype=np.intp, count=len(held))
        times = np.fromiter(held.values(), dtype=float, count=len(held))
        for start in range(0, len(at), _ROWS):  # a word in every sentence: blocks of rows
            block = slice(start, start + _ROWS)
            shared[np.ix_(at[block], at)] += np.outer(times[block], times)
    return shared
