"""Shipped pairs (tests/data/dedup/pairs.json): copies are found, same-event reports are not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nutgraf.dedup.near import DEFAULT_THRESHOLD, DuplicateIndex, classify, fingerprint_document

PAIRS = json.loads(
    (Path(__file__).parents[1] / "data" / "dedup" / "pairs.json").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("pair", PAIRS, ids=[p["name"] for p in PAIRS])
def test_fixture_pair(pair: dict[str, object]) -> None:
    index: DuplicateIndex[str] = DuplicateIndex()
    index.add("earlier", fingerprint_document(str(pair["earlier"])))
    match = classify(fingerprint_document(str(pair["later"])), index)
    if pair["duplicate"]:
        assert match is not None, pair["pattern"]
        assert match.kind == "near"
        assert match.of == "earlier"
        assert match.overlap >= DEFAULT_THRESHOLD
    else:
        assert match is None, pair["pattern"]
