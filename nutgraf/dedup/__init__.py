"""Duplicates: canonical URLs, text fingerprints, and the decision "is this a copy, of what?".

>>> from nutgraf.dedup import DuplicateIndex, classify, fingerprint_document
>>> index = DuplicateIndex()
>>> index.add(1, fingerprint_document(text, url=url, guid=guid, feed=feed))
>>> classify(fingerprint_document(other_text, url=other_url), index)  # DuplicateMatch | None
"""

from nutgraf.dedup.fingerprint import (
    NearDuplicateIndex,
    content_hash,
    estimate_jaccard,
    jaccard,
    minhash,
    normalize_text,
    shingles,
)
from nutgraf.dedup.near import (
    DEFAULT_THRESHOLD,
    DedupOptions,
    DocumentFingerprint,
    DuplicateIndex,
    DuplicateMatch,
    classify,
    fingerprint_document,
    lsh_keys,
)
from nutgraf.dedup.urls import canonical_url

__all__ = [
    "DEFAULT_THRESHOLD",
    "DedupOptions",
    "DocumentFingerprint",
    "DuplicateIndex",
    "DuplicateMatch",
    "NearDuplicateIndex",
    "canonical_url",
    "classify",
    "content_hash",
    "estimate_jaccard",
    "fingerprint_document",
    "jaccard",
    "lsh_keys",
    "minhash",
    "normalize_text",
    "shingles",
]
