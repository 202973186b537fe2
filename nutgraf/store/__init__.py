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
    configured = os.environ.get("NUTGRAF_DB", "")
    if target is not None:
        location = str(target)
    elif configured.startswith(_URLS):
        location = configured  # as given: a Path would fold its "//"
    else:
        location = str(default_database())
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
