"""How long the Fever API's heaviest calls take on a large archive: every unread id of a
reader (``?api&unread_item_ids``), a page of 50 items, and the store queries under them.

    .venv/bin/python -m benchmarks.fever [--articles 100000] [--repeat 20] [--output BENCHMARKS.md]

Uses the cached site-shaped archive (``benchmarks.archive.cached_archive``, built on first
use). A throwaway user is added with an API password, reads with nothing read, then with a
watermark and a few hundred marks, and is removed at the end (their marks with them).
"""

from __future__ import annotations

import argparse
import dataclasses
import secrets
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from benchmarks.archive import SITE, cached_archive
from benchmarks.report import command, machine, write_section
from nutgraf.accounts import fever_key, hash_password
from nutgraf.store import SQLiteStore
from nutgraf.store.records import User
from nutgraf.web.app import SiteConfig, create_app


def timed(run: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Median and best milliseconds of ``repeat`` runs (after one warm-up), and the result."""
    result = run()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), min(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--output", default=None, help="write the section into this file")
    args = parser.parse_args(argv)
    shape = dataclasses.replace(SITE, read_also=False, revision=0)
    archive = cached_archive(args.articles, args.seed, shape)
    name = f"bench-fever-{secrets.token_hex(4)}"
    password = "benchmark app password"
    key = fever_key(name, password)
    with SQLiteStore(archive["path"]) as store:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        store.add_user(User(name, hash_password(password), False, now))
        store.set_api_password(name, hash_password(password), key)
        try:
            with TestClient(create_app(store, SiteConfig(cache_seconds=0))) as client:

                def call(query: str) -> Any:
                    response = client.post(f"/api/fever?{query}", data={"api_key": key})
                    assert response.status_code == 200, response.text
                    return response.content

                ids = store.article_ids(0, 10**9)
                middle = ids[len(ids) // 2]
                calls: list[tuple[str, Callable[[], Any]]] = [
                    ("store.unread_ids", lambda: store.unread_ids(name)),
                    ("?api&unread_item_ids", lambda: call("api&unread_item_ids")),
                    ("store.articles_by_id (50)", lambda: store.articles_by_id(max_id=0)),
                    ("?api&items&max_id=0", lambda: call("api&items&max_id=0")),
                    ("?api&items&since_id=middle", lambda: call(f"api&items&since_id={middle}")),
                    ("?api&saved_item_ids", lambda: call("api&saved_item_ids")),
                ]
                rows = [("nothing read", what, *timed(run, args.repeat)) for what, run in calls]
                # Read up to the middle article's time, with exceptions on both sides of it.
                store.mark_read_before(name, store.articles_by_id(with_ids=[middle])[0].sort_time)
                store.set_read(name, ids[:200], False)
                store.set_read(name, ids[-201:-1], True)
                for article in ids[-200:]:
                    store.set_starred(name, article, True, now)
                rows += [
                    ("half read, 400 marks", what, *timed(run, args.repeat)) for what, run in calls
                ]
        finally:
            store.remove_user(name)
    lines = [
        "## Apps: the Fever API",
        "",
        f"`{command('benchmarks.fever', argv)}`",
        "",
        f"Measured {datetime.now(UTC).date().isoformat()} on {machine()}.",
        f"{archive['articles']:,} articles (`benchmarks.archive`, SQLite), each call through "
        f"the app in-process (no socket), {args.repeat} runs after one warm-up; a throwaway "
        "user with an API password, first with nothing read, then read up to the middle "
        "article with 400 marks on both sides of it and 200 starred. Size: bytes of an "
        "answer, or how many ids or articles a store call returned.",
        "",
        "| reader | call | median ms | best ms | size |",
        "|---|---|---:|---:|---:|",
        *(
            f"| {label} | `{what}` | {median:.1f} | {best:.1f} | {len(result):,} |"
            for label, what, median, best, result in rows
        ),
    ]
    section = "\n".join(lines) + "\n"
    print(section)
    if args.output:
        write_section(Path(args.output), "fever", section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
