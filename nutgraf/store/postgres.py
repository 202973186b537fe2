"""The archive in PostgreSQL (``--db postgresql://...``): a connection pool, migrations,
full-text search with a tsvector and GIN, the same records and decisions as SQLite.

Saving: SQLite serializes every write (``BEGIN IMMEDIATE``); here writers run side by side,
and each save first takes transaction-level advisory locks on everything its decision reads:
its canonical URL, its feed and GUID, its content hash and each of its LSH keys. Two saves
that could change each other's answer (same address, same text, or a near copy, which must
share an LSH key to be found) share a lock, so one waits for the other's commit and then sees
its row; unrelated articles do not wait for each other. The locks are taken in one statement,
in ascending order, so two savers cannot deadlock; unique indexes on the canonical URL and on
feed + GUID back them up, and a save that hits one anyway (or a deadlock) is retried.

Search: the title (weight A) and text (weight B) go into a ``simple`` tsvector. ``simple``
only lowercases: no stemming and no stopwords, so it works the same for every language the
archive holds (an ``english`` configuration would stem Polish words as English and drop "a"
from Slovak), as SQLite's unicode61 tokenizer does. The words are split and folded in Python
first, the way unicode61 does (letters and digits, lowercase, Latin diacritics removed), so
"cafe" finds "café", "e-mail" is "e" and "mail", and the database's locale does not matter.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
import time
import unicodedata
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import psycopg
from psycopg import errors
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from nutgraf.controls import strip_controls
from nutgraf.errors import NutgrafError
from nutgraf.nlp.scripts import UNSPACED_RUN, has_unspaced, index_tokens, query_tokens
from nutgraf.nlp.stems import article_stems, is_stem_token, query_stems
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
from nutgraf.store.manage import ManageQueries
from nutgraf.store.marks import MarkQueries
from nutgraf.store.migrations import POSTGRES_MIGRATIONS, PythonStep
from nutgraf.store.query import SEARCH_COUNT_CAP, search_words
from nutgraf.store.reading import ReadingQueries
from nutgraf.store.rows import (
    ARTICLE_COLUMNS,
    HEADLINE_COLUMNS,
    ITEM_COLUMNS,
    KNOWN_COLUMNS,
    NEAR_CANDIDATES,
    SORT_TIME,
    SUMMARY_COLUMNS,
    best_near,
    bounded,
    claim_order,
    feed_state,
    headline,
    item_values,
    kept_values,
    lease_end,
    read_also_json,
    read_also_pairs,
    same_fetch,
    same_text,
    second,
    stored,
    stored_summary,
    summary_json,
)
from nutgraf.store.rules import RuleQueries
from nutgraf.store.sessions import SessionQueries
from nutgraf.store.stories import StoryQueries
from nutgraf.store.sync import SyncQueries
from nutgraf.store.users import UserQueries

Connection = psycopg.Connection[DictRow]

CONNECT_TIMEOUT_S = 10
POOL_SIZE = 8
POOL_TIMEOUT_S = 30.0
# A save that meets a unique index or a deadlock despite the locks is tried this many times.
SAVE_ATTEMPTS = 3
# Held while a database is being migrated, so that two processes opening it do not both.
MIGRATION_LOCK = 0x6E75_7467_7261_6601  # "nutgraf" 01
# The first this many characters of a text are searchable: a tsvector holds at most 1 MB.
SEARCH_TEXT_CHARS = 200_000
# Search plans come from the planner's statistics of the words, read again this often (and
# this often while the archive has none yet).
STATISTICS_SECONDS = 300.0
STATISTICS_MISSING_SECONDS = 15.0
# nutgraf does not count on autovacuum (it may be off, and it waits for 10% of a table to
# change): every ANALYZE_CHECK saves a store looks at how much changed since the last ANALYZE,
# and analyzes itself once ANALYZE_ROWS + ANALYZE_SHARE of the table has. Without statistics
# every plan is blind: at 20,000 articles a save took 28 ms and its "Read also" 43 ms,
# against 10 and 13 ms after one ANALYZE.
ANALYZE_CHECK = 200
ANALYZE_ROWS = 1000
ANALYZE_SHARE = 0.1
# Held (without waiting) by the one process analyzing; the others go on with older statistics.
ANALYZE_LOCK = 0x6E75_7467_7261_6602  # "nutgraf" 02
# Without statistics (a new archive), newest-first search walks this many articles before
# it asks the GIN index.
BLIND_WALK = 2000
# What reading one article's vector while walking the time index costs, relative to taking
# one match from the GIN index (both 2 to 4 us, measured on 100,000 articles).
WALK_COST = 1.0
# ts_rank's weights for D, C, B (the text) and A (the headline): a headline word counts double.
_WEIGHTS = "{0.1, 0.2, 0.5, 1.0}"
_TITLE = ITEM_COLUMNS.index("title")
_TOKEN = re.compile(r"[^\W_]+")
_LATIN_MARKS = re.compile("(?<=[\x00-\u024f\u1e00-\u1eff])[\u0300-\u036f]+")
# A feed URL's host, lowercased, as ``rows.feed_host`` reads it: what per-host limits count.
_HOST = (
    "lower(substring(url from '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?(\\[[^]/]*\\]|[^/?#:]*)'))"
)
_VECTOR = (
    "setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'B') "
    "|| setweight(array_to_tsvector(%s::text[]), 'D')"
)
# Articles re-indexed a batch by migration 10 (their stems added).
STEM_BATCH = 1000


@dataclass(frozen=True, slots=True)
class Terms:
    """A tsquery as SQL (``query``) with its parameters."""

    query: str
    parameters: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Statistics:
    """What ANALYZE knows of the archive: its size, and the share of articles holding each of
    its most common words (``floor``, the least of those shares, bounds every other word's)."""

    read: float
    rows: float
    shares: dict[str, float]
    floor: float | None


class PostgresStore(
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
    """The archive in a PostgreSQL database, named by a ``postgresql://`` URL.

    Args:
        url: a libpq connection URL (``postgresql://user:password@host:port/database``).
        pool_size: at most this many connections at once (threads share them).

    Raises:
        NutgrafError: the server cannot be reached or refuses the login, or the database
            holds something else or a newer schema (one line, the password left out).
    """

    _MARK = "%s"

    def __init__(self, url: str, *, pool_size: int = POOL_SIZE) -> None:
        self.name = redact(url)
        try:
            params = conninfo_to_dict(url)
        except psycopg.Error as error:
            raise NutgrafError(f"{self.name} is not a PostgreSQL URL: {_one_line(error)}") from None
        params.setdefault("connect_timeout", CONNECT_TIMEOUT_S)
        params.setdefault("application_name", "nutgraf")
        conninfo = make_conninfo("", **params)
        self._secret = str(params.get("password") or "")
        try:
            with psycopg.connect(conninfo, autocommit=True, row_factory=dict_row) as db:
                self._migrate(db)
                self.read_only = _refuses_writes(db)
        except psycopg.Error as error:
            raise NutgrafError(
                f"cannot open the archive {self.name}: {self._reason(error)}"
            ) from None
        self._stats: Statistics | None = None
        self._saves = itertools.count(1)
        self._pool: ConnectionPool[Connection] = ConnectionPool(
            conninfo,
            connection_class=Connection,
            kwargs={"autocommit": True, "row_factory": dict_row},
            min_size=1,
            max_size=max(1, pool_size),
            timeout=POOL_TIMEOUT_S,
            name="nutgraf",
            open=False,
        )
        try:
            self._pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
        except PoolTimeout:
            self._pool.close()
            raise NutgrafError(
                f"cannot open the archive {self.name}: no connection within {CONNECT_TIMEOUT_S} s"
            ) from None

    # --- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return _version(self._read)

    def _migrate(self, db: Connection) -> None:
        """Apply the migrations this database lacks, each in its own transaction, holding an
        advisory lock so that a second process opening it waits, then finds it done."""

        def read(sql: str, parameters: tuple[Any, ...] = ()) -> list[DictRow]:
            return db.execute(sql, parameters).fetchall()

        if _version(read) == len(POSTGRES_MIGRATIONS):
            return
        db.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
        try:
            if read("SELECT to_regclass('schema_version') AS t")[0]["t"] is None:
                if read("SELECT to_regclass('articles') AS t")[0]["t"] is not None:
                    raise NutgrafError(
                        f"{self.name} is not a nutgraf database: it has an articles table but no "
                        "schema_version; give an empty database"
                    )
                db.execute(
                    "CREATE TABLE schema_version (version integer PRIMARY KEY, "
                    "applied timestamptz NOT NULL DEFAULT now())"
                )
            version = _version(read)
            if version > len(POSTGRES_MIGRATIONS):
                raise NutgrafError(
                    f"{self.name} has schema version {version}, newer than this nutgraf knows "
                    f"({len(POSTGRES_MIGRATIONS)}); upgrade nutgraf"
                )
            for number, script in enumerate(POSTGRES_MIGRATIONS[version:], start=version + 1):
                with db.transaction():
                    if isinstance(script, PythonStep):
                        _PYTHON_STEPS[script.name](db)
                    else:
                        db.execute(script)
                    db.execute("INSERT INTO schema_version(version) VALUES (%s)", (number,))
        finally:
            db.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))

    def require_writable(self) -> None:
        if self.read_only:
            raise NutgrafError(
                f"the archive {self.name} is read-only (a standby server, a read-only session, "
                "or a user who may not add articles); connect as one who may write it, or only "
                "read it (search, export, feeds, stories, serve)"
            )

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction on a pooled connection; rolled back on any error."""
        self.require_writable()
        with self._errors(), self._pool.connection() as db, db.transaction():
            yield db

    def _read(
        self,
        sql: str,
        parameters: tuple[Any, ...] | dict[str, Any] = (),
        *,
        planned: bool = False,
    ) -> list[DictRow]:
        """Rows of one query. ``planned``: plan it for these parameters every time, never as a
        prepared statement, whose generic plan (made without the words' statistics or the
        LIMITs) made ranked search and "Read also" 1.5x slower."""
        with self._errors(), self._pool.connection() as db:
            return db.execute(sql, parameters, prepare=False if planned else None).fetchall()

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """The server's and the pool's failures as one-line errors."""
        try:
            yield
        except PoolTimeout:
            raise NutgrafError(
                f"the database {self.name} cannot be used: no free connection for "
                f"{POOL_TIMEOUT_S:.0f} s (all {self._pool.max_size} busy); try again"
            ) from None
        except psycopg.Error as error:
            raise NutgrafError(
                f"the database {self.name} cannot be used: {self._reason(error)}"
            ) from None

    def _reason(self, error: psycopg.Error) -> str:
        reason = _one_line(error)
        return reason.replace(self._secret, "***") if len(self._secret) > 3 else reason

    # --- articles -------------------------------------------------------------------------

    def save(self, item: ArchiveItem, near: NearQuery | None = None) -> SaveResult:
        self._note_language(item)
        self.require_writable()
        result = self._save(item, near)
        if next(self._saves) % ANALYZE_CHECK == 1:
            self.keep_statistics()
        return result

    def _save(self, item: ArchiveItem, near: NearQuery | None) -> SaveResult:
        with self._errors():
            for attempt in range(1, SAVE_ATTEMPTS + 1):
                try:
                    with self._pool.connection() as db, db.transaction():
                        return _save(db, item, near)
                except (errors.UniqueViolation, errors.DeadlockDetected):
                    if attempt == SAVE_ATTEMPTS:
                        raise
        raise AssertionError("unreachable")

    def keep_statistics(self) -> bool:
        """ANALYZE the archive's tables when enough changed since they last were (and no other
        process is analyzing them now); whether it did. Saves call this now and then."""
        with self._write() as db:
            row = db.execute(
                "SELECT c.reltuples AS rows, s.n_mod_since_analyze AS changed "
                "FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid "
                "WHERE c.oid = 'articles'::regclass"
            ).fetchone()
            if row is None or row["changed"] < ANALYZE_ROWS + ANALYZE_SHARE * max(row["rows"], 0):
                return False
            lock = "SELECT pg_try_advisory_xact_lock(%s) AS ok"
            locked = db.execute(lock, (ANALYZE_LOCK,)).fetchone()
            if locked is None or not locked["ok"]:
                return False
            db.execute("ANALYZE articles")
            db.execute("ANALYZE near_keys")
        self._stats = None
        return True

    def unchanged(self, fetch: Fetch) -> int | None:
        with self._errors(), self._pool.connection() as db:
            known = _known(db, fetch)
        title = _clean(fetch.title) if fetch.title is not None else None
        if known is None or not same_fetch(known, fetch.content_hash, title):
            return None
        return int(known["id"])

    def get(self, article_id: int) -> StoredArticle | None:
        rows = self._read(f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE id = %s", (article_id,))
        return stored(rows[0]) if rows else None

    def latest(
        self, *, limit: int = 20, offset: int = 0, site: str | None = None
    ) -> list[StoredArticle]:
        limit, offset = bounded(limit, offset)
        where, parameters = ("WHERE site = %s", (site,)) if site else ("", ())
        rows = self._read(
            f"SELECT {ARTICLE_COLUMNS} FROM articles {where} "
            "ORDER BY sort_time DESC, id DESC LIMIT %s OFFSET %s",
            (*parameters, limit, offset),
        )
        return [stored(row) for row in rows]

    def search(
        self, query: str, *, limit: int = 20, offset: int = 0, ranked: bool = False
    ) -> list[StoredArticle]:
        """Articles matching every word of ``query``: newest first, or best first (ts_rank)
        when ``ranked``, among the newest ``RANKED_WINDOW`` matches (as SQLite ranks).

        Two plans, chosen per query (see ``_plan``): walk the time index newest first and
        test each article's vector, which stops after a page for a common word but reads the
        whole archive for a rare one; or take the matches from the GIN index and sort them,
        which is instant for a rare word but sorts a third of the archive for a common one.
        """
        words = search_words(query)
        tokens, prefixes = _query_tokens(words)
        if not tokens and not prefixes:
            return []
        limit, offset = bounded(limit, offset)
        terms = _every_word(words, self._stem_tags())
        share = self._share([*tokens, *prefixes], every=True)
        if ranked:
            ranked_ids = self._ranked(terms, share, RANKED_WINDOW, limit=limit, offset=offset)
            ids = [i for i, _ in ranked_ids]
        else:
            ids = self._newest(terms, share, offset + limit)[offset:]
        if not ids:
            return []
        rows = self._read(f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE id = ANY(%s)", (ids,))
        by_id = {int(row["id"]): row for row in rows}
        return [stored(by_id[i]) for i in ids if i in by_id]

    def search_count(self, query: str, *, cap: int = SEARCH_COUNT_CAP) -> int:
        words = search_words(query)
        if not any(_query_tokens(words)):
            return 0
        terms = _every_word(words, self._stem_tags())
        rows = self._read(
            "SELECT count(*) AS n FROM (SELECT 1 FROM articles "
            f"  WHERE search @@ ({terms.query}) LIMIT %(cap)s) found",
            {**terms.parameters, "cap": max(0, cap) + 1},
            planned=True,
        )
        return int(rows[0]["n"])

    def _newest(self, terms: Terms, share: float | None, wanted: int) -> list[int]:
        """The ids of the newest ``wanted`` matches of ``terms``, newest first."""
        walk = _plan(share, self._rows, wanted)
        if walk:
            ids = self._ids(
                "SELECT id FROM (SELECT id, sort_second, search FROM articles "
                "  ORDER BY sort_second DESC, id DESC LIMIT %(walk)s) recent "
                f"WHERE search @@ ({terms.query}) LIMIT %(wanted)s",
                {**terms.parameters, "walk": walk, "wanted": wanted},
            )
            if len(ids) == wanted:
                return ids
        return self._ids(
            f"WITH found AS MATERIALIZED (SELECT id, sort_second FROM articles "
            f"  WHERE search @@ ({terms.query})) "
            "SELECT id FROM found ORDER BY sort_second DESC, id DESC LIMIT %(wanted)s",
            {**terms.parameters, "wanted": wanted},
        )

    def _ranked(
        self,
        terms: Terms,
        share: float | None,
        window: int,
        *,
        limit: int,
        offset: int = 0,
        ties: str = "sort_second DESC, id DESC",
    ) -> list[tuple[int, float]]:
        """Ids with their ts_rank (headline words counting double), best first (equal ranks
        by ``ties``), among the newest ``window`` matches of ``terms``: ``limit`` from
        ``offset``. Walking ranks the matches it meets; GIN ranks every match in one pass
        (reading each row once), then keeps the newest."""
        rank = f"ts_rank('{_WEIGHTS}', search, ({terms.query}))"
        page = f"ORDER BY rank DESC, {ties} LIMIT %(limit)s OFFSET %(offset)s"
        parameters = {**terms.parameters, "window": window, "limit": limit, "offset": offset}
        walk = _plan(share, self._rows, window)
        if walk:
            rows = self._read(
                "SELECT id, rank, count(*) OVER () AS found FROM ("
                f"  SELECT id, sort_second, {rank} AS rank FROM (SELECT id, sort_second, search"
                "    FROM articles ORDER BY sort_second DESC, id DESC LIMIT %(walk)s) recent"
                f"  WHERE search @@ ({terms.query}) LIMIT %(window)s) matches {page}",
                {**parameters, "walk": walk},
                planned=True,
            )
            if rows and rows[0]["found"] == window:
                return [(int(row["id"]), float(row["rank"])) for row in rows]
        # Only the newest matches are ranked: ranking reads each one's whole vector, and a
        # query of eight words held by up to 5% of the archive each matches a third of it.
        rows = self._read(
            "WITH matches AS MATERIALIZED ("
            f"  SELECT id, sort_second FROM articles WHERE search @@ ({terms.query})), "
            "recent AS MATERIALIZED (SELECT id FROM matches "
            "  ORDER BY sort_second DESC, id DESC LIMIT %(window)s) "
            f"SELECT id, {rank} AS rank FROM recent JOIN articles USING (id) {page}",
            parameters,
            planned=True,
        )
        return [(int(row["id"]), float(row["rank"])) for row in rows]

    def _ids(self, sql: str, parameters: dict[str, Any]) -> list[int]:
        return [int(row["id"]) for row in self._read(sql, parameters, planned=True)]

    @property
    def _rows(self) -> float:
        return self._statistics().rows

    def _share(self, words: Sequence[str], *, every: bool) -> float | None:
        """The estimated share of articles holding every one (or any) of ``words``, from the
        planner's statistics; None before the database has any."""
        stats = self._statistics()
        if stats.rows <= 0 or stats.floor is None:
            return None
        shares = [stats.shares.get(word, stats.floor / 2) for word in words]
        # As if the words were independent: every word, the product; any word, one minus
        # the share holding none. Words asked together go together ("russia", "putin"), so
        # the second is high; a walk that finds too few falls back to the GIN index.
        if every:
            return math.prod(shares)
        return 1.0 - math.prod(1.0 - share for share in shares)

    def _statistics(self) -> Statistics:
        """The archive's size and its most common words' shares (ANALYZE keeps them; read
        again after ``STATISTICS_SECONDS``)."""
        stats = self._stats
        if stats is not None:
            wait = STATISTICS_SECONDS if stats.floor is not None else STATISTICS_MISSING_SECONDS
            if time.monotonic() - stats.read < wait:
                return stats
        rows = self._read(
            "SELECT c.reltuples AS rows, s.most_common_elems::text::text[] AS words, "
            "s.most_common_elem_freqs AS shares FROM pg_class c "
            "LEFT JOIN pg_stats s ON s.schemaname = current_schema() "
            "AND s.tablename = 'articles' AND s.attname = 'search' "
            "WHERE c.oid = 'articles'::regclass"
        )
        words: list[str] = (rows[0]["words"] if rows else None) or []
        shares: list[float] = (rows[0]["shares"] if rows else None) or []
        stats = Statistics(
            read=time.monotonic(),
            rows=float(rows[0]["rows"]) if rows else -1.0,
            shares=dict(zip(words, shares, strict=False)),
            # After the words' shares come the least and greatest of them.
            floor=float(shares[len(words)]) if len(shares) > len(words) else None,
        )
        self._stats = stats
        return stats

    def articles(self) -> Iterator[StoredArticle]:
        last = 0
        while True:
            rows = self._read(
                f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE id > %s ORDER BY id LIMIT 500",
                (last,),
            )
            if not rows:
                return
            for row in rows:
                yield stored(row)
            last = int(rows[-1]["id"])

    def count(self) -> int:
        return int(self._read("SELECT count(*) AS n FROM articles")[0]["n"])

    # --- backfill: summaries written again, and how far a long job got ----------------------

    def stored_summaries(self, ids: Sequence[int]) -> list[StoredSummary]:
        if not ids:
            return []
        rows = self._read(
            f"SELECT {SUMMARY_COLUMNS} FROM articles WHERE id = ANY(%s) ORDER BY id",
            ([int(i) for i in ids],),
        )
        return [stored_summary(row) for row in rows]

    def replace_summaries(self, rows: Sequence[tuple[int, Summary, str]]) -> int:
        if not rows:
            return 0
        with self._write() as db:
            cursor = db.execute(
                "UPDATE articles a SET summary = u.summary, summarizer = u.summarizer "
                "FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS u(id, summary, summarizer) "
                "WHERE a.id = u.id AND (a.summary IS DISTINCT FROM u.summary "
                "OR a.summarizer IS DISTINCT FROM u.summarizer)",
                (
                    [article for article, _, _ in rows],
                    [_clean(summary_json(summary)) for _, summary, _ in rows],
                    [_clean(name) for _, _, name in rows],
                ),
            )
            return int(cursor.rowcount)

    def save_checkpoint(self, name: str, position: int, at: str) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO checkpoints(name, position, updated) VALUES (%s, %s, %s) "
                "ON CONFLICT (name) DO UPDATE SET position = excluded.position, "
                "updated = excluded.updated",
                (_clean(name), position, _clean(at)),
            )

    # --- reading: what the site shows around an article -------------------------------------

    def related(
        self, article_id: int, terms: Sequence[str], *, limit: int = 5
    ) -> list[tuple[Headline, float]]:
        rows = self._read(
            "SELECT coalesce(duplicate_of, id) AS first FROM articles WHERE id = %s", (article_id,)
        )
        if not rows:
            return []
        own = int(rows[0]["first"])
        words = self._distinctive([w for t in terms for w in _tokens(t)])
        if not words:
            return []
        # Any of the words; best by ts_rank (headline words count double) among the newest
        # matches only, so that no query ranks the whole archive. Equal scores: the oldest
        # first, so a story is listed by its first copy.
        any_word = Terms(
            " || ".join(f"plainto_tsquery('simple', %(w{n})s)" for n in range(len(words))),
            {f"w{n}": word for n, word in enumerate(words)},
        )
        share = self._share(words, every=False)
        best = self._ranked(any_word, share, RELATED_WINDOW, limit=4 * limit + 8, ties="id")
        if not best:
            return []
        found = self._read(
            f"SELECT {HEADLINE_COLUMNS} FROM articles WHERE id = ANY(%s)", ([i for i, _ in best],)
        )
        by_id = {int(row["id"]): row for row in found}
        seen = {own}
        listed: list[tuple[Headline, float]] = []
        for article, score in best:
            row = by_id.get(article)
            if row is None:
                continue
            first = int(row["duplicate_of"] if row["duplicate_of"] is not None else row["id"])
            if first in seen:
                continue  # the article itself, a copy of it, or a copy of one already listed
            seen.add(first)
            listed.append((headline(row), score))
            if len(listed) == limit:
                break
        return listed

    def _distinctive(self, words: Sequence[str]) -> list[str]:
        """The first ``RELATED_QUERY_WORDS`` of ``words`` that some other article holds and at
        most ``COMMON_SHARE`` of the archive does (see SQLiteStore._distinctive). The shares
        of the commonest words come from the statistics; only the rarer ones are counted, and
        only as far as the count can still decide (when the statistics say every word they do
        not list is rare, as far as 2: does another article hold it?)."""
        top = self._read("SELECT max(id) AS top FROM articles")[0]["top"] or 0
        cap = max(COMMON_FLOOR, int(COMMON_SHARE * top))
        stats = self._statistics()
        words = list(dict.fromkeys(words))
        known = {w: stats.shares[w] * stats.rows for w in words if w in stats.shares}
        rare = stats.floor is not None and stats.floor * stats.rows < cap
        counted = self._read(
            "SELECT word, (SELECT count(*) FROM (SELECT 1 FROM articles "
            "  WHERE search @@ plainto_tsquery('simple', word) LIMIT %s) holding) AS n "
            "FROM unnest(%s::text[]) AS word",
            (2 if rare else cap, [w for w in words if w not in known]),
            planned=True,
        )
        holders = {**known, **{row["word"]: int(row["n"]) for row in counted}}
        return [w for w in words if 1 < holders[w] < cap][:RELATED_QUERY_WORDS]

    def read_also(self, article_id: int) -> list[tuple[Headline, float]] | None:
        rows = self._read("SELECT related FROM read_also WHERE article_id = %s", (article_id,))
        if not rows:
            return None
        pairs = read_also_pairs(rows[0]["related"])
        if not pairs:
            return []
        found = self._read(
            f"SELECT {HEADLINE_COLUMNS} FROM articles WHERE id = ANY(%s)",
            ([i for i, _ in pairs],),
        )
        by_id = {int(row["id"]): headline(row) for row in found}
        return [(by_id[i], score) for i, score in pairs if i in by_id]

    def keep_read_also(
        self, article_id: int, related: Sequence[tuple[int, float]], computed: str
    ) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO read_also(article_id, computed, related) VALUES (%s, %s, %s) "
                "ON CONFLICT (article_id) DO UPDATE SET computed = excluded.computed, "
                "related = excluded.related",
                (article_id, _clean(computed), read_also_json(related)),
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
            created = db.execute(
                "INSERT INTO feeds(url, title, site, category, added, next_check) "
                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT ((md5(url))) DO NOTHING RETURNING id",
                _cleaned((url, title, site, category, now, now)),
            ).fetchone()
        state = self.feed(url)
        assert state is not None
        return state, created is not None

    def feeds(self) -> list[FeedState]:
        return [feed_state(row) for row in self._read("SELECT * FROM feeds ORDER BY id")]

    def feed(self, url: str) -> FeedState | None:
        rows = self._read(
            "SELECT * FROM feeds WHERE md5(url) = md5(%s) AND url = %s", _cleaned((url, url))
        )
        return feed_state(rows[0]) if rows else None

    def due_feeds(self, now: str, limit: int = 100) -> list[FeedState]:
        rows = self._read(
            "SELECT * FROM feeds WHERE disabled_reason IS NULL "
            "AND (next_check IS NULL OR next_check <= %s) "
            "ORDER BY next_check NULLS FIRST, id LIMIT %s",
            (_clean(now), limit),
        )
        return [feed_state(row) for row in rows]

    def claim_due_feeds(
        self, now: str, owner: str, lease_seconds: int, limit: int, *, per_host: int | None = None
    ) -> list[FeedState]:
        """One statement: rank the due, unleased feeds within their hosts, then lock the first
        ``limit`` within ``per_host`` (``SKIP LOCKED``: rows another claimer is leasing are
        passed over, not waited for) and lease them. The due and unleased conditions are
        repeated on the locked rows, so a row another claim leased meanwhile is seen in its
        new version and left out."""
        free = (
            "{f}disabled_reason IS NULL AND ({f}next_check IS NULL OR {f}next_check <= %(now)s) "
            "AND ({f}lease_until IS NULL OR {f}lease_until <= %(now)s)"
        )
        with self._write() as db:
            rows = db.execute(
                "WITH ranked AS (SELECT id, next_check, row_number() OVER ("
                f"  PARTITION BY {_HOST} ORDER BY next_check NULLS FIRST, id) AS n "
                f"  FROM feeds WHERE {free.format(f='')}), "
                "chosen AS (SELECT f.id FROM feeds f JOIN ranked r ON r.id = f.id "
                f"  WHERE r.n <= %(per_host)s AND {free.format(f='f.')} "
                "  ORDER BY r.next_check NULLS FIRST, f.id LIMIT %(limit)s "
                "  FOR UPDATE OF f SKIP LOCKED) "
                "UPDATE feeds SET lease_owner = %(owner)s, lease_until = %(until)s "
                "FROM chosen WHERE feeds.id = chosen.id RETURNING feeds.*",
                {
                    "now": _clean(now),
                    "owner": _clean(owner),
                    "until": lease_end(now, lease_seconds),
                    "per_host": per_host if per_host is not None else max(1, limit),
                    "limit": max(0, limit),
                },
            ).fetchall()
        return claim_order(feed_state(row) for row in rows)

    def record_poll(self, feed_id: int, outcome: PollOutcome) -> FeedState:
        outcome = clean_outcome(outcome)
        with self._write() as db:
            if outcome.error is None:
                row = db.execute(
                    "UPDATE feeds SET last_checked = %s, last_success = %s, next_check = %s, "
                    "failures = 0, first_failure = NULL, last_error = NULL, "
                    "etag = coalesce(%s, etag), last_modified = coalesce(%s, last_modified), "
                    "title = coalesce(title, %s), site = coalesce(site, %s), "
                    "lease_owner = NULL, lease_until = NULL WHERE id = %s RETURNING *",
                    _cleaned(
                        (
                            outcome.checked,
                            outcome.checked,
                            outcome.next_check,
                            outcome.etag,
                            outcome.last_modified,
                            outcome.title,
                            outcome.site,
                            feed_id,
                        )
                    ),
                ).fetchone()
            else:
                row = db.execute(
                    "UPDATE feeds SET last_checked = %s, next_check = %s, "
                    "failures = failures + 1, first_failure = coalesce(first_failure, %s), "
                    "last_error = %s, disabled_reason = %s, lease_owner = NULL, "
                    "lease_until = NULL WHERE id = %s RETURNING *",
                    _cleaned(
                        (
                            outcome.checked,
                            outcome.next_check,
                            outcome.checked,
                            outcome.error,
                            outcome.disabled_reason,
                            feed_id,
                        )
                    ),
                ).fetchone()
        if row is None:
            raise NutgrafError(f"no feed with id {feed_id}")
        return feed_state(row)

    def record_failure(self, source: str, reason: str, at: str) -> None:
        source, reason = strip_controls(source), strip_controls(reason)
        with self._write() as db:
            db.execute(
                "INSERT INTO failures(source, reason, at) VALUES (%s, %s, %s)",
                _cleaned((source, reason, at)),
            )

    def failures(self, limit: int = 100) -> list[tuple[str, str, str]]:
        rows = self._read(
            "SELECT source, reason, at FROM failures ORDER BY id DESC LIMIT %s", (limit,)
        )
        return [(row["source"], row["reason"], row["at"]) for row in rows]


