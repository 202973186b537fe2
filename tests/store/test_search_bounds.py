"""A search query is bounded on every backend (issue 15, point 12): characters and words.

A 50,000-word query once took 9 GB; ``store.query.search_words`` refuses it in one line
before the index sees it, for every caller of ``Store.search``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from nutgraf.cli import main
from nutgraf.errors import InputError
from nutgraf.store import SQLiteStore, Store
from nutgraf.store.query import MAX_QUERY_CHARS, MAX_QUERY_WORDS, search_words
from tests.store.test_sqlite import item

WORDS = [f"w{n}" for n in range(MAX_QUERY_WORDS + 1)]


@pytest.fixture
def archive(store: Store) -> Store:
    store.save(item(" ".join(WORDS) + " harbour", url="https://x/1"))
    return store


def test_a_query_of_the_most_words_is_searched(archive: Store) -> None:
    found = archive.search(" ".join(WORDS[:MAX_QUERY_WORDS]), ranked=True)
    assert [a.item.url for a in found] == ["https://x/1"]


def test_one_word_more_is_refused_in_one_line(archive: Store) -> None:
    for ranked in (False, True):
        with pytest.raises(InputError) as refused:
            archive.search(" ".join(WORDS), ranked=ranked)
        message = str(refused.value)
        assert message == (
            f"the search query has {MAX_QUERY_WORDS + 1} different words, over the limit of "
            f"{MAX_QUERY_WORDS}; keep the {MAX_QUERY_WORDS} that say most"
        )


def test_a_query_over_the_characters_is_refused_without_quoting_it(archive: Store) -> None:
    query = "harbour " * 63  # 504 characters, one word
    with pytest.raises(InputError) as refused:
        archive.search(query)
    assert str(refused.value) == (
        f"the search query is {len(query)} characters, over the {MAX_QUERY_CHARS}-character "
        "limit; shorten it"
    )
    fits = ("harbour " * 63)[: MAX_QUERY_CHARS - 4]  # 62 whole words, 496 characters
    assert [a.item.url for a in archive.search(fits)] == ["https://x/1"]


def test_a_repeated_word_counts_once_and_joined_words_count_apart(archive: Store) -> None:
    assert [a.item.url for a in archive.search("harbour " * 60)] == ["https://x/1"]
    assert search_words("Harbour harbour HARBOUR harbour") == ["Harbour", "harbour", "HARBOUR"]
    # One \\w+ run, but the index splits it at each "_": 33 words to intersect.
    with pytest.raises(InputError, match="33 different words"):
        archive.search("_".join(WORDS))


def test_a_50000_word_query_is_refused_at_once(archive: Store) -> None:
    query = " ".join("abcdefghijklmnopqrstuvwxyz"[n % 26] for n in range(50_000))
    with pytest.raises(InputError, match="characters, over the 500-character limit"):
        archive.search(query, ranked=True)


def test_the_search_command_refuses_a_50000_word_query_in_one_line(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    with SQLiteStore(db) as store:
        store.save(item(" ".join("abcdefghijklmnopqrstuvwxyz"), url="https://x/1"))
    query = " ".join("abcdefghijklmnopqrstuvwxyz"[n % 26] for n in range(50_000))
    for ranked in ([], ["--ranked"]):
        result = CliRunner().invoke(main, ["search", "--db", str(db), *ranked, query])
        assert (result.exit_code, result.stdout) == (1, "")
        assert result.stderr == (
            "Error: the search query is 99,999 characters, over the 500-character limit; "
            "shorten it\n"
        )
