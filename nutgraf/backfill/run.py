"""A backfill run: batches of article ids in order, each summarized again where an engine
puts it, and a checkpoint after each batch stored.

An engine is a function from the stream of id batches to the stream of their tallies, in
the same order, each yielded only once its batch is committed: inline (``run_batch`` in this
process), a process pool, or Ray Data. ``drive`` records the checkpoint after every batch, so
a killed run, started again, continues after the last batch recorded; a batch done again
(committed, but killed before its checkpoint) writes nothing the second time.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime

from nutgraf.backfill.core import (
    BackfillOptions,
    BackfillReport,
    BatchTally,
    checkpoint_name,
    resummarize,
)
from nutgraf.errors import NutgrafError
from nutgraf.store.base import Store

Engine = Callable[[Iterable[list[int]]], Iterator[BatchTally]]
Progress = Callable[[BackfillReport], None]


def run_batch(store: Store, ids: Sequence[int], *, force: bool = False) -> BatchTally:
    """Read the articles ``ids``, summarize them again and store what changed, in one
    transaction (done twice, the second time writes nothing)."""
    try:
        rows, tally = resummarize(store.stored_summaries(ids), force=force)
    except (ValueError, KeyError, TypeError) as error:  # a damaged row: JSON, columns
        raise NutgrafError(
            f"articles {ids[0]} to {ids[-1]} cannot be summarized again "
            f"({type(error).__name__}: {error}); the backfill stopped before them"
        ) from None
    store.replace_summaries(rows)
    return tally


def id_batches(store: Store, after: int, size: int) -> Iterator[list[int]]:
    """The ids above ``after``, ascending, ``size`` at a time."""
    while batch := store.article_ids(after, size):
        yield batch
        after = batch[-1]


def start_position(store: Store, options: BackfillOptions) -> int:
    """The article id to continue after: the checkpoint, or 0 for a new (or ``restart``) run."""
    if options.restart:
        return 0
    return store.checkpoint(checkpoint_name(options.force)) or 0


def drive(
    store: Store, options: BackfillOptions, engine: Engine, progress: Progress | None = None
) -> BackfillReport:
    """Run a backfill of ``store`` through ``engine``, checkpointing after every batch.

    Args:
        store: the archive (its ids and checkpoints; the engine may open its own).
        options: batch size, ``force`` (every article) and ``restart`` (from the first).
        engine: maps the id batches to their tallies, in order, after committing each.
        progress: called with the run so far after every batch.

    Returns:
        What the run did, from which checkpoint to which.
    """
    name = checkpoint_name(options.force)
    start = position = start_position(store, options)
    if options.restart:
        store.save_checkpoint(name, 0, utc_now())
    started = time.monotonic()
    total = BatchTally()
    pending: deque[int] = deque()  # the last id of each batch handed to the engine, in order

    def handed() -> Iterator[list[int]]:
        for batch in id_batches(store, start, options.batch_size):
            pending.append(batch[-1])
            yield batch

    for tally in engine(handed()):
        position = pending.popleft()
        store.save_checkpoint(name, position, utc_now())
        total += tally
        if progress is not None:
            progress(BackfillReport(total, time.monotonic() - started, start, position))
    return BackfillReport(total, time.monotonic() - started, start, position)


def inline_engine(store: Store, *, force: bool) -> Engine:
    """Every batch in this process, one after the other."""

    def engine(batches: Iterable[list[int]]) -> Iterator[BatchTally]:
        for ids in batches:
            yield run_batch(store, ids, force=force)

    return engine


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
