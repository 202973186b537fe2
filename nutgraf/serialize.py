"""Archive records as JSON: one shape for ``export``, ``search --json`` and the site's twins."""

from __future__ import annotations

from typing import Any

from nutgraf.records import Duplicate, Headline, SourceCount, StoredArticle, Summary
from nutgraf.stories.summary import StorySentence


def stored_json(stored: StoredArticle) -> dict[str, Any]:
    """Every stored field of an article, as ``export`` and ``search --json`` write it."""
    item, article = stored.item, stored.item.article
    duplicate = stored.duplicate
    return {
        "id": stored.id,
        "url": item.url,
        "canonical_url": item.canonical_url,
        "source": {"name": article.source, "site": item.site, "feed": item.feed},
        "guid": item.guid,
        "title": article.title,
        "byline": article.byline,
        "published": article.published,
        "fetched": item.fetched,
        "first_seen": stored.first_seen,
        "dated": stored.dated,
        "kind": item.kind,
        "image": item.image,
        "language": article.language,
        "subheadings": list(article.subheadings),
        "paragraphs": list(article.paragraphs),
        "blocks": [{"kind": b.kind, "text": b.text} for b in article.blocks],
        "text": article.text,
        "html": item.html,
        "summary": summary_json(item.summary),
        "related": list(article.related),
        "previous": article.previous,
        "next": article.next,
        "content_hash": item.content_hash,
        "duplicate_of": duplicate.of if duplicate else None,
        "duplicate": duplicate_json(duplicate),
    }


def summary_json(summary: Summary) -> dict[str, Any]:
    return {
        "language": summary.language,
        "reading_minutes": summary.reading_minutes,
        "sentences": [
            {"text": s.text, "paragraph": s.paragraph, "start": s.start, "end": s.end}
            for s in summary.sentences
        ],
    }


def duplicate_json(duplicate: Duplicate | None) -> dict[str, Any] | None:
    if duplicate is None:
        return None
    return {
        "of": duplicate.of,
        "kind": duplicate.kind,
        "overlap": duplicate.overlap,
        "reason": duplicate.reason,
    }


def listed_json(stored: StoredArticle) -> dict[str, Any]:
    """A stored article as a list (home, search) shows it: a headline with its time and
    kind, without its text."""
    item, article = stored.item, stored.item.article
    return {
        "id": stored.id,
        "title": article.title,
        "source": {"name": article.source, "site": item.site},
        "url": item.url,
        "published": article.published,
        "first_seen": stored.first_seen,
        "dated": stored.dated,
        "kind": item.kind,
        "image": item.image,
    }


def headline_json(headline: Headline) -> dict[str, Any]:
    return {
        "id": headline.id,
        "title": headline.title,
        "source": {"name": headline.source, "site": headline.site},
        "url": headline.url,
        "published": headline.published,
        "first_seen": headline.first_seen,
        "dated": headline.dated,
        "kind": headline.kind,
        "image": headline.image,
        "duplicate": duplicate_json(headline.duplicate),
    }


def source_json(source: SourceCount) -> dict[str, Any]:
    return {
        "site": source.site,
        "name": source.name,
        "articles": source.articles,
        "latest": source.latest,
    }


def story_sentence_json(sentence: StorySentence) -> dict[str, Any]:
    """A story summary's sentence with what it cites: article, outlet, paragraph, offsets."""
    return {
        "text": sentence.text,
        "article": sentence.article,
        "source": sentence.source,
        "paragraph": sentence.paragraph,
        "start": sentence.start,
        "end": sentence.end,
    }
