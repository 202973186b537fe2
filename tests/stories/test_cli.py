"""``nutgraf stories``: updates the stories, then lists them (text or JSON)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from nutgraf.cli import main
from nutgraf.store import SQLiteStore
from tests.stories import events


def archive(tmp_path: Path) -> tuple[str, dict[str, int]]:
    path = tmp_path / "news.db"
    with SQLiteStore(path) as store:
        ids = {r.key: events.ingest(store, r) for r in events.ALL}
    return str(path), ids


def test_stories_json_lists_multi_source_stories_with_cited_summaries(tmp_path: Path) -> None:
    db, ids = archive(tmp_path)
    result = CliRunner().invoke(main, ["stories", "--db", db, "--json"])
    assert result.exit_code == 0, result.output
    stories = [json.loads(line) for line in result.output.splitlines()]
    assert [s["headline"] for s in stories] == [events.TRAM_TIDE.title, events.BRIDGE_VALLEY.title]
    bridge = stories[1]
    assert set(bridge) == {"id", "headline", "first_reported_by", "sources", "articles", "summary"}
    assert bridge["first_reported_by"] == ["North Post"]
    assert bridge["sources"] == ["North Post", "Valley Herald", "Coast Wire"]
    assert [a["id"] for a in bridge["articles"]] == [
        ids["bridge-north"],
        ids["bridge-valley"],
        ids["bridge-coast"],
    ]
    assert set(bridge["articles"][0]) == {"id", "title", "source", "time", "url"}
    assert bridge["articles"][0]["url"] == "https://northpost.test/bridge-north"
    for sentence in bridge["summary"]:
        assert set(sentence) == {"text", "article", "source", "paragraph", "start", "end"}
        assert sentence["article"] in [a["id"] for a in bridge["articles"]]
    everything = CliRunner().invoke(main, ["stories", "--db", db, "--json", "--all"])
    assert len(everything.output.splitlines()) == 3  # the honey story has one outlet


def test_stories_text(tmp_path: Path) -> None:
    db, _ = archive(tmp_path)
    result = CliRunner().invoke(main, ["stories", "--db", db, "--limit", "1"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].endswith(events.TRAM_TIDE.title)
    assert (
        "2 articles from Tidewater Daily, North Post; first reported by Tidewater Daily" in lines[1]
    )
    assert lines[2].strip().startswith("- ") and lines[2].endswith("]")


def test_stories_of_an_empty_archive_and_a_bad_database(tmp_path: Path) -> None:
    empty = CliRunner().invoke(main, ["stories", "--db", str(tmp_path / "empty.db")])
    assert (empty.exit_code, empty.output) == (0, "No stories told by two or more outlets yet.\n")
    missing = tmp_path / "nowhere" / "news.db"
    result = CliRunner().invoke(main, ["stories", "--db", str(missing)])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: cannot create the database {missing}: {missing.parent} is missing\n"
    )
