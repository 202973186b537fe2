"""Schema versions, oldest first, one list per backend. A database records how many it has
applied (SQLite: ``PRAGMA user_version``; PostgreSQL: the ``schema_version`` table); opening
it applies the rest, each in its own transaction. Never edit a released migration: add the
next one."""

from __future__ import annotations

from dataclasses import dataclass

# The view the full-text index reads articles through, and the triggers that keep the index
# in step with the table (migration 14; made again by 17, which rebuilds the table).
_SEARCH_VIEW = """\
    CREATE VIEW articles_search AS
        SELECT search_key, coalesce(search_title, title) AS title,
            coalesce(search_text, text) AS text, search_stems AS stems
        FROM articles;
"""
_SEARCH_TRIGGERS = """\
    CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, text, stems) VALUES (
            new.search_key, coalesce(new.search_title, new.title),
            coalesce(new.search_text, new.text), new.search_stems
        );
    END;
    CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text, stems) VALUES (
            'delete', old.search_key, coalesce(old.search_title, old.title),
            coalesce(old.search_text, old.text), old.search_stems
        );
    END;
    CREATE TRIGGER articles_fts_update
    AFTER UPDATE OF title, text, search_key, search_title, search_text, search_stems
    ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text, stems) VALUES (
            'delete', old.search_key, coalesce(old.search_title, old.title),
            coalesce(old.search_text, old.text), old.search_stems
        );
        INSERT INTO articles_fts(rowid, title, text, stems) VALUES (
            new.search_key, coalesce(new.search_title, new.title),
            coalesce(new.search_text, new.text), new.search_stems
        );
    END;
"""
# The columns of the articles table as migration 17 lays them out (copied in that order).
_REBUILT_COLUMNS = """\
        id, url, canonical_url, feed, guid, site, source, title, byline, published,
        fetched, sort_time, language, content_hash, duplicate_of, duplicate_kind,
        overlap, duplicate_reason, search_key, summarizer, kind, image, first_seen,
        dated, related, previous, next, summary, blocks, html, text, search_title,
        search_text, search_stems"""

