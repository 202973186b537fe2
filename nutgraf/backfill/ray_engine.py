"""The Ray engine (``nutgraf backfill --engine ray``, the ``nutgraf[ray]`` extra): batches
summarized by a pool of Ray worker processes through Ray Data.

The batches of ids become a dataset, one block a batch; ``map_batches`` hands each to a task
(``run_ray_batch``) on a pool of ``workers`` Ray worker processes, each of which opens the
archive once and then reads, summarizes and commits batch after batch, returning only
tallies. The dataset keeps its order, so the tallies come back batch by batch and the
checkpoint covers only committed batches, as with the local engine. Ray starts a single-node
cluster in this process (no dashboard, no usage report, nothing downloaded) unless one is
already running, and is imported only here, when asked for.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from typing import Any

from nutgraf.backfill.core import BackfillOptions, BackfillReport, BatchTally
from nutgraf.backfill.run import Engine, Progress, drive, run_batch
from nutgraf.errors import NutgrafError
from nutgraf.store import Store, open_store

MISSING = "--engine ray needs Ray: pip install 'nutgraf[ray]'"
_TALLY = ("read", "rewritten", "unchanged", "current")


def backfill_ray(
    location: str, options: BackfillOptions, progress: Progress | None = None
) -> BackfillReport:
    """Backfill the archive at ``location`` (a SQLite path or a PostgreSQL URL) with
    ``options.workers`` Ray tasks at a time.

    Raises:
        NutgrafError: Ray is not installed, the archive is in memory, or a worker failed.
    """
    ray = import_ray()
    if location == ":memory:":
        raise NutgrafError("an in-memory archive cannot be shared with Ray workers")
    store = open_store(location)
    try:
        return drive(store, options, ray_engine(ray, location, options), progress)
    finally:
        store.close()


def import_ray() -> Any:
    """The ``ray`` module with Ray Data, quiet and offline; NutgrafError when not installed."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    try:
        import ray
        import ray.data
    except ImportError:
        raise NutgrafError(MISSING) from None
    for name in ("ray", "ray.data"):  # a failed worker is reported in one line, not logged
        logging.getLogger(name).setLevel(logging.CRITICAL)
    return ray


def ray_engine(ray: Any, location: str, options: BackfillOptions) -> Engine:
    """Batches run by ``options.workers`` Ray tasks at a time (Ray started here if it is not
    running, and stopped after)."""

    def engine(batches: Iterable[list[int]]) -> Iterator[BatchTally]:
        items = [{"ids": ids} for ids in batches]
        if not items:
            return
        started = not ray.is_initialized()
        if started:
            ray.init(
                num_cpus=max(1, options.workers),
                include_dashboard=False,
                log_to_driver=False,
                logging_level=logging.ERROR,
            )
        try:
            context = ray.data.DataContext.get_current()
            context.execution_options.preserve_order = True
            context.enable_progress_bars = False
            done = ray.data.from_items(items, override_num_blocks=len(items)).map_batches(
                run_ray_batch,
                fn_kwargs={"location": location, "force": options.force},
                batch_size=1,
                batch_format="numpy",
                compute=ray.data.TaskPoolStrategy(size=max(1, options.workers)),
            )
            try:
                for row in done.iter_rows():
                    yield BatchTally(*(int(row[key]) for key in _TALLY))
            except ray.exceptions.RayError as error:
                raise NutgrafError(f"a Ray worker failed: {_cause(error)}") from None
        finally:
            if started:
                ray.shutdown()

    return engine


def run_ray_batch(batch: dict[str, Any], *, location: str, force: bool) -> dict[str, Any]:
    """A Ray task: one batch of ids (``batch["ids"]``, a one-row column), summarized again
    and committed through the worker process's connection to the archive."""
    (ids,) = batch["ids"]
    tally = run_batch(_worker_store(location), [int(i) for i in ids], force=force)
    return {key: [getattr(tally, key)] for key in _TALLY}


_opened: dict[str, Store] = {}  # a Ray worker process's archive, kept from task to task


def _worker_store(location: str) -> Store:
    """The archive at ``location``, opened once per worker process (Ray reuses them): a
    task pool, not actors, since Ray warns of every restartable actor whose constructor
    arguments are in its object store, and Ray Data's actors are."""
    if location not in _opened:
        for other in _opened.values():
            other.close()
        _opened.clear()
        _opened[location] = open_store(location)
    return _opened[location]


def _cause(error: BaseException) -> str:
    """What a worker raised, in one line: Ray hands back its own exception with the worker's
    traceback as text, the original exception's line ahead of the one that wrapped it."""
    text = str(error).split("\n\nThe above exception was the direct cause")[0]
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return type(error).__name__
    return lines[-1].removeprefix(f"{NutgrafError.__module__}.{NutgrafError.__name__}: ")
