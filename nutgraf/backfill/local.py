"""The local engine: batches summarized in this process, or in a pool of processes.

Summarizing is CPU-bound, so ``workers`` > 1 runs that many processes (started fresh, not
forked: the parent may hold database connections and threads), each with its own connection
to the archive: a worker reads its batch, summarizes it and commits it, and hands back only
the tally. A few batches per worker are in flight at once; their tallies come back in order,
so the checkpoint only ever covers batches that are committed.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.util
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from nutgraf.backfill.core import BackfillOptions, BackfillReport, BatchTally
from nutgraf.backfill.run import Engine, Progress, drive, inline_engine, run_batch
from nutgraf.errors import NutgrafError
from nutgraf.store import Store, open_store

# Batches handed to the pool ahead of the one awaited, per worker: enough to keep every
# worker busy while the parent records a checkpoint.
AHEAD_PER_WORKER = 2

_store: Store | None = None  # a pool worker's own connection to the archive


def backfill_local(
    location: str, options: BackfillOptions, progress: Progress | None = None
) -> BackfillReport:
    """Backfill the archive at ``location`` (a SQLite path or a PostgreSQL URL) in this
    process (``options.workers`` 1) or in a pool of ``options.workers`` processes."""
    if options.workers > 1 and location == ":memory:":
        raise NutgrafError("an in-memory archive cannot be shared with worker processes")
    store = open_store(location)
    try:
        if options.workers <= 1:
            return drive(store, options, inline_engine(store, force=options.force), progress)
        return drive(store, options, pool_engine(location, options), progress)
    finally:
        store.close()


def pool_engine(location: str, options: BackfillOptions) -> Engine:
    """Batches run by ``options.workers`` processes, each opening the archive itself."""

    def engine(batches: Iterable[list[int]]) -> Iterator[BatchTally]:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            options.workers, mp_context=context, initializer=_open, initargs=(location,)
        ) as pool:
            running: deque[Future[BatchTally]] = deque()
            try:
                for ids in batches:
                    running.append(pool.submit(_run, ids, options.force))
                    if len(running) > AHEAD_PER_WORKER * options.workers:
                        yield running.popleft().result()
                while running:
                    yield running.popleft().result()
            except BrokenProcessPool:
                raise NutgrafError(
                    "a backfill worker process died (killed, or out of memory); run the "
                    "backfill again to continue from its checkpoint"
                ) from None

    return engine


def _open(location: str) -> None:
    """A pool worker's start: open the archive, and close it when the worker ends."""
    global _store
    _store = open_store(location)
    multiprocessing.util.Finalize(None, _store.close, exitpriority=10)


def _run(ids: list[int], force: bool) -> BatchTally:
    assert _store is not None, "the worker's archive is opened by its initializer"
    return run_batch(_store, ids, force=force)
