"""Stories on realistic streams: every multi-outlet story formed, against hand verdicts.

    .venv/bin/python -m benchmarks.stories_stream [--data DIR] [--verdicts FILE] [--list]

B-cubed on curated roundups says how well the articles of known events are grouped; it says
nothing of the stories a real stream forms out of articles that are not about one event. A
stream here is real feed files ingested by nutgraf's own ``Ingestor`` into a fresh archive
(offline: ``fetch_pages`` off, one fixed time of ingest, so undated entries share it as a
bulk import does), then ``update_stories``. Every story told by two or more outlets is listed
and looked up in the verdict file (``tests/stories/data/stream_verdicts.json``), where each
was judged by hand: true (one event) or false, with a reason. Precision is the true stories
over the stories formed; a story the file does not know counts as false until judged.

Streams:

- ``feeds``: the 58 files of ``feeds/`` (some broken on purpose), in name order.
- ``basil + feeds``: the 300 articles of ``stories/clusters_basil.jsonl`` (100 events of
  2012-2019, three outlets each; stored as pages with their outlet and date), then the same
  58 files: older news first, as an archive grows.
- ``small``: the few real feed files under ``tests/stories/data/feeds`` (the test that
  always runs).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nutgraf.batch.ingest import Ingestor
from nutgraf.batch.pipeline import Origin, archive_item, save
from nutgraf.config import Settings
from nutgraf.records import Article, Block
from nutgraf.store.base import Store
from nutgraf.store.sqlite import SQLiteStore
from nutgraf.stories.archive import update_stories
from nutgraf.stories.read import outlet, read_story

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = REPO.parent / "shared" / "data"
VERDICTS = REPO / "tests" / "stories" / "data" / "stream_verdicts.json"
SMALL_FEEDS = REPO / "tests" / "stories" / "data" / "feeds"  # README-feeds.md says which
INGESTED = "2026-12-07T06:00:00Z"
OFFLINE = Settings(fetch_pages=False)
STREAMS = ("small", "feeds", "basil + feeds")


@dataclass(frozen=True, slots=True)
class Formed:
    """A multi-outlet story a stream formed: its members as (outlet, title), by time."""

    stream: str
    members: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Verdict:
    stream: str
    members: frozenset[tuple[str, str]]
    true: bool
    reason: str
    known_miss: bool = False


def ingest_files(store: Store, files: Sequence[Path]) -> None:
    """Ingest feed files into ``store`` as ``nutgraf ingest`` does, offline, at one time."""
    with Ingestor(store, OFFLINE, now=lambda: INGESTED) as ingestor:
        ingestor.run([str(path) for path in files])


def store_basil(store: Store, path: Path) -> None:
    """The articles of a clusters file, stored as pages of their outlets, in file order."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            paragraphs = [p for p in str(row["text"]).split("\n\n") if p.strip()]
            host = "".join(c for c in str(row["source"]).lower() if c.isalnum())
            article = Article(
                title=row["title"] or None,
                blocks=tuple(Block("paragraph", p) for p in paragraphs),
                source=str(row["source"]),
                published=str(row["time"]),
                language=str(row["lang"]),
                url=f"https://{host}.example/{row['id']}",
            )
            origin = Origin(url=article.url, site=f"https://{host}.example/")
            save(store, archive_item(article, origin=origin, fetched=INGESTED))


def formed_stories(store: Store, stream: str) -> list[Formed]:
    """Every story of the archive told by two or more outlets."""
    update_stories(store, now=lambda: INGESTED)
    formed = []
    for digest in store.latest_stories(limit=1000, min_sources=2):
        story = read_story(store, digest.id)
        if story is not None:
            members = tuple((outlet(h), h.title or "") for h in story.articles)
            formed.append(Formed(stream, members))
    return formed


def build_stream(name: str, data: Path) -> list[Formed]:
    """The multi-outlet stories of one named stream (see the module's docstring)."""
    with SQLiteStore(":memory:") as store:
        if name == "small":
            ingest_files(store, sorted(SMALL_FEEDS.iterdir()))
        else:
            if name == "basil + feeds":
                store_basil(store, data / "stories" / "clusters_basil.jsonl")
            ingest_files(store, sorted((data / "feeds").iterdir()))
        return formed_stories(store, name)


def read_verdicts(path: Path = VERDICTS) -> list[Verdict]:
    rows = json.loads(path.read_text(encoding="utf-8"))["stories"]
    return [
        Verdict(
            row["stream"],
            frozenset((m["outlet"], m["title"]) for m in row["members"]),
            bool(row["verdict"]),
            row["reason"],
            bool(row.get("known_miss", False)),
        )
        for row in rows
    ]


def judge(formed: Formed, verdicts: Sequence[Verdict]) -> Verdict | None:
    """The verdict on exactly this story in its stream (None: not judged yet)."""
    members = frozenset(formed.members)
    for verdict in verdicts:
        if verdict.stream == formed.stream and verdict.members == members:
            return verdict
    return None


def false_formed(formed: Sequence[Formed], verdicts: Sequence[Verdict]) -> list[Formed]:
    """The stories formed that hold every member of a story judged false (and not marked a
    known miss: a false story nutgraf still forms, listed so that it is seen)."""
    wrong = [v for v in verdicts if not v.true and not v.known_miss]
    return [
        story
        for story in formed
        if any(v.stream == story.stream and v.members <= set(story.members) for v in wrong)
    ]


def precision(formed: Sequence[Formed], verdicts: Sequence[Verdict]) -> float:
    """True stories over stories formed (unjudged count as false; 1.0 when none formed)."""
    if not formed:
        return 1.0
    true = sum(1 for f in formed if (v := judge(f, verdicts)) is not None and v.true)
    return true / len(formed)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.stories_stream", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--data", default=str(DATA_DIR), help=f"default: {DATA_DIR}")
    parser.add_argument("--verdicts", default=str(VERDICTS), help=f"default: {VERDICTS}")
    parser.add_argument("--list", action="store_true", help="print every story as JSON")
    args = parser.parse_args(argv)
    data = Path(args.data)
    if not (data / "feeds").is_dir():
        print(f"Error: feeds not found in {data}; pass --data DIR", file=sys.stderr)
        return 1
    verdicts = read_verdicts(Path(args.verdicts))
    for name in STREAMS:
        formed = build_stream(name, data)
        judged = [(f, judge(f, verdicts)) for f in formed]
        true = sum(1 for _, v in judged if v is not None and v.true)
        unjudged = sum(1 for _, v in judged if v is None)
        print(
            f"{name}: {len(formed)} multi-outlet stories, {true} true, "
            f"{len(formed) - true - unjudged} false, {unjudged} not judged; "
            f"precision {precision(formed, verdicts):.3f}"
        )
        if args.list:
            for story, verdict in judged:
                row = {
                    "stream": name,
                    "members": [{"outlet": o, "title": t} for o, t in story.members],
                    "verdict": None if verdict is None else verdict.true,
                    "reason": "" if verdict is None else verdict.reason,
                }
                print(json.dumps(row, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
