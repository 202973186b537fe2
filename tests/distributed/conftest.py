"""Distributed ingestion against the real servers: Redis (``NUTGRAF_TEST_REDIS``, default
``redis://127.0.0.1:6379/15``: a database of its own) and PostgreSQL (``NUTGRAF_TEST_POSTGRES``,
see tests/store/conftest.py). Each test gets a key namespace of its own in Redis (its keys
deleted afterwards) and a new PostgreSQL database. Without a server the tests skip, saying
why; under CI (``CI`` set) they fail.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.store.conftest import _unavailable, fresh_postgres, postgres_server

__all__ = ["fresh_postgres", "postgres_server"]  # fixtures used by this folder's tests

REDIS = os.environ.get("NUTGRAF_TEST_REDIS", "redis://127.0.0.1:6379/15")
# The nutgraf command of this interpreter's environment, for worker subprocesses.
NUTGRAF = [sys.executable, "-m", "nutgraf"]

try:
    import dramatiq  # noqa: F401  (only checking the distributed extra is installed)
except ImportError:  # a minimal install: every test here needs the extra
    collect_ignore_glob = [] if os.environ.get("CI") else ["test_*.py"]


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis test server's URL; skips (fails under CI) without one."""
    import redis

    client = redis.Redis.from_url(REDIS, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as error:
        _unavailable(f"no Redis server answers at {REDIS} (set NUTGRAF_TEST_REDIS): {error}")
    finally:
        client.close()
    return REDIS


@pytest.fixture
def namespace(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted at the end."""
    import redis

    name = f"nutgraf-test-{secrets.token_hex(4)}"
    yield name
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{name}:*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def environment(
    monkeypatch: pytest.MonkeyPatch, redis_url: str, namespace: str, tmp_path: Path
) -> dict[str, str]:
    """The variables a worker needs here (also set in this process): the test's broker and
    namespace, a 2 s heartbeat, and the loopback test sites allowed."""
    values = {
        "NUTGRAF_REDIS_URL": redis_url,
        "NUTGRAF_REDIS_NAMESPACE": namespace,
        "NUTGRAF_HEARTBEAT_SECONDS": "2",
        "NUTGRAF_ALLOW_NETWORKS": "127.0.0.0/8",
        "NUTGRAF_CONFIG": str(tmp_path / "no-nutgraf.toml"),
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("NUTGRAF_DB", raising=False)
    return {**os.environ, **values}
