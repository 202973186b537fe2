"""What is neither an article nor a feed is refused in one line and not stored (issue 16)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from nutgraf.cli import main
from nutgraf.extract import extract
from nutgraf.ingest.junk import not_an_article
from nutgraf.store import SQLiteStore

DATA = Path(__file__).parents[1] / "data"
STUB = DATA / "feeds" / "not-a-feed-document-moved.html"
ARTICLE = DATA / "html" / "harbor-gazette-ferry.html"
MANIFEST = (
    b'{"file": "guardian-us.rss", "format": "rss2.0", "bytes": 151464, "license": "MIT"}\n'
    b'{"file": "techcrunch.xml", "format": "rss2.0", "bytes": 207013, "license": "MIT"}\n'
)
TABLE = b"date,outlet,title,words\n" + b"".join(
    f"2026-12-0{n},Daily,Story {n},{100 * n}\n".encode() for n in range(1, 8)
)
SIGN_IN = (
    b"<html><head><title>Sign in</title></head><body><h1>Subscribers only</h1>"
    b"<form><p>Sign in to keep reading this article.</p><input name=user>"
    b"<input type='password' name=pass><button>Sign in</button></form></body></html>"
)
REFRESH = (
    b'<html><head><meta http-equiv="refresh" content="0; url=https://example.org/new">'
    b"</head><body><p>Please wait.</p></body></html>"
)


def reason(data: bytes) -> str | None:
    return not_an_article(data, extract(data, name="input"))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (MANIFEST, "JSON data, not an article or a feed"),
        (json.dumps({"items": [1, 2]}, indent=2).encode(), "JSON data, not an article or a feed"),
        (TABLE, "a table of data (CSV), not an article or a feed"),
        (TABLE.replace(b",", b"\t"), "a table of data (CSV), not an article or a feed"),
        (STUB.read_bytes(), "a redirect page, not an article"),
        (REFRESH, "a redirect page to https://example.org/new, not an article"),
        (SIGN_IN, "a sign-in page, not an article"),
    ],
)
def test_data_files_stubs_and_walls_are_named(data: bytes, expected: str) -> None:
    assert reason(data) == expected


def test_articles_are_not_junk() -> None:
    assert reason(ARTICLE.read_bytes()) is None
    prose = (
        b"The council met on Monday, and the vote, which was close, went ahead.\n"
        b"Members said the harbour, the library and the ferry would be funded.\n"
        b"A resident, who asked not to be named, said she was pleased.\n"
        b"The mayor, speaking later, called it a fair budget.\n"
        b"Work starts in spring, weather permitting, the council said.\n"
        b"More meetings follow in March, April and May.\n"
    )
    assert reason(prose) is None


def test_the_shared_pages_are_articles(shared_data: Path) -> None:
    """No real page of the extraction set is taken for junk."""
    pages = sorted((shared_data / "extraction" / "html").iterdir())
    assert len(pages) > 100
    for page in pages:
        data = page.read_bytes()
        data = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
        assert reason(data) is None, page.name


def test_ingest_refuses_junk_and_reads_a_gzipped_page(tmp_path: Path) -> None:
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "manifest.jsonl").write_bytes(MANIFEST)
    (folder / "moved.html").write_bytes(STUB.read_bytes())
    (folder / "table.csv").write_bytes(TABLE)
    (folder / "story.html.gz").write_bytes(gzip.compress(ARTICLE.read_bytes()))
    db = tmp_path / "a.db"
    result = CliRunner().invoke(main, ["ingest", "--db", str(db), str(folder)])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == (
        "1 new, 0 updated, 0 unchanged, 0 duplicates, 3 failed"
    )
    errors = sorted(line for line in result.stderr.splitlines() if line.startswith("Error:"))
    assert errors == [
        f"Error: {folder / 'manifest.jsonl'}: JSON data, not an article or a feed; nothing stored",
        f"Error: {folder / 'moved.html'}: a redirect page, not an article; nothing stored",
        f"Error: {folder / 'table.csv'}: a table of data (CSV), not an article or a feed; "
        "nothing stored",
    ]
    with SQLiteStore(db) as store:
        (stored,) = store.articles()
    assert stored.item.article.title and "ferry" in stored.item.article.text.lower()
