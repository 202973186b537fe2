"""classify: match order, GUID scope, near-duplicate verification, reporting only."""

from __future__ import annotations

import dataclasses
import random

import pytest

from nutgraf.dedup.fingerprint import shingles
from nutgraf.dedup.near import (
    DEFAULT_THRESHOLD,
    DedupOptions,
    DuplicateIndex,
    DuplicateMatch,
    classify,
    fingerprint_document,
    lsh_keys,
)

_RNG = random.Random(11)
_VOCABULARY = [f"word{i}" for i in range(3000)]


def _text(n: int = 300) -> str:
    return " ".join(_RNG.choices(_VOCABULARY, k=n))


def _index(**texts: str) -> DuplicateIndex[str]:
    index: DuplicateIndex[str] = DuplicateIndex()
    for key, text in texts.items():
        index.add(key, fingerprint_document(text, url=f"https://example.com/{key}"))
    return index


def test_new_document_has_no_match() -> None:
    index = _index(a=_text(), b=_text())
    assert classify(fingerprint_document(_text(), url="https://example.com/c"), index) is None


def test_url_first_then_guid_then_content_then_near() -> None:
    text = _text()
    index: DuplicateIndex[str] = DuplicateIndex()
    index.add("by-url", fingerprint_document(_text(), url="https://example.com/x"))
    index.add("by-guid", fingerprint_document(_text(), guid="g-1", feed="feed-a"))
    index.add("by-text", fingerprint_document(text))
    index.add("near", fingerprint_document(_text()))

    fp = fingerprint_document(
        text, url="https://EXAMPLE.com/x?utm_source=rss", guid="g-1", feed="feed-a"
    )
    match = classify(fp, index)
    assert match == DuplicateMatch("url", "by-url", 1.0, "same canonical URL")

    fp = fingerprint_document(text, url="https://example.com/new", guid="g-1", feed="feed-a")
    match = classify(fp, index)
    assert match is not None
    assert (match.kind, match.of, match.overlap) == ("guid", "by-guid", 1.0)
    assert "g-1" in match.reason and "feed-a" in match.reason

    fp = fingerprint_document(text.upper(), url="https://example.com/new")
    assert classify(fp, index) == DuplicateMatch(
        "content", "by-text", 1.0, "same text after normalization"
    )


def test_guid_only_counts_within_its_feed() -> None:
    index: DuplicateIndex[str] = DuplicateIndex()
    index.add("a", fingerprint_document(_text(), guid="1", feed="feed-a"))
    assert classify(fingerprint_document(_text(), guid="1", feed="feed-b"), index) is None
    assert classify(fingerprint_document(_text(), guid="1"), index) is None


def test_near_duplicate_verified_with_exact_jaccard() -> None:
    words = _text(400).split()
    index = _index(original=" ".join(words), other=_text(400))
    edited = " ".join(["Breaking:", *words[:320], *_RNG.choices(_VOCABULARY, k=10)])
    match = classify(fingerprint_document(edited), index)
    assert match is not None
    assert (match.kind, match.of) == ("near", "original")
    exact = len(shingles(edited) & shingles(" ".join(words))) / len(
        shingles(edited) | shingles(" ".join(words))
    )
    assert match.overlap == pytest.approx(exact, abs=0.01)
    assert match.reason == f"{match.overlap:.0%} of 5-word shingles shared"


def test_below_threshold_is_not_a_duplicate() -> None:
    words = _text(400).split()
    index = _index(original=" ".join(words))
    half = " ".join(words[:100] + _RNG.choices(_VOCABULARY, k=300))  # Jaccard about 0.14
    assert classify(fingerprint_document(half), index) is None


def test_short_texts_only_match_exactly() -> None:
    index = _index(ad="ADVERTISEMENT", short="Read more about this story here")
    assert classify(fingerprint_document("READ more  about this\nstory here"), index) == (
        DuplicateMatch("content", "short", 1.0, "same text after normalization")
    )
    assert classify(fingerprint_document("Read more about this story there"), index) is None
    assert classify(fingerprint_document(""), _index(empty="")) is None


def test_best_match_wins_and_first_holder_is_kept() -> None:
    words = _text(400).split()
    index: DuplicateIndex[str] = DuplicateIndex()
    index.add("first", fingerprint_document(" ".join(words), url="https://e.com/1"))
    index.add("second", fingerprint_document(" ".join(words), url="https://e.com/1"))
    index.add("partial", fingerprint_document(" ".join(words[:250])))
    assert index.urls["https://e.com/1"] == "first"
    match = classify(fingerprint_document(" ".join(words[:390])), index)
    assert match is not None
    assert (match.kind, match.of) == ("near", "first")  # ties go to the earliest
    assert len(index) == 3


def test_shingles_can_be_recomputed_instead_of_stored() -> None:
    texts = {"original": _text(400)}
    index: DuplicateIndex[str] = DuplicateIndex(shingles_of=lambda key: shingles(texts[key]))
    index.add("original", fingerprint_document(texts["original"]))
    edited = texts["original"] + " plus a line of footer text at the end"
    match = classify(fingerprint_document(edited), index)
    assert match is not None and match.of == "original"


def test_records_are_frozen() -> None:
    match = DuplicateMatch("near", "k", 0.9, "r")
    with pytest.raises(dataclasses.FrozenInstanceError):
        match.of = "x"  # type: ignore[misc]
    assert DedupOptions().permutations == 128


def test_lsh_keys_are_signed_64_bit_and_shared_by_near_copies() -> None:
    from nutgraf.dedup.fingerprint import minhash

    words = _text(400).split()
    keys = lsh_keys(minhash(shingles(" ".join(words))))
    assert len(keys) == DedupOptions().bands
    assert all(-(2**63) <= k < 2**63 for k in keys)
    near = lsh_keys(minhash(shingles(" ".join(words[:380]))))
    other = lsh_keys(minhash(shingles(_text(400))))
    assert set(keys) & set(near)
    assert not set(keys) & set(other)
    assert DedupOptions().threshold == DEFAULT_THRESHOLD


def test_exported_members_exist() -> None:
    import nutgraf.dedup
    import nutgraf.dedup.fingerprint
    import nutgraf.dedup.near
    import nutgraf.dedup.urls

    for module in (
        nutgraf.dedup,
        nutgraf.dedup.fingerprint,
        nutgraf.dedup.near,
        nutgraf.dedup.urls,
    ):
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"
