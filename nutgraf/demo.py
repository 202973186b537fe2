"""The demo archive: real feeds and the seed page shipped in the package, ingested offline.

``nutgraf serve --demo`` (and ``make run``) builds it once, so a fresh clone shows a working
site without touching the network: page fetching is off, and the few headline-only entries
are recorded as failures like any other.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from nutgraf.batch.ingest import Ingestor, Tally
from nutgraf.config import Settings
from nutgraf.store.sqlite import SQLiteStore
from nutgraf.stories.archive import story_options, update_stories


def demo_sources() -> list[Path]:
    """The shipped corpus: the feeds in ``nutgraf/data/demo`` and the seed page."""
    data = Path(str(resources.files("nutgraf").joinpath("data")))
    feeds = sorted(p for p in (data / "demo").iterdir() if p.suffix != ".md")
    return [*feeds, data / "seed-lublin.txt"]


def build_demo(path: Path, settings: Settings | None = None) -> Tally:
    """Ingest the demo corpus into the archive at ``path`` and group it into stories (again
    is a no-op)."""
    offline = Settings(
        allow_networks=(), fetch_pages=False, admin_token=settings.admin_token if settings else None
    )
    with SQLiteStore(path) as store, Ingestor(store, offline) as ingestor:
        tally = ingestor.run([str(p) for p in demo_sources()])
        update_stories(store, options=story_options(settings) if settings else None)
        return tally
