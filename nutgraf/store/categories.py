"""The category queries both backends share: the articles of a category's feeds, newest
first, and how many articles each subscribed feed brought.

A category is the ``category`` of one or more feeds (``add-feed --category``, OPML); "/"
nests them, so the articles of "News" are those of the feeds in "News" and in "News/Europe".
An article belongs to a feed when its ``feed`` is the feed's url. Both queries go through the
``articles_by_feed`` index (migration: SQLite 11, PostgreSQL 8): one index search a feed,
never a scan of the archive. PostgreSQL compares long urls through their md5, as its other
indexes on urls do.
"""

from __future__ import annotations

from typing import Any, ClassVar

from nutgraf.records import Headline
from nutgraf.store.rows import HEADLINE_COLUMNS, bounded, headline

__all__ = ["CategoryQueries", "category_match"]


def category_match(name: str) -> tuple[str, tuple[Any, ...]]:
    """A condition on ``feeds.category`` holding the category ``name`` and those nested in
    it, with its parameters (marks are ``?``)."""
    return "(category = ? OR substr(category, 1, ?) = ?)", (name, len(name) + 1, name + "/")


class CategoryQueries:
    """Mixed into a backend that provides ``_read(sql, parameters)`` returning rows that can
    be indexed by column name."""

    _MARK: ClassVar[str] = "?"

    def _read(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[Any]:
        raise NotImplementedError

    def _category_read(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[Any]:
        return self._read(sql if self._MARK == "?" else sql.replace("?", self._MARK), parameters)

    def _feed_key(self, column: str) -> str:
        """What the ``articles_by_feed`` index is keyed by, for a url ``column``."""
        return column if self._MARK == "?" else f"md5({column})"

    def category_headlines(
        self, category: str, *, limit: int = 20, offset: int = 0
    ) -> list[Headline]:
        """The newest articles of the feeds in ``category`` (or nested in it)."""
        sql, parameters = self._category_query(category, *bounded(limit, offset))
        return [headline(row) for row in self._category_read(sql, parameters)]

    def _category_query(
        self, category: str, limit: int, offset: int
    ) -> tuple[str, tuple[Any, ...]]:
        """The SQL (``?`` marks) and parameters of a page of the category's articles."""
        match, parameters = category_match(category)
        feeds = f"SELECT url FROM feeds WHERE {match}"
        if self._MARK == "?":
            where, twice = f"feed IN ({feeds})", parameters
        else:
            keys = f"SELECT md5(url) FROM feeds WHERE {match}"
            where = f"md5(feed) IN ({keys}) AND feed IN ({feeds})"
            twice = (*parameters, *parameters)
        return (
            f"SELECT {HEADLINE_COLUMNS} FROM articles WHERE {where} "
            "ORDER BY sort_time DESC, id DESC LIMIT ? OFFSET ?",
            (*twice, limit, offset),
        )

    def feed_article_counts(self) -> dict[str, int]:
        """How many articles each subscribed feed brought, by the feed's url."""
        key = self._feed_key("a.feed")
        rows = self._category_read(
            "SELECT f.url AS url, (SELECT count(*) FROM articles a "
            f"WHERE {key} = {self._feed_key('f.url')} AND a.feed = f.url) AS articles "
            "FROM feeds f"
        )
        return {row["url"]: int(row["articles"]) for row in rows}
