"""Archive search at scale: FTS5 (or PostgreSQL) newest-first and ranked, rare and common words.

    .venv/bin/python -m benchmarks.search [--articles N] [--output BENCHMARKS.md]
    .venv/bin/python -m benchmarks.search --postgres postgresql://.../EMPTY_DATABASE

Builds a SQLite archive of N articles (default 100,000) recombined from the shared data's
real texts (CNN training stories: each article is one story's paragraphs with a few from
another, so every text is distinct), spread over two years of publication dates, then times
`Store.search` for words of every frequency: rare (in a handful of articles), middling and
common (in a third of the archive), newest first and ranked, 20 results a page, and
`Store.search_count` (exact up to 1,000) for each. Wall time per
query, median and p95 over repeated queries, warm cache (a server's steady state). With
``--postgres`` the archive is built in that (empty) database instead, vacuumed and analyzed
(as autovacuum would), and also timed for a word in 1% and for "Read also".
"""

from __future__ import annotations

import argparse
import datetime
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.archive import STORIES, build, pick_words
from benchmarks.report import machine, write_section
from nutgraf.relate import related_terms
from nutgraf.store import SQLiteStore, Store

REPEATS = 30


def time_queries(store: Store, word: str, ranked: bool) -> tuple[float, float]:
    store.search(word, ranked=ranked)  # warm the cache
    samples = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        store.search(word, ranked=ranked, limit=20)
        samples.append((time.perf_counter() - started) * 1000)
    return _median_p95(samples)


def time_count(store: Store, word: str) -> tuple[float, float]:
    """``search_count`` (what the search page shows: exact up to 1,000)."""
    store.search_count(word)
    samples = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        store.search_count(word)
        samples.append((time.perf_counter() - started) * 1000)
    return _median_p95(samples)


def count_row(store: Store, label: str, word: str, frequency: int) -> str:
    median, p95 = time_count(store, word)
    return f"| {label} | `{word}` ({frequency:,}) | count (to 1,000) | {median:.2f} | {p95:.2f} |"


def time_related(store: Store, count: int, seed: int) -> tuple[float, float]:
    """ "Read also" for 50 random articles (their headline and repeated words, as ingest asks),
    after 10 to warm up."""
    rng = random.Random(seed)
    samples = []
    for article_id in (rng.randint(1, count) for _ in range(60)):
        found = store.get(article_id)
        assert found is not None
        terms = related_terms(found.item.article)
        started = time.perf_counter()
        store.related(article_id, terms)
        samples.append((time.perf_counter() - started) * 1000)
    return _median_p95(samples[10:])


def _median_p95(samples: list[float]) -> tuple[float, float]:
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", default=None)
    parser.add_argument("--postgres", metavar="URL", help="an empty PostgreSQL database")
    args = parser.parse_args(argv)
    if not STORIES.is_file():
        print(f"Error: {STORIES} not found", file=sys.stderr)
        return 1
    if args.postgres:
        return postgres(args)
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
                rows.append(count_row(store, label, word, frequency[word]))
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


def postgres(args: argparse.Namespace) -> int:
    """The same archive and words in PostgreSQL, plus a word in 1% and "Read also"."""
    from nutgraf.store.postgres import PostgresStore, redact

    started = time.perf_counter()
    with PostgresStore(args.postgres) as store:
        if store.count():
            print(f"Error: {redact(args.postgres)} is not empty", file=sys.stderr)
            return 1
        frequency = build(store, args.articles, args.seed)
        built = time.perf_counter() - started
        # VACUUM ANALYZE, as autovacuum does to a grown table: statistics and a visibility map.
        with store._pool.connection() as db:
            db.execute("VACUUM ANALYZE articles")
        words = pick_words(frequency, args.articles)
        words["one in a hundred (1%)"] = pick_words(frequency, 2 * args.articles)[
            "middling (~0.5%)"
        ]
        rows = []
        for label, word in words.items():
            for ranked in (False, True):
                median, p95 = time_queries(store, word, ranked)
                order = "ranked" if ranked else "newest first"
                rows.append(
                    f"| {label} | `{word}` ({frequency[word]:,}) | {order} | "
                    f"{median:.2f} | {p95:.2f} |"
                )
            rows.append(count_row(store, label, word, frequency[word]))
        median, p95 = time_related(store, args.articles, args.seed)
        rows.append(
            f"| Read also | 50 articles' related terms | any word, ranked | "
            f"{median:.2f} | {p95:.2f} |"
        )
    report = "\n".join(
        [
            "## Archive search (PostgreSQL)",
            "",
            f"Measured {datetime.date.today().isoformat()} on {machine()}.",
            "",
            "```",
            f".venv/bin/python -m benchmarks.search --articles {args.articles} "
            "--postgres postgresql://.../EMPTY_DATABASE",
            "```",
            "",
            f"The same {args.articles:,} articles, built through `Store.save` in {built:.0f} s "
            f"({args.articles / built:,.0f} articles/s), then vacuumed and analyzed. 20 results "
            f"a query, wall ms over {REPEATS} repeats, warm cache.",
            "",
            "| word | word (articles) | order | median ms | p95 ms |",
            "|---|---|---|---:|---:|",
            *rows,
            "",
        ]
    )
    print(report)
    if args.output:
        write_section(Path(args.output), "search-postgres", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
