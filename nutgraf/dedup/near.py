"""Is this document a copy of one seen before? URL, GUID, exact text, then near-duplicate text.

``classify(fingerprint, index)`` reports the first match in this order and never changes
anything: the caller links the later copy to the earlier one (it is never dropped).

1. ``url``: the same canonical URL (``canonical_url``);
2. ``guid``: the same GUID in the same feed (GUIDs are only unique within a feed);
3. ``content``: the same ``content_hash`` (same text after normalization);
4. ``near``: MinHash LSH finds candidates, those whose estimated Jaccard is at least
   ``threshold - estimate_slack`` are verified with the exact Jaccard of their 5-word
   shingles, and the best one at or above ``threshold`` wins (ties: the earliest added).

Exact verification needs the earlier document's shingles. ``DuplicateIndex`` keeps them
itself as sorted 32-bit arrays (about 4 bytes per word of text, 2.8 kB for a 700-word article)
unless it is given ``shingles_of``, a function from key to shingle set (typically
``lambda key: shingles(store.text(key))``): then it keeps only the MinHash signatures and
recomputes shingles for the few candidates that pass the estimate. Measured with 100,000
documents (``benchmarks/dedup.py``): 433 MB with shingles kept (4.5 kB per document), 151 MB
without (1.6 kB); ``classify`` takes 0.17 ms (median) either way, plus the recomputation.
Url, GUID and content matches point at the first document added with that value.

Threshold, measured (``python -m benchmarks.dedup``; data: ../shared/data/stories and the CNN
stories of ../shared/data/summaries): exact 5-shingle Jaccard >= 0.35 (``DEFAULT_THRESHOLD``),
LSH 64 bands x 2 rows over 128 MinHash values, candidates kept when their estimate is at least
0.25 before the exact check.

- Real positives: the 5 cross-outlet wire copies that an all-pairs scan of ``clusters.jsonl``
  found and that were checked by eye: Reuters text verbatim in the Washington Times (J = 1.00),
  Reuters in The Guardian with its own standfirst (0.77), one AP story at CBS News and at
  Newsmax, each cut differently (0.53), AP at CBS News in house style (0.52), and AP in the
  Daily Mail with captions and its own lines (0.47). All 5 are found at 0.35; at 0.50 one is
  lost, at 0.60 three.
- Derived positives (5,600): edits of 700 real articles made by the benchmark: first line
  replaced (headline), a paragraph added, one removed, boilerplate appended, 3% of words
  changed, the last 25% or 50% of paragraphs cut, and a wire-style mix (dateline, curly
  quotes, caption, "Read more" lines, end cut, footer).
- Negatives (22,453): every same-story pair from two outlets in the stories data (2,454 hard
  negatives: same event, names and quotes; the highest are a story built around a few AP
  paragraphs, J = 0.24, and an op-ed quoted at length, J = 0.22) and 19,999 random pairs.

At 0.35: precision 1.0000, recall 0.9980 (the 11 misses are all "last half cut"), F1 0.999.
0.25 to 0.40 all have precision 1.0 here; 0.35 sits in the middle of the gap between the
highest real negative (0.24) and the lowest real copy (0.47). Lower thresholds also flag
more of the CNN pairs that are rewritten updates of one story (12 of 122 at 0.30, 24 at
0.25, 5 at 0.35; reported apart, not counted: an update is a judgement call). 32 x 4 bands
missed 2 of the 5 real copies (at J = 0.5 a pair shares one of 32 bands of 4 values with
probability 0.87, one of 64 bands of 2 with 0.9999); 16 x 8 missed 3.

Texts with fewer than ``min_shingles`` shingles (about 20 words) only get exact matching:
Jaccard on a handful of shingles says little, and "ADVERTISEMENT" pages would all match.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Set
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

import numpy as np
import numpy.typing as npt

from nutgraf.dedup.fingerprint import (
    NearDuplicateIndex,
    band_hashes,
    content_hash,
    minhash,
    normalize_text,
    shingles,
)
from nutgraf.dedup.urls import canonical_url

__all__ = [
    "DEFAULT_THRESHOLD",
    "DedupOptions",
    "DocumentFingerprint",
    "DuplicateIndex",
    "DuplicateMatch",
    "classify",
    "compact_jaccard",
    "compact_shingles",
    "fingerprint_document",
    "lsh_keys",
]

K = TypeVar("K", bound=Hashable)
MatchKind = Literal["url", "guid", "content", "near"]

DEFAULT_THRESHOLD = 0.35


@dataclass(frozen=True, slots=True)
class DedupOptions:
    """How near duplicates are found; the defaults are the measured ones."""

    threshold: float = DEFAULT_THRESHOLD
    shingle_size: int = 5
    bands: int = 64
    rows: int = 2
    estimate_slack: float = 0.1
    min_shingles: int = 16

    @property
    def permutations(self) -> int:
        """MinHash signature length."""
        return self.bands * self.rows


@dataclass(frozen=True, slots=True)
class DuplicateMatch(Generic[K]):
    """An earlier document the new one copies."""

    kind: MatchKind
    of: K
    overlap: float  # 1.0 for url, guid and content; exact shingle Jaccard for near
    reason: str


@dataclass(frozen=True, slots=True, eq=False)
class DocumentFingerprint:
    """Everything dedup needs from one document, computed once."""

    url: str | None  # canonical
    guid: tuple[str, str] | None  # (feed, guid)
    content_hash: str | None  # None for an empty text
    shingles: npt.NDArray[np.uint32]  # sorted unique, see compact_shingles
    signature: npt.NDArray[np.uint64]


def lsh_keys(
    signature: npt.NDArray[np.unsignedinteger], options: DedupOptions | None = None
) -> tuple[int, ...]:
    """The LSH band keys of a signature as signed 64-bit ints, for a database index.

    The same keys ``DuplicateIndex`` uses (``band_hashes``), reinterpreted as int64 so that
    SQLite and PostgreSQL ``BIGINT`` can store them. Two texts are candidates when they share
    a key.

    Args:
        signature: ``minhash(shingles(text), options.permutations)``.
        options: the LSH shape (bands x rows); the measured default when None.

    Returns:
        ``options.bands`` keys, in band order.
    """
    options = options or DedupOptions()
    keys = band_hashes(signature, options.bands, options.rows).view(np.int64)
    return tuple(int(k) for k in keys.tolist())


def compact_shingles(shingle_set: Set[int]) -> npt.NDArray[np.uint32]:
    """Shingle hashes cut to 32 bits, sorted and unique: half the memory, same Jaccard.

    Two distinct shingles of a 1,000-word text share their low 32 bits with probability
    about 1e-4, which moves a Jaccard by 1/1,000 at most.
    """
    values = np.fromiter(shingle_set, dtype=np.uint64, count=len(shingle_set))
    return np.unique(values.astype(np.uint32))


def compact_jaccard(a: npt.NDArray[np.uint32], b: npt.NDArray[np.uint32]) -> float:
    """Exact Jaccard of two ``compact_shingles`` arrays; two empty arrays give 0.0."""
    if a.size == 0 or b.size == 0:
        return 0.0
    common = np.intersect1d(a, b, assume_unique=True).size
    return common / (a.size + b.size - common)


def fingerprint_document(
    text: str,
    *,
    url: str | None = None,
    guid: str | None = None,
    feed: str | None = None,
    options: DedupOptions | None = None,
) -> DocumentFingerprint:
    """Fingerprint a document for ``classify`` and ``DuplicateIndex.add``.

    Args:
        text: the article text (title included or not, but the same way for every document).
        url: its URL, canonicalized here.
        guid: the feed entry's GUID; used only together with ``feed``.
        feed: the feed's URL or id.
        options: shingle size and signature length.

    Returns:
        The fingerprint.
    """
    options = options or DedupOptions()
    shingle_set = shingles(text, options.shingle_size)
    return DocumentFingerprint(
        url=canonical_url(url) if url and url.strip() else None,
        guid=(feed, guid) if guid and feed else None,
        content_hash=content_hash(text) if normalize_text(text) else None,
        shingles=compact_shingles(shingle_set),
        signature=minhash(shingle_set, options.permutations),
    )


class DuplicateIndex(Generic[K]):
    """Earlier documents by URL, GUID, content hash and MinHash LSH.

    Args:
        options: threshold, shingles and LSH shape.
        shingles_of: where to get an earlier document's shingle set when verifying a
            near-duplicate candidate; without it the index keeps every document's shingles.
    """

    def __init__(
        self,
        options: DedupOptions | None = None,
        *,
        shingles_of: Callable[[K], Set[int]] | None = None,
    ) -> None:
        self.options = options or DedupOptions()
        self.shingles_of = shingles_of
        self.urls: dict[str, K] = {}
        self.guids: dict[tuple[str, str], K] = {}
        self.hashes: dict[str, K] = {}
        self.lsh: NearDuplicateIndex[K] = NearDuplicateIndex(self.options.bands, self.options.rows)
        self._shingles: dict[K, npt.NDArray[np.uint32]] = {}

    def __len__(self) -> int:
        return len(self.lsh)

    def add(self, key: K, fingerprint: DocumentFingerprint) -> None:
        """Record a document; url, GUID and hash keep pointing at the first holder."""
        if fingerprint.url is not None:
            self.urls.setdefault(fingerprint.url, key)
        if fingerprint.guid is not None:
            self.guids.setdefault(fingerprint.guid, key)
        if fingerprint.content_hash is not None:
            self.hashes.setdefault(fingerprint.content_hash, key)
        self.lsh.add(key, fingerprint.signature)
        if self.shingles_of is None:
            self._shingles[key] = fingerprint.shingles

    def shingles_for(self, key: K) -> npt.NDArray[np.uint32]:
        """The compact shingles of an indexed document (stored or recomputed)."""
        if self.shingles_of is not None:
            return compact_shingles(self.shingles_of(key))
        return self._shingles[key]


def classify(
    fingerprint: DocumentFingerprint, index: DuplicateIndex[K]
) -> DuplicateMatch[K] | None:
    """The first reason ``fingerprint`` duplicates an indexed document, or None.

    Order: url, then guid within its feed, then content hash, then near duplicate.
    Reads the index only.

    Args:
        fingerprint: the new document (``fingerprint_document``).
        index: the earlier documents.

    Returns:
        The match, or None for a new document.
    """
    if fingerprint.url is not None and fingerprint.url in index.urls:
        return DuplicateMatch("url", index.urls[fingerprint.url], 1.0, "same canonical URL")
    if fingerprint.guid is not None and fingerprint.guid in index.guids:
        feed, guid = fingerprint.guid
        return DuplicateMatch(
            "guid", index.guids[fingerprint.guid], 1.0, f"same GUID {guid!r} in feed {feed!r}"
        )
    if fingerprint.content_hash is not None and fingerprint.content_hash in index.hashes:
        return DuplicateMatch(
            "content", index.hashes[fingerprint.content_hash], 1.0, "same text after normalization"
        )
    return _near_match(fingerprint, index)


def _near_match(
    fingerprint: DocumentFingerprint, index: DuplicateIndex[K]
) -> DuplicateMatch[K] | None:
    """The best verified near duplicate at or above the threshold, or None."""
    options = index.options
    if fingerprint.shingles.size < options.min_shingles:
        return None
    floor = options.threshold - options.estimate_slack
    best: tuple[float, K] | None = None
    for key, _estimate in index.lsh.query(fingerprint.signature, floor):
        earlier = index.shingles_for(key)
        if earlier.size < options.min_shingles:
            continue
        overlap = compact_jaccard(fingerprint.shingles, earlier)
        if overlap >= options.threshold and (
            best is None or (overlap, -index.lsh.order(key)) > (best[0], -index.lsh.order(best[1]))
        ):
            best = (overlap, key)
    if best is None:
        return None
    overlap, key = best
    size = options.shingle_size
    return DuplicateMatch("near", key, overlap, f"{overlap:.0%} of {size}-word shingles shared")
