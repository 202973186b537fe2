"""The archive's interface: what every backend (SQLite, PostgreSQL) provides.

SQL lives only in this package. Callers hand in typed records and get typed records back;
deciding what a duplicate is stays in ``nutgraf.dedup``, and the store only answers the
questions that need the archive (is this URL known? which texts share these LSH keys?)
inside the same write transaction that stores the answer, so two writers cannot both decide
that an article is new.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

from nutgraf.controls import strip_controls
from nutgraf.records import (
    ArchiveItem,
    Article,
    Duplicate,
    Fetch,
    Headline,
    SourceCount,
    StoredArticle,
    Summary,
)
from nutgraf.rules import Rule
from nutgraf.store.records import (
    Arrival,
    ArticleMarks,
    DeletionPlan,
    FeedUnread,
    HotStory,
    Placement,
    ReaderSettings,
    Session,
    SignedIn,
    SortedArticle,
    StoryDigest,
    StoryMember,
    StoryRepair,
    StoryText,
    StreamFilter,
    UnreadCounts,
    User,
)

# "deleted": the archive deleted this article (by its URL or feed GUID) and keeps it out.
SaveStatus = Literal["new", "updated", "unchanged", "duplicate", "deleted"]
SEARCH_LIMIT_MAX = 100
# Ranked search ranks the newest this many matches (see SQLiteStore.search).
RANKED_WINDOW = 5000
# "Read also" ranks only this many of the newest articles sharing a word with the article,
# asks with at most RELATED_QUERY_WORDS words, and leaves out words held by more than
# COMMON_SHARE of the archive (but never counts fewer than COMMON_FLOOR holders as common).
# The window was 5,000: on PostgreSQL at 61,000 articles Read also then took 39 ms an
# article (ranking reads each match's whole vector) and dominated ingest; 1,000 takes 22 ms.
RELATED_WINDOW = 1000
RELATED_QUERY_WORDS = 8
COMMON_SHARE = 0.05
COMMON_FLOOR = 50


@dataclass(frozen=True, slots=True)
class NearQuery:
    """How to look for near duplicates of a new text.

    ``keys`` are its locality-sensitive hash keys; a stored article sharing one is a
    candidate, and ``overlap`` (given the candidate's text) says how much they share. The best
    candidate at or above ``threshold`` is the match; ``describe`` words the reason.
    ``identifying`` says whether the text is long enough for an equal text elsewhere to make
    it a copy.
    """

    keys: tuple[int, ...]
    overlap: Callable[[str], float]
    threshold: float
    describe: Callable[[float], str]
    identifying: bool = True  # False for a few words ("Comments"): equal texts prove nothing


@dataclass(frozen=True, slots=True)
class SaveResult:
    id: int
    status: SaveStatus
    duplicate: Duplicate | None = None


@dataclass(frozen=True, slots=True)
class StoredSummary:
    """An article as a backfill reads it: the article, the summary stored for it, and the
    summarizer that wrote that summary (None: stored before summarizers were recorded)."""

    id: int
    article: Article
    summary: Summary
    summarizer: str | None


@dataclass(frozen=True, slots=True)
class FeedState:
    """A subscribed feed and how polling it goes. Times are ISO 8601 UTC strings."""

    id: int
    url: str
    title: str | None = None
    site: str | None = None
    category: str | None = None
    added: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_checked: str | None = None
    last_success: str | None = None
    next_check: str | None = None
    failures: int = 0
    first_failure: str | None = None
    last_error: str | None = None
    disabled_reason: str | None = None
    interval_seconds: int = 3600
    lease_owner: str | None = None  # the dispatcher that claimed it, until ``lease_until``
    lease_until: str | None = None


@dataclass(frozen=True, slots=True)
class PollOutcome:
    """What one poll of a feed did, to be recorded on its state."""

    checked: str
    next_check: str
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    title: str | None = None
    site: str | None = None
    disabled_reason: str | None = None


def clean_outcome(outcome: PollOutcome) -> PollOutcome:
    """The outcome with the feed's title and site, and the error (which may quote the feed),
    free of terminal escapes and control characters, as the archive stores them."""
    return replace(
        outcome,
        title=strip_controls(outcome.title),
        site=strip_controls(outcome.site),
        error=strip_controls(outcome.error),
        disabled_reason=strip_controls(outcome.disabled_reason),
    )


class Store(Protocol):
    """The archive. Every method is safe to call again with the same arguments."""

    @property
    def read_only(self) -> bool:
        """This process may only read the archive (a file or folder it may not write, a
        read-only database user or server): reading works, every write raises NutgrafError."""
        ...

    def require_writable(self) -> None:
        """Raise NutgrafError, one line saying it is read-only, unless the archive takes writes:
        what a writing command asks first, before any work."""
        ...

    def close(self) -> None: ...

    def save(self, item: ArchiveItem, near: NearQuery | None = None) -> SaveResult:
        """Store ``item`` (or recognise it) atomically: known URL or GUID -> unchanged or
        updated; same text or a near copy of an earlier article -> stored and linked to it."""
        ...

    def unchanged(self, fetch: Fetch) -> int | None:
        """The stored article ``fetch`` is another fetch of, when its text and headline are
        the same (what ``save`` would answer "unchanged" for); None when it is new or changed.
        Runners ask first, so that an entry seen before is not summarized again."""
        ...

    def was_deleted(self, fetch: Fetch) -> bool:
        """Whether the article ``fetch`` is a fetch of was deleted (``nutgraf delete``,
        ``purge``): a feed still carrying it must not bring it back."""
        ...

    def get(self, article_id: int) -> StoredArticle | None: ...

    def latest(
        self, *, limit: int = 20, offset: int = 0, site: str | None = None
    ) -> list[StoredArticle]: ...

    def search(
        self, query: str, *, limit: int = 20, offset: int = 0, ranked: bool = False
    ) -> list[StoredArticle]:
        """Articles matching every word of ``query``, newest first (or best first when
        ``ranked``); at most ``SEARCH_LIMIT_MAX`` at a time. The query is bounded
        (``store.query.search_words``): a long one raises ``InputError``. A word matches in
        any form the article's language gives it ("strike" finds "strikes"; ``nlp.stems``)."""
        ...

    def search_count(self, query: str, *, cap: int = 1000) -> int:
        """How many articles ``search`` finds for ``query``: exact up to ``cap``; ``cap + 1``
        stands for more than ``cap`` (no more matches are read)."""
        ...

    def articles(self) -> Iterator[StoredArticle]:
        """Every article, oldest id first (for export)."""
        ...

    def article_ids(self, after: int, limit: int) -> list[int]:
        """Up to ``limit`` article ids above ``after``, ascending: the archive in batches."""
        ...

    def stored_summaries(self, ids: Sequence[int]) -> list[StoredSummary]:
        """The articles with these ids (those that exist), ascending, with their summaries."""
        ...

    def replace_summaries(self, rows: Sequence[tuple[int, Summary, str]]) -> int:
        """Store each (article id, summary, summarizer) in one transaction; returns how many
        articles changed (the same summary by the same summarizer again changes nothing)."""
        ...

    def checkpoint(self, name: str) -> int | None:
        """How far the job ``name`` got (see ``save_checkpoint``); None if it never saved one."""
        ...

    def save_checkpoint(self, name: str, position: int, at: str) -> None:
        """Record that the job ``name`` is done up to ``position`` (at time ``at``)."""
        ...

    def count(self) -> int: ...

    def headlines(
        self, *, limit: int = 20, offset: int = 0, site: str | None = None
    ) -> list[Headline]:
        """The newest articles (of one site), as lists show them."""
        ...

    def neighbours(
        self, article_id: int, *, site: str | None = None
    ) -> tuple[Headline | None, Headline | None]:
        """The articles just before and just after this one in publication order (within
        ``site`` when given): (previous, next)."""
        ...

    def lead_html(self, ids: Sequence[int]) -> dict[int, str]:
        """The start of the sanitized HTML (``LEAD_HTML_CHARS``) of those of ``ids`` that have
        no thumbnail but whose HTML holds an image: where a list finds their first picture."""
        ...

    def copies(self, article_id: int) -> list[Headline]:
        """The article's duplicate group, oldest first: the first copy and every later copy
        linked to it (just the article when it has none; empty when it does not exist)."""
        ...

    def related(
        self, article_id: int, terms: Sequence[str], *, limit: int = 5
    ) -> list[tuple[Headline, float]]:
        """Up to ``limit`` articles sharing the most with ``terms`` (any of them, rarer words
        weighing more), best first with their scores; never the article, its copies, or two
        copies of one story."""
        ...

    def read_also(self, article_id: int) -> list[tuple[Headline, float]] | None:
        """The related articles kept for this one by ``keep_read_also``, best first (None when
        none were kept yet)."""
        ...

    def keep_read_also(
        self, article_id: int, related: Sequence[tuple[int, float]], computed: str
    ) -> None:
        """Keep ``related`` (article ids with their scores, best first) for this article."""
        ...

    def sources(self) -> list[SourceCount]:
        """Every site with articles, the most recently published first."""
        ...

    def add_feed(
        self,
        url: str,
        *,
        title: str | None = None,
        site: str | None = None,
        category: str | None = None,
        now: str,
    ) -> tuple[FeedState, bool]:
        """Subscribe to ``url``; the flag says whether it is new."""
        ...

    def feeds(self) -> list[FeedState]: ...

    def feed(self, url: str) -> FeedState | None: ...

    def due_feeds(self, now: str, limit: int = 100) -> list[FeedState]:
        """Enabled feeds whose next check is due, the most overdue first."""
        ...

    def claim_due_feeds(
        self, now: str, owner: str, lease_seconds: int, limit: int, *, per_host: int | None = None
    ) -> list[FeedState]:
        """Lease up to ``limit`` due, enabled feeds that no one holds (no lease, or one past its
        time) to ``owner`` for ``lease_seconds``, the most overdue first; at most ``per_host``
        feeds of one host (the rest stay unleased for a later claim). Two claimers never get
        the same feed while its lease runs; ``record_poll`` ends the lease."""
        ...

    def record_poll(self, feed_id: int, outcome: PollOutcome) -> FeedState:
        """Record how a poll went and end the feed's lease, if it had one."""
        ...

    def record_failure(self, source: str, reason: str, at: str) -> None:
        """Keep a failed ingest item (what and why) so nothing fails silently."""
        ...

    def failures(self, limit: int = 100) -> list[tuple[str, str, str]]: ...

    # Stories (store/stories.py, shared by both backends).

    def story_state(self) -> tuple[int, dict[str, Any]] | None:
        """The story clusterer's saved state and the last article id it holds (None: never)."""
        ...

    def story_through(self) -> int:
        """The last article id the stories hold (0 when none)."""
        ...

    def arrivals(self, after: int, limit: int) -> list[Arrival]:
        """Up to ``limit`` articles with ids above ``after``, in id (arrival) order."""
        ...

    def save_stories(
        self,
        placements: Sequence[Placement],
        texts: Sequence[StoryText],
        state: Mapping[str, Any],
        *,
        expected: int,
        through: int,
        at: str,
    ) -> bool:
        """In one transaction, place articles (their copies follow them), store the texts of
        the stories they changed, recount those stories and save the state as going
        ``through`` an article id; only if the saved state still goes through ``expected``
        (else nothing is written and it returns False: another updater got there first)."""
        ...

    def story_of(self, article_id: int) -> int | None: ...

    def story_articles(self, story_id: int) -> list[Headline]:
        """The story's articles (copies included), earliest first."""
        ...

    def story_digest(self, story_id: int) -> StoryDigest | None: ...

    def latest_stories(
        self, *, limit: int = 20, offset: int = 0, min_sources: int = 2
    ) -> list[StoryDigest]:
        """Stories told by at least ``min_sources`` outlets, the latest news first."""
        ...

    # Removing articles and feeds (store/manage.py, shared by both backends).

    def feed_article_ids(self, url: str) -> list[int]:
        """The articles stored from the feed at ``url``, ascending."""
        ...

    def articles_before(self, cutoff: str, limit: int) -> list[int]:
        """Up to ``limit`` articles sorted before ``cutoff`` (ISO 8601), the oldest first."""
        ...

    def story_members(self, story_id: int) -> list[StoryMember]:
        """Every article the story holds (copies too), ascending."""
        ...

    def plan_deletion(self, ids: Sequence[int]) -> DeletionPlan:
        """What deleting these articles touches: copies that take their place, stories."""
        ...

    def delete_articles(
        self, plan: DeletionPlan, repair: StoryRepair | None, *, at: str, feed: int | None = None
    ) -> bool:
        """Carry ``plan`` out in one transaction (and remove the feed with id ``feed``); False,
        with nothing written, when the plan no longer holds (plan again)."""
        ...

    def remove_feed(self, feed_id: int) -> bool:
        """Unsubscribe the feed (its articles stay); whether it was there."""
        ...

    def disable_feed(self, feed_id: int, reason: str = ...) -> FeedState | None:
        """Stop polling the feed, saying why."""
        ...

    def enable_feed(self, feed_id: int, now: str) -> FeedState | None:
        """Poll the feed again from ``now``, its failures forgotten."""
        ...

    def edit_feed(self, feed_id: int, title: str | None, category: str | None) -> FeedState | None:
        """Set the feed's title and category (None clears one); None when there is no feed
        ``feed_id``."""
        ...

    # Categories (store/categories.py, shared by both backends).

    def category_headlines(
        self, category: str, *, limit: int = 20, offset: int = 0
    ) -> list[Headline]:
        """The newest articles of the feeds in ``category`` or in a category nested in it
        ("News" holds "News/Europe")."""
        ...

    def feed_article_counts(self) -> dict[str, int]:
        """How many articles each subscribed feed brought, by the feed's url."""
        ...

    # Sign-in sessions (store/sessions.py, shared by both backends).

    def start_session(self, session: Session, now: str) -> None:
        """Store a new session; expired ones, and the user's oldest past the cap, go."""
        ...

    def session(self, key: str, now: str) -> Session | None:
        """The session of ``key`` (the SHA-256 of its cookie's id) unless it has expired."""
        ...

    def end_session(self, key: str) -> None: ...

    def end_sessions(self, user: str) -> int:
        """End every session of ``user``; returns how many there were."""
        ...

    # Users of the site (store/users.py, shared by both backends).

    def add_user(self, user: User) -> bool:
        """Store a new user; False, with nothing written, when the name is taken."""
        ...

    def user(self, name: str) -> User | None: ...

    def users(self) -> list[User]:
        """Every user, by name."""
        ...

    def remove_user(self, name: str) -> bool:
        """Remove the user and end their sessions; whether they existed."""
        ...

    def set_password(self, name: str, password_hash: str) -> bool:
        """Store the user's new password hash and end their sessions; whether they exist."""
        ...

    def set_api_password(
        self, name: str, api_password_hash: str | None, fever_key: str | None
    ) -> bool:
        """Set or clear the user's API password; their app sessions end."""
        ...

    def user_by_fever_key(self, fever_key: str) -> User | None:
        """The user whose API password has this Fever key."""
        ...

    def set_admin(self, name: str, admin: bool) -> bool:
        """Make the user an admin, or no longer one; whether they exist."""
        ...

    def signed_in(self, key: str, now: str) -> SignedIn | None:
        """The live session of ``key`` and the user it names (None when no user has that
        name), in one query."""
        ...

    # Reading state per reader (store/marks.py, shared by both backends).

    def reader_settings(self, user: str) -> ReaderSettings:
        """The reader's settings (defaults when they never changed one)."""
        ...

    def article_marks(self, user: str, ids: list[int]) -> dict[int, ArticleMarks]:
        """Read and starred, for each of ``ids`` that exists."""
        ...

    def unread(
        self, user: str, *, limit: int = 20, offset: int = 0, feeds: list[str] | None = None
    ) -> list[Headline]:
        """The reader's unread articles, newest first (from ``feeds`` only, when given)."""
        ...

    def starred(self, user: str, *, limit: int = 20, offset: int = 0) -> list[Headline]:
        """The reader's starred articles, newest first."""
        ...

    def unread_total(self, user: str) -> int:
        """How many articles the reader has not read (cheaper than ``unread_counts``)."""
        ...

    def unread_counts(self, user: str) -> UnreadCounts:
        """How many articles the reader has not read, in all and by feed URL."""
        ...

    def set_read(self, user: str, ids: list[int], read: bool) -> int:
        """Mark articles read or unread; how many of ``ids`` exist."""
        ...

    def set_read_batch(self, marks: list[tuple[str, list[int]]]) -> int:
        """Mark read, in one transaction, each (reader, ids) of ``marks``."""
        ...

    def set_starred(self, user: str, article_id: int, starred: bool, at: str) -> bool:
        """Star or unstar an article; False when it does not exist."""
        ...

    def mark_read_before(self, user: str, before: str) -> None:
        """Everything sorted before ``before`` becomes read for the reader."""
        ...

    def mark_feeds_read(self, user: str, feeds: list[str], before: str | None = None) -> int:
        """Every unread article of ``feeds`` (sorted before ``before``) becomes read; how many."""
        ...

    def set_mark_on_open(self, user: str, on: bool) -> None:
        """Whether opening an article marks it read for the reader."""
        ...

    def forget_reader(self, user: str) -> None:
        """Drop the reader's reading state and settings."""
        ...

    # The Fever API's queries (store/fever.py, shared by both backends).

    def unread_ids(self, user: str) -> list[int]:
        """Every article id the reader has not read, newest first (ids only)."""
        ...

    def starred_ids(self, user: str) -> list[int]:
        """Every article id the reader starred, newest first (ids only)."""
        ...

    def articles_by_id(
        self,
        *,
        since_id: int | None = None,
        max_id: int | None = None,
        with_ids: list[int] | None = None,
        limit: int = 50,
    ) -> list[SortedArticle]:
        """A page of whole articles by id (see ``FeverQueries.articles_by_id``)."""
        ...

    def hot_stories(
        self, since: str, until: str, *, limit: int, offset: int = 0, min_sources: int = 2
    ) -> list[HotStory]:
        """Multi-outlet stories last reported in [since, until), most outlets first."""
        ...

    def set_api_summaries(self, user: str, on: bool) -> None:
        """Whether the apps' API heads each item's content with its summary."""
        ...

    # Sync clients (store/sync.py, shared by both backends).

    def stream_items(self, user: str, wanted: StreamFilter) -> list[tuple[int, str]]:
        """A page of the reader's articles ``wanted`` holds, as (id, sort time)."""
        ...

    def sync_articles(self, ids: Sequence[int]) -> list[tuple[StoredArticle, str]]:
        """The articles of ``ids`` that exist, in the order given, with their sort times."""
        ...

    def sync_marks(self, user: str, ids: Sequence[int]) -> dict[int, tuple[bool, bool]]:
        """(read, starred) of each article of ``ids`` that exists."""
        ...

    def unread_by_feed(self, user: str) -> list[FeedUnread]:
        """The reader's unread articles by feed (None: from no feed), as counted in total."""
        ...

    def item_labels(self, user: str, ids: Sequence[int]) -> dict[int, list[str]]:
        """The labels the reader put on each of ``ids``."""
        ...

    def reader_label_names(self, user: str) -> list[str]:
        """Every label the reader put on an article."""
        ...

    def set_label(self, user: str, ids: Sequence[int], label: str, on: bool) -> int:
        """Put a label on articles, or take it off."""
        ...

    def rename_label(self, user: str, old: str, new: str) -> int:
        """Rename one of the reader's labels."""
        ...

    def drop_label(self, user: str, label: str) -> int:
        """Take one of the reader's labels off every article."""
        ...

    def set_starred_many(self, user: str, ids: Sequence[int], starred: bool, at: str) -> int:
        """Star or unstar many articles at once; how many exist."""
        ...

    def set_read_many(self, user: str, ids: Sequence[int], read: bool) -> int:
        """Mark many articles read or unread in one transaction; how many exist."""
        ...

    def mark_stream_read(
        self,
        user: str,
        *,
        feeds: Sequence[str] | None = None,
        label: str | None = None,
        starred: bool = False,
        before: str | None = None,
    ) -> int:
        """Mark read the unread articles of feeds, a label or the stars (before a time)."""
        ...

    def trim_app_sessions(self, user: str) -> None:
        """Make room for one more app session of the user, ending their oldest."""
        ...

    # --- rules applied at ingest (``nutgraf.rules``) -------------------------------------------

    def add_rule(self, rule: Rule) -> Rule:
        """Store a checked rule; the stored rule with its id (InputError: not sound)."""
        ...

    def rules(self, *, enabled_only: bool = False) -> list[Rule]:
        """Every rule (only those switched on, when ``enabled_only``), by id."""
        ...

    def rule(self, rule_id: int) -> Rule | None: ...

    def remove_rule(self, rule_id: int) -> bool:
        """Remove the rule; False when there is none of that id."""
        ...

    def set_rule_enabled(self, rule_id: int, enabled: bool) -> bool:
        """Switch the rule on or off; False when there is none of that id."""
        ...
