"""The archive in one SQLite file: WAL, one writer, idempotent upserts, FTS5 search.

Every write runs in ``BEGIN IMMEDIATE``: the writer takes the lock before it reads what it
will decide on, so two processes ingesting the same feed cannot both store an article as
new, and a busy database waits (``busy_timeout``) instead of failing. Each article is its
own transaction: a killed ingest keeps everything committed before the kill, and running it
again finds those articles unchanged. ``synchronous=NORMAL`` in WAL mode survives a killed
process (not a power cut, which may drop the last commits but never corrupts the file).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from nutgraf.controls import strip_controls
from nutgraf.errors import NutgrafError
from nutgraf.nlp.scripts import spaced_for_index
from nutgraf.nlp.stems import article_stems, stems_text
from nutgraf.records import ArchiveItem, Duplicate, Fetch, Headline, StoredArticle, Summary
from nutgraf.store.base import (
    COMMON_FLOOR,
    COMMON_SHARE,
    RANKED_WINDOW,
    RELATED_QUERY_WORDS,
    RELATED_WINDOW,
    FeedState,
    NearQuery,
    PollOutcome,
    SaveResult,
    StoredSummary,
    clean_outcome,
)
from nutgraf.store.categories import CategoryQueries
from nutgraf.store.fever import FeverQueries
from nutgraf.store.fts import any_exact, every_word
from nutgraf.store.manage import DELETED_THROUGH, ManageQueries
from nutgraf.store.marks import MarkQueries
from nutgraf.store.migrations import FOREIGN_KEYS_OFF, SQLITE_MIGRATIONS
from nutgraf.store.query import SEARCH_COUNT_CAP, search_words
from nutgraf.store.reading import ReadingQueries
from nutgraf.store.rows import (
    ARTICLE_COLUMNS,
    HEADLINE_COLUMNS,
    ITEM_COLUMNS,
    KNOWN_COLUMNS,
    NEAR_CANDIDATES,
    SEARCH_WORD,
    SORT_TIME,
    SUMMARY_COLUMNS,
    best_near,
    bounded,
    claim_order,
    feed_host,
    feed_state,
    headline,
    item_values,
    kept_values,
    lease_end,
    read_also_json,
    same_fetch,
    same_text,
    second,
    stored,
    stored_summary,
    summary_json,
)
from nutgraf.store.rules import RuleQueries
from nutgraf.store.sessions import SessionQueries
from nutgraf.store.sqlite_open import (
    BUSY_TIMEOUT_MS,
    check_archive,
    connect,
    read_only_message,
)
from nutgraf.store.stories import StoryQueries
from nutgraf.store.sync import SyncQueries
from nutgraf.store.users import UserQueries


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction on ``db``, its lock taken up front; committed when the block
    is done, rolled back on any error."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


class SQLiteStore(
    ReadingQueries,
    RuleQueries,
    StoryQueries,
    SessionQueries,
    UserQueries,
    ManageQueries,
    CategoryQueries,
    MarkQueries,
    FeverQueries,
    SyncQueries,
):
    """The default archive. ``path`` may be ``":memory:"`` for tests.

    ``read_only``: this user may not write the file or its folder; reading works, and every
    write raises ``NutgrafError`` saying so (``sqlite_open`` tells how it was opened).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            parent = Path(self.path).expanduser().resolve().parent
            if not parent.is_dir():
                raise NutgrafError(f"cannot create the database {self.path}: {parent} is missing")
        self._db, self.read_only = connect(self.path)
        self._lock = threading.RLock()
        # A second connection for writes made behind the pages (``set_read_batch``), opened
        # on first use: in WAL mode the store's own connection keeps reading meanwhile.
        self._side: sqlite3.Connection | None = None
        self._side_lock = threading.Lock()
        try:
            check_archive(self._db, self.path)
            self._db.create_function("nutgraf_host", 1, feed_host, deterministic=True)
            self._db.create_function("nutgraf_stems", 3, _stems_column, deterministic=True)
            self._migrate()
        except BaseException:
            self._db.close()
            raise

    # --- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        with self._side_lock:
            if self._side is not None:
                self._side.close()
                self._side = None
        with self._lock:
            self._db.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        version = self.schema_version
        if version > len(SQLITE_MIGRATIONS):
            raise NutgrafError(
                f"{self.path} has schema version {version}, newer than this nutgraf knows "
                f"({len(SQLITE_MIGRATIONS)}); upgrade nutgraf"
            )
        if self.read_only and version < len(SQLITE_MIGRATIONS):
            raise NutgrafError(
                f"{self.path} is empty (no archive yet) and read-only; give the path of an archive"
                if version == 0
                else f"{self.path} is an archive of an older nutgraf (schema {version} of "
                f"{len(SQLITE_MIGRATIONS)}) and read-only, so it cannot be upgraded; run any "
                "nutgraf command on it once as a user who may write the file and its folder"
            )
        for number, script in enumerate(SQLITE_MIGRATIONS[version:], start=version + 1):
            # A rebuilt table keeps every row and id, so no reference is broken by it; with
            # foreign keys on, dropping the old table would delete (or refuse to drop) them.
            # The setting cannot change inside a transaction.
            keys_off = number in FOREIGN_KEYS_OFF
            if keys_off:
                self._db.execute("PRAGMA foreign_keys = OFF")
            try:
                with self._write() as db:
                    if self.schema_version >= number:
                        continue  # another process applied it meanwhile
                    for statement in _statements(script):
                        db.execute(statement)
                    db.execute(f"PRAGMA user_version = {number}")
            finally:
                if keys_off:
                    self._db.execute("PRAGMA foreign_keys = ON")

    def require_writable(self) -> None:
        if self.read_only:
            raise NutgrafError(read_only_message(self.path))

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, the lock taken up front; rolled back on any error."""
        self.require_writable()
        with self._lock, self._errors(), _transaction(self._db) as db:
            yield db

    def set_read_batch(self, marks: list[tuple[str, list[int]]]) -> int:
        """As ``MarkQueries.set_read_batch``, on the side connection: the pages this process
        serves meanwhile read on the store's connection without waiting for the write (an
        in-memory archive, one connection's own, writes on that one)."""
        if self.path == ":memory:":
            return super().set_read_batch(marks)
        self.require_writable()
        with self._side_lock, self._errors():
            if self._side is None:
                self._side, _ = connect(self.path)
            with _transaction(self._side) as db:
                return sum(self._set_read(db, user, ids, True) for user, ids in marks)

    def _read(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock, self._errors():
            return self._db.execute(sql, parameters).fetchall()

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """SQLite's operational failures (locked, full, read-only, corrupt) as one-line errors."""
        try:
            yield
        except sqlite3.OperationalError as error:
            reason = str(error)
            if getattr(error, "sqlite_errorname", "").startswith("SQLITE_READONLY"):
                raise NutgrafError(read_only_message(self.path)) from None
            if "locked" in reason or "busy" in reason:
                reason = (
                    f"another process has held it for over {BUSY_TIMEOUT_MS // 1000} s; "
                    "try again when it is done"
                )
            raise NutgrafError(f"the database {self.path} cannot be used: {reason}") from None
        except sqlite3.DatabaseError as error:
            raise NutgrafError(f"the database {self.path} is damaged ({error})") from None

    # --- articles -------------------------------------------------------------------------

    def unchanged(self, fetch: Fetch) -> int | None:
        with self._lock, self._errors():
            known = _known(self._db, fetch)
        if known is None or not same_fetch(known, fetch.content_hash, fetch.title):
            return None
        return int(known["id"])

    def save(self, item: ArchiveItem, near: NearQuery | None = None) -> SaveResult:
        self._note_language(item)
        with self._write() as db:
            known = _known(db, item.fetch)
            if known is not None:
                if same_fetch(known, item.content_hash, item.article.title):
                    return SaveResult(int(known["id"]), "unchanged")
                values = kept_values(item_values(item), known)
                key = known["search_key"]
                if second(values[SORT_TIME], item.fetched) != key >> _KEY_BITS:
                    key = _search_key(db, values[SORT_TIME], item.fetched)
                db.execute(
                    f"UPDATE articles SET {', '.join(f'{c} = ?' for c in ITEM_COLUMNS)}, "
                    "search_key = ?, search_title = ?, search_text = ?, search_stems = ? "
                    "WHERE id = ?",
                    (*values, key, *_search_columns(item), known["id"]),
                )
                return SaveResult(int(known["id"]), "updated")
            identifying = near is None or near.identifying
            duplicate = (_same_text(db, item) if identifying else None) or _near_copy(db, near)
            article_id = _insert(db, item, duplicate)
            if near is not None:
                db.executemany(
                    "INSERT INTO near_keys(key, article_id) VALUES (?, ?)",
                    [(key, article_id) for key in set(near.keys)],
                )
            if duplicate is not None:
                return SaveResult(article_id, "duplicate", duplicate)
            return SaveResult(article_id, "new")

    def get(self, article_id: int) -> StoredArticle | None:
        rows = self._read(f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE id = ?", (article_id,))
        return stored(rows[0]) if rows else None

    def latest(
        self, *, limit: int = 20, offset: int = 0, site: str | None = None
    ) -> list[StoredArticle]:
        limit, offset = bounded(limit, offset)
        where, parameters = ("WHERE site = ?", (site,)) if site else ("", ())
        rows = self._read(
            f"SELECT {ARTICLE_COLUMNS} FROM articles {where} "
            "ORDER BY sort_time DESC, id DESC LIMIT ? OFFSET ?",
            (*parameters, limit, offset),
        )
        return [stored(row) for row in rows]

    def search(
        self, query: str, *, limit: int = 20, offset: int = 0, ranked: bool = False
    ) -> list[StoredArticle]:
        """Articles matching every word of ``query``: newest first, or best first (BM25) when
        ``ranked``.

        Ranked search ranks only the newest ``RANKED_WINDOW`` matches: scoring every match
        of a common word took 43 ms in 100,000 articles, and a news desk wants this year's
        best match before one from years ago. Scores are those of the whole archive (BM25's
        word statistics cover every article); older matches are simply not candidates, so a
        ranked query never returns more than ``RANKED_WINDOW`` articles over all its pages.
        """
        match = every_word(search_words(query), self._stem_tags())
        limit, offset = bounded(limit, offset)
        # Rank or sort the matching ids alone, then read just the page of rows: sorting
        # whole rows (text, HTML, summary) of every match was most of the cost.
        # The index's rowid is the time-ordered search key: newest first is its own order and
        # stops after one page, however common the word; then only that page's rows are read.
        floor = self._window_floor(match, RANKED_WINDOW) if ranked else None
        window, bound = ("AND rowid >= ?", (floor,)) if floor is not None else ("", ())
        order = "bm25(articles_fts), rowid DESC" if ranked else "rowid DESC"
        page = (
            f"SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? {window} "
            f"ORDER BY {order} LIMIT ? OFFSET ?"
        )
        keys = [int(row[0]) for row in self._read(page, (match, *bound, limit, offset))]
        if not keys:
            return []
        rows = self._read(
            f"SELECT {ARTICLE_COLUMNS}, search_key FROM articles "
            f"WHERE search_key IN ({', '.join('?' * len(keys))})",
            tuple(keys),
        )
        by_key = {int(row["search_key"]): row for row in rows}
        return [stored(by_key[k]) for k in keys if k in by_key]

    def search_count(self, query: str, *, cap: int = SEARCH_COUNT_CAP) -> int:
        rows = self._read(
            "SELECT count(*) FROM (SELECT 1 FROM articles_fts WHERE articles_fts MATCH ? LIMIT ?)",
            (every_word(search_words(query), self._stem_tags()), max(0, cap) + 1),
        )
        return int(rows[0][0])

    def _window_floor(self, match: str, window: int) -> int | None:
        """The search key of the ``window``-th newest match, or None when there are fewer
        matches: walking the index newest first reads no more than the window."""
        rows = self._read(
            "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? "
            "ORDER BY rowid DESC LIMIT 1 OFFSET ?",
            (match, max(1, window) - 1),
        )
        return int(rows[0][0]) if rows else None

    def articles(self) -> Iterator[StoredArticle]:
        last = 0
        while True:
            rows = self._read(
                f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE id > ? ORDER BY id LIMIT 500",
                (last,),
            )
            if not rows:
                return
            for row in rows:
                yield stored(row)
            last = int(rows[-1]["id"])

    def count(self) -> int:
        return int(self._read("SELECT count(*) FROM articles")[0][0])

    # --- backfill: summaries written again, and how far a long job got ----------------------

    def stored_summaries(self, ids: Sequence[int]) -> list[StoredSummary]:
        if not ids:
            return []
        rows = self._read(
            f"SELECT {SUMMARY_COLUMNS} FROM articles WHERE id IN (SELECT value FROM json_each(?)) "
            "ORDER BY id",
            (json.dumps([int(i) for i in ids]),),
        )
        return [stored_summary(row) for row in rows]

    def replace_summaries(self, rows: Sequence[tuple[int, Summary, str]]) -> int:
        if not rows:
            return 0
        with self._write() as db:
            cursor = db.executemany(
                "UPDATE articles SET summary = ?1, summarizer = ?2 WHERE id = ?3 "
                "AND (summary IS NOT ?1 OR summarizer IS NOT ?2)",
                [(summary_json(summary), name, article) for article, summary, name in rows],
            )
            return int(cursor.rowcount)

    def save_checkpoint(self, name: str, position: int, at: str) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO checkpoints(name, position, updated) VALUES (?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET position = excluded.position, "
                "updated = excluded.updated",
                (name, position, at),
            )

    # --- reading: what the site shows around an article -------------------------------------

    def related(
        self, article_id: int, terms: Sequence[str], *, limit: int = 5
    ) -> list[tuple[Headline, float]]:
        rows = self._read(
            "SELECT coalesce(duplicate_of, id) AS first FROM articles WHERE id = ?", (article_id,)
        )
        if not rows:
            return []
        own = int(rows[0]["first"])
        words = self._distinctive([w for t in terms for w in SEARCH_WORD.findall(t.lower())])
        if not words:
            return []
        match = any_exact(words)
        # Best matches by BM25 (headline words count double), among the newest matches only, so
        # that no query ranks the whole archive.
        floor = self._window_floor(match, RELATED_WINDOW) or 0
        ranked = self._read(
            "SELECT rowid, -bm25(articles_fts, 2.0, 1.0, 0.0) AS score FROM articles_fts "
            "WHERE articles_fts MATCH ? AND rowid >= ? ORDER BY bm25(articles_fts, 2.0, 1.0, 0.0) "
            "LIMIT ?",
            (match, floor, 4 * limit + 8),
        )
        scores = {int(row["rowid"]): float(row["score"]) for row in ranked}
        if not scores:
            return []
        rows = self._read(
            f"SELECT {HEADLINE_COLUMNS}, search_key FROM articles "
            f"WHERE search_key IN ({', '.join('?' * len(scores))})",
            tuple(scores),
        )
        by_key = {int(row["search_key"]): row for row in rows}
        seen = {own}
        found: list[tuple[Headline, float]] = []
        for key, score in scores.items():
            row = by_key.get(key)
            if row is None:
                continue
            first = int(row["duplicate_of"] if row["duplicate_of"] is not None else row["id"])
            if first in seen:
                continue  # the article itself, a copy of it, or a copy of one already listed
            seen.add(first)
            found.append((headline(row), score))
            if len(found) == limit:
                break
        return found

    def _distinctive(self, words: Sequence[str]) -> list[str]:
        """The first ``RELATED_QUERY_WORDS`` of ``words`` that some other article holds and at
        most ``COMMON_SHARE`` of the archive does: a word most articles hold says little
        about a topic, and would make the query read most of the index."""
        top = self._read("SELECT max(id) FROM articles")[0][0] or 0
        cap = max(COMMON_FLOOR, int(COMMON_SHARE * top))
        kept: list[str] = []
        for word in dict.fromkeys(words):
            holders = self._read(
                "SELECT count(*) FROM (SELECT 1 FROM articles_fts WHERE articles_fts MATCH ? "
                "LIMIT ?)",
                (any_exact([word]), cap),
            )[0][0]
            if 1 < holders < cap:
                kept.append(word)
                if len(kept) == RELATED_QUERY_WORDS:
                    break
        return kept

    def read_also(self, article_id: int) -> list[tuple[Headline, float]] | None:
        # One statement (every article page asks): no row, not kept; a row of NULLs, kept
        # empty (or every related article deleted since).
        rows = self._read(_READ_ALSO, (article_id,))
        if not rows:
            return None
        return [(headline(row), float(row["score"])) for row in rows if row["id"] is not None]

    def keep_read_also(
        self, article_id: int, related: Sequence[tuple[int, float]], computed: str
    ) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO read_also(article_id, computed, related) VALUES (?, ?, ?) "
                "ON CONFLICT(article_id) DO UPDATE SET computed = excluded.computed, "
                "related = excluded.related",
                (article_id, computed, read_also_json(related)),
            )

    # --- feeds ----------------------------------------------------------------------------

    def add_feed(
        self,
        url: str,
        *,
        title: str | None = None,
        site: str | None = None,
        category: str | None = None,
        now: str,
    ) -> tuple[FeedState, bool]:
        title, site, category = (strip_controls(v) for v in (title, site, category))
        with self._write() as db:
            cursor = db.execute(
                "INSERT INTO feeds(url, title, site, category, added, next_check) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO NOTHING",
                (url, title, site, category, now, now),
            )
            created = cursor.rowcount == 1
        state = self.feed(url)
        assert state is not None
        return state, created

    def feeds(self) -> list[FeedState]:
        return [feed_state(row) for row in self._read("SELECT * FROM feeds ORDER BY id")]

    def feed(self, url: str) -> FeedState | None:
        rows = self._read("SELECT * FROM feeds WHERE url = ?", (url,))
        return feed_state(rows[0]) if rows else None

    def due_feeds(self, now: str, limit: int = 100) -> list[FeedState]:
        rows = self._read(
            "SELECT * FROM feeds WHERE disabled_reason IS NULL "
            "AND (next_check IS NULL OR next_check <= ?) ORDER BY next_check, id LIMIT ?",
            (now, limit),
        )
        return [feed_state(row) for row in rows]

    def claim_due_feeds(
        self, now: str, owner: str, lease_seconds: int, limit: int, *, per_host: int | None = None
    ) -> list[FeedState]:
        # One writer at a time (BEGIN IMMEDIATE): no other claim runs between the choice and
        # the lease.
        with self._write() as db:
            rows = db.execute(
                "UPDATE feeds SET lease_owner = ?, lease_until = ? WHERE id IN ("
                "  SELECT id FROM (SELECT id, next_check, row_number() OVER ("
                "    PARTITION BY nutgraf_host(url) ORDER BY next_check, id) AS n FROM feeds "
                "    WHERE disabled_reason IS NULL AND (next_check IS NULL OR next_check <= ?) "
                "    AND (lease_until IS NULL OR lease_until <= ?)) "
                "  WHERE n <= ? ORDER BY next_check, id LIMIT ?) RETURNING *",
                (
                    owner,
                    lease_end(now, lease_seconds),
                    now,
                    now,
                    per_host if per_host is not None else max(1, limit),
                    max(0, limit),
                ),
            ).fetchall()
        return claim_order(feed_state(row) for row in rows)

    def record_poll(self, feed_id: int, outcome: PollOutcome) -> FeedState:
        outcome = clean_outcome(outcome)
        with self._write() as db:
            if outcome.error is None:
                db.execute(
                    "UPDATE feeds SET last_checked = ?, last_success = ?, next_check = ?, "
                    "failures = 0, first_failure = NULL, last_error = NULL, "
                    "etag = coalesce(?, etag), last_modified = coalesce(?, last_modified), "
                    "title = coalesce(title, ?), site = coalesce(site, ?), "
                    "lease_owner = NULL, lease_until = NULL WHERE id = ?",
                    (
                        outcome.checked,
                        outcome.checked,
                        outcome.next_check,
                        outcome.etag,
                        outcome.last_modified,
                        outcome.title,
                        outcome.site,
                        feed_id,
                    ),
                )
            else:
                db.execute(
                    "UPDATE feeds SET last_checked = ?, next_check = ?, failures = failures + 1, "
                    "first_failure = coalesce(first_failure, ?), last_error = ?, "
                    "disabled_reason = ?, lease_owner = NULL, lease_until = NULL WHERE id = ?",
                    (
                        outcome.checked,
                        outcome.next_check,
                        outcome.checked,
                        outcome.error,
                        outcome.disabled_reason,
                        feed_id,
                    ),
                )
            row = db.execute("SELECT * FROM feeds WHERE id = ?", (feed_id,)).fetchone()
        if row is None:
            raise NutgrafError(f"no feed with id {feed_id}")
        return feed_state(row)

    def record_failure(self, source: str, reason: str, at: str) -> None:
        source, reason = strip_controls(source), strip_controls(reason)
        with self._write() as db:
            db.execute(
                "INSERT INTO failures(source, reason, at) VALUES (?, ?, ?)", (source, reason, at)
            )

    def failures(self, limit: int = 100) -> list[tuple[str, str, str]]:
        rows = self._read(
            "SELECT source, reason, at FROM failures ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [(row["source"], row["reason"], row["at"]) for row in rows]


# --- writing ---------------------------------------------------------------------------------


def _insert(db: sqlite3.Connection, item: ArchiveItem, duplicate: Duplicate | None) -> int:
    columns = (
        "id",
        *ITEM_COLUMNS,
        "search_key",
        "search_title",
        "search_text",
        "search_stems",
        "duplicate_of",
        "duplicate_kind",
        "overlap",
        "duplicate_reason",
    )
    values = item_values(item)
    values = (
        _next_id(db),
        *values,
        _search_key(db, values[SORT_TIME], item.fetched),
        *_search_columns(item),
        duplicate.of if duplicate else None,
        duplicate.kind if duplicate else None,
        duplicate.overlap if duplicate else None,
        duplicate.reason if duplicate else None,
    )
    cursor = db.execute(
        f"INSERT INTO articles({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        values,
    )
    return int(cursor.lastrowid or 0)


def _search_columns(item: ArchiveItem) -> tuple[str | None, str | None, str | None]:
    """``search_title`` and ``search_text``: the title and text as the index should read them
    (runs of unspaced scripts spaced into bigrams), or None where that is the column itself;
    ``search_stems``: the tagged stems of their words in the article's language (None when
    it has no stemmer)."""
    title = item.article.title
    spaced_title = spaced_for_index(title) if title else title
    spaced_text = spaced_for_index(item.article.text)
    language = item.article.language or item.summary.language
    return (
        spaced_title if spaced_title != title else None,
        spaced_text if spaced_text != item.article.text else None,
        _stems_column(language, title, item.article.text),
    )


def _stems_column(language: str | None, title: str | None, text: str | None) -> str | None:
    """``search_stems`` (also the migration's ``nutgraf_stems``)."""
    return stems_text(article_stems(language, title, text or ""))


def _next_id(db: sqlite3.Connection) -> int:
    """The new article's id: past every id in the archive and every id ever deleted (see
    ``store.manage.DELETED_THROUGH``), so no id names two articles."""
    row = db.execute(
        "SELECT max(coalesce((SELECT max(id) FROM articles), 0), "
        "coalesce((SELECT position FROM checkpoints WHERE name = ?), 0)) + 1",
        (DELETED_THROUGH,),
    ).fetchone()
    return int(row[0])


# The full-text index is keyed by time: second of the sort time << 20, plus the article's rank
# within that second (up to 2**20 articles a second), so newest first is the index's own order.
_KEY_BITS = 20


def _search_key(db: sqlite3.Connection, sort_time: str, fetched: str) -> int:
    """The next free key in the article's second (inside the write transaction)."""
    base = second(sort_time, fetched) << _KEY_BITS
    row = db.execute(
        "SELECT max(search_key) FROM articles WHERE search_key >= ? AND search_key < ?",
        (base, base + (1 << _KEY_BITS)),
    ).fetchone()
    return base if row[0] is None else int(row[0]) + 1


def _known(db: sqlite3.Connection, item: Fetch) -> sqlite3.Row | None:
    """The stored article this is another fetch of: same canonical URL, or same GUID in the
    same feed (or, without either, the same text)."""
    if item.canonical_url:
        row: sqlite3.Row | None = db.execute(
            f"SELECT {KNOWN_COLUMNS}, search_key FROM articles WHERE canonical_url = ?",
            (item.canonical_url,),
        ).fetchone()
        if row is not None:
            return row
    if item.feed and item.guid:
        row = db.execute(
            f"SELECT {KNOWN_COLUMNS}, search_key FROM articles WHERE feed = ? AND guid = ?",
            (item.feed, item.guid),
        ).fetchone()
        if row is not None:
            return row
    if not item.canonical_url and not (item.feed and item.guid):
        # A file or pasted text has no address: the same text is the same article.
        row = db.execute(
            f"SELECT {KNOWN_COLUMNS}, search_key FROM articles WHERE content_hash = ? "
            "AND canonical_url IS NULL AND guid IS NULL ORDER BY id LIMIT 1",
            (item.content_hash,),
        ).fetchone()
        if row is not None:
            return row
    return None


def _same_text(db: sqlite3.Connection, item: ArchiveItem) -> Duplicate | None:
    row = db.execute(
        "SELECT id FROM articles WHERE content_hash = ? AND duplicate_of IS NULL "
        "ORDER BY id LIMIT 1",
        (item.content_hash,),
    ).fetchone()
    if row is None:
        return None
    return same_text(int(row["id"]))


def _near_copy(db: sqlite3.Connection, near: NearQuery | None) -> Duplicate | None:
    if near is None or not near.keys:
        return None
    keys = sorted(set(near.keys))
    marks = ", ".join("?" * len(keys))
    rows = db.execute(
        f"SELECT a.id, a.text FROM articles a WHERE a.duplicate_of IS NULL AND a.id IN "
        f"(SELECT article_id FROM near_keys WHERE key IN ({marks}) "
        f"GROUP BY article_id ORDER BY count(*) DESC, article_id LIMIT {NEAR_CANDIDATES})",
        keys,
    ).fetchall()
    return best_near(rows, near)


# The related articles kept for an article, best first, with their scores: ``related`` holds
# [[id, score], ...] (``rows.read_also_json``).
_READ_ALSO = (
    "SELECT "
    + ", ".join(f"a.{c.strip()}" for c in HEADLINE_COLUMNS.split(","))
    + ", json_extract(j.value, '$[1]') AS score FROM read_also r "
    "LEFT JOIN json_each(r.related) j "
    "LEFT JOIN articles a ON a.id = json_extract(j.value, '$[0]') "
    "WHERE r.article_id = ? ORDER BY j.key"
)


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (trigger bodies keep their semicolons)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements
