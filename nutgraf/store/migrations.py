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
)
