"""``nutgraf rules``: add, list, remove, enable, disable and the dry run ``test``, on a SQLite
file and on PostgreSQL; bad input is one ``Error:`` line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from nutgraf.batch.pipeline import Origin, archive_item
from nutgraf.cli import main
from nutgraf.records import ArchiveItem, Article, Block
from nutgraf.store import Store, open_store
from tests.batch.test_ingest_cli import STORIES, html_body, rss
from tests.store.conftest import fresh_postgres, postgres_server

__all__ = ["fresh_postgres", "postgres_server"]

FEED = "https://news.example/feed.xml"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def item(n: int, title: str, text: str, day: int, feed: str | None = FEED) -> ArchiveItem:
    url = f"https://news.example/{n}"
    article = Article(
        title=title,
        blocks=(Block("paragraph", text),),
        source="Example News",
        published=f"2026-11-{day:02d}T10:00:00Z",
        url=url,
    )
    origin = Origin(url=url, feed=feed, guid=f"g{n}" if feed else None)
    return archive_item(article, origin=origin, fetched="2026-12-01T00:00:00Z")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An archive holding four articles: a SQLite file or a new PostgreSQL database."""
    target = (
        str(tmp_path / "archive.db")
        if request.param == "sqlite"
        else str(request.getfixturevalue("fresh_postgres"))
    )
    store: Store = open_store(target)
    try:
        store.save(item(1, "Football: the cup final", "A late goal.", 3))
        store.save(item(2, "Markets slide", "Interest rates rose again.", 5))
        store.save(item(3, "Cup of tea prices", "Tea costs more.", 7, feed=None))
        store.save(item(4, "World Cup draw", "The draw was made.", 9))
    finally:
        store.close()
    yield target


def add_user(db: str, name: str, tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("correct horse battery\n")
    assert invoke("users", "add", name, "--password-file", str(secret), "--db", db)[0] == 0


def rules_of(db: str) -> list[dict[str, object]]:
    code, out, err = invoke("rules", "list", "--json", "--db", db)
    assert (code, err) == (0, "")
    return [json.loads(line) for line in out.splitlines()]


def test_add_list_disable_enable_and_remove(db: str, tmp_path: Path) -> None:
    add_user(db, "ann", tmp_path)
    code, out, err = invoke(
        "rules", "add", "--keyword", "football, cricket", "--field", "title", "--db", db
    )
    assert (code, err) == (0, "")
    assert out == "Added rule 1: keyword 'football, cricket' in title, every feed: block\n"
    code, out, err = invoke(
        "rules", "add", "--feed", FEED, "--regex", r"(?i)\bcup\b", "--action", "tag",
        "--tag", "sport", "--user", "Ann", "--db", db,
    )  # fmt: skip
    assert code == 0
    added = "Added rule 2: regex '(?i)\\\\bcup\\\\b' in any field"
    assert out == f"{added}, feed {FEED}: tag 'sport' for ann\n"
    assert err == f"note: no subscribed feed has the URL {FEED}\n"
    listed = rules_of(db)
    assert [(r["id"], r["action"], r["feed"], r["user"], r["enabled"]) for r in listed] == [
        (1, "block", None, None, True),
        (2, "tag", FEED, "ann", True),
    ]
    code, out, _ = invoke("rules", "list", "--db", db)
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "ON", "ACTION", "FIELD", "KIND", "PATTERN", "(SCOPE)"]
    assert lines[1].split() == [
        "1",
        "on",
        "block",
        "title",
        "keyword",
        "football,",
        "cricket",
        "(every",
        "feed)",
    ]
    assert lines[2].split()[:5] == ["2", "on", "tag:sport", "@ann", "any"]

    assert invoke("rules", "disable", "1", "--db", db)[:2] == (0, "Disabled rule 1\n")
    assert [r["enabled"] for r in rules_of(db)] == [False, True]
    assert invoke("rules", "enable", "1", "--db", db)[:2] == (0, "Enabled rule 1\n")
    assert invoke("rules", "remove", "1", "--db", db)[:2] == (0, "Removed rule 1\n")
    assert [r["id"] for r in rules_of(db)] == [2]
    for command in ("remove", "enable", "disable"):
        assert invoke("rules", command, "1", "--db", db) == (
            1, "", "Error: there is no rule 1; see nutgraf rules list\n",
        )  # fmt: skip


