"""The work of each actor as plain functions: fetch and parse a feed; read, extract,
summarize, deduplicate and store one of its entries. The actors (``actors.py``) only call
these and decide what is retried; the benchmark times them.

The pieces are the single-machine ingest's own: ``Fetcher`` (the guarded client and the
per-host limiter), ``parse_feed``, the Ingestor's ``draft_entry``, ``read_page`` and
``choose_article``, then ``already_stored``, ``archive_item``, ``near_query`` and ``save`` from
the pipeline. So a
feed ingested by workers gives the articles ``nutgraf poll`` would have stored.

Messages between steps are small JSON objects: a feed is sent by id and URL; an entry carries
what the feed said of it (its HTML included: the feed is not fetched again for it).
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from typing import Any, TypeVar
from urllib.parse import urlsplit

from nutgraf.batch.ingest import (
    Draft,
    FeedFailures,
    Fetcher,
    choose_article,
    doomed_reason,
    draft_entry,
    read_page,
)
from nutgraf.batch.pipeline import (
    already_stored,
    archive_item,
    judge,
    mark_saved,
    near_query,
    save,
)
from nutgraf.batch.placing import placed_at
from nutgraf.batch.poll import poll_failed, polled
from nutgraf.config import Settings
from nutgraf.errors import FetchError, InputError, NutgrafError
from nutgraf.ingest.feeds import parse_feed
from nutgraf.ingest.fetch import FEED_MAX_BYTES
from nutgraf.records import Feed, FeedEntry
from nutgraf.rules import Rule
from nutgraf.store.base import FeedState, PollOutcome, SaveStatus, Store

# The steps timed, in the order an entry meets them. "page" is a teaser's page, fetched and
# extracted; "extract" reads the entry's HTML into an article and picks page or feed text.
# "known" asks the archive whether it holds the entry unchanged (then the rest is skipped).
STEPS = ("fetch", "parse", "page", "extract", "known", "summarize", "dedupe", "store")
_ENTRY_FIELDS = frozenset(f.name for f in fields(FeedEntry))
_SERVER_ERROR = re.compile(r" returned HTTP 5\d\d\b")
MAX_LABEL = 300  # characters of a failure's label: a URL, a GUID or a headline fits
# How long a worker leaves a host that timed out alone: long enough that a feed's teasers
# on a dripping site do not each hold a thread for the 30 s deadline, short enough that a
# site back up is read again soon.
SLOW_HOST_SECONDS = 300.0
T = TypeVar("T")


class StepClock:
    """Seconds spent and times run, per step, in this process (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seconds: defaultdict[str, float] = defaultdict(float)
        self._counts: defaultdict[str, int] = defaultdict(int)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            with self._lock:
                self._seconds[name] += elapsed
                self._counts[name] += 1

    def drain(self) -> dict[str, tuple[int, float]]:
        """The (count, seconds) of each step since the last drain, then zero."""
        with self._lock:
            taken = {name: (self._counts[name], self._seconds[name]) for name in self._counts}
            self._seconds.clear()
            self._counts.clear()
        return taken


# Seconds a worker keeps the archive's rules before reading them again: a rule added or
# removed reaches the workers within this long, and entries do not read the rules each.
RULES_SECONDS = 30.0


class RuleCache:
    """The archive's rules that are on, read again at most every ``RULES_SECONDS``
    (thread-safe)."""

    def __init__(self, seconds: float = RULES_SECONDS) -> None:
        self._lock = threading.Lock()
        self._seconds = seconds
        self._read_at: float | None = None
        self._rules: list[Rule] = []

    def get(self, store: Store) -> list[Rule]:
        with self._lock:
            now = time.monotonic()
            if self._read_at is None or now - self._read_at >= self._seconds:
                self._rules = store.rules(enabled_only=True)
                self._read_at = now
            return self._rules


@dataclass(frozen=True, slots=True)
class Resources:
    """What a worker process shares between its threads: the archive, the fetcher (one HTTP
    client, one per-host limiter), the settings, the step clock and the rules."""

    store: Store
    fetcher: Fetcher
    settings: Settings
    clock: StepClock
    rules: RuleCache = field(default_factory=RuleCache)


class Transient(Exception):
    """Worth trying again later: a page's host is down or busy, the archive is unreachable."""


@dataclass(frozen=True, slots=True)
class FeedPoll:
    """A feed's poll: the outcome to record, and a message for each entry to ingest."""

    outcome: PollOutcome
    entries: tuple[dict[str, Any], ...] = ()


def is_due(feed: FeedState, now: str) -> bool:
    """Whether the feed still waits for a poll: not disabled, and its next check has come (a
    message redelivered after its poll was recorded finds it not due)."""
    return feed.disabled_reason is None and (feed.next_check is None or feed.next_check <= now)


def poll_feed(
    resources: Resources, feed: FeedState, now: str, rng: random.Random | None = None
) -> FeedPoll:
    """Fetch the feed (conditionally: its ETag and Last-Modified go back) and parse it. A
    fetch or parse failure is the feed's: the outcome records it and backs the feed off.

    The feed holds at most ``MAX_FEED_ENTRIES`` entries (its newest; ``parse_feed`` cuts the
    rest before parsing). Entries that can never make an article (no text, no page to read)
    are not sent on: they are recorded here, as one failure row for the feed.

    Raises:
        Transient: the archive failed while recording those entries.
    """
    settings, clock = resources.settings, resources.clock
    failed = FeedFailures()
    try:
        with clock.step("fetch"):
            fetched = resources.fetcher.fetch(
                feed.url, FEED_MAX_BYTES, etag=feed.etag, last_modified=feed.last_modified
            )
        if fetched.not_modified:
            return FeedPoll(polled(now, fetched, settings))
        with clock.step("parse"):
            parsed = parse_feed(fetched.body, url=fetched.final_url)
            entries: list[dict[str, Any]] = []
            backlog = feed.last_success is None  # until a poll succeeds: the backlog
            for position, entry in enumerate(parsed.entries):
                reason = doomed_reason(entry, parsed, fetched.final_url, settings.fetch_pages)
                if reason is None:
                    entries.append(
                        entry_message(
                            entry,
                            parsed,
                            fetched.final_url,
                            position=position,
                            backlog=backlog,
                        )
                    )
                else:
                    failed.add(entry.link or entry.guid or entry.title or feed.url, reason)
    except NutgrafError as error:
        return FeedPoll(poll_failed(feed, error, now, settings, rng or random.Random()))
    if failed.count:
        record_failure(resources, feed.url, failed.summary(len(parsed.entries)), now)
    outcome = polled(now, fetched, settings, title=parsed.title, site=parsed.link)
    return FeedPoll(outcome, tuple(entries))


def entry_message(
    entry: FeedEntry, feed: Feed, feed_url: str, *, position: int = 0, backlog: bool = True
) -> dict[str, Any]:
    """An entry as a message: what the feed said of it and of itself (JSON-able), and where
    it stands in the feed (see ``placing``)."""
    return {
        "position": position,
        "backlog": backlog,
        "feed": {
            "url": feed_url,
            "title": feed.title,
            "link": feed.link,
            "language": feed.language,
        },
        "entry": asdict(entry),
    }


def draft_from_message(message: Mapping[str, Any]) -> Draft:
    """The entry a message carries, drafted as the single-machine ingest drafts it (pure).

    Raises:
        InputError: the message is not an entry message.
    """
    try:
        feed, entry = message["feed"], message["entry"]
        if not isinstance(entry, Mapping) or not set(entry) <= _ENTRY_FIELDS:
            raise TypeError("not an entry")
        values = {key: value for key, value in entry.items() if isinstance(value, str)}
        parsed = Feed(
            format="",
            url=str(feed["url"]),
            title=_text(feed.get("title")),
            link=_text(feed.get("link")),
            language=_text(feed.get("language")),
        )
        return draft_entry(FeedEntry(**values), parsed, str(feed["url"]))
    except (KeyError, TypeError, AttributeError):
        raise InputError("a message that is not a feed entry was sent to ingest_entry") from None


@dataclass(frozen=True, slots=True)
class EntryDone:
    """What became of an entry: stored (``status``) or failed (``failure``), under ``label``;
    ``note`` says why a teaser was kept instead of its page."""

    label: str
    status: SaveStatus | None = None
    failure: str | None = None
    note: str | None = None
    blocked: str | None = None  # why the rules kept it out ("blocked by rule 3")


def ingest_entry(
    resources: Resources, message: Mapping[str, Any], now: str, *, may_retry: bool
) -> EntryDone:
    """Read the entry's page when it is a teaser, extract, summarize, deduplicate and store it.

    Storing is idempotent (a known URL or GUID with the same text is "unchanged"), so running
    this again for the same message stores nothing twice. Input that cannot make an article
    is recorded as a failure, not raised.

    Raises:
        Transient: ``may_retry`` and the page's host is down or busy; or the archive failed.
    """
    settings, clock = resources.settings, resources.clock
    draft = draft_from_message(message)
    entry = draft.entry
    label = entry.link or entry.guid or entry.title or draft.feed_url
    page, note = None, None
    link = entry.link if draft.is_teaser and settings.fetch_pages else None
    if link and resources.fetcher.timed_out_within(link, SLOW_HOST_SECONDS):
        # A host that drips or stalls holds a worker thread until the deadline: its other
        # teasers keep their text for a while instead of queueing behind it.
        note = f"teaser kept: {urlsplit(link).hostname} timed out in the last few minutes"
    elif link:
        try:
            with clock.step("page"):
                page = read_page(resources.fetcher, link, draft.article)
        except FetchError as error:
            if may_retry and is_transient(error):
                raise Transient(str(error)) from None
            note = f"teaser kept: {error}"
        except NutgrafError as error:
            note = f"teaser kept: {error}"
    try:
        with clock.step("extract"):
            chosen = choose_article(draft, page, settings.fetch_pages)
    except InputError as error:
        reason = " ".join(str(error).split())
        _archive(lambda: resources.store.record_failure(label, reason, now))
        return EntryDone(label, failure=reason, note=note)
    with clock.step("known"):
        known = _archive(lambda: already_stored(resources.store, chosen.article, draft.origin))
    if known is not None:
        return EntryDone(chosen.label, status=known.status, note=note)
    rules = _archive(lambda: resources.rules.get(resources.store))
    decision = judge(rules, chosen.article, draft.origin)
    if decision.reason is not None:
        return EntryDone(chosen.label, note=note, blocked=decision.reason)
    with clock.step("summarize"):
        position = message.get("position")
        placed = placed_at(
            now,
            position if isinstance(position, int) else 0,
            backlog=message.get("backlog") is True,
        )
        item = archive_item(
            chosen.article,
            origin=draft.origin,
            fetched=now,
            html=chosen.html,
            kind=chosen.kind,
            image=chosen.image,
            placed=placed,
        )
    with clock.step("dedupe"):
        near = near_query(item.article.text)
    with clock.step("store"):
        result = _archive(lambda: save(resources.store, item, near))
        _archive(lambda: mark_saved(resources.store, result, decision, now))
    return EntryDone(chosen.label, status=result.status, note=note)


def feed_state(resources: Resources, url: str) -> FeedState | None:
    """The feed as the archive holds it now (None: unsubscribed).

    Raises:
        Transient: the archive failed.
    """
    return _archive(lambda: resources.store.feed(url))


def record_failure(resources: Resources, label: str, reason: str, now: str) -> None:
    """Keep a failed item in the archive, so nothing fails silently.

    Raises:
        Transient: the archive failed.
    """
    _archive(lambda: resources.store.record_failure(label, " ".join(reason.split()), now))


def record_feed_failure(
    resources: Resources, feed: FeedState, reason: str, now: str, rng: random.Random | None = None
) -> FeedState:
    """Record a poll that failed beyond fetching and parsing (it ran out of time or memory,
    or killed its worker): the feed backs off as after any failed poll, its lease ended.

    Raises:
        Transient: the archive failed.
    """
    outcome = poll_failed(
        feed, NutgrafError(reason), now, resources.settings, rng or random.Random()
    )
    return record_poll(resources, feed, outcome)


def entry_label(message: Mapping[str, Any]) -> str:
    """What an entry's failure is recorded under (its link, GUID, headline or feed), read
    from the message without drafting it: a message that exhausted a worker is not parsed
    again to say so."""
    entry, feed = message.get("entry"), message.get("feed")
    candidates = (
        [entry.get(key) for key in ("link", "guid", "title")] if isinstance(entry, Mapping) else []
    )
    candidates.append(feed.get("url") if isinstance(feed, Mapping) else None)
    for value in candidates:
        if isinstance(value, str) and value.strip():
            label = " ".join(value.split())
            return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"
    return "ingest_entry"


def record_poll(resources: Resources, feed: FeedState, outcome: PollOutcome) -> FeedState:
    """Record the poll on the feed, ending its lease.

    Raises:
        Transient: the archive failed.
    """
    return _archive(lambda: resources.store.record_poll(feed.id, outcome))


def is_transient(error: FetchError) -> bool:
    """A fetch failure that may pass: no connection, a server error, or a server asking to
    be asked later (429, 503)."""
    return (
        error.unreachable
        or error.retry_after is not None
        or bool(_SERVER_ERROR.search(str(error)))
        or "timed out" in str(error)
    )


def _archive(work: Callable[[], T]) -> T:
    """Run a store call; its failure (the database away, a pool exhausted) is transient."""
    try:
        return work()
    except NutgrafError as error:
        raise Transient(str(error)) from None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
