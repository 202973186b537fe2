"""What a backfill does to one batch of stored articles, as pure functions.

A backfill summarizes the archive again with the summarizer this code is (``SUMMARIZER``):
an article whose summary an older summarizer wrote (or one stored before summarizers were
recorded) is summarized now, and its summary replaced when it differs. ``run.py`` streams
batches of article ids through ``resummarize`` and records how far it got; the engines
(``local.py``, ``ray_engine.py``) only say where each batch runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nutgraf.nlp.summarize import SUMMARIZER, summarize
from nutgraf.records import Summary
from nutgraf.store.base import StoredSummary

DEFAULT_BATCH_SIZE = 200


@dataclass(frozen=True, slots=True)
class BackfillOptions:
    """How to run a backfill.

    ``force`` summarizes every article again, even those the current summarizer wrote
    (``--all``); ``restart`` starts from the first article instead of the checkpoint.
    """

    batch_size: int = DEFAULT_BATCH_SIZE
    workers: int = 1
    force: bool = False
    restart: bool = False


@dataclass(frozen=True, slots=True)
class BatchTally:
    """What a batch (or a whole run) did: articles ``read``; ``rewritten``, whose summary
    changed; ``unchanged``, the rest, of which ``current`` were skipped unread by the
    summarizer because the current one had written them."""

    read: int = 0
    rewritten: int = 0
    unchanged: int = 0
    current: int = 0

    def __add__(self, other: BatchTally) -> BatchTally:
        return BatchTally(
            self.read + other.read,
            self.rewritten + other.rewritten,
            self.unchanged + other.unchanged,
            self.current + other.current,
        )


@dataclass(frozen=True, slots=True)
class BackfillReport:
    """A run so far: its tally, the checkpoint it started from and the one it reached."""

    tally: BatchTally
    seconds: float
    start: int
    position: int

    @property
    def per_second(self) -> float:
        return self.tally.read / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        """The run in one line: read, rewritten, unchanged, speed."""
        t = self.tally
        return (
            f"{t.read:,} articles read, {t.rewritten:,} rewritten, {t.unchanged:,} unchanged "
            f"({t.current:,} already current) in {self.seconds:.1f} s, "
            f"{self.per_second:,.0f} a second"
        )


def resummarize(
    records: Sequence[StoredSummary], *, force: bool = False
) -> tuple[list[tuple[int, Summary, str]], BatchTally]:
    """The summaries to store for ``records``: (article id, summary, summarizer) for every
    article whose stored summary or summarizer differs from what the current one gives.

    An article the current summarizer wrote is skipped without summarizing unless ``force``.
    """
    rows: list[tuple[int, Summary, str]] = []
    rewritten = current = 0
    for record in records:
        if record.summarizer == SUMMARIZER and not force:
            current += 1
            continue
        summary = summarize(record.article)
        if summary != record.summary:
            rewritten += 1
        if summary != record.summary or record.summarizer != SUMMARIZER:
            rows.append((record.id, summary, SUMMARIZER))
    tally = BatchTally(len(records), rewritten, len(records) - rewritten, current)
    return rows, tally


def checkpoint_name(force: bool) -> str:
    """The checkpoint of a backfill to this summarizer: a new summarizer starts afresh, and
    ``--all`` keeps its own."""
    return f"backfill {SUMMARIZER}{' --all' if force else ''}"
