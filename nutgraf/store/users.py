"""Users of the site, and the one query that says whose a session is.

A user's row holds a hash of their password (``nutgraf.accounts``), never the password; a
session (``sessions.py``) stands while its credential matches a fingerprint of that hash, so
a new password revokes every session made with the old one, and ``set_password`` and
``remove_user`` also delete them outright. Written once in SQL both backends take, as
``sessions.py`` is.
"""

from __future__ import annotations

from typing import Any

from nutgraf.store.records import Session, SignedIn, User
from nutgraf.store.shared import SharedQueries

_USER_COLUMNS = "name, password_hash, admin, created, api_password_hash"


def _user(row: Any, prefix: str = "") -> User:
    return User(
        row[f"{prefix}name"],
        row[f"{prefix}password_hash"],
        bool(row[f"{prefix}admin"]),
        row[f"{prefix}created"],
        row[f"{prefix}api_password_hash"],
    )


class UserQueries(SharedQueries):
    """Mixed into a backend (``SharedQueries``)."""

    def add_user(self, user: User) -> bool:
        """Store ``user``; False (and nothing written) when the name is taken."""
        with self._write() as db:
            cursor = db.execute(
                self._sql(
                    f"INSERT INTO users ({_USER_COLUMNS}) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT (name) DO NOTHING"
                ),
                (
                    user.name,
                    user.password_hash,
                    int(user.admin),
                    user.created,
                    user.api_password_hash,
                ),
            )
            return int(cursor.rowcount) == 1

    def user(self, name: str) -> User | None:
        rows = self._read(self._sql(f"SELECT {_USER_COLUMNS} FROM users WHERE name = ?"), (name,))
        return _user(rows[0]) if rows else None

    def users(self) -> list[User]:
        """Every user, by name."""
        rows = self._read(f"SELECT {_USER_COLUMNS} FROM users ORDER BY name")
        return [_user(row) for row in rows]

    def remove_user(self, name: str) -> bool:
        """Remove the user, end their sessions and drop their reading state (a new user of
        the same name starts afresh), in one transaction; whether they existed."""
        with self._write() as db:
            cursor = db.execute(self._sql("DELETE FROM users WHERE name = ?"), (name,))
            for table in ("sessions", "reader_marks", "reader_settings", "reader_labels"):
                db.execute(self._sql(f"DELETE FROM {table} WHERE user_name = ?"), (name,))
            return int(cursor.rowcount) == 1

    def set_password(self, name: str, password_hash: str) -> bool:
        """Give the user a new password hash and end their sessions; whether they exist."""
        with self._write() as db:
            cursor = db.execute(
                self._sql("UPDATE users SET password_hash = ? WHERE name = ?"),
                (password_hash, name),
            )
            db.execute(self._sql("DELETE FROM sessions WHERE user_name = ?"), (name,))
            return int(cursor.rowcount) == 1

    def set_api_password(
        self, name: str, api_password_hash: str | None, fever_key: str | None
    ) -> bool:
        """Give the user an API password (its argon2id hash and its Fever key), or take it
        away (None, None); their app sessions end. Whether they exist."""
        with self._write() as db:
            cursor = db.execute(
                self._sql("UPDATE users SET api_password_hash = ?, fever_key = ? WHERE name = ?"),
                (api_password_hash, fever_key, name),
            )
            db.execute(
                # Not LIKE 'api:%': psycopg reads a "%" in the statement as a placeholder.
                self._sql(
                    "DELETE FROM sessions WHERE user_name = ? AND substr(key, 1, 4) = 'api:'"
                ),
                (name,),
            )
            return int(cursor.rowcount) == 1

    def user_by_fever_key(self, fever_key: str) -> User | None:
        """The user whose API password has this Fever key, if any."""
        rows = self._read(
            self._sql(f"SELECT {_USER_COLUMNS} FROM users WHERE fever_key = ?"),
            (fever_key,),
        )
        return _user(rows[0]) if rows else None

    def set_admin(self, name: str, admin: bool) -> bool:
        """Make the user an admin or not, from their next request on; whether they exist."""
        with self._write() as db:
            cursor = db.execute(
                self._sql("UPDATE users SET admin = ? WHERE name = ?"), (int(admin), name)
            )
            return int(cursor.rowcount) == 1

    def signed_in(self, key: str, now: str) -> SignedIn | None:
        """The live session of ``key`` with its user, in one query (every request asks)."""
        rows = self._read(
            self._sql(
                "SELECT s.key, s.user_name, s.admin, s.credential, s.created, s.expires, "
                "u.name AS u_name, u.password_hash AS u_password_hash, u.admin AS u_admin, "
                "u.created AS u_created, u.api_password_hash AS u_api_password_hash "
                "FROM sessions s LEFT JOIN users u ON u.name = s.user_name "
                "WHERE s.key = ? AND s.expires > ?"
            ),
            (key, now),
        )
        if not rows:
            return None
        row = rows[0]
        session = Session(
            row["key"],
            row["user_name"],
            bool(row["admin"]),
            row["credential"],
            row["created"],
            row["expires"],
        )
        return SignedIn(session, None if row["u_name"] is None else _user(row, "u_"))
