"""``StoryIndex.state`` / ``from_state``: an index saved and restored between any two articles
places every later article exactly as one never interrupted."""

from __future__ import annotations

import json
import random

import pytest

from nutgraf.stories.cluster import Assignment, StoryDocument, StoryIndex, StoryOptions
from nutgraf.stories.terms import DocumentTerms
from tests.stories import events

# A high link threshold, so that stories split often too.
OPTIONS = StoryOptions(link_threshold=0.4)


def stream(count: int = 160, seed: int = 7) -> list[StoryDocument]:
    """Articles over three weeks: events with their own words, which share some words with
    each other (so stories merge and split), plus noise; later events close earlier ones."""
    rng = random.Random(seed)
    documents = []
    for k in range(count):
        day = 1 + k // 8
        event = rng.randrange(max(1, day // 2), day + 3)
        words = [f"e{event}w{w}" for w in rng.sample(range(8), 5)]
        if rng.random() < 0.5:
            words += [f"e{event + 1}w{w}" for w in rng.sample(range(8), 2)]
        words += [f"noise{rng.randrange(40)}" for _ in range(3)]
        words += [f"@e{event}n{n}" for n in rng.sample(range(4), 2)]  # names: across languages
        weights = tuple((w, 1.0 + rng.random()) for w in sorted(set(words)))
        documents.append(
            StoryDocument(
                k,
                f"2031-01-{day:02d}T{k % 24:02d}:00:00",
                language=rng.choice(("en", "en", "de")),
                terms=DocumentTerms(weights),
            )
        )
    return documents


def test_the_stream_merges_splits_and_closes() -> None:
    index = StoryIndex(OPTIONS)
    documents = stream()
    placed = [index.add(d) for d in documents]
    assert sum(bool(a.merged) for a in placed) > 5
    assert sum(bool(a.split) for a in placed) > 5
    assert index.open_stories < len(list(index.stories()))
    language = {d.id: d.language for d in documents}
    mixed = [m for _, m in index.stories() if len({language[a] for a in m}) > 1]
    assert len(mixed) > 5


@pytest.mark.parametrize("closed", [True, False])
def test_an_index_restored_anywhere_goes_on_as_if_never_interrupted(closed: bool) -> None:
    documents = stream()
    whole = StoryIndex(OPTIONS)
    expected = [whole.add(d) for d in documents]
    for cut in range(0, len(documents), 7):
        first = StoryIndex(OPTIONS)
        for document in documents[:cut]:
            first.add(document)
        saved = json.loads(json.dumps(first.state(closed=closed)))
        restored = StoryIndex.from_state(saved)
        later: list[Assignment] = [restored.add(d) for d in documents[cut:]]
        assert later == expected[cut:], f"restored after {cut} articles"
        assert restored.state(closed=closed) == whole.state(closed=closed)


def test_a_full_state_keeps_every_story() -> None:
    index = StoryIndex(OPTIONS)
    for document in stream(60):
        index.add(document)
    restored = StoryIndex.from_state(json.loads(json.dumps(index.state())))
    assert list(restored.stories()) == list(index.stories())
    assert [restored.story_of(k) for k in range(60)] == [index.story_of(k) for k in range(60)]
    assert len(restored) == len(index)


def real_articles_restored_after_three(
    downgrade: bool = False,
) -> tuple[StoryIndex, list[StoryDocument], list[Assignment]]:
    """The invented events' articles: an index restored after the first three (from a state
    made to look like version 1, with ``downgrade``), the rest, and where one index never
    interrupted put them."""
    documents = [
        StoryDocument(r.key, r.published, r.title, " ".join(r.paragraphs)) for r in events.ALL
    ]
    whole = StoryIndex()
    expected = [whole.add(d) for d in documents]
    first = StoryIndex()
    for document in documents[:3]:
        first.add(document)
    state = json.loads(json.dumps(first.state()))
    if downgrade:
        state["version"] = 1  # no languages were kept
        for story in state["open"]:
            story["members"] = [member[:4] for member in story["members"]]
    return StoryIndex.from_state(state), documents[3:], expected[3:]


def test_real_articles_round_trip_with_string_keys() -> None:
    restored, rest, expected = real_articles_restored_after_three()
    assert [restored.add(d) for d in rest] == expected
    assert restored.members(restored.story_of("bridge-north")) == (
        "bridge-north",
        "bridge-valley",
        "bridge-coast",
    )


def test_a_state_of_version_1_is_read_its_articles_match_any_language() -> None:
    restored, rest, expected = real_articles_restored_after_three(downgrade=True)
    assert [restored.add(d) for d in rest] == expected


def test_a_state_of_another_version_is_refused() -> None:
    state = StoryIndex().state()
    state["version"] = 99
    with pytest.raises(ValueError, match="story state version 99"):
        StoryIndex.from_state(state)
