"""Managing the archive: deleting articles, purging old ones, removing and pausing feeds.

``delete_articles`` plans a deletion (``Store.plan_deletion``), works the stories out again
without the deleted articles (the clusterer forgets them; each story they were in gets its
headline and summary from the articles it keeps, ``nutgraf.stories.archive.story_text``),
and hands everything to ``Store.delete_articles``, one transaction. When another writer
changed what the plan read (a story update saved, a new copy of a deleted article arrived),
the store writes nothing and the deletion is planned again.

``purge`` deletes the articles sorted before a cutoff. Which old articles may go is one
function, ``purgeable``: the place for a rule that keeps some (starred items, once they exist).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from nutgraf.config import Settings
from nutgraf.controls import strip_controls
from nutgraf.errors import NutgrafError
from nutgraf.ingest.opml import OpmlFeed, write_opml
from nutgraf.records import StoredArticle
from nutgraf.store.base import FeedState, Store
from nutgraf.store.manage import ADMIN_DISABLED
from nutgraf.store.records import DeletionPlan, StoryRepair
from nutgraf.stories.archive import story_text
from nutgraf.stories.cluster import ArticleKey, StoryIndex

# A deletion planned again this many times (each time another writer got in between) gives up.
DELETE_ATTEMPTS = 5
# The most articles one purge deletes (one transaction); a larger backlog takes more runs.
PURGE_LIMIT = 100_000


@dataclass(frozen=True, slots=True)
class Deletion:
    """What a deletion did: the articles ``deleted``, the ids asked for that do not exist
    (``missing``), the copies that became originals (original -> copy), and how many stories
    changed."""

    deleted: tuple[int, ...] = ()
    missing: tuple[int, ...] = ()
    promoted: Mapping[int, int] = field(default_factory=dict)
    stories: int = 0


@dataclass(frozen=True, slots=True)
class Purge:
    """What a purge did (or, ``dry_run``, would do): the cutoff and the articles before it."""

    cutoff: str
    ids: tuple[int, ...]
    deletion: Deletion | None = None
    dry_run: bool = False


def delete_articles(
    store: Store,
    ids: Sequence[int],
    *,
    now: Callable[[], str] | None = None,
    feed: FeedState | None = None,
) -> Deletion:
    """Delete the articles ``ids`` (and unsubscribe ``feed`` in the same transaction).

    Raises:
        NutgrafError: the archive is read-only or failing, or other writers kept changing
            what the deletion reads.
    """
    clock = now or utc_now
    asked = tuple(dict.fromkeys(int(i) for i in ids))
    for _ in range(DELETE_ATTEMPTS):
        plan = store.plan_deletion(asked)
        if not plan.ids and feed is None:
            return Deletion(missing=asked)
        repair = _story_repair(store, plan)
        if store.delete_articles(
            plan, repair, at=clock(), feed=feed.id if feed is not None else None
        ):
            return Deletion(
                plan.ids,
                tuple(i for i in asked if i not in set(plan.ids)),
                dict(plan.successors),
                len(plan.stories),
            )
    raise NutgrafError(
        f"the articles were not deleted: other writers changed them {DELETE_ATTEMPTS} times "
        "in a row; try again"
    )


def purgeable(store: Store, cutoff: str, *, limit: int = PURGE_LIMIT) -> list[int]:
    """The articles a purge of everything sorted, and first seen, before ``cutoff`` deletes.
    Every such article goes today; a rule keeping some (starred ones) belongs here."""
    return store.articles_before(cutoff, limit)


def purge(
    store: Store,
    days: int,
    *,
    now: Callable[[], str] | None = None,
    dry_run: bool = False,
) -> Purge:
    """Delete the articles sorted, and first seen, more than ``days`` days before now
    (``dry_run``: only count them)."""
    clock = now or utc_now
    cutoff = days_before(clock(), days)
    ids = tuple(purgeable(store, cutoff))
    if dry_run or not ids:
        return Purge(cutoff, ids, None, dry_run)
    return Purge(cutoff, ids, delete_articles(store, ids, now=clock))


def apply_retention(
    store: Store, settings: Settings, *, now: Callable[[], str] | None = None
) -> Purge | None:
    """Purge what ``retention_days`` no longer keeps (None: no retention is set)."""
    if settings.retention_days is None:
        return None
    return purge(store, settings.retention_days, now=now)


def feeds_opml(feeds: Sequence[FeedState], title: str = "nutgraf feeds") -> bytes:
    """The OPML document listing ``feeds`` (``nutgraf export --format opml``, the admin's and the
    apps' exports), each field without control characters."""
    return write_opml(
        [
            OpmlFeed(
                url=strip_controls(f.url),
                title=strip_controls(f.title),
                site=strip_controls(f.site),
                category=strip_controls(f.category),
            )
            for f in feeds
        ],
        title,
    )


def find_feed(store: Store, url: str) -> FeedState:
    """The subscribed feed at ``url``.

    Raises:
        NutgrafError: no feed at that address is subscribed.
    """
    state = store.feed(url)
    if state is None:
        raise NutgrafError(f"no subscribed feed has the address {url}; see: nutgraf feeds")
    return state


def remove_feed(
    store: Store,
    url: str,
    *,
    with_articles: bool = False,
    now: Callable[[], str] | None = None,
) -> tuple[FeedState, Deletion]:
    """Unsubscribe the feed at ``url``; ``with_articles``: delete the articles stored from it
    too (in the same transaction)."""
    state = find_feed(store, url)
    if not with_articles:
        if not store.remove_feed(state.id):
            raise NutgrafError(f"the feed {url} was removed meanwhile")
        return state, Deletion()
    return state, delete_articles(store, store.feed_article_ids(state.url), now=now, feed=state)


def disable_feed(store: Store, url: str, reason: str = ADMIN_DISABLED) -> FeedState:
    """Stop polling the feed at ``url``; ``nutgraf feeds`` shows it as disabled, ``reason``."""
    return _changed(store.disable_feed(find_feed(store, url).id, reason), url)


def enable_feed(store: Store, url: str, *, now: Callable[[], str] | None = None) -> FeedState:
    """Poll the feed at ``url`` again, due now, with its failures forgotten."""
    return _changed(store.enable_feed(find_feed(store, url).id, (now or utc_now)()), url)


def _changed(state: FeedState | None, url: str) -> FeedState:
    if state is None:
        raise NutgrafError(f"the feed {url} was removed meanwhile")
    return state


def _story_repair(store: Store, plan: DeletionPlan) -> StoryRepair | None:
    """The stories' texts and the clusterer's state once ``plan`` is carried out."""
    loaded = store.story_state() if plan.ids else None
    if loaded is None:
        return None
    expected, state = loaded
    index = StoryIndex.from_state(state)
    heirs_of: dict[ArticleKey, ArticleKey] = {k: v for k, v in plan.successors.items()}
    index.forget(plan.ids, heirs_of)
    gone, heirs = set(plan.ids), set(plan.successors.values())
    read = _reader(store)
    texts = []
    for story in plan.stories:
        members = [
            m.id
            for m in store.story_members(story)
            if m.id not in gone and (m.duplicate_of is None or m.id in heirs)
        ]
        text = story_text(story, members, read) if members else None
        if text is not None:
            texts.append(text)
    return StoryRepair(tuple(texts), index.state(closed=False), expected)


def _reader(store: Store) -> Callable[[int], StoredArticle | None]:
    @lru_cache(maxsize=512)
    def read(article_id: int) -> StoredArticle | None:
        return store.get(article_id)

    return read


def days_before(now: str, days: int) -> str:
    """The ISO 8601 UTC time ``days`` days before ``now``."""
    moment = datetime.fromisoformat(now.replace("Z", "+00:00")) - timedelta(days=days)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
