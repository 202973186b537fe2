"""One article on its way into the archive: pure steps, then one store call.

``fetch_of`` says which fetch of an article this is, so that ``already_stored`` can skip
one the archive holds unchanged before any work; ``archive_item`` summarizes and fingerprints
a clean article; ``near_query`` says how the store finds its near copies; ``save`` hands both
to the store in one write. Runners (the CLI's ingest, the poller, the distributed workers)
only map these over their items.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from nutgraf.controls import strip_controls
from nutgraf.dedup.fingerprint import content_hash, jaccard, minhash, shingles
from nutgraf.dedup.near import DedupOptions, lsh_keys
from nutgraf.dedup.urls import canonical_url
from nutgraf.extract.images import first_image
from nutgraf.extract.sanitize import sanitize_html
from nutgraf.ingest.repair import repair_headline, repair_text
from nutgraf.nlp.summarize import summarize
from nutgraf.records import PARAGRAPH_SEPARATOR, ArchiveItem, Article, Block, Fetch, ItemKind
from nutgraf.relate import keep_read_also
from nutgraf.rules import Decision, Rule, decide, rule_item
from nutgraf.store.base import NearQuery, SaveResult, Store


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an article was read: its address, the feed and entry id it came through, the
    outlet's home page and name."""

    url: str | None = None
    feed: str | None = None
    guid: str | None = None
    site: str | None = None
    source: str | None = None


def clean_article(article: Article, origin: Origin) -> tuple[Article, Origin]:
    """The article and where it came from with mojibake repaired (``repair``) and without
    terminal escapes or control characters (``strip_controls``): what every stored article
    passes through, once, so that no feed's title can drive the terminal of whoever lists the
    archive or show "patientsâ€™". The feed and entry id identify the
    entry and stay as given. An untitled article gets its first words for a headline."""
    blocks = tuple(
        Block(block.kind, text)
        for block in article.blocks
        if (
            text := strip_controls(repair_text(block.text), lines=block.kind == "paragraph")
        ).strip()
    )
    text = PARAGRAPH_SEPARATOR.join(b.text for b in blocks if b.kind == "paragraph")
    article = replace(
        article,
        title=strip_controls(repair_headline(article.title)) or first_words(text),
        blocks=blocks,
        source=strip_controls(repair_headline(article.source)),
        byline=strip_controls(repair_headline(article.byline)),
        published=strip_controls(article.published),
        language=strip_controls(article.language),
        related=tuple(strip_controls(headline) for headline in article.related),
        previous=strip_controls(article.previous),
        next=strip_controls(article.next),
        url=strip_controls(article.url),
    )
    origin = replace(
        origin,
        url=strip_controls(origin.url),
        site=strip_controls(origin.site),
        source=strip_controls(repair_headline(origin.source)),
    )
    return article, origin


def fetch_of(article: Article, origin: Origin) -> Fetch:
    """Which fetch of an article this is (its addresses, text hash and headline): cheap,
    before any summarizing."""
    return _fetch(*clean_article(article, origin))


def _fetch(article: Article, origin: Origin) -> Fetch:
    url = origin.url or article.url
    # A headline kept as a link has no text: its headline stands for it.
    return Fetch(
        content_hash=content_hash(article.text or article.title or ""),
        title=article.title,
        canonical_url=canonical_url(url) if url else None,
        feed=origin.feed,
        guid=origin.guid,
    )


def already_stored(store: Store, article: Article, origin: Origin) -> SaveResult | None:
    """The archive's answer when it holds this fetch unchanged (nothing to summarize, store or
    relate again: a feed's old entries come back at every poll), or deleted it (a feed's
    entry only); None when there is work."""
    fetch = fetch_of(article, origin)
    if fetch.feed is not None and store.was_deleted(fetch):
        return SaveResult(0, "deleted")  # a feed still carrying it does not bring it back
    known = store.unchanged(fetch)
    return SaveResult(known, "unchanged") if known is not None else None


