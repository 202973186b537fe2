"""Archives that are read-only, and files that are not archives (issue 15, point 10).

A read-only archive (a file, or a folder, this user may not write) is opened read-only: the
reading commands work on it, and the writing ones say, in one line and before any work, that
it is read-only. Root writes whatever the permission bits say, so the commands run in a child
process without the capability to override them (``setpriv``), as any other user would.
A file that is not an archive (not SQLite, another program's database, empty, a folder) is
one ``Error:`` line, from every command and from ``serve`` before its server starts.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from nutgraf.cli import main
from nutgraf.errors import NutgrafError
from nutgraf.store import SQLiteStore, open_store
from nutgraf.stories.archive import update_stories
from tests.store.test_sqlite import item

ROOT = Path(__file__).resolve().parents[2]
STORY = (
    "The harbour board approved the new berths on Tuesday. Fishermen get twelve more places. "
    "The ferry terminal will wait until next year. The mayor called it a fair compromise.\n"
)
READ_ONLY = (
    "is read-only (this user may not write the file or its folder); give write access to "
    "both, or only read it (search, export, feeds, stories, serve)"
)
NOW = "2026-11-24T10:00:00Z"

# Runs in the child: each command through click's runner, then the store itself; prints JSON.
CHILD = """
import json, sys
from click.testing import CliRunner
from nutgraf.cli import main
from nutgraf.errors import NutgrafError
from nutgraf.store import SQLiteStore
from tests.store.test_sqlite import item

db, story = sys.argv[1], sys.argv[2]
commands = {
    "search": ["search", "harbour"],
    "export": ["export"],
    "opml": ["export", "--format", "opml"],
    "feeds": ["feeds"],
    "stories": ["stories", "--all"],
    "ingest": ["ingest", story],
    "add-feed": ["add-feed", "http://127.0.0.1:9/feed.xml"],
    "poll": ["poll", "--once"],
    "backfill": ["backfill"],
}
out = {}
for name, args in commands.items():
    result = CliRunner().invoke(main, [*args, "--db", db])
    crash = result.exception if not isinstance(result.exception, SystemExit) else None
    out[name] = [result.exit_code, result.stdout, result.stderr, repr(crash) if crash else None]
out["read_only"] = out["save"] = None
try:
    with SQLiteStore(db) as store:
        out["read_only"] = getattr(store, "read_only", None)
        store.save(item("A new text.", url="https://x/new"))
        out["save"] = "saved"
except NutgrafError as error:
    out["save"] = str(error)
print(json.dumps(out))
"""


def unprivileged() -> list[str]:
    """The prefix that runs a command as a user the permission bits bind: none for a user
    who is not root; for root, ``setpriv`` dropping the capabilities that override them."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        if os.environ.get("CI"):
            pytest.fail("setpriv (util-linux) is needed to test read-only archives as root")
        pytest.skip("setpriv (util-linux) is missing: root cannot be made to respect chmod")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]


