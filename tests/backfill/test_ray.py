"""The Ray engine on a single-node Ray started once for the module (Ray's ``local_mode`` is
gone from Ray 2.x: a local cluster in this process is how Ray runs locally now): the same
archive as the local engine, resumable from the same checkpoint."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from nutgraf.backfill import BackfillOptions, backfill_local, backfill_ray, checkpoint_name
from nutgraf.errors import NutgrafError
from tests.backfill.conftest import age, checkpoints, execute, fill, snapshot

pytest.importorskip("ray", reason="the ray extra is not installed (pip install -e '.[dev]')")

NewArchive = Callable[[], str]
# Ray Data copies its settings, and its own setters warn of their deprecated names.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray")


@pytest.fixture(scope="module", autouse=True)
def ray_cluster() -> Iterator[Any]:
    """One Ray for every test here: starting it takes seconds."""
    from nutgraf.backfill.ray_engine import import_ray

    ray = import_ray()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    yield ray
    ray.shutdown()


def test_ray_stores_what_the_local_engine_does(new_archive: NewArchive) -> None:
    local, distributed = new_archive(), new_archive()
    for location in (local, distributed):
        ids = fill(location, 60)
        age(location, ids[:40])
        age(location, ids[40:50], None)
    backfill_local(local, BackfillOptions(batch_size=8, workers=1))
    report = backfill_ray(distributed, BackfillOptions(batch_size=8, workers=2))
    assert snapshot(distributed) == snapshot(local)
    assert (report.tally.read, report.tally.current) == (60, 10)
    assert checkpoints(distributed) == checkpoints(local) == {checkpoint_name(False): ids[-1]}


def test_ray_continues_from_the_checkpoint(new_archive: NewArchive) -> None:
    location = new_archive()
    ids = fill(location, 30)
    age(location, ids)
    # A run that stopped after the first 12 articles: stored and checkpointed.
    backfill_local(location, BackfillOptions(batch_size=4, workers=1))
    age(location, ids)
    execute(location, "UPDATE checkpoints SET position = ?", (ids[11],))
    report = backfill_ray(location, BackfillOptions(batch_size=4, workers=2))
    assert report.start == ids[11] and report.tally.read == 18
    assert report.position == ids[-1]
    ages = {s for _, s in snapshot(location).values()}
    assert len(ages) == 2  # the first 12 were left to the run that did them


def test_a_failed_ray_worker_is_one_line(tmp_path: Path) -> None:
    location = str(tmp_path / "news.db")
    ids = fill(location, 12)
    age(location, ids)
    execute(location, "UPDATE articles SET blocks = 'not json' WHERE id = ?", (ids[7],))
    with pytest.raises(NutgrafError) as failed:
        backfill_ray(location, BackfillOptions(batch_size=5, workers=2))
    assert str(failed.value) == (
        f"a Ray worker failed: articles {ids[5]} to {ids[9]} cannot be summarized again "
        "(JSONDecodeError: Expecting value: line 1 column 1 (char 0)); the backfill stopped "
        "before them"
    )
    # Batches finish out of order: the checkpoint may not have reached the good first one.
    assert checkpoints(location).get(checkpoint_name(False), 0) in (0, ids[4])