# --- saving ---------------------------------------------------------------------------------


def _save(db: Connection, item: ArchiveItem, near: NearQuery | None) -> SaveResult:
    """Decide what ``item`` is and store it, inside the caller's transaction."""
    db.execute(
        "SELECT count(pg_advisory_xact_lock(key)) FROM unnest(%s::bigint[]) AS key",
        (_lock_keys(item, near),),
    )
    values = _cleaned(item_values(item))
    known = _known(db, item.fetch)
    if known is not None:
        if same_fetch(known, item.content_hash, values[_TITLE]):
            return SaveResult(int(known["id"]), "unchanged")
        values = kept_values(values, known)
        db.execute(
            f"UPDATE articles SET {', '.join(f'{c} = %s' for c in ITEM_COLUMNS)}, "
            f"sort_second = %s, search = {_VECTOR} WHERE id = %s",
            (*values, *_search_values(item, values), known["id"]),
        )
        return SaveResult(int(known["id"]), "updated")
    identifying = near is None or near.identifying
    duplicate = (_same_text(db, item) if identifying else None) or _near_copy(db, near)
    columns = (*ITEM_COLUMNS, "duplicate_of", "duplicate_kind", "overlap", "duplicate_reason")
    row = db.execute(
        f"INSERT INTO articles({', '.join(columns)}, sort_second, search) "
        f"VALUES ({', '.join(['%s'] * len(columns))}, %s, {_VECTOR}) RETURNING id",
        (
            *values,
            duplicate.of if duplicate else None,
            duplicate.kind if duplicate else None,
            duplicate.overlap if duplicate else None,
            _clean(duplicate.reason) if duplicate else None,
            *_search_values(item, values),
        ),
    ).fetchone()
    assert row is not None
    article_id = int(row["id"])
    if near is not None and near.keys:
        db.execute(
            "INSERT INTO near_keys(key, article_id) SELECT DISTINCT unnest(%s::bigint[]), %s",
            (list(near.keys), article_id),
        )
    if duplicate is not None:
        return SaveResult(article_id, "duplicate", duplicate)
    return SaveResult(article_id, "new")


