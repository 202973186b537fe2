"""The archive on every backend: upserts, duplicates, search, feeds; then what only the SQLite
file has (migrations, PRAGMAs, locks, concurrent writers on one file).

The ``store`` fixture (tests/store/conftest.py) runs each test against SQLite and against
PostgreSQL; tests/store/test_postgres.py holds what only PostgreSQL has."""

from __future__ import annotations

import hashlib
import multiprocessing
import sqlite3
import sys
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nutgraf.errors import InputError, NutgrafError
from nutgraf.records import ArchiveItem, Article, Block, Summary, SummarySentence
from nutgraf.store import NearQuery, PollOutcome, SQLiteStore, Store
from nutgraf.store.migrations import SQLITE_MIGRATIONS

NOW = "2026-11-24T10:00:00Z"


def item(
    text: str,
    *,
    url: str | None = None,
    title: str = "A headline",
    published: str | None = None,
    feed: str | None = None,
    guid: str | None = None,
    site: str | None = None,
) -> ArchiveItem:
    article = Article(
        title=title,
        blocks=(Block("subheading", "Part one"), Block("paragraph", text)),
        source="Example News",
        byline="Jo Writer",
        published=published,
        language="en",
        related=("Another story",),
        url=url,
    )
    summary = Summary((SummarySentence(text, 0, 0, len(text)),), "en", 1)
    return ArchiveItem(
        article=article,
        summary=summary,
        fetched=NOW,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        url=url,
        canonical_url=url,
        feed=feed,
        guid=guid,
        site=site,
        html=f"<p>{text}</p>",
    )


def module_of(store: Store) -> ModuleType:
    """The backend's module, whose settings (RANKED_WINDOW...) a test may change."""
    return sys.modules[type(store).__module__]


def test_an_article_round_trips(store: Store) -> None:
    original = item("The council voted to repair the bridge.", url="https://example.org/a")
    result = store.save(original)
    assert result.status == "new"
    stored = store.get(result.id)
    assert stored is not None
    assert stored.item == original
    assert stored.duplicate is None


def test_saving_again_is_a_no_op_and_a_changed_text_an_update(store: Store) -> None:
    first = store.save(item("Version one of the story.", url="https://example.org/a"))
    again = store.save(item("Version one of the story.", url="https://example.org/a"))
    assert (again.status, again.id) == ("unchanged", first.id)
    changed = store.save(item("Version two, corrected.", url="https://example.org/a"))
    assert (changed.status, changed.id) == ("updated", first.id)
    assert store.count() == 1
    assert store.search("corrected")[0].id == first.id
    assert store.search("one") == []


def test_unchanged_answers_before_a_save_what_the_save_would(store: Store) -> None:
    feed = "https://example.org/feed.xml"
    stored = item("Version one.", url="https://example.org/a", feed=feed, guid="g1")
    assert store.unchanged(stored.fetch) is None
    first = store.save(stored).id
    assert store.unchanged(stored.fetch) == first
    # The same entry read at another address of the feed is still known by its GUID.
    moved = item("Version one.", url="https://example.org/a?v=2", feed=feed, guid="g1")
    assert store.unchanged(moved.fetch) == first
    for changed in (
        item("Version two.", url="https://example.org/a", feed=feed, guid="g1"),
        item("Version one.", url="https://example.org/a", title="New headline"),
    ):
        assert store.unchanged(changed.fetch) is None
        assert store.save(changed).status == "updated"
    assert store.unchanged(item("Version one.", url="https://example.org/b").fetch) is None
    pasted = item("Pasted text.")
    store.save(pasted)
    assert store.unchanged(pasted.fetch) == store.save(pasted).id


def test_the_same_guid_in_the_same_feed_is_the_same_article(store: Store) -> None:
    feed = "https://example.org/feed.xml"
    first = store.save(item("Text.", url="https://example.org/a?v=1", feed=feed, guid="g1"))
    moved = store.save(item("Text.", url="https://example.org/a?v=2", feed=feed, guid="g1"))
    assert moved.id == first.id
    other_feed = store.save(item("Text!", url="https://other.org/x", feed="f2", guid="g1"))
    assert other_feed.id != first.id


