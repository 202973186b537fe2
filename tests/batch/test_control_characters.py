"""Terminal escape sequences from feeds never reach the terminal (issue 15, point 13).

A feed carrying OSC (``ESC ] 0 ; title BEL``, U+009D), CSI (``ESC [ 2 J``, U+009B) and other
controls is ingested; what is stored is clean, and ``search``, ``export``, ``feeds`` and
``stories`` print no control character, nor for an article stored before the fix. Click
strips ESC-[ sequences itself from what it prints when the output is not a terminal, so
the runner asks for ``color=True``: what the test sees is what a terminal would get.
"""

from __future__ import annotations

import json
import re
import sqlite3
from html import escape
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from nutgraf.batch.pipeline import Origin, archive_item, fetch_of
from nutgraf.cli import main
from nutgraf.controls import json_line, strip_controls
from nutgraf.records import Article, Block
from nutgraf.store import SQLiteStore
from tests.batch.conftest import Page, Site
from tests.batch.test_ingest_cli import STORIES, paragraphs
from tests.store.test_sqlite import item

# Every C0 and C1 control but the newline and the tab text keeps, and DEL.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
OSC = "\x1b]0;owned\x07"
CSI = "\x1b[2J"
C1_CSI = "\x9b31m"
C1_OSC = "\x9d0;title\x07"  # ended by BEL: feedparser reads U+009C (ST) as cp1252's "œ"
HYPERLINK = "\x1b]8;;https://evil.example/\x1b\\"


def entity(text: str) -> str:
    """``text`` with its controls as XML character references (ESC is no XML character, so
    feedparser reads the feed leniently, and used to keep them)."""
    return "".join(f"&#{ord(c)};" if CONTROL.match(c) else escape(c, quote=False) for c in text)


def hostile_feed(link: str) -> bytes:
    items = []
    for n in range(2):
        body = "".join(
            f"&lt;p&gt;{entity(p)} {entity(CSI)}red{entity(C1_CSI)}.&lt;/p&gt;"
            for p in paragraphs(STORIES[n])
        )
        items.append(
            f"<item><title>Harbour {entity(OSC)} plan {n} {entity(C1_OSC)} approved "
            f"{entity(HYPERLINK)}link</title>"
            f"<link>https://evil.example/story-{n}</link><guid>story-{n}</guid>"
            f"<author>Ann {entity(CSI)}Writer</author>"
            "<pubDate>Mon, 23 Nov 2026 10:00:00 GMT</pubDate>"
            f"<description>{body}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Evil {entity(OSC)} News {entity(C1_CSI)}</title><link>{link}</link>"
        f"<description>d</description>{''.join(items)}</channel></rss>"
    ).encode()


def run(*args: str, db: Path) -> Result:
    result = CliRunner().invoke(main, [*args, "--db", str(db)], color=True)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def assert_printable(result: Result) -> None:
    found = sorted({hex(ord(c)) for c in CONTROL.findall(result.output)})
    assert not found, f"control characters {found} in:\n{result.output!r}"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NUTGRAF_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("NUTGRAF_FETCH_PAGES", "false")
    return tmp_path / "archive.db"


