"""The archive: ``open_store`` picks the backend from the ``--db`` value or ``NUTGRAF_DB``."""

from __future__ import annotations

import os
from pathlib import Path

from nutgraf.errors import NutgrafError
from nutgraf.store.base import FeedState, NearQuery, PollOutcome, SaveResult, Store
from nutgraf.store.sqlite import SQLiteStore

__all__ = [
    "FeedState",
    "NearQuery",
    "PollOutcome",
    "SQLiteStore",
    "SaveResult",
    "Store",
    "archive_location",
    "default_database",
    "open_store",
]


_URLS = ("postgres://", "postgresql://")


def default_database() -> Path:
    """``$NUTGRAF_DB``, else ``nutgraf.db`` under ``$XDG_DATA_HOME/nutgraf`` (~/.local/share)."""
    configured = os.environ.get("NUTGRAF_DB")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "nutgraf" / "nutgraf.db"


def archive_location(target: str | Path | None = None) -> str:
    """Where the archive is: ``target``, else a URL in ``$NUTGRAF_DB``, else
    ``default_database()``; a string another process can open again."""
    configured = os.environ.get("NUTGRAF_DB", "")
    if target is not None:
        return str(target)
    if configured.startswith(_URLS):
        return configured  # as given: a Path would fold its "//"
    return str(default_database())


def open_store(target: str | Path | None = None) -> Store:
    """Open (creating it if needed) the archive at ``target`` or the default location.

    Args:
        target: a SQLite file path (or ``":memory:"``), or a ``postgresql://`` (or
            ``postgres://``) URL; None for ``default_database()``.

    Returns:
        The archive, migrated to this version's schema.

    Raises:
        NutgrafError: it cannot be opened (one line; a URL's password is left out).
    """
    location = archive_location(target)
    if location.startswith(_URLS):
        try:
            from nutgraf.store.postgres import PostgresStore
        except ImportError:
            raise NutgrafError(
                "PostgreSQL archives need psycopg: pip install 'nutgraf[postgres]'"
            ) from None
        return PostgresStore(location)
    if location != ":memory:" and target is None:
        Path(location).parent.mkdir(parents=True, exist_ok=True)
    return SQLiteStore(location)
