"""Stories kept current in the archive: the articles that arrived since the last update are
placed in stories, and every story they changed gets its headline and summary again.

``update_stories(store)`` loads the clusterer's saved state, adds the new articles a chunk at
a time in id (arrival) order, each chunk in time order, and saves placements, story texts and
state together after each chunk, so a long first run over an old archive keeps what it did.
An exact or near copy is not given to the clusterer: it joins its original's story (and
follows it when a merge or split moves it). Each article goes to the clusterer with its
outlet (``outlet_key``: the same headline again from the same outlet is a repeat, not a
second report) and whether it is undated (``is_undated``: then its time, when it was first
seen, is no evidence that it tells the same event as another).
Articles later re-ingested with a changed text keep the story they were first placed in.

A story is headed and summarized in its language: the one most of its first
``LANGUAGE_ARTICLES`` are in (``story_language``). The headline of a story is the title,
among the articles its summary reads (the first ``SUMMARY_ARTICLES`` in that language to
arrive), that shares most words with the other titles (the sum of its binary cosines with
them, over content stems); the earliest wins a tie, so a story of one or two articles is
headed by its first. A title that most outlets echo says what the event is,
where the first report's title may be a teaser or a scoop's angle.

When nothing new has arrived an update costs two reads of a row; concurrent updaters are safe
(``Store.save_stories`` is a compare-and-set: the second one's batch is dropped, unsaved).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache

from nutgraf.config import Settings
from nutgraf.nlp.features import content_stems
from nutgraf.nlp.language import DEFAULT_LANGUAGE
from nutgraf.records import Article, StoredArticle
from nutgraf.store.base import Store
from nutgraf.store.records import Arrival, Placement, StoryText
from nutgraf.stories.cluster import StoryDocument, StoryIndex, StoryOptions, parse_time
from nutgraf.stories.outlets import outlet_key
from nutgraf.stories.summary import StorySentence, summarize_story

CHUNK = 500
SUMMARY_ARTICLES = 8
SUMMARY_SENTENCES = 3
LANGUAGE_ARTICLES = 32  # the first articles that decide a story's language
CACHED_ARTICLES = 512


@dataclass(frozen=True, slots=True)
class StoryTally:
    """What an update did: articles placed (``copies`` of them joined their original's
    story), stories opened, stories whose text was worked out again, the last article id the
    stories now hold, and whether another updater saved first (this one then stopped)."""

    placed: int = 0
    copies: int = 0
    opened: int = 0
    rewritten: int = 0
    through: int = 0
    raced: bool = False

    def summary_line(self) -> str:
        return (
            f"{self.placed} articles placed ({self.copies} copies), {self.opened} stories "
            f"opened, {self.rewritten} summarized"
        )


def story_options(settings: Settings) -> StoryOptions:
    """The clusterer's options the settings ask for (``story_day_penalty``)."""
    if settings.story_day_penalty is None:
        return StoryOptions()
    return StoryOptions(day_penalty=settings.story_day_penalty)


def update_stories(
    store: Store,
    *,
    now: Callable[[], str] | None = None,
    chunk: int = CHUNK,
    options: StoryOptions | None = None,
) -> StoryTally:
    """Place every article that arrived since the last update in a story.

    Args:
        store: the archive.
        now: the time recorded with what is saved (UTC now by default).
        chunk: articles placed and saved per transaction.
        options: the clusterer's options (None: those saved by the last run, or the
            defaults on a first run); they place the articles of this run and are saved.

    Returns:
        The ``StoryTally``.
    """
    clock = now or _utc_now
    tally = StoryTally(through=store.story_through())
    if not store.arrivals(tally.through, 1):
        return tally  # nothing new: the usual case after a poll that found nothing
    loaded = store.story_state()
    if loaded:
        expected, index = loaded[0], StoryIndex.from_state(loaded[1], options)
    else:
        expected, index = 0, StoryIndex(options)
    article = _article_reader(store)
    while batch := store.arrivals(expected, chunk):
        placements: dict[int, Placement] = {}
        copies: dict[int, list[int]] = {}
        rewrite: set[int] = set()
        opened = copied = 0
        for arrival in _in_time_order(batch):
            original = arrival.duplicate_of
            story = None
            if original is not None:
                story = _story(placements, original) or store.story_of(original)
            if original is not None and story is not None:
                placements[arrival.id] = Placement(
                    arrival.id, story, 1.0, f"copy of article {original}"
                )
                copies.setdefault(original, []).append(arrival.id)
                copied += 1
                continue
            placed = index.add(
                StoryDocument(
                    arrival.id,
                    arrival.time,
                    title=arrival.title,
                    text=arrival.text,
                    source=outlet_key(arrival.site, arrival.url, arrival.source, arrival.feed),
                    language=arrival.language or DEFAULT_LANGUAGE,
                    undated=is_undated(arrival.published),
                )
            )
            opened += placed.opened
            placements[arrival.id] = Placement(
                arrival.id, placed.story, placed.score, placed.reason
            )
            rewrite.update((placed.story, *placed.merged, *placed.split))
            for move in placed.moved:
                before = _story(placements, int(move.article)) or store.story_of(int(move.article))
                if before is not None:
                    rewrite.add(before)
                why = f"moved to story {move.story} by article {arrival.id}"
                for moved in (int(move.article), *copies.get(int(move.article), ())):
                    kept = placements.get(moved)
                    placements[moved] = (
                        replace(kept, story=move.story, reason=f"{kept.reason}; {why}")
                        if kept
                        else Placement(moved, move.story, None, why)
                    )
        texts = [_story_text(index, story, article) for story in sorted(rewrite)]
        saved = store.save_stories(
            list(placements.values()),
            [t for t in texts if t is not None],
            index.state(closed=False),
            expected=expected,
            through=batch[-1].id,
            at=clock(),
        )
        if not saved:
            return replace(tally, raced=True)
        expected = batch[-1].id
        tally = StoryTally(
            placed=tally.placed + len(batch),
            copies=tally.copies + copied,
            opened=tally.opened + opened,
            rewritten=tally.rewritten + sum(t is not None for t in texts),
            through=expected,
        )
    return tally


