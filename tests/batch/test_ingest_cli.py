"""`nutgraf ingest`, `add-feed`, `feeds`, `poll`, `search` and `export`, end to end: real
files, a real HTTP site on loopback, a real SQLite archive."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

import pytest
from click.testing import CliRunner

from nutgraf.batch.ingest import utc_now
from nutgraf.cli import main
from tests.batch.conftest import Page, Site

DATA = Path(__file__).resolve().parents[1] / "data"
STORIES = [
    json.loads(line)["text"]
    for line in (DATA / "summaries" / "cnn-dev-sample.jsonl").read_text("utf-8").splitlines()
]


def paragraphs(text: str, size: int = 3) -> list[str]:
    """A one-line CNN story cut into paragraphs of a few sentences."""
    sentences = text.replace(". ", ".\n").splitlines()
    return [" ".join(sentences[i : i + size]) for i in range(0, len(sentences), size)]


def rss(title: str, link: str, items: list[dict[str, str]]) -> bytes:
    entries = []
    for item in items:
        parts = [f"<title>{escape(item['title'])}</title>", f"<link>{escape(item['link'])}</link>"]
        if "guid" in item:
            parts.append(f"<guid isPermaLink='false'>{escape(item['guid'])}</guid>")
        if "date" in item:
            parts.append(f"<pubDate>{item['date']}</pubDate>")
        if "content" in item:
            parts.append(f"<content:encoded><![CDATA[{item['content']}]]></content:encoded>")
        if "description" in item:
            parts.append(f"<description>{escape(item['description'])}</description>")
        entries.append("<item>" + "".join(parts) + "</item>")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>{escape(title)}</title><link>{escape(link)}</link>"
        f"<description>test feed</description>{''.join(entries)}</channel></rss>"
    ).encode()


def html_body(text: str) -> str:
    return "".join(f"<p>{escape(p)}</p>" for p in paragraphs(text))


def page(title: str, text: str) -> bytes:
    return (
        f"<!doctype html><html><head><title>{escape(title)}</title></head><body>"
        f"<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>{escape(title)}</h1>{html_body(text)}</article>"
        "<footer>Copyright Example News</footer></body></html>"
    ).encode()


def run(*args: str, db: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [*args, "--db", str(db)])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "archive.db"


def test_a_feed_file_is_ingested_once(tmp_path: Path, db: Path) -> None:
    feed = tmp_path / "feed.xml"
    items = [
        {
            "title": f"Story {n}",
            "link": f"https://news.example/story-{n}",
            "guid": f"id-{n}",
            "date": "Mon, 23 Nov 2026 10:00:00 GMT",
            "content": html_body(STORIES[n]),
        }
        for n in range(3)
    ]
    feed.write_bytes(rss("Example News", "https://news.example/", items))
    code, out, err = run("ingest", str(feed), db=db)
    assert (code, out.splitlines()[-1]) == (
        0,
        "3 new, 0 updated, 0 unchanged, 0 duplicates, 0 failed",
    ), err
    code, out, _ = run("ingest", str(feed), db=db)
    assert out.splitlines()[-1] == "0 new, 0 updated, 3 unchanged, 0 duplicates, 0 failed"

    code, out, _ = run("export", db=db)
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 3
    first = rows[0]
    assert first["title"] == "Story 0"
    assert first["source"] == {
        "name": "Example News",
        "site": "https://news.example/",
        "feed": str(feed),
    }
    assert first["published"] == "2026-11-23T10:00:00Z"
    assert first["html"].startswith("<p>")
    assert first["summary"]["sentences"]
    text = first["text"]
    for sentence in first["summary"]["sentences"]:
        assert text[sentence["start"] : sentence["end"]] == sentence["text"]


def test_a_bad_item_is_listed_and_the_batch_goes_on(tmp_path: Path, db: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a-story.txt").write_text(
        "Harbour reopens\n\n" + "\n\n".join(paragraphs(STORIES[5])), encoding="utf-8"
    )
    (folder / "b-page.html").write_bytes(page("Bridge repaired", STORIES[6]))
    (folder / "c-empty.txt").write_text("   \n", encoding="utf-8")
    (folder / "d-binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    code, out, err = run("ingest", str(folder), str(tmp_path / "missing.txt"), db=db)
    assert code == 1
    assert out.splitlines()[-1] == "2 new, 0 updated, 0 unchanged, 0 duplicates, 3 failed"
    errors = [line for line in err.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 3
    assert any("c-empty.txt" in line and "empty" in line for line in errors)
    assert any("missing.txt" in line for line in errors)
    assert "Traceback" not in err


def test_teasers_are_replaced_by_the_page_and_copies_linked(
    site: Site, db: Path, loopback_allowed: None
) -> None:
    site.pages["/a/story"] = Page(page("Storm hits coast", STORIES[1]))
    site.pages["/b/storm-news"] = Page(page("Coast battered by storm", STORIES[1]))
    site.pages["/a/feed.xml"] = Page(
        rss(
            "Alpha Daily",
            site.url("/a/"),
            [
                {
                    "title": "Storm hits coast",
                    "link": site.url("/a/story?utm_source=rss"),
                    "description": "A storm hit the coast. Read more.",
                }
            ],
        ),
        "application/rss+xml",
    )
    site.pages["/b/feed.xml"] = Page(
        rss(
            "Beta Times",
            site.url("/b/"),
            [
                {
                    "title": "Coast battered by storm",
                    "link": site.url("/b/storm-news"),
                    "description": "Teaser only.",
                }
            ],
        ),
        "application/rss+xml",
    )
    _, out, err = run("ingest", site.url("/a/feed.xml"), site.url("/b/feed.xml"), db=db)
    assert out.splitlines()[-1] == "1 new, 0 updated, 0 unchanged, 1 duplicates, 0 failed", err
    rows = [json.loads(line) for line in run("export", db=db)[1].splitlines()]
    first, copy = rows
    assert first["canonical_url"] == site.url("/a/story")
    assert len(first["paragraphs"]) > 3  # the page's full text, not the teaser
    assert copy["duplicate"]["of"] == first["id"]
    assert copy["duplicate"]["kind"] in ("content", "near")
    assert copy["duplicate"]["reason"]


def test_the_address_guard_refuses_loopback_by_default(
    site: Site, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NUTGRAF_ALLOW_NETWORKS", raising=False)
    site.pages["/feed.xml"] = Page(rss("X", site.url("/"), []), "application/rss+xml")
    code, _, err = run("ingest", site.url("/feed.xml"), db=db)
    assert code == 1
    assert "127.0.0.1" in err and "Traceback" not in err
    assert site.requests == []


def test_opml_subscribes_polls_and_exports(
    site: Site, tmp_path: Path, db: Path, loopback_allowed: None
) -> None:
    for name in ("one", "two"):
        site.pages[f"/{name}.xml"] = Page(
            rss(
                f"Feed {name}",
                site.url("/"),
                [
                    {
                        "title": f"{name} story",
                        "link": f"https://{name}.example/1",
                        "guid": f"{name}-1",
                        "content": html_body(STORIES[10 if name == "one" else 11]),
                    }
                ],
            ),
            "application/rss+xml",
            etag=f'"{name}-v1"',
        )
    opml = tmp_path / "subs.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>subs</title></head><body>'
        f'<outline text="News"><outline type="rss" text="One" xmlUrl="{site.url("/one.xml")}"/>'
        f'<outline type="rss" text="Two" xmlUrl="{site.url("/two.xml")}"/></outline>'
        "</body></opml>",
        encoding="utf-8",
    )
    _, out, err = run("ingest", str(opml), db=db)
    assert out.splitlines()[-1] == "2 new, 0 updated, 0 unchanged, 0 duplicates, 0 failed", err

    _, out, _ = run("feeds", "--json", db=db)
    feeds = [json.loads(line) for line in out.splitlines()]
    assert [f["url"] for f in feeds] == [site.url("/one.xml"), site.url("/two.xml")]
    assert {f["category"] for f in feeds} == {"News"}

    exported = run("export", "--format", "opml", db=db)[1]
    assert site.url("/one.xml") in exported and "News" in exported


def test_add_feed_poll_and_backoff(site: Site, db: Path, loopback_allowed: None) -> None:
    site.pages["/feed.xml"] = Page(
        rss(
            "Polled",
            site.url("/"),
            [
                {
                    "title": "First",
                    "link": "https://p.example/1",
                    "guid": "1",
                    "content": html_body(STORIES[12]),
                }
            ],
        ),
        "application/rss+xml",
        etag='"v1"',
    )
    code, out, err = run("add-feed", site.url("/feed.xml"), db=db)
    assert code == 0, err
    assert out.splitlines()[-1] == "1 new, 0 updated, 0 unchanged, 0 duplicates, 0 failed"

    # Added again: it says so, and what the feed holds is unchanged.
    code, out, err = run("add-feed", site.url("/feed.xml"), db=db)
    assert code == 0, err
    assert out.splitlines()[0].startswith("Already subscribed to ")
    assert out.splitlines()[-1] == "0 new, 0 updated, 1 unchanged, 0 duplicates, 0 failed"
    assert "feed(s)" not in err

    # Nothing is due yet: poll --once says when the next feed is.
    code, out, err = run("poll", "--once", db=db)
    assert code == 0, err
    next_check = json.loads(run("feeds", "--json", db=db)[1])["next_check"]
    assert out.splitlines() == [
        f"No feed is due; the next is {site.url('/feed.xml')}, due at {next_check}."
    ]

    # Make it due now, then poll: the ETag comes back and the server answers 304.
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE feeds SET next_check = '2000-01-01T00:00:00Z'")
    code, out, err = run("poll", "--once", db=db)
    assert code == 0, err
    assert site.requests[-1][1].get("If-None-Match") == '"v1"'

    # The feed breaks: the failure is recorded and the next check backs off.
    site.pages["/feed.xml"] = Page(b"oops", "text/plain", status=500)
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE feeds SET next_check = '2000-01-01T00:00:00Z'")
    code, out, err = run("poll", "--once", db=db)
    assert code == 1
    state = json.loads(run("feeds", "--json", db=db)[1])
    assert state["failures"] == 1 and "500" in state["last_error"]
    assert state["next_check"] > state["last_checked"]


def test_add_feed_refuses_a_web_page_and_names_its_feed(
    site: Site, db: Path, loopback_allowed: None
) -> None:
    site.pages["/"] = Page(
        b"<html><head><link rel='alternate' type='application/rss+xml' href='/rss'>"
        b"</head><body><p>Home</p></body></html>"
    )
    code, _, err = run("add-feed", site.url("/"), db=db)
    assert code == 1
    assert err.strip() == (
        f"Error: {site.url('/')} is a web page, not a feed; it advertises {site.url('/rss')}. "
        f"Try: nutgraf add-feed {site.url('/rss')}"
    )


def test_search_newest_first(tmp_path: Path, db: Path) -> None:
    for n, date in ((20, "2026-01-05"), (21, "2026-03-05"), (22, "2026-02-05")):
        path = tmp_path / f"{n}.txt"
        path.write_text(
            f"Council story {n}\n\nPublished {date}\n\n"
            + "\n\n".join([*paragraphs(STORIES[n]), "The council met again on Tuesday."]),
            encoding="utf-8",
        )
    run("ingest", *(str(tmp_path / f"{n}.txt") for n in (20, 21, 22)), db=db)
    code, out, _ = run("search", "council", "--json", db=db)
    assert code == 0
    # Ordered by the "Published" dates of the files, not by the order they were read in.
    found = [json.loads(line) for line in out.splitlines()]
    assert [f["title"] for f in found] == [
        "Council story 21",
        "Council story 22",
        "Council story 20",
    ]
    assert [f["published"] for f in found] == ["2026-03-05", "2026-02-05", "2026-01-05"]
    code, out, err = run("search", "***", db=db)
    assert code == 1 and err.startswith("Error: search query")


def test_a_killed_ingest_loses_nothing_and_a_rerun_completes(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    pool = [sentence for story in STORIES for sentence in paragraphs(story, 1)]
    for n in range(160):
        # Fifteen sentences drawn at random from the pool: no file copies another.
        drawn = random.Random(n).sample(pool, 15)
        body = "\n\n".join(" ".join(drawn[i : i + 3]) for i in range(0, 15, 3))
        (folder / f"{n:03}.txt").write_text(f"Story number {n}\n\n{body}", "utf-8")
    db = tmp_path / "killed.db"
    command = [sys.executable, "-m", "nutgraf", "ingest", str(folder), "--db", str(db), "--quiet"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    stored = 0
    while time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
        try:
            with sqlite3.connect(db, timeout=1) as connection:
                stored = connection.execute("SELECT count(*) FROM articles").fetchone()[0]
        except sqlite3.Error:
            continue
        if stored >= 20:
            break
    assert process.poll() is None, "the ingest finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)

    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        kept = connection.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert 20 <= kept < 160

    finished = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    assert (
        finished.stdout.splitlines()[-1]
        == f"{160 - kept} new, 0 updated, {kept} unchanged, 0 duplicates, 0 failed"
    )
    again = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert (
        again.stdout.splitlines()[-1] == "0 new, 0 updated, 160 unchanged, 0 duplicates, 0 failed"
    )


def test_the_shared_real_feeds_ingest_without_a_traceback(
    shared_data: Path, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """58 real feeds, some broken on purpose, offline: every item is stored or listed."""
    monkeypatch.setenv("NUTGRAF_FETCH_PAGES", "false")
    code, out, err = run("ingest", str(shared_data / "feeds"), "--quiet", db=db)
    assert "Traceback" not in err
    new, _, _, duplicates, failed = (int(part.split()[0]) for part in out.split(", "))
    assert new > 800
    assert duplicates < 10  # measured 3: two template notices, one repeated quote
    errors = [line for line in err.splitlines() if line.startswith("Error: ")]
    # Each failure is listed, or counted by its feed's one "and N more" line.
    more = [re.search(r": and ([\d,]+) more of its entries failed$", line) for line in errors]
    listed = sum(1 for found in more if found is None)
    counted = sum(int(found.group(1).replace(",", "")) for found in more if found is not None)
    assert listed + counted == failed and code == (1 if failed else 0)
    rows = [json.loads(line) for line in run("export", db=db)[1].splitlines()]
    titles = {row["title"] for row in rows}
    assert any("Оренбург" in (t or "") or "оренбург" in (t or "").lower() for t in titles)
    assert not any("Ã©" in (row["text"] + (row["title"] or "")) for row in rows)


def test_poll_handles_many_due_feeds_and_records_each(
    site: Site, db: Path, loopback_allowed: None
) -> None:
    for n in range(5):
        site.pages[f"/f{n}.xml"] = Page(
            rss(
                f"Feed {n}",
                site.url("/"),
                [
                    {
                        "title": f"Item {n}",
                        "link": f"https://x{n}.example/1",
                        "guid": "1",
                        "content": html_body(STORIES[30 + n]),
                    }
                ],
            ),
            "application/rss+xml",
        )
        assert run("add-feed", site.url(f"/f{n}.xml"), db=db)[0] == 0
    site.pages["/f2.xml"] = Page(b"", "application/rss+xml")  # an empty 200 body
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE feeds SET next_check = '2000-01-01T00:00:00Z'")
    code, out, _ = run("poll", "--once", db=db)
    assert code == 1
    lines = sorted(out.splitlines())
    assert len(lines) == 5
    assert sum(": failed (" in line for line in lines) == 1
    assert any(line.startswith(site.url("/f2.xml") + ": failed (") for line in lines)
    feeds = [json.loads(line) for line in run("feeds", "--json", db=db)[1].splitlines()]
    assert [f["failures"] for f in feeds] == [0, 0, 1, 0, 0]


def test_progress_counts_the_files_of_folders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from nutgraf.batch.ingest import Ingestor
    from nutgraf.cli.archive import _progress
    from nutgraf.config import Settings
    from nutgraf.store import SQLiteStore

    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(3):
        (folder / f"{n}.txt").write_text(f"Title {n}\n\n" + STORIES[n], encoding="utf-8")
    seen: list[tuple[int, int, str]] = []
    with (
        SQLiteStore(":memory:") as store,
        Ingestor(store, Settings(), progress=lambda *event: seen.append(event)) as ingestor,
    ):
        ingestor.run([str(folder), str(tmp_path / "missing.txt")])
    assert [(done, total) for done, total, _ in seen] == [(0, 4), (1, 4), (2, 4), (3, 4)]
    _progress()(2, 4, "in/2.txt")
    assert "[##########..........] 2/4 in/2.txt" in capsys.readouterr().err


def test_poll_keeps_polling_until_interrupted(site: Site, db: Path, loopback_allowed: None) -> None:
    site.pages["/feed.xml"] = Page(
        rss(
            "Looped",
            site.url("/"),
            [
                {
                    "title": "One",
                    "link": "https://l.example/1",
                    "guid": "1",
                    "content": html_body(STORIES[36]),
                }
            ],
        ),
        "application/rss+xml",
    )
    assert run("add-feed", site.url("/feed.xml"), db=db)[0] == 0
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE feeds SET next_check = '2000-01-01T00:00:00Z'")
    requests_before = len(site.requests)
    process = subprocess.Popen(
        [sys.executable, "-m", "nutgraf", "poll", "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(site.requests) == requests_before:
        time.sleep(0.05)
    time.sleep(0.5)  # let it record the poll and go to sleep until the next one is due
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert len(site.requests) > requests_before
    assert process.returncode == 0, err
    assert "Traceback" not in err and "Stopped" in err
    assert (
        out.splitlines()[0]
        == f"{site.url('/feed.xml')}: 0 new, 0 updated, 1 unchanged, 0 duplicates, 0 failed"
    )


def test_poll_sleeps_until_a_feed_is_due_then_polls_it_again(
    site: Site, db: Path, loopback_allowed: None
) -> None:
    """The loop without --once: it polls, sleeps while nothing is due, wakes when a feed
    falls due (here made due by another writer, as `ingest subs.opml` does with new feeds;
    the poll interval itself cannot be set below 60 s) and polls it again, until Ctrl-C."""
    site.pages["/feed.xml"] = Page(
        rss(
            "Looped",
            site.url("/"),
            [
                {
                    "title": "One",
                    "link": "https://l.example/1",
                    "guid": "1",
                    "content": html_body(STORIES[37]),
                }
            ],
        ),
        "application/rss+xml",
        etag='"v1"',
    )
    assert run("add-feed", site.url("/feed.xml"), db=db)[0] == 0
    long_ago = "2000-01-01T00:00:00Z"
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE feeds SET next_check = ?", (long_ago,))

    def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            assert process.poll() is None, f"poll exited with status {process.poll()}"
            assert time.monotonic() < deadline, "gave up waiting"
            time.sleep(0.02)

    def next_check() -> str:
        with sqlite3.connect(db) as connection:
            return str(connection.execute("SELECT next_check FROM feeds").fetchone()[0])

    hits = len(site.requests)
    process = subprocess.Popen(
        [sys.executable, "-m", "nutgraf", "poll", "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    stdout, stderr = process.stdout, process.stderr
    assert stdout is not None and stderr is not None
    out: list[str] = []  # its lines as they come: a round is over once its line is out
    reader = threading.Thread(target=lambda: out.extend(iter(stdout.readline, "")))
    reader.start()
    try:
        wait_for(lambda: len(out) == 1, 30.0)  # polled at once (once started): it was due
        assert len(site.requests) == hits + 1 and next_check() > utc_now()
        time.sleep(1.0)
        assert len(site.requests) == hits + 1  # due again in an hour: it sleeps
        soon = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
        with sqlite3.connect(db) as connection:
            connection.execute(
                "UPDATE feeds SET next_check = ?", (soon.strftime("%Y-%m-%dT%H:%M:%SZ"),)
            )
        wait_for(lambda: len(site.requests) == hits + 2)
        polled_at = datetime.now(UTC)
        assert soon <= polled_at < soon + timedelta(seconds=8)  # when due, not before
        assert site.requests[-1][1].get("If-None-Match") == '"v1"'
        wait_for(lambda: len(out) == 2)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        reader.join(timeout=30)
    err = stderr.read()
    assert process.returncode == 0, err
    assert "Traceback" not in err and "Stopped; what was polled is stored." in err
    assert (
        out
        == [f"{site.url('/feed.xml')}: 0 new, 0 updated, 0 unchanged, 0 duplicates, 0 failed\n"] * 2
    )