def test_a_file_without_an_address_is_known_by_its_text(store: Store) -> None:
    first = store.save(item("Pasted text of a page."))
    assert store.save(item("Pasted text of a page.")).status == "unchanged"
    assert store.save(item("Pasted text of a page.")).id == first.id


def test_the_same_text_at_another_address_is_linked_not_dropped(store: Store) -> None:
    first = store.save(item("Wire copy about the storm.", url="https://a.example/storm"))
    copy = store.save(item("Wire copy about the storm.", url="https://b.example/storm-news"))
    assert copy.status == "duplicate"
    assert copy.duplicate is not None
    assert (copy.duplicate.of, copy.duplicate.kind, copy.duplicate.overlap) == (
        first.id,
        "content",
        1.0,
    )
    stored = store.get(copy.id)
    assert stored is not None and stored.duplicate == copy.duplicate
    assert store.count() == 2


def test_a_near_copy_is_linked_to_the_best_candidate(store: Store) -> None:
    def near(keys: tuple[int, ...], scores: dict[str, float]) -> NearQuery:
        return NearQuery(
            keys=keys,
            overlap=lambda text: scores.get(text, 0.0),
            threshold=0.8,
            describe=lambda overlap: f"{overlap:.0%} shared",
        )

    a = store.save(item("alpha text", url="https://a.example/1"), near((1, 2, 3), {}))
    b = store.save(item("beta text", url="https://b.example/1"), near((3, 4), {}))
    unrelated = store.save(item("gamma text", url="https://c.example/1"), near((9,), {}))
    assert {a.status, b.status, unrelated.status} == {"new"}
    scores = {"alpha text": 0.85, "beta text": 0.95, "gamma text": 1.0}
    result = store.save(item("delta text", url="https://d.example/1"), near((2, 3), scores))
    assert result.status == "duplicate"
    assert result.duplicate is not None
    assert (result.duplicate.of, result.duplicate.kind) == (b.id, "near")
    assert result.duplicate.reason == "95% shared"
    below = store.save(item("eps text", url="https://e.example/1"), near((1,), {"alpha text": 0.5}))
    assert below.status == "new"


def test_search_is_newest_first_and_ranked_on_request(store: Store) -> None:
    store.save(
        item("Storm hits the coast. Storm storm storm.", url="https://x/1", published="2026-01-01")
    )
    store.save(
        item("A storm is coming, forecasters say.", url="https://x/2", published="2026-03-01")
    )
    store.save(item("Budget talks stall again.", url="https://x/3", published="2026-02-01"))
    newest = [a.item.url for a in store.search("storm")]
    assert newest == ["https://x/2", "https://x/1"]
    ranked = [a.item.url for a in store.search("storm", ranked=True)]
    assert ranked[0] == "https://x/1"
    assert [a.item.url for a in store.latest()] == ["https://x/2", "https://x/3", "https://x/1"]


def density_archive(store: Store) -> None:
    """Texts of equal length with 3, 2 and 1 "storm", the densest the oldest; the newest
    article does not match at all."""
    for n, (storms, published) in enumerate(
        ((3, "2026-01-01"), (2, "2026-02-01"), (1, "2026-03-01"))
    ):
        text = " ".join(["storm"] * storms + ["calm"] * (8 - storms))
        store.save(item(text, url=f"https://x/{n}", published=published))
    store.save(item("calm " * 8, url="https://x/3", published="2026-04-01"))


def test_ranked_search_is_best_first(store: Store) -> None:
    density_archive(store)
    assert [a.item.url for a in store.search("storm")] == [
        "https://x/2",
        "https://x/1",
        "https://x/0",
    ]
    ranked = [a.item.url for a in store.search("storm", ranked=True)]
    assert ranked == ["https://x/0", "https://x/1", "https://x/2"]
    assert [a.item.url for a in store.search("storm", ranked=True, offset=1, limit=1)] == [
        "https://x/1"
    ]