def is_undated(published: str | None) -> bool:
    """Whether an article gave no date of its own (its time is then when it was first seen:
    for a bulk import, the same for all): ``published`` missing or not an ISO 8601 date."""
    if not published:
        return True
    try:
        datetime.fromisoformat(published)
    except ValueError:
        return True
    return False


def _in_time_order(batch: Sequence[Arrival]) -> list[Arrival]:
    """The originals by time (then id), the copies after them.

    A first ingest brings each feed's weeks of entries one feed after another; in arrival
    order the newest entries of the first feed would close the stories (``StoryIndex``
    closes what the newest time leaves behind) that the older entries of the next feeds
    belong to. A copy goes after its original, whose story it joins.
    """
    return sorted(batch, key=lambda a: (a.duplicate_of is not None, parse_time(a.time), a.id))


def _story(placements: dict[int, Placement], article: int) -> int | None:
    placed = placements.get(article)
    return placed.story if placed else None


def _article_reader(store: Store) -> Callable[[int], StoredArticle | None]:
    @lru_cache(maxsize=CACHED_ARTICLES)
    def read(article_id: int) -> StoredArticle | None:
        return store.get(article_id)

    return read


def _story_text(
    index: StoryIndex, story: int, article: Callable[[int], StoredArticle | None]
) -> StoryText | None:
    """The story's headline and summary from its first articles in its language (None: the
    story is gone). A story of one such article is summarized by that article's own
    summary."""
    try:
        members = index.members(story)
    except KeyError:
        return None  # merged into another
    return story_text(story, [int(m) for m in members], article)


def story_text(
    story: int, members: Sequence[int], article: Callable[[int], StoredArticle | None]
) -> StoryText | None:
    """The headline and summary of the story of ``members`` (in arrival order), read through
    ``article``; None when none of them can be read."""
    first = [stored for m in members[:LANGUAGE_ARTICLES] if (stored := article(m))]
    if not first:
        return None
    language = story_language([stored.item.article for stored in first])
    read = [s for s in first if _language(s.item.article) == language]
    read = read[:SUMMARY_ARTICLES]
    if len(read) > 1:
        pairs = [(found.id, found.item.article) for found in read]
        sentences = summarize_story(pairs, sentences=SUMMARY_SENTENCES).sentences
    else:
        own = read[0]
        source = own.item.article.source
        sentences = tuple(
            StorySentence(s.text, own.id, source, s.paragraph, s.start, s.end)
            for s in own.item.summary.sentences[:SUMMARY_SENTENCES]
        )
    return StoryText(
        story,
        pick_headline([found.item.article for found in read]),
        tuple(found.id for found in read),
        sentences,
    )


def story_language(articles: Sequence[Article]) -> str:
    """The language most of the articles are in (the earliest of those tied).

    A story told in several languages is headed and summarized in this one alone: sentences
    in two languages cannot be checked against each other for repeats (their stems never
    meet), and a reader reads one language.
    """
    languages = [_language(a) for a in articles]
    counts = Counter(languages)
    return max(languages, key=lambda code: (counts[code], -languages.index(code)))


def _language(article: Article) -> str:
    return article.language or DEFAULT_LANGUAGE


def pick_headline(articles: Sequence[Article]) -> str | None:
    """The title sharing most content words with the other titles (binary cosine, summed);
    the earliest on a tie, and the first title there is when none shares a word."""
    titled = [a for a in articles if a.title]
    if not titled:
        return None
    stems = [set(content_stems(a.title or "", _language(a))) for a in titled]
    best, best_score = 0, -1.0
    for i, own in enumerate(stems):
        score = sum(
            len(own & other) / math.sqrt(len(own) * len(other))
            for j, other in enumerate(stems)
            if j != i and own and other
        )
        if score > best_score + 1e-9:
            best, best_score = i, score
    return titled[best].title


def _utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
