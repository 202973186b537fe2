"""Benchmark archives recombined from the shared data's real texts, and a cache of built ones.

Each article is one CNN training story's first paragraphs with a few from another story, so
every text is real and distinct, dated at random over two years and saved through
`Store.save`. `benchmarks.search` builds the plain shape (one outlet, the first paragraph as
the summary); `benchmarks.site` the site shape (several outlets, a lead summary, stored HTML
and a few wire copies, so pages have "Also reported by" as well as "Read also").
"""

from __future__ import annotations

import datetime
import functools
import gzip
import hashlib
import html
import json
import math
import random
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nutgraf.records import ArchiveItem, Article, Block, Summary, SummarySentence
from nutgraf.relate import keep_read_also
from nutgraf.store import SQLiteStore, Store

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
STORIES = DATA / "summaries" / "train.jsonl.gz"
CACHE = Path(__file__).resolve().parent / ".cache" / "archives"
# Bump when build() changes what it writes, so cached archives are rebuilt.
BUILD_VERSION = 1
WORDS_PER_MINUTE = 230


@dataclass(frozen=True, slots=True)
class Outlet:
    name: str
    site: str


WIRE = Outlet("Benchmark Wire", "https://bench.example/")
OUTLETS = tuple(
    Outlet(name, f"https://{name.lower().replace(' ', '-')}.example/")
    for name in (
        "Benchmark Wire",
        "Morning Ledger",
        "City Courier",
        "Harbour Times",
        "Valley Post",
        "Evening Star",
        "Capital Report",
        "Coast Herald",
    )
)


@dataclass(frozen=True, slots=True)
class Shape:
    """What the articles look like beyond their text.

    ``lead`` 0 makes the summary the whole first paragraph as one sentence; n > 0 takes the
    first sentence of each of the first n paragraphs. ``copies`` is the share of articles
    that are another outlet's copy of the article before (same text: a content duplicate).
    ``html`` stores a sanitized body as an ingested page has.
    """

    name: str = "plain"
    outlets: tuple[Outlet, ...] = (WIRE,)
    lead: int = 0
    copies: float = 0.0
    html: bool = False
    read_also: bool = False  # work out each article's "Read also" as it is saved, as ingest does
    revision: int = 0  # bumped when the shape changes, so cached archives are rebuilt


PLAIN = Shape()
SITE = Shape("site", OUTLETS, lead=3, copies=0.03, html=True, read_also=True, revision=1)


def build(store: Store, count: int, seed: int, shape: Shape = PLAIN) -> Counter[str]:
    """Fill ``store`` with ``count`` articles; returns each word's article count."""
    stories = _stories()
    rng = random.Random(seed)
    # The site shape's choices come from a second stream, so the plain archive is unchanged.
    extra = random.Random(f"{seed}-{shape.name}")
    start = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    frequency: Counter[str] = Counter()
    previous: tuple[list[str], datetime.datetime, Outlet] | None = None
    for n in range(count):
        base, other = rng.choice(stories), rng.choice(stories)
        paragraphs = base[: rng.randint(3, 12)] + other[: rng.randint(1, 3)]
        when = start + datetime.timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60))
        outlet = extra.choice(shape.outlets) if len(shape.outlets) > 1 else shape.outlets[0]
        if previous is not None and shape.copies and extra.random() < shape.copies:
            paragraphs = previous[0]
            when = previous[1] + datetime.timedelta(minutes=extra.randint(5, 600))
            outlet = extra.choice([o for o in shape.outlets if o != previous[2]] or [outlet])
        previous = (paragraphs, when, outlet)
        text = "\n\n".join(paragraphs)
        frequency.update({word.lower() for word in text.split() if word.isalpha()})
        article = Article(
            title=f"{paragraphs[0][:60]} ({n})",
            blocks=tuple(Block("paragraph", p) for p in paragraphs),
            source=outlet.name,
            published=when.strftime("%Y-%m-%dT%H:%MZ"),
            language="en",
        )
        summary = _summary(paragraphs, shape.lead)
        body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs) if shape.html else None
        saved = store.save(
            ArchiveItem(
                article=article,
                summary=summary,
                fetched=when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                content_hash=hashlib.sha256(text.encode()).hexdigest(),
                url=f"{outlet.site}{n}",
                canonical_url=f"{outlet.site}{n}",
                site=outlet.site,
                html=body,
            )
        )
        if shape.read_also:
            keep_read_also(store, saved.id, article, when.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return frequency


def _summary(paragraphs: list[str], lead: int) -> Summary:
    if lead == 0:
        first = paragraphs[0]
        return Summary((SummarySentence(first, 0, 0, len(first)),), "en", 1)
    sentences, offset = [], 0
    for number, paragraph in enumerate(paragraphs):
        if number < lead:
            cut = paragraph.find(". ")
            sentence = paragraph if cut < 0 else paragraph[: cut + 1]
            start = offset + len(sentence) - len(sentence.lstrip())
            if sentence.strip():
                sentences.append(
                    SummarySentence(sentence.strip(), number, start, start + len(sentence.strip()))
                )
        offset += len(paragraph) + 2
    words = sum(len(p.split()) for p in paragraphs)
    return Summary(tuple(sentences), "en", max(1, math.ceil(words / WORDS_PER_MINUTE)))


@functools.cache
def _stories() -> list[list[str]]:
    with gzip.open(STORIES, "rt", encoding="utf-8") as handle:
        texts = [json.loads(line)["text"] for line in handle]
    stories = []
    for text in texts:
        sentences = text.replace(". ", ".\n").splitlines()
        paragraphs = [" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)]
        if len(paragraphs) >= 4:
            stories.append(paragraphs)
    return stories


def pick_words(frequency: Counter[str], count: int) -> dict[str, str]:
    """A word for each band of document frequency, by share of the archive."""
    bands = {"rare (~5 articles)": 5, "middling (~0.5%)": count // 200, "common (~30%)": count // 3}
    chosen = {}
    for label, target in bands.items():
        word = min(
            (w for w in frequency if len(w) > 3),
            key=lambda w: (abs(frequency[w] - target), w),
        )
        chosen[label] = word
    return chosen


def cached_archive(count: int, seed: int, shape: Shape, cache: Path = CACHE) -> dict[str, Any]:
    """An archive of ``count`` articles under ``cache``, built on first use.

    Returns its description: ``path``, ``articles``, ``build_seconds`` (of the first build),
    ``words`` (label -> [word, articles containing it], from `pick_words`) and ``reused``.
    """
    revision = f"r{shape.revision}" if shape.revision else ""
    stem = cache / f"{shape.name}-{count}-seed{seed}-v{BUILD_VERSION}{revision}"
    path, about = stem.with_suffix(".db"), stem.with_suffix(".json")
    if path.is_file() and about.is_file():
        return {**json.loads(about.read_text(encoding="utf-8")), "path": path, "reused": True}
    cache.mkdir(parents=True, exist_ok=True)
    partial = stem.with_suffix(".partial.db")
    for leftover in cache.glob(f"{partial.name}*"):
        leftover.unlink()
    started = time.perf_counter()
    with SQLiteStore(partial) as store:
        frequency = build(store, count, seed, shape)
    built = time.perf_counter() - started
    words = {label: [w, frequency[w]] for label, w in pick_words(frequency, count).items()}
    described = {"articles": count, "build_seconds": round(built, 1), "words": words}
    partial.replace(path)
    about.write_text(json.dumps(described, indent=1), encoding="utf-8")
    return {**described, "path": path, "reused": False}
