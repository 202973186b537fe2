"""Near-duplicate quality on the shared stories data, against floors below the measured values.

Measured by ``python -m benchmarks.dedup`` at the default threshold (0.35): precision 1.000,
recall 0.998 on 5,605 positives and 22,453 negatives. This test runs a smaller, faster slice
(the val and test stories of ``clusters.jsonl``) with the same kinds of pairs.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path

from nutgraf.dedup.near import DocumentFingerprint, DuplicateIndex, classify, fingerprint_document

# Cross-outlet wire copies found in clusters.jsonl (see benchmarks/dedup.py, REAL_WIRE_PAIRS).
REAL_WIRE_PAIRS = (
    ("BrOhhC9Ql8U6s0SC", "e87tQmBZ4AK1F8Sz"),
    ("Vwtbo94QbhCojfdb", "SU71oJG2tNQT60RV"),
    ("kB6PoJDUeTIR16ph", "YyBA68nd3FZ6rWW0"),
    ("9CMwzJJVs4vAcUUv", "1Rsmj3XNrft7jrcb"),
    ("GZyUw9NsnAKmSEEj", "JqRmGPf459IjNRx0"),
)
NOT_COUNTED = {frozenset(("B5luDMGMSxE8Bv2p", "Vn4LSvlaacBAY3Xc"))}  # an earlier version
PRECISION_FLOOR = 0.98
RECALL_FLOOR = 0.97
FOOTER = (
    "Sign up for Daily Newsletters\n\nCopyright © 2020 The Daily Ledger, LLC. "
    "Click here for reprint permission."
)


def _edits(text: str, rng: random.Random) -> list[str]:
    """Headline changed, paragraph removed, footer added, last quarter and half cut."""
    paras = [p for p in text.split("\n\n") if p.strip()]
    at = rng.randrange(1, len(paras))
    return [
        "\n\n".join(["A different headline for the same story", *paras[1:]]),
        "\n\n".join(paras[:at] + paras[at + 1 :]),
        "\n\n".join([*paras, FOOTER]),
        "\n\n".join(paras[: round(len(paras) * 0.75)]),
        "\n\n".join(paras[: round(len(paras) * 0.5)]),
    ]


def _is_duplicate(earlier: DocumentFingerprint, later: DocumentFingerprint) -> bool:
    index: DuplicateIndex[str] = DuplicateIndex()
    index.add("earlier", earlier)
    return classify(later, index) is not None


def test_precision_and_recall_floors(shared_data: Path) -> None:
    rows = [json.loads(line) for line in (shared_data / "stories" / "clusters.jsonl").open()]
    wire_ids = {i for pair in REAL_WIRE_PAIRS for i in pair}
    wire_stories = {r["cluster"] for r in rows if r["id"] in wire_ids}
    docs = [
        r
        for r in rows
        if r["cluster"].startswith(("allsides-val", "allsides-test"))
        or r["cluster"] in wire_stories
    ]
    fps = {r["id"]: fingerprint_document(r["text"]) for r in docs}

    real_found = sum(_is_duplicate(fps[a], fps[b]) for a, b in REAL_WIRE_PAIRS)
    assert real_found == len(REAL_WIRE_PAIRS)

    rng = random.Random(4)
    long_docs = [r for r in docs if r["text"].count("\n\n") >= 6]
    derived = [
        (fps[r["id"]], fingerprint_document(edit))
        for r in rng.sample(long_docs, 40)
        for edit in _edits(r["text"], rng)
    ]
    true_positives = real_found + sum(_is_duplicate(a, b) for a, b in derived)
    positives = len(REAL_WIRE_PAIRS) + len(derived)

    skip = {frozenset(p) for p in REAL_WIRE_PAIRS} | NOT_COUNTED
    stories = defaultdict(list)
    for r in docs:
        stories[r["cluster"]].append(r)
    negatives = [
        (a["id"], b["id"])
        for members in stories.values()
        for i, a in enumerate(members)
        for b in members[i + 1 :]
        if a["source"] != b["source"] and frozenset((a["id"], b["id"])) not in skip
    ]
    negatives += [
        (a["id"], b["id"])
        for a, b in (rng.sample(docs, 2) for _ in range(500))
        if a["cluster"] != b["cluster"]
    ]
    false_positives = sum(_is_duplicate(fps[a], fps[b]) for a, b in negatives)

    precision = true_positives / (true_positives + false_positives)
    recall = true_positives / positives
    assert len(negatives) > 700
    assert precision >= PRECISION_FLOOR, (precision, false_positives)
    assert recall >= RECALL_FLOOR, (recall, positives - true_positives)
