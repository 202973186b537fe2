"""The Google Reader API (issue 18) at 100,000 articles: the calls a sync client makes most.

    .venv/bin/python -m benchmarks.apps [--articles 100000] [--repeat 30]
        [--postgres postgresql://postgres@127.0.0.1:5432/postgres] [--output BENCHMARKS.md]

Takes the larger archive of ``benchmarks.site`` (``benchmarks.archive``, shape SITE without
"Read also"; built once and cached), copies it, gives its articles their outlets' feeds (eight
feeds in two categories, subscribed), and answers through the app in-process (Starlette's
test client: routing, auth, the queries and the JSON, no socket): ``stream/items/ids`` of the
reading list (n=1000, xt=read), a ``stream/contents`` page of 50 (the first, and one reached
by continuation), a feed's and a category's page, and ``unread-count``; for a reader with
nothing read and for one with a history (a watermark half way, 3,000 articles read above
it, 500 marked unread below it, 300 starred). With ``--postgres`` (a user who may create
databases) the same rows are copied into a throwaway PostgreSQL database and measured there
too. The bars: ids under 200 ms, a contents page under 100 ms, unread-count under 50 ms.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import secrets
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from starlette.testclient import TestClient

from benchmarks.archive import SITE, cached_archive
from benchmarks.report import command, machine, versions, write_section
from nutgraf.accounts import hash_password
from nutgraf.store import SQLiteStore
from nutgraf.store.base import Store
from nutgraf.store.records import User
from nutgraf.web.app import SiteConfig, create_app

API = "/api/greader/reader/api/0"
PASSWORD = "benchmark apps password"
READING = "user/-/state/com.google/reading-list"
READ = "user/-/state/com.google/read"
BARS = {"ids": 200.0, "contents": 100.0, "unread-count": 50.0}


@dataclasses.dataclass(frozen=True, slots=True)
class Call:
    key: str  # which bar it is held to
    label: str
    path: str
    params: dict[str, Any]
    follow: bool = False  # ask for the page the first page's continuation names


def calls(feed: str) -> list[Call]:
    return [
        Call(
            "ids",
            "stream/items/ids, reading list, n=1000, xt=read",
            f"{API}/stream/items/ids",
            {"s": READING, "n": 1000, "xt": READ},
        ),
        Call(
            "contents",
            "stream/contents, reading list, n=50",
            f"{API}/stream/contents/{READING}",
            {"n": 50},
        ),
        Call(
            "contents",
            "stream/contents, reading list, n=50, next page",
            f"{API}/stream/contents/{READING}",
            {"n": 50},
            follow=True,
        ),
        Call(
            "contents",
            "stream/contents, reading list, n=50, xt=read",
            f"{API}/stream/contents/{READING}",
            {"n": 50, "xt": READ},
        ),
        Call(
            "contents",
            "stream/contents, one feed, n=50",
            f"{API}/stream/contents/{quote('feed/' + feed, safe='')}",
            {"n": 50},
        ),
        Call(
            "contents",
            "stream/contents, a category (4 feeds), n=50",
            f"{API}/stream/contents/user/-/label/Wires",
            {"n": 50},
        ),
        Call("unread-count", "unread-count", f"{API}/unread-count", {}),
    ]


def prepare(store: Store, rng: random.Random) -> str:
    """Subscribe the outlets' feeds, add the two readers and give the second a history;
    returns one feed's URL."""
    sites = sorted({str(r["site"]) for r in _rows(store, "SELECT DISTINCT site FROM articles")})
    for n, site in enumerate(sites):
        category = "Wires" if n % 2 == 0 else "Papers"
        store.add_feed(site + "feed.xml", title=site, site=site, category=category, now=_now())
    for name in ("fresh", "busy"):
        store.add_user(User(name, hash_password(PASSWORD), False, _now()))
    times = sorted(str(r["sort_time"]) for r in _rows(store, "SELECT sort_time FROM articles"))
    middle = times[len(times) // 2]
    ids = [int(r["id"]) for r in _rows(store, "SELECT id FROM articles")]
    store.mark_read_before("busy", middle)
    above = [i for i in ids if i % 2 == 0]
    for _ in range(0, 3000, 200):
        store.set_read("busy", rng.sample(above, 200), True)
    store.set_read_many("busy", rng.sample(ids, 500), False)
    store.set_starred_many("busy", rng.sample(ids, 300), True, _now())
    return sites[0] + "feed.xml"


def _rows(store: Store, sql: str) -> list[Any]:
    return store._read(sql)  # type: ignore[attr-defined, no-any-return]


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def measure(store: Store, feed: str, repeat: int) -> list[tuple[str, str, str, list[float]]]:
    """(reader, call key, label, times in ms) of every call, each asked ``repeat`` times."""
    results = []
    with TestClient(create_app(store, SiteConfig(cache_seconds=0))) as client:
        for reader in ("fresh", "busy"):
            answer = client.post(
                "/api/greader/accounts/ClientLogin", data={"Email": reader, "Passwd": PASSWORD}
            )
            auth = dict(line.split("=", 1) for line in answer.text.splitlines())["Auth"]
            headers = {"Authorization": f"GoogleLogin auth={auth}"}
            for call in calls(feed):
                params = dict(call.params)
                if call.follow:
                    first = client.get(call.path, params=params, headers=headers).json()
                    params["c"] = first["continuation"]
                client.get(call.path, params=params, headers=headers)  # warm
                times = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    response = client.get(call.path, params=params, headers=headers)
                    times.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, response.text[:200]
                results.append((reader, call.key, call.label, times))
    return results


@contextmanager
def sqlite_copy(source: Path) -> Iterator[SQLiteStore]:
    with tempfile.TemporaryDirectory(prefix="bench-apps-") as folder:
        path = Path(folder) / "apps.db"
        shutil.copyfile(source, path)
        with sqlite3.connect(path) as db:  # the archive's articles come from no feed
            db.execute("UPDATE articles SET feed = site || 'feed.xml'")
        with SQLiteStore(path) as store:
            yield store


@contextmanager
def postgres_copy(admin: str, source: Path) -> Iterator[Store]:
    """A throwaway PostgreSQL database holding ``source``'s articles (copied row by row with
    COPY, their search vectors left empty: nothing here searches)."""
    import psycopg
    from psycopg import sql

    from nutgraf.store.postgres import PostgresStore

    name = f"nutgraf_bench_apps_{secrets.token_hex(4)}"
    url = urlunsplit(urlsplit(admin)._replace(path=f"/{name}"))
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        with PostgresStore(url) as store:
            store.close()
        _copy_rows(url, source)
        with PostgresStore(url) as store:
            yield store
    finally:
        with psycopg.connect(admin, autocommit=True) as db:
            db.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _copy_rows(url: str, source: Path) -> None:
    import psycopg

    with psycopg.connect(url) as db:
        wanted = [
            r[0]
            for r in db.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'articles' ORDER BY ordinal_position"
            )
        ]
        lite = sqlite3.connect(source)
        have = {r[1] for r in lite.execute("PRAGMA table_info(articles)")}
        columns = [c for c in wanted if c in have and c not in ("search_key",)]
        listed = ", ".join(columns)
        with db.cursor().copy(f"COPY articles ({listed}, sort_second, search) FROM STDIN") as copy:
            for row in lite.execute(f"SELECT {listed} FROM articles"):
                values = dict(zip(columns, row, strict=True))
                values["feed"] = f"{values['site']}feed.xml"
                stamp = str(values["sort_time"]).replace("Z", "+00:00")
                second = int(_parse(stamp))
                copy.write_row([*(values[c] for c in columns), second, ""])
        db.execute("SELECT setval(pg_get_serial_sequence('articles', 'id'), max(id)) FROM articles")
        db.commit()
    with psycopg.connect(url, autocommit=True) as db:  # as autovacuum leaves a settled table
        db.execute("VACUUM ANALYZE articles")


