"""Real feeds as a new user meets them: the 58 shared feeds ingested, offline, by a nutgraf.

    .venv/bin/python -m benchmarks.realfeeds [--before PATH] [--data DIR] [--output BENCHMARKS.md]

Each nutgraf (this checkout's, and with ``--before`` another installed ``nutgraf`` entry
point, such as one built from an older commit) ingests every file of ``feeds/`` into a fresh
SQLite archive with page fetching off, in one run on this machine. The table says what a
reader gets: the tally line, the wall time, the items kept as links (headline-only entries),
the undated items among the first 20 of the home page (a first import of undated feeds
flooding the top), and articles of 60 or more words (a CJK character counts half a word)
left without a summary.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.report import command, machine, write_section

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = REPO.parent / "shared" / "data"
COUNTS = re.compile(r"([\d,]+) (new|updated|unchanged|duplicates|failed)")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
HOME = 20


@dataclass(frozen=True, slots=True)
class Run:
    label: str
    counts: dict[str, int]
    seconds: float
    stored: int
    links: int | None
    undated_on_top: int
    unsummarized: int


def ingest(label: str, nutgraf: str, feeds: Path) -> Run:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "archive.db"
        env = {**os.environ, "NUTGRAF_FETCH_PAGES": "false", "HOME": folder}
        started = time.monotonic()
        done = subprocess.run(
            [nutgraf, "ingest", "--db", str(db), "--quiet", str(feeds)],
            capture_output=True,
            text=True,
            env=env,
            timeout=1800,
            check=False,
        )
        seconds = time.monotonic() - started
        last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
        counts = {kind: int(n.replace(",", "")) for n, kind in COUNTS.findall(last)}
        with sqlite3.connect(db) as archive:
            columns = {row[1] for row in archive.execute("PRAGMA table_info(articles)")}
            stored = archive.execute("SELECT count(*) FROM articles").fetchone()[0]
            links = (
                archive.execute("SELECT count(*) FROM articles WHERE kind = 'link'").fetchone()[0]
                if "kind" in columns
                else None
            )
            top = archive.execute(
                "SELECT published FROM articles ORDER BY sort_time DESC, id DESC LIMIT ?", (HOME,)
            ).fetchall()
            undated = sum(1 for (published,) in top if not published)
            unsummarized = sum(
                1
                for text, summary in archive.execute("SELECT text, summary FROM articles")
                if _words(text) >= 60 and not json.loads(summary)["sentences"]
            )
    return Run(label, counts, seconds, stored, links, undated, unsummarized)


def _words(text: str) -> float:
    cjk = len(CJK.findall(text))
    return len(text.split()) + cjk / 2


def report(runs: list[Run], argv: list[str] | None, files: int) -> str:
    kinds = ("new", "updated", "unchanged", "duplicates", "failed")
    lines = [
        "## Real feeds (issue 16)",
        "",
        f"The {files} files of `../shared/data/feeds/` (some broken on purpose) ingested into a "
        "fresh SQLite archive, page fetching off, by each nutgraf in one run. Links: "
        "headline-only entries kept as link items. Undated on top: items without a date among "
        f"the first {HOME} of the home page. Unsummarized: articles of 60+ words (a CJK "
        "character counts half a word) with no summary.",
        "",
        "| nutgraf | " + " | ".join(kinds) + " | stored | links | undated on top | "
        "unsummarized | wall s |",
        "|---|" + "---:|" * (len(kinds) + 5),
    ]
    for run in runs:
        counts = " | ".join(str(run.counts.get(kind, "–")) for kind in kinds)
        links = "–" if run.links is None else str(run.links)
        lines.append(
            f"| {run.label} | {counts} | {run.stored} | {links} | {run.undated_on_top} | "
            f"{run.unsummarized} | {run.seconds:.1f} |"
        )
    lines += [
        "",
        f"Measured {datetime.date.today().isoformat()} on {machine()}.",
        f"Command: `{command('benchmarks.realfeeds', argv)}`",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA_DIR)
    parser.add_argument("--before", help="another nutgraf entry point to compare with")
    parser.add_argument("--before-label", default="before")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    feeds = args.data / "feeds"
    if not feeds.is_dir():
        print(f"Error: {feeds} not found (the team's data share)", file=sys.stderr)
        return 1
    here = str(Path(sys.executable).with_name("nutgraf"))
    runs = []
    if args.before:
        runs.append(ingest(args.before_label, args.before, feeds))
    runs.append(ingest("this checkout", here, feeds))
    text = report(runs, argv, sum(1 for _ in feeds.iterdir()))
    print(text)
    if args.output:
        write_section(args.output, "realfeeds", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
