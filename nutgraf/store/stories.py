"""Stories in the archive: which story each article is in, the clusterer's saved state, and
each story's digest (headline, counts, multi-source summary), shared by both backends.

Written once in SQL that SQLite and PostgreSQL both take, as ``reading.py`` is. A story's
digest is worked out when its members change (``nutgraf.stories.archive``), so a story page
or the list of stories reads one row by key, never an aggregate over the archive.

Saving is a compare-and-set on how far the stories go (``through``, the last article id they
hold): the updater works out its batch outside any transaction, and ``save_stories`` stores
it only if no other updater has saved since it read the state (SQLite: under ``BEGIN
IMMEDIATE``; PostgreSQL: under a transaction-level advisory lock). So two updaters never both
place an article, and ingest writers never wait for the clustering.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from nutgraf.records import Headline
from nutgraf.serialize import story_sentence_json
from nutgraf.store.records import Arrival, Placement, StoryDigest, StoryText
from nutgraf.store.rows import HEADLINE_COLUMNS, bounded, headline, second
from nutgraf.store.shared import SharedQueries
from nutgraf.stories.outlets import Member, count_story
from nutgraf.stories.summary import StorySentence

# Taken by a PostgreSQL story save for its transaction: one saver at a time.
STORY_LOCK = 0x6E75_7467_7261_6602  # "nutgraf" 02


class StoryQueries(SharedQueries):
    """Mixed into a backend providing ``_read(sql, parameters)`` and ``_write()`` (a
    transaction whose connection takes ``execute(sql, parameters)``); rows indexed by name."""

    # --- the updater's side -------------------------------------------------------------

    def story_state(self) -> tuple[int, dict[str, Any]] | None:
        rows = self._sql_read("SELECT through, state FROM story_state WHERE id = 1")
        if not rows:
            return None
        return int(rows[0]["through"]), json.loads(rows[0]["state"])

    def story_through(self) -> int:
        rows = self._sql_read("SELECT through FROM story_state WHERE id = 1")
        return int(rows[0]["through"]) if rows else 0

    def arrivals(self, after: int, limit: int) -> list[Arrival]:
        rows = self._sql_read(
            "SELECT id, title, text, language, sort_time, fetched, duplicate_of, published, "
            "site, url, source, feed FROM articles WHERE id > ? ORDER BY id LIMIT ?",
            (after, max(1, limit)),
        )
        return [
            Arrival(
                int(row["id"]),
                row["title"] or "",
                row["text"] or "",
                row["language"],
                _iso(second(row["sort_time"], row["fetched"])),
                None if row["duplicate_of"] is None else int(row["duplicate_of"]),
                row["published"],
                row["site"],
                row["url"],
                row["source"],
                row["feed"],
            )
            for row in rows
        ]

    def save_stories(
        self,
        placements: Sequence[Placement],
        texts: Sequence[StoryText],
        state: Mapping[str, Any],
        *,
        expected: int,
        through: int,
        at: str,
    ) -> bool:
        encoded = json.dumps(state, ensure_ascii=False, separators=(",", ":"))
        with self._write() as db:

            def run(sql: str, parameters: tuple[Any, ...] = ()) -> Any:
                return db.execute(self._sql(sql), parameters)

            if self._MARK != "?":
                run("SELECT pg_advisory_xact_lock(?)", (STORY_LOCK,))
            rows = run("SELECT through FROM story_state WHERE id = 1").fetchall()
            if (int(rows[0]["through"]) if rows else 0) != expected:
                return False
            touched = {p.story for p in placements} | {t.story for t in texts}
            for p in placements:
                old = run("SELECT story_id FROM stories WHERE article_id = ?", (p.article,))
                touched.update(int(row["story_id"]) for row in old.fetchall())
                moved = (
                    p.score is None
                    and run(
                        "UPDATE stories SET story_id = ?, reason = ?, assigned = ? "
                        "WHERE article_id = ?",
                        (p.story, p.reason, at, p.article),
                    ).rowcount
                )
                if not moved:
                    run(
                        "INSERT INTO stories(article_id, story_id, score, reason, assigned) "
                        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (article_id) DO UPDATE SET "
                        "story_id = excluded.story_id, score = excluded.score, "
                        "reason = excluded.reason, assigned = excluded.assigned",
                        (p.article, p.story, p.score or 0.0, p.reason, at),
                    )
                # Copies of the article go where it goes.
                run(
                    "UPDATE stories SET story_id = ? WHERE story_id <> ? AND article_id IN "
                    "(SELECT id FROM articles WHERE duplicate_of = ?)",
                    (p.story, p.story, p.article),
                )
            by_story = {t.story: t for t in texts}
            for story in sorted(touched):
                _refresh_digest(run, story, by_story.get(story), at)
            run(
                "INSERT INTO story_state(id, through, state, saved) VALUES (1, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET through = excluded.through, "
                "state = excluded.state, saved = excluded.saved",
                (through, encoded, at),
            )
            return True

    # --- the reader's side --------------------------------------------------------------

    def story_of(self, article_id: int) -> int | None:
        rows = self._sql_read("SELECT story_id FROM stories WHERE article_id = ?", (article_id,))
        return int(rows[0]["story_id"]) if rows else None

    def story_articles(self, story_id: int) -> list[Headline]:
        columns = ", ".join(f"a.{c.strip()}" for c in HEADLINE_COLUMNS.split(","))
        rows = self._sql_read(
            f"SELECT {columns} FROM stories s JOIN articles a ON a.id = s.article_id "
            "WHERE s.story_id = ? ORDER BY a.sort_time, a.id",
            (story_id,),
        )
        return [headline(row) for row in rows]

    def story_digest(self, story_id: int) -> StoryDigest | None:
        rows = self._sql_read(
            f"SELECT {_DIGEST} FROM story_summaries WHERE story_id = ?", (story_id,)
        )
        return _digest(rows[0]) if rows else None

    def latest_stories(
        self, *, limit: int = 20, offset: int = 0, min_sources: int = 2
    ) -> list[StoryDigest]:
        limit, offset = bounded(limit, offset)
        rows = self._sql_read(
            f"SELECT {_DIGEST} FROM story_summaries WHERE sources >= ? "
            "ORDER BY last_time DESC, story_id DESC LIMIT ? OFFSET ?",
            (min_sources, limit, offset),
        )
        return [_digest(row) for row in rows]


_DIGEST = "story_id, headline, articles, sources, first_time, last_time, members, summary, computed"


def _refresh_digest(run: Any, story: int, text: StoryText | None, at: str) -> None:
    """Count the story's articles and outlets again (``count_story``) and store its text
    (when given); a story left with no article loses its digest."""
    rows = run(
        "SELECT a.id, a.site, a.url, a.source, a.feed, a.title, a.duplicate_of, a.sort_time, "
        "a.first_seen, a.dated "
        "FROM stories s JOIN articles a ON a.id = s.article_id WHERE s.story_id = ?",
        (story,),
    ).fetchall()
    if not rows:
        run("DELETE FROM story_summaries WHERE story_id = ?", (story,))
        return
    # One outlet is one source and one article reached twice is one article (outlets.py).
    articles, sources = count_story(
        Member(
            int(row["id"]),
            row["site"],
            row["url"],
            row["source"],
            row["feed"],
            row["title"],
            None if row["duplicate_of"] is None else int(row["duplicate_of"]),
        )
        for row in rows
    )
    # An undated article's time is when it was first seen, not where it is listed (an
    # import's backlog waits at 1970): a story is never "first reported" in 1970.
    times = [
        row["sort_time"] if row["dated"] else row["first_seen"] or row["sort_time"] for row in rows
    ]
    counts = (articles, sources, min(times), max(times))
    if text is None:
        run(
            "UPDATE story_summaries SET articles = ?, sources = ?, first_time = ?, last_time = ? "
            "WHERE story_id = ?",
            (*counts, story),
        )
        return
    run(
        f"INSERT INTO story_summaries({_DIGEST}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (story_id) DO UPDATE SET headline = excluded.headline, "
        "articles = excluded.articles, sources = excluded.sources, "
        "first_time = excluded.first_time, last_time = excluded.last_time, "
        "members = excluded.members, summary = excluded.summary, computed = excluded.computed",
        (
            story,
            text.headline,
            *counts,
            json.dumps(list(text.members)),
            json.dumps([story_sentence_json(s) for s in text.sentences], ensure_ascii=False),
            at,
        ),
    )


def _digest(row: Any) -> StoryDigest:
    return StoryDigest(
        id=int(row["story_id"]),
        headline=row["headline"],
        articles=int(row["articles"]),
        sources=int(row["sources"]),
        first=row["first_time"],
        last=row["last_time"],
        members=tuple(int(i) for i in json.loads(row["members"])),
        sentences=tuple(
            StorySentence(
                s["text"], int(s["article"]), s["source"], s["paragraph"], s["start"], s["end"]
            )
            for s in json.loads(row["summary"])
        ),
        computed=row["computed"],
    )


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()