def _parse(stamp: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(stamp).timestamp()


def render(
    rows: list[tuple[str, list[tuple[str, str, str, list[float]]]]],
    args: argparse.Namespace,
    argv: list[str] | None,
) -> str:
    lines = [
        "## Apps: the Google Reader API",
        "",
        f"`{command('benchmarks.apps', argv)}`",
        "",
        f"Machine: {machine()}; {versions(('nutgraf', 'starlette', 'psycopg'))}.",
        f"{args.articles:,} articles (`benchmarks.archive`, shape SITE), eight feeds in two "
        "categories; each call asked through the app in-process (no socket), "
        f"{args.repeat} times after one warm-up. Readers: *fresh* (nothing read) and *busy* "
        "(watermark half way, 3,000 read above it, 500 unread below it, 300 starred). "
        "Milliseconds.",
        "",
        "| store | reader | call | median | p95 | bar |",
        "|---|---|---|---:|---:|---:|",
    ]
    for backend, results in rows:
        for reader, key, label, times in results:
            ordered = sorted(times)
            p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
            bar = BARS[key]
            mark = "" if p95 < bar else " (over)"
            lines.append(
                f"| {backend} | {reader} | {label} | {statistics.median(times):.1f} | "
                f"{p95:.1f} | {bar:.0f}{mark} |"
            )
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--postgres", metavar="URL", help="a server user who may create databases")
    parser.add_argument("--output", help="write the section into this markdown file")
    args = parser.parse_args(argv)
    archive = cached_archive(
        args.articles, args.seed, dataclasses.replace(SITE, read_also=False, revision=0)
    )
    print(
        f"archive {archive['path']} ({'reused' if archive['reused'] else 'built'})", file=sys.stderr
    )
    rows = []
    with sqlite_copy(archive["path"]) as store:
        feed = prepare(store, random.Random(args.seed))
        rows.append(("SQLite", measure(store, feed, args.repeat)))
    if args.postgres:
        with postgres_copy(args.postgres, archive["path"]) as store:
            feed = prepare(store, random.Random(args.seed))
            rows.append(("PostgreSQL", measure(store, feed, args.repeat)))
    report = render(rows, args, argv)
    print(report)
    if args.output:
        write_section(Path(args.output), "apps", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
