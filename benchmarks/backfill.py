"""Backfill speed: re-summarizing an archive with the local engine (1 and 2 processes) and Ray.

    .venv/bin/python -m benchmarks.backfill [--articles N] [--output BENCHMARKS.md]
    .venv/bin/python -m benchmarks.backfill --postgres postgresql://.../EMPTY_DATABASE

Builds an archive of N articles (default 100,000; `benchmarks.archive`'s plain shape: real CNN
texts recombined, the first paragraph stored as the summary) and marks every summary as
written before summarizers were recorded, as an archive from an older nutgraf is. Then each
engine backfills a fresh copy of it (SQLite: a copy of the file; PostgreSQL: the summaries
put back): every article read, summarized with the shipped model and its summary replaced,
a checkpoint after every batch. Articles a second over the whole run, wall time; Ray's
start-up (a single-node cluster in this process) is timed on its own and left out. With
``--postgres`` the same archive is also built in that (empty) database and timed the same
way, in the same run.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

from benchmarks.archive import PLAIN, STORIES, build, cached_archive
from benchmarks.report import command, machine, versions, write_section
from nutgraf.backfill import BackfillOptions, BackfillReport, backfill_local, backfill_ray
from nutgraf.nlp.summarize import SUMMARIZER

BATCH_SIZE = 200
Run = Callable[[str, BackfillOptions], BackfillReport]


def engines() -> list[tuple[str, int, Run]]:
    """(label, workers, engine) for each engine measured."""
    return [
        ("local, 1 process", 1, backfill_local),
        ("local, 2 processes", 2, backfill_local),
        ("Ray Data, 2 workers", 2, backfill_ray),
    ]


def measure(location: str, reset: Callable[[], None]) -> list[tuple[str, BackfillReport, float]]:
    """Each engine over the whole archive, reset to its older summaries before each. Ray is
    started before its run and stopped after it, so it costs the local engines nothing."""
    results = []
    for label, workers, run in engines():
        reset()
        options = BackfillOptions(batch_size=BATCH_SIZE, workers=workers, restart=True)
        ray = start_ray(workers) if run is backfill_ray else None
        try:
            started = time.perf_counter()
            report = run(location, options)
            results.append((label, report, time.perf_counter() - started))
        finally:
            if ray is not None:
                ray.shutdown()
        print(f"  {label}: {report.line()}", file=sys.stderr)
    return results


RAY_STARTS: list[float] = []


def start_ray(workers: int) -> Any:
    """Ray on this machine, as `backfill_ray` starts it (the seconds it took are kept)."""
    from nutgraf.backfill.ray_engine import import_ray

    started = time.perf_counter()
    ray = import_ray()
    ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    RAY_STARTS.append(time.perf_counter() - started)
    return ray


def sqlite_archive(count: int, seed: int, folder: Path) -> tuple[str, Callable[[], None], float]:
    """A copy of the cached archive under ``folder``, and how to put its older summaries
    back (a fresh copy of the file)."""
    cached = cached_archive(count, seed, PLAIN)
    copy = folder / "archive.db"

    def reset() -> None:
        for leftover in folder.glob("archive.db*"):
            leftover.unlink()
        shutil.copyfile(cached["path"], copy)
        with closing(sqlite3.connect(copy)) as db, db:
            db.execute("UPDATE articles SET summarizer = NULL")

    return str(copy), reset, float(cached["build_seconds"])


def postgres_archive(url: str, count: int, seed: int) -> tuple[Callable[[], None], float]:
    """The archive built in the empty database at ``url``, and how to put its older
    summaries back (kept aside in a table of their own)."""
    from nutgraf.store.postgres import PostgresStore, redact

    started = time.perf_counter()
    with PostgresStore(url) as store:
        if store.count():
            raise SystemExit(f"Error: {redact(url)} is not empty")
        build(store, count, seed)
        built = time.perf_counter() - started
        with store._pool.connection() as db:
            db.execute("CREATE TABLE backfill_bench AS SELECT id, summary FROM articles")
            db.execute("VACUUM ANALYZE articles")

    def reset() -> None:
        with PostgresStore(url) as opened, opened._pool.connection() as db:
            db.execute(
                "UPDATE articles SET summary = b.summary, summarizer = NULL "
                "FROM backfill_bench b WHERE b.id = articles.id"
            )
            db.execute("VACUUM ANALYZE articles")

    return reset, built


def rows(results: list[tuple[str, BackfillReport, float]], backend: str) -> list[str]:
    lines = []
    for label, report, seconds in results:
        t = report.tally
        lines.append(
            f"| {backend} | {label} | {t.read:,} | {t.rewritten:,} | {seconds:.1f} | "
            f"{t.read / seconds:,.0f} |"
        )
    return lines


def shown_command(argv: list[str] | None, url: str | None) -> str:
    """The command line, with the PostgreSQL URL as the other sections show it."""
    shown = command("benchmarks.backfill", argv)
    return shown.replace(url, "postgresql://.../EMPTY_DATABASE") if url else shown


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
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        location, reset, built = sqlite_archive(args.articles, args.seed, Path(folder))
        print(f"SQLite, {args.articles:,} articles:", file=sys.stderr)
        table = rows(measure(location, reset), "SQLite")
    notes = [f"The SQLite archive was built through `Store.save` in {built:.0f} s (cached)."]
    if args.postgres:
        reset_postgres, built = postgres_archive(args.postgres, args.articles, args.seed)
        print(f"PostgreSQL, {args.articles:,} articles:", file=sys.stderr)
        table += rows(measure(args.postgres, reset_postgres), "PostgreSQL")
        notes.append(f"The PostgreSQL one in {built:.0f} s.")
    ray_start = sum(RAY_STARTS) / len(RAY_STARTS)
    notes.append(
        f"The load average was {load:.1f} when the run began (other work on this machine "
        "takes cores from the engines)."
    )
    lines = [
        "## Backfill (re-summarizing the archive)",
        "",
        f"Measured {datetime.date.today().isoformat()} on {machine()}.",
        "",
        "```",
        shown_command(argv, args.postgres),
        "```",
        "",
        f"{args.articles:,} articles recombined from real CNN stories, every summary marked as "
        f"written before summarizers were recorded; each engine re-summarizes all of them with "
        f"`{SUMMARIZER}` (3 sentences), {BATCH_SIZE} articles a batch, a commit and a checkpoint "
        f"after each. Wall time of the whole run, from opening the archive to the last "
        f"checkpoint, pool start-up included; Ray's start-up ({ray_start:.1f} s, once per run "
        f"of `nutgraf backfill --engine ray`) is not. {' '.join(notes)} "
        f"{versions(['ray', 'psycopg'])}.",
        "",
        "| archive | engine | articles | rewritten | seconds | articles/s |",
        "|---|---|---:|---:|---:|---:|",
        *table,
        "",
    ]
    report = "\n".join(lines)
    print(report)
    if args.output:
        write_section(Path(args.output), "backfill", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
