"""``nutgraf backfill`` on the command line: its report, a rerun, and one-line errors."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from nutgraf.backfill import checkpoint_name
from nutgraf.cli import main
from tests.backfill.conftest import age, checkpoints, execute, fill, snapshot


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["backfill", *args])
    return result.exit_code, result.stdout, result.stderr


def test_the_report_and_a_rerun(tmp_path: Path) -> None:
    db = str(tmp_path / "news.db")
    ids = fill(db, 12)
    age(db, ids[2:])
    code, out, err = _run("--db", db, "--batch-size", "5", "--workers", "1")
    assert (code, err) == (0, "")
    assert re.fullmatch(
        r"12 articles read, \d+ rewritten, \d+ unchanged \(2 already current\) in [\d.]+ s, "
        r"[\d,]+ a second\n",
        out,
    )
    done = snapshot(db)
    code, out, err = _run("--db", db)
    assert (code, out, err) == (
        0,
        f"Nothing to do: done up to article {ids[-1]} already (--restart to go over the "
        "archive again).\n",
        "",
    )
    # --all: also the two whose lead summaries were taken for the current summarizer's.
    code, out, _ = _run("--db", db, "--restart", "--all", "--workers", "1")
    assert code == 0
    assert out.startswith("12 articles read, 2 rewritten, 10 unchanged (0 already current)")
    again = snapshot(db)
    assert [i for i in ids if again[i] != done[i]] == ids[:2]


def test_the_ray_engine_without_ray_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # as if the extra were not installed
    code, out, err = _run("--db", str(tmp_path / "news.db"), "--engine", "ray")
    assert (code, out) == (1, "")
    assert err == "Error: --engine ray needs Ray: pip install 'nutgraf[ray]'\n"


def test_an_archive_that_cannot_be_opened_is_one_line() -> None:
    code, out, err = _run("--db", "/nonexistent/folder/news.db", "--workers", "1")
    assert (code, out) == (1, "")
    assert err == (
        "Error: cannot create the database /nonexistent/folder/news.db: /nonexistent/folder "
        "is missing\n"
    )


def test_an_unknown_engine_is_refused() -> None:
    code, _, err = _run("--engine", "spark")
    assert code == 2 and "'spark' is not one of 'local', 'ray'" in err


def test_a_damaged_article_stops_the_backfill_in_one_line(tmp_path: Path) -> None:
    db = str(tmp_path / "news.db")
    ids = fill(db, 12)
    age(db, ids)
    execute(db, "UPDATE articles SET blocks = 'not json' WHERE id = ?", (ids[7],))
    code, out, err = _run("--db", db, "--batch-size", "5", "--workers", "1")
    assert (code, out) == (1, "")
    assert err == (
        f"Error: articles {ids[5]} to {ids[9]} cannot be summarized again (JSONDecodeError: "
        "Expecting value: line 1 column 1 (char 0)); the backfill stopped before them\n"
    )
    assert checkpoints(db) == {checkpoint_name(False): ids[4]}
