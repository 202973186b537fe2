"""What the query mixins share (``marks.py``, ``users.py``, ``sync.py`` and the others): each
is written once in SQL both backends take, with ``?`` marks, over the two calls a backend
provides (``_read``, ``_write``); ``_MARK`` is the backend's own mark ("%s" on PostgreSQL).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, ClassVar


class SharedQueries:
    """The base of every query mixin; ``SQLiteStore`` and ``PostgresStore`` provide
    ``_read`` and ``_write``."""

    _MARK: ClassVar[str] = "?"

    def _read(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[Any]:
        raise NotImplementedError

    def _write(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _sql(self, sql: str) -> str:
        """``sql`` with the backend's parameter mark."""
        return sql if self._MARK == "?" else sql.replace("?", self._MARK)

    def _sql_read(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[Any]:
        return self._read(self._sql(sql), parameters)

    def _watermark(self, user: str) -> str:
        """The reader's "read before" time ('' when none: nothing sorts before it); see
        ``marks.py`` for what it means."""
        rows = self._sql_read(
            "SELECT read_before FROM reader_settings WHERE user_name = ?", (user,)
        )
        return (rows[0]["read_before"] if rows else None) or ""
