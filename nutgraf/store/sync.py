"""What sync clients (the Google Reader API, issue 18) ask of a reader's archive: a page of a
stream's articles, unread counts by feed, the labels a reader puts on articles, and marking
many articles at once. Written once in SQL both backends take, as ``marks.py`` is.

A page is a keyset walk of the time index, ``(sort_time, id)`` after the previous page's last
pair, newest or oldest first, so the thousandth page costs what the first does and nothing
sorts the archive. Unread is ``marks.py``'s rule (the reader's marks, else the watermark);
every article the reader has not read is at or after the watermark or is marked unread, so an
unread walk starts no lower than the earliest of those.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from nutgraf.records import StoredArticle
from nutgraf.store.marks import _JOINED, _UNREAD, MAX_SYNC_IDS
from nutgraf.store.records import FeedUnread, StreamFilter
from nutgraf.store.rows import ARTICLE_COLUMNS, stored
from nutgraf.store.shared import SharedQueries

# The most rows one page of ids holds.
MAX_SYNC_PAGE = 10_000
# How many app sessions one user keeps: signing in again past it ends the oldest app
# session, never a browser's (clients such as newsboat sign in on every run).
MAX_APP_SESSIONS = 16

# A stream's read state, asked of each article the walk reaches: the reader's mark (one
# index probe), else the watermark; ``marks._UNREAD`` otherwise. A subquery, not a join, so
# PostgreSQL probes the marks' index per article whatever its statistics on them say (with
# stale ones it scanned every mark for every article), and spelled with "<>": it guesses an
# "=" on an expression keeps one row in 200 and then reads and sorts the whole archive
# rather than walk the time index to the page's end. The values are 0 or 1.
_MARK_READ = "(SELECT m.read FROM reader_marks m WHERE m.user_name = ? AND m.article_id = a.id)"
_SYNC_STATE = f"coalesce({_MARK_READ}, CASE WHEN a.sort_time < ? THEN 1 ELSE 0 END)"
_ARTICLE_COLUMNS = ", ".join(f"a.{c.strip()}" for c in ARTICLE_COLUMNS.split(","))
_STARRED = (
    "EXISTS (SELECT 1 FROM reader_marks s WHERE s.user_name = ? AND s.article_id = a.id "
    "AND s.starred = 1)"
)


class SyncQueries(SharedQueries):
    """Mixed into a backend (``SharedQueries``)."""

    # --- streams ----------------------------------------------------------------------------

    def stream_items(self, user: str, wanted: StreamFilter) -> list[tuple[int, str]]:
        """A page of the reader's articles ``wanted`` holds, as (id, sort time), newest first
        (oldest first when asked)."""
        limit = max(1, min(int(wanted.limit), MAX_SYNC_PAGE))
        where: list[str] = []
        params: list[Any] = []
        if wanted.starred is True:
            source = "reader_marks m CROSS JOIN articles a"
            where += ["m.user_name = ?", "m.starred = 1", "a.id = m.article_id"]
            params.append(user)
        elif wanted.label is not None and wanted.feeds is None:
            source = "reader_labels l CROSS JOIN articles a"
            where += ["l.user_name = ?", "l.label = ?", "a.id = l.article_id"]
            params += [user, wanted.label]
        else:
            source = "articles a"
            if wanted.feeds is not None:
                feeds = wanted.feeds[:MAX_SYNC_IDS]
                listed = f"a.feed IN ({', '.join('?' for _ in feeds)})" if feeds else "1 = 0"
                if wanted.label is not None:
                    listed = (
                        f"({listed} OR EXISTS (SELECT 1 FROM reader_labels l "
                        "WHERE l.user_name = ? AND l.article_id = a.id AND l.label = ?))"
                    )
                    params += [*feeds, user, wanted.label]
                else:
                    params += feeds
                where.append(listed)
        if wanted.starred is False:
            where.append(f"NOT {_STARRED}")
            params.append(user)
        if wanted.read is not None:
            watermark = self._watermark(user)
            where.append(f"{_SYNC_STATE} <> {0 if wanted.read else 1}")
            params += [user, watermark]
            if not wanted.read:
                floor = self._unread_floor(user, watermark)
                if floor:
                    where.append("a.sort_time >= ?")
                    params.append(floor)
        if wanted.newer is not None:
            where.append("a.sort_time > ?")
            params.append(wanted.newer)
        if wanted.older is not None:
            where.append("a.sort_time < ?")
            params.append(wanted.older)
        direction = "ASC" if wanted.oldest_first else "DESC"
        if wanted.after is not None:
            where.append(f"(a.sort_time, a.id) {'>' if wanted.oldest_first else '<'} (?, ?)")
            params += [wanted.after[0], int(wanted.after[1])]
        condition = f"WHERE {' AND '.join(where)} " if where else ""
        rows = self._sql_read(
            f"SELECT a.id, a.sort_time FROM {source} {condition}"
            f"ORDER BY a.sort_time {direction}, a.id {direction} LIMIT ?",
            (*params, limit),
        )
        return [(int(r["id"]), str(r["sort_time"])) for r in rows]

    def _unread_floor(self, user: str, watermark: str) -> str:
        """The earliest sort time an unread article of the reader can have ('' for any)."""
        if not watermark:
            return ""
        rows = self._sql_read(
            "SELECT min(a.sort_time) AS t FROM reader_marks m JOIN articles a "
            "ON a.id = m.article_id WHERE m.user_name = ? AND m.read = 0 AND a.sort_time < ?",
            (user, watermark),
        )
        earliest = rows[0]["t"] if rows else None
        return str(earliest) if earliest else watermark

    def sync_articles(self, ids: Sequence[int]) -> list[tuple[StoredArticle, str]]:
        """The articles of ``ids`` that exist (at most ``MAX_SYNC_IDS``), in the order given,
        each with its sort time."""
        wanted = list(dict.fromkeys(int(i) for i in ids))[:MAX_SYNC_IDS]
        if not wanted:
            return []
        rows = self._sql_read(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles a "
            f"WHERE a.id IN ({', '.join('?' for _ in wanted)})",
            tuple(wanted),
        )
        found = {int(r["id"]): (stored(r), str(r["sort_time"])) for r in rows}
        return [found[i] for i in wanted if i in found]

    def sync_marks(self, user: str, ids: Sequence[int]) -> dict[int, tuple[bool, bool]]:
        """(read, starred) of each article of ``ids`` that exists (at most ``MAX_SYNC_IDS``)."""
        wanted = sorted({int(i) for i in ids})[:MAX_SYNC_IDS]
        if not wanted:
            return {}
        rows = self._sql_read(
            "SELECT a.id, coalesce(m.read, CASE WHEN a.sort_time < ? THEN 1 ELSE 0 END) "
            f"AS read, m.starred FROM {_JOINED} "
            f"WHERE a.id IN ({', '.join('?' for _ in wanted)})",
            (self._watermark(user), user, *wanted),
        )
        return {int(r["id"]): (bool(r["read"]), bool(r["starred"])) for r in rows}

    # --- counting ---------------------------------------------------------------------------

    def unread_by_feed(self, user: str) -> list[FeedUnread]:
        """The reader's unread articles by the subscribed feed they came from (None: from
        no subscribed feed), counted as ``unread_total`` counts them: the articles at or after
        the watermark, less those read there, plus those marked unread below it."""
        before = self._watermark(user)
        subscribed = {str(r["url"]) for r in self._sql_read("SELECT url FROM feeds")}
        counts: dict[str | None, int] = {}
        newest: dict[str | None, str] = {}

        def add(feed: str | None, n: int, latest: str) -> None:
            key = feed if feed in subscribed else None
            counts[key] = counts.get(key, 0) + n
            if n > 0 and latest > newest.get(key, ""):
                newest[key] = latest

        if self._MARK == "?":
            rows = self._sql_read(
                "SELECT feed, count(*) AS n, max(sort_time) AS newest FROM articles "
                "WHERE sort_time >= ? GROUP BY feed",
                (before,),
            )
            for row in rows:
                add(row["feed"], int(row["n"]), str(row["newest"]))
        else:  # by the md5 of the feed, which PostgreSQL counts on an index alone
            keys = {hashlib.md5(url.encode()).hexdigest(): url for url in subscribed}
            rows = self._sql_read(
                "SELECT feed_key, count(*) AS n, max(sort_time) AS newest FROM articles "
                "WHERE sort_time >= ? GROUP BY feed_key",
                (before,),
            )
            for row in rows:
                add(keys.get(row["feed_key"] or ""), int(row["n"]), str(row["newest"]))
        for sign, read, compare in ((-1, 1, ">="), (1, 0, "<")):
            for row in self._sql_read(
                "SELECT a.feed AS feed, count(*) AS n, max(a.sort_time) AS newest "
                "FROM reader_marks m JOIN articles a ON a.id = m.article_id "
                f"WHERE m.user_name = ? AND m.read = ? AND a.sort_time {compare} ? "
                "GROUP BY a.feed",
                (user, read, before),
            ):
                add(row["feed"], sign * int(row["n"]), str(row["newest"]))
        return [
            FeedUnread(feed, n, newest.get(feed, ""))
            for feed, n in sorted(counts.items(), key=lambda kv: kv[0] or "")
            if n > 0
        ]

    # --- labels -----------------------------------------------------------------------------

    def item_labels(self, user: str, ids: Sequence[int]) -> dict[int, list[str]]:
        """The labels the reader put on each of ``ids`` (those with any), sorted."""
        wanted = sorted({int(i) for i in ids})[:MAX_SYNC_IDS]
        if not wanted:
            return {}
        rows = self._sql_read(
            "SELECT article_id, label FROM reader_labels WHERE user_name = ? "
            f"AND article_id IN ({', '.join('?' for _ in wanted)}) ORDER BY article_id, label",
            (user, *wanted),
        )
        labels: dict[int, list[str]] = {}
        for row in rows:
            labels.setdefault(int(row["article_id"]), []).append(str(row["label"]))
        return labels

    def reader_label_names(self, user: str) -> list[str]:
        """Every label the reader put on an article, by name."""
        rows = self._sql_read(
            "SELECT DISTINCT label FROM reader_labels WHERE user_name = ? ORDER BY label",
            (user,),
        )
        return [str(r["label"]) for r in rows]

    def set_label(self, user: str, ids: Sequence[int], label: str, on: bool) -> int:
        """Put ``label`` on the articles of ``ids`` that exist, or take it off; how many rows
        changed."""
        wanted = sorted({int(i) for i in ids})[:MAX_SYNC_IDS]
        if not wanted:
            return 0
        marks = ", ".join("?" for _ in wanted)
        with self._write() as db:
            if on:
                cursor = db.execute(
                    self._sql(
                        "INSERT INTO reader_labels (user_name, article_id, label) "
                        f"SELECT ?, id, ? FROM articles WHERE id IN ({marks}) "
                        "ON CONFLICT (user_name, article_id, label) DO NOTHING"
                    ),
                    (user, label, *wanted),
                )
            else:
                cursor = db.execute(
                    self._sql(
                        "DELETE FROM reader_labels WHERE user_name = ? AND label = ? "
                        f"AND article_id IN ({marks})"
                    ),
                    (user, label, *wanted),
                )
            return int(cursor.rowcount)

    def rename_label(self, user: str, old: str, new: str) -> int:
        """Call the reader's label ``old`` ``new`` (merged when they have both)."""
        with self._write() as db:
            db.execute(
                self._sql(
                    "INSERT INTO reader_labels (user_name, article_id, label) "
                    "SELECT user_name, article_id, ? FROM reader_labels "
                    "WHERE user_name = ? AND label = ? "
                    "ON CONFLICT (user_name, article_id, label) DO NOTHING"
                ),
                (new, user, old),
            )
            cursor = db.execute(
                self._sql("DELETE FROM reader_labels WHERE user_name = ? AND label = ?"),
                (user, old),
            )
            return int(cursor.rowcount)

    def drop_label(self, user: str, label: str) -> int:
        """Take the reader's label off every article; how many it was on."""
        with self._write() as db:
            cursor = db.execute(
                self._sql("DELETE FROM reader_labels WHERE user_name = ? AND label = ?"),
                (user, label),
            )
            return int(cursor.rowcount)

    # --- marking many -----------------------------------------------------------------------

    def set_starred_many(self, user: str, ids: Sequence[int], starred: bool, at: str) -> int:
        """Star or unstar the articles of ``ids`` that exist; how many exist."""
        wanted = sorted({int(i) for i in ids})[:MAX_SYNC_IDS]
        if not wanted:
            return 0
        marks = ", ".join("?" for _ in wanted)
        with self._write() as db:
            cursor = db.execute(
                self._sql(
                    "INSERT INTO reader_marks (user_name, article_id, read, starred, starred_at) "
                    f"SELECT ?, id, NULL, ?, ? FROM articles WHERE id IN ({marks}) "
                    "ON CONFLICT (user_name, article_id) DO UPDATE SET "
                    "starred = excluded.starred, starred_at = CASE WHEN excluded.starred = 1 "
                    "AND reader_marks.starred = 1 THEN reader_marks.starred_at "
                    "ELSE excluded.starred_at END"
                ),
                (user, int(starred), at if starred else None, *wanted),
            )
            db.execute(
                self._sql(
                    "DELETE FROM reader_marks WHERE user_name = ? AND read IS NULL AND starred = 0"
                ),
                (user,),
            )
            return int(cursor.rowcount)

    def mark_stream_read(
        self,
        user: str,
        *,
        feeds: Sequence[str] | None = None,
        label: str | None = None,
        starred: bool = False,
        before: str | None = None,
    ) -> int:
        """Mark read every unread article of the feeds (or carrying the reader's ``label``,
        or starred), sorted before ``before`` when given; how many were unread. The whole
        reading list moves the watermark instead (``mark_read_before``)."""
        where: list[str] = []
        params: list[Any] = []
        if feeds is not None:
            listed = list(feeds)[:MAX_SYNC_IDS]
            where.append(f"a.feed IN ({', '.join('?' for _ in listed)})" if listed else "1 = 0")
            params += listed
        if label is not None:
            where.append(
                "EXISTS (SELECT 1 FROM reader_labels l WHERE l.user_name = ? "
                "AND l.article_id = a.id AND l.label = ?)"
            )
            params += [user, label]
        if starred:
            where.append("m.starred = 1")
        if before is not None:
            where.append("a.sort_time < ?")
            params.append(before)
        extra = "".join(f" AND {w}" for w in where)
        with self._write() as db:
            cursor = db.execute(
                self._sql(
                    "INSERT INTO reader_marks (user_name, article_id, read, starred) "
                    f"SELECT ?, a.id, 1, 0 FROM {_JOINED} WHERE {_UNREAD}{extra} "
                    "ON CONFLICT (user_name, article_id) DO UPDATE SET read = 1"
                ),
                (user, user, self._watermark(user), *params),
            )
            return int(cursor.rowcount)

    def trim_app_sessions(self, user: str) -> None:
        """Make room for one more app session of ``user``: their oldest app sessions past
        ``MAX_APP_SESSIONS`` - 1 end (their browsers' sessions stay)."""
        with self._write() as db:
            db.execute(
                self._sql(
                    "DELETE FROM sessions WHERE key IN (SELECT key FROM sessions "
                    "WHERE user_name = ? AND substr(key, 1, 4) = 'api:' ORDER BY created DESC, key "
                    + ("LIMIT -1 OFFSET ?)" if self._MARK == "?" else "OFFSET ?)")
                ),
                (user, MAX_APP_SESSIONS - 1),
            )