def make_archive(path: Path) -> None:
    with SQLiteStore(path) as store:
        store.save(item(STORY, url="https://example.org/harbour", title="Harbour berths"))
        store.add_feed("https://example.org/feed.xml", title="Example feed", now=NOW)
        update_stories(store)


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(params=["read-only file", "read-only folder"])
def read_only_archive(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    """An archive this user may not write: the file (0444) or its folder (0555)."""
    folder = tmp_path / "archive"
    folder.mkdir()
    path = folder / "news.db"
    make_archive(path)
    if request.param == "read-only file":
        path.chmod(0o444)
    else:
        folder.chmod(0o555)
    yield path
    folder.chmod(0o755)
    path.chmod(0o644)


def test_a_read_only_archive_is_read_and_never_written(
    read_only_archive: Path, tmp_path: Path
) -> None:
    story = tmp_path / "story.txt"
    story.write_text("Another story entirely, about the weather on the coast today.\n", "utf-8")
    before = digest(read_only_archive.parent)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("NUTGRAF_")},
        "NUTGRAF_CONFIG": str(tmp_path / "none.toml"),
    }
    child = subprocess.run(
        [*unprivileged(), sys.executable, "-c", CHILD, str(read_only_archive), str(story)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )
    assert child.returncode == 0, child.stderr
    out = json.loads(child.stdout)
    db = str(read_only_archive)

    for name in ("ingest", "add-feed", "poll", "backfill"):
        status, stdout, stderr, crash = out[name]
        assert (status, crash, stdout) == (1, None, ""), (name, stdout, stderr)
        assert stderr == f"Error: the archive {db} {READ_ONLY}\n", name
    for name in ("search", "export", "opml", "feeds", "stories"):
        status, stdout, stderr, crash = out[name]
        assert (status, crash) == (0, None), (name, stdout, stderr)
        assert not [line for line in stderr.splitlines() if line.startswith("Error")], name
    assert "Harbour berths" in out["search"][1]
    assert json.loads(out["export"][1])["title"] == "Harbour berths"
    assert "https://example.org/feed.xml" in out["opml"][1]
    assert "Example feed  <https://example.org/feed.xml>" in out["feeds"][1]
    assert "Harbour berths" in out["stories"][1]
    assert out["stories"][2] == "note: the archive is read-only: the stories as last grouped\n"

    assert out["read_only"] is True
    assert out["save"] == f"the archive {db} {READ_ONLY}"
    after = digest(read_only_archive.parent)
    assert {name: after[name] for name in before} == before  # not a byte written


def test_a_writable_archive_is_not_read_only(tmp_path: Path) -> None:
    path = tmp_path / "news.db"
    make_archive(path)
    with SQLiteStore(path) as store:
        assert not store.read_only
        store.require_writable()
        assert store.save(item("A new text.", url="https://x/new")).status == "new"


def test_an_archive_another_process_is_writing_is_not_taken_for_read_only(
    tmp_path: Path,
) -> None:
    path = tmp_path / "news.db"
    make_archive(path)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        with SQLiteStore(path) as store:  # asked without waiting for the writer
            assert not store.read_only
            assert store.count() == 1
    finally:
        writer.execute("ROLLBACK")
        writer.close()


# --- files that are not archives ----------------------------------------------------------


def foreign(path: Path, version: int, *tables: str) -> Path:
    db = sqlite3.connect(path)
    db.executescript("".join(f"CREATE TABLE {t}(x);" for t in tables))
    db.execute(f"PRAGMA user_version = {version}")
    db.close()
    return path


def tables_of(path: Path) -> list[str]:
    db = sqlite3.connect(path)
    try:
        return [row[0] for row in db.execute("SELECT name FROM sqlite_master ORDER BY name")]
    finally:
        db.close()


@pytest.mark.parametrize(
    ("version", "tables", "shown"),
    [
        (0, ("moz_places",), "its tables: moz_places"),
        (80, ("a", "b", "c", "d"), "its tables: a, b, c, ..."),
        (0, ("feeds",), "its tables: feeds"),
        (3, (), "schema version 3, no tables"),
    ],
)
def test_another_programs_database_is_refused_untouched(
    tmp_path: Path, version: int, tables: tuple[str, ...], shown: str
) -> None:
    path = foreign(tmp_path / "places.sqlite", version, *tables)
    before = tables_of(path)
    with pytest.raises(NutgrafError) as refused:
        open_store(path)
    assert str(refused.value) == (
        f"{path} is another program's SQLite database ({shown}), not a nutgraf archive; give "
        "nutgraf a file of its own"
    )
    assert tables_of(path) == before  # no nutgraf table was added to it


def test_an_empty_file_becomes_a_new_archive(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    path.touch()
    with open_store(path) as store:
        assert store.count() == 0


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def one_error(result: Result) -> str:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """``uvicorn.run`` replaced: ``serve`` must refuse before it would start the server."""
    started: list[str] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **_: started.append(app))
    monkeypatch.setenv("NUTGRAF_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.delenv("NUTGRAF_DB", raising=False)
    return started


def test_serve_refuses_what_is_not_an_archive_in_one_line(
    tmp_path: Path, no_server: list[str]
) -> None:
    text = tmp_path / "notes.db"
    text.write_text("hello, not a database\n" * 100, encoding="utf-8")
    empty = tmp_path / "empty.db"
    empty.touch()
    other = foreign(tmp_path / "places.sqlite", 0, "moz_places")
    expected = {
        text: f"{text} is not a nutgraf archive (not a SQLite database); give the path of an "
        "archive, or of a new file to start one",
        empty: f"{empty} is empty, not an archive yet; ingest something first (nutgraf ingest "
        f"--db {empty} SOURCE...) or try nutgraf serve --demo",
        other: f"{other} is another program's SQLite database (its tables: moz_places), not a "
        "nutgraf archive; give nutgraf a file of its own",
    }
    for path, message in expected.items():
        assert one_error(invoke("serve", "--db", str(path))) == f"Error: {message}"
    assert no_server == []
    assert empty.stat().st_size == 0  # not made into an archive
    assert tables_of(other) == ["moz_places"]


def test_serve_starts_on_an_archive(tmp_path: Path, no_server: list[str]) -> None:
    path = tmp_path / "news.db"
    make_archive(path)
    result = invoke("serve", "--db", str(path), "--port", "0")
    assert result.exit_code == 0, result.output
    assert no_server == ["nutgraf.web.server:app_from_environment"]


@pytest.mark.parametrize("command", [["search", "x"], ["feeds"], ["ingest", "-"]])
def test_every_command_refuses_a_file_that_is_not_an_archive(
    tmp_path: Path, command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NUTGRAF_CONFIG", str(tmp_path / "none.toml"))
    text = tmp_path / "notes.db"
    text.write_text("hello, not a database\n" * 100, encoding="utf-8")
    assert one_error(invoke(*command, "--db", str(text))) == (
        f"Error: {text} is not a nutgraf archive (not a SQLite database); give the path of an "
        "archive, or of a new file to start one"
    )
    assert one_error(invoke(*command, "--db", str(tmp_path))) == (
        f"Error: {tmp_path} is a folder; give the path of an archive file in it"
    )
    pipe = tmp_path / "pipe.db"
    os.mkfifo(pipe)
    assert one_error(invoke(*command, "--db", str(pipe))) == (
        f"Error: {pipe} is not a regular file; give the path of an archive file"
    )


# --- PostgreSQL: a read-only session --------------------------------------------------------


@pytest.mark.postgres
def test_a_read_only_postgres_session_reads_and_refuses_writes(fresh_postgres: str) -> None:
    with open_store(fresh_postgres) as store:  # made, migrated and filled by a writer
        assert not store.read_only
        store.save(item(STORY, url="https://example.org/harbour", title="Harbour berths"))
    reader = fresh_postgres + "?options=-c%20default_transaction_read_only%3Don"
    with open_store(reader) as store:
        assert store.read_only
        assert [a.item.article.title for a in store.search("harbour")] == ["Harbour berths"]
        with pytest.raises(NutgrafError, match=r"is read-only \(a standby server, a read-only"):
            store.save(item("A new text.", url="https://x/new"))
        with pytest.raises(NutgrafError, match="is read-only"):
            store.add_feed("https://example.org/feed.xml", now=NOW)
    result = invoke("ingest", "--db", reader, "-")
    assert "is read-only" in one_error(result)
