"""One archive for every command: ``--db``, then ``NUTGRAF_DB``, then
``$XDG_DATA_HOME/nutgraf/nutgraf.db`` (``~/.local/share/nutgraf/nutgraf.db``), ``serve``
included; ``serve --demo`` keeps a file of its own."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from starlette.testclient import TestClient

from nutgraf.cli import main
from nutgraf.store import archive_location, open_store

STORY = (
    "Harbour ferry resumes after storm\n\n"
    "The harbour ferry sailed again on Thursday after three days in port. Its operator said "
    "the storm had damaged the landing stage, which crews repaired overnight. Commuters "
    "crowded the first boat at seven.\n"
)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user with an empty home, no NUTGRAF_DB and no XDG_DATA_HOME, and a ``serve`` that
    records how it would start the server instead of starting it. What ``serve`` hands its
    workers through the environment is restored after the test."""
    user = tmp_path / "user"
    user.mkdir()
    monkeypatch.setenv("HOME", str(user))
    for name in ("NUTGRAF_DB", "XDG_DATA_HOME", "NUTGRAF_SERVE_LOCAL", "NUTGRAF_SERVE_HOST"):
        monkeypatch.setenv(name, "unset")  # remembered, so restored after the test
        monkeypatch.delenv(name)
    monkeypatch.setenv("NUTGRAF_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.chdir(tmp_path)
    return user


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``uvicorn.run`` replaced by a recorder: the app ``serve`` would run, once started."""
    import uvicorn

    calls: list[str] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **_: calls.append(app))
    return calls


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def served_front_page() -> str:
    """The front page of the app a server worker builds from what ``serve`` left it."""
    from nutgraf.web.server import app_from_environment

    with TestClient(app_from_environment(), base_url="http://127.0.0.1:8000") as client:
        response = client.get("/")
        assert response.status_code == 200
        return response.text


def test_archive_location_takes_db_then_nutgraf_db_then_the_data_home(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert archive_location() == str(home / ".local" / "share" / "nutgraf" / "nutgraf.db")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    assert archive_location() == str(home / "data" / "nutgraf" / "nutgraf.db")
    monkeypatch.setenv("NUTGRAF_DB", "~/news.db")
    assert archive_location() == str(home / "news.db")
    monkeypatch.setenv("NUTGRAF_DB", "postgresql://me@db.example//news")
    assert archive_location() == "postgresql://me@db.example//news"  # not folded as a path
    assert archive_location("given.db") == "given.db"


@pytest.mark.parametrize("where", ["home", "xdg", "env"])
def test_ingest_then_serve_without_db_use_the_same_archive(
    where: str, home: Path, started: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = {
        "home": home / ".local" / "share" / "nutgraf" / "nutgraf.db",
        "xdg": home / "xdg" / "nutgraf" / "nutgraf.db",
        "env": home / "archives" / "news.db",
    }[where]
    if where == "xdg":
        monkeypatch.setenv("XDG_DATA_HOME", str(home / "xdg"))
    if where == "env":
        expected.parent.mkdir()
        monkeypatch.setenv("NUTGRAF_DB", str(expected))
    source = home / "ferry.txt"
    source.write_text(STORY, encoding="utf-8")

    ingested = invoke("ingest", "--quiet", str(source))
    assert ingested.exit_code == 0, ingested.output
    assert expected.is_file()
    served = invoke("serve")
    assert served.exit_code == 0, served.output
    assert started == ["nutgraf.web.server:app_from_environment"]
    assert os.environ["NUTGRAF_DB"] == str(expected)
    assert "Harbour ferry resumes after storm" in served_front_page()
    assert [p.name for p in home.rglob("*.db")] == [expected.name]  # no second archive


@pytest.mark.postgres
def test_ingest_then_serve_use_the_archive_nutgraf_db_names_on_postgres(
    home: Path, started: list[str], fresh_postgres: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NUTGRAF_DB", fresh_postgres)
    source = home / "ferry.txt"
    source.write_text(STORY, encoding="utf-8")

    ingested = invoke("ingest", "--quiet", str(source))
    assert ingested.exit_code == 0, ingested.output
    served = invoke("serve")
    assert served.exit_code == 0, served.output
    assert started and os.environ["NUTGRAF_DB"] == fresh_postgres
    assert "Harbour ferry resumes after storm" in served_front_page()
    assert list(home.rglob("*.db")) == []


def test_serve_without_an_archive_says_how_to_make_one(home: Path, started: list[str]) -> None:
    location = home / ".local" / "share" / "nutgraf" / "nutgraf.db"
    result = invoke("serve")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: no archive yet at {location}; make one with nutgraf ingest SOURCE... (or "
        "nutgraf add-feed URL), or try nutgraf serve --demo\n"
    )
    assert started == []
    assert not location.parent.exists()  # nothing made on the way


def test_the_demo_keeps_its_own_archive(
    home: Path, started: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = home / "news.db"
    open_store(archive).close()
    monkeypatch.setenv("NUTGRAF_DB", str(archive))
    result = invoke("serve", "--demo")
    assert result.exit_code == 0, result.output
    demo = tmp_path / "nutgraf-demo.db"
    assert os.environ["NUTGRAF_DB"] == str(demo)
    assert demo.is_file()
    with open_store(archive) as store:
        assert store.count() == 0  # the user's archive is untouched