SQLITE_MIGRATIONS: tuple[str, ...] = (
    # 1: articles, their full-text index, near-duplicate keys, feeds, failed items.
    """
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        url TEXT,
        canonical_url TEXT UNIQUE,
        feed TEXT,
        guid TEXT,
        site TEXT,
        source TEXT,
        title TEXT,
        byline TEXT,
        published TEXT,
        fetched TEXT NOT NULL,
        sort_time TEXT NOT NULL,
        language TEXT,
        blocks TEXT NOT NULL,
        html TEXT,
        text TEXT NOT NULL,
        summary TEXT NOT NULL,
        related TEXT NOT NULL DEFAULT '[]',
        previous TEXT,
        next TEXT,
        content_hash TEXT NOT NULL,
        duplicate_of INTEGER REFERENCES articles(id),
        duplicate_kind TEXT,
        overlap REAL,
        duplicate_reason TEXT,
        UNIQUE (feed, guid)
    );
    CREATE INDEX articles_by_time ON articles(sort_time DESC, id DESC);
    CREATE INDEX articles_by_site ON articles(site, sort_time DESC, id DESC);
    CREATE INDEX articles_by_hash ON articles(content_hash);
    CREATE INDEX articles_by_duplicate ON articles(duplicate_of);
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, text, content='articles', content_rowid='id', tokenize='unicode61'
    );
    CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END;
    CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
    END;
    CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END;
    CREATE TABLE near_keys (
        key INTEGER NOT NULL,
        article_id INTEGER NOT NULL REFERENCES articles(id),
        PRIMARY KEY (key, article_id)
    ) WITHOUT ROWID;
    CREATE TABLE feeds (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        title TEXT,
        site TEXT,
        category TEXT,
        added TEXT,
        etag TEXT,
        last_modified TEXT,
        last_checked TEXT,
        last_success TEXT,
        next_check TEXT,
        failures INTEGER NOT NULL DEFAULT 0,
        first_failure TEXT,
        last_error TEXT,
        disabled_reason TEXT,
        interval_seconds INTEGER NOT NULL DEFAULT 3600
    );
    CREATE INDEX feeds_due ON feeds(next_check) WHERE disabled_reason IS NULL;
    CREATE TABLE failures (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        reason TEXT NOT NULL,
        at TEXT NOT NULL
    );
    """,
    # 2: the full-text index keyed by time, so newest-first search reads only one page of
    # matches: an article's search_key is its sort time in seconds times 2**20 plus its rank
    # among the articles of that second, and the index's rowid is that key.
    """
    ALTER TABLE articles ADD COLUMN search_key INTEGER;
    WITH keyed AS (
        SELECT id, second * 1048576
            + ROW_NUMBER() OVER (PARTITION BY second ORDER BY id) - 1 AS key
        FROM (
            SELECT id, coalesce(
                CAST(strftime('%s', sort_time) AS INTEGER),
                CAST(strftime('%s', fetched) AS INTEGER),
                0
            ) AS second FROM articles
        )
    )
    UPDATE articles SET search_key = keyed.key FROM keyed WHERE keyed.id = articles.id;
    CREATE UNIQUE INDEX articles_by_search_key ON articles(search_key);
    DROP TRIGGER articles_fts_insert;
    DROP TRIGGER articles_fts_delete;
    DROP TRIGGER articles_fts_update;
    DROP TABLE articles_fts;
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, text, content='articles', content_rowid='search_key', tokenize='unicode61'
    );
    INSERT INTO articles_fts(articles_fts) VALUES ('rebuild');
    CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.search_key, new.title, new.text);
    END;
    CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.search_key, old.title, old.text);
    END;
    CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text, search_key ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.search_key, old.title, old.text);
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.search_key, new.title, new.text);
    END;
    """,
    # 3: "Read also", worked out once per article (at ingest, or at its first view) and kept:
    # the ids of its related articles with their scores, best first, as JSON.
    """
    CREATE TABLE read_also (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id),
        computed TEXT NOT NULL,
        related TEXT NOT NULL
    );
    """,  # 4: beyond one machine. A feed claimed by a dispatcher holds a lease (who, until when)
    # so that no other dispatcher sends it while a worker polls it; a lease past its time is
    # free again. ``summarizer`` names the summarizer that wrote an article's summary, so a
    # backfill rewrites only what an older one wrote; ``checkpoints`` is where a long job
    # (a backfill) records how far it got, to resume after a crash.
    """
    ALTER TABLE feeds ADD COLUMN lease_owner TEXT;
    ALTER TABLE feeds ADD COLUMN lease_until TEXT;
    ALTER TABLE articles ADD COLUMN summarizer TEXT;
    CREATE TABLE checkpoints (
        name TEXT PRIMARY KEY,
        position INTEGER NOT NULL,
        updated TEXT NOT NULL
    );
    """,
    # 5: stories (issue 6). ``stories`` places each article in a story (its copies follow
    # it), ``story_state`` is the clusterer's state and how far it got (the last article id),
    # ``story_summaries`` each story's digest: headline, counts, multi-source summary (JSON).
    """
    CREATE TABLE stories (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id),
        story_id INTEGER NOT NULL,
        score REAL NOT NULL,
        reason TEXT NOT NULL,
        assigned TEXT NOT NULL
    );
    CREATE INDEX stories_by_story ON stories(story_id, article_id);
    CREATE TABLE story_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        through INTEGER NOT NULL,
        state TEXT NOT NULL,
        saved TEXT NOT NULL
    );
    CREATE TABLE story_summaries (
        story_id INTEGER PRIMARY KEY,
        headline TEXT,
        articles INTEGER NOT NULL,
        sources INTEGER NOT NULL,
        first_time TEXT NOT NULL,
        last_time TEXT NOT NULL,
        members TEXT NOT NULL,
        summary TEXT NOT NULL,
        computed TEXT NOT NULL
    );
    CREATE INDEX story_summaries_by_time ON story_summaries(last_time DESC, story_id DESC);
    """,
    # 6: sign-in sessions (issue 15), found by the SHA-256 of their cookie's random id.
    """
    CREATE TABLE sessions (
        key TEXT PRIMARY KEY,
        user_name TEXT NOT NULL,
        admin INTEGER NOT NULL,
        credential TEXT NOT NULL,
        created TEXT NOT NULL,
        expires TEXT NOT NULL
    );
    CREATE INDEX sessions_by_user ON sessions(user_name, created);
    CREATE INDEX sessions_by_expiry ON sessions(expires);
    """,
    # 7: real feeds (issue 16). ``kind`` is "article", or "link" for a headline-only entry
    # kept as a link; ``image`` the item's thumbnail; ``first_seen`` when the archive first
    # stored it (kept when it is updated); ``dated`` 0 when its feed gave no date, so its
    # time is when it was first seen.
    """
    ALTER TABLE articles ADD COLUMN kind TEXT NOT NULL DEFAULT 'article';
    ALTER TABLE articles ADD COLUMN image TEXT;
    ALTER TABLE articles ADD COLUMN first_seen TEXT;
    ALTER TABLE articles ADD COLUMN dated INTEGER NOT NULL DEFAULT 1;
    UPDATE articles SET first_seen = fetched, dated = CASE
        WHEN published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' THEN 1 ELSE 0 END;
    """,
    # 8: search in scripts written without spaces (issue 16). unicode61 takes a run of Chinese
    # or Thai for one token, so a query for a word inside it found nothing. The index now
    # reads each article through ``articles_search``: ``search_title`` and ``search_text``
    # hold the title and text with every such run spaced into its character bigrams (written
    # by nutgraf at save, ``scripts.spaced_for_index``; NULL for text without such runs, which
    # is indexed as before).
    """
    ALTER TABLE articles ADD COLUMN search_title TEXT;
    ALTER TABLE articles ADD COLUMN search_text TEXT;
    CREATE VIEW articles_search AS
        SELECT search_key, coalesce(search_title, title) AS title,
            coalesce(search_text, text) AS text
        FROM articles;
    DROP TRIGGER articles_fts_insert;
    DROP TRIGGER articles_fts_delete;
    DROP TRIGGER articles_fts_update;
    DROP TABLE articles_fts;
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, text, content='articles_search', content_rowid='search_key', tokenize='unicode61'
    );
    INSERT INTO articles_fts(articles_fts) VALUES ('rebuild');
    CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, text) VALUES (
            new.search_key, coalesce(new.search_title, new.title),
            coalesce(new.search_text, new.text)
        );
    END;
    CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES (
            'delete', old.search_key, coalesce(old.search_title, old.title),
            coalesce(old.search_text, old.text)
        );
    END;
    CREATE TRIGGER articles_fts_update
    AFTER UPDATE OF title, text, search_key, search_title, search_text ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES (
            'delete', old.search_key, coalesce(old.search_title, old.title),
            coalesce(old.search_text, old.text)
        );
        INSERT INTO articles_fts(rowid, title, text) VALUES (
            new.search_key, coalesce(new.search_title, new.title),
            coalesce(new.search_text, new.text)
        );
    END;
    """,
    # 9: deleting articles (issue 16): a deleted article's near-duplicate keys are found by
    # its id. Without this index each deleted row made the foreign-key check read the whole
    # table: purging 2,000 of 20,000 articles took 78 s.
    """
    CREATE INDEX near_keys_by_article ON near_keys(article_id);
    """,
    # 10: what was deleted stays deleted: the SHA-256 of a deleted article's canonical URL and
    # of its feed's GUID, so a feed that still carries it does not bring it back.
    """
    CREATE TABLE deleted (
        key TEXT PRIMARY KEY,
        at TEXT NOT NULL
    );
    """,
    # 11: categories in the site (issue 17). A category's
    # articles are those of its feeds, newest first: one index search a feed, not a scan.
    """
    CREATE INDEX articles_by_feed ON articles(feed, sort_time DESC, id DESC);
    """,
    # 12: users of the site (issue 17): a folded name, an argon2id hash of the password, an
    # admin flag; ``api_password_hash`` is left for a separate API password (issue 18).
    """
    CREATE TABLE users (
        name TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        admin INTEGER NOT NULL DEFAULT 0,
        created TEXT NOT NULL,
        api_password_hash TEXT
    );
    """,
    # 13: reading state per reader (issue 17), keyed by the reader's name. ``reader_marks``
    # holds a reader's exceptions only: an article is read when its row says so (``read`` 1
    # or 0), else when it is older than the reader's ``read_before`` watermark
    # (``reader_settings``). "Mark everything older than T as read" moves the watermark and
    # clears the rows it covers, so it writes a few rows, not one per article.
    """
    CREATE TABLE reader_marks (
        user_name TEXT NOT NULL,
        article_id INTEGER NOT NULL,
        read INTEGER,
        starred INTEGER NOT NULL DEFAULT 0,
        starred_at TEXT,
        PRIMARY KEY (user_name, article_id)
    ) WITHOUT ROWID;
    CREATE INDEX reader_marks_by_article ON reader_marks(article_id);
    CREATE INDEX reader_marks_starred ON reader_marks(user_name, starred_at) WHERE starred = 1;
    CREATE TABLE reader_settings (
        user_name TEXT PRIMARY KEY,
        read_before TEXT,
        mark_on_open INTEGER NOT NULL DEFAULT 1
    );
    """,
    # 14 (issue 17): search matches word forms. The index
    # gets a third column, ``stems``: ``search_stems`` holds the distinct stems of the title's
    # and text's words in the article's language, each tagged with it ("enstrike",
    # ``nlp.stems``), written by nutgraf at save; here by ``nutgraf_stems``, the same Python
    # function registered on the connection. Re-indexing 100,000 articles takes about a
    # minute (BENCHMARKS.md).
    f"""
    DROP TRIGGER articles_fts_insert;
    DROP TRIGGER articles_fts_delete;
    DROP TRIGGER articles_fts_update;
    DROP TABLE articles_fts;
    DROP VIEW articles_search;
    ALTER TABLE articles ADD COLUMN search_stems TEXT;
    UPDATE articles SET search_stems = nutgraf_stems(language, title, text);
    CREATE INDEX articles_by_language ON articles(language);
{_SEARCH_VIEW}    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, text, stems, content='articles_search', content_rowid='search_key',
        tokenize='unicode61'
    );
    INSERT INTO articles_fts(articles_fts) VALUES ('rebuild');
{_SEARCH_TRIGGERS}    """,
    # 15: apps (issue 18). ``fever_key`` is the Fever API's key of the user's API password,
    # md5("name:password") as that protocol requires, unique so a key names one user; it is
    # set with the API password (``api_password_hash``, argon2id) and cleared with it.
    """
    ALTER TABLE users ADD COLUMN fever_key TEXT;
    CREATE UNIQUE INDEX users_fever_key ON users(fever_key) WHERE fever_key IS NOT NULL;
    """,
    # 16: the Google Reader API (issue 18). ``reader_labels`` holds the labels a reader puts on
    # articles (edit-tag ``user/-/label/NAME``), one row each; ``api_summaries`` says whether
    # the API heads each item's content with its summary (on by default).
    """
    CREATE TABLE reader_labels (
        user_name TEXT NOT NULL,
        article_id INTEGER NOT NULL,
        label TEXT NOT NULL,
        PRIMARY KEY (user_name, article_id, label)
    ) WITHOUT ROWID;
    CREATE INDEX reader_labels_by_label ON reader_labels(user_name, label, article_id);
    CREATE INDEX reader_labels_by_article ON reader_labels(article_id);
    ALTER TABLE reader_settings ADD COLUMN api_summaries INTEGER NOT NULL DEFAULT 1;
    """,
    # 17: an article's small columns first (issue 17). SQLite reads a row's columns in order,
    # and those stored after its long ones (blocks, html, text) are read by walking the row's
    # overflow pages: every headline (a list's, previous and next, Read also) paid that walk
    # for ``kind``, ``image``, ``first_seen`` and ``dated``, added last by migration 7. The
    # table is rebuilt with what headlines and lists read first and the long texts last; ids
    # and search keys are kept, so the full-text index stays as it is. It runs with foreign
    # keys off (``FOREIGN_KEYS_OFF``) and checks them before it commits.
    f"""
    DROP VIEW articles_search;
    CREATE TABLE articles_rebuilt (
        id INTEGER PRIMARY KEY,
        url TEXT,
        canonical_url TEXT UNIQUE,
        feed TEXT,
        guid TEXT,
        site TEXT,
        source TEXT,
        title TEXT,
        byline TEXT,
        published TEXT,
        fetched TEXT NOT NULL,
        sort_time TEXT NOT NULL,
        language TEXT,
        content_hash TEXT NOT NULL,
        duplicate_of INTEGER REFERENCES articles(id),
        duplicate_kind TEXT,
        overlap REAL,
        duplicate_reason TEXT,
        search_key INTEGER,
        summarizer TEXT,
        kind TEXT NOT NULL DEFAULT 'article',
        image TEXT,
        first_seen TEXT,
        dated INTEGER NOT NULL DEFAULT 1,
        related TEXT NOT NULL DEFAULT '[]',
        previous TEXT,
        next TEXT,
        summary TEXT NOT NULL,
        blocks TEXT NOT NULL,
        html TEXT,
        text TEXT NOT NULL,
        search_title TEXT,
        search_text TEXT,
        search_stems TEXT,
        UNIQUE (feed, guid)
    );
    INSERT INTO articles_rebuilt(
{_REBUILT_COLUMNS}
    )
    SELECT
{_REBUILT_COLUMNS}
    FROM articles;
    DROP TABLE articles;
    ALTER TABLE articles_rebuilt RENAME TO articles;
    CREATE INDEX articles_by_time ON articles(sort_time DESC, id DESC);
    CREATE INDEX articles_by_site ON articles(site, sort_time DESC, id DESC);
    CREATE INDEX articles_by_hash ON articles(content_hash);
    CREATE INDEX articles_by_duplicate ON articles(duplicate_of);
    CREATE UNIQUE INDEX articles_by_search_key ON articles(search_key);
    CREATE INDEX articles_by_feed ON articles(feed, sort_time DESC, id DESC);
    CREATE INDEX articles_by_language ON articles(language);
{_SEARCH_VIEW}{_SEARCH_TRIGGERS}    """,
    # 18: rules applied at ingest (issue 20, ``nutgraf.rules``): a keyword or regular
    # expression on a field, for every feed (``scope`` NULL) or one feed's URL, with what it
    # does; ``user_name`` is whose star or label a star or tag rule puts.
    """
    CREATE TABLE rules (
        id INTEGER PRIMARY KEY,
        scope TEXT,
        field TEXT NOT NULL,
        kind TEXT NOT NULL,
        pattern TEXT NOT NULL,
        action TEXT NOT NULL,
        tag TEXT,
        user_name TEXT,
        enabled INTEGER NOT NULL DEFAULT 1,
        created TEXT NOT NULL
    );
    """,
)
# The migrations (numbered from 1) that rebuild a table: SQLite would otherwise delete every
# row that refers to the dropped table's rows, or refuse to drop it.
FOREIGN_KEYS_OFF = frozenset({17})


