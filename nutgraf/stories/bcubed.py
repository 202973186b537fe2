"""B-cubed precision, recall and F1 of a clustering against a gold one (Bagga and Baldwin 1998).

For each item: precision is the share of its predicted cluster that shares its gold cluster,
recall the share of its gold cluster that shares its predicted cluster; both are averaged over
the items, and F1 is their harmonic mean (the definition Amigó et al. 2009 argue for).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class BCubed:
    """B-cubed scores in [0, 1] over ``items`` items."""

    precision: float
    recall: float
    f1: float
    items: int


def score_bcubed(predicted: Mapping[Any, Hashable], gold: Mapping[Any, Hashable]) -> BCubed:
    """B-cubed scores of ``predicted`` (item -> cluster) against ``gold`` (item -> cluster).

    Args:
        predicted: every item's predicted cluster label.
        gold: every item's true cluster label; it must hold the same items as ``predicted``.

    Returns:
        Mean precision and recall over the items and their harmonic mean; all 0 when empty.
    """
    if predicted.keys() != gold.keys():
        missing = len(gold.keys() - predicted.keys())
        extra = len(predicted.keys() - gold.keys())
        raise ValueError(f"items differ: {missing} gold items not predicted, {extra} unknown")
    if not gold:
        return BCubed(0.0, 0.0, 0.0, 0)
    both = Counter((predicted[item], gold[item]) for item in gold)
    sizes_predicted = Counter(predicted.values())
    sizes_gold = Counter(gold.values())
    precision = recall = 0.0
    for (cluster, truth), shared in both.items():
        # Every one of the ``shared`` items in this cell has the same precision and recall.
        precision += shared * shared / sizes_predicted[cluster]
        recall += shared * shared / sizes_gold[truth]
    precision /= len(gold)
    recall /= len(gold)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return BCubed(precision, recall, f1, len(gold))