def _lock_keys(item: ArchiveItem, near: NearQuery | None) -> list[int]:
    """The advisory locks a save takes: one for each thing its decision looks up, ascending."""
    names = [f"hash {item.content_hash}"]
    if item.canonical_url:
        names.append(f"url {item.canonical_url}")
    if item.feed and item.guid:
        names.append(f"guid {item.feed}\n{item.guid}")
    if near is not None:
        names.extend(f"near {key}" for key in near.keys)
    return sorted({_int64(name) for name in names})


def _int64(name: str) -> int:
    digest = hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _known(db: Connection, item: Fetch) -> DictRow | None:
    """The stored article this item is another fetch of (see sqlite._known)."""
    if item.canonical_url:
        row = db.execute(
            f"SELECT {KNOWN_COLUMNS} FROM articles "
            "WHERE md5(canonical_url) = md5(%s) AND canonical_url = %s",
            _cleaned((item.canonical_url, item.canonical_url)),
        ).fetchone()
        if row is not None:
            return row
    if item.feed and item.guid:
        row = db.execute(
            f"SELECT {KNOWN_COLUMNS} FROM articles WHERE md5(feed) = md5(%s) "
            "AND md5(guid) = md5(%s) AND feed = %s AND guid = %s",
            _cleaned((item.feed, item.guid, item.feed, item.guid)),
        ).fetchone()
        if row is not None:
            return row
    if not item.canonical_url and not (item.feed and item.guid):
        # A file or pasted text has no address: the same text is the same article.
        row = db.execute(
            f"SELECT {KNOWN_COLUMNS} FROM articles WHERE content_hash = %s "
            "AND canonical_url IS NULL AND guid IS NULL ORDER BY id LIMIT 1",
            (_clean(item.content_hash),),
        ).fetchone()
        if row is not None:
            return row
    return None


