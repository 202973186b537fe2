"""Search matches word forms in the article's language and counts what it finds (issue 17), on
every backend (the ``store`` fixture is in tests/store/conftest.py)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from nutgraf.errors import InputError
from nutgraf.nlp.stems import article_stems, forms_in, query_stems
from nutgraf.store import Store
from nutgraf.store.migrations import SQLITE_MIGRATIONS
from nutgraf.store.query import MAX_QUERY_CHARS
from nutgraf.store.sqlite import SQLiteStore
from tests.store.test_sqlite import NOW, item


def save(store: Store, text: str, language: str | None, *, title: str = "A headline") -> int:
    base = item(text, url=f"https://forms.test/{abs(hash(text))}", title=title)
    article = replace(base.article, language=language)
    summary = replace(base.summary, language=language or "en")
    return store.save(replace(base, article=article, summary=summary)).id


def found(store: Store, query: str) -> set[int]:
    return {stored.id for stored in store.search(query, limit=100)}


def test_a_word_finds_its_forms_in_the_articles_language(store: Store) -> None:
    strikes = save(store, "Dock workers began two strikes at the port on Monday.", "en")
    striking = save(store, "The striking nurses marched to the ministry.", "en")
    streiks = save(store, "Die Streiks der Lokführer legen den Bahnverkehr lahm.", "de")
    greve = save(store, "La grève des cheminots continue ce mardi à Paris.", "fr")
    huelga = save(store, "Los trabajadores convocaron huelgas en los puertos.", "es")
    stakingen = save(store, "De stakingen in de haven duren voort.", "nl")
    zabastovki = save(store, "Забастовки шахтёров продолжаются третий день.", "ru")

    assert found(store, "strike") == {strikes, striking}
    assert found(store, "Strikes") == {strikes, striking}
    assert found(store, "Streik") == {streiks}
    assert found(store, "streiks") == {streiks}
    assert found(store, "grèves") == {greve}
    assert found(store, "greve") == {greve}  # typed without its accent
    assert found(store, "huelga") == {huelga}
    assert found(store, "staking") == {stakingen}
    assert found(store, "забастовка") == {zabastovki}
    # Every word must match, each in some form.
    assert found(store, "strike port") == {strikes}
    assert found(store, "strike ministry") == {striking}
    assert found(store, "strike Paris") == set()
    # Exact words are found as before.
    assert found(store, "Lokführer") == {streiks}
    assert found(store, "lokfuhrer") == {streiks}


def test_stems_of_one_language_never_meet_words_of_another(store: Store) -> None:
    # German "Armen" stems to "arm", as English "arming" does: an untagged stem index would
    # take either for the other. Tagged, English stems meet English articles only.
    armen = save(store, "Die Armen der Stadt warten auf Hilfe.", "de")
    arming = save(store, "Arming the rebels was debated in parliament.", "en")
    assert found(store, "arming") == {arming}
    assert found(store, "arm") == {arming, armen}  # an exact word of neither; each stems it
    assert found(store, "armen") == {armen}
    # A query word is never read as a tag and a stem: "enstrike" is not "en" + "strike".
    save(store, "Dockers strike again.", "en")
    assert found(store, "enstrike") == set()
    assert found(store, "en") == set()


def test_a_language_saved_after_a_search_is_stemmed_at_once(store: Store) -> None:
    save(store, "Dock workers began two strikes.", "en")
    assert store.search_count("strike") == 1  # the languages present are read: English
    streiks = save(store, "Die Streiks der Lokführer gehen weiter.", "de")
    assert found(store, "Streik") == {streiks}
    assert store.search_count("Streik") == 1


def test_articles_without_a_stemmer_keep_exact_search(store: Store) -> None:
    japanese = save(store, "東京で大規模なストライキが行われた。", "ja")
    # A language Snowball has no stemmer for (or none detected: "und").
    unknown = save(store, "Strikes everywhere, said the unlabelled wire.", "und")
    assert found(store, "ストライキ") == {japanese}
    assert found(store, "strikes") == {unknown}
    assert found(store, "strike") == set()  # no stemmer: its words exactly
    assert found(store, "e-mail") == set()


def test_counts_are_exact_up_to_the_cap(store: Store) -> None:
    for n in range(7):
        save(store, f"Harbour report number {n}: the harbours reopened.", "en")
    save(store, "Nothing about ports here at all.", "en")
    assert store.search_count("harbour") == 7
    assert store.search_count("harbours reopened") == 7
    assert store.search_count("harbour", cap=5) == 6  # more than 5
    assert store.search_count("harbour", cap=7) == 7
    assert store.search_count("airport") == 0
    assert len(store.search("harbour", limit=100)) == 7


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"harbour',
        "harbour*",
        "NEAR(harbour port)",
        "harbour OR port",
        "harbour AND NOT port",
        "{title} : harbour",
        "stems : enharbour",
        "title:harbour",
        "^harbour",
        "(harbour",
        "a" * MAX_QUERY_CHARS,
        "strike " * (MAX_QUERY_CHARS // 7),
        "\x00harbour",
        "ha\u0301rbour",
    ],
)
def test_hostile_queries_give_results_or_one_clear_error(store: Store, query: str) -> None:
    save(store, "Harbour report: the harbour reopened.", "en")
    try:
        results = store.search(query)
        count = store.search_count(query)
    except InputError as error:
        assert "\n" not in str(error)
        return
    assert count >= len(results)


def test_an_over_long_query_is_refused(store: Store) -> None:
    with pytest.raises(InputError, match="over the 500-character limit"):
        store.search_count("a" * (MAX_QUERY_CHARS + 1))


def test_stems_are_tagged_and_distinct() -> None:
    assert article_stems("en", "Strikes", "striking strikes STRIKE") == ["enstrike"]
    assert article_stems("nb", "", "streiker") == article_stems("no", "", "streiker")
    assert article_stems("ja", "", "ストライキ") == []
    assert article_stems(None, "", "strikes") == []
    assert "enstrike" in query_stems("Strikes")
    assert "destreik" in query_stems("Streiks")
    assert query_stems("e2e") == []
    assert query_stems("x" * 41) == []


def test_the_forms_a_search_matched_are_found_for_marking() -> None:
    assert forms_in("fr", ["greve"], "La grève des grèves, pas la grue.") == ["grève", "grèves"]
    assert forms_in("en", ["Keeper", "welcome"], "The keepers welcomed it") == [
        "keepers",
        "welcomed",
    ]
    assert forms_in("ru", ["забастовка"], "Забастовки шахтёров") == ["забастовки"]
    assert forms_in("en", ["strike"], "Armen") == []
    assert forms_in("ja", ["ストライキ"], "ストライキ") == []
    assert forms_in("en", ["2024"], "2024 strikes") == []


def test_an_archive_of_the_previous_version_is_reindexed_with_stems(tmp_path: Path) -> None:
    path = tmp_path / "previous.db"
    stems = next(n for n, s in enumerate(SQLITE_MIGRATIONS) if "ADD COLUMN search_stems" in s)
    old = sqlite3.connect(path, isolation_level=None)
    for script in SQLITE_MIGRATIONS[:stems]:
        old.executescript(script)
    old.execute(f"PRAGMA user_version = {stems}")
    texts = [("Strikes closed the port.", "en"), ("Die Streiks gehen weiter.", "de")]
    for n, (text, language) in enumerate(texts):
        old.execute(
            "INSERT INTO articles(url, canonical_url, title, fetched, sort_time, language, "
            "blocks, text, summary, content_hash, search_key) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                f"https://x/{n}",
                f"https://x/{n}",
                f"Story {n}",
                NOW,
                NOW,
                language,
                "[]",
                text,
                json.dumps({"language": language, "reading_minutes": 1, "sentences": []}),
                f"hash{n}",
                n + 1,
            ),
        )
    assert old.execute(
        "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'strike'"
    ).fetchone() == (0,)
    old.close()
    with SQLiteStore(path) as store:
        assert store.schema_version == len(SQLITE_MIGRATIONS)
        assert [a.item.url for a in store.search("strike")] == ["https://x/0"]
        assert [a.item.url for a in store.search("Streik")] == ["https://x/1"]
        assert [a.item.url for a in store.search("port")] == ["https://x/0"]
        assert store.search_count("strike") == 1


@pytest.mark.postgres
def test_a_postgres_archive_of_the_previous_version_gets_its_stems(fresh_postgres: str) -> None:
    import psycopg

    from nutgraf.store.migrations import POSTGRES_MIGRATIONS, PythonStep
    from nutgraf.store.postgres import PostgresStore

    with PostgresStore(fresh_postgres) as store:
        for n in range(3):
            save(store, f"Strikes closed port number {n}.", "en")
        save(store, "Die Streiks gehen weiter.", "de")
        save(store, "東京でストライキ", "ja")
    # As the previous version left it: vectors without stems (weight D), one version less.
    with psycopg.connect(fresh_postgres, autocommit=True) as db:
        db.execute("UPDATE articles SET search = ts_filter(search, '{a,b}')")
        stems = POSTGRES_MIGRATIONS.index(PythonStep("index_stems")) + 1
        db.execute("DELETE FROM schema_version WHERE version >= %s", (stems,))
    with PostgresStore(fresh_postgres) as store:
        assert store.schema_version == len(POSTGRES_MIGRATIONS)
        assert store.search_count("strike") == 3
        assert store.search_count("Streik") == 1
        assert store.search_count("ストライキ") == 1
        assert store.search_count("port") == 3