def test_ranked_search_ranks_only_the_newest_matches(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    density_archive(store)
    monkeypatch.setattr(module_of(store), "RANKED_WINDOW", 2)
    # The best match is the oldest, outside the window of the two newest matches (the
    # newest article does not match, so it does not take a place in the window).
    ranked = [a.item.url for a in store.search("storm", ranked=True)]
    assert ranked == ["https://x/1", "https://x/2"]
    assert store.search("storm", ranked=True, offset=2) == []
    assert len(store.search("storm")) == 3  # newest first is not windowed
    monkeypatch.setattr(module_of(store), "RANKED_WINDOW", 3)
    assert store.search("storm", ranked=True)[0].item.url == "https://x/0"


def test_search_takes_any_text_safely(store: Store) -> None:
    store.save(item('Quotes "and" NEAR( operators AND OR NOT *', url="https://x/1"))
    assert len(store.search('"and" NEAR( OR *')) == 1
    with pytest.raises(InputError, match="no words"):
        store.search(' "( ) * ')


def test_search_and_latest_are_bounded(store: Store) -> None:
    for n in range(120):
        store.save(item(f"Report number {n} on the harbour.", url=f"https://x/{n}"))
    assert len(store.search("harbour", limit=10_000)) == 100
    assert len(store.latest(limit=0)) == 1
    page_two = store.search("harbour", limit=50, offset=50)
    assert len(page_two) == 50


def test_feeds_are_added_once_and_their_polls_recorded(store: Store) -> None:
    feed, created = store.add_feed("https://example.org/feed.xml", now=NOW)
    assert created
    again, created_again = store.add_feed("https://example.org/feed.xml", now=NOW)
    assert (again.id, created_again) == (feed.id, False)
    assert [f.url for f in store.due_feeds(NOW)] == ["https://example.org/feed.xml"]
    failed = store.record_poll(
        feed.id, PollOutcome(checked=NOW, next_check="2026-11-24T11:00:00Z", error="HTTP 500")
    )
    assert (failed.failures, failed.last_error, failed.first_failure) == (1, "HTTP 500", NOW)
    assert store.due_feeds(NOW) == []
    later = "2026-11-24T12:00:00Z"
    ok = store.record_poll(
        feed.id,
        PollOutcome(checked=later, next_check="2026-11-24T13:00:00Z", etag='"v1"', title="Ex"),
    )
    assert (ok.failures, ok.last_error, ok.etag, ok.title) == (0, None, '"v1"', "Ex")
    disabled = store.record_poll(
        feed.id,
        PollOutcome(checked=later, next_check=later, error="gone", disabled_reason="HTTP 410"),
    )
    assert disabled.disabled_reason == "HTTP 410"
    assert store.due_feeds("2099-01-01T00:00:00Z") == []


def test_failures_are_kept(store: Store) -> None:
    store.record_failure("bad.xml", "not a feed", NOW)
    assert store.failures() == [("bad.xml", "not a feed", NOW)]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    title=st.text(max_size=80),
    text=st.text(min_size=1, max_size=400),
)
def test_any_text_round_trips(store: Store, title: str, text: str) -> None:
    if not isinstance(store, SQLiteStore):
        assume("\x00" not in title + text)  # PostgreSQL text cannot hold NUL (test_postgres)
    original = item(text, title=title, url="https://x/1")  # saved again: updated in place
    stored = store.get(store.save(original).id)
    assert stored is not None and stored.item == original


def test_a_few_equal_words_do_not_make_a_copy(store: Store) -> None:
    def short() -> NearQuery:
        return NearQuery((), lambda _text: 0.0, 0.35, str, identifying=False)

    first = store.save(item("Comments", url="https://news.example/1"), short())
    other = store.save(item("Comments", url="https://news.example/2"), short())
    assert (first.status, other.status) == ("new", "new")