def test_a_hostile_feed_is_stored_and_printed_clean(tmp_path: Path, db: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes(hostile_feed("https://evil.example/"))
    ingested = run("ingest", str(feed), db=db)
    assert_printable(ingested)
    assert (
        ingested.output.splitlines()[-1] == "2 new, 0 updated, 0 unchanged, 0 duplicates, 0 failed"
    )

    with SQLiteStore(db) as store:
        stored = list(store.articles())
    assert [s.item.article.title for s in stored] == [
        f"Harbour  plan {n}  approved link" for n in range(2)
    ]
    for s in stored:
        article = s.item.article
        fields = [article.title, article.source, article.byline, article.text, s.item.url]
        fields += [sentence.text for sentence in s.item.summary.sentences]
        assert not any(CONTROL.search(field or "") for field in fields), fields
        assert (article.source or "").startswith("Evil  News ")  # feedparser reads U+009B as "›"
        assert article.byline == "Ann Writer"
        assert len(article.paragraphs) > 1  # the paragraphs' newlines kept

    for command in (["search", "harbour"], ["search", "harbour", "--json"], ["export"]):
        assert_printable(run(*command, db=db))
    stories = run("stories", "--all", db=db)
    assert_printable(stories)
    assert "Harbour  plan" in stories.output

    again = run("ingest", str(feed), db=db)  # the cleaned fetch is the stored one: unchanged
    assert again.output.splitlines()[-1] == "0 new, 0 updated, 2 unchanged, 0 duplicates, 0 failed"


def test_feed_titles_are_stored_clean_and_listed_clean(
    db: Path, site: Site, loopback_allowed: None
) -> None:
    site.pages["/feed.xml"] = Page(hostile_feed(site.url("/")), "application/rss+xml")
    added = run("add-feed", site.url("/feed.xml"), db=db)
    assert_printable(added)
    assert added.output.startswith("Subscribed to Evil  News ")
    listed = run("feeds", db=db)
    assert_printable(listed)
    assert "Evil  News" in listed.output
    polled = run("poll", "--once", db=db)
    assert_printable(polled)
    with SQLiteStore(db) as store:
        (state,) = store.feeds()
    assert (state.title or "").startswith("Evil  News ")


def test_what_an_older_nutgraf_stored_is_printed_clean(db: Path) -> None:
    """An article and a feed stored with controls (as before the fix) print without them;
    JSON keeps their text, escaped."""
    title = f"Old {OSC}headline {C1_CSI}{CSI}here\x7f"
    text = f"Harbour text {C1_OSC}stored long ago.\x1b[31m Red."
    with SQLiteStore(db) as store:
        saved = store.save(item(text, url="https://old.example/1", title=title))
    raw = sqlite3.connect(db)
    raw.execute(
        "INSERT INTO feeds(url, title, site, category, added, next_check, last_error) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            "https://old.example/feed.xml",
            f"Old {OSC}feed",
            "https://old.example/",
            f"News{C1_CSI}",
            "2026-11-24T10:00:00Z",
            "2026-11-24T10:00:00Z",
            f"failed {CSI}badly",
        ),
    )
    raw.commit()
    raw.close()

    searched = run("search", "harbour", db=db)
    assert_printable(searched)
    assert f"{saved.id:>6}  2026-11-24  Old headline here" in searched.output
    exported = run("export", db=db)
    assert_printable(exported)
    assert json.loads(exported.output)["title"] == title  # kept, escaped as \u001b, \u009b
    assert "\\u001b]0;owned\\u0007" in exported.output and "\\u009b31m" in exported.output
    for command in (["feeds"], ["feeds", "--json"], ["export", "--format", "opml"]):
        listed = run(*command, db=db)
        assert_printable(listed)
    assert "Old feed" in run("feeds", db=db).output
    assert "last error: failed badly" in run("feeds", db=db).output
    assert_printable(run("stories", "--all", db=db))
    assert_printable(run("stories", "--all", "--json", db=db))


def test_strip_controls_removes_whole_sequences_and_keeps_text() -> None:
    assert strip_controls(f"a{OSC}b{CSI}c{C1_CSI}d{C1_OSC}e{HYPERLINK}f") == "abcdef"
    assert strip_controls("unterminated \x9dtext stays") == "unterminated text stays"
    assert strip_controls("a\x9d0;t\x9cb\x1bP1$r\x1b\\c") == "abc"  # ended by ST
    assert strip_controls("one\nline\tand\r\u2028more") == "one line and more"
    assert strip_controls("para one\n\n\tpara\x00 two\x1b(B", lines=True) == (
        "para one\n\n\tpara two"
    )
    assert strip_controls("café, Kraków, 東京 ‘quoted’") == "café, Kraków, 東京 ‘quoted’"
    title = f"x{OSC}\x85y"
    assert json.loads(json_line({"t": title})) == {"t": title}
    assert not CONTROL.search(json_line({"t": f"{OSC}{C1_CSI}\x7f"}))


def test_a_fetch_is_known_by_its_cleaned_title() -> None:
    article = Article(
        title=f"Title {OSC}", blocks=(Block("paragraph", f"Body {CSI}text."),), url="https://x/1"
    )
    origin = Origin(url="https://x/1", source=f"Outlet {C1_CSI}")
    stored = archive_item(article, origin=origin, fetched="2026-11-24T10:00:00Z")
    assert fetch_of(article, origin) == stored.fetch
    assert (stored.article.title, stored.article.text) == ("Title ", "Body text.")
    assert stored.article.source == "Outlet "
