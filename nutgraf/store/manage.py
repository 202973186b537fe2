"""Removing things from the archive: articles (``nutgraf delete``, ``purge``) and feeds
(``nutgraf feeds remove|disable|enable``), written once for both backends, as
``stories.py`` is.

A deletion runs in two steps. ``plan_deletion`` reads what the articles touch: the copies
that outlive their original and the stories that hold them. The caller works the stories'
new texts and the clusterer's state out from that plan (``nutgraf.manage``), and
``delete_articles`` writes everything in one transaction, after checking, under its locks,
that the plan still holds (no new copy of a deleted article arrived, no story updater saved
meanwhile); when it does not, nothing is written and it returns False, to plan again.

What a deletion keeps consistent:

- Copies: the earliest remaining copy of a deleted original becomes the original (its
  duplicate fields cleared) and the later copies point to it; a copy is never left pointing
  at nothing, and a reader keeps every copy they could read before.
- Search: SQLite's FTS5 index follows the rows (its delete trigger); PostgreSQL's tsvector
  is in the row. Near-duplicate keys and the deleted articles' own "Read also" lists go; other
  articles' kept lists are filtered when read (``read_also`` shows only ids that exist), and
  ids are never handed out again (SQLite: ``DELETED_THROUGH``), so a kept id never names
  another article.
- Stories: the deleted articles leave the ``stories`` table; each story they were in gets
  its counts, headline and summary again, or loses its digest when it is left empty.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from nutgraf.controls import strip_controls
from nutgraf.records import Fetch
from nutgraf.store.base import FeedState
from nutgraf.store.records import DeletionPlan, StoryMember, StoryRepair
from nutgraf.store.rows import feed_state, tombstones
from nutgraf.store.shared import SharedQueries
from nutgraf.store.stories import STORY_LOCK, _refresh_digest

# The checkpoint holding the highest article id ever deleted: SQLite's next id is the highest
# present plus one, so without it a new article could take a deleted one's id (and its place
# in other articles' "Read also" lists, or fall behind how far the stories go).
DELETED_THROUGH = "deleted-articles-through"
# What ``nutgraf feeds disable`` records as the reason.
ADMIN_DISABLED = "disabled by the admin"


class ManageQueries(SharedQueries):
    """Mixed into a backend (``SharedQueries``)."""

    @property
    def _sqlite(self) -> bool:
        return self._MARK == "?"

    def _manage_sql(self, sql: str) -> str:
        """``sql`` with ``IN_IDS`` (membership in one list parameter) and the backend's mark."""
        ids = "IN (SELECT value FROM json_each(?))" if self._sqlite else "= ANY(?)"
        sql = sql.replace("IN_IDS", ids)
        return sql if self._sqlite else sql.replace("?", self._MARK)

    def _id_list(self, ids: Sequence[int]) -> Any:
        """A list of ids as ``IN_IDS`` takes it."""
        listed = sorted({int(i) for i in ids})
        return json.dumps(listed) if self._sqlite else listed

    def _manage_read(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[Any]:
        return self._read(self._manage_sql(sql), parameters)

    def was_deleted(self, fetch: Fetch) -> bool:
        keys = tombstones(fetch.canonical_url, fetch.feed, fetch.guid)
        if not keys:
            return False
        marks = ", ".join("?" * len(keys))
        return bool(self._manage_read(f"SELECT 1 FROM deleted WHERE key IN ({marks})", tuple(keys)))

    # --- choosing articles ----------------------------------------------------------------

    def feed_article_ids(self, url: str) -> list[int]:
        """The articles stored from the feed at ``url``, ascending."""
        match = "feed = ?" if self._sqlite else "md5(feed) = md5(?) AND feed = ?"
        parameters = (url,) if self._sqlite else (url, url)
        rows = self._manage_read(f"SELECT id FROM articles WHERE {match} ORDER BY id", parameters)
        return [int(row["id"]) for row in rows]

    def articles_before(self, cutoff: str, limit: int) -> list[int]:
        """Up to ``limit`` articles whose sort time and first-seen time are both before
        ``cutoff`` (ISO 8601, compared as the archive orders them), the oldest first. An
        article first seen lately stays, however old its date: a first import of old news
        (or an undated backlog, listed at 1970) purged at once would come back at the next
        poll of a feed that still carries it."""
        rows = self._manage_read(
            "SELECT id FROM articles WHERE sort_time < ? AND first_seen < ? "
            "ORDER BY sort_time, id LIMIT ?",
            (cutoff, cutoff, max(0, limit)),
        )
        return [int(row["id"]) for row in rows]

    def story_members(self, story_id: int) -> list[StoryMember]:
        """Every article the story holds (copies too), ascending."""
        rows = self._manage_read(
            "SELECT a.id, a.duplicate_of FROM stories s JOIN articles a ON a.id = s.article_id "
            "WHERE s.story_id = ? ORDER BY a.id",
            (story_id,),
        )
        return [StoryMember(int(r["id"]), _id(r["duplicate_of"])) for r in rows]

    # --- deleting articles ----------------------------------------------------------------

    def plan_deletion(self, ids: Sequence[int]) -> DeletionPlan:
        """What deleting the articles ``ids`` touches (ids that do not exist are left out)."""
        if not ids:
            return DeletionPlan(())
        rows = self._manage_read("SELECT id FROM articles WHERE id IN_IDS", (self._id_list(ids),))
        found = tuple(sorted(int(row["id"]) for row in rows))
        if not found:
            return DeletionPlan(())
        copies = self._manage_read(
            "SELECT id, duplicate_of FROM articles WHERE duplicate_of IN_IDS ORDER BY id",
            (self._id_list(found),),
        )
        stories = self._manage_read(
            "SELECT DISTINCT story_id FROM stories WHERE article_id IN_IDS ORDER BY story_id",
            (self._id_list(found),),
        )
        return DeletionPlan(
            found,
            _successors(found, [(int(r["id"]), int(r["duplicate_of"])) for r in copies]),
            tuple(int(row["story_id"]) for row in stories),
        )

    def delete_articles(
        self,
        plan: DeletionPlan,
        repair: StoryRepair | None,
        *,
        at: str,
        feed: int | None = None,
    ) -> bool:
        """Delete the planned articles in one transaction (and the feed with id ``feed``, when
        given): copies re-pointed, keys, lists and story places removed, the touched stories
        recounted and given ``repair``'s texts, the clusterer's state saved. False, with
        nothing written, when the plan no longer holds."""
        with self._write() as db:

            def run(sql: str, parameters: tuple[Any, ...] = ()) -> Any:
                return db.execute(self._manage_sql(sql), parameters)

            if not self._sqlite:
                run("SELECT pg_advisory_xact_lock(?)", (STORY_LOCK,))
            ids = self._id_list(plan.ids)
            locked = run(
                "SELECT id FROM articles WHERE id IN_IDS"
                + ("" if self._sqlite else " ORDER BY id FOR UPDATE"),
                (ids,),
            ).fetchall()
            copies = run(
                "SELECT id, duplicate_of FROM articles WHERE duplicate_of IN_IDS ORDER BY id",
                (ids,),
            ).fetchall()
            successors = _successors(
                plan.ids, [(int(r["id"]), int(r["duplicate_of"])) for r in copies]
            )
            if len(locked) != len(plan.ids) or successors != dict(plan.successors):
                return False
            if repair is not None:
                through = run("SELECT through FROM story_state WHERE id = 1").fetchall()
                if (int(through[0]["through"]) if through else 0) != repair.expected:
                    return False
            for original, heir in sorted(successors.items()):
                run(
                    "UPDATE articles SET duplicate_of = NULL, duplicate_kind = NULL, "
                    "overlap = NULL, duplicate_reason = NULL WHERE id = ?",
                    (heir,),
                )
                run(
                    "UPDATE articles SET duplicate_of = ?, "
                    "duplicate_reason = replace(duplicate_reason, ?, ?) "
                    "WHERE duplicate_of = ? AND NOT id IN_IDS",
                    (heir, f"article {original}", f"article {heir}", original, ids),
                )
            gone = run(
                "SELECT canonical_url, feed, guid FROM articles WHERE id IN_IDS", (ids,)
            ).fetchall()
            for row in gone:
                for key in tombstones(row["canonical_url"], row["feed"], row["guid"]):
                    run(
                        "INSERT INTO deleted(key, at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                        (key, at),
                    )
            for table in ("near_keys", "read_also", "stories", "reader_marks", "reader_labels"):
                run(f"DELETE FROM {table} WHERE article_id IN_IDS", (ids,))
            run("DELETE FROM articles WHERE id IN_IDS", (ids,))
            if self._sqlite and plan.ids:
                run(
                    "INSERT INTO checkpoints(name, position, updated) VALUES (?, ?, ?) "
                    "ON CONFLICT(name) DO UPDATE SET "
                    "position = max(position, excluded.position), updated = excluded.updated",
                    (DELETED_THROUGH, max(plan.ids), at),
                )
            texts = {t.story: t for t in repair.texts} if repair is not None else {}
            for story in plan.stories:
                _refresh_digest(run, story, texts.get(story), at)
            if repair is not None and repair.state is not None:
                run(
                    "UPDATE story_state SET state = ?, saved = ? WHERE id = 1",
                    (json.dumps(repair.state, ensure_ascii=False, separators=(",", ":")), at),
                )
            if feed is not None:
                run("DELETE FROM feeds WHERE id = ?", (feed,))
            return True

    # --- feeds ----------------------------------------------------------------------------

    def remove_feed(self, feed_id: int) -> bool:
        """Unsubscribe the feed with id ``feed_id`` (its articles stay); whether it was there."""
        with self._write() as db:
            cursor = db.execute(self._manage_sql("DELETE FROM feeds WHERE id = ?"), (feed_id,))
            return bool(cursor.rowcount)

    def disable_feed(self, feed_id: int, reason: str = ADMIN_DISABLED) -> FeedState | None:
        """Stop polling the feed (``reason`` shown by ``nutgraf feeds``); its lease ends."""
        return self._set_feed(
            "disabled_reason = ?, lease_owner = NULL, lease_until = NULL", (reason,), feed_id
        )

    def enable_feed(self, feed_id: int, now: str) -> FeedState | None:
        """Poll the feed again, from now: its reason and failure state are cleared."""
        return self._set_feed(
            "disabled_reason = NULL, failures = 0, first_failure = NULL, last_error = NULL, "
            "next_check = ?, lease_owner = NULL, lease_until = NULL",
            (now,),
            feed_id,
        )

    def edit_feed(self, feed_id: int, title: str | None, category: str | None) -> FeedState | None:
        """Set the feed's title and category (None clears them: the next poll gives the feed's
        own title back); None when there is no such feed."""
        return self._set_feed(
            "title = ?, category = ?", (strip_controls(title), strip_controls(category)), feed_id
        )

    def _set_feed(
        self, assignments: str, parameters: tuple[Any, ...], feed_id: int
    ) -> FeedState | None:
        with self._write() as db:
            db.execute(
                self._manage_sql(f"UPDATE feeds SET {assignments} WHERE id = ?"),
                (*parameters, feed_id),
            )
            row = db.execute(
                self._manage_sql("SELECT * FROM feeds WHERE id = ?"), (feed_id,)
            ).fetchone()
        return feed_state(row) if row is not None else None


def _successors(deleted: Sequence[int], copies: Sequence[tuple[int, int]]) -> dict[int, int]:
    """For each deleted original, its earliest copy that is not deleted too."""
    gone = set(deleted)
    heirs: dict[int, int] = {}
    for copy, original in sorted(copies):
        if copy not in gone and original in gone:
            heirs.setdefault(original, copy)
    return heirs


def _id(value: Any) -> int | None:
    return None if value is None else int(value)
