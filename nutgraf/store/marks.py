"""Reading state per reader: read or unread, starred, and whether opening an article marks it
read. Written once in SQL both backends take, as ``sessions.py`` is; keyed by the reader's
name.

An article is read for a reader when their ``reader_marks`` row says so (``read`` 1 or 0),
else when its sort time is before their ``read_before`` watermark. "Everything older than T"
moves the watermark and clears the rows below it: one write however many articles it
covers. Marking a feed, a category or a list writes a row for each unread article it holds
(those are bounded by what one feed or page holds). A row with neither a read mark nor a
star is dropped, so the table holds a reader's exceptions and stars only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nutgraf.records import Headline
from nutgraf.store.records import ArticleMarks, ReaderSettings, UnreadCounts
from nutgraf.store.rows import HEADLINE_COLUMNS, bounded, headline
from nutgraf.store.shared import SharedQueries

# How many ids one call marks at once (a page of a list is at most 100).
MAX_MARK_IDS = 200
# The most ids one statement of the apps names (ids of a page of contents, labels asked for
# at once), and one ``set_read_many`` marks.
MAX_SYNC_IDS = 1000


# An article row ``a`` joined with the reader's row ``m`` (or none) is unread when this holds;
# its one parameter is the reader's watermark ('' when none: nothing sorts before it).
_UNREAD = "coalesce(m.read, CASE WHEN a.sort_time < ? THEN 1 ELSE 0 END) = 0"
_JOINED = "articles a LEFT JOIN reader_marks m ON m.user_name = ? AND m.article_id = a.id"
_HEADLINE = ", ".join(f"a.{c.strip()}" for c in HEADLINE_COLUMNS.split(","))


class MarkQueries(SharedQueries):
    """Mixed into a backend (``SharedQueries``)."""

    # --- reading ----------------------------------------------------------------------------

    def reader_settings(self, user: str) -> ReaderSettings:
        rows = self._sql_read(
            "SELECT read_before, mark_on_open, api_summaries FROM reader_settings "
            "WHERE user_name = ?",
            (user,),
        )
        if not rows:
            return ReaderSettings()
        row = rows[0]
        return ReaderSettings(
            bool(row["mark_on_open"]), row["read_before"], bool(row["api_summaries"])
        )

    def article_marks(self, user: str, ids: list[int]) -> dict[int, ArticleMarks]:
        """The state of each article of ``ids`` that exists, by id."""
        wanted = sorted(set(ids))[:MAX_MARK_IDS]
        if not wanted:
            return {}
        marks = ", ".join("?" for _ in wanted)
        # One statement (the watermark read inside it): the article page asks on every view.
        rows = self._sql_read(
            "SELECT a.id, coalesce(m.read, CASE WHEN a.sort_time < coalesce(("
            "SELECT s.read_before FROM reader_settings s WHERE s.user_name = ?), '') "
            "THEN 1 ELSE 0 END) AS read, m.starred "
            f"FROM {_JOINED} WHERE a.id IN ({marks})",
            (user, user, *wanted),
        )
        return {
            int(r["id"]): ArticleMarks(int(r["id"]), bool(r["read"]), bool(r["starred"]))
            for r in rows
        }

    def unread(
        self,
        user: str,
        *,
        limit: int = 20,
        offset: int = 0,
        feeds: list[str] | None = None,
    ) -> list[Headline]:
        """The reader's unread articles, newest first; only those from ``feeds`` (URLs) when
        given. Reads the time index from the newest down, so a first page costs a page."""
        limit, offset = bounded(limit, offset)
        where, parameters = self._feed_filter(feeds)
        rows = self._sql_read(
            f"SELECT {_HEADLINE} FROM {_JOINED} WHERE {_UNREAD}{where} "
            "ORDER BY a.sort_time DESC, a.id DESC LIMIT ? OFFSET ?",
            (user, self._watermark(user), *parameters, limit, offset),
        )
        return [headline(row) for row in rows]

    def starred(self, user: str, *, limit: int = 20, offset: int = 0) -> list[Headline]:
        """The reader's starred articles, newest first."""
        limit, offset = bounded(limit, offset)
        rows = self._sql_read(
            f"SELECT {_HEADLINE} FROM reader_marks m JOIN articles a ON a.id = m.article_id "
            "WHERE m.user_name = ? AND m.starred = 1 "
            "ORDER BY a.sort_time DESC, a.id DESC LIMIT ? OFFSET ?",
            (user, limit, offset),
        )
        return [headline(row) for row in rows]

    def unread_total(self, user: str) -> int:
        """How many articles the reader has not read: the articles at or after their
        watermark (counted on the time index alone), less those they read there, plus those
        they marked unread below it. Cheaper than ``unread_counts``, which reads every row."""
        before = self._watermark(user)
        rows = self._sql_read(
            "SELECT (SELECT count(*) FROM articles WHERE sort_time >= ?) "
            "- (SELECT count(*) FROM reader_marks m JOIN articles a ON a.id = m.article_id "
            "WHERE m.user_name = ? AND m.read = 1 AND a.sort_time >= ?) "
            "+ (SELECT count(*) FROM reader_marks m JOIN articles a ON a.id = m.article_id "
            "WHERE m.user_name = ? AND m.read = 0 AND a.sort_time < ?) AS n",
            (before, user, before, user, before),
        )
        return int(rows[0]["n"])

    def unread_counts(self, user: str) -> UnreadCounts:
        """How many articles the reader has not read, in all and by feed."""
        rows = self._sql_read(
            f"SELECT a.feed AS feed, count(*) AS n FROM {_JOINED} WHERE {_UNREAD} GROUP BY a.feed",
            (user, self._watermark(user)),
        )
        by_feed = sorted((r["feed"], int(r["n"])) for r in rows if r["feed"] is not None)
        return UnreadCounts(sum(int(r["n"]) for r in rows), tuple(by_feed))

    def _feed_filter(self, feeds: list[str] | None) -> tuple[str, tuple[Any, ...]]:
        if feeds is None:
            return "", ()
        if not feeds:
            return " AND 1 = 0", ()
        marks = ", ".join("?" for _ in feeds)
        return f" AND a.feed IN ({marks})", tuple(feeds)

    # --- writing ----------------------------------------------------------------------------

    def set_read(self, user: str, ids: list[int], read: bool) -> int:
        """Mark the articles ``ids`` (those that exist) read or unread; how many exist."""
        with self._write() as db:
            return self._set_read(db, user, ids, read)

    def set_read_batch(self, marks: list[tuple[str, list[int]]]) -> int:
        """Mark read, in one transaction, each reader's articles of ``marks`` (reader, ids):
        many readers' opened articles gathered into one write. How many rows were written."""
        with self._write() as db:
            return sum(self._set_read(db, user, ids, True) for user, ids in marks)

    def _set_read(self, db: Any, user: str, ids: list[int], read: bool) -> int:
        wanted = sorted(set(ids))[:MAX_MARK_IDS]
        if not wanted:
            return 0
        marks = ", ".join("?" for _ in wanted)
        cursor = db.execute(
            self._sql(
                "INSERT INTO reader_marks (user_name, article_id, read, starred) "
                f"SELECT ?, id, ?, 0 FROM articles WHERE id IN ({marks}) "
                "ON CONFLICT (user_name, article_id) DO UPDATE SET read = excluded.read"
            ),
            (user, int(read), *wanted),
        )
        return int(cursor.rowcount)

    def set_starred(self, user: str, article_id: int, starred: bool, at: str) -> bool:
        """Star or unstar an article; False when there is no such article."""
        with self._write() as db:
            cursor = db.execute(
                self._sql(
                    "INSERT INTO reader_marks (user_name, article_id, read, starred, starred_at) "
                    "SELECT ?, id, NULL, ?, ? FROM articles WHERE id = ? "
                    "ON CONFLICT (user_name, article_id) DO UPDATE SET "
                    "starred = excluded.starred, starred_at = excluded.starred_at"
                ),
                (user, int(starred), at if starred else None, article_id),
            )
            self._drop_empty(db, user)
            return bool(cursor.rowcount)

    def mark_read_before(self, user: str, before: str) -> None:
        """Everything sorted before ``before`` is read for the reader (the watermark only
        moves forward); their marks below it go, so an article marked unread there is read."""
        with self._write() as db:
            db.execute(
                self._sql(
                    "INSERT INTO reader_settings (user_name, read_before) VALUES (?, ?) "
                    "ON CONFLICT (user_name) DO UPDATE SET read_before = CASE "
                    "WHEN reader_settings.read_before IS NULL "
                    "OR reader_settings.read_before < excluded.read_before "
                    "THEN excluded.read_before ELSE reader_settings.read_before END"
                ),
                (user, before),
            )
            db.execute(
                self._sql(
                    "UPDATE reader_marks SET read = NULL WHERE user_name = ? "
                    "AND read IS NOT NULL AND (SELECT a.sort_time FROM articles a "
                    "WHERE a.id = reader_marks.article_id) < ?"
                ),
                (user, before),
            )
            self._drop_empty(db, user)

    def mark_feeds_read(self, user: str, feeds: list[str], before: str | None = None) -> int:
        """Mark every unread article from ``feeds`` (URLs) read, only those sorted before
        ``before`` when given; how many were unread."""
        if not feeds:
            return 0
        marks = ", ".join("?" for _ in feeds)
        older = "" if before is None else " AND a.sort_time < ?"
        with self._write() as db:
            cursor = db.execute(
                self._sql(
                    "INSERT INTO reader_marks (user_name, article_id, read, starred) "
                    f"SELECT ?, a.id, 1, 0 FROM {_JOINED} WHERE {_UNREAD} "
                    f"AND a.feed IN ({marks}){older} "
                    "ON CONFLICT (user_name, article_id) DO UPDATE SET read = 1"
                ),
                (user, user, self._watermark(user), *feeds, *(() if before is None else (before,))),
            )
            return int(cursor.rowcount)

    def set_read_many(self, user: str, ids: Sequence[int], read: bool) -> int:
        """Mark the articles of ``ids`` that exist read or unread, in one transaction
        however many there are (at most ``MAX_SYNC_IDS``); how many exist."""
        wanted = sorted({int(i) for i in ids})[:MAX_SYNC_IDS]
        with self._write() as db:
            return sum(
                self._set_read(db, user, wanted[start : start + MAX_MARK_IDS], read)
                for start in range(0, len(wanted), MAX_MARK_IDS)
            )

    def set_mark_on_open(self, user: str, on: bool) -> None:
        with self._write() as db:
            db.execute(
                self._sql(
                    "INSERT INTO reader_settings (user_name, mark_on_open) VALUES (?, ?) "
                    "ON CONFLICT (user_name) DO UPDATE SET mark_on_open = excluded.mark_on_open"
                ),
                (user, int(on)),
            )

    def set_api_summaries(self, user: str, on: bool) -> None:
        """Whether the apps' API heads each item's content with its summary."""
        with self._write() as db:
            db.execute(
                self._sql(
                    "INSERT INTO reader_settings (user_name, api_summaries) VALUES (?, ?) "
                    "ON CONFLICT (user_name) DO UPDATE SET api_summaries = excluded.api_summaries"
                ),
                (user, int(on)),
            )

    def forget_reader(self, user: str) -> None:
        """Drop everything the archive keeps of the reader's reading (a user removed)."""
        with self._write() as db:
            for table in ("reader_marks", "reader_settings", "reader_labels"):
                db.execute(self._sql(f"DELETE FROM {table} WHERE user_name = ?"), (user,))

    def _drop_empty(self, db: Any, user: str) -> None:
        db.execute(
            self._sql(
                "DELETE FROM reader_marks WHERE user_name = ? AND read IS NULL AND starred = 0"
            ),
            (user,),
        )
