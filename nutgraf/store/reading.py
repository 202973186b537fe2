"""The reading queries both backends share: lists, neighbours, copies, sources, and the
ids and checkpoints a backfill reads.

Written once in SQL that SQLite and PostgreSQL both take; only the parameter mark differs
(``?`` against ``%s``), which each backend names in ``_MARK``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from nutgraf.nlp.stems import stem_tag, tags_of
from nutgraf.records import ArchiveItem, Headline, SourceCount
from nutgraf.store.query import LANGUAGES_PRESENT, LANGUAGES_SECONDS
from nutgraf.store.rows import HEADLINE_COLUMNS, bounded, headline
from nutgraf.store.shared import SharedQueries

# How much of an article's HTML a list reads to find its first picture (nutgraf.extract.images
# reads as much), and for how many articles at once (a page of a list at most).
LEAD_HTML_CHARS = 65_536
MAX_LEAD_IDS = 100


class ReadingQueries(SharedQueries):
    """Mixed into a backend that provides ``_read(sql, parameters)`` returning rows that can
    be indexed by column name."""

    # (when read, the stem tags of the languages the articles are in): see ``_stem_tags``.
    _language_tags: tuple[float, frozenset[str]] | None = None

    def _stem_tags(self) -> frozenset[str]:
        """The stem tags of the languages the archive's articles are in: a search stems its
        words in these only. Read again after ``LANGUAGES_SECONDS``, or at once when this
        process saves an article in a language not among them (``_note_language``)."""
        cached = self._language_tags
        if cached is not None and time.monotonic() - cached[0] < LANGUAGES_SECONDS:
            return cached[1]
        tags = tags_of(row["language"] for row in self._read(LANGUAGES_PRESENT))
        self._language_tags = (time.monotonic(), tags)
        return tags

    def _note_language(self, item: ArchiveItem) -> None:
        """Forget the languages read when ``item`` (about to be saved) brings a new one."""
        cached = self._language_tags
        tag = stem_tag(item.article.language or item.summary.language)
        if cached is not None and tag is not None and tag not in cached[1]:
            self._language_tags = None

    def article_ids(self, after: int, limit: int) -> list[int]:
        """Up to ``limit`` article ids above ``after``, in order (a backfill's next batch)."""
        rows = self._sql_read(
            "SELECT id FROM articles WHERE id > ? ORDER BY id LIMIT ?", (after, max(1, limit))
        )
        return [int(row["id"]) for row in rows]

    def checkpoint(self, name: str) -> int | None:
        """How far the long job ``name`` got, or None when it never saved a checkpoint."""
        rows = self._sql_read("SELECT position FROM checkpoints WHERE name = ?", (name,))
        return int(rows[0]["position"]) if rows else None

    def headlines(
        self, *, limit: int = 20, offset: int = 0, site: str | None = None
    ) -> list[Headline]:
        limit, offset = bounded(limit, offset)
        where, parameters = ("WHERE site = ?", (site,)) if site else ("", ())
        rows = self._sql_read(
            f"SELECT {HEADLINE_COLUMNS} FROM articles {where} "
            "ORDER BY sort_time DESC, id DESC LIMIT ? OFFSET ?",
            (*parameters, limit, offset),
        )
        return [headline(row) for row in rows]

    def neighbours(
        self, article_id: int, *, site: str | None = None
    ) -> tuple[Headline | None, Headline | None]:
        # One statement (every article page asks): the article's place in time, read once
        # by each side's subquery, and the nearest article on either side of it.
        where = "AND site = ?" if site else ""
        extra = (site,) if site else ()
        here = "((SELECT sort_time FROM articles WHERE id = ?), ?)"
        sides = [
            f"SELECT * FROM (SELECT {side} AS side, {HEADLINE_COLUMNS} FROM articles "
            f"WHERE (sort_time, id) {compare} {here} {where} "
            f"ORDER BY sort_time {order}, id {order} LIMIT 1) AS side{side}"
            for side, compare, order in ((0, "<", "DESC"), (1, ">", "ASC"))
        ]
        rows = self._sql_read(" UNION ALL ".join(sides), (article_id, article_id, *extra) * 2)
        found: list[Headline | None] = [None, None]
        for row in rows:
            found[int(row["side"])] = headline(row)
        return found[0], found[1]

    def copies(self, article_id: int) -> list[Headline]:
        # The first of the article's group (itself, or what it duplicates) and its copies.
        first = "(SELECT coalesce(duplicate_of, id) FROM articles WHERE id = ?)"
        rows = self._sql_read(
            f"SELECT {HEADLINE_COLUMNS} FROM articles WHERE id = {first} "
            f"UNION ALL SELECT {HEADLINE_COLUMNS} FROM articles WHERE duplicate_of = {first} "
            "ORDER BY id",
            (article_id, article_id),
        )
        return [headline(row) for row in rows]

    def lead_html(self, ids: Sequence[int]) -> dict[int, str]:
        wanted = list(dict.fromkeys(ids))[:MAX_LEAD_IDS]
        if not wanted:
            return {}
        marks = ", ".join("?" for _ in wanted)
        rows = self._sql_read(
            f"SELECT id, substr(html, 1, {LEAD_HTML_CHARS}) AS lead FROM articles "
            f"WHERE id IN ({marks}) AND image IS NULL AND html LIKE ?",
            (*wanted, "%<img%"),
        )
        return {int(row["id"]): row["lead"] for row in rows}

    def sources(self) -> list[SourceCount]:
        rows = self._sql_read(
            "SELECT site, max(source) AS name, count(*) AS articles, max(sort_time) AS latest "
            "FROM articles WHERE site IS NOT NULL GROUP BY site ORDER BY latest DESC"
        )
        return [
            SourceCount(row["site"], row["name"], int(row["articles"]), row["latest"])
            for row in rows
        ]
