"""Near-duplicate benchmark: precision/recall per threshold, lookup time and memory at 100k.

    .venv/bin/python -m benchmarks.dedup [--data DIR] [--articles N] [--random-pairs N]
                                         [--index-size N] [--seed S] [--scan]

Pairs (``A`` indexed first, then ``B`` classified against it with ``nutgraf.dedup``'s rules):

- real positives: the cross-outlet wire copies found in ``stories/clusters.jsonl`` by an
  all-pairs shingle scan (``--scan`` re-runs it and prints every cross-outlet pair with Jaccard
  above 0.1) and checked by eye: ``REAL_WIRE_PAIRS``;
- derived positives: edits of real articles (``stories/clusters.jsonl`` and the CNN stories of
  ``summaries/train.jsonl.gz``), one of each kind in ``EDITS`` per article;
- hard negatives: every same-story pair from two different outlets in ``clusters.jsonl``,
  ``clusters_basil.jsonl`` and the ``multidoc.jsonl`` stories not in ``clusters.jsonl``
  (minus the real wire copies);
- random negatives: random pairs of articles from different stories;
- ``updates``: pairs of CNN stories that are rewritten versions of one story (shingle
  Jaccard 0.1 to 0.7, found by the same scan) and ``AMBIGUOUS_PAIRS``. Reported apart, not
  counted: whether an update is a duplicate is a judgement call.

A pair is "found" when the content hashes are equal, or the LSH bands collide, the
estimated Jaccard is at least ``threshold - slack`` and the exact Jaccard at least
``threshold``, both texts having ``min_shingles`` shingles.

Speed and memory: a ``DuplicateIndex`` with every real article of the shared data (about
13,000), filled up to ``--index-size`` documents with synthetic ones. A synthetic
document has a random shingle set whose size is drawn from the real ones; its MinHash values are
drawn directly as the minimum of n uniform values (the distribution of a MinHash of n random
shingles), which is what lets 87,000 of them be made in seconds. It shares nothing with the real
documents, so it adds memory and band-sorting work but few candidates: real archives with
shared boilerplate give more candidates per lookup than this. Lookups are the derived
positives and real articles, classified without url/guid; time is wall-clock per
``classify`` call (fingerprinting not included, reported on its own). Memory is what
``tracemalloc`` sees while the index is built (numpy arrays included).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import gzip
import json
import random
import re
import statistics
import sys
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from benchmarks.report import machine, write_section
from nutgraf.dedup.fingerprint import MERSENNE_PRIME, jaccard, shingles
from nutgraf.dedup.near import (
    DedupOptions,
    DocumentFingerprint,
    DuplicateIndex,
    classify,
    compact_jaccard,
    fingerprint_document,
)

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = REPO.parent / "shared" / "data"

# (earlier id, later id, what it is): cross-outlet wire copies in stories/clusters.jsonl.
REAL_WIRE_PAIRS = (
    ("BrOhhC9Ql8U6s0SC", "e87tQmBZ4AK1F8Sz", "Reuters text in the Washington Times, verbatim"),
    ("Vwtbo94QbhCojfdb", "SU71oJG2tNQT60RV", "Reuters text in The Guardian, own standfirst"),
    ("kB6PoJDUeTIR16ph", "YyBA68nd3FZ6rWW0", "AP text in the Daily Mail, captions and own lines"),
    ("9CMwzJJVs4vAcUUv", "1Rsmj3XNrft7jrcb", "AP text at CBS News, house style, own paragraphs"),
    ("GZyUw9NsnAKmSEEj", "JqRmGPf459IjNRx0", "one AP story at CBS News and at Newsmax, each cut"),
)
# Reported apart, not counted: Newsmax's text is an earlier version of the Reuters story.
AMBIGUOUS_PAIRS = (("B5luDMGMSxE8Bv2p", "Vn4LSvlaacBAY3Xc", "earlier version of a Reuters story"),)
# Hardest negatives found by the scan, counted with the other hard negatives: an op-ed and a
# news story quoting it at length (J = 0.22); a Fox News story built around a few AP paragraphs
# (J = 0.24).
NOTED_NEGATIVES = (
    ("sRx8kit9GjmvXjWh", "0LZiZgAY2dzyug5Z"),
    ("Hxh0WbJz33iyQVv5", "mKfCFGUQ3L7ue61K"),
)

THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9)
LSH_SHAPES = ((64, 2), (42, 3), (32, 4), (16, 8))

BOILERPLATE = (
    "Sign up for Daily Newsletters",
    "Copyright © 2020 The Daily Ledger, LLC. Click here for reprint permission.",
    "CLICK HERE TO GET THE NEWS APP",
    "Follow us on Twitter and Facebook for the latest updates. Share this article with friends.",
    "ADVERTISEMENT",
    "This material may not be published, broadcast, rewritten or redistributed. "
    "All rights reserved. Reporting by staff writers; editing by the news desk.",
)
_DATELINE = re.compile(r"^([A-Z][A-Za-z .,]{2,40}) \((?:Reuters|AP|CNN)\) [-—–]+ ")


@dataclass(frozen=True, slots=True)
class Doc:
    """One real article."""

    id: str
    story: str
    source: str
    text: str


@dataclass(frozen=True, slots=True)
class Pair:
    """Two texts and what they are."""

    group: str
    label: bool | None  # None: reported, not counted
    a: str
    b: str


def _paragraphs(text: str) -> list[str]:
    """Paragraphs of a text (blank-line separated, else line separated)."""
    parts = text.split("\n\n") if "\n\n" in text else text.split("\n")
    return [p.strip() for p in parts if p.strip()]


def _join(paragraphs: Sequence[str]) -> str:
    return "\n\n".join(paragraphs)


def edit_headline(paras: list[str], rng: random.Random, other: Doc) -> str:
    """The first paragraph (headline or standfirst) replaced by another article's first line."""
    return _join([_paragraphs(other.text)[0], *paras[1:]])


