"""What a backfill asks of the archive, on every backend: ids in batches, the stored summaries
with the summarizer that wrote them, idempotent replacement, checkpoints."""

from __future__ import annotations

import secrets

from nutgraf.nlp.summarize import SUMMARIZER
from nutgraf.records import Summary, SummarySentence
from nutgraf.store import Store
from tests.store.test_sqlite import NOW, item


def _saved(store: Store, count: int) -> list[int]:
    return [
        store.save(item(f"Story number {n} is here.", url=f"https://example.org/{n}")).id
        for n in range(count)
    ]


def test_article_ids_come_in_ascending_batches(store: Store) -> None:
    ids = _saved(store, 7)
    assert store.article_ids(0, 3) == ids[:3]
    assert store.article_ids(ids[2], 3) == ids[3:6]
    assert store.article_ids(ids[5], 3) == ids[6:]
    assert store.article_ids(ids[-1], 3) == []


def test_a_saved_summary_names_the_current_summarizer(store: Store) -> None:
    ids = _saved(store, 3)
    records = store.stored_summaries([ids[2], ids[0], 10_000])
    assert [r.id for r in records] == [ids[0], ids[2]]
    for record in records:
        stored = store.get(record.id)
        assert stored is not None
        assert record.article == stored.item.article
        assert record.summary == stored.item.summary
        assert record.summarizer == SUMMARIZER
    assert store.stored_summaries([]) == []


def test_replacing_summaries_writes_once_and_then_changes_nothing(store: Store) -> None:
    ids = _saved(store, 3)
    other = Summary((SummarySentence("Story number", 0, 0, 12),), "en", 2)
    assert store.replace_summaries([(ids[0], other, "older 1"), (ids[1], other, "older 1")]) == 2
    assert store.replace_summaries([(ids[0], other, "older 1"), (ids[1], other, "older 1")]) == 0
    first, second, third = store.stored_summaries(ids)
    assert (first.summary, first.summarizer) == (other, "older 1")
    assert (second.summary, second.summarizer) == (other, "older 1")
    assert third.summarizer == SUMMARIZER and third.summary != other
    # A new summarizer with the same summary is a change (of the summarizer alone).
    assert store.replace_summaries([(ids[0], other, "older 2")]) == 1
    assert store.stored_summaries([ids[0]])[0].summarizer == "older 2"
    assert store.replace_summaries([]) == 0


def test_an_updated_article_is_stamped_again(store: Store) -> None:
    (article,) = _saved(store, 1)
    other = Summary((SummarySentence("Story number", 0, 0, 12),), "en", 2)
    store.replace_summaries([(article, other, "older")])
    changed = item("Story number 0 was changed.", url="https://example.org/0")
    assert store.save(changed).status == "updated"
    (record,) = store.stored_summaries([article])
    assert (record.summary, record.summarizer) == (changed.summary, SUMMARIZER)


def test_checkpoints_are_kept_by_name(store: Store) -> None:
    name = f"test {secrets.token_hex(4)}"  # the PostgreSQL test database is shared
    assert store.checkpoint(name) is None
    store.save_checkpoint(name, 40, NOW)
    store.save_checkpoint(f"{name} other", 7, NOW)
    assert store.checkpoint(name) == 40
    store.save_checkpoint(name, 80, NOW)
    assert (store.checkpoint(name), store.checkpoint(f"{name} other")) == (80, 7)
    store.save_checkpoint(name, 0, NOW)
    assert store.checkpoint(name) == 0