def _same_text(db: Connection, item: ArchiveItem) -> Duplicate | None:
    row = db.execute(
        "SELECT id FROM articles WHERE content_hash = %s AND duplicate_of IS NULL "
        "ORDER BY id LIMIT 1",
        (_clean(item.content_hash),),
    ).fetchone()
    return same_text(int(row["id"])) if row is not None else None


def _near_copy(db: Connection, near: NearQuery | None) -> Duplicate | None:
    if near is None or not near.keys:
        return None
    rows = db.execute(
        "SELECT a.id, a.text FROM articles a WHERE a.duplicate_of IS NULL AND a.id IN "
        "(SELECT article_id FROM near_keys WHERE key = ANY(%s) "
        "GROUP BY article_id ORDER BY count(*) DESC, article_id LIMIT %s)",
        (sorted(set(near.keys)), NEAR_CANDIDATES),
    ).fetchall()
    return best_near(rows, near)


def _search_values(item: ArchiveItem, values: tuple[Any, ...]) -> tuple[Any, ...]:
    """``sort_second`` and the parts of the search vector (headline, text, tagged stems)."""
    text = item.article.text[:SEARCH_TEXT_CHARS]
    return (
        second(values[SORT_TIME], item.fetched),
        " ".join(_tokens(item.article.title or "", index=True)),
        " ".join(_tokens(text, index=True)),
        _article_stems(item.article.language or item.summary.language, item.article.title, text),
    )


