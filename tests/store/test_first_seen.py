"""What the archive keeps of an item's kind, thumbnail and time (issue 16): on both backends."""

from __future__ import annotations

import dataclasses

from nutgraf.store import Store
from tests.store.test_sqlite import NOW, item

LATER = "2026-11-25T08:00:00Z"


def test_kind_and_image_round_trip(store: Store) -> None:
    link = dataclasses.replace(
        item("A headline only.", url="https://x/link"),
        kind="link",
        image="https://x/thumb.jpg",
    )
    saved = store.save(link)
    stored = store.get(saved.id)
    assert stored is not None
    assert (stored.item.kind, stored.item.image) == ("link", "https://x/thumb.jpg")
    (listed,) = store.headlines()
    assert (listed.kind, listed.image) == ("link", "https://x/thumb.jpg")


def test_an_undated_item_keeps_its_place_and_first_seen_time_when_updated(store: Store) -> None:
    placed = dataclasses.replace(
        item("A teaser.", url="https://x/teaser"), placed="2026-11-20T00:00:00Z"
    )
    first = store.save(placed)
    stored = store.get(first.id)
    assert stored is not None
    assert (stored.dated, stored.first_seen) == (False, NOW)
    (listed,) = store.headlines()
    assert (listed.sort_time, listed.dated, listed.first_seen) == (
        "2026-11-20T00:00:00Z",
        False,
        NOW,
    )
    changed = dataclasses.replace(
        item("The teaser, reworded.", url="https://x/teaser"), fetched=LATER
    )
    assert store.save(changed).status == "updated"
    (listed,) = store.headlines()
    assert (listed.sort_time, listed.first_seen) == ("2026-11-20T00:00:00Z", NOW)


def test_a_dated_item_is_ordered_by_its_date_and_keeps_its_first_seen_time(store: Store) -> None:
    first = store.save(item("Dated news.", url="https://x/dated", published="2026-11-01"))
    later = dataclasses.replace(
        item("Dated news, corrected.", url="https://x/dated", published="2026-11-02"),
        fetched=LATER,
    )
    store.save(later)
    stored = store.get(first.id)
    assert stored is not None
    assert (stored.dated, stored.first_seen, stored.item.fetched) == (True, NOW, LATER)
    (listed,) = store.headlines()
    assert listed.sort_time == "2026-11-02"
