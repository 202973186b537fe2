"""The archive: ``archive_location`` says which (``--db``, ``NUTGRAF_DB``, or the default under
``~/.local/share/nutgraf``) and ``open_store`` opens it with the backend its name calls for."""

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
    """``nutgraf.db`` under ``$XDG_DATA_HOME/nutgraf`` (``~/.local/share/nutgraf``): the
    archive when neither ``--db`` nor ``NUTGRAF_DB`` names one."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "nutgraf" / "nutgraf.db"


def archive_location(target: str | Path | None = None) -> str:
    """The archive every command opens, ``serve`` included: ``target`` (a ``--db`` value),
    else ``$NUTGRAF_DB``, else ``default_database()``; a string another process can open
    again (a URL as given: a Path would fold its "//")."""
    if target is not None:
        return str(target)
    configured = os.environ.get("NUTGRAF_DB", "")
    if configured.startswith(_URLS):
        return configured
    if configured:
        return str(Path(configured).expanduser())
    return str(default_database())


def open_store(target: str | Path | None = None) -> Store:
    """Open (creating it if needed) the archive at ``target`` or the default location.

    Args:
        target: a SQLite file path (or ``":memory:"``), or a ``postgresql://`` (or
            ``postgres://``) URL; None for ``archive_location()``'s choice.

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
