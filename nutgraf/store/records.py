"""The records the archive's queries answer with, beside those of ``nutgraf.records``: the
stories' (arrivals, placements, digests), deletions', and sign-in sessions'. Kept apart from
the queries so that the store's protocol (``base``) and its mixins all import them, and none
of them imports another."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nutgraf.records import StoredArticle
from nutgraf.stories.summary import StorySentence


@dataclass(frozen=True, slots=True)
class Arrival:
    """An article as the story updater reads it. ``time`` is ISO 8601 UTC: published when it
    reads as a date, else fetched, as the archive orders articles. ``published`` is the date
    as stored (None: undated); ``site``, ``url``, ``source`` and ``feed`` say which outlet it
    is from."""

    id: int
    title: str
    text: str
    language: str | None
    time: str
    duplicate_of: int | None
    published: str | None = None
    site: str | None = None
    url: str | None = None
    source: str | None = None
    feed: str | None = None


@dataclass(frozen=True, slots=True)
class Placement:
    """An article placed in a story, with the clusterer's score and reason (``score`` None:
    an earlier article moved by a merge or split, whose score stays as it was)."""

    article: int
    story: int
    score: float | None
    reason: str


@dataclass(frozen=True, slots=True)
class StoryText:
    """What the updater works out for a story: its headline, the articles its summary was
    made from, and the summary (empty for a story of one article: its own summary serves)."""

    story: int
    headline: str | None
    members: tuple[int, ...]
    sentences: tuple[StorySentence, ...]


@dataclass(frozen=True, slots=True)
class StoryDigest:
    """A story as lists and pages show it. ``articles`` is how many different articles it
    has (a copy, or the same headline again from the same outlet, is not another);
    ``sources`` how many outlets (a site read through two feeds is one); ``first``/``last``
    are the sort times of its earliest and newest article."""

    id: int
    headline: str | None
    articles: int
    sources: int
    first: str
    last: str
    members: tuple[int, ...]
    sentences: tuple[StorySentence, ...]
    computed: str


@dataclass(frozen=True, slots=True)
class SortedArticle:
    """A whole article with the time it is listed at (``sort_time``, ISO 8601 UTC)."""

    stored: StoredArticle
    sort_time: str


@dataclass(frozen=True, slots=True)
class HotStory:
    """A story as the Fever API's "hot" links show it: ``articles`` are its article ids in
    the order they arrived (the first broke it), ``first_feed`` the feed URL of that first
    article (None when it came from no feed)."""

    id: int
    headline: str | None
    sources: int
    last: str
    articles: tuple[int, ...]
    first_feed: str | None


@dataclass(frozen=True, slots=True)
class DeletionPlan:
    """What deleting ``ids`` (those that exist, ascending) touches: ``successors`` maps a
    deleted original to its earliest remaining copy, which takes its place; ``stories`` are
    the stories holding deleted articles."""

    ids: tuple[int, ...]
    successors: Mapping[int, int] = field(default_factory=dict)
    stories: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class StoryRepair:
    """The stories after a deletion: the new texts of the stories left with articles, and
    the clusterer's state without the deleted articles (None: stories were never made),
    saved only if the stories still go through ``expected``."""

    texts: tuple[StoryText, ...]
    state: Mapping[str, Any] | None
    expected: int


@dataclass(frozen=True, slots=True)
class StoryMember:
    """An article of a story as the archive holds it: its id and the original it copies."""

    id: int
    duplicate_of: int | None


@dataclass(frozen=True, slots=True)
class Session:
    """One signed-in browser. Times are ISO 8601 UTC text, compared as text."""

    key: str
    user: str
    admin: bool
    credential: str
    created: str
    expires: str


@dataclass(frozen=True, slots=True)
class User:
    """A user of the site. ``name`` is folded (``nutgraf.accounts.user_name``);
    ``password_hash`` is argon2id; ``created`` is ISO 8601 UTC text. ``api_password_hash``
    (argon2id) is the separate password apps use, when the user set one."""

    name: str
    password_hash: str
    admin: bool
    created: str
    api_password_hash: str | None = None


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A live session, and the user it names when there is one (None: no such user, as for
    the admin token's sessions or a user since removed)."""

    session: Session
    user: User | None


@dataclass(frozen=True, slots=True)
class ArticleMarks:
    """One article's state for one reader."""

    id: int
    read: bool
    starred: bool


@dataclass(frozen=True, slots=True)
class ReaderSettings:
    """A reader's settings: ``mark_on_open`` (opening an article marks it read),
    ``read_before`` (everything sorted before it is read, unless marked unread; None: none)
    and ``api_summaries`` (the apps' API heads each item with its summary)."""

    mark_on_open: bool = True
    read_before: str | None = None
    api_summaries: bool = True


@dataclass(frozen=True, slots=True)
class UnreadCounts:
    """A reader's unread articles: ``total``, and by the feed URL they came from (articles
    added by address, with no feed, count in the total only)."""

    total: int
    by_feed: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class StreamFilter:
    """Which of a reader's articles a sync client's stream holds, and which page of it.

    ``feeds`` keeps those from these feed URLs (None: any; with ``label`` as well, those
    from the feeds or carrying the label); ``label`` those the reader labelled so;
    ``read`` True/False keeps read/unread ones (None: both); ``starred`` True/False keeps
    starred/unstarred ones; ``newer``/``older`` bound the sort time (ISO 8601, exclusive);
    ``after`` is the (sort time, id) the previous page ended at; ``oldest_first`` walks the
    time order up instead of down; ``limit`` is the page's size.
    """

    feeds: tuple[str, ...] | None = None
    label: str | None = None
    read: bool | None = None
    starred: bool | None = None
    newer: str | None = None
    older: str | None = None
    after: tuple[str, int] | None = None
    oldest_first: bool = False
    limit: int = 20


@dataclass(frozen=True, slots=True)
class FeedUnread:
    """A feed's unread articles for a reader: how many, and the newest article's sort time
    (``feed`` None: the articles that came from no feed)."""

    feed: str | None
    count: int
    newest: str