# PostgreSQL starts from SQLite's schema as of its migration 3, with two differences that
# serve search: ``sort_second`` (the sort time in seconds, the order of newest-first search)
# and ``search``, a tsvector of the title (weight A) and text (weight B) with a GIN index.
# Long texts (URLs, GUIDs) are unique through their md5, as a btree entry holds at most 2.7 kB.
# Times stay ISO 8601 text compared byte by byte (COLLATE "C"), as SQLite compares them.
@dataclass(frozen=True, slots=True)
class PythonStep:
    """A migration step that SQL cannot do alone (it needs nutgraf's Python): the PostgreSQL
    store runs the function it keeps under ``name``, inside the migration's transaction."""

    name: str


POSTGRES_MIGRATIONS: tuple[str | PythonStep, ...] = (
    # 1: articles and their full-text index, near-duplicate keys, feeds, failed items, and
    # the kept "Read also" lists.
    """
    CREATE TABLE articles (
        id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        url text,
        canonical_url text,
        feed text,
        guid text,
        site text,
        source text COLLATE "C",
        title text,
        byline text,
        published text,
        fetched text NOT NULL,
        sort_time text COLLATE "C" NOT NULL,
        sort_second bigint NOT NULL,
        language text,
        blocks text NOT NULL,
        html text,
        text text NOT NULL,
        summary text NOT NULL,
        related text NOT NULL DEFAULT '[]',
        previous text,
        next text,
        content_hash text NOT NULL,
        duplicate_of bigint REFERENCES articles(id),
        duplicate_kind text,
        overlap double precision,
        duplicate_reason text,
        search tsvector NOT NULL
    );
    CREATE UNIQUE INDEX articles_by_url ON articles (md5(canonical_url));
    CREATE UNIQUE INDEX articles_by_guid ON articles (md5(feed), md5(guid));
    CREATE INDEX articles_by_time ON articles (sort_time DESC, id DESC);
    CREATE INDEX articles_by_second ON articles (sort_second DESC, id DESC);
    CREATE INDEX articles_by_site ON articles (site, sort_time DESC, id DESC);
    -- "The first article with this text" reads one entry of (content_hash, id), whatever
    -- the planner thinks of the hash: before ANALYZE had run it walked the primary key, and
    -- (with NULLs in articles_by_duplicate) ANDed a bitmap of every original in.
    CREATE INDEX articles_by_hash ON articles (content_hash, id);
    CREATE INDEX articles_by_duplicate ON articles (duplicate_of) WHERE duplicate_of IS NOT NULL;
    -- No pending list: every search would read it through (2 ms a query at its 4 MB), and
    -- writing each article's words into the index at once costs ingest only 13%.
    CREATE INDEX articles_search ON articles USING gin (search) WITH (fastupdate = off);
    -- The vector stays in the row (not in TOAST): walking the time index reads it 4x faster.
    ALTER TABLE articles ALTER COLUMN search SET STORAGE MAIN;
    -- The shares of the 10,000 most common words, by which search picks its plan.
    ALTER TABLE articles ALTER COLUMN search SET STATISTICS 1000;
    CREATE TABLE near_keys (
        key bigint NOT NULL,
        article_id bigint NOT NULL REFERENCES articles(id),
        PRIMARY KEY (key, article_id)
    );
    CREATE TABLE read_also (
        article_id bigint PRIMARY KEY REFERENCES articles(id),
        computed text NOT NULL,
        related text NOT NULL
    );
    CREATE TABLE feeds (
        id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        url text NOT NULL,
        title text,
        site text,
        category text,
        added text,
        etag text,
        last_modified text,
        last_checked text,
        last_success text,
        next_check text COLLATE "C",
        failures integer NOT NULL DEFAULT 0,
        first_failure text,
        last_error text,
        disabled_reason text,
        interval_seconds integer NOT NULL DEFAULT 3600
    );
    CREATE UNIQUE INDEX feeds_by_url ON feeds (md5(url));
    CREATE INDEX feeds_due ON feeds (next_check, id) WHERE disabled_reason IS NULL;
    CREATE TABLE failures (
        id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        source text NOT NULL,
        reason text NOT NULL,
        at text NOT NULL
    );
    """,  # 2: as SQLite's 4: feed leases, the summarizer of each summary, checkpoints.
    """
    ALTER TABLE feeds ADD COLUMN lease_owner text;
    ALTER TABLE feeds ADD COLUMN lease_until text COLLATE "C";
    ALTER TABLE articles ADD COLUMN summarizer text;
    CREATE TABLE checkpoints (
        name text PRIMARY KEY,
        position bigint NOT NULL,
        updated text NOT NULL
    );
    """,
    # 3: as SQLite's 5: stories, the clusterer's state, story digests.
    """
    CREATE TABLE stories (
        article_id bigint PRIMARY KEY REFERENCES articles(id),
        story_id bigint NOT NULL,
        score double precision NOT NULL,
        reason text NOT NULL,
        assigned text NOT NULL
    );
    CREATE INDEX stories_by_story ON stories (story_id, article_id);
    CREATE TABLE story_state (
        id integer PRIMARY KEY CHECK (id = 1),
        through bigint NOT NULL,
        state text NOT NULL,
        saved text NOT NULL
    );
    CREATE TABLE story_summaries (
        story_id bigint PRIMARY KEY,
        headline text,
        articles integer NOT NULL,
        sources integer NOT NULL,
        first_time text COLLATE "C" NOT NULL,
        last_time text COLLATE "C" NOT NULL,
        members text NOT NULL,
        summary text NOT NULL,
        computed text NOT NULL
    );
    CREATE INDEX story_summaries_by_time ON story_summaries (last_time DESC, story_id DESC);
    """,
    # 4: as SQLite's 6: sign-in sessions.
    """
    CREATE TABLE sessions (
        key text PRIMARY KEY,
        user_name text NOT NULL,
        admin integer NOT NULL,
        credential text NOT NULL,
        created text COLLATE "C" NOT NULL,
        expires text COLLATE "C" NOT NULL
    );
    CREATE INDEX sessions_by_user ON sessions (user_name, created);
    CREATE INDEX sessions_by_expiry ON sessions (expires);
    """,
    # 5: as SQLite's 7: item kind, thumbnail, first-seen time, dated or not.
    """
    ALTER TABLE articles ADD COLUMN kind text NOT NULL DEFAULT 'article';
    ALTER TABLE articles ADD COLUMN image text;
    ALTER TABLE articles ADD COLUMN first_seen text COLLATE "C";
    ALTER TABLE articles ADD COLUMN dated integer NOT NULL DEFAULT 1;
    UPDATE articles SET first_seen = fetched,
        dated = CASE WHEN published ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}' THEN 1 ELSE 0 END;
    """,
    # 6: as SQLite's 9: near-duplicate keys by article, for deletions (each deleted row's
    # foreign-key check read the whole table: 2,000 of 20,000 articles took 153 s).
    """
    CREATE INDEX near_keys_by_article ON near_keys (article_id);
    """,
    # 7: as SQLite's 10: what was deleted stays deleted.
    """
    CREATE TABLE deleted (
        key text PRIMARY KEY,
        at text NOT NULL
    );
    """,
    # 8: as SQLite's 11: articles by feed, for categories; by
    # the feed's md5, as a btree entry holds at most 2.7 kB.
    """
    CREATE INDEX articles_by_feed ON articles (md5(feed), sort_time DESC, id DESC);
    """,
    # 9: as SQLite's 12: users of the site.
    """
    CREATE TABLE users (
        name text COLLATE "C" PRIMARY KEY,
        password_hash text NOT NULL,
        admin integer NOT NULL DEFAULT 0,
        created text COLLATE "C" NOT NULL,
        api_password_hash text
    );
    """,
    # 10: as SQLite's 13: reading state per reader.
    """
    CREATE TABLE reader_marks (
        user_name text NOT NULL,
        article_id bigint NOT NULL,
        read integer,
        starred integer NOT NULL DEFAULT 0,
        starred_at text COLLATE "C",
        PRIMARY KEY (user_name, article_id)
    );
    CREATE INDEX reader_marks_by_article ON reader_marks (article_id);
    CREATE INDEX reader_marks_starred ON reader_marks (user_name, starred_at) WHERE starred = 1;
    CREATE TABLE reader_settings (
        user_name text PRIMARY KEY,
        read_before text COLLATE "C",
        mark_on_open integer NOT NULL DEFAULT 1
    );
    """,
    # 11 (issue 17), as SQLite's 14: search matches word
    # forms. Each article's vector gets, at weight D, the distinct stems of its words in its
    # language, tagged ("en_strike"; the "_" no word token holds keeps them apart from the
    # words): ``postgres.index_stems``, in batches.
    PythonStep("index_stems"),
    # 12: as SQLite's 15: the Fever key of a user's API password.
    """
    ALTER TABLE users ADD COLUMN IF NOT EXISTS fever_key text COLLATE "C";
    CREATE UNIQUE INDEX IF NOT EXISTS users_fever_key ON users (fever_key)
        WHERE fever_key IS NOT NULL;
    """,
    # 13: as SQLite's 16: the labels readers put on articles, and the API's summaries switch
    # (written to run again harmlessly, as 12 is).
    """
    CREATE TABLE IF NOT EXISTS reader_labels (
        user_name text NOT NULL,
        article_id bigint NOT NULL,
        label text COLLATE "C" NOT NULL,
        PRIMARY KEY (user_name, article_id, label)
    );
    CREATE INDEX IF NOT EXISTS reader_labels_by_label
        ON reader_labels (user_name, label, article_id);
    CREATE INDEX IF NOT EXISTS reader_labels_by_article ON reader_labels (article_id);
    ALTER TABLE reader_settings ADD COLUMN IF NOT EXISTS api_summaries integer NOT NULL DEFAULT 1;
    """,
    # 14: the apps' unread counts by feed, counted on an index alone: the md5 of each
    # article's feed (feed URLs are too long for a btree entry) stored beside it and indexed
    # with the sort time. An index on the expression md5(feed) would not do: PostgreSQL reads
    # the table for any column an expression needs. Rewrites the table once (seconds for
    # 100,000 articles).
    """
    ALTER TABLE articles ADD COLUMN IF NOT EXISTS feed_key text
        GENERATED ALWAYS AS (md5(feed)) STORED;
    CREATE INDEX IF NOT EXISTS articles_feed_counts ON articles (sort_time, feed_key);
    """,
    # 15: as SQLite's 18: rules applied at ingest.
    """
    CREATE TABLE IF NOT EXISTS rules (
        id bigserial PRIMARY KEY,
        scope text,
        field text NOT NULL,
        kind text NOT NULL,
        pattern text NOT NULL,
        action text NOT NULL,
        tag text,
        user_name text,
        enabled integer NOT NULL DEFAULT 1,
        created text COLLATE "C" NOT NULL
    );
    """,
)
