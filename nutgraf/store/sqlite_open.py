"""Opening a SQLite archive: for writing when this user may write it, read-only when not, and
only when it is nutgraf's (or new).

A read-only archive (a file or a folder this user may not write: a shared copy, a read-only
mount) is opened read-only, so that reading commands work on it; SQLite itself is asked
whether it may write (a write tried and rolled back), as permissions alone do not say
(ACLs, read-only mounts, root). Its WAL index must be shared through a ``-shm`` file beside
it: in a folder where none can be made, the file is opened ``immutable``, as a snapshot that
does not see what a writer does meanwhile. Anything else at the path (a text file, an empty
folder, another program's database) is refused in one line before a table is written.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path
from urllib.parse import quote

from nutgraf.errors import NutgrafError

BUSY_TIMEOUT_MS = 10_000
# Pages are read through a memory map of the file's first MMAP_BYTES, not a read() each: the
# site reads a few dozen pages a request, mostly past the connection's page cache (2 MiB).
# Measured on the site's benchmark archive: a fifth off an article's queries.
MMAP_BYTES = 256 * 1024 * 1024
# The tables every nutgraf archive has had since its first schema: what tells one from
# another program's SQLite database.
ARCHIVE_TABLES = frozenset({"articles", "feeds"})
# Tables named when a database is another program's (its tables may be many).
SHOWN_TABLES = 3
# How a read-only file is opened, in order: through the WAL index the writers share, then,
# where no index can be made beside it (a read-only folder), as an immutable snapshot.
_READ_ONLY_MODES = ("mode=ro", "mode=ro&immutable=1")


def connect(path: str) -> tuple[sqlite3.Connection, bool]:
    """A connection to the archive at ``path`` and whether it is read-only.

    Raises:
        NutgrafError: the path is a folder or a special file, or not a SQLite database, or
            cannot be opened (one line saying how to fix it).
    """
    _require_file(path)
    db: sqlite3.Connection | None = None
    try:
        db = _connection(path, uri=False)
        _prepare(db, writable=True)
        return db, path != ":memory:" and refuses_writes(db)
    except sqlite3.DatabaseError as error:
        if db is not None:
            db.close()
        if not (_is_read_only_error(error) and os.path.isfile(path)):
            raise NutgrafError(not_an_archive(path, error)) from None
    return _connect_read_only(path), True


def check_archive(db: sqlite3.Connection, path: str) -> None:
    """Refuse a SQLite database that is not a nutgraf archive (nor a new, empty one), before
    anything is written to it."""
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    tables = sorted(
        str(row[0])
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    )
    if (version == 0 and not tables) or (version > 0 and set(tables) >= ARCHIVE_TABLES):
        return
    shown = ", ".join(tables[:SHOWN_TABLES]) + (", ..." if len(tables) > SHOWN_TABLES else "")
    held = f"its tables: {shown}" if tables else f"schema version {version}, no tables"
    raise NutgrafError(
        f"{path} is another program's SQLite database ({held}), not a nutgraf archive; "
        "give nutgraf a file of its own"
    )


def refuses_writes(db: sqlite3.Connection) -> bool:
    """Whether SQLite refuses to write this database: a write tried in a transaction that is
    rolled back. Asked without waiting: when another process is writing (busy), it can write."""
    db.execute("PRAGMA busy_timeout = 0")
    try:
        db.execute("BEGIN IMMEDIATE")
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        db.execute(f"PRAGMA user_version = {version}")
        return False
    except sqlite3.OperationalError as error:
        if _is_read_only_error(error):
            return True
        if _error_name(error).startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
            return False
        raise
    finally:
        if db.in_transaction:
            db.execute("ROLLBACK")
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")


def read_only_message(path: str) -> str:
    """What a write to a read-only archive says: one line, with what to do."""
    return (
        f"the archive {path} is read-only (this user may not write the file or its folder); "
        "give write access to both, or only read it (search, export, feeds, stories, serve)"
    )


def not_an_archive(path: str, error: sqlite3.DatabaseError) -> str:
    """One line for a file SQLite cannot open as a database."""
    if _error_name(error) == "SQLITE_NOTADB":
        return (
            f"{path} is not a nutgraf archive (not a SQLite database); give the path of an "
            "archive, or of a new file to start one"
        )
    return f"{path} cannot be opened as an archive ({error}); check the path"


def _require_file(path: str) -> None:
    """Refuse a folder or a special file (a named pipe, a device) as the archive."""
    if path == ":memory:":
        return
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return  # a new archive
    except OSError as error:
        raise NutgrafError(f"{path} cannot be opened as an archive ({error.strerror})") from None
    if stat.S_ISDIR(mode):
        raise NutgrafError(f"{path} is a folder; give the path of an archive file in it")
    if not stat.S_ISREG(mode):
        raise NutgrafError(f"{path} is not a regular file; give the path of an archive file")


def _connect_read_only(path: str) -> sqlite3.Connection:
    """The file opened read-only: through the shared WAL index, else as a snapshot."""
    address = "file:" + quote(str(Path(path).resolve()))
    failure: sqlite3.DatabaseError | None = None
    for mode in _READ_ONLY_MODES:
        db = _connection(f"{address}?{mode}", uri=True)
        try:
            _prepare(db, writable=False)
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()  # opens the WAL index
            return db
        except sqlite3.DatabaseError as error:
            db.close()
            failure = error
    assert failure is not None
    raise NutgrafError(not_an_archive(path, failure))


def _connection(target: str, *, uri: bool) -> sqlite3.Connection:
    db = sqlite3.connect(target, isolation_level=None, check_same_thread=False, timeout=0, uri=uri)
    db.row_factory = sqlite3.Row
    return db


def _prepare(db: sqlite3.Connection, *, writable: bool) -> None:
    """The settings every connection runs with; WAL is set (written) only when writing."""
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
    if writable:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("SELECT count(*) FROM sqlite_master").fetchone()  # reads the header: is it SQLite?


def _is_read_only_error(error: sqlite3.DatabaseError) -> bool:
    """SQLITE_READONLY (and its kinds: a read-only folder, a read-only WAL index), or a file
    that could not be opened for writing."""
    return _error_name(error).startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN"))


def _error_name(error: sqlite3.DatabaseError) -> str:
    return str(getattr(error, "sqlite_errorname", ""))
