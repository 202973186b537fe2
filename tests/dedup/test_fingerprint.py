"""Fingerprints: normalization, hashes, shingles, MinHash, LSH index."""

from __future__ import annotations

import random
import tracemalloc

import numpy as np
import pytest

from nutgraf.dedup.fingerprint import (
    MERSENNE_PRIME,
    NearDuplicateIndex,
    content_hash,
    estimate_jaccard,
    jaccard,
    minhash,
    normalize_text,
    shingles,
)


def test_normalize_text() -> None:
    text = "  \u201cQuoted\u201d \u2014 it\u2019s  ＦＵＬＬ\u00adwidth\n\tSTRASSE  "
    assert normalize_text(text) == '"quoted" - it\'s fullwidth strasse'


def test_content_hash_ignores_case_spacing_quotes() -> None:
    assert content_hash("He said \u201cno\u201d.\n\nThe end") == content_hash(
        'he said "no". the end'
    )
    assert content_hash("one text") != content_hash("another text")
    assert len(content_hash("x")) == 64


def test_shingles_are_stable_across_processes() -> None:
    # blake2b, not hash(): pinned values.
    assert shingles("one two three four five") == {16668804351399435582}
    assert shingles("One, two: THREE four five!") == shingles("one two three four five")


def test_shingles_sizes() -> None:
    assert shingles("") == set()
    assert shingles("  ... ") == set()
    assert len(shingles("a b")) == 1
    assert len(shingles("a b c d e f g")) == 3
    assert len(shingles("a b c d e f g", size=1)) == 7
    with pytest.raises(ValueError, match="at least 1"):
        shingles("a", size=0)


def test_jaccard() -> None:
    assert jaccard({1, 2, 3}, {2, 3, 4}) == 0.5
    assert jaccard(set(), {1}) == 0.0
    assert jaccard({1}, {1}) == 1.0


def test_minhash_matches_big_integer_arithmetic() -> None:
    from nutgraf.dedup.fingerprint import _A, _B

    rng = random.Random(3)
    values = {rng.getrandbits(64) for _ in range(300)} | {0, 2**64 - 1, MERSENNE_PRIME}
    signature = minhash(values, permutations=16)
    expected = [
        min((int(_A[j]) * (x % MERSENNE_PRIME) + int(_B[j])) % MERSENNE_PRIME for x in values)
        for j in range(16)
    ]
    assert signature.dtype == np.uint64
    assert signature.tolist() == expected


def test_minhash_of_many_shingles_is_exact_and_small_in_memory() -> None:
    """A long text's shingles are hashed a few thousand at a time (#15, point 3): the same
    signature, without a shingles-by-permutations matrix (150,000 shingles took 900 MB)."""
    from nutgraf.dedup.fingerprint import _A, _B

    rng = random.Random(4)
    values = {rng.getrandbits(64) for _ in range(60_000)}
    tracemalloc.start()
    try:
        signature = minhash(values)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 32 * 2**20  # 60,000 x 128 x 8 bytes is 61 MB a copy, and it took 378 MB
    expected = [
        min((int(_A[j]) * (x % MERSENNE_PRIME) + int(_B[j])) % MERSENNE_PRIME for x in values)
        for j in (0, 1, 127)
    ]
    assert [int(signature[j]) for j in (0, 1, 127)] == expected


def test_minhash_estimates_jaccard() -> None:
    words = [f"w{i}" for i in range(2000)]
    a = shingles(" ".join(words[:1200]))
    b = shingles(" ".join(words[400:1600]))
    true = jaccard(a, b)  # 0.5
    estimate = estimate_jaccard(minhash(a, 256), minhash(b, 256))
    assert abs(estimate - true) < 0.1


def test_minhash_edge_cases() -> None:
    empty = minhash(set())
    assert (empty == np.iinfo(np.uint64).max).all()
    with pytest.raises(ValueError, match="permutations"):
        minhash({1}, permutations=0)
    with pytest.raises(ValueError, match="differ in length"):
        estimate_jaccard(minhash({1}, 8), minhash({1}, 16))


def _signature(words: list[str]) -> np.ndarray:
    return minhash(shingles(" ".join(words)))


def test_index_finds_near_copies_and_not_strangers() -> None:
    index: NearDuplicateIndex[str] = NearDuplicateIndex(bands=64, rows=2)
    rng = random.Random(5)
    vocabulary = [f"v{i}" for i in range(5000)]
    original = rng.choices(vocabulary, k=400)
    index.add("original", _signature(original))
    for i in range(50):
        index.add(f"other-{i}", _signature(rng.choices(vocabulary, k=400)))
    copy = original[:300] + rng.choices(vocabulary, k=20)
    assert "original" in index.candidates(_signature(copy))
    best = index.query(_signature(copy), threshold=0.5)
    assert best[0][0] == "original"
    assert best[0][1] > 0.5
    assert len(index) == 51
    assert "original" in index
    assert index.order("other-0") == 1
    with pytest.raises(ValueError, match="already indexed"):
        index.add("original", _signature(original))
    with pytest.raises(ValueError, match="expects"):
        index.candidates(minhash({1}, 8))


def test_index_merges_its_tail_and_still_finds_everything() -> None:
    index: NearDuplicateIndex[int] = NearDuplicateIndex(bands=16, rows=2)
    rng = np.random.default_rng(1)
    signatures = rng.integers(0, MERSENNE_PRIME, size=(2500, 32), dtype=np.uint64)
    for key, signature in enumerate(signatures):
        index.add(key, signature)
    for key in (0, 1023, 1024, 2047, 2499):  # before and after merges, and in the tail
        assert key in index.candidates(signatures[key])
        assert index.estimated(key, signatures[key]) == 1.0
    assert index.memory_bytes() > 0