BAD_RULES = [
    (["--regex", "(unclosed"], "the regular expression '(unclosed' does not compile: "
     "missing ) at position 9"),
    (["--regex", "x" * 501], "the rule's regex is 501 characters, over the 500-character "
     "limit"),
    ([], "give what the rule matches: --keyword TEXT or --regex PATTERN (one of them)"),
    (["--keyword", "a", "--regex", "b"],
     "give what the rule matches: --keyword TEXT or --regex PATTERN (one of them)"),
    (["--keyword", "a", "--action", "star"],
     "a star rule marks a reader's articles: give --user NAME"),
    (["--keyword", "a", "--action", "tag", "--user", "ann"],
     "a tag rule needs a tag: give --tag NAME"),
    (["--keyword", " , "], "keywords ' , ' hold no word; give words separated by commas"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "message"), BAD_RULES)
def test_bad_rules_are_refused_in_one_line_and_nothing_is_stored(
    db: str, args: list[str], message: str
) -> None:
    assert invoke("rules", "add", *args, "--db", db) == (1, "", f"Error: {message}\n")
    assert rules_of(db) == []


def test_a_star_or_tag_rule_names_a_user_who_exists(db: str, tmp_path: Path) -> None:
    args = ("rules", "add", "--keyword", "a", "--action", "star", "--user", "zed", "--db", db)
    assert invoke(*args) == (1, "", "Error: there is no user zed; see nutgraf users list\n")
    add_user(db, "zed", tmp_path)
    assert invoke(*args)[0] == 0


def test_a_dry_run_lists_what_a_stored_or_unsaved_rule_would_have_matched(db: str) -> None:
    assert (
        invoke("rules", "add", "--keyword", "cup", "--field", "title", "--feed", FEED, "--db", db)[
            0
        ]
        == 0
    )
    code, out, err = invoke("rules", "test", "1", "--db", db)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"Rule 1: keyword 'cup' in title, feed {FEED}: block"
    assert [line.split()[1] for line in lines[1:3]] == ["2026-11-09", "2026-11-03"]
    assert lines[1].endswith("World Cup draw  (Example News)")
    assert lines[2].endswith("Football: the cup final  (Example News)")
    assert lines[3] == "2 matching articles"  # the page not from the feed is out of scope

    code, out, _ = invoke(
        "rules", "test", "--keyword", "cup", "--field", "title", "--limit", "1", "--db", db
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Rule (unsaved): keyword 'cup' in title, every feed: block"
    assert lines[1].endswith("World Cup draw  (Example News)")
    assert lines[2] == "3 matching articles (the newest 1 listed)"

    code, out, _ = invoke("rules", "test", "--regex", r"(a+)+$", "--field", "text", "--db", db)
    assert (code, out.splitlines()[-1]) == (0, "0 matching articles")

    # Nothing was written: the same rules, the same articles.
    assert [r["id"] for r in rules_of(db)] == [1]
    code, out, _ = invoke("export", "--db", db)
    assert len(out.splitlines()) == 4


def test_a_dry_run_of_a_missing_rule_or_of_both_an_id_and_options_is_refused(db: str) -> None:
    assert invoke("rules", "test", "7", "--db", db) == (
        1, "", "Error: there is no rule 7; see nutgraf rules list\n",
    )  # fmt: skip
    assert invoke("rules", "add", "--keyword", "x", "--db", db)[0] == 0
    for extra in (["--keyword", "y"], ["--feed", FEED]):
        assert invoke("rules", "test", "1", *extra, "--db", db) == (
            1, "", "Error: give a rule's id or the options of a new rule, not both\n",
        )  # fmt: skip
    assert invoke("rules", "test", "--regex", "[", "--db", db)[2].startswith(
        "Error: the regular expression '[' does not compile"
    )


def test_ingest_reports_what_the_rules_kept_out_and_exits_zero(db: str, tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    titles = ["Football tonight", "Budget day", "Cricket scores"]
    items = [
        {
            "title": title,
            "link": f"https://other.example/{n}",
            "guid": f"x{n}",
            "date": "Mon, 23 Nov 2026 10:00:00 GMT",
            "content": html_body(STORIES[10 + n]),
        }
        for n, title in enumerate(titles)
    ]
    feed.write_bytes(rss("Other News", "https://other.example/", items))
    assert (
        invoke("rules", "add", "--keyword", "football, cricket", "--field", "title", "--db", db)[0]
        == 0
    )
    for expected in ("1 new", "0 new"):
        code, out, err = invoke("ingest", "--quiet", str(feed), "--db", db)
        assert (code, err) == (0, "")
        assert out.splitlines()[-1].startswith(expected)
        assert out.splitlines()[-1].endswith(" 0 failed, 2 blocked by rule 1")
    store = open_store(db)
    try:
        assert store.failures() == []
        assert store.count() == 4 + 1
    finally:
        store.close()
