"""Stories: articles about one event, grouped incrementally as they arrive.

``StoryIndex.add(document)`` places one article and returns an ``Assignment`` saying where it
went and why. It never scans all stories: it looks the article's rarest, heaviest terms up in
an inverted index that holds only the stories active within the time window, so the cost of
an add depends on how much news arrives in a window, not on the size of the archive.

1. Terms: ``extract_terms`` (headline stems, names and numbers, body stems; see ``terms.py``),
   times inverse document frequencies learned from every article added so far (and
   ``PRIOR_ARTICLES`` more, so a new index does not split its first stories). An article
   keeps its ``DOCUMENT_TERMS`` heaviest terms, and ``ENTITY_TERMS`` more names and numbers,
   as a unit vector.
2. Candidates: the stories posted under the article's ``LOOKUP_TERMS`` heaviest terms whose
   articles lie within ``window`` of its time (nearest member), at most ``MAX_CANDIDATES`` of
   them, those sharing the most terms first.
3. Join: the cosine of the article and each candidate's centroid (the sum of its members'
   vectors, kept to its ``CENTROID_TERMS`` heaviest terms), less ``day_penalty`` for each
   day between them. Between languages (a story none of whose articles is in the article's
   language) only names and numbers are compared: stems of two languages never meet. The
   best at or above ``join_threshold`` gets the article; otherwise it opens a story of its
   own.
4. Merge: another candidate the article also reaches at ``join_threshold`` is merged into the
   same story when the two centroids are at least ``merge_threshold`` alike: the article
   showed they are one event. The older story (smaller id) keeps its id.
5. Split: when a story reaches 3, 6, 12, 24... articles, and after a merge, its members are
   checked against each other: two are linked when their cosine is at least
   ``link_threshold``; when the links fall apart into separate groups, each group becomes a
   story (the largest keeps the id). This undoes chaining, where articles joined one by one
   through a drifting centroid without saying the same thing as each other.

Stories whose newest article is older than the newest time seen minus ``window`` minus
``grace`` are closed: they leave the inverted index and their vectors are dropped; which
article belongs to which story is kept. Everything is deterministic: the same articles in
the same order give the same stories.

``state()`` is the index as JSON-able data and ``StoryIndex.from_state`` restores it: an index
restored between two articles places every later article exactly as one never interrupted
would. ``state(closed=False)`` leaves out the members of closed stories, which no later
article can change (an archive keeps them in its own table), so the state grows with the news
of a window and the vocabulary, not with the archive.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from nutgraf.stories.outlets import title_key
from nutgraf.stories.terms import NAME_MARK, NUMBER_MARK, DocumentTerms, extract_terms

ArticleKey = int | str
Vector = dict[str, float]

DAY = 86_400.0
DOCUMENT_TERMS = 60
CENTROID_TERMS = 100
LOOKUP_TERMS = 12
POSTED_TERMS = 30
MAX_CANDIDATES = 40
SHARED_SHOWN = 5
FIRST_RECHECK = 3
# Inverse document frequencies count this many articles more than were added, none of which
# held the term. Without them, the first articles of an index weigh the terms no other
# article has far above the ones they share (with 2 articles seen, 3.8 times), and the first
# reports of one event open stories of their own. Training F1 is the same from 0 to 100
# (0.916; 300: 0.914); 50 lifted held-out 0.934 -> 0.941, BASIL 0.960 -> 0.968 and the
# sample 0.897 -> 0.947, whose first event was split in three.
PRIOR_ARTICLES = 50
# Across languages only names and numbers are shared (see terms.py): an article and a story
# with no language in common are compared on those alone. An article keeps ENTITY_TERMS more
# of them beyond its DOCUMENT_TERMS (the words of a language few articles are in have
# high inverse document frequencies, and crowded the names out), and its heaviest
# ENTITY_LOOKUP are looked up even when they are not among its LOOKUP_TERMS.
ENTITY_TERMS = 20
ENTITY_LOOKUP = 4
ENTITY_MARKS = (NAME_MARK, NUMBER_MARK)
# Evidence a join needs beyond its score (see "Evidence" in the module's docstring).
MIN_SHARED_WORDS = 3
SHORT_SHARE = 0.25
MAX_SHARED_WORDS = 5
ACROSS_LANGUAGES_NAMES = 2
ACROSS_LANGUAGES_DAYS = 1.0
RARE_SHARE = 0.05
RARE_MIN_ARTICLES = 5
STATE_VERSION = 3


@dataclass(frozen=True, slots=True)
class StoryOptions:
    """How the clusterer decides.

    Chosen on the training stream of ``clusters.jsonl`` (the articles of the NeuS "train"
    roundups), B-cubed F1 (``python -m benchmarks.stories --tune``; these grids were measured
    before ``PRIOR_ARTICLES``, which left the best train F1 as it was). Without a day penalty:
    join 0.20 0.874, 0.25 0.882, 0.30 0.879. Penalty 0.05: join 0.15 0.887, 0.20 0.896, 0.25
    0.898; 0.10: 0.906, 0.910, 0.904; 0.15: 0.915, 0.912, 0.906. A hard window of 1 day
    (join 0.20, no penalty) gave 0.912, 2 days 0.895, 5 days 0.858: time matters as much as
    words, but gold stories here span a day or two while real ones run longer, so the window
    stays at 3 days and nearness in time is a soft penalty within it. The link threshold for
    splits (0, 0.12, 0.20) moved F1 by 0.001: with at most 3 articles per gold story, chains
    are rare in this data. The term weights of ``terms.py`` moved it by under 0.005 (title
    2/3/4: 0.913/0.915/0.918; names 0.75/1.5/3: 0.917/0.915/0.910), within noise.
    ``merge_threshold`` was not tuned (few merges happen on this data; see BENCHMARKS.md).

    ``day_penalty`` sets what a story is. AllSides editors make a new roundup for each day's
    development of a continuing event, so on their data the next day's report is usually
    another story (train: of the candidate stories one day apart that score 0.12 or more, 47%
    are the article's own; two or more days apart, 7%), and 0.15 opens one for it.
    Where a story is the whole event, as in BASIL and in the invented sample (a strike, then
    its effect on shops the next day), 0.05 or 0 keeps it together. Measured (join 0.15,
    penalty 0.15 / 0.05 / 0): train 0.914/0.885/0.847, held-out 0.946/0.951/0.944, BASIL
    0.966/0.983/0.980, sample 0.947/0.962/0.962. Other signals were tried on the train pairs
    and added nothing beyond the cosine and the days apart (ROC AUC 0.940 for both; 0.941
    with the overlap of the top terms or of the names; the names' own cosine, which was meant
    to tell two towns' votes apart, 0.942). The setting
    ``story_day_penalty`` chooses (``nutgraf.config``).
    """

    window_days: float = 3.0
    grace_days: float = 3.0
    join_threshold: float = 0.15
    merge_threshold: float = 0.35
    link_threshold: float = 0.12
    day_penalty: float = 0.15


@dataclass(frozen=True, slots=True)
class StoryDocument:
    """An article as the clusterer needs it.

    ``time`` is an ISO 8601 date or date-time (a date is midnight UTC; a time without an
    offset is UTC). ``undated``: the article gave no date, and ``time`` is only when it was
    first seen (for a bulk import, the same for all), so nearness in time says nothing about
    it. ``terms`` may be given precomputed (``extract_terms``); otherwise they are read from
    ``title`` and ``text`` in ``language``. ``source`` names the outlet
    (``nutgraf.stories.outlets.outlet_key``): the same headline again from the same outlet is
    the same article reached twice.
    """

    id: ArticleKey
    time: str
    title: str = ""
    text: str = ""
    source: str | None = None
    language: str = "en"
    terms: DocumentTerms | None = None
    undated: bool = False


@dataclass(frozen=True, slots=True)
class Moved:
    """An earlier article whose story changed (a merge or a split), and its story now."""

    article: ArticleKey
    story: int


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where an article went and why.

    ``story`` is its story's id. ``opened`` says it started that story. ``score`` is the
    cosine with the story it joined, or with the best candidate it did not reach when it
    opened one (0.0 without candidates); ``shared`` the terms that weighed most in that score
    (``@name``, ``#number``, stems). ``candidates`` is how many stories were compared.
    ``merged`` lists stories folded into this one, ``split`` the stories split off it, and
    ``moved`` the earlier articles whose story changed. ``repeat_of`` is the earlier article
    this one is again (same outlet, same headline): it went to that article's story without
    being compared. ``refused`` says why the best candidate, though it scored enough, lacked
    the evidence a join needs.
    """

    article: ArticleKey
    story: int
    opened: bool
    score: float
    shared: tuple[str, ...]
    candidates: int
    merged: tuple[int, ...] = ()
    split: tuple[int, ...] = ()
    moved: tuple[Moved, ...] = ()
    repeat_of: ArticleKey | None = None
    refused: str = ""

    @property
    def reason(self) -> str:
        """The decision in words."""
        terms = ", ".join(self.shared) or "nothing"
        if self.repeat_of is not None:
            return (
                f"joined story {self.story}: the same article as {self.repeat_of} "
                "(same outlet, same headline)"
            )
        if self.opened:
            text = (
                f"opened story {self.story}: best of {self.candidates} candidates scored "
                f"{self.score:.3f} (shared {terms})"
            )
            return f"{text}; not joined: {self.refused}" if self.refused else text
        text = f"joined story {self.story} at {self.score:.3f} (shared {terms})"
        if self.merged:
            text += f"; merged {', '.join(map(str, self.merged))}"
        if self.split:
            text += f"; split off {', '.join(map(str, self.split))}"
        return text


@dataclass(slots=True)
class _Story:
    id: int
    members: list[ArticleKey]
    first: float
    last: float
    centroid: Vector = field(default_factory=dict)
    norm: float = 0.0
    posted: set[str] = field(default_factory=set)
    checked_at: int = 0
    languages: Counter[str | None] = field(default_factory=Counter)
    dated_first: float = math.inf
    dated_last: float = -math.inf


class StoryIndex:
    """Incremental story clustering; see the module's docstring for the rules."""

    def __init__(self, options: StoryOptions | None = None) -> None:
        self.options = options or StoryOptions()
        self._window = self.options.window_days * DAY
        self._horizon = (self.options.window_days + self.options.grace_days) * DAY
        self._df: Counter[str] = Counter()
        self._articles = 0
        self._story_of: dict[ArticleKey, int] = {}
        self._times: dict[ArticleKey, float] = {}
        self._sequence: dict[ArticleKey, int] = {}
        self._vectors: dict[ArticleKey, Vector] = {}
        self._languages: dict[ArticleKey, str | None] = {}
        self._open: dict[int, _Story] = {}
        self._closed: dict[int, tuple[ArticleKey, ...]] = {}
        self._postings: dict[str, dict[int, None]] = {}
        self._expiry: list[tuple[float, int]] = []
        self._latest = -math.inf
        self._next_id = 1
        self._undated: set[ArticleKey] = set()
        self._fingerprints: dict[str, ArticleKey] = {}
        self._fingerprint_of: dict[ArticleKey, str] = {}
        self._repeat_of: dict[ArticleKey, ArticleKey] = {}
        self._repeats: dict[ArticleKey, list[ArticleKey]] = {}
        self._repeated = 0

    # --- reading ------------------------------------------------------------------------

    def story_of(self, article: ArticleKey) -> int:
        """The story ``article`` is in (KeyError when it was never added)."""
        return self._story_of[self._repeat_of.get(article, article)]

    def members(self, story: int) -> tuple[ArticleKey, ...]:
        """The articles of ``story``, in the order they were added (repeats of them aside)."""
        if story in self._open:
            return tuple(self._open[story].members)
        return self._closed[story]

    def stories(self) -> Iterator[tuple[int, tuple[ArticleKey, ...]]]:
        """Every story and its articles, by id."""
        ids = sorted([*self._open, *self._closed])
        return ((story, self.members(story)) for story in ids)

    def __len__(self) -> int:
        return self._articles + self._repeated

    @property
    def open_stories(self) -> int:
        """Stories still active (in the inverted index)."""
        return len(self._open)

    # --- saving and restoring -------------------------------------------------------------

    def state(self, *, closed: bool = True) -> dict[str, Any]:
        """Everything a later ``add`` depends on, as JSON-able data (``from_state`` reads it).

        Args:
            closed: keep the members of closed stories too (without them, ``members`` and
                ``story_of`` of a restored index know only the open stories).

        Returns:
            A dict of lists, numbers and strings; article keys keep their type (int or str).
        """
        open_stories = []
        for story in sorted(self._open.values(), key=lambda s: s.id):
            open_stories.append(
                {
                    "id": story.id,
                    "members": [
                        [
                            a,
                            self._times[a],
                            self._sequence[a],
                            list(self._vectors[a].items()),
                            self._languages[a],
                            a in self._undated,
                        ]
                        for a in story.members
                    ],
                    "first": story.first,
                    "last": story.last,
                    "centroid": list(story.centroid.items()),
                    "posted": sorted(story.posted),
                    "checked_at": story.checked_at,
                }
            )
        repeats = [
            [repeat, original]
            for repeat, original in self._repeat_of.items()
            if closed or original in self._vectors
        ]
        return {
            "version": STATE_VERSION,
            "options": asdict(self.options),
            "articles": self._articles,
            "repeated": self._repeated,
            "repeats": repeats,
            "fingerprints": sorted(self._fingerprints.items()),
            "df": dict(self._df),
            "next_id": self._next_id,
            "latest": None if self._latest == -math.inf else self._latest,
            "open": open_stories,
            "closed": [[i, list(m)] for i, m in sorted(self._closed.items())] if closed else [],
        }

    @classmethod
    def from_state(cls, state: dict[str, Any], options: StoryOptions | None = None) -> StoryIndex:
        """The index ``state()`` described, ready to take the next article.

        Args:
            state: what ``state()`` returned.
            options: options to place later articles by, instead of the saved ones (what was
                placed stays where it is).

        Raises:
            ValueError: the state is not one this version wrote.
        """
        if state.get("version") not in (1, 2, STATE_VERSION):
            raise ValueError(f"story state version {state.get('version')!r} is not {STATE_VERSION}")
        index = cls(options or StoryOptions(**state["options"]))
        index._articles = int(state["articles"])
        index._df = Counter({str(t): int(n) for t, n in state["df"].items()})
        index._next_id = int(state["next_id"])
        index._repeated = int(state.get("repeated", 0))
        for key, article in state.get("fingerprints", ()):
            index._fingerprints[str(key)] = article
            index._fingerprint_of[article] = str(key)
        for repeat, original in state.get("repeats", ()):
            index._repeat_of[repeat] = original
        index._latest = -math.inf if state["latest"] is None else float(state["latest"])
        for story_id, members in state["closed"]:
            index._closed[story_id] = tuple(members)
            for article in members:
                index._story_of[article] = story_id
        for data in state["open"]:
            story = _Story(int(data["id"]), [], float(data["first"]), float(data["last"]))
            for article, when, sequence, vector, *rest in data["members"]:
                # Version 1 did not keep languages: such articles match any language; before
                # version 3 every article counted as dated.
                index._languages[article] = rest[0] if rest else None
                if len(rest) > 1 and rest[1]:
                    index._undated.add(article)
                story.languages[index._languages[article]] += 1
                story.members.append(article)
                index._story_of[article] = story.id
                index._times[article] = float(when)
                index._sequence[article] = int(sequence)
                index._vectors[article] = {str(t): float(w) for t, w in vector}
            story.centroid = {str(t): float(w) for t, w in data["centroid"]}
            story.norm = math.sqrt(sum(w * w for w in story.centroid.values())) or 1.0
            story.posted = set(data["posted"])
            story.checked_at = int(data["checked_at"])
            index._date_span(story)
            index._open[story.id] = story
            for term in story.posted:
                index._postings.setdefault(term, {})[story.id] = None
            heapq.heappush(index._expiry, (story.last, story.id))
        for repeat, original in index._repeat_of.items():
            if original in index._vectors:
                index._repeats.setdefault(original, []).append(repeat)
        return index

    # --- adding -------------------------------------------------------------------------

    def add(self, document: StoryDocument) -> Assignment:
        """Place one article in a story and say why.

        Args:
            document: the article; its id must be new to this index.

        Returns:
            The ``Assignment``: story id, whether it opened, score and shared terms, and any
            merge or split this caused.
        """
        if document.id in self._story_of or document.id in self._repeat_of:
            raise ValueError(f"article {document.id!r} was added already")
        when = parse_time(document.time)
        self._close_expired(when)
        fingerprint = _fingerprint(document)
        original = self._fingerprints.get(fingerprint) if fingerprint else None
        if original is not None:
            return self._add_repeat(document.id, original)
        terms = document.terms or extract_terms(document.title, document.text, document.language)
        vector = self._vectorize(terms)
        language, undated = document.language, document.undated
        ranked = self._rank(vector, when, language, undated)
        joinable = [pair for pair in ranked if pair[0] >= self.options.join_threshold]
        chosen, refused = None, ""
        for pair in joinable:
            lacking = self._lacks_evidence(vector, when, undated, language, pair[1])
            if lacking is None:
                chosen = pair
                break
            refused = refused or lacking
        if chosen is None:
            story = self._open_story(document.id, when, vector, language, undated)
            self._remember(fingerprint, document.id)
            best = ranked[0] if ranked else None
            score, shared = (best[0], _shared(vector, language, best[1])) if best else (0.0, ())
            return Assignment(
                document.id, story.id, True, score, shared, len(ranked), refused=refused
            )
        score, story = chosen
        shared = _shared(vector, language, story)
        self._join(story, document.id, when, vector, language, undated)
        self._remember(fingerprint, document.id)
        others = [
            pair
            for pair in joinable
            if pair[1] is not story
            and self._lacks_evidence(vector, when, undated, language, pair[1]) is None
        ]
        story, merged, moved = self._merge_linked(story, others)
        split, split_moved = self._recheck(story, force=bool(merged))
        moves = [*moved, *split_moved]
        moves += [Moved(r, m.story) for m in moves for r in self._repeats.get(m.article, ())]
        return Assignment(
            document.id,
            self._story_of[document.id],
            False,
            score,
            shared,
            len(ranked),
            merged=tuple(sorted(merged)),
            split=tuple(split),
            moved=_final_moves(moves, document.id, self.story_of),
        )

    def forget(
        self,
        articles: Collection[ArticleKey],
        successors: Mapping[ArticleKey, ArticleKey] | None = None,
    ) -> set[int]:
        """Take deleted articles out of their stories (``nutgraf delete``, ``purge``).

        Args:
            articles: the deleted articles (those never added are passed over).
            successors: a deleted article's copy that takes its place (same vector, time
                and arrival rank), when its copy is kept.

        Returns:
            The stories that changed; a story left with no article is gone.
        """
        successors = successors or {}
        touched: set[int] = set()
        for article in articles:
            original = self._repeat_of.pop(article, None)
            if original is not None:  # a repeat only leaves its original's list
                self._drop_repeat(original, article)
                if original in self._story_of:
                    touched.add(self._story_of[original])
                continue
            story_id = self._story_of.pop(article, None)
            if story_id is None:
                continue
            touched.add(story_id)
            heir = successors.get(article)
            if heir is not None and heir in self._story_of:
                heir = None  # already placed on its own: nothing to take over
            heir = self._pass_on(article, heir)
            tables: tuple[dict[Any, Any], ...] = (
                self._times,
                self._sequence,
                self._vectors,
                self._languages,
            )
            for table in tables:
                if article in table:
                    value = table.pop(article)
                    if heir is not None:
                        table[heir] = value
            if heir is not None:
                self._story_of[heir] = story_id
            members = list(self.members(story_id))
            if heir is None:
                kept = [m for m in members if m != article]
            else:
                kept = [heir if m == article else m for m in members]
            if story_id in self._open:
                self._open[story_id].members = kept
            else:
                self._closed[story_id] = tuple(kept)
        for story_id in touched:
            story = self._open.get(story_id)
            if story is None:
                if not self._closed.get(story_id, ()):
                    self._closed.pop(story_id, None)
            elif not story.members:
                self._retire(story)
            else:
                story.first = min(self._times[a] for a in story.members)
                story.last = max(self._times[a] for a in story.members)
                self._rebuild(story)
        return touched

    def _drop_repeat(self, original: ArticleKey, repeat: ArticleKey) -> None:
        repeats = self._repeats.get(original, [])
        if repeat in repeats:
            repeats.remove(repeat)
            self._repeated -= 1
        if not repeats:
            self._repeats.pop(original, None)

    def _pass_on(self, article: ArticleKey, heir: ArticleKey | None) -> ArticleKey | None:
        """What a deleted ``article`` leaves: its repeats follow ``heir`` (the first repeat
        becomes the heir when none is given), and so do its headline's fingerprint and its
        undated mark. Returns the heir."""
        repeats = self._repeats.pop(article, [])
        if heir is None and repeats:
            heir, *repeats = repeats
            self._repeat_of.pop(heir, None)
            self._repeated -= 1
        for repeat in repeats:
            if heir is None:
                self._repeat_of.pop(repeat, None)
                self._repeated -= 1
            else:
                self._repeat_of[repeat] = heir
        if heir is not None and repeats:
            self._repeats.setdefault(heir, []).extend(repeats)
        fingerprint = self._fingerprint_of.pop(article, None)
        if fingerprint is not None and self._fingerprints.get(fingerprint) == article:
            del self._fingerprints[fingerprint]
            if heir is not None:
                self._fingerprints[fingerprint] = heir
                self._fingerprint_of[heir] = fingerprint
        if article in self._undated:
            self._undated.discard(article)
            if heir is not None:
                self._undated.add(heir)
        return heir

    def _add_repeat(self, article: ArticleKey, original: ArticleKey) -> Assignment:
        """The same article again: it goes where its original is, and follows it."""
        self._repeat_of[article] = original
        self._repeats.setdefault(original, []).append(article)
        self._repeated += 1
        return Assignment(article, self._story_of[original], False, 1.0, (), 0, repeat_of=original)

    def _remember(self, fingerprint: str | None, article: ArticleKey) -> None:
        if fingerprint is not None:
            self._fingerprints[fingerprint] = article
            self._fingerprint_of[article] = fingerprint

    def _lacks_evidence(
        self, vector: Vector, when: float, undated: bool, language: str, story: _Story
    ) -> str | None:
        """Why a candidate that scored enough may still not be joined (None: it may).

        Within a language, the article and the story share at least ``MIN_SHARED_WORDS``
        words, and a quarter of the shorter one's terms up to ``MAX_SHARED_WORDS``. Across
        languages, both are dated, at most ``ACROSS_LANGUAGES_DAYS`` apart, and share
        ``ACROSS_LANGUAGES_NAMES`` rare names or numbers (each in at most ``RARE_SHARE`` of
        the articles seen, or ``RARE_MIN_ARTICLES``).
        """
        across = not _word_for_word((language,), story.languages)
        words = _shared_words(vector, story.centroid, entities_only=across)
        if across:
            if undated or story.dated_last == -math.inf:
                return "another language, and no date to say it is the same time"
            apart = max(0.0, story.dated_first - when, when - story.dated_last) / DAY
            if apart > ACROSS_LANGUAGES_DAYS:
                return f"another language, {apart:.1f} days apart"
            limit = max(RARE_MIN_ARTICLES, RARE_SHARE * self._articles)
            rare = [t for t in words if self._df[t] <= limit]
            if len(rare) < ACROSS_LANGUAGES_NAMES:
                return (
                    f"another language, {len(rare)} rare names or numbers shared "
                    f"({ACROSS_LANGUAGES_NAMES} needed)"
                )
            return None
        shorter = min(len(vector), len(story.centroid))
        needed = max(MIN_SHARED_WORDS, min(MAX_SHARED_WORDS, math.ceil(SHORT_SHARE * shorter)))
        if len(words) < needed:
            return f"{len(words)} words shared ({needed} needed)"
        return None

    def _vectorize(self, terms: DocumentTerms) -> Vector:
        """TF-IDF of the article's terms (document frequencies updated first), its top terms
        and its top names and numbers, as a unit vector, heaviest first."""
        self._articles += 1
        self._df.update(term for term, _ in terms.weights)
        total = self._articles + 1 + PRIOR_ARTICLES
        weighted = [(w * math.log(total / (self._df[t] + 0.5)), t) for t, w in terms.weights]
        top = heapq.nlargest(DOCUMENT_TERMS, weighted)
        kept = {t for _, t in top}
        entities = [p for p in weighted if p[1].startswith(ENTITY_MARKS) and p[1] not in kept]
        top += heapq.nlargest(ENTITY_TERMS, entities)
        top.sort(reverse=True)
        norm = math.sqrt(sum(w * w for w, _ in top)) or 1.0
        return {t: w / norm for w, t in top if w > 0}

    def _rank(
        self, vector: Vector, when: float, language: str, undated: bool
    ) -> list[tuple[float, _Story]]:
        """Candidate stories within the window, best score first (ties: smaller id). Time
        is evidence only between dated articles: an undated article, or a story of undated
        ones, is scored as if a whole window apart."""
        hits: Counter[int] = Counter()
        looked = entities = 0
        for term in vector:  # heaviest first
            # A term no open story posts finds nothing: the rarest terms of an article are
            # often its own (unseen before), and counting them would leave the lookup blind.
            postings = self._postings.get(term)
            if not postings:
                continue
            entity = term.startswith(ENTITY_MARKS)
            # Past the heaviest terms, names and numbers are still looked up: they are all
            # that finds the story in another language.
            if looked < LOOKUP_TERMS or (entity and entities < ENTITY_LOOKUP):
                hits.update(postings.keys())
                entities += entity
            looked += 1
            if looked >= LOOKUP_TERMS and entities >= ENTITY_LOOKUP:
                break
        ranked = []
        window = self._window
        penalty = self.options.day_penalty / DAY
        for story_id, _ in sorted(hits.items(), key=lambda item: (-item[1], item[0])):
            story = self._open[story_id]
            if story.first - window <= when <= story.last + window:
                if undated or story.dated_last == -math.inf:
                    apart = window
                else:
                    apart = max(0.0, story.dated_first - when, when - story.dated_last)
                ranked.append((_score(vector, language, story) - penalty * apart, story))
                if len(ranked) >= MAX_CANDIDATES:
                    break
        ranked.sort(key=lambda pair: (-pair[0], pair[1].id))
        return ranked

    def _open_story(
        self, article: ArticleKey, when: float, vector: Vector, language: str, undated: bool
    ) -> _Story:
        story = _Story(self._next_id, [], when, when)
        self._next_id += 1
        self._open[story.id] = story
        self._join(story, article, when, vector, language, undated)
        return story

    def _join(
        self,
        story: _Story,
        article: ArticleKey,
        when: float,
        vector: Vector,
        language: str,
        undated: bool,
    ) -> None:
        story.members.append(article)
        story.languages[language] += 1
        self._languages[article] = language
        story.first, story.last = min(story.first, when), max(story.last, when)
        if undated:
            self._undated.add(article)
        else:
            story.dated_first = min(story.dated_first, when)
            story.dated_last = max(story.dated_last, when)
        self._story_of[article] = story.id
        self._times[article] = when
        self._sequence[article] = self._articles  # how many were added with it: arrival order
        self._vectors[article] = vector
        for term, weight in vector.items():
            story.centroid[term] = story.centroid.get(term, 0.0) + weight
        self._refresh(story)

    def _refresh(self, story: _Story) -> None:
        """Trim the centroid to its heaviest terms, post its top terms, schedule its expiry."""
        centroid = story.centroid
        if len(centroid) > CENTROID_TERMS:
            kept = heapq.nlargest(CENTROID_TERMS, centroid.items(), key=lambda item: item[1])
            story.centroid = centroid = dict(kept)
        story.norm = math.sqrt(sum(w * w for w in centroid.values())) or 1.0
        top = heapq.nlargest(POSTED_TERMS, centroid.items(), key=lambda item: item[1])
        for term, _ in top:
            if term not in story.posted:
                story.posted.add(term)
                self._postings.setdefault(term, {})[story.id] = None
        heapq.heappush(self._expiry, (story.last, story.id))
        self._latest = max(self._latest, story.last)

    def _merge_linked(
        self, story: _Story, others: list[tuple[float, _Story]]
    ) -> tuple[_Story, list[int], list[Moved]]:
        """Fold together ``story`` and the other candidates the article reached that are close
        to it; the oldest of them (smallest id) keeps its id and is returned."""
        options = self.options
        linked = [
            other
            for score, other in others
            if score >= options.join_threshold
            and _story_similarity(story, other) >= options.merge_threshold
        ]
        if not linked:
            return story, [], []
        group = sorted([story, *linked], key=lambda s: s.id)
        keeper, folded = group[0], group[1:]
        moved = []
        for other in folded:
            for article in other.members:
                moved.append(Moved(article, keeper.id))
            self._retire(other)
            keeper.members.extend(other.members)
            keeper.first, keeper.last = min(keeper.first, other.first), max(keeper.last, other.last)
            for article in other.members:
                self._story_of[article] = keeper.id
        keeper.members.sort(key=self._sequence.__getitem__)
        self._rebuild(keeper)
        return keeper, [s.id for s in folded], moved

    def _recheck(self, story: _Story, force: bool) -> tuple[list[int], list[Moved]]:
        """Split ``story`` into the groups its members' links make, at sizes 3, 6, 12..."""
        size = len(story.members)
        due = size >= FIRST_RECHECK and size >= 2 * story.checked_at
        if not (force or due) or size < 2:
            return [], []
        story.checked_at = size
        groups = _linked_groups(
            story.members, self._vectors, self._languages, self.options.link_threshold
        )
        if len(groups) == 1:
            return [], []
        groups.sort(key=lambda g: (-len(g), story.members.index(g[0])))
        story.members = groups[0]
        story.first = min(self._times[a] for a in groups[0])
        story.last = max(self._times[a] for a in groups[0])
        self._rebuild(story)
        new_ids, moved = [], []
        for group in groups[1:]:
            first = group[0]
            part = _Story(self._next_id, [], self._times[first], self._times[first])
            self._next_id += 1
            self._open[part.id] = part
            part.members = group
            part.first = min(self._times[a] for a in group)
            part.last = max(self._times[a] for a in group)
            part.checked_at = len(group)
            for article in group:
                self._story_of[article] = part.id
                moved.append(Moved(article, part.id))
            self._rebuild(part)
            new_ids.append(part.id)
        return new_ids, moved

    def _rebuild(self, story: _Story) -> None:
        """Recompute a story's centroid from its members and post it again."""
        centroid: Vector = {}
        story.languages = Counter(self._languages[a] for a in story.members)
        for article in story.members:
            for term, weight in self._vectors[article].items():
                centroid[term] = centroid.get(term, 0.0) + weight
        story.centroid = centroid
        self._date_span(story)
        self._refresh(story)

    def _date_span(self, story: _Story) -> None:
        """The times of the story's dated articles, first and last (none: inf, -inf)."""
        dated = [self._times[a] for a in story.members if a not in self._undated]
        story.dated_first = min(dated, default=math.inf)
        story.dated_last = max(dated, default=-math.inf)

    def _retire(self, story: _Story) -> None:
        """Take a story out of the inverted index and the open stories."""
        for term in story.posted:
            postings = self._postings.get(term)
            if postings is not None:
                postings.pop(story.id, None)
                if not postings:
                    del self._postings[term]
        del self._open[story.id]

    def _close_expired(self, when: float) -> None:
        """Close the stories whose newest article is beyond the horizon of the newest time."""
        latest = max(self._latest, when)
        limit = latest - self._horizon
        expiry = self._expiry
        while expiry and expiry[0][0] < limit:
            last, story_id = heapq.heappop(expiry)
            story = self._open.get(story_id)
            if story is None or story.last != last:
                continue  # merged away, or it grew since: a later entry stands for it
            self._retire(story)
            self._closed[story_id] = tuple(story.members)
            for article in story.members:
                self._vectors.pop(article, None)
                self._languages.pop(article, None)
                self._undated.discard(article)
                self._repeats.pop(article, None)
                fingerprint = self._fingerprint_of.pop(article, None)
                if fingerprint is not None and self._fingerprints.get(fingerprint) == article:
                    del self._fingerprints[fingerprint]


def parse_time(value: str) -> float:
    """Seconds since the epoch of an ISO 8601 date or date-time (UTC when no offset is given)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"time {value!r} is not an ISO 8601 date or date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def cluster_documents(
    documents: Iterable[StoryDocument], options: StoryOptions | None = None
) -> dict[ArticleKey, int]:
    """Add ``documents`` in the order given; every article's final story."""
    index = StoryIndex(options)
    added = [index.add(document).article for document in documents]
    return {article: index.story_of(article) for article in added}


def _fingerprint(document: StoryDocument) -> str | None:
    """What makes another article the same one reached twice: its outlet and headline."""
    title = title_key(document.title)
    return f"{document.source}\n{title}" if document.source and title else None


def _shared_words(vector: Vector, centroid: Vector, *, entities_only: bool) -> list[str]:
    """The terms of ``vector`` the centroid has too, a word once: a name is not counted
    again beside the stem of the same word (``@xiaom`` beside ``xiaomi``)."""
    common = [t for t in vector if t in centroid]
    stems = [t for t in common if not t.startswith(ENTITY_MARKS)]
    words = [] if entities_only else list(stems)
    for term in common:
        if not term.startswith(ENTITY_MARKS):
            continue
        name = term[1:]
        if (
            not entities_only
            and term[0] == NAME_MARK
            and any(s.startswith(name) or name.startswith(s) for s in stems)
        ):
            continue
        words.append(term)
    return words


def _cosine(vector: Vector, story: _Story) -> float:
    centroid = story.centroid
    return sum(w * centroid.get(t, 0.0) for t, w in vector.items()) / story.norm


def _score(vector: Vector, language: str, story: _Story) -> float:
    """The article's likeness to the story: the cosine of all their terms when the story has
    an article in its language, the cosine of their names and numbers when it has none, the
    better of the two when it has both."""
    languages = story.languages
    if None in languages or (language in languages and len(languages) == 1):
        return _cosine(vector, story)
    across = _dot(_entities(vector), _entities(story.centroid))
    if language not in languages:
        return across
    return max(_cosine(vector, story), across)


def _story_similarity(a: _Story, b: _Story) -> float:
    """Two stories' likeness: the cosine of their centroids, or, when they have no language
    in common, the cosine of their names and numbers."""
    if _word_for_word(a.languages, b.languages):
        return _dot(a.centroid, b.centroid) / (a.norm * b.norm)
    return _dot(_entities(a.centroid), _entities(b.centroid))


def _word_for_word(left: Collection[str | None], right: Collection[str | None]) -> bool:
    """Whether two sets of languages are compared on all their terms: they have a language in
    common, or one holds an article of unknown language (read from a version 1 state). Any
    other two are compared on their names and numbers alone."""
    return None in left or None in right or any(code in right for code in left)


def _entities(vector: Vector) -> Vector:
    """The names and numbers of a vector, as a unit vector (empty when it has none)."""
    part = {t: w for t, w in vector.items() if t.startswith(ENTITY_MARKS)}
    norm = math.sqrt(sum(w * w for w in part.values()))
    return {t: w / norm for t, w in part.items()} if norm else {}


def _dot(left: Vector, right: Vector) -> float:
    small, large = (left, right) if len(left) <= len(right) else (right, left)
    return sum(w * large.get(t, 0.0) for t, w in small.items())


def _shared(vector: Vector, language: str, story: _Story) -> tuple[str, ...]:
    """The terms that add most to the article's cosine with the story (names and numbers
    only when the story has no article in its language)."""
    centroid = story.centroid
    if not _word_for_word((language,), story.languages):
        vector = _entities(vector)
    parts = [(w * centroid[t], t) for t, w in vector.items() if t in centroid]
    parts.sort(key=lambda part: (-part[0], part[1]))
    return tuple(t for _, t in parts[:SHARED_SHOWN])


def _linked_groups(
    members: list[ArticleKey],
    vectors: dict[ArticleKey, Vector],
    languages: dict[ArticleKey, str | None],
    threshold: float,
) -> list[list[ArticleKey]]:
    """Connected groups of ``members`` where a link is a cosine of ``threshold`` or more (of
    names and numbers alone between two languages); each group in the members' order, groups
    by their first member."""
    parent = list(range(len(members)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(members)):
        left, language = vectors[members[i]], languages[members[i]]
        for j in range(i + 1, len(members)):
            right, other = vectors[members[j]], languages[members[j]]
            if _word_for_word((language,), (other,)):
                similarity = _dot(left, right)
            else:
                similarity = _dot(_entities(left), _entities(right))
            if similarity >= threshold:
                parent[root(j)] = root(i)
    groups: dict[int, list[ArticleKey]] = {}
    for i, article in enumerate(members):
        groups.setdefault(root(i), []).append(article)
    return list(groups.values())


def _final_moves(
    moves: list[Moved], added: ArticleKey, story_of: Callable[[ArticleKey], int]
) -> tuple[Moved, ...]:
    """Each moved earlier article once (not the one just added), with the story it ends in."""
    seen: dict[ArticleKey, None] = {}
    for move in moves:
        if move.article != added:
            seen[move.article] = None
    return tuple(Moved(article, story_of(article)) for article in seen)
