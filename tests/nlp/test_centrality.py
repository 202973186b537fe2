"""TextRank centrality over bags of words."""

from __future__ import annotations

import numpy as np

from nutgraf.nlp.centrality import textrank


def test_a_sentence_sharing_words_with_many_others_ranks_first() -> None:
    bags = [
        ["storm", "flood", "city"],
        ["storm", "flood", "river", "city", "rain"],
        ["rain", "river", "flood"],
        ["football", "match"],
    ]
    ranks = textrank(bags)
    assert ranks.argmax() == 1
    assert ranks.argmin() == 3
    assert np.isclose(ranks.mean(), 1.0)


def test_degenerate_inputs_do_not_fail() -> None:
    assert textrank([]).shape == (0,)
    assert np.allclose(textrank([[], []]), [1.0, 1.0])
    assert np.allclose(textrank([["a"]]), [1.0])