def test_a_guid_that_changes_on_every_fetch_does_not_make_a_new_article(
    store: Store,
) -> None:
    feed = "https://example.org/feed.xml"
    first = store.save(item("Same story.", url="https://example.org/s", feed=feed, guid="t=1"))
    again = store.save(item("Same story.", url="https://example.org/s", feed=feed, guid="t=2"))
    assert (again.status, again.id) == ("unchanged", first.id)
    assert store.count() == 1


def test_a_changed_date_moves_the_article_in_search_order(store: Store) -> None:
    store.save(item("Floods in the valley.", url="https://x/1", published="2026-01-01"))
    store.save(item("Floods reach the town.", url="https://x/2", published="2026-02-01"))
    store.save(item("Floods in the valley, updated.", url="https://x/1", published="2026-03-01"))
    assert [a.item.url for a in store.search("floods")] == ["https://x/1", "https://x/2"]
    assert len(store.search("updated")) == 1 and store.search("valley")[0].item.url == "https://x/1"


def test_search_folds_case_and_latin_accents_and_splits_words(store: Store) -> None:
    store.save(item("Le café de Łódź: e-mail à l'équipe.", url="https://x/1", title="Crème brûlée"))
    for query in ("cafe", "CAFÉ", "łodz", "e mail", "equipe", "creme brulee", "l"):
        assert [a.item.url for a in store.search(query)] == ["https://x/1"], query
    assert store.search("lodz") == []  # ł is a letter of its own, not l with a mark
    assert store.search("email") == []


def test_long_addresses_are_stored_and_recognised(store: Store) -> None:
    url = "https://example.org/story?id=" + "7" * 5000
    feed = "https://example.org/feed.xml?key=" + "k" * 5000
    first = store.save(item("Long address.", url=url, feed=feed, guid=url))
    assert store.save(item("Long address.", url=url, feed=feed, guid=url)).id == first.id
    moved = store.save(item("Long address.", url=url + "&v=2", feed=feed, guid=url))
    assert (moved.status, moved.id) == ("unchanged", first.id)
    state, created = store.add_feed(feed, now=NOW)
    assert created and store.add_feed(feed, now=NOW) == (state, False)
    assert store.feed(feed) == state


# --- SQLite only: the database file, its PRAGMAs, its lock, its v1 -> v2 migration ------------
# (tests/store/test_postgres.py has PostgreSQL's migrations, errors and concurrent writers)


def test_a_database_file_keeps_its_data_and_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    with SQLiteStore(path) as store:
        store.save(item("Kept across opens.", url="https://x/1"))
        assert store.schema_version == len(SQLITE_MIGRATIONS)
    with SQLiteStore(path) as store:
        assert store.count() == 1
        assert store.search("kept")[0].item.url == "https://x/1"
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_a_newer_or_foreign_database_is_refused(tmp_path: Path) -> None:
    newer = tmp_path / "newer.db"
    db = sqlite3.connect(newer)
    db.executescript(
        "CREATE TABLE articles(id); CREATE TABLE feeds(id); PRAGMA user_version = 999;"
    )
    db.close()
    with pytest.raises(NutgrafError, match="newer than this nutgraf"):
        SQLiteStore(newer)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(NutgrafError, match=r"not a nutgraf archive \(not a SQLite database\)"):
        SQLiteStore(junk)
    with pytest.raises(NutgrafError, match="is missing"):
        SQLiteStore(tmp_path / "no" / "such" / "dir.db")


def _write_many(path: str, worker: int) -> None:
    with SQLiteStore(path) as store:
        for n in range(40):
            # Both workers write the same 40 URLs; each must be stored once.
            store.save(item(f"Shared story {n}.", url=f"https://x/{n}"))


def test_two_processes_writing_the_same_articles_store_each_once(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.db")
    SQLiteStore(path).close()
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_write_many, args=(path, w)) for w in range(2)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(60)
        assert process.exitcode == 0
    with SQLiteStore(path) as store:
        assert store.count() == 40
        assert all(a.duplicate is None for a in store.articles())


