"""The queries the Fever API needs beyond the site's own, shared by both backends.

Fever apps sync by ids: every unread or starred article id of a reader in one string, pages
of 50 articles by id, and "mark this feed read up to the time I last synced". So the reader's
ids are read here without their headlines (SQLite walks the time index, which holds the ids),
a page of items is one query by primary key, and a feed's or category's articles are marked
read only below a time. The meaning of read (a watermark and exceptions) is ``marks.py``'s.
"""

from __future__ import annotations

from nutgraf.store.records import HotStory, SortedArticle
from nutgraf.store.rows import ARTICLE_COLUMNS, stored
from nutgraf.store.shared import SharedQueries

__all__ = ["ITEMS_PAGE", "FeverQueries"]

ITEMS_PAGE = 50  # Fever's page of items, and the most ``with_ids`` may name
# Every story of a page of links is at most this many article ids long in the answer.
MAX_STORY_IDS = 200


class FeverQueries(SharedQueries):
    """Mixed into a backend (``SharedQueries``)."""

    # --- ids --------------------------------------------------------------------------------

    def unread_ids(self, user: str) -> list[int]:
        """Every article id the reader has not read, newest first: those at or after their
        watermark they did not mark read (walking the time index, which holds the ids, in
        its order), then those below it they marked unread (a few of their marks)."""
        before = self._watermark(user)
        newer = self._sql_read(
            "SELECT a.id FROM articles a WHERE a.sort_time >= ? AND a.id NOT IN ("
            "SELECT m.article_id FROM reader_marks m WHERE m.user_name = ? AND m.read = 1) "
            "ORDER BY a.sort_time DESC, a.id DESC",
            (before, user),
        )
        older = (
            self._sql_read(
                "SELECT a.id FROM reader_marks m JOIN articles a ON a.id = m.article_id "
                "WHERE m.user_name = ? AND m.read = 0 AND a.sort_time < ? "
                "ORDER BY a.sort_time DESC, a.id DESC",
                (user, before),
            )
            if before
            else []
        )
        return [int(row["id"]) for row in (*newer, *older)]

    def starred_ids(self, user: str) -> list[int]:
        """Every article id the reader starred, newest first."""
        rows = self._sql_read(
            "SELECT a.id FROM reader_marks m JOIN articles a ON a.id = m.article_id "
            "WHERE m.user_name = ? AND m.starred = 1 ORDER BY a.sort_time DESC, a.id DESC",
            (user,),
        )
        return [int(row["id"]) for row in rows]

    # --- items ------------------------------------------------------------------------------

    def articles_by_id(
        self,
        *,
        since_id: int | None = None,
        max_id: int | None = None,
        with_ids: list[int] | None = None,
        limit: int = ITEMS_PAGE,
    ) -> list[SortedArticle]:
        """A page of whole articles by id: those of ``with_ids`` (ascending), else the
        ``limit`` after ``since_id`` (ascending), else the ``limit`` before ``max_id``
        (descending; 0 is "the newest"), else the first ``limit`` ids."""
        limit = max(1, min(limit, ITEMS_PAGE))
        if with_ids is not None:
            wanted = sorted(set(with_ids))[:ITEMS_PAGE]
            if not wanted:
                return []
            marks = ", ".join("?" for _ in wanted)
            where, order, parameters = f"id IN ({marks})", "id", tuple(wanted)
        elif since_id is not None:
            where, order, parameters = "id > ?", "id", (since_id,)
        elif max_id is not None and max_id > 0:
            where, order, parameters = "id < ?", "id DESC", (max_id,)
        elif max_id is not None:
            where, order, parameters = "1 = 1", "id DESC", ()
        else:
            where, order, parameters = "1 = 1", "id", ()
        rows = self._sql_read(
            f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE {where} ORDER BY {order} LIMIT ?",
            (*parameters, limit),
        )
        return [SortedArticle(stored(row), row["sort_time"]) for row in rows]

    # --- links ------------------------------------------------------------------------------

    def hot_stories(
        self, since: str, until: str, *, limit: int, offset: int = 0, min_sources: int = 2
    ) -> list[HotStory]:
        """The stories told by at least ``min_sources`` outlets whose newest article is in
        [``since``, ``until``), most outlets first, then the most recent."""
        rows = self._sql_read(
            "SELECT story_id, headline, sources, last_time FROM story_summaries "
            "WHERE sources >= ? AND last_time >= ? AND last_time < ? "
            "ORDER BY sources DESC, last_time DESC, story_id DESC LIMIT ? OFFSET ?",
            (min_sources, since, until, max(1, limit), max(0, offset)),
        )
        if not rows:
            return []
        ids = [int(row["story_id"]) for row in rows]
        marks = ", ".join("?" for _ in ids)
        members: dict[int, list[tuple[int, str | None]]] = {}
        for row in self._sql_read(
            "SELECT s.story_id, a.id, a.feed FROM stories s JOIN articles a ON a.id = s.article_id "
            f"WHERE s.story_id IN ({marks}) ORDER BY s.story_id, a.id",
            tuple(ids),
        ):
            members.setdefault(int(row["story_id"]), []).append((int(row["id"]), row["feed"]))
        found = []
        for row in rows:
            story = members.get(int(row["story_id"]), [])
            if not story:
                continue  # emptied since its digest was read
            found.append(
                HotStory(
                    int(row["story_id"]),
                    row["headline"],
                    int(row["sources"]),
                    row["last_time"],
                    tuple(i for i, _ in story[:MAX_STORY_IDS]),
                    story[0][1],
                )
            )
        return found
