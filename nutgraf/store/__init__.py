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


def default_database() -> Path:
    """``$NUTGRAF_DB``, else ``nutgraf.db`` under ``$XDG_DATA_HOME/nutgraf`` (~/.local/share)."""
    configured = os.environ.get("NUTGRAF_DB")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "nutgraf" / "nutgraf.db"


def open_store(target: str | Path | None = None) -> Store:
    """Open (creating it if needed) the archive at ``target`` or the default location."""
    location = str(target) if target is not None else str(default_database())
    if location.startswith(("postgres://", "postgresql://")):
        raise NutgrafError(
            f"{location.split('@')[-1]}: PostgreSQL archives are not supported by this version; "
            "use a SQLite file path"
        )
    if location != ":memory:" and target is None:
        Path(location).parent.mkdir(parents=True, exist_ok=True)
    return SQLiteStore(location)
