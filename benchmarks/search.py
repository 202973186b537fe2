"""Archive search at scale: FTS5 newest-first and ranked, rare and common words.

    .venv/bin/python -m benchmarks.search [--articles N] [--output BENCHMARKS.md]

Builds a SQLite archive of N articles (default 100,000) recombined from the shared data's
real texts (CNN training stories: each article is one story's paragraphs with a few from
another, so every text is distinct), spread over two years of publication dates, then times
`Store.search` for words of every frequency: rare (in a handful of articles), middling and
common (in a third of the archive), newest first and ranked, 20 results a page. Wall time per
query, median and p95 over repeated queries, warm cache (a server's steady state).
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import hashlib
import json
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from benchmarks.report import machine, write_section
from nutgraf.records import ArchiveItem, Article, Block, Summary, SummarySentence
from nutgraf.store import SQLiteStore

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
REPEATS = 30


def build(store: SQLiteStore, count: int, seed: int) -> Counter[str]:
    """Fill ``store`` with ``count`` articles; returns each word's article count."""
    stories = _stories()
    rng = random.Random(seed)
    start = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    frequency: Counter[str] = Counter()
    for n in range(count):
        base, extra = rng.choice(stories), rng.choice(stories)
        paragraphs = base[: rng.randint(3, 12)] + extra[: rng.randint(1, 3)]
        text = "\n\n".join(paragraphs)
        frequency.update({word.lower() for word in text.split() if word.isalpha()})
        when = start + datetime.timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60))
        article = Article(
            title=f"{paragraphs[0][:60]} ({n})",
            blocks=tuple(Block("paragraph", p) for p in paragraphs),
            source="Benchmark Wire",
            published=when.strftime("%Y-%m-%dT%H:%MZ"),
            language="en",
        )
        first = paragraphs[0]
        store.save(
            ArchiveItem(
                article=article,
                summary=Summary((SummarySentence(first, 0, 0, len(first)),), "en", 1),
                fetched=when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                content_hash=hashlib.sha256(text.encode()).hexdigest(),
                url=f"https://bench.example/{n}",
                canonical_url=f"https://bench.example/{n}",
                site="https://bench.example/",
            )
        )
    return frequency


def _stories() -> list[list[str]]:
    path = DATA / "summaries" / "train.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
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


def time_queries(store: SQLiteStore, word: str, ranked: bool) -> tuple[float, float]:
    store.search(word, ranked=ranked)  # warm the cache
    samples = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        store.search(word, ranked=ranked, limit=20)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    if not (DATA / "summaries" / "train.jsonl.gz").is_file():
        print(f"Error: {DATA}/summaries/train.jsonl.gz not found", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "archive.db"
        started = time.perf_counter()
        with SQLiteStore(path) as store:
            frequency = build(store, args.articles, args.seed)
            built = time.perf_counter() - started
            size = path.stat().st_size / 2**20
            rows = []
            for label, word in pick_words(frequency, args.articles).items():
                for ranked in (False, True):
                    median, p95 = time_queries(store, word, ranked)
                    order = "ranked" if ranked else "newest first"
                    rows.append(
                        f"| {label} | `{word}` ({frequency[word]:,}) | {order} | "
                        f"{median:.2f} | {p95:.2f} |"
                    )
    lines = [
        "## Archive search (SQLite FTS5)",
        "",
        f"Measured {datetime.date.today().isoformat()} on {machine()}.",
        "",
        "```",
        f".venv/bin/python -m benchmarks.search --articles {args.articles} --output BENCHMARKS.md",
        "```",
        "",
        f"{args.articles:,} articles recombined from real CNN stories, two years of dates; built "
        f"through `Store.save` in {built:.0f} s ({args.articles / built:,.0f} articles/s, one "
        f"transaction each, no summarizing), {size:,.0f} MiB on disk. 20 results a query, wall "
        f"ms over {REPEATS} repeats, warm cache.",
        "",
        "| word | word (articles) | order | median ms | p95 ms |",
        "|---|---|---|---:|---:|",
        *rows,
        "",
    ]
    report = "\n".join(lines)
    print(report)
    if args.output:
        write_section(Path(args.output), "search", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
