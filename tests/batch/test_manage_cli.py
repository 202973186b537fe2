"""`nutgraf feeds remove|disable|enable`, `delete`, `purge` and `poll` with `retention_days`,
end to end: feeds served by a real HTTP site on loopback, into SQLite and PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from nutgraf.cli import main
from tests.batch.conftest import Page, Site
from tests.batch.test_ingest_cli import STORIES, html_body, rss
from tests.store.conftest import fresh_postgres, postgres_server

__all__ = ["fresh_postgres", "postgres_server"]  # fixtures used by this module's tests


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The archive: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "archive.db")
    return str(request.getfixturevalue("fresh_postgres"))


def run(*args: str, db: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [*args, "--db", db])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def serve_feed(site: Site, path: str, stories: list[int], *, days_old: list[int]) -> str:
    """An RSS feed at ``path`` of the CNN stories ``stories``, published ``days_old`` ago."""
    now = datetime.now(UTC)
    items = [
        {
            "title": f"Story {n} of {path}",
            "link": f"https://{path.strip('/').replace('.', '-')}.example/{n}",
            "guid": f"{path}-{n}",
            "date": format_datetime(now - timedelta(days=age), usegmt=True),
            "content": html_body(STORIES[n]),
        }
        for n, age in zip(stories, days_old, strict=True)
    ]
    site.pages[path] = Page(rss(f"Feed {path}", site.url("/"), items), "application/rss+xml")
    return site.url(path)


def first_seen_days_ago(db: str, days: int) -> None:
    """Make every article of ``db`` first seen ``days`` days ago (as if stored then)."""
    when = (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    if db.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(db, autocommit=True) as connection:
            connection.execute("UPDATE articles SET first_seen = %s", (when,))
    else:
        with sqlite3.connect(db) as connection:
            connection.execute("UPDATE articles SET first_seen = ?", (when,))


def fetched(site: Site, path: str) -> int:
    return sum(1 for requested, _ in site.requests if requested == path)


def test_disabled_feeds_are_not_polled_until_enabled(
    site: Site, db: str, loopback_allowed: None
) -> None:
    paused = serve_feed(site, "/a.xml", [1], days_old=[1])
    polled = serve_feed(site, "/b.xml", [2], days_old=[1])
    for url in (paused, polled):
        assert run("add-feed", url, db=db)[0] == 0

    code, out, err = run("feeds", "disable", paused, db=db)
    assert (code, out, err) == (0, f"Disabled {paused}: disabled by the admin\n", "")
    listed = [json.loads(line) for line in run("feeds", "--json", db=db)[1].splitlines()]
    assert [f["status"] for f in listed] == ["disabled: disabled by the admin", "ok"]
    assert "disabled: disabled by the admin" in run("feeds", db=db)[1]

    assert run("feeds", "enable", polled, db=db)[0] == 0  # due now
    before = fetched(site, "/a.xml"), fetched(site, "/b.xml")
    code, out, err = run("poll", "--once", db=db)
    assert code == 0, err
    assert (fetched(site, "/a.xml"), fetched(site, "/b.xml")) == (before[0], before[1] + 1)

    code, out, err = run("feeds", "enable", paused, db=db)
    assert code == 0 and out.startswith(f"Enabled {paused}; next check ")
    code, out, err = run("poll", "--once", db=db)
    assert code == 0, err
    assert fetched(site, "/a.xml") == before[0] + 1
    assert [json.loads(line)["status"] for line in run("feeds", "--json", db=db)[1].splitlines()]


def test_feeds_remove_keeps_or_deletes_the_articles(
    site: Site, db: str, loopback_allowed: None
) -> None:
    kept = serve_feed(site, "/kept.xml", [3], days_old=[1])
    gone = serve_feed(site, "/gone.xml", [4, 5], days_old=[1, 2])
    for url in (kept, gone):
        assert run("add-feed", url, db=db)[0] == 0
    assert len(run("export", db=db)[1].splitlines()) == 3

    code, out, err = run("feeds", "remove", kept, db=db)
    assert (code, err) == (0, "")
    assert out == f"Removed the feed Feed /kept.xml ({kept})\n"
    assert len(run("export", db=db)[1].splitlines()) == 3  # its article stays

    code, out, err = run("feeds", "remove", gone, "--with-articles", db=db)
    assert (code, err) == (0, "")
    assert out.splitlines()[1] == "2 articles deleted, 2 stories updated"
    left = [json.loads(line) for line in run("export", db=db)[1].splitlines()]
    assert [a["title"] for a in left] == ["Story 3 of /kept.xml"]
    assert run("feeds", db=db)[1] == "No feeds yet. Add one: nutgraf add-feed URL\n"

    code, out, err = run("feeds", "remove", gone, db=db)
    assert (code, out) == (1, "")
    assert err == f"Error: no subscribed feed has the address {gone}; see: nutgraf feeds\n"
    for verb in ("disable", "enable"):
        assert run("feeds", verb, "https://nowhere.example/", db=db)[2].startswith("Error: ")


def test_delete_and_purge(site: Site, db: str, loopback_allowed: None) -> None:
    url = serve_feed(site, "/mixed.xml", [6, 7, 8], days_old=[1, 40, 400])
    assert run("add-feed", url, db=db)[0] == 0
    ids = {
        json.loads(line)["title"]: json.loads(line)["id"]
        for line in run("export", db=db)[1].splitlines()
    }

    # Just imported: however old their dates, nothing is purged (it would come back at the
    # next poll of a feed that still carries it).
    assert run("purge", "--older-than", "30", db=db)[1].startswith("No articles from before ")
    first_seen_days_ago(db, 500)
    code, out, err = run("purge", "--older-than", "30", "--dry-run", db=db)
    assert (
        code == 0
        and out.startswith("2 articles from before ")
        and out.endswith(" would be deleted\n")
    )
    code, out, err = run("purge", "--older-than", "300", db=db)
    assert (code, out, err) == (0, "1 articles deleted, 1 stories updated\n", "")
    code, out, err = run("delete", str(ids["Story 7 of /mixed.xml"]), "99999", db=db)
    assert code == 1
    assert out == "1 articles deleted, 1 stories updated\n"
    assert err == "Error: no article has the id 99999\n"
    left = [json.loads(line)["title"] for line in run("export", db=db)[1].splitlines()]
    assert left == ["Story 6 of /mixed.xml"]
    # The feed still carries both: what was deleted or purged does not come back.
    assert run("feeds", "enable", url, db=db)[0] == 0  # due now
    code, out, err = run("poll", "--once", db=db)
    assert (code, out) == (0, f"{url}: 0 new, 0 updated, 3 unchanged, 0 duplicates, 0 failed\n")
    left = [json.loads(line)["title"] for line in run("export", db=db)[1].splitlines()]
    assert left == ["Story 6 of /mixed.xml"]
    assert run("purge", "--older-than", "30", db=db)[1].startswith("No articles from before ")
    assert run("delete", "x", db=db)[0] == 2  # not an id: click's usage error


def test_poll_applies_retention_days(
    site: Site, db: str, loopback_allowed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = serve_feed(site, "/old.xml", [9, 10], days_old=[2, 90])
    assert run("add-feed", url, db=db)[0] == 0
    assert len(run("export", db=db)[1].splitlines()) == 2
    monkeypatch.setenv("NUTGRAF_RETENTION_DAYS", "30")
    assert run("feeds", "enable", url, db=db)[0] == 0  # due now
    code, out, err = run("poll", "--once", db=db)
    assert code == 0, err
    assert "retention: 1 articles" not in out  # first seen today: kept
    assert len(run("export", db=db)[1].splitlines()) == 2
    first_seen_days_ago(db, 60)
    assert run("feeds", "enable", url, db=db)[0] == 0  # due now
    code, out, err = run("poll", "--once", db=db)
    assert code == 0, err
    assert "retention: 1 articles from before " in out
    left = [json.loads(line)["title"] for line in run("export", db=db)[1].splitlines()]
    assert left == ["Story 9 of /old.xml"]
    monkeypatch.setenv("NUTGRAF_RETENTION_DAYS", "0")
    code, out, err = run("poll", "--once", db=db)
    assert code == 1
    assert err == "Error: Config 'retention_days' has value 0. Use 1 to 36500.\n"
