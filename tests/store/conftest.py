"""The ``store`` fixture: every store test runs against SQLite and against a real PostgreSQL.

PostgreSQL tests carry the ``postgres`` marker. They use a throwaway database,
``nutgraf_test_<random>``, created for the session on the server named by
``NUTGRAF_TEST_POSTGRES`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``, a user
allowed to create databases) and dropped at its end; its tables are emptied between tests.
Without a server they skip, saying why; under CI (``CI`` set) they fail.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import pytest

from nutgraf.store import SQLiteStore, Store

if TYPE_CHECKING:
    from nutgraf.store.postgres import PostgresStore

# A postgresql:// URL (the tests name their databases by changing its path).
POSTGRES = os.environ.get("NUTGRAF_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
TABLES = (
    "articles, near_keys, read_also, feeds, failures, stories, story_state, story_summaries, "
    "sessions, users, reader_marks, reader_settings, reader_labels, rules"
)


try:
    import psycopg  # noqa: F401  (only checking the postgres extra is installed)
except ImportError:  # a minimal install: test_postgres.py imports it (under CI it must be there)
    collect_ignore = [] if os.environ.get("CI") else ["test_postgres.py"]


def _unavailable(reason: str) -> None:
    """Skip the test, or fail it under CI, where PostgreSQL is required."""
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL tests are required under CI: {reason}")
    pytest.skip(reason)


class Server:
    """The test server: creates and drops throwaway databases."""

    def __init__(self, admin: str) -> None:
        import psycopg

        self.admin = admin
        self._psycopg = psycopg
        self.created: list[str] = []

    def create(self) -> str:
        """A new empty database; returns its URL."""
        from psycopg import sql

        name = f"nutgraf_test_{secrets.token_hex(6)}"
        with self._psycopg.connect(self.admin, autocommit=True) as db:
            db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.created.append(name)
        return urlunsplit(urlsplit(self.admin)._replace(path=f"/{name}"))

    def drop_all(self) -> None:
        from psycopg import sql

        with self._psycopg.connect(self.admin, autocommit=True) as db:
            for name in self.created:
                db.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
        self.created.clear()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Server]:
    """The server at NUTGRAF_TEST_POSTGRES; the test skips (fails under CI) without one."""
    try:
        import psycopg
    except ImportError:
        _unavailable("psycopg is not installed (pip install -e '.[dev]')")
    try:
        with psycopg.connect(POSTGRES, connect_timeout=3, autocommit=True) as db:
            db.execute("SELECT 1")
    except psycopg.Error as error:
        _unavailable(
            f"no PostgreSQL server answers at {POSTGRES} (set NUTGRAF_TEST_POSTGRES): "
            f"{' '.join(str(error).split())}"
        )
    server = Server(POSTGRES)
    yield server
    server.drop_all()


@pytest.fixture
def fresh_postgres(postgres_server: Server) -> str:
    """The URL of a new, empty database of its own (dropped at the end of the session)."""
    return postgres_server.create()


@pytest.fixture(scope="session")
def postgres_store(postgres_server: Server) -> Iterator[PostgresStore]:
    from nutgraf.store.postgres import PostgresStore

    with PostgresStore(postgres_server.create()) as opened:
        yield opened


def empty(store: PostgresStore) -> None:
    """Every table emptied and the ids restarted, as in a new archive."""
    with store._write() as db:
        db.execute(f"TRUNCATE {TABLES} RESTART IDENTITY")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    """An empty archive: SQLite in memory, or the session's PostgreSQL database emptied."""
    if request.param == "sqlite":
        with SQLiteStore(":memory:") as opened:
            yield opened
        return
    postgres: PostgresStore = request.getfixturevalue("postgres_store")
    empty(postgres)
    yield postgres
