"""B-cubed on hand-worked examples."""

from __future__ import annotations

import pytest

from nutgraf.stories.bcubed import score_bcubed


def test_perfect_clustering_scores_one() -> None:
    gold = {"a": 1, "b": 1, "c": 2}
    score = score_bcubed({"a": "x", "b": "x", "c": "y"}, gold)
    assert (score.precision, score.recall, score.f1, score.items) == (1.0, 1.0, 1.0, 3)


def test_hand_worked_example() -> None:
    # a alone; b and c together. Precision: a 1, b 1/2, c 1/2 -> 2/3.
    # Recall: a 1/2 (gold {a, b}), b 1/2, c 1 -> 2/3.
    score = score_bcubed({"a": "x", "b": "y", "c": "y"}, {"a": 1, "b": 1, "c": 2})
    assert score.precision == pytest.approx(2 / 3)
    assert score.recall == pytest.approx(2 / 3)
    assert score.f1 == pytest.approx(2 / 3)


def test_one_big_cluster_and_all_singletons() -> None:
    gold = {i: i for i in range(4)}
    lumped = score_bcubed(dict.fromkeys(range(4), 0), gold)
    assert lumped.precision == pytest.approx(0.25)
    assert lumped.recall == 1.0
    assert lumped.f1 == pytest.approx(0.4)
    gold_one = dict.fromkeys(range(4), "story")
    split = score_bcubed({i: i for i in range(4)}, gold_one)
    assert split.precision == 1.0
    assert split.recall == pytest.approx(0.25)


def test_uneven_clusters() -> None:
    # gold: {1,2,3,4} and {5}; predicted: {1,2} and {3,4,5}.
    gold = {1: "g", 2: "g", 3: "g", 4: "g", 5: "h"}
    predicted = {1: "p", 2: "p", 3: "q", 4: "q", 5: "q"}
    score = score_bcubed(predicted, gold)
    # precision: 1, 1, 2/3, 2/3, 1/3 -> 11/15; recall: 1/2 x4, 1 -> 3/5
    assert score.precision == pytest.approx(11 / 15)
    assert score.recall == pytest.approx(3 / 5)
    assert score.f1 == pytest.approx(2 * (11 / 15) * (3 / 5) / (11 / 15 + 3 / 5))


def test_items_must_match() -> None:
    with pytest.raises(ValueError, match="1 gold items not predicted"):
        score_bcubed({"a": 1}, {"a": 1, "b": 1})
    assert score_bcubed({}, {}).f1 == 0.0
