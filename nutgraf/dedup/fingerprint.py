"""Text fingerprints: normalized text, content hash, word shingles, MinHash and an LSH index.

Everything here is deterministic across processes and machines: shingles are hashed with
blake2b (never Python's salted ``hash()``), and the MinHash permutations come from a fixed
seed, so signatures can be stored and compared later.

MinHash uses universal hashing ``h(x) = (a*x + b) mod p`` with the Mersenne prime
``p = 2**61 - 1``, computed exactly in 64-bit numpy arithmetic (the product is split into
32-bit limbs and folded with ``2**61 = 1 (mod p)``), vectorised over shingles x permutations.

``NearDuplicateIndex`` is banded LSH: a signature of ``bands * rows`` values is cut into bands,
each band is hashed to one 64-bit key, and two documents are candidates when they share a key
in any band. Band keys live in one sorted numpy array (a binary search per band) plus a
small dict for the newest documents, merged into the array when it reaches 1/16 of the index,
so adding stays cheap and a lookup never scans. Memory is 12 bytes per band per document
(key and id) plus the signature, stored as 32-bit values (a chance equality of the low bits
moves an estimate by at most 2**-32). Measured in ``benchmarks/dedup.py``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Hashable, Iterable, Set
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

__all__ = [
    "MERSENNE_PRIME",
    "NearDuplicateIndex",
    "band_hashes",
    "content_hash",
    "estimate_jaccard",
    "jaccard",
    "minhash",
    "normalize_text",
    "shingles",
]

K = TypeVar("K", bound=Hashable)

Signature = npt.NDArray[np.uint64]

MERSENNE_PRIME = (1 << 61) - 1
_P = np.uint64(MERSENNE_PRIME)
_LOW32 = np.uint64(0xFFFFFFFF)
_LOW29 = np.uint64((1 << 29) - 1)
_SEED = 0x6E757467726166  # "nutgraf"
_MAX_PERMUTATIONS = 1024
_MINHASH_ROWS = 2048  # shingles hashed at once: 2 MB a temporary at 128 permutations

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00ad": None,  # soft hyphen: invisible, often inserted by CMSs
        "\u200b": None,  # zero-width space
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,
    }
)
_WHITESPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")


def normalize_text(text: str) -> str:
    """Return ``text`` in NFKC, case-folded, with one kind of quote and dash and single spaces."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    return _WHITESPACE.sub(" ", text).strip()


