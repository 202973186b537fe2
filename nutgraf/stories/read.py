"""A story as the CLI and the site show it, read from the archive: its headline, the
timeline of its articles, who reported it first, and its multi-source summary.

``first_reported_by`` names the outlets of the earliest article (of each article published at
that same earliest time). Everything is read from two rows and the story's articles' list
entries: a story page costs three indexed reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from nutgraf.records import Headline
from nutgraf.serialize import story_sentence_json
from nutgraf.store.base import Store
from nutgraf.store.records import StoryDigest
from nutgraf.stories.outlets import outlet_key
from nutgraf.stories.summary import StorySentence


@dataclass(frozen=True, slots=True)
class Story:
    """A story: ``articles`` earliest first (copies included; ``digest.articles`` counts the
    different ones), ``sources`` the outlets in the order they reported it (one name each),
    ``sentences`` the summary, each citing its article."""

    id: int
    headline: str
    articles: tuple[Headline, ...]
    sources: tuple[str, ...]
    first_reported_by: tuple[str, ...]
    sentences: tuple[StorySentence, ...]
    digest: StoryDigest


def outlet(headline: Headline) -> str:
    """What to call the article's outlet: its name, else its site."""
    return headline.source or headline.site or headline.url or f"article {headline.id}"


def _outlets(articles: Iterable[Headline]) -> tuple[str, ...]:
    """The outlets of ``articles`` by name, one name for each outlet (``outlet_key``: a site
    read through two feeds is one), in the order they first appear."""
    named: dict[str, str] = {}
    for h in articles:
        named.setdefault(outlet_key(h.site, h.url, h.source), outlet(h))
    return tuple(dict.fromkeys(named.values()))


def reported(headline: Headline) -> str:
    """When the article was reported: its date, else when the archive first saw it (never
    the place an undated backlog is listed at)."""
    if headline.dated or not headline.first_seen:
        return headline.sort_time
    return headline.first_seen


def read_story(store: Store, story_id: int) -> Story | None:
    """The story ``story_id`` (None when there is none)."""
    digest = store.story_digest(story_id)
    if digest is None:
        return None
    # In the order they were reported (an undated backlog is listed at 1970, not reported then).
    articles = tuple(sorted(store.story_articles(story_id), key=lambda h: (reported(h), h.id)))
    if not articles:
        return None
    sources = _outlets(articles)
    earliest = min(reported(h) for h in articles)
    first = _outlets(h for h in articles if reported(h) == earliest)
    headline = digest.headline or articles[0].title or f"Story {story_id}"
    return Story(story_id, headline, articles, sources, first, digest.sentences, digest)


def story_json(story: Story) -> dict[str, Any]:
    """The story as ``nutgraf stories --json`` and ``/stories/ID.json`` give it."""
    return {
        "id": story.id,
        "headline": story.headline,
        "first_reported_by": list(story.first_reported_by),
        "sources": list(story.sources),
        "articles": [
            {
                "id": h.id,
                "title": h.title,
                "source": outlet(h),
                "time": reported(h),
                "url": h.url,
            }
            for h in story.articles
        ],
        "summary": [story_sentence_json(s) for s in story.sentences],
    }