def edit_paragraph_added(paras: list[str], rng: random.Random, other: Doc) -> str:
    """One paragraph of another article inserted somewhere in the middle."""
    extra = rng.choice(_paragraphs(other.text))
    at = rng.randrange(1, len(paras))
    return _join([*paras[:at], extra, *paras[at:]])


def edit_paragraph_removed(paras: list[str], rng: random.Random, other: Doc) -> str:
    """One paragraph removed, not the first."""
    at = rng.randrange(1, len(paras))
    return _join(paras[:at] + paras[at + 1 :])


def edit_boilerplate(paras: list[str], rng: random.Random, other: Doc) -> str:
    """Three boilerplate paragraphs appended, as a republisher's page adds them."""
    return _join([*paras, *rng.sample(BOILERPLATE, 3)])


def edit_words(paras: list[str], rng: random.Random, other: Doc) -> str:
    """3% of the words (at least 3) replaced by words of another article."""
    words = _join(paras).split(" ")
    pool = other.text.split()
    for at in rng.sample(range(len(words)), max(3, len(words) * 3 // 100)):
        words[at] = rng.choice(pool)
    return " ".join(words)


def edit_trim_25(paras: list[str], rng: random.Random, other: Doc) -> str:
    """The last quarter of the paragraphs cut, as republishers do."""
    return _join(paras[: max(1, round(len(paras) * 0.75))])


def edit_trim_50(paras: list[str], rng: random.Random, other: Doc) -> str:
    """The second half of the paragraphs cut."""
    return _join(paras[: max(1, round(len(paras) * 0.5))])


def edit_wire(paras: list[str], rng: random.Random, other: Doc) -> str:
    """A republished wire story: dateline, quotes, a caption, "Read more" links, trim, footer."""
    out = [_DATELINE.sub(r"\1 — ", paras[0]), *paras[1:]]
    out = [p.replace('"', "“") for p in out]
    out.insert(1, "FILE PHOTO: " + _paragraphs(other.text)[0][:160])
    for _ in range(2):
        at = rng.randrange(2, len(out))
        out.insert(at, f"{rng.choice(_paragraphs(other.text))[:70]} Read more")
    out = out[: max(2, round(len(out) * 0.85))]
    return _join([*out, BOILERPLATE[1]])


EDITS: dict[str, Callable[[list[str], random.Random, Doc], str]] = {
    "headline": edit_headline,
    "para-added": edit_paragraph_added,
    "para-removed": edit_paragraph_removed,
    "boilerplate": edit_boilerplate,
    "words-3%": edit_words,
    "trim-25%": edit_trim_25,
    "trim-50%": edit_trim_50,
    "wire-mix": edit_wire,
}


def _jsonl(path: Path) -> Iterator[dict[str, object]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)


def load_docs(data: Path) -> dict[str, list[Doc]]:
    """Real articles by collection."""
    stories = data / "stories"
    summaries = data / "summaries"
    out: dict[str, list[Doc]] = {}
    out["clusters"] = [
        Doc(str(r["id"]), str(r["cluster"]), str(r["source"]), str(r["text"]))
        for r in _jsonl(stories / "clusters.jsonl")
    ]
    out["basil"] = [
        Doc(str(r["id"]), str(r["cluster"]), str(r["source"]), str(r["text"]))
        for r in _jsonl(stories / "clusters_basil.jsonl")
    ]
    known = {d.story for d in out["clusters"]}
    multidoc: list[Doc] = []
    for r in _jsonl(stories / "multidoc.jsonl"):
        if r["id"] in known:
            continue
        articles = r["articles"]
        assert isinstance(articles, list)
        for a in articles:
            multidoc.append(Doc(str(a["id"]), str(r["id"]), str(a["source"]), str(a["text"])))
    out["multidoc"] = multidoc
    out["cnn"] = [
        Doc(str(r["id"]), "cnn-" + str(r["id"]), "CNN", str(r["text"]))
        for r in _jsonl(summaries / "train.jsonl.gz")
    ]
    extra: list[Doc] = []
    for name in ("dev.jsonl", "dev2.jsonl"):
        for r in _jsonl(summaries / name):
            extra.append(Doc(str(r["id"]), name + str(r["id"]), "summaries", str(r["text"])))
    out["summaries-dev"] = extra
    return out


def scan_cross_outlet(docs: Sequence[Doc], floor: float = 0.1) -> list[tuple[float, Doc, Doc]]:
    """Pairs from different outlets (or CNN pairs) with shingle Jaccard above ``floor``."""
    options = DedupOptions()
    index: DuplicateIndex[int] = DuplicateIndex(options)
    sets = [shingles(d.text) for d in docs]
    found: list[tuple[float, Doc, Doc]] = []
    for i, doc in enumerate(docs):
        fp = fingerprint_document(doc.text, options=options)
        for j, _ in index.lsh.query(fp.signature, 0.0):
            if docs[j].source != doc.source or doc.source == "CNN":
                score = jaccard(sets[i], sets[j])
                if score > floor:
                    found.append((score, docs[j], doc))
        index.add(i, fp)
    return sorted(found, key=lambda t: -t[0])


def build_pairs(
    docs: dict[str, list[Doc]], articles: int, random_pairs: int, seed: int
) -> list[Pair]:
    """Positives (real and derived), negatives (hard and random) and the CNN updates."""
    rng = random.Random(seed)
    by_id = {d.id: d for d in docs["clusters"]}
    pairs = [Pair("real-wire", True, by_id[a].text, by_id[b].text) for a, b, _ in REAL_WIRE_PAIRS]
    pool = [
        d
        for d in docs["clusters"] + docs["cnn"]
        if len(_paragraphs(d.text)) >= 6 and len(d.text.split()) >= 150
    ]
    chosen = rng.sample(pool, min(articles, len(pool)))
    for doc in chosen:
        paras = _paragraphs(doc.text)
        for name, edit in EDITS.items():
            other = rng.choice(pool)
            while other.story == doc.story:
                other = rng.choice(pool)
            pairs.append(Pair("derived:" + name, True, doc.text, edit(list(paras), rng, other)))
    pairs += [Pair("updates", None, by_id[a].text, by_id[b].text) for a, b, _ in AMBIGUOUS_PAIRS]
    wire = {frozenset(p[:2]) for p in REAL_WIRE_PAIRS + AMBIGUOUS_PAIRS}
    for collection in ("clusters", "basil", "multidoc"):
        stories: dict[str, list[Doc]] = defaultdict(list)
        for d in docs[collection]:
            stories[d.story].append(d)
        for members in stories.values():
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    if a.source != b.source and frozenset((a.id, b.id)) not in wire:
                        pairs.append(Pair("hard:" + collection, False, a.text, b.text))
    everything = docs["clusters"] + docs["cnn"]
    for _ in range(random_pairs):
        a, b = rng.sample(everything, 2)
        if a.story != b.story:
            pairs.append(Pair("random", False, a.text, b.text))
    cnn = docs["cnn"]
    for score, a, b in scan_cross_outlet(cnn, floor=0.1):
        if score < 0.9:
            pairs.append(Pair("updates", None, a.text, b.text))
    return pairs


@dataclass(frozen=True, slots=True)
class Scored:
    """What the decision needs to know about one pair."""

    group: str
    label: bool | None
    same_hash: bool
    collide: dict[tuple[int, int], bool]
    estimate: float
    exact: float
    short: bool


def score_pairs(pairs: Sequence[Pair], options: DedupOptions) -> list[Scored]:
    """Fingerprint both sides of every pair once."""
    cache: dict[str, DocumentFingerprint] = {}

    def fp(text: str) -> DocumentFingerprint:
        if text not in cache:
            cache[text] = fingerprint_document(text, options=options)
        return cache[text]

    out = []
    for pair in pairs:
        a, b = fp(pair.a), fp(pair.b)
        equal = a.signature == b.signature
        collide = {
            (bands, rows): bool(equal[: bands * rows].reshape(bands, rows).all(axis=1).any())
            for bands, rows in LSH_SHAPES
        }
        out.append(
            Scored(
                group=pair.group,
                label=pair.label,
                same_hash=a.content_hash is not None and a.content_hash == b.content_hash,
                collide=collide,
                estimate=float(equal.mean()),
                exact=compact_jaccard(a.shingles, b.shingles),
                short=min(a.shingles.size, b.shingles.size) < options.min_shingles,
            )
        )
    return out


def decide(s: Scored, threshold: float, shape: tuple[int, int], options: DedupOptions) -> bool:
    """``classify``'s near-duplicate rule on one scored pair."""
    if s.same_hash:
        return True
    if s.short or not s.collide[shape]:
        return False
    return s.estimate >= threshold - options.estimate_slack and s.exact >= threshold


def quality_table(scored: Sequence[Scored], options: DedupOptions) -> list[str]:
    """Markdown rows: threshold, LSH shape, precision, recall, F1, and per-group detail."""
    rows = [
        "| threshold | bands x rows | precision | recall | F1 | FP hard | FP random "
        "| real wire found | updates flagged |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for shape in LSH_SHAPES:
        for t in THRESHOLDS:
            tp = fp = fn = fp_hard = fp_random = real = updates = 0
            for s in scored:
                hit = decide(s, t, shape, options)
                if s.label is None:
                    updates += hit
                elif s.label:
                    tp += hit
                    fn += not hit
                    real += hit and s.group == "real-wire"
                elif hit:
                    fp += 1
                    fp_hard += s.group.startswith("hard")
                    fp_random += s.group == "random"
            precision = tp / (tp + fp) if tp + fp else 1.0
            recall = tp / (tp + fn) if tp + fn else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            n_updates = sum(s.label is None for s in scored)
            n_real = sum(s.group == "real-wire" for s in scored)
            rows.append(
                f"| {t:.2f} | {shape[0]} x {shape[1]} | {precision:.4f} | {recall:.4f} "
                f"| {f1:.3f} | {fp_hard} | {fp_random} | {real}/{n_real} | {updates}/{n_updates} |"
            )
    return rows


def group_table(scored: Sequence[Scored], options: DedupOptions) -> list[str]:
    """Markdown rows: exact Jaccard spread and recall (or false positive rate) per group."""
    shape = (options.bands, options.rows)
    groups: dict[str, list[Scored]] = defaultdict(list)
    for s in scored:
        groups[s.group].append(s)
    rows = [
        f"| group | pairs | Jaccard min | median | max | flagged at {options.threshold} |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in sorted(groups):
        members = groups[name]
        values = [s.exact for s in members]
        flagged = sum(decide(s, options.threshold, shape, options) for s in members)
        rows.append(
            f"| {name} | {len(members)} | {min(values):.3f} | {statistics.median(values):.3f} "
            f"| {max(values):.3f} | {flagged} ({flagged / len(members):.1%}) |"
        )
    return rows


def _synthetic(
    count: int, sizes: npt.NDArray[np.int64], options: DedupOptions, rng: np.random.Generator
) -> Iterator[DocumentFingerprint]:
    """Fingerprints of random documents (see the module docstring)."""
    for n in rng.choice(sizes, size=count):
        u = rng.random(options.permutations)
        signature = (MERSENNE_PRIME * (1.0 - u ** (1.0 / max(1, int(n))))).astype(np.uint64)
        compact = np.unique(rng.integers(0, 2**32, size=int(n), dtype=np.uint64).astype(np.uint32))
        yield DocumentFingerprint(None, None, None, compact, signature)


def speed_and_memory(
    docs: dict[str, list[Doc]], probes: Sequence[str], index_size: int, options: DedupOptions
) -> list[str]:
    """Build an ``index_size`` index, then time ``classify`` for every probe text.

    Probes: ``probes`` (edited copies of indexed articles) and 1,000 real articles held out
    of the index (every 13th), so lookups with and without a match are both timed.
    """
    everything = [d for collection in docs.values() for d in collection]
    real = [d for i, d in enumerate(everything) if i % 13]
    held_out = [d.text for i, d in enumerate(everything) if not i % 13]
    started = time.perf_counter()
    fingerprints = [fingerprint_document(d.text, options=options) for d in real]
    fingerprint_ms = (time.perf_counter() - started) * 1000 / len(real)
    sizes = np.array([f.shingles.size for f in fingerprints], dtype=np.int64)
    rng = np.random.default_rng(7)
    synthetic = max(0, index_size - len(fingerprints))
    filler = list(_synthetic(synthetic, sizes, options, rng))
    probe_fps = [fingerprint_document(t, options=options) for t in [*probes, *held_out[:1000]]]
    start = time.perf_counter()
    untraced: DuplicateIndex[int] = DuplicateIndex(options, shingles_of=lambda key: set())
    for key, f in enumerate(fingerprints + filler):
        untraced.add(key, f)
    add_us = (time.perf_counter() - start) * 1e6 / len(untraced)
    del untraced
    rows = [
        "| shingles stored | documents | build s (traced) | memory MB | bytes/doc "
        "| classify median ms | p95 ms | candidates/lookup |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    compact = {i: f.shingles for i, f in enumerate(fingerprints + filler)}

    def from_cache(key: int) -> set[int]:
        """Recomputing means re-shingling stored text; here the set comes from a cache, so
        the timing covers the lookup and the exact check, not the re-shingling."""
        return {int(v) for v in compact[key]}

    for stored in (True, False):
        shingles_of: Callable[[int], set[int]] | None = None if stored else from_cache
        tracemalloc.start()
        start = time.perf_counter()
        index: DuplicateIndex[int] = DuplicateIndex(options, shingles_of=shingles_of)
        for key, f in enumerate(fingerprints + filler):
            # A copy, so that the stored shingles are allocated (and counted) here.
            index.add(key, dataclasses.replace(f, shingles=f.shingles.copy()) if stored else f)
        build = time.perf_counter() - start
        memory, _peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        times, candidates = [], []
        for f in probe_fps:
            t0 = time.perf_counter()
            classify(f, index)
            times.append((time.perf_counter() - t0) * 1000)
            candidates.append(len(index.lsh.candidates(f.signature)))
        times.sort()
        rows.append(
            f"| {'in index' if stored else 'recomputed'} | {len(index):,} | {build:.1f} "
            f"| {memory / 2**20:.0f} | {memory / len(index):,.0f} "
            f"| {statistics.median(times):.3f} | {times[int(len(times) * 0.95)]:.3f} "
            f"| {statistics.mean(candidates):.1f} |"
        )
    rows.append("")
    rows.append(
        f"Adding a document (no tracemalloc, shingles not stored): {add_us:.0f} us on average."
    )
    rows.append(
        f"Fingerprinting (normalize, shingle, MinHash {options.permutations}): "
        f"{fingerprint_ms:.2f} ms per real document ({len(real):,} documents, "
        f"{synthetic:,} synthetic fillers)."
    )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(DATA_DIR), help=f"default: {DATA_DIR}")
    parser.add_argument("--articles", type=int, default=700, help="articles to derive edits of")
    parser.add_argument("--random-pairs", type=int, default=20_000)
    parser.add_argument("--index-size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scan", action="store_true", help="print the cross-outlet scan only")
    parser.add_argument(
        "--output", default=None, help="write the report into this file (e.g. BENCHMARKS.md)"
    )
    args = parser.parse_args(argv)
    data = Path(args.data)
    if not (data / "stories" / "clusters.jsonl").is_file():
        print(
            f"Error: stories/clusters.jsonl not found in {data}; pass --data DIR", file=sys.stderr
        )
        return 1
    docs = load_docs(data)
    if args.scan:
        for collection in ("clusters", "basil", "multidoc", "cnn"):
            for score, a, b in scan_cross_outlet(docs[collection]):
                print(f"{collection}\t{score:.3f}\t{a.id}\t{a.source}\t{b.id}\t{b.source}")
        return 0
    options = DedupOptions()
    pairs = build_pairs(docs, args.articles, args.random_pairs, args.seed)
    scored = score_pairs(pairs, options)
    probes = [p.b for p in pairs if p.group.startswith("derived")][::4][:1000]
    lines = [
        "## Near duplicates",
        "",
        f"Measured {datetime.date.today().isoformat()} on {machine()}.",
        "",
        "```",
        ".venv/bin/python -m benchmarks.dedup --output BENCHMARKS.md",
        "```",
        "",
        f"{sum(p.label is True for p in pairs):,} positives, "
        f"{sum(p.label is False for p in pairs):,} negatives (see `benchmarks/dedup.py` for "
        "which are real wire copies and which are edits derived from real articles); "
        f"LSH {options.bands} bands x {options.rows} rows over {options.shingle_size}-word "
        f"shingles, threshold {options.threshold} (exact Jaccard of the shingles).",
        "",
        *group_table(scored, options),
        "",
        *quality_table(scored, options),
        "",
        f"### Lookup speed and memory, {args.index_size:,} documents",
        "",
        *speed_and_memory(docs, probes, args.index_size, options),
        "",
    ]
    report = "\n".join(lines)
    print(report)
    if args.output:
        write_section(Path(args.output), "dedup", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