def content_hash(text: str) -> str:
    """Return the sha256 hex digest of ``normalize_text(text)``: equal for exact copies."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()


def _hash64(data: str) -> int:
    """A stable 64-bit hash of a string (blake2b, 8-byte digest)."""
    return int.from_bytes(hashlib.blake2b(data.encode("utf-8"), digest_size=8).digest(), "little")


def shingles(text: str, size: int = 5) -> set[int]:
    """Hash every run of ``size`` consecutive words of the normalized text to a 64-bit int.

    Words are ``\\w+`` runs, so punctuation and spacing never matter. A text with fewer than
    ``size`` words gives one shingle of all its words; a text without words gives none.

    Args:
        text: any text.
        size: words per shingle (at least 1).

    Returns:
        The set of shingle hashes.
    """
    if size < 1:
        raise ValueError(f"shingle size must be at least 1, got {size}")
    words = _WORD.findall(normalize_text(text))
    if not words:
        return set()
    if len(words) <= size:
        return {_hash64(" ".join(words))}
    return {_hash64(" ".join(words[i : i + size])) for i in range(len(words) - size + 1)}


def jaccard(a: Set[int], b: Set[int]) -> float:
    """Exact Jaccard similarity |a & b| / |a | b|; two empty sets give 0.0."""
    if not a or not b:
        return 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    common = sum(1 for x in small if x in large)
    return common / (len(a) + len(b) - common)


def _permutations(count: int) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """The fixed, seeded ``a`` (in [1, p)) and ``b`` (in [0, p)) of ``count`` permutations."""
    rng = np.random.Generator(np.random.PCG64(_SEED))
    a = rng.integers(1, MERSENNE_PRIME, size=_MAX_PERMUTATIONS, dtype=np.uint64)
    b = rng.integers(0, MERSENNE_PRIME, size=_MAX_PERMUTATIONS, dtype=np.uint64)
    return a[:count], b[:count]


_A, _B = _permutations(_MAX_PERMUTATIONS)
_A_HI, _A_LO = _A >> np.uint64(32), _A & _LOW32


def _fold(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """Reduce values below 2**64 to [0, p) using 2**61 = 1 (mod p)."""
    x = (x & _P) + (x >> np.uint64(61))
    x = (x & _P) + (x >> np.uint64(61))
    return np.where(x >= _P, x - _P, x)


def _universal_hash(
    a_hi: npt.NDArray[np.uint64],
    a_lo: npt.NDArray[np.uint64],
    b: npt.NDArray[np.uint64],
    x: npt.NDArray[np.uint64],
) -> npt.NDArray[np.uint64]:
    """Exact ``(a * x + b) mod p`` for a, b, x < 2**61 with broadcasting, in uint64 only.

    With a = a_hi*2**32 + a_lo and x = x_hi*2**32 + x_lo (a_hi, x_hi < 2**29):
    a*x = hh*2**64 + mid*2**32 + ll, where 2**64 = 8 and 2**61 = 1 (mod p). Each partial
    term is kept below 2**62 so that their sum never wraps.
    """
    x_hi, x_lo = x >> np.uint64(32), x & _LOW32
    total = (a_hi * x_hi) << np.uint64(3)  # hh * 8 < 2**61
    mid = a_hi * x_lo
    mid += a_lo * x_hi  # < 2**62
    # mid*2**32 = (mid >> 29)*2**61 + (mid & (2**29 - 1))*2**32, and 2**61 = 1.
    total += mid >> np.uint64(29)
    mid &= _LOW29
    mid <<= np.uint64(32)
    total += mid  # < 2**61 + 2**33 + 2**61
    ll = a_lo * x_lo  # < 2**64
    total += ll & _P
    ll >>= np.uint64(61)
    total += ll  # < 2**63
    total += b  # < 2**64
    return _fold(total)


def minhash(shingle_set: Iterable[int], permutations: int = 128) -> Signature:
    """MinHash signature of a set of 64-bit shingle hashes.

    Args:
        shingle_set: shingle hashes (``shingles(text)``).
        permutations: signature length, 1 to 1024.

    Returns:
        ``permutations`` uint64 values in [0, 2**61 - 1); an empty set gives all
        ``2**64 - 1``, which never equals a real value, so it matches nothing.
    """
    if not 1 <= permutations <= _MAX_PERMUTATIONS:
        raise ValueError(f"permutations must be in 1..{_MAX_PERMUTATIONS}, got {permutations}")
    values = np.fromiter(shingle_set, dtype=np.uint64)
    if values.size == 0:
        return np.full(permutations, np.iinfo(np.uint64).max, dtype=np.uint64)
    a_hi, a_lo, b = _A_HI[None, :permutations], _A_LO[None, :permutations], _B[:permutations]
    result: Signature = np.full(permutations, np.iinfo(np.uint64).max, dtype=np.uint64)
    # A few thousand shingles at a time: the hashes of every shingle under every permutation
    # at once took 8 bytes x 128 x (shingles) several times over (1 GB for a long text).
    for start in range(0, values.size, _MINHASH_ROWS):
        x = _fold(values[start : start + _MINHASH_ROWS])[:, None]
        np.minimum(result, _universal_hash(a_hi, a_lo, b[None, :], x).min(axis=0), out=result)
    return result


def estimate_jaccard(
    sig_a: npt.NDArray[np.unsignedinteger], sig_b: npt.NDArray[np.unsignedinteger]
) -> float:
    """Fraction of equal positions in two MinHash signatures: an estimate of Jaccard."""
    if sig_a.shape != sig_b.shape:
        raise ValueError(f"signatures differ in length: {sig_a.shape} vs {sig_b.shape}")
    if sig_a.size == 0:
        return 0.0
    return float(np.count_nonzero(sig_a == sig_b)) / sig_a.size


_EMPTY_U64: npt.NDArray[np.uint64] = np.zeros(0, dtype=np.uint64)
_EMPTY_I32: npt.NDArray[np.int32] = np.zeros(0, dtype=np.int32)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_MIX2 = np.uint64(0xBF58476D1CE4E5B9)
# The tail (a dict) holds at most this many documents, or 1/16 of the index if more.
_MIN_TAIL = 1024


def band_hashes(
    signature: npt.NDArray[np.unsignedinteger], bands: int, rows: int
) -> npt.NDArray[np.uint64]:
    """One 64-bit key per LSH band of a signature; the band number is mixed in, so equal
    values in different bands give different keys. Uses the first ``bands * rows`` values,
    truncated to 32 bits as the index stores them."""
    if signature.size < bands * rows:
        raise ValueError(f"signature has {signature.size} values, {bands} x {rows} needs more")
    values = signature[: bands * rows].astype(np.uint32, casting="unsafe").astype(np.uint64)
    table = values.reshape(bands, rows)
    h = (np.arange(bands, dtype=np.uint64) + np.uint64(1)) * _MIX
    for column in range(rows):
        h = (h ^ table[:, column]) * _MIX2
        h ^= h >> np.uint64(31)
    return h


class NearDuplicateIndex(Generic[K]):
    """Banded MinHash LSH over keys of any hashable type.

    Two signatures become candidates when all ``rows`` values of at least one of the
    ``bands`` bands agree: for Jaccard ``s`` that happens with probability
    ``1 - (1 - s**rows)**bands``. ``candidates`` returns keys only; check them with
    ``estimated(key, signature)`` or exact Jaccard.
    """

    def __init__(self, bands: int = 32, rows: int = 4) -> None:
        if bands < 1 or rows < 1:
            raise ValueError(f"bands and rows must be positive, got {bands} x {rows}")
        self.bands = bands
        self.rows = rows
        self._keys: list[K] = []
        self._ids: dict[K, int] = {}
        self._signatures = np.zeros((0, bands * rows), dtype=np.uint32)
        self._count = 0
        self._sorted_hashes = _EMPTY_U64
        self._sorted_ids = _EMPTY_I32
        self._tail: dict[int, list[int]] = {}  # band key -> ids, not yet in the sorted arrays
        self._tail_docs = 0

    @property
    def permutations(self) -> int:
        """Signature length this index expects."""
        return self.bands * self.rows

    def __len__(self) -> int:
        return self._count

    def __contains__(self, key: object) -> bool:
        return key in self._ids

    def order(self, key: K) -> int:
        """Position of ``key`` in insertion order (0 for the first document)."""
        return self._ids[key]

    def _band_hashes(self, signature: npt.NDArray[np.unsignedinteger]) -> npt.NDArray[np.uint64]:
        """One 64-bit key per band (``band_hashes``)."""
        if signature.shape != (self.permutations,):
            raise ValueError(
                f"signature has shape {signature.shape}, this index expects ({self.permutations},)"
            )
        return band_hashes(signature, self.bands, self.rows)

    def add(self, key: K, signature: npt.NDArray[np.unsignedinteger]) -> None:
        """Index ``signature`` under ``key``; a key can be added once."""
        if key in self._ids:
            raise ValueError(f"key already indexed: {key!r}")
        hashes = self._band_hashes(signature)
        doc_id = self._count
        if doc_id == self._signatures.shape[0]:
            grown = np.zeros((max(1024, doc_id * 2), self.permutations), dtype=np.uint32)
            grown[:doc_id] = self._signatures[:doc_id]
            self._signatures = grown
        self._signatures[doc_id] = signature.astype(np.uint32, casting="unsafe")
        self._keys.append(key)
        self._ids[key] = doc_id
        self._count += 1
        for band_key in hashes.tolist():
            self._tail.setdefault(band_key, []).append(doc_id)
        self._tail_docs += 1
        if self._tail_docs >= max(_MIN_TAIL, self._count // 16):
            self._merge_tail()

    def _merge_tail(self) -> None:
        """Move the tail into the sorted arrays (two sorted runs: timsort merges them)."""
        if not self._tail:
            return
        count = sum(len(ids) for ids in self._tail.values())
        tail_hashes = np.fromiter(
            (h for h, ids in self._tail.items() for _ in ids), dtype=np.uint64, count=count
        )
        tail_ids = np.fromiter(
            (i for ids in self._tail.values() for i in ids), dtype=np.int32, count=count
        )
        order = np.argsort(tail_hashes, kind="stable")
        hashes = np.concatenate([self._sorted_hashes, tail_hashes[order]])
        ids = np.concatenate([self._sorted_ids, tail_ids[order]])
        order = np.argsort(hashes, kind="stable")
        self._sorted_hashes, self._sorted_ids = hashes[order], ids[order]
        self._tail, self._tail_docs = {}, 0

    def _candidate_ids(self, signature: npt.NDArray[np.unsignedinteger]) -> set[int]:
        """Internal ids sharing at least one band with ``signature``."""
        query = self._band_hashes(signature)
        found: set[int] = set()
        left = np.searchsorted(self._sorted_hashes, query, side="left")
        right = np.searchsorted(self._sorted_hashes, query, side="right")
        for lo, hi in zip(left.tolist(), right.tolist(), strict=True):
            if hi > lo:
                found.update(self._sorted_ids[lo:hi].tolist())
        if self._tail:
            for band_key in query.tolist():
                found.update(self._tail.get(band_key, ()))
        return found

    def candidates(self, signature: npt.NDArray[np.unsignedinteger]) -> set[K]:
        """Keys of indexed documents that share at least one LSH band with ``signature``."""
        return {self._keys[i] for i in self._candidate_ids(signature)}

    def estimated(self, key: K, signature: npt.NDArray[np.unsignedinteger]) -> float:
        """Estimated Jaccard between ``signature`` and the indexed document ``key``."""
        stored = self._signatures[self._ids[key]]
        return estimate_jaccard(stored, signature.astype(np.uint32, casting="unsafe"))

    def query(
        self, signature: npt.NDArray[np.unsignedinteger], threshold: float
    ) -> list[tuple[K, float]]:
        """Candidates whose estimated Jaccard is at least ``threshold``, best first, then oldest.

        Args:
            signature: the new document's MinHash signature.
            threshold: the lowest estimated Jaccard kept.

        Returns:
            ``(key, estimate)`` pairs.
        """
        ids = sorted(self._candidate_ids(signature))
        if not ids:
            return []
        stored = self._signatures[np.asarray(ids, dtype=np.int64)]
        probe = signature.astype(np.uint32, casting="unsafe")
        scores = np.count_nonzero(stored == probe[None, :], axis=1) / self.permutations
        kept = [(float(s), i) for s, i in zip(scores.tolist(), ids, strict=True) if s >= threshold]
        kept.sort(key=lambda pair: (-pair[0], pair[1]))
        return [(self._keys[i], s) for s, i in kept]

    def memory_bytes(self) -> int:
        """Bytes held in numpy arrays (signatures and band keys), without the key objects."""
        used = self._signatures[: self._count].nbytes
        used += self._sorted_hashes.nbytes + self._sorted_ids.nbytes
        return used + 12 * self.bands * self._tail_docs
