"""The category queries both backends share: the articles of a category's feeds, newest
first, and how many articles each subscribed feed brought.

A category is the ``category`` of one or more feeds (``add-feed --category``, OPML); "/"
nests them, so the articles of "News" are those of the feeds in "News" and in "News/Europe".
An article belongs to a feed when its ``feed`` is the feed's url. A page of a category goes
through the ``articles_by_feed`` index (migration: SQLite 11, PostgreSQL 8): one index search
a feed, never a scan of the archive (at 100,000 articles: SQLite 0.3 ms, PostgreSQL 1 to 3 ms).
Counting reads each feed's index entries (SQLite 10 ms at 100,000; PostgreSQL, which visits
the rows, about 250 ms): the categories index and the admin's feeds page count, a category's
own page does not. PostgreSQL compares long urls through their md5, as its other indexes on
urls do.
"""

from __future__ import annotations

from typing import Any

from nutgraf.records import Headline
from nutgraf.store.rows import HEADLINE_COLUMNS, bounded, headline
from nutgraf.store.shared import SharedQueries

__all__ = ["CategoryQueries", "category_match", "in_category"]


def category_match(name: str, column: str = "category") -> tuple[str, tuple[Any, ...]]:
    """A condition on ``column`` (a feed's category) holding the category ``name`` and those
    nested in it, with its parameters (marks are ``?``)."""
    return f"({column} = ? OR substr({column}, 1, ?) = ?)", (name, len(name) + 1, name + "/")


def in_category(category: str | None, name: str) -> bool:
    """Whether a feed of ``category`` is in the category ``name`` (itself or nested in it):
    the rule of ``category_match``, for feeds already read."""
    return category is not None and (category == name or category.startswith(name + "/"))


class CategoryQueries(SharedQueries):
    """Mixed into a backend that provides ``_read(sql, parameters)`` returning rows that can
    be indexed by column name."""

    def category_headlines(
        self, category: str, *, limit: int = 20, offset: int = 0
    ) -> list[Headline]:
        """The newest articles of the feeds in ``category`` (or nested in it)."""
        sql, parameters = self._category_query(category, *bounded(limit, offset))
        return [headline(row) for row in self._sql_read(sql, parameters)]

    def _category_query(
        self, category: str, limit: int, offset: int
    ) -> tuple[str, tuple[Any, ...]]:
        """The SQL (``?`` marks) and parameters of a page of the category's articles.

        SQLite searches the index once per feed of the category and stops when the page is
        full. PostgreSQL's planner would rather walk the whole archive by time (or hash it)
        for a feed list it cannot size, so it is told: the newest ``limit + offset`` articles
        of each feed (an index search apiece), merged."""
        if self._MARK == "?":
            match, parameters = category_match(category)
            return (
                f"SELECT {HEADLINE_COLUMNS} FROM articles "
                f"WHERE feed IN (SELECT url FROM feeds WHERE {match}) "
                "ORDER BY sort_time DESC, id DESC LIMIT ? OFFSET ?",
                (*parameters, limit, offset),
            )
        match, parameters = category_match(category, "f.category")
        return (
            "SELECT a.* FROM feeds f CROSS JOIN LATERAL ("
            f"SELECT {HEADLINE_COLUMNS} FROM articles "
            "WHERE md5(articles.feed) = md5(f.url) AND articles.feed = f.url "
            "ORDER BY sort_time DESC, id DESC LIMIT ?) AS a "
            f"WHERE {match} ORDER BY a.sort_time DESC, a.id DESC LIMIT ? OFFSET ?",
            (limit + offset, *parameters, limit, offset),
        )

    def feed_article_counts(self) -> dict[str, int]:
        """How many articles each subscribed feed brought, by the feed's url (on PostgreSQL
        counted by the url's md5 alone, from the index without reading the rows)."""
        match = "a.feed = f.url" if self._MARK == "?" else "md5(a.feed) = md5(f.url)"
        rows = self._sql_read(
            f"SELECT f.url AS url, (SELECT count(*) FROM articles a WHERE {match}) AS articles "
            "FROM feeds f"
        )
        return {row["url"]: int(row["articles"]) for row in rows}
