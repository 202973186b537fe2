"""What "Read also" looks for: the words that say what an article is about.

The store ranks the archive against these words (BM25: rarer words weigh more, headline words
double), so this side only has to name the article's topic: its headline's content words,
then the content words its body repeats most. Pure: an article in, a tuple of words out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Sequence

from nutgraf.nlp.language import detect_language, stopwords
from nutgraf.nlp.scripts import SEARCH_PIECE, UNSPACED, bigrams, has_unspaced
from nutgraf.records import Article, Headline, StoredArticle
from nutgraf.store.base import Store

RELATED_TERMS = 12
_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)


def related_terms(article: Article, count: int = RELATED_TERMS) -> tuple[str, ...]:
    """Up to ``count`` lower-cased words: the headline's content words, then the body's most
    repeated content words (at least twice), most frequent first."""
    language = article.language or detect_language(article.text or article.title or "")
    common = stopwords(language)
    title = [w for w in _words((article.title or "").lower()) if w not in common]
    body = Counter(w for w in _words(article.text.lower()) if w not in common)
    repeated = (w for w, n in sorted(body.items(), key=lambda x: (-x[1], x[0])) if n >= 2)
    terms = dict.fromkeys(title)
    for word in repeated:
        if len(terms) >= count:
            break
        terms.setdefault(word)
    return tuple(terms)[:count]


def _words(text: str) -> list[str]:
    """The words of three letters or more of ``text``; in scripts written without spaces
    (Chinese, Japanese, Thai), the character bigrams of each run, as the index holds them."""
    if not has_unspaced(text):
        return _WORD.findall(text)
    words: list[str] = []
    for piece in SEARCH_PIECE.findall(text):
        if UNSPACED.match(piece):
            words.extend(bigrams(piece) if len(piece) > 1 else ())
        else:
            words.extend(_WORD.findall(piece))
    return words


READ_ALSO_MIN = 2
READ_ALSO_MAX = 5
# After the first READ_ALSO_MIN, a related article is listed only when it scores at least this
# share of the best one: five links are not worth a weak fifth.
READ_ALSO_FLOOR = 0.35


def read_also(
    store: Store,
    stored: StoredArticle,
    *,
    story: Sequence[Headline] = (),
    copies: Collection[int] = (),
) -> list[Headline]:
    """The article's "Read also": the other outlets' reports of its story first (earliest
    first, one per copy group, none from the article's own outlet), then the related articles
    kept at ingest, else worked out now (and not written: readers never wait for a write
    lock; archives from before it was kept are filled in by re-ingesting).

    Args:
        store: the archive.
        stored: the article.
        story: its story's articles (``Store.story_articles``), if it has one.
        copies: the ids of its copies (``Store.copies``), left out like the article itself.

    Returns:
        At most ``READ_ALSO_MAX`` articles, never the article or its copies; after the first
        ``READ_ALSO_MIN``, a related article only when it scores near the best one.
    """
    skip = {stored.id, *copies}
    own = _outlet(stored.item.article.source, stored.item.site)
    listed: list[Headline] = []
    groups: set[int] = set()
    for other in story:
        group = other.duplicate.of if other.duplicate else other.id
        if other.id in skip or group in skip or group in groups:
            continue
        if _outlet(other.source, other.site) == own:
            continue
        groups.add(group)
        listed.append(other)
    skip.update(h.id for h in story)
    found = store.read_also(stored.id)
    if found is None:
        found = store.related(stored.id, related_terms(stored.item.article), limit=READ_ALSO_MAX)
    related = [(h, score) for h, score in found if h.id not in skip]
    best = related[0][1] if related else 0.0
    for headline, score in related:
        if len(listed) < READ_ALSO_MIN or score >= READ_ALSO_FLOOR * best:
            listed.append(headline)
    return listed[:READ_ALSO_MAX]


def _outlet(name: str | None, site: str | None) -> str | None:
    return site or name


def keep_read_also(
    store: Store, article_id: int, article: Article, now: str
) -> list[tuple[Headline, float]]:
    """Work out the article's related articles now and keep them in the archive."""
    found = store.related(article_id, related_terms(article), limit=READ_ALSO_MAX)
    store.keep_read_also(article_id, [(h.id, score) for h, score in found], now)
    return found
