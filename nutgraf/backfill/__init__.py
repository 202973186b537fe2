"""Batch backfill: summarize a stored archive again with the current summarizer.

``backfill_local`` runs in this process or a process pool; ``backfill_ray`` (the
``nutgraf[ray]`` extra: Ray is imported only when it is called) on Ray Data. Both stream batches of
article ids, write idempotently and resume from their checkpoint after a crash.
"""

from __future__ import annotations

from nutgraf.backfill.core import (
    DEFAULT_BATCH_SIZE,
    BackfillOptions,
    BackfillReport,
    BatchTally,
    checkpoint_name,
    resummarize,
)
from nutgraf.backfill.local import backfill_local
from nutgraf.backfill.ray_engine import backfill_ray
from nutgraf.backfill.run import drive, run_batch

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "BackfillOptions",
    "BackfillReport",
    "BatchTally",
    "backfill_local",
    "backfill_ray",
    "checkpoint_name",
    "drive",
    "resummarize",
    "run_batch",
]