def _plan(share: float | None, rows: float, wanted: int) -> int:
    """How many articles to walk newest first looking for ``wanted`` matches of words held by
    ``share`` of the ``rows`` articles; 0 when taking every match from GIN costs less.

    Walking costs ``wanted / share`` vectors, GIN ``share * rows`` matches: the walk wins for
    common words. It stops at four times the articles it should need (words common only in
    old articles, or two words seldom together) and GIN takes over.
    """
    if share is None:
        return BLIND_WALK
    if share <= 0 or WALK_COST * wanted / share > share * rows:
        return 0
    return math.ceil(4 * wanted / share) + 100


def _refuses_writes(db: Connection) -> bool:
    """Whether this connection may not write the archive: a standby server, a read-only
    session (``default_transaction_read_only``), or a user without INSERT on its articles."""
    row = db.execute(
        "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on' "
        "OR NOT has_table_privilege('articles', 'INSERT') AS refuses"
    ).fetchone()
    return row is not None and bool(row["refuses"])


def _tokens(text: str, *, index: bool = False) -> list[str]:
    """The words of ``text`` as SQLite's unicode61 tokenizer finds them in what nutgraf gives
    it: runs of letters and digits, lowercase, with the diacritics of Latin letters removed
    ("Café" -> "cafe"), and each run of a script written without spaces (Chinese, Japanese,
    Thai) as its character bigrams: in an ``index``, followed by the run's last character
    (``scripts.index_tokens``); in a query, the bigrams alone (``scripts.query_tokens``)."""
    if not has_unspaced(text):
        return _folded_tokens(text)
    tokens: list[str] = []
    position = 0
    for run in UNSPACED_RUN.finditer(text):
        tokens.extend(_folded_tokens(text[position : run.start()]))
        tokens.extend(index_tokens(run.group()) if index else query_tokens(run.group())[0])
        position = run.end()
    tokens.extend(_folded_tokens(text[position:]))
    return tokens