def judge(rules: Sequence[Rule], article: Article, origin: Origin) -> Decision:
    """What ``rules`` make of the article (``nutgraf.rules.decide``), judged on its cleaned
    headline, text, byline and address and the feed it came through; no rules, no work."""
    if not rules:
        return Decision()
    article, origin = clean_article(article, origin)
    return decide(rules, rule_item(article, url=origin.url, feed=origin.feed))


def mark_saved(store: Store, result: SaveResult, decision: Decision, at: str) -> None:
    """Star and tag a newly stored article (new, or a new copy of another) for the readers
    ``decision`` names; an article stored before (updated, unchanged) keeps what its readers
    made of it: one a reader unstarred is not starred again when its text changes."""
    if result.status not in ("new", "duplicate") or not result.id:
        return
    for user in decision.stars:
        store.set_starred(user, result.id, True, at)
    for user, label in decision.tags:
        store.set_label(user, [result.id], label, True)


def archive_item(
    article: Article,
    *,
    origin: Origin,
    fetched: str,
    html: str | None = None,
    kind: ItemKind = "article",
    image: str | None = None,
    placed: str | None = None,
) -> ArchiveItem:
    """The article cleaned, summarized, hashed and with its sanitized HTML, ready to store;
    ``kind``, ``image`` (else the page's own lead image, else the HTML's first picture) and
    ``placed`` as ``ArchiveItem`` has them. An article without a
    headline has its first words for one (``clean_article``)."""
    article, origin = clean_article(article, origin)
    url = origin.url or article.url
    fetch = _fetch(article, origin)
    if origin.source and not article.source:
        article = replace(article, source=origin.source)
    if url and not article.url:
        article = replace(article, url=url)
    # Relative links and image sources: against the entry's address, else the feed's site
    # (an entry without a link, read from a file); xml:base was applied by the feed parser.
    sanitized = sanitize_html(html, url or origin.site) if html else None
    return ArchiveItem(
        article=article,
        summary=summarize(article),
        fetched=fetched,
        content_hash=fetch.content_hash,
        url=url,
        canonical_url=fetch.canonical_url,
        feed=fetch.feed,
        guid=fetch.guid,
        site=origin.site,
        html=sanitized,
        kind=kind,
        image=strip_controls(image or article.image) or first_image(sanitized),
        placed=placed,
    )


# Words of an untitled article's text that make its headline.
TITLE_WORDS = 12


def first_words(text: str, words: int = TITLE_WORDS) -> str | None:
    """A headline for an untitled article: its first line when that is at most ``words``
    words long, else its first ``words`` words and an ellipsis; None for an empty text."""
    first = text.split("\n", 1)[0].split()
    if not first:
        return None
    if len(first) <= words:
        return " ".join(first)
    return " ".join(first[:words]).rstrip(",;:-") + "…"


_DEDUP = DedupOptions()


def near_query(text: str) -> NearQuery:
    """Near-copy lookup for ``text``: LSH keys of its MinHash, verified by exact overlap of
    word shingles. A text too short to judge (``min_shingles``) only gets exact matching."""
    own = shingles(text, _DEDUP.shingle_size)

    def overlap(other: str) -> float:
        return jaccard(own, shingles(other, _DEDUP.shingle_size))

    def describe(value: float) -> str:
        return f"{value:.0%} of its 5-word shingles are shared"

    identifying = len(own) >= _DEDUP.min_shingles
    keys = lsh_keys(minhash(own, _DEDUP.permutations), _DEDUP) if identifying else ()
    return NearQuery(
        keys=keys,
        overlap=overlap,
        threshold=_DEDUP.threshold,
        describe=describe,
        identifying=identifying,
    )


def save(store: Store, item: ArchiveItem, near: NearQuery | None = None) -> SaveResult:
    """Store ``item``, recognising it if known and linking it if it copies an earlier one
    (``near``: its ``near_query``, worked out here when not given); a new or changed article
    gets its "Read also" worked out now, so no reader waits for it."""
    result = store.save(item, near if near is not None else near_query(item.article.text))
    if result.status != "unchanged":
        keep_read_also(store, result.id, item.article, item.fetched)
    return result