def test_a_database_locked_by_another_writer_gives_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "locked.db"
    SQLiteStore(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    monkeypatch.setattr("nutgraf.store.sqlite.BUSY_TIMEOUT_MS", 100)
    try:
        with SQLiteStore(path) as store:
            store._db.execute("PRAGMA busy_timeout = 100")
            with pytest.raises(NutgrafError, match="another process has held it"):
                store.save(item("Text.", url="https://x/1"))
            assert store.count() == 0  # reading still works while another process writes
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_version_1_archive_is_migrated_and_searchable(tmp_path: Path) -> None:
    """Migration 2 re-keys the full-text index by time; the old articles keep being found."""
    path = tmp_path / "v1.db"
    old = sqlite3.connect(path, isolation_level=None)
    old.executescript(SQLITE_MIGRATIONS[0])
    old.execute("PRAGMA user_version = 1")
    for n, when in enumerate(("2026-01-05", "2026-03-05T10:00Z", "2026-02-05")):
        old.execute(
            "INSERT INTO articles(url, canonical_url, title, fetched, sort_time, blocks, text, "
            "summary, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                f"https://x/{n}",
                f"https://x/{n}",
                f"Harbour story {n}",
                NOW,
                when,
                '[["paragraph", "The harbour reopened."]]',
                "The harbour reopened.",
                '{"language": "en", "reading_minutes": 1, "sentences": []}',
                f"hash{n}",
            ),
        )
    old.close()
    with SQLiteStore(path) as store:
        assert store.schema_version == len(SQLITE_MIGRATIONS)
        found = store.search("harbour")
        assert [a.item.url for a in found] == ["https://x/1", "https://x/2", "https://x/0"]
        # Migration 7: rows without a publication date are marked undated, first seen when
        # they were fetched, and keep their place.
        assert {(a.dated, a.first_seen) for a in found} == {(False, NOW)}
        store.save(item("The harbour closed again.", url="https://x/3", published="2026-04-01"))
        assert store.search("harbour")[0].item.url == "https://x/3"


def test_migration_17_puts_small_columns_first_and_keeps_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An archive of schema 16 (long texts before ``kind``, ``image``, ``first_seen``...) is
    rebuilt: every article, its search entry, reading state, Read also and the references
    to it are kept, and foreign keys are enforced again afterwards."""
    path = tmp_path / "v16.db"
    monkeypatch.setattr("nutgraf.store.sqlite.SQLITE_MIGRATIONS", SQLITE_MIGRATIONS[:16])
    with SQLiteStore(path) as store:
        assert store.schema_version == 16
        first = store.save(item("The harbour reopened after the storm.", url="https://x/1")).id
        second = store.save(item("Ferries sail again from the harbour.", url="https://x/2")).id
        store.keep_read_also(first, [(second, 2.5)], NOW)
        store.set_read("reader", [first], True)
        store.set_starred("reader", second, True, NOW)
    order = [r[1] for r in sqlite3.connect(path).execute("PRAGMA table_info(articles)")]
    assert order.index("kind") > order.index("html")  # the layout the migration fixes
    monkeypatch.undo()

    with SQLiteStore(path) as store:
        assert store.schema_version == len(SQLITE_MIGRATIONS)
        order = [r[1] for r in store._db.execute("PRAGMA table_info(articles)")]
        assert max(order.index(c) for c in ("kind", "image", "first_seen", "dated")) < min(
            order.index(c) for c in ("blocks", "html", "text")
        )
        assert store.count() == 2
        assert {a.id for a in store.search("harbour")} == {first, second}
        kept = store.read_also(first)
        assert kept is not None and [(h.id, s) for h, s in kept] == [(second, 2.5)]
        marks = store.article_marks("reader", [first, second])
        assert (marks[first].read, marks[second].starred) == (True, True)
        assert store._db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert store._db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            store._db.execute("INSERT INTO read_also VALUES (999999, ?, '[]')", (NOW,))
        # The triggers came back: a new article is found, and an edited one by its new words.
        third = store.save(item("A lighthouse keeper retired.", url="https://x/3")).id
        assert [a.id for a in store.search("lighthouse")] == [third]