def _query_tokens(words: Sequence[str]) -> tuple[list[str], list[str]]:
    """The tokens every match must hold, and the characters (a query word of one CJK or Thai
    character) some token of every match must start with."""
    tokens: list[str] = []
    prefixes: list[str] = []
    for word in words:
        if len(word) == 1 and has_unspaced(word):
            prefixes.append(word)
        else:
            tokens.extend(_tokens(word))
    return tokens, prefixes


def _every_word(words: Sequence[str], tags: Collection[str] | None = None) -> Terms:
    """A tsquery for articles matching every one of ``words``: each as it is (its tokens, or
    for one character of an unspaced script, a token starting with it; no quote to escape),
    or as any of its tagged stems (letters and "_" alone: no quote to escape either)."""
    parts: list[str] = []
    parameters: dict[str, Any] = {}
    for n, word in enumerate(words):
        if len(word) == 1 and has_unspaced(word):
            exact = f"to_tsquery('simple', %(w{n})s)"
            parameters[f"w{n}"] = f"'{word}':*"
        else:
            tokens = _tokens(word)
            if not tokens:
                continue
            exact = f"plainto_tsquery('simple', %(w{n})s)"
            parameters[f"w{n}"] = " ".join(tokens)
        stems = [_stem_lexeme(s) for s in query_stems(word, tags) if is_stem_token(s)]
        if not stems:
            parts.append(exact)
            continue
        parts.append(f"({exact} || %(s{n})s::tsquery)")
        parameters[f"s{n}"] = " | ".join(f"'{stem}'" for stem in stems)
    return Terms(" && ".join(parts), parameters)


