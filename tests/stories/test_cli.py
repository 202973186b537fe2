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


def test_the_story_day_penalty_setting_reaches_the_clusterer(tmp_path: Path) -> None:
    # The dock strike: two reports on one day, its cost to shops the next.
    reports = events.sample_reports("nutgraf-dock-strike")
    counts = {}
    for penalty in ("0.5", "0"):
        path = tmp_path / f"news-{penalty}.db"
        with SQLiteStore(path) as store:
            for report in reports:
                events.ingest(store, report)
        environ = {
            "NUTGRAF_CONFIG": str(tmp_path / "none.toml"),
            "NUTGRAF_STORY_DAY_PENALTY": penalty,
        }
        result = CliRunner().invoke(
            main, ["stories", "--db", str(path), "--json", "--all"], env=environ
        )
        assert result.exit_code == 0, result.output
        counts[penalty] = [len(json.loads(line)["articles"]) for line in result.output.splitlines()]
    assert sorted(counts["0.5"]) == [1, 2]
    assert counts["0"] == [3]
    bad = CliRunner().invoke(
        main,
        ["stories", "--db", str(tmp_path / "news.db")],
        env={"NUTGRAF_STORY_DAY_PENALTY": "-1", "NUTGRAF_CONFIG": str(tmp_path / "none.toml")},
    )
    assert (bad.exit_code, bad.output) == (
        1,
        "Error: Config 'story_day_penalty' has value -1.0. Use 0 to 1.\n",
    )
