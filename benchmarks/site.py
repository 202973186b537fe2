"""The reading site under load: article pages, their JSON twins and search, over real HTTP.

    .venv/bin/python -m benchmarks.site [--articles 10000] [--search-articles 100000]
        [--duration 20] [--connections 32] [--workers 1,2] [--profile] [--output BENCHMARKS.md]
    .venv/bin/python -m benchmarks.site --reading [--workers 2] [--output BENCHMARKS.md]

Builds (once; cached in benchmarks/.cache/archives) a SQLite archive of real recombined CNN
stories from several outlets with lead summaries (`benchmarks.archive`, shape SITE), starts
``nutgraf serve`` on it as a subprocess on loopback, and drives it with `benchmarks.loadgen`
from this process: N keep-alive connections for a fixed time after a warm-up. Scenarios:
article pages and their JSON with ids drawn uniformly (every request a page-cache miss), the
pages again with the page cache on, and a Zipf (s = 1.1) hot set. Then search newest first
on a second, larger archive, one request at a time, and a breakdown of where the server's
time goes for a cold article page, measured in-process.

``--reading`` measures a signed-in reader instead (issue 17; its own section, "reading"): the
article pages for a reader against the same pages anonymous, in the same session, and the
first page of ``/unread`` for a reader with every article of the larger archive unread.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import dataclasses
import datetime
import io
import itertools
import os
import pstats
import random
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from benchmarks.archive import SITE, STORIES, cached_archive
from benchmarks.loadgen import LoadResult, fetch_one_by_one, load, percentile
from benchmarks.report import command, machine, versions, write_section
from nutgraf.accounts import hash_password
from nutgraf.store import SQLiteStore
from nutgraf.store.records import Session, User
from nutgraf.web.auth import SESSION_COOKIE, session_key
from nutgraf.web.csrf import CSRF_COOKIE
from nutgraf.web.identity import user_credential

HOST = "127.0.0.1"
NUTGRAF = Path(sys.executable).parent / "nutgraf"
ZIPF_S = 1.1
DRAWS = 200_000  # addresses drawn per scenario; cycled if a run sends more
CEILING_BODY = 20_000  # bytes of the fixed response the generator's ceiling is measured on
RATE_BAR, P99_BAR_MS, SEARCH_P95_BAR_MS = 2000, 50.0, 20.0
TICK = os.sysconf("SC_CLK_TCK")
PACKAGES = ("nutgraf", "starlette", "uvicorn", "uvloop", "httptools", "jinja2")


@dataclass(frozen=True, slots=True)
class Scenario:
    key: str
    label: str
    suffix: str  # "" for the HTML page, ".json" for its twin
    zipf: bool  # ids from the Zipf hot set, else uniform over the archive
    bust: bool  # the server's page cache is off: every request is read and rendered
    signed_in: bool = False  # sent with a signed-in user's session cookie


SCENARIOS = (
    Scenario("html-cold", "article pages, uniform ids, all cache misses", "", False, True),
    Scenario(
        "html-signed-in",
        "article pages as a signed-in user, uniform ids, all cache misses",
        "",
        False,
        True,
        signed_in=True,
    ),
    Scenario("json-cold", "article JSON, uniform ids, all cache misses", ".json", False, True),
    Scenario("html-uniform", "article pages, uniform ids, page cache on", "", False, False),
    Scenario(
        "html-signed-in-cached",
        "article pages as a signed-in user, uniform ids, page cache on",
        "",
        False,
        False,
        signed_in=True,
    ),
    Scenario("html-zipf", f"article pages, Zipf s={ZIPF_S} hot set, cache on", "", True, False),
)


@dataclass(frozen=True, slots=True)
class Run:
    workers: int
    scenario: Scenario
    result: LoadResult
    server_cpu: float  # CPU seconds of the server's processes in the window
    other_cpu: float  # CPU seconds of everything else on the machine in the window


@dataclass(frozen=True, slots=True)
class Placement:
    """Which cores the server and the load generator may run on (None: any)."""

    server: set[int] | None
    loadgen: set[int] | None

    def describe(self) -> str:
        if self.server is None:
            return "server and load generator share all cores"
        return f"server on CPU {_cpus(self.server)}, load generator on CPU {_cpus(self.loadgen)}"


def _cpus(cpus: set[int] | None) -> str:
    return ",".join(map(str, sorted(cpus or ())))


def placement(workers: int) -> Placement:
    """Separate cores when the server needs one and the machine has two or more."""
    if not hasattr(os, "sched_getaffinity"):
        return Placement(None, None)
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2 or workers >= len(cpus):
        return Placement(None, None)
    return Placement(set(cpus[:workers]), set(cpus[workers:]))


@contextlib.contextmanager
def pinned(cpus: set[int] | None) -> Iterator[None]:
    """This process on ``cpus`` for the block (no change for None)."""
    if cpus is None or not hasattr(os, "sched_setaffinity"):
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


# --- processes ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def running(
    argv: list[str],
    port: int,
    ready: str,
    cpus: set[int] | None,
    env: dict[str, str] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``argv`` (pinned to ``cpus``), wait until ``ready`` answers 200, stop it after."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
        )
        try:
            _wait_ready(process, f"http://{HOST}:{port}{ready}", log)
            yield process
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(process: subprocess.Popen[bytes], url: str, log: Any) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            output = log.read().decode(errors="replace").strip()
            raise RuntimeError(f"{url}: the server exited with {process.returncode}: {output}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within 60 s")


@contextlib.contextmanager
def serving(
    db: Path, workers: int, cpus: set[int] | None, cache: bool = True
) -> Iterator[tuple[int, int]]:
    """``nutgraf serve`` on ``db``, its page cache on or off: yields (port, pid)."""
    port = free_port()
    argv = [str(NUTGRAF), "serve", "--db", str(db), "--host", HOST, "--port", str(port)]
    env = {} if cache else {"NUTGRAF_PAGE_CACHE_SECONDS": "0"}
    with running([*argv, "--workers", str(workers)], port, "/healthz", cpus, env) as process:
        if workers > 1:
            time.sleep(1.0)  # the other workers finish importing; the warm-up covers the rest
        yield port, process.pid


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of ``pid`` and every process under it."""
    stats: dict[int, tuple[int, float]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="utf-8") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK)
    family, total, grew = {pid}, 0.0, True
    while grew:
        found = {p for p, (parent, _) in stats.items() if parent in family} - family
        family |= found
        grew = bool(found)
    for member in family:
        total += stats.get(member, (0, 0.0))[1]
    return total