def _stem_lexeme(stem: str) -> str:
    """A tagged stem as the vector holds it: the tag, "_", the stem ("en_strike")."""
    return f"{stem[:2]}_{stem[2:]}"


def _article_stems(language: str | None, title: str | None, text: str) -> list[str]:
    return [
        _stem_lexeme(stem)
        for stem in article_stems(language, _clean(title or ""), _clean(text[:SEARCH_TEXT_CHARS]))
    ]


def index_stems(db: Connection) -> None:
    """Migration 10: add each article's stems to its vector, ``STEM_BATCH`` at a time, with
    the GIN index dropped meanwhile (built again in one pass at the end: updating it row by
    row made the migration of 100,000 articles take 8 minutes); and index the articles'
    languages (``LANGUAGES_PRESENT`` reads them by it)."""
    db.execute("DROP INDEX IF EXISTS articles_search")
    _add_stems(db)
    db.execute(
        "CREATE INDEX articles_search ON articles USING gin (search) WITH (fastupdate = off)"
    )
    db.execute("CREATE INDEX IF NOT EXISTS articles_by_language ON articles (language)")


def _add_stems(db: Connection) -> None:
    last = 0
    while True:
        rows = db.execute(
            "SELECT id, language, title, left(text, %s) AS text FROM articles WHERE id > %s "
            "ORDER BY id LIMIT %s",
            (SEARCH_TEXT_CHARS, last, STEM_BATCH),
        ).fetchall()
        if not rows:
            return
        last = int(rows[-1]["id"])
        stemmed = [
            (stems, int(row["id"]))
            for row in rows
            if (stems := _article_stems(row["language"], row["title"], row["text"]))
        ]
        if stemmed:
            with db.cursor() as cursor:
                cursor.executemany(
                    "UPDATE articles SET search = search || "
                    "setweight(array_to_tsvector(%s::text[]), 'D') WHERE id = %s",
                    stemmed,
                )


_PYTHON_STEPS = {"index_stems": index_stems}


def _folded_tokens(text: str) -> list[str]:
    folded = text.lower()
    if not folded.isascii():
        decomposed = _LATIN_MARKS.sub("", unicodedata.normalize("NFD", folded))
        folded = unicodedata.normalize("NFC", decomposed)
    return _TOKEN.findall(folded)


# PostgreSQL text cannot hold NUL characters; they become U+FFFD (SQLite keeps them).
def _clean(value: str) -> str:
    return value.replace("\x00", "\ufffd")


def _cleaned(values: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(_clean(v) if isinstance(v, str) else v for v in values)


def _version(read: Any) -> int:
    """The schema version (0 for a database without nutgraf's tables)."""
    if read("SELECT to_regclass('schema_version') AS t")[0]["t"] is None:
        return 0
    return int(read("SELECT coalesce(max(version), 0) AS v FROM schema_version")[0]["v"])


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def redact(url: str) -> str:
    """``url`` with its password, if any, replaced by ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "the PostgreSQL URL"
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    redacted = urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))
    return redacted.replace(unquote(parts.password), "***") if parts.password else redacted
