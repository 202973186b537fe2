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
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.archive import STORIES, build, pick_words
from benchmarks.report import machine, write_section
from nutgraf.store import SQLiteStore

REPEATS = 30


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
    if not STORIES.is_file():
        print(f"Error: {STORIES} not found", file=sys.stderr)
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