def machine_cpu() -> float:
    """CPU seconds all cores have spent busy since boot (/proc/stat)."""
    with open("/proc/stat", encoding="utf-8") as handle:
        fields = [int(x) for x in handle.readline().split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / TICK


def addresses(scenario: Scenario, ids: Sequence[int], seed: int) -> Callable[[], str]:
    """The scenario's next address, drawn ahead of the run."""
    rng = random.Random(seed)
    if scenario.zipf:
        hot = list(ids)
        rng.shuffle(hot)  # the most read articles are anywhere in the archive
        weights = itertools.accumulate(1 / rank**ZIPF_S for rank in range(1, len(hot) + 1))
        drawn = rng.choices(hot, cum_weights=list(weights), k=DRAWS)
    else:
        drawn = rng.choices(ids, k=DRAWS)
    paths = [f"/articles/{article_id}{scenario.suffix}" for article_id in drawn]
    counter = itertools.count()
    return lambda: paths[next(counter) % DRAWS]


def run_scenario(
    db: Path,
    ids: Sequence[int],
    scenario: Scenario,
    workers: int,
    args: argparse.Namespace,
    cookie: str | None = None,
) -> Run:
    where = placement(workers)
    if scenario.signed_in and cookie is None:
        forget_reader(db, READER)  # every run starts from nothing read: first views write
        cookie = open_reader(db, READER)
    serve = serving(db, workers, where.server, cache=not scenario.bust)
    with serve as (port, pid), pinned(where.loadgen):
        result = load(
            HOST,
            port,
            addresses(scenario, ids, args.seed),
            connections=args.connections,
            warmup=args.warmup,
            duration=args.duration,
            probe=lambda: (tree_cpu(pid), machine_cpu()),
            headers={"Cookie": browser_cookies(cookie)} if cookie else None,
        )
    assert result.probe is not None
    (server_start, busy_start), (server_end, busy_end) = result.probe
    server = server_end - server_start
    other = max(0.0, (busy_end - busy_start) - server - result.cpu_seconds)
    return Run(workers, scenario, result, server, other)


def measure_ceiling(args: argparse.Namespace) -> LoadResult:
    """The generator against a server that answers every request with the same bytes."""
    where = placement(1)
    port = free_port()
    argv = [sys.executable, "-m", "benchmarks.loadgen", "--fixed-server", str(port)]
    argv += ["--size", str(CEILING_BODY)]
    with running(argv, port, "/", where.server), pinned(where.loadgen):
        return load(HOST, port, lambda: "/", connections=args.connections, warmup=1.0, duration=3.0)


@dataclass(frozen=True, slots=True)
class SearchRow:
    label: str
    word: str
    articles: int
    form: str
    latencies: list[float]
    errors: int
    cached_ms: float  # median of the same address again, served from the page cache


def measure_search(
    db: Path, words: dict[str, list[Any]], args: argparse.Namespace
) -> list[SearchRow]:
    """Each word's first page, newest first, one request at a time, every one a cache miss."""
    where = placement(1)
    rows = []
    cold = serving(db, 1, where.server, cache=False)
    warm = serving(db, 1, where.server, cache=True)
    with cold as (port, _), warm as (cached_port, _), pinned(where.loadgen):
        for label, (word, articles) in words.items():
            for form, path in (("json", "/search.json"), ("html", "/search")):
                base = f"{path}?q={quote(word)}"
                fetch_one_by_one(HOST, port, [base] * 20)
                found = fetch_one_by_one(HOST, port, [base] * args.search_requests)
                again = fetch_one_by_one(HOST, cached_port, [base] * 51)[1:]
                rows.append(
                    SearchRow(
                        label,
                        word,
                        articles,
                        form,
                        [seconds for _, seconds in found],
                        sum(status != 200 for status, _ in found),
                        statistics.median(s for _, s in again) * 1000,
                    )
                )
                print(
                    f"  search {form} {word!r}: p95 {percentile(rows[-1].latencies, 0.95):.1f} ms",
                    file=sys.stderr,
                )
    return rows


# --- a signed-in reader (issue 17) -----------------------------------------------------------

UNREAD_P95_BAR_MS = 20.0


READER, READER_PASSWORD = "bench", "benchmark reader password"  # the load runs' user


def open_reader(db: Path, name: str) -> str:
    """A user ``name`` in ``db`` and a session for them (made as the site makes one, without
    the form: many readers are opened); the session's cookie."""
    cookie = f"bench-{name}-{random.getrandbits(128):032x}"
    now = datetime.datetime.now(datetime.UTC)
    iso = "%Y-%m-%dT%H:%M:%SZ"
    with SQLiteStore(db) as store:
        user = store.user(name)
        if user is None:
            user = User(name, hash_password(READER_PASSWORD), False, now.strftime(iso))
            store.add_user(user)
        store.start_session(
            Session(
                key=session_key(cookie),
                user=name,
                admin=False,
                credential=user_credential(user.password_hash),
                created=now.strftime(iso),
                expires=(now + datetime.timedelta(days=1)).strftime(iso),
            ),
            now.strftime(iso),
        )
    return cookie


def browser_cookies(session: str) -> str:
    """The Cookie header a browser sends once signed in: the session's cookie and the CSRF
    token's, which the site set on the first page (without it every response would hand out
    a new token, as it does to a browser's first request only)."""
    return f"{SESSION_COOKIE}={session}; {CSRF_COOKIE}=bench-csrf-{session[-16:]}"


def forget_reader(db: Path, name: str) -> None:
    with SQLiteStore(db) as store:
        store.forget_reader(name)
        store.end_sessions(name)


@dataclass(frozen=True, slots=True)
class UnreadRow:
    label: str
    latencies: list[float]
    errors: int


def measure_unread(db: Path, articles: int, args: argparse.Namespace) -> list[UnreadRow]:
    """The first page of /unread (and its JSON) for a reader with all ``articles`` unread,
    one request at a time, from a server whose page cache is off (these pages never go
    through it); then the store calls the reader's bulk actions make, timed in-process."""
    name = f"bench-unread-{random.getrandbits(32):08x}"
    cookie = open_reader(db, name)
    headers = {"Cookie": browser_cookies(cookie)}
    where = placement(1)
    rows = []
    try:
        with serving(db, 1, where.server, cache=False) as (port, _), pinned(where.loadgen):
            for label, path in (
                ("/unread.json, first page", "/unread.json"),
                ("/unread, first page (HTML)", "/unread"),
                ("/unread.json?page=5", "/unread.json?page=5"),
            ):
                fetch_one_by_one(HOST, port, [path] * 20, headers)
                found = fetch_one_by_one(HOST, port, [path] * args.search_requests, headers)
                rows.append(
                    UnreadRow(
                        label,
                        [seconds for _, seconds in found],
                        sum(status != 200 for status, _ in found),
                    )
                )
                print(
                    f"  {label}: p95 {percentile(rows[-1].latencies, 0.95):.1f} ms",
                    file=sys.stderr,
                )
        with SQLiteStore(db) as store:
            for label, call in (
                (f"unread_total: the nav's count of {articles:,} unread", store.unread_total),
                (f"unread_counts: {articles:,} unread by feed", store.unread_counts),
                (
                    "mark_read_before: everything older than a time, read",
                    lambda n: store.mark_read_before(n, "2099-01-01T00:00:00Z"),
                ),
                ("unread_total after it (nothing unread)", store.unread_total),
            ):
                timings = []
                for _ in range(5):
                    started = time.perf_counter()
                    call(name)
                    timings.append(time.perf_counter() - started)
                rows.append(UnreadRow(f"store: {label}", timings, 0))
    finally:
        forget_reader(db, name)
    return rows


# 100,000 rows of the shape the store reads, made in SQL (titles and dates only: the reading
# queries never look at the text), one a minute over 70 days, in 20 feeds.
PG_FILL = """
INSERT INTO articles (url, canonical_url, feed, guid, site, source, title, published, fetched,
    sort_time, sort_second, blocks, text, summary, content_hash, search, first_seen)
SELECT 'https://bench.example/' || g, 'https://bench.example/' || g,
    'https://feed' || (g %% 20) || '.example/feed', g::text, 'https://bench.example/',
    'Benchmark Wire', 'Headline ' || g, t, t, t, g, '[]', 'text', '{"sentences": []}',
    md5(g::text), to_tsvector('simple', 'text'), t
FROM (SELECT g, to_char(timestamp '2024-01-01' + g * interval '1 minute',
    'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS t FROM generate_series(1, %s) g) made
"""


def measure_postgres(url: str, articles: int) -> list[UnreadRow]:
    """The reading store calls on PostgreSQL, in-process, for a reader with ``articles``
    unread, in a throwaway database on the server at ``url`` (dropped after)."""
    import psycopg
    from psycopg import sql

    from nutgraf.store.postgres import PostgresStore

    name = f"nutgraf_bench_{random.getrandbits(32):08x}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    rows = []
    try:
        target = url.rsplit("/", 1)[0] + f"/{name}"
        with PostgresStore(target) as store:
            with store._write() as db:
                db.execute(PG_FILL, (articles,))
                db.execute("ANALYZE")
            user = "bench-reader"
            for label, call, count in (
                ("unread: first page", lambda: store.unread(user, limit=21), 200),
                ("unread: page 5", lambda: store.unread(user, limit=21, offset=80), 200),
                (
                    "article_marks: a page's 20 articles",
                    lambda: store.article_marks(user, list(range(1, 21))),
                    200,
                ),
                (
                    f"unread_total: the nav's count of {articles:,}",
                    lambda: store.unread_total(user),
                    20,
                ),
                (f"unread_counts: {articles:,} by feed", lambda: store.unread_counts(user), 5),
                (
                    "mark_read_before: everything older than a time, read",
                    lambda: store.mark_read_before(user, "2099-01-01T00:00:00Z"),
                    5,
                ),
                ("unread_total after it (nothing unread)", lambda: store.unread_total(user), 20),
            ):
                call()
                timings = []
                for _ in range(count):
                    started = time.perf_counter()
                    call()
                    timings.append(time.perf_counter() - started)
                rows.append(UnreadRow(f"PostgreSQL: {label}", timings, 0))
                print(
                    f"  {rows[-1].label}: p95 {percentile(timings, 0.95):.1f} ms", file=sys.stderr
                )
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
    return rows


def render_reading(
    args: argparse.Namespace,
    argv: list[str] | None,
    archives: tuple[dict[str, Any], dict[str, Any]],
    runs: list[tuple[str, Run]],
    rows: list[UnreadRow],
) -> str:
    site, big = archives
    lines = [
        "## Reading state (issue 17)",
        "",
        f"Measured {datetime.date.today().isoformat()} on {machine()}.",
        f"Versions: {versions(PACKAGES)}.",
        "",
        "```",
        command("benchmarks.site", argv),
        "```",
        "",
        f'The same setup as "Reading site under load" above ({site["articles"]:,} articles, '
        f"{args.connections} connections, {args.warmup:g} s warm-up, {args.duration:g} s "
        "measured, page cache off: every request read and rendered), run twice in the same "
        "session: anonymous, and with a signed-in reader's cookies on every request (the "
        "session's and the CSRF token's, as a browser sends them after its first page; the "
        "reader's slots filled: account, Unread (N), the read class and buttons; the "
        'reader\'s setting "opening an article marks it read" on, so each first view writes). '
        "The two rows side by side say what a reader costs on this machine, whatever else it "
        "runs. With 2 workers, `nutgraf serve` gives each its own listening socket "
        "(`SO_REUSEPORT`): with uvicorn's one shared socket, the 32 connections all landed on "
        "one worker in about one run of three, which halved that run's rate.",
        "",
        "| workers | who | req/s | p50 ms | p95 ms | p99 ms | max ms | errors "
        "| server CPU ms/req |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for who, run in runs:
        result = run.result
        per = run.server_cpu / result.requests * 1000 if result.requests else float("nan")
        lines.append(
            f"| {run.workers} | {who} | {result.rate:,.0f} | {_ms(result.percentile(0.50))} | "
            f"{_ms(result.percentile(0.95))} | {_ms(result.percentile(0.99))} | "
            f"{_ms(result.percentile(1.0))} | {sum(result.errors.values())} | {_ms(per)} |"
        )
    lines += [
        "",
        f"`/unread` for a reader with all {big['articles']:,} articles of the larger archive "
        f"unread: 1 worker ({placement(1).describe()}), one request at a time, "
        f"{args.search_requests} per address after 20 warm-up ones (bar: first page p95 < "
        f"{UNREAD_P95_BAR_MS:.0f} ms). Then the store calls behind the navigation's count and "
        '"mark everything older than a time read", timed in-process, 5 calls each.',
        "",
        "| what | p50 ms | p95 ms | max ms | errors | result |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        if row.label.startswith("PostgreSQL"):
            continue  # a table of their own, below
        p95 = percentile(row.latencies, 0.95)
        verdict = ""
        if "first page" in row.label:
            ok = p95 < UNREAD_P95_BAR_MS and not row.errors
            verdict = f"**{'PASS' if ok else 'FAIL'}**"
        lines.append(
            f"| {row.label} | {_ms(percentile(row.latencies, 0.5))} | {_ms(p95)} | "
            f"{_ms(percentile(row.latencies, 1.0))} | {row.errors} | {verdict} |"
        )
    if any(row.label.startswith("PostgreSQL") for row in rows):
        lines += [
            "",
            f"The same store calls on PostgreSQL (`--postgres URL`), in-process, for a reader "
            f"with {args.search_articles or 100_000:,} unread: rows of the same shape made in "
            "SQL (`PG_FILL`; the reading queries read titles and times, not texts), analysed, "
            "on the local server.",
            "",
            "| what | p50 ms | p95 ms | max ms |",
            "|---|---:|---:|---:|",
        ]
        for row in rows:
            if row.label.startswith("PostgreSQL"):
                lines.append(
                    f"| {row.label.removeprefix('PostgreSQL: ')} | "
                    f"{_ms(percentile(row.latencies, 0.5))} | "
                    f"{_ms(percentile(row.latencies, 0.95))} | "
                    f"{_ms(percentile(row.latencies, 1.0))} |"
                )
    lines.append("")
    return "\n".join(lines)


def run_reading(args: argparse.Namespace, argv: list[str] | None) -> int:
    site = cached_archive(args.articles, args.seed, SITE)
    big = cached_archive(
        args.search_articles or 100_000,
        args.seed,
        dataclasses.replace(SITE, read_also=False, revision=0),
    )
    ids = article_ids(site["path"])
    scenario = next(s for s in SCENARIOS if s.key == "html-cold")
    runs: list[tuple[str, Run]] = []
    for workers in args.workers:
        name = f"bench-pages-{random.getrandbits(32):08x}"
        cookie = open_reader(site["path"], name)
        try:
            for who, sent in (("anonymous", None), ("signed-in reader", cookie)):
                run = run_scenario(site["path"], ids, scenario, workers, args, sent)
                runs.append((who, run))
                print(
                    f"  {workers} worker(s), {who}: {run.result.rate:,.0f} req/s, "
                    f"p99 {_ms(run.result.percentile(0.99))} ms, {dict(run.result.errors)}",
                    file=sys.stderr,
                )
        finally:
            forget_reader(site["path"], name)
    rows = measure_unread(big["path"], big["articles"], args)
    if args.postgres:
        rows += measure_postgres(args.postgres, big["articles"])
    report = render_reading(args, argv, (site, big), runs, rows)
    print(report)
    if args.output:
        write_section(Path(args.output), "reading", report)
    return 0


# --- where a cold article page's time goes --------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stage:
    name: str
    wall: list[float]
    cpu: float  # mean CPU seconds per call


def profile_article(db: Path, ids: Sequence[int], count: int, seed: int, show: bool) -> list[Stage]:
    """Time each part of the article view and the render, in this process, for ``count``
    random ids (stage by stage, after an untimed pass); with ``show``, print cProfile's top
    functions for view + render + JSON."""
    from nutgraf.relate import READ_ALSO_MAX, related_terms
    from nutgraf.store import SQLiteStore
    from nutgraf.web import views
    from nutgraf.web.app import SiteConfig, create_app
    from nutgraf.web.markup import body_html
    from nutgraf.web.site import json_bytes

    chosen = random.Random(seed).sample(list(ids), min(count, len(ids)))
    store = SQLiteStore(db)
    app = create_app(store, SiteConfig(cache_seconds=0))
    site = app.state.site
    pages = {i: views.article(store, i) for i in chosen}  # untimed: warms every cache below
    stored = {i: found for i in chosen if (found := store.get(i)) is not None}
    terms = {i: related_terms(s.item.article) for i, s in stored.items()}

    contexts = {i: page.context() for i, page in pages.items()}

    def render(i: int) -> bytes:
        page = pages[i]
        context = {**contexts[i], "title": page.title}  # as the app does
        body: bytes = site.render(page.template, **context)
        return body

    calls: list[tuple[str, Callable[[int], object]]] = [
        ("store.get: the article's row as records", store.get),
        ("store.neighbours: previous and next", store.neighbours),
        ("store.copies: also reported by", store.copies),
        ("related_terms: the Read also words", lambda i: related_terms(stored[i].item.article)),
        ("store.read_also: Read also as kept at ingest", store.read_also),
        (
            "store.related: Read also worked out (FTS5 BM25; at ingest)",
            lambda i: store.related(i, terms[i], limit=READ_ALSO_MAX),
        ),
        (
            "body_html: the body with cited sentences",
            lambda i: body_html(stored[i].item.article, stored[i].item.summary),
        ),
        ("views.article: all of the above", lambda i: views.article(store, i).context()),
        ("render article.html (Jinja2)", render),
        ("json_bytes: the JSON twin's data and body", lambda i: json_bytes(pages[i].data())),
    ]
    render(chosen[0])  # untimed: Jinja2 compiles the templates on first use
    stages = [_timed(name, call, chosen) for name, call in calls]
    for suffix, name in (
        ("", "whole app, HTML (ASGI in-process, miss)"),
        (".json", "whole app, JSON (ASGI in-process, miss)"),
    ):
        stages.append(_timed_asgi(name, app, chosen, suffix))
    if show:
        profiler = cProfile.Profile()
        profiler.enable()
        for i in chosen:
            page = views.article(store, i)
            site.render(page.template, **{**page.context(), "title": page.title})
            json_bytes(page.data())
        profiler.disable()
        for order in ("tottime", "cumulative"):
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats(order).print_stats(25)
            print(
                f"\ncProfile, {len(chosen)} cold article pages (view + render + JSON), by {order}:"
            )
            print(text.getvalue())
    store.close()
    return stages


def _timed(name: str, call: Callable[[int], object], ids: Sequence[int]) -> Stage:
    wall = []
    cpu = time.process_time()
    for i in ids:
        started = time.perf_counter()
        call(i)
        wall.append(time.perf_counter() - started)
    return Stage(name, wall, (time.process_time() - cpu) / len(ids))


def _timed_asgi(name: str, app: Any, ids: Sequence[int], suffix: str) -> Stage:
    async def get(path: str, query: bytes) -> int:
        status = 0

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query,
            "root_path": "",
            "headers": [(b"host", b"bench.local")],
            "client": (HOST, 1),
            "server": (HOST, 80),
        }
        await app(scope, receive, send)
        return status

    async def run() -> Stage:
        wall = []
        cpu = time.process_time()
        for i in ids:
            started = time.perf_counter()
            status = await get(f"/articles/{i}{suffix}", b"")
            wall.append(time.perf_counter() - started)
            if status != 200:
                raise RuntimeError(f"/articles/{i}{suffix} answered {status} in-process")
        return Stage(name, wall, (time.process_time() - cpu) / len(ids))

    return asyncio.run(run())


# --- the report -----------------------------------------------------------------------------


def _ms(value: float) -> str:
    if value != value:  # NaN: no samples
        return "–"
    return f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def verdict(runs: list[Run], rows: list[SearchRow]) -> list[str]:
    """One line per bar of the issue, PASS or FAIL."""
    lines = ["| bar | measured | result |", "|---|---|---|"]
    top = max((r.workers for r in runs), default=0)
    for key, what in (
        ("html-cold", "article pages"),
        ("html-signed-in", "article pages for a signed-in user"),
        ("html-signed-in-cached", "article pages for a signed-in user"),
        ("json-cold", "article JSON"),
    ):
        run = next((r for r in runs if r.workers == top and r.scenario.key == key), None)
        if run is None:
            continue
        result = run.result
        p99 = result.percentile(0.99)
        ok = result.rate >= RATE_BAR and p99 < P99_BAR_MS and not result.errors
        how = "every request a cache miss" if run.scenario.bust else "page cache on"
        lines.append(
            f"| {what}: ≥ {RATE_BAR:,} req/s with p99 < {P99_BAR_MS:.0f} ms, no errors "
            f"({top} worker{'s' if top > 1 else ''}, {how}) | "
            f"{result.rate:,.0f} req/s, p99 {_ms(p99)} ms, {sum(result.errors.values())} errors | "
            f"**{'PASS' if ok else 'FAIL'}** |"
        )
    searched = [r for r in rows if r.form == "json"]
    if searched:
        worst = max(searched, key=lambda r: percentile(r.latencies, 0.95))
        p95 = percentile(worst.latencies, 0.95)
        ok = p95 < SEARCH_P95_BAR_MS and not any(r.errors for r in searched)
        lines.append(
            f"| search newest first, `/search.json`: p95 < {SEARCH_P95_BAR_MS:.0f} ms for a rare, "
            f"a middling and a common word (cache misses) | worst p95 {_ms(p95)} ms "
            f"(`{worst.word}`) | **{'PASS' if ok else 'FAIL'}** |"
        )
    return lines


def render_report(
    args: argparse.Namespace,
    argv: list[str] | None,
    archives: tuple[dict[str, Any], dict[str, Any] | None],
    ceiling: LoadResult,
    runs: list[Run],
    rows: list[SearchRow],
    stages: list[Stage],
) -> str:
    site, search = archives
    lines = [
        "## Reading site under load",
        "",
        f"Measured {datetime.date.today().isoformat()} on {machine()}.",
        f"Versions: {versions(PACKAGES)}.",
        "",
        "```",
        command("benchmarks.site", argv),
        "```",
        "",
        f"`nutgraf serve` (uvicorn, one process per worker) on a SQLite archive of "
        f"{site['articles']:,} articles recombined from real CNN stories, eight outlets, two "
        f"years of dates, lead summaries, 3% wire copies (so pages have Read also, Also "
        f"reported by, previous and next). The load generator (`benchmarks/loadgen.py`: "
        f"asyncio + uvloop, raw keep-alive HTTP/1.1) runs in another process, "
        f"{args.connections} connections, closed loop, {args.warmup:g} s warm-up then "
        f"{args.duration:g} s measured; against a server that answers every request with the "
        f"same {CEILING_BODY // 1000} KB it reaches {ceiling.rate:,.0f} req/s "
        f"(p99 {_ms(ceiling.percentile(0.99))} ms) on one core. Cores: with 1 worker, "
        f"{placement(1).describe()} (`os.sched_setaffinity`); with 2 workers, "
        f'{placement(2).describe()}. "All cache misses" runs the server with its page cache '
        f"off (`NUTGRAF_PAGE_CACHE_SECONDS=0`), so every request is read and rendered; "
        f'"cache on" is the default 10 s cache, with the same '
        f"addresses. Server CPU is the user + system time of its processes in the window; "
        f'"others" is what the rest of the machine used meanwhile (other jobs).',
        "",
        *verdict(runs, rows),
        "",
        "| workers | scenario | req/s | p50 ms | p95 ms | p99 ms | max ms | errors | KB/resp "
        "| server CPU ms/req | server cores | load gen cores | others' cores |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        result = run.result
        per = run.server_cpu / result.requests * 1000 if result.requests else float("nan")
        size = result.body_bytes / result.requests / 1000 if result.requests else float("nan")
        lines.append(
            f"| {run.workers} | {run.scenario.label} | {result.rate:,.0f} | "
            f"{_ms(result.percentile(0.50))} | {_ms(result.percentile(0.95))} | "
            f"{_ms(result.percentile(0.99))} | {_ms(result.percentile(1.0))} | "
            f"{sum(result.errors.values())} | {size:.1f} | {_ms(per)} | "
            f"{run.server_cpu / result.seconds:.2f} | {result.cpu_seconds / result.seconds:.2f} | "
            f"{run.other_cpu / result.seconds:.2f} |"
        )
    if search is not None and rows:
        lines += [
            "",
            f"Search, newest first, first page (20 results), on {search['articles']:,} "
            f"articles of the same kind; 1 worker ({placement(1).describe()}), one request at "
            f"a time, {args.search_requests} per word and form after 20 warm-up ones, each "
            "from a server with its page cache off (SQLite's and the OS's caches are warm: a "
            'running server\'s steady state). "Cached": the same address from a server with '
            "the page cache on.",
            "",
            "| word | articles with it | form | p50 ms | p95 ms | p99 ms | max ms | errors "
            "| cached p50 ms |",
            "|---|---:|---|---:|---:|---:|---:|---:|---:|",
        ]
        for row in rows:
            lines.append(
                f"| {row.label.split(' ')[0]} `{row.word}` | {row.articles:,} | {row.form} | "
                f"{_ms(percentile(row.latencies, 0.5))} | {_ms(percentile(row.latencies, 0.95))} "
                f"| {_ms(percentile(row.latencies, 0.99))} | "
                f"{_ms(percentile(row.latencies, 1.0))} | {row.errors} | {_ms(row.cached_ms)} |"
            )
    if stages:
        total = next(s for s in stages if s.name.startswith("whole app, HTML"))
        lines += [
            "",
            f"Where a cold article page's time goes: each part timed alone in one process for "
            f"{len(stages[0].wall)} random ids (after an untimed pass, so SQLite's and the "
            "OS's caches are warm); the whole app is called through ASGI without HTTP, page "
            "cache missed. Share: mean CPU against the whole app's HTML page.",
            "",
            "| part | median ms | p95 ms | mean CPU ms | share |",
            "|---|---:|---:|---:|---:|",
        ]
        for stage in stages:
            lines.append(
                f"| {stage.name} | {_ms(statistics.median(stage.wall) * 1000)} | "
                f"{_ms(percentile(stage.wall, 0.95))} | {stage.cpu * 1000:.2f} | "
                f"{stage.cpu / total.cpu:.0%} |"
            )
    lines.append("")
    return "\n".join(lines)


# --- main -----------------------------------------------------------------------------------


def _workers(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--workers takes counts like 1,2, not {text!r}") from None
    if not counts or any(n < 1 or n > 64 for n in counts):
        raise argparse.ArgumentTypeError(f"--workers counts run from 1 to 64, not {text!r}")
    return counts


def article_ids(db: Path) -> list[int]:
    with contextlib.closing(sqlite3.connect(db)) as connection:
        return [int(row[0]) for row in connection.execute("SELECT id FROM articles ORDER BY id")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--search-articles", type=int, default=100_000, help="0: skip search")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds first")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=_workers, default=[1, 2], help="e.g. 2 or 1,2")
    parser.add_argument(
        "--scenarios",
        default=",".join(s.key for s in SCENARIOS),
        help=f"some of {','.join(s.key for s in SCENARIOS)}",
    )
    parser.add_argument("--search-requests", type=int, default=200)
    parser.add_argument("--profile-articles", type=int, default=500, help="0: skip")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", default=None)
    parser.add_argument(
        "--reading", action="store_true", help="a signed-in reader and /unread (issue 17) only"
    )
    parser.add_argument(
        "--postgres", default=None, help="with --reading: also the store calls on this server"
    )
    args = parser.parse_args(argv)
    wanted = args.scenarios.split(",")
    scenarios = [s for s in SCENARIOS if s.key in wanted]
    if unknown := set(wanted) - {s.key for s in SCENARIOS}:
        parser.error(f"unknown scenario {', '.join(sorted(unknown))}")
    if not STORIES.is_file():
        print(f"Error: {STORIES} not found", file=sys.stderr)
        return 1
    if not NUTGRAF.is_file():
        print(f"Error: {NUTGRAF} not found; install nutgraf in this venv", file=sys.stderr)
        return 1
    if args.reading:
        return run_reading(args, argv)

    site = cached_archive(args.articles, args.seed, SITE)
    print(
        f"site archive {site['path']} ({'reused' if site['reused'] else 'built'})", file=sys.stderr
    )
    search = None
    if args.search_articles:
        # Search reads no "Read also": the larger archive skips working it out.
        search = cached_archive(
            args.search_articles, args.seed, dataclasses.replace(SITE, read_also=False, revision=0)
        )
        print(
            f"search archive {search['path']} ({'reused' if search['reused'] else 'built'})",
            file=sys.stderr,
        )
    ids = article_ids(site["path"])

    ceiling = measure_ceiling(args)
    print(f"load generator ceiling: {ceiling.rate:,.0f} req/s", file=sys.stderr)
    runs = []
    for workers in args.workers:
        for scenario in scenarios:
            run = run_scenario(site["path"], ids, scenario, workers, args)
            runs.append(run)
            print(
                f"  {workers} worker(s), {scenario.key}: {run.result.rate:,.0f} req/s, "
                f"p99 {_ms(run.result.percentile(0.99))} ms, errors {dict(run.result.errors)}",
                file=sys.stderr,
            )
    rows = measure_search(search["path"], search["words"], args) if search else []
    stages = []
    if args.profile_articles:
        stages = profile_article(site["path"], ids, args.profile_articles, args.seed, args.profile)

    report = render_report(args, argv, (site, search), ceiling, runs, rows, stages)
    print(report)
    if args.output:
        write_section(Path(args.output), "site", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
