"""Sign-in sessions, kept in the archive so that every server process knows them.

A session is found by ``key``, the SHA-256 of the random id its cookie carries: the table
never holds a cookie's value, so a copy of the archive signs nobody in. ``credential`` is a
fingerprint of what signed it in (the admin token, later a user's password hash): when that
changes, the session no longer matches and is refused, which is how a new token or password
revokes every session made with the old one. Written once in SQL both backends take, as
``stories.py`` is.
"""

from __future__ import annotations

from typing import Any

from nutgraf.store.records import Session
from nutgraf.store.shared import SharedQueries

# The sessions one user may hold at once; signing in again past it ends the oldest. Bounds
# the table whatever a script that signs in in a loop does.
MAX_SESSIONS_PER_USER = 64


class SessionQueries(SharedQueries):
    """Mixed into a backend (``SharedQueries``)."""

    def start_session(self, session: Session, now: str) -> None:
        """Store ``session``; drops expired sessions, and the user's oldest past the cap."""
        with self._write() as db:

            def run(sql: str, parameters: tuple[Any, ...] = ()) -> Any:
                return db.execute(self._sql(sql), parameters)

            run("DELETE FROM sessions WHERE expires <= ?", (now,))
            run(
                "DELETE FROM sessions WHERE key IN (SELECT key FROM sessions WHERE user_name = ? "
                "ORDER BY created DESC, key LIMIT -1 OFFSET ?)"
                if self._MARK == "?"
                else "DELETE FROM sessions WHERE key IN (SELECT key FROM sessions "
                "WHERE user_name = ? ORDER BY created DESC, key OFFSET ?)",
                (session.user, MAX_SESSIONS_PER_USER - 1),
            )
            run(
                "INSERT INTO sessions (key, user_name, admin, credential, created, expires) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    session.key,
                    session.user,
                    int(session.admin),
                    session.credential,
                    session.created,
                    session.expires,
                ),
            )

    def session(self, key: str, now: str) -> Session | None:
        """The live session of ``key``; None when there is none or it has expired."""
        rows = self._read(
            self._sql(
                "SELECT key, user_name, admin, credential, created, expires FROM sessions "
                "WHERE key = ? AND expires > ?"
            ),
            (key, now),
        )
        if not rows:
            return None
        row = rows[0]
        return Session(
            row["key"],
            row["user_name"],
            bool(row["admin"]),
            row["credential"],
            row["created"],
            row["expires"],
        )

    def end_session(self, key: str) -> None:
        with self._write() as db:
            db.execute(self._sql("DELETE FROM sessions WHERE key = ?"), (key,))

    def end_sessions(self, user: str) -> int:
        """End every session of ``user`` (a password changed, a user removed); how many."""
        with self._write() as db:
            cursor = db.execute(self._sql("DELETE FROM sessions WHERE user_name = ?"), (user,))
            return int(cursor.rowcount)
