"""Schema versions, oldest first. A database records how many it has applied
(``PRAGMA user_version``); opening it applies the rest, each in its own transaction.
Never edit a released migration: add the next one."""

from __future__ import annotations

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
    """,
)
