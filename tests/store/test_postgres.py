"""What only the PostgreSQL archive has: its migrations, its URLs and errors, NUL characters,
and concurrent writers. Everything else runs on both backends (test_sqlite.py,
test_reading.py); the server and the throwaway databases come from conftest.py."""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
import time

import psycopg
import pytest
from click.testing import CliRunner

from nutgraf.cli import main
from nutgraf.errors import NutgrafError
from nutgraf.records import StoredArticle
from nutgraf.store import NearQuery, SQLiteStore, Store, open_store
from nutgraf.store.migrations import POSTGRES_MIGRATIONS
from nutgraf.store.postgres import PostgresStore, redact
from tests.store.conftest import Server, empty
from tests.store.test_sqlite import item

postgres = pytest.mark.postgres


def test_an_unreachable_server_is_one_line_without_the_password() -> None:
    url = "postgresql://nutgraf:s3cret-pw@127.0.0.1:1/news"
    with pytest.raises(NutgrafError) as raised:
        PostgresStore(url)
    message = str(raised.value)
    assert message.startswith("cannot open the archive postgresql://nutgraf:***@127.0.0.1:1/news: ")
    assert "s3cret" not in message and "\n" not in message
    assert "Connection refused" in message or "connect" in message


def test_the_command_line_says_why_it_cannot_open_the_archive() -> None:
    result = CliRunner().invoke(
        main, ["search", "--db", "postgres://me:hunter2@127.0.0.1:1/news", "storm"]
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot open the archive postgres://me:***@127.0.0.1:1/")
    assert "hunter2" not in result.output and "Traceback" not in result.output


def test_passwords_are_hidden_from_urls() -> None:
    assert redact("postgresql://u:p%40ss@h:5/db") == "postgresql://u:***@h:5/db"
    assert redact("postgresql://u@h/db") == "postgresql://u@h/db"
    assert redact("postgresql://:pw@h/db") == "postgresql://:***@h/db"


@postgres
def test_open_store_takes_postgres_urls(
    fresh_postgres: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NUTGRAF_DB", fresh_postgres)
    for url in (fresh_postgres, fresh_postgres.replace("postgresql://", "postgres://", 1), None):
        store = open_store(url)
        try:
            assert isinstance(store, PostgresStore)
            assert store.save(item("Opened by URL.", url="https://x/1")).status in {
                "new",
                "unchanged",
            }
        finally:
            store.close()


@postgres
def test_a_database_keeps_its_data_and_schema_version(fresh_postgres: str) -> None:
    with PostgresStore(fresh_postgres) as store:
        store.save(item("Kept across opens.", url="https://x/1"))
        assert store.schema_version == len(POSTGRES_MIGRATIONS)
    with PostgresStore(fresh_postgres) as store:
        assert store.count() == 1
        assert store.search("kept")[0].item.url == "https://x/1"
        assert store.schema_version == len(POSTGRES_MIGRATIONS)


@postgres
def test_processes_opening_a_new_database_at_once_migrate_it_once(fresh_postgres: str) -> None:
    opened: list[PostgresStore] = []
    failed: list[BaseException] = []

    def open_it() -> None:
        try:
            opened.append(PostgresStore(fresh_postgres, pool_size=1))
        except BaseException as error:  # reported below
            failed.append(error)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    try:
        assert failed == [] and len(opened) == 4
        with psycopg.connect(fresh_postgres) as db:
            versions = [row[0] for row in db.execute("SELECT version FROM schema_version")]
        assert versions == list(range(1, len(POSTGRES_MIGRATIONS) + 1))
    finally:
        for store in opened:
            store.close()


@postgres
def test_a_newer_or_foreign_database_is_refused(postgres_server: Server) -> None:
    newer = postgres_server.create()
    PostgresStore(newer).close()
    with psycopg.connect(newer, autocommit=True) as db:
        db.execute("INSERT INTO schema_version(version) VALUES (999)")
    with pytest.raises(NutgrafError, match="newer than this nutgraf"):
        PostgresStore(newer)
    foreign = postgres_server.create()
    with psycopg.connect(foreign, autocommit=True) as db:
        db.execute("CREATE TABLE articles (id int)")
    with pytest.raises(NutgrafError, match="not a nutgraf database"):
        PostgresStore(foreign)
    missing = newer.rsplit("/", 1)[0] + "/nutgraf_no_such_database"
    with pytest.raises(NutgrafError, match="nutgraf_no_such_database"):
        PostgresStore(missing)


@postgres
def test_nul_characters_in_plain_columns_become_replacement_characters(
    postgres_store: PostgresStore,
) -> None:
    empty(postgres_store)
    saved = postgres_store.save(
        item("Bad\x00byte in the text.", title="A\x00title", url="https://x/\x00")
    )
    stored = postgres_store.get(saved.id)
    assert stored is not None
    assert stored.item.article.title == "A\ufffdtitle"
    assert stored.item.article.text == "Bad\x00byte in the text."  # the blocks are JSON
    assert stored.item.html == "<p>Bad\ufffdbyte in the text.</p>"
    assert stored.item.canonical_url == "https://x/\ufffd"
    again = postgres_store.save(
        item("Bad\x00byte in the text.", title="A\x00title", url="https://x/\x00")
    )
    assert (again.id, again.status) == (saved.id, "unchanged")
    assert postgres_store.search("byte")[0].id == saved.id
    postgres_store.record_failure("feed\x00.xml", "reason\x00", "now")
    # A failure is stored as printable text: its controls, NUL among them, are taken out.
    assert postgres_store.failures() == [("feed.xml", "reason", "now")]


def _write_many(url: str, worker: int) -> None:
    with PostgresStore(url, pool_size=2) as store:
        for n in range(40):
            # Both workers write the same 40 URLs; each must be stored once.
            store.save(item(f"Shared story {n}.", url=f"https://x/{n}"))
            # The same text at each worker's own address: one original, one copy of it.
            store.save(item(f"Wire copy {n}.", url=f"https://w{worker}.example/{n}"))
            # A near copy (sharing an LSH key) at each worker's address: the same.
            near = NearQuery(
                keys=(1000 + n,),
                overlap=lambda text, n=n: 0.9 if text.startswith(f"Near copy {n} ") else 0.0,
                threshold=0.5,
                describe=lambda overlap: f"{overlap:.0%} shared",
            )
            store.save(
                item(f"Near copy {n} by {worker}.", url=f"https://n{worker}.example/{n}"), near
            )


@postgres
def test_two_processes_writing_the_same_articles_store_each_once(fresh_postgres: str) -> None:
    PostgresStore(fresh_postgres).close()
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_write_many, args=(fresh_postgres, w)) for w in range(2)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(60)
        assert process.exitcode == 0
    with PostgresStore(fresh_postgres) as store:
        assert store.count() == 40 + 2 * 40 + 2 * 40
        articles = list(store.articles())
        shared = [a for a in articles if a.item.url and a.item.url.startswith("https://x/")]
        assert len(shared) == 40 and all(a.duplicate is None for a in shared)
        for kind, prefix in (("content", "Wire copy"), ("near", "Near copy")):
            for n in range(40):
                pair = [a for a in articles if a.item.article.text.startswith(f"{prefix} {n} ")]
                pair = pair or [a for a in articles if a.item.article.text == f"{prefix} {n}."]
                first, second = sorted(pair, key=lambda a: a.id)
                assert first.duplicate is None, (kind, n)
                assert second.duplicate is not None and second.duplicate.of == first.id
                assert second.duplicate.kind == kind


def _fill(store: Store) -> None:
    """60 articles over 60 days, saved out of date order: "storm" in every third, "calm"
    in all but a few, "gale" in two; the headline sometimes repeats the word."""
    for n in range(60):
        day = (n * 37) % 60
        words = ["storm"] * (1 + n % 4) if n % 3 == 0 else []
        words += ["calm"] if n % 11 else []
        words += ["gale"] if n in (5, 50) else []
        title = "Storm warning" if n % 5 == 0 else f"Report {n}"
        published = f"2026-{1 + day // 28:02d}-{1 + day % 28:02d}T{n % 24:02d}:00:00Z"
        store.save(
            item(
                " ".join([*words, "report", str(n)]),
                url=f"https://x/{n}",
                title=title,
                published=published,
            )
        )


@postgres
@pytest.mark.parametrize("plan", ["walk", "gin", "walk too short"])
def test_every_search_plan_gives_the_same_pages(
    postgres_store: PostgresStore, plan: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty(postgres_store)
    _fill(postgres_store)
    reference = SQLiteStore(":memory:")
    _fill(reference)
    chosen = {"walk": 10**9, "gin": 0, "walk too short": 3}[plan]
    monkeypatch.setattr("nutgraf.store.postgres._plan", lambda *_: chosen)

    def urls(found: list[StoredArticle]) -> list[str | None]:
        return [a.item.url for a in found]

    for query in ("storm", "calm", "gale", "storm calm", "report", "nothing"):
        for limit, offset in ((20, 0), (7, 0), (7, 7), (50, 40)):
            assert urls(postgres_store.search(query, limit=limit, offset=offset)) == urls(
                reference.search(query, limit=limit, offset=offset)
            ), (query, limit, offset)
    monkeypatch.setattr("nutgraf.store.postgres._plan", lambda *_: 0)
    best = urls(postgres_store.search("storm", ranked=True, limit=100))
    monkeypatch.setattr("nutgraf.store.postgres._plan", lambda *_: chosen)
    assert urls(postgres_store.search("storm", ranked=True, limit=100)) == best
    assert urls(postgres_store.search("storm", ranked=True, limit=5, offset=5)) == best[5:10]
    assert len(best) == 28 and set(best) == set(urls(reference.search("storm", limit=100)))
    # Ranked among the newest 6 matches only: the same 6 whatever the plan.
    monkeypatch.setattr("nutgraf.store.postgres.RANKED_WINDOW", 6)
    windowed = urls(postgres_store.search("storm", ranked=True))
    assert set(windowed) == set(urls(reference.search("storm", limit=6)))
    monkeypatch.setattr("nutgraf.store.postgres._plan", lambda *_: 0)
    assert urls(postgres_store.search("storm", ranked=True)) == windowed
    monkeypatch.setattr("nutgraf.store.postgres._plan", lambda *_: chosen)
    me = postgres_store.search("gale")[0].id
    related = [h.url for h, _ in postgres_store.related(me, ["gale", "storm"])]
    monkeypatch.setattr("nutgraf.store.postgres._plan", lambda *_: 0)
    assert [h.url for h, _ in postgres_store.related(me, ["gale", "storm"])] == related
    other = reference.related(reference.search("gale")[0].id, ["gale", "storm"])
    assert related[0] == other[0][0].url  # the other "gale" article first


def test_serve_says_why_it_cannot_open_the_archive() -> None:
    result = CliRunner().invoke(main, ["serve", "--db", "postgresql://me:hunter2@127.0.0.1:1/news"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot open the archive postgresql://me:***@")
    assert "hunter2" not in result.output


@postgres
def test_the_site_is_served_from_postgres(
    fresh_postgres: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn
    from starlette.testclient import TestClient

    from nutgraf.web.server import app_from_environment

    with PostgresStore(fresh_postgres) as store:
        first = store.save(item("The harbour storm closed the ferry.", url="https://a.test/1"))
        store.save(item("Ferry timetables after the storm.", url="https://b.test/2"))
    calls: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.setenv("NUTGRAF_CONFIG", "/nonexistent/nutgraf.toml")
    monkeypatch.setenv("NUTGRAF_DB", "unset")  # serve hands these to its workers; restored after
    monkeypatch.setenv("NUTGRAF_SERVE_LOCAL", "unset")
    monkeypatch.setenv("NUTGRAF_SERVE_HOST", "unset")
    result = CliRunner().invoke(main, ["serve", "--db", fresh_postgres])
    assert result.exit_code == 0, result.output
    assert calls and os.environ["NUTGRAF_DB"] == fresh_postgres
    app = app_from_environment()
    try:
        with TestClient(app, base_url="http://127.0.0.1:8000") as client:
            assert client.get("/").status_code == 200
            found = client.get("/search.json", params={"q": "storm"}).json()
            assert "ferry" in json.dumps(found).lower()
            assert client.get(f"/articles/{first.id}").status_code == 200
    finally:
        app.state.site.store.close()


@postgres
def test_the_archive_keeps_its_own_statistics_without_autovacuum(
    fresh_postgres: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nutgraf.store import postgres as backend

    monkeypatch.setattr(backend, "ANALYZE_ROWS", 30)
    monkeypatch.setattr(backend, "ANALYZE_SHARE", 0.5)
    with PostgresStore(fresh_postgres) as store:
        with store._write() as db:
            db.execute("ALTER TABLE articles SET (autovacuum_enabled = false)")
        for n in range(10):
            store.save(item(f"Story {n} about the harbour.", url=f"https://example.org/{n}"))
        assert not store.keep_statistics()  # 10 changed: under 30
        for n in range(10, 40):
            store.save(item(f"Story {n} about the harbour.", url=f"https://example.org/{n}"))

        def analyzed() -> float:
            with store._write() as db:
                row = db.execute("SELECT reltuples FROM pg_class WHERE relname = 'articles'")
                return float(row.fetchone()["reltuples"])  # type: ignore[index]

        assert analyzed() < 0  # never analyzed
        # The server counts changes a moment after each transaction: ask again until it has.
        deadline = time.monotonic() + 10
        while not store.keep_statistics() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert analyzed() == 40
        assert store._statistics().rows == 40
        assert "harbour" in store._statistics().shares
        assert not store.keep_statistics()  # nothing changed since
