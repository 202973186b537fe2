"""Archives to backfill, on SQLite (a file, as worker processes need) and on PostgreSQL.

Each article is a real news text (tests/data/summaries, CNN and BBC) with a paragraph of
another, stored with a lead summary. The store stamps every summary it saves with the current
summarizer, so the tests then say which summaries an "older summarizer" wrote: ``age``
changes their ``summarizer`` column, as an archive written by an earlier version has it.
PostgreSQL archives are databases of their own on the server of tests/store/conftest.py,
skipped without one (failed under CI).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from nutgraf.nlp.summarize import lead
from nutgraf.records import ArchiveItem, Article, Block
from nutgraf.store import open_store
from tests.store.conftest import Server, postgres_server

__all__ = ["postgres_server"]  # the fixture shared with tests/store

DATA = Path(__file__).resolve().parents[1] / "data" / "summaries"
OLDER = "nutgraf 0.0.1/000000000000"
Snapshot = dict[int, tuple[str, str | None]]


def _texts() -> list[list[str]]:
    """The paragraphs of each shared text (CNN stories come as one: three sentences each)."""
    texts = []
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            text = json.loads(line)["text"]
            paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
            if len(paragraphs) < 3:
                sentences = text.replace(". ", ".\n").splitlines()
                paragraphs = [" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)]
            texts.append(paragraphs)
    return texts


def fill(location: str, count: int) -> list[int]:
    """Store ``count`` distinct articles with lead summaries; their ids."""
    texts = _texts()
    ids = []
    store = open_store(location)
    try:
        for n in range(count):
            paragraphs = [*texts[n % len(texts)], texts[(7 * n + 3) % len(texts)][0]]
            article = Article(
                title=f"{paragraphs[0][:50]} ({n})",
                blocks=tuple(Block("paragraph", p) for p in paragraphs),
                source="Test Wire",
                published=f"2026-01-{1 + n % 28:02d}T08:00Z",
                language="en",
            )
            saved = store.save(
                ArchiveItem(
                    article=article,
                    summary=lead(article),
                    fetched="2026-02-01T00:00:00Z",
                    content_hash=f"hash-{n}",
                    url=f"https://wire.example/{n}",
                    canonical_url=f"https://wire.example/{n}",
                    site="https://wire.example/",
                )
            )
            ids.append(saved.id)
    finally:
        store.close()
    return ids


def execute(location: str, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Run one statement on the archive's database directly (``?`` marks parameters)."""
    if location.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(location, autocommit=True) as db:
            cursor = db.execute(sql.replace("?", "%s"), tuple(parameters))
            return list(cursor.fetchall()) if cursor.description else []
    with closing(sqlite3.connect(location)) as db, db:
        return db.execute(sql, tuple(parameters)).fetchall()


def age(location: str, ids: Sequence[int], summarizer: str | None = OLDER) -> None:
    """Say that ``summarizer`` (an older one, or None: from before they were recorded) wrote
    these articles' summaries."""
    marks = ", ".join("?" * len(ids))
    execute(
        location, f"UPDATE articles SET summarizer = ? WHERE id IN ({marks})", (summarizer, *ids)
    )


def snapshot(location: str) -> Snapshot:
    """Every article's stored summary and summarizer, by id."""
    rows = execute(location, "SELECT id, summary, summarizer FROM articles ORDER BY id")
    return {int(i): (summary, summarizer) for i, summary, summarizer in rows}


def checkpoints(location: str) -> dict[str, int]:
    return {n: int(p) for n, p in execute(location, "SELECT name, position FROM checkpoints")}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def new_archive(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], str]:
    """Makes empty archives on one backend (a SQLite file, or a PostgreSQL database); each
    call gives the location of a new one."""
    server: Server | None = None
    if request.param == "postgres":
        server = request.getfixturevalue("postgres_server")
    made = 0

    def make() -> str:
        nonlocal made
        made += 1
        return server.create() if server else str(tmp_path / f"archive-{made}.db")

    return make
