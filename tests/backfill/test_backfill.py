"""The local engine on SQLite and PostgreSQL: what it rewrites and what it leaves, that a
second run changes nothing, the process pool, and a backfill killed mid-run resumed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pytest

from nutgraf.backfill import BackfillOptions, backfill_local, checkpoint_name
from nutgraf.nlp.summarize import SUMMARIZER, summarize
from nutgraf.store import open_store
from nutgraf.store.rows import summary_json
from tests.backfill.conftest import OLDER, age, checkpoints, fill, snapshot

NewArchive = Callable[[], str]


def expected(location: str, ids: list[int]) -> dict[int, str]:
    """What ``summarize`` gives for each stored article, as the summary column holds it."""
    store = open_store(location)
    try:
        found = {}
        for article in ids:
            stored = store.get(article)
            assert stored is not None
            found[article] = summary_json(summarize(stored.item.article))
        return found
    finally:
        store.close()


def test_older_summaries_are_rewritten_and_current_ones_left(new_archive: NewArchive) -> None:
    location = new_archive()
    ids = fill(location, 45)
    current = ids[
        ::3
    ]  # the lead summaries stay: the current summarizer is taken to have written them
    older = [i for i in ids if i not in current]
    age(location, older[::2])
    age(location, older[1::2], None)  # stored before summarizers were recorded
    before = snapshot(location)

    report = backfill_local(location, BackfillOptions(batch_size=7, workers=1))

    after = snapshot(location)
    wanted = expected(location, older)
    for article in older:
        assert after[article] == (wanted[article], SUMMARIZER)
    for article in current:
        assert after[article] == before[article]
    changed = sum(json.loads(wanted[i]) != json.loads(before[i][0]) for i in older)
    assert changed > len(older) // 2  # lead summaries mostly differ from the model's
    assert report.tally.read == 45
    assert report.tally.current == len(current)
    assert report.tally.rewritten == changed
    assert report.tally.unchanged == 45 - changed
    assert (report.start, report.position) == (0, ids[-1])
    assert checkpoints(location) == {checkpoint_name(False): ids[-1]}
    assert "45 articles read" in report.line() and f"{changed} rewritten" in report.line()


def test_running_again_changes_nothing(new_archive: NewArchive) -> None:
    location = new_archive()
    ids = fill(location, 20)
    age(location, ids)
    backfill_local(location, BackfillOptions(batch_size=6, workers=1))
    done = snapshot(location)

    resumed = backfill_local(location, BackfillOptions(batch_size=6, workers=1))
    assert resumed.tally.read == 0 and resumed.start == ids[-1]

    again = backfill_local(location, BackfillOptions(batch_size=6, workers=1, restart=True))
    assert (again.tally.read, again.tally.current, again.tally.rewritten) == (20, 20, 0)

    everything = BackfillOptions(batch_size=6, workers=1, force=True, restart=True)
    forced = backfill_local(location, everything)
    assert (forced.tally.read, forced.tally.current, forced.tally.rewritten) == (20, 0, 0)
    assert snapshot(location) == done
    assert checkpoints(location) == {
        checkpoint_name(False): ids[-1],
        checkpoint_name(True): ids[-1],
    }


def test_a_process_pool_stores_what_one_process_does(new_archive: NewArchive) -> None:
    one, pool = new_archive(), new_archive()
    for location in (one, pool):
        ids = fill(location, 40)
        age(location, ids[1:])
    backfill_local(one, BackfillOptions(batch_size=5, workers=1))
    report = backfill_local(pool, BackfillOptions(batch_size=5, workers=2))
    assert snapshot(pool) == snapshot(one)
    assert report.tally.read == 40 and report.tally.current == 1
    assert report.position == ids[-1]


def test_a_killed_backfill_resumes_from_its_checkpoint(new_archive: NewArchive) -> None:
    whole, killed = new_archive(), new_archive()
    for location in (whole, killed):
        ids = fill(location, 300)
        age(location, ids)
    backfill_local(whole, BackfillOptions(batch_size=5, workers=1))

    command = [sys.executable, "-m", "nutgraf", "backfill", "--db", killed, "--batch-size", "5"]
    running = subprocess.Popen(
        [*command, "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its pool workers are killed with it
    )
    name = checkpoint_name(False)
    deadline = time.monotonic() + 60
    while checkpoints(killed).get(name, 0) < 50 and running.poll() is None:
        assert time.monotonic() < deadline, "the backfill recorded no checkpoint"
        time.sleep(0.01)
    os.killpg(running.pid, signal.SIGKILL)
    running.communicate()
    assert running.returncode == -signal.SIGKILL, "the backfill finished before it was killed"
    reached = checkpoints(killed)[name]
    assert 50 <= reached < ids[-1]

    rest = subprocess.run([*command, "--workers", "1"], capture_output=True, text=True)
    assert rest.returncode == 0, rest.stderr
    left = sum(1 for i in ids if i > reached)
    assert rest.stdout.startswith(f"{left} articles read, ")
    assert snapshot(killed) == snapshot(whole)
    assert checkpoints(killed)[name] == ids[-1]


def test_an_in_memory_archive_cannot_go_to_worker_processes() -> None:
    from nutgraf.errors import NutgrafError

    with pytest.raises(NutgrafError, match="in-memory archive cannot be shared"):
        backfill_local(":memory:", BackfillOptions(workers=2))


def test_older_is_not_the_current_summarizer() -> None:
    assert OLDER != SUMMARIZER
    assert SUMMARIZER.startswith("nutgraf ") and len(SUMMARIZER.rsplit("/", 1)[1]) == 12
