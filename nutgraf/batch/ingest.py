"""Ingest sources into the archive: files, folders, URLs, feeds, OPML lists and stdin.

Each source becomes one or more articles; each article is saved in its own transaction, so
a bad item or a killed run loses nothing already stored, and running again is a no-op.
A failure is recorded (in the tally and in the store) and the batch goes on.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property, partial
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import httpx

from nutgraf.batch.pipeline import (
    Origin,
    already_stored,
    archive_item,
    judge,
    mark_saved,
    save,
)
from nutgraf.batch.placing import placed_at
from nutgraf.config import Settings
from nutgraf.errors import FeedError, FetchError, InputError, NutgrafError
from nutgraf.extract import extract
from nutgraf.extract.fragment import blocks_from_fragment
from nutgraf.extract.images import figures_html
from nutgraf.ingest.feeds import parse_feed
from nutgraf.ingest.fetch import (
    FEED_MAX_BYTES,
    PAGE_MAX_BYTES,
    Fetched,
    FetchSettings,
    FetchTimeout,
    OutOfTime,
    fetch,
    make_client,
    make_limiter,
)
from nutgraf.ingest.junk import not_an_article
from nutgraf.ingest.opml import parse_opml
from nutgraf.ingest.sources import Document, decode_text, is_html, read_source
from nutgraf.ingest.xmlguard import GZIP_MAGIC, gunzip_limited, root_name
from nutgraf.records import Article, Feed, FeedEntry, ItemKind
from nutgraf.rules import Rule
from nutgraf.store.base import SaveResult, Store

Kind = Literal["feed", "opml", "html", "text"]
TEASER_WORDS = 120  # an entry shorter than this is a teaser: the page holds the story
# Teaser pages of one feed fetched at once. The shared per-host limiter still decides when
# each request may start (2 at once per host, starts 1 s apart, see FetchSettings), so a
# single-site feed is read no faster than before and no harder on its server; the threads
# pay off for feeds whose entries link to many sites (aggregators, planets, link blogs) and
# for slow pages, whose seconds of waiting now overlap.
PAGE_WORKERS = 6
# Seconds one feed's teaser pages may take, all of them: the pages not read by then keep their
# teaser, with one note. At the per-host spacing (1 s) that is some fifty pages from one site,
# more than most teaser feeds hold; a feed of slow pages (one byte a second) no longer takes
# its entries times the 30 s fetch deadline, holding its poll and the host's turns meanwhile.
PAGE_BUDGET = 60.0
# Seconds past the budget to wait for a page already fetched to be extracted.
_EXTRACT_GRACE = 2.0
# A feed's failed entries listed one by one (on the CLI, in the admin); the rest are counted in
# one line, and the archive keeps one failure row per feed naming the first few. A feed of a
# thousand broken entries is one problem, not a thousand.
FAILURES_LISTED_PER_FEED = 3
_LABEL_SHOWN = 200  # characters of an entry's label (its link, from the feed) in that row
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_XML_DTD = re.compile(r"\s*<!DOCTYPE\s+(?!html\b)", re.IGNORECASE)


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Tally:
    """What a run did. ``failures`` and ``notes`` are (source, reason) lines to show;
    ``failed`` counts every item that failed, also those a feed's "and N more" line stands for.
    """

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    subscribed: int = 0
    failed: int = 0
    # Items the rules kept out of the archive, by reason ("blocked by rule 3").
    blocked: dict[str, int] = field(default_factory=dict)

    def block(self, reason: str) -> None:
        self.blocked[reason] = self.blocked.get(reason, 0) + 1

    def count(self, result: SaveResult) -> None:
        if result.status == "new":
            self.new += 1
        elif result.status == "updated":
            self.updated += 1
        elif result.status == "duplicate":
            self.duplicates += 1
        elif result.status in ("unchanged", "deleted"):
            self.unchanged += 1  # nothing to store: as it was, or deleted on purpose

    def summary_line(self) -> str:
        """The counts; items the rules kept out come last, by reason, when there are any."""
        blocked = "".join(f", {n} {reason}" for reason, n in sorted(self.blocked.items()))
        return (
            f"{self.new} new, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.duplicates} duplicates, {self.failed} failed{blocked}"
        )


class Fetcher:
    """One guarded HTTP client (made on first use), the per-host limiter, and the hosts found
    unreachable (no connection) or too slow (a timeout) in this run; safe to share between
    threads."""

    def __init__(self, settings: Settings) -> None:
        self.settings = FetchSettings(allow_networks=settings.allow_networks)
        self.limiter = make_limiter(self.settings)
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()
        self._unreachable: dict[str, str] = {}
        self._timed_out: dict[str, float] = {}  # host: when (monotonic) it last timed out

    def fetch(
        self,
        url: str,
        max_bytes: int,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        until: float | None = None,
    ) -> Fetched:
        """GET ``url`` through the guarded client and the per-host limiter, ending by
        ``until`` (``time.monotonic()``) when given."""
        with self._lock:
            if self._client is None:
                self._client = make_client(self.settings)
            client = self._client
        try:
            return fetch(
                client,
                url,
                settings=self.settings,
                max_bytes=max_bytes,
                etag=etag,
                last_modified=last_modified,
                limiter=self.limiter,
                until=until,
            )
        except FetchError as error:
            if error.unreachable:
                timed_out = isinstance(error, FetchTimeout)
                why = "timed out" if timed_out else "was unreachable"
                with self._lock:
                    self._unreachable.setdefault(_host(url), why)
                    if timed_out:
                        self._timed_out[_host(url)] = time.monotonic()
            raise

    def timed_out_within(self, url: str, seconds: float) -> bool:
        """Whether ``url``'s host timed out in the last ``seconds``: what a long-running
        worker asks, where "in this run" would mean forever."""
        with self._lock:
            when = self._timed_out.get(_host(url))
        return when is not None and time.monotonic() - when < seconds

    def was_unreachable(self, url: str) -> bool:
        return self.unreachable_why(url) is not None

    def unreachable_why(self, url: str) -> str | None:
        """How ``url``'s host failed earlier in this run ("timed out", "was unreachable"), or
        None when it did not."""
        with self._lock:
            return self._unreachable.get(_host(url))

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None


class Ingestor:
    """Runs sources into one store; ``fetcher`` may be shared with other ingestors.
    ``page_budget`` is the seconds each feed's teaser pages may take (``PAGE_BUDGET``)."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        now: Callable[[], str] = utc_now,
        progress: Callable[[int, int, str], None] | None = None,
        fetcher: Fetcher | None = None,
        page_budget: float = PAGE_BUDGET,
    ) -> None:
        self.store = store
        self.settings = settings
        self.page_budget = page_budget
        self.now = now
        self.progress = progress or (lambda _done, _total, _label: None)
        self.tally = Tally()
        self.fetcher = fetcher or Fetcher(settings)
        self._owns_fetcher = fetcher is None

    def close(self) -> None:
        if self._owns_fetcher:
            self.fetcher.close()

    def __enter__(self) -> Ingestor:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- sources ----------------------------------------------------------------------------

    def run(self, sources: Sequence[str]) -> Tally:
        """Ingest every source (a folder counts as its files); ``progress`` hears of each
        before it starts, with how many are done and how many there are."""
        labels = [label for source in sources for label in self._expand(source)]
        for done, label in enumerate(labels):
            self.progress(done, len(labels), label)
            self._guard(label, partial(self._source, label))
        return self.tally

    def run_web(self, url: str) -> Tally:
        """Ingest one address typed into the site: an http(s) URL and nothing else (never a
        path on the server), whose answer is a page or a feed, never an OPML list (which
        would subscribe to every feed it names). The fetcher refuses any other scheme."""
        self._guard(url, partial(self.url, url, lists=False))
        return self.tally

    def _expand(self, source: str) -> Iterator[str]:
        """A folder stands for the files under it (hidden ones skipped), in name order."""
        if source != "-" and not _URL.match(source) and Path(source).is_dir():
            files = sorted(
                path
                for path in Path(source).rglob("*")
                if path.is_file() and not any(p.startswith(".") for p in path.parts[-1:])
            )
            if not files:
                self._fail(source, "folder holds no files")
            yield from (str(path) for path in files)
        else:
            yield source

    def _source(self, source: str) -> None:
        if _URL.match(source):
            self.url(source)
            return
        document = read_source(source, max_bytes=FEED_MAX_BYTES)
        data = inflated(document.data)
        kind = sniff(data, None)
        if kind == "feed":
            self.feed_bytes(data, source, url=None)
        elif kind == "opml":
            self.opml(data, source)
        else:
            self.document(data, source, name=document.name)

    def document(self, data: bytes, label: str, *, name: str | None = None) -> None:
        """Store one page given as bytes (HTML, or text such as a pasted page dump); ``name``
        is what extraction calls it (a file's path, default ``label``)."""
        if len(data) > PAGE_MAX_BYTES:
            raise InputError(f"{label} is over the 5 MB page limit; split it")
        article = extract(data, name=name or label)
        _refuse_junk(data, article)
        html = page_figures(data, article, article.url)
        self._save(article, Origin(url=article.url), label, html=html)

    def url(self, url: str, *, lists: bool = True) -> None:
        """Ingest what ``url`` answers: a feed's entries, an OPML list's feeds (subscribing
        to them; refused unless ``lists``), or a page."""
        fetched = self.fetcher.fetch(url, FEED_MAX_BYTES)
        body = inflated(fetched.body)
        kind = sniff(body, fetched.content_type)
        if kind == "feed":
            self.feed_bytes(body, url, url=fetched.final_url, content_type=fetched.content_type)
        elif kind == "opml":
            if not lists:
                raise InputError(
                    f"{url} is an OPML list of feeds, not an article; import it with "
                    "nutgraf ingest on the server"
                )
            self.opml(body, url)
        else:
            if len(body) > PAGE_MAX_BYTES:
                raise InputError(f"{url} is over the 5 MB page limit")
            article = extract(body, url=fetched.final_url, name=fetched.final_url)
            _refuse_junk(body, article)
            html = page_figures(body, article, fetched.final_url)
            origin = Origin(url=fetched.final_url, site=_site(fetched.final_url))
            self._save(article, origin, url, html=html)

    def opml(self, data: bytes, label: str) -> None:
        outlines = parse_opml(data)
        for outline in outlines:
            _, created = self.store.add_feed(
                outline.url,
                title=outline.title,
                site=outline.site,
                category=outline.category,
                now=self.now(),
            )
            self.tally.subscribed += int(created)
        for done, outline in enumerate(outlines):
            self.progress(done, len(outlines), outline.url)
            self._guard(outline.url, partial(self.url, outline.url))

    def feed_bytes(
        self,
        data: bytes,
        label: str,
        *,
        url: str | None,
        content_type: str | None = None,
        backlog: bool = True,
    ) -> Feed:
        """Store the feed's entries in feed order; teasers' pages are fetched ahead, a few at
        a time (``PAGE_WORKERS``), while the entries before them are saved, all within the
        feed's page budget. ``backlog``: this is the feed's first import (a file, a URL given
        once, a new subscription), whose undated entries are placed below the news (see
        ``placing``)."""
        feed = parse_feed(data, url=url, content_type=content_type)
        for warning in feed.warnings:
            self.tally.notes.append((label, warning))
        drafts = [draft_entry(entry, feed, url or label) for entry in feed.entries]
        wanted = {
            n: (draft.entry.link, draft.article)
            for n, draft in enumerate(drafts)
            if draft.entry.link and draft.is_teaser and self.settings.fetch_pages
        }
        failed = FeedFailures()
        kept = KeptNotes()
        until = time.monotonic() + self.page_budget
        seen = self.now()
        with self._pages(wanted, until) as pages:
            for n, draft in enumerate(drafts):
                entry = draft.entry
                name = entry.link or entry.guid or entry.title or label
                placed = placed_at(seen, n, backlog=backlog)
                work = partial(self._entry, draft, pages.get(n), until, kept, placed)
                reason = _attempt(work)
                if reason is not None:
                    failed.add(name, reason)
        self.tally.notes.extend((label, note) for note in kept.lines())
        self._fail_entries(label, failed, len(drafts))
        return feed

    # --- one feed entry -------------------------------------------------------------------

    def _entry(
        self,
        draft: Draft,
        page: Future[_PageRead] | None,
        until: float,
        kept: KeptNotes,
        placed: str,
    ) -> None:
        """Save one entry: its page's text when that was read and is longer, else the feed's
        (a headline alone is kept as a link); listed at ``placed`` when it has no date.

        Runs on the ingesting thread, in feed order: the store and the tally are only touched
        here, so counts, notes and failure lines come out as if pages were read one by one.
        A page not read by the budget's end (``until``) is not waited for; why its teaser or
        headline was kept is counted in ``kept``, one note per reason for the feed.
        """
        read = None
        if page is not None and draft.entry.link:
            read = _page_by(page, until + _EXTRACT_GRACE) or _PageRead(
                None, None, self._over_budget()
            )
        chosen = choose_article(
            draft, read.page if read is not None else None, self.settings.fetch_pages
        )
        if read is not None and read.page is None and draft.entry.link:
            kept.add(chosen.kind, draft.entry.link, read.shared or read.note or "")
        self._save(
            chosen.article,
            draft.origin,
            chosen.label,
            html=chosen.html,
            kind=chosen.kind,
            image=chosen.image,
            placed=placed,
        )

    @contextlib.contextmanager
    def _pages(
        self, wanted: Mapping[int, tuple[str, Article]], until: float
    ) -> Iterator[dict[int, Future[_PageRead]]]:
        """Start reading the pages ``wanted`` (entry number: link and teaser) on a few
        threads, each done by ``until``; yields each entry's future.

        A host's first page is fetched alone and its other pages wait for that answer, so a
        host that is down or too slow costs one failed connection or one timeout, and its
        other entries keep their teasers with one note, as when pages were read one after
        another (a host that goes down mid-feed may fail the few pages already under way with
        their own notes). A fetch under way at ``until`` is cut off there, so it holds no
        turn at its host past the budget. Pages not yet started are cancelled when the feed
        is left early (Ctrl-C).
        """
        if not wanted:
            yield {}
            return
        pool = ThreadPoolExecutor(
            max_workers=min(PAGE_WORKERS, len(wanted)), thread_name_prefix="nutgraf-page"
        )
        try:
            firsts: dict[str, Future[_PageRead]] = {}
            futures: dict[int, Future[_PageRead]] = {}
            later: list[tuple[int, str, Article]] = []
            for n, (link, teaser) in wanted.items():
                host = _host(link)
                if host in firsts:
                    later.append((n, link, teaser))
                else:
                    first = pool.submit(self._read_page, link, teaser, until)
                    futures[n] = firsts[host] = first
            # Queued after every first page, so a waiting page never holds the worker its
            # first page needs.
            for n, link, teaser in later:
                first = firsts[_host(link)]
                futures[n] = pool.submit(self._read_page_after, first, link, teaser, until)
            yield futures
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def _read_page_after(
        self, first: Future[_PageRead], link: str, teaser: Article, until: float
    ) -> _PageRead:
        wait([first], timeout=max(0.0, until - time.monotonic()))
        return self._read_page(link, teaser, until)

    def _read_page(self, link: str, teaser: Article, until: float) -> _PageRead:
        """The entry's page, extracted, or why it cannot be had.

        Runs on a page thread: it uses the shared fetcher (thread-safe) and pure code only,
        never the store or the tally. A host that could not be reached or timed out is not
        tried again in this run: a feed of fifty teasers from a site that is down costs one
        failed connection, not fifty, and from a site that drips its pages one timeout, not
        fifty.
        """
        why = self.fetcher.unreachable_why(link)
        if why is not None:
            return _PageRead(None, None, f"{_host(link)} {why} earlier in this run")
        if time.monotonic() >= until:
            return _PageRead(None, None, self._over_budget())
        try:
            return _PageRead(read_page(self.fetcher, link, teaser, until=until), None)
        except OutOfTime:
            return _PageRead(None, None, self._over_budget())
        except NutgrafError as error:
            return _PageRead(None, " ".join(str(error).split()))

    def _over_budget(self) -> str:
        return f"their pages were not read within the feed's {self.page_budget:g} s page budget"

    # --- I/O helpers ------------------------------------------------------------------------

    def _save(
        self,
        article: Article,
        origin: Origin,
        label: str,
        html: str | None = None,
        *,
        kind: ItemKind = "article",
        image: str | None = None,
        placed: str | None = None,
    ) -> None:
        known = already_stored(self.store, article, origin)
        if known is not None:
            self.tally.count(known)
            return
        decision = judge(self.rules, article, origin)
        if decision.reason is not None:
            self.tally.block(decision.reason)
            return
        item = archive_item(
            article,
            origin=origin,
            fetched=self.now(),
            html=html,
            kind=kind,
            image=image,
            placed=placed,
        )
        result = save(self.store, item)
        mark_saved(self.store, result, decision, item.fetched)
        self.tally.count(result)

    @cached_property
    def rules(self) -> list[Rule]:
        """The archive's rules that are on, read once for this ingestor's run."""
        return self.store.rules(enabled_only=True)

    def _guard(self, label: str, work: Callable[[], object]) -> None:
        """Run one item; a user-facing error is recorded and the batch goes on."""
        reason = _attempt(work)
        if reason is not None:
            self._fail(label, reason)

    def _fail(self, label: str, reason: str) -> None:
        reason = " ".join(reason.split())
        self.tally.failures.append((label, reason))
        self.tally.failed += 1
        self._record_failure(label, reason)

    def _fail_entries(self, label: str, failed: FeedFailures, entries: int) -> None:
        """A feed's failed entries: the first few listed, one line for the rest, and one row
        in the archive for them all."""
        if not failed.count:
            return
        self.tally.failures.extend(failed.first)
        if failed.count > len(failed.first):
            more = failed.count - len(failed.first)
            self.tally.failures.append((label, f"and {more:,} more of its entries failed"))
        self.tally.failed += failed.count
        self._record_failure(label, failed.summary(entries))

    def _record_failure(self, label: str, reason: str) -> None:
        # When the store itself is failing, the tally still reports the item.
        with contextlib.suppress(NutgrafError):
            self.store.record_failure(label, reason, self.now())


def _attempt(work: Callable[[], object]) -> str | None:
    """Run one item: None when it went through, else the one-line reason it failed."""
    try:
        work()
    except (NutgrafError, OSError) as error:
        return " ".join((str(error) or type(error).__name__).split())
    return None


@dataclass
class FeedFailures:
    """A feed's failed entries in one run: how many, and the first few (label, reason); they
    make one failure row (``summary``), however many there are."""

    count: int = 0
    first: list[tuple[str, str]] = field(default_factory=list)

    def add(self, label: str, reason: str) -> None:
        self.count += 1
        if len(self.first) < FAILURES_LISTED_PER_FEED:
            self.first.append((label, reason))

    def summary(self, entries: int) -> str:
        """The feed's one failure row: how many of its entries failed, and the first reasons."""
        shown = "; ".join(f"{label[:_LABEL_SHOWN]}: {reason}" for label, reason in self.first)
        first = "" if self.count == 1 else f", the first {len(self.first)}"
        return f"{self.count:,} of its {entries:,} entries failed{first}: {shown}"


def inflated(data: bytes) -> bytes:
    """``data`` inflated when it is gzip (a saved ``.html.gz`` page, a compressed feed),
    bounded like a feed; else as it is."""
    return gunzip_limited(data, FEED_MAX_BYTES) if data[:2] == GZIP_MAGIC else data


def _refuse_junk(data: bytes, article: Article, *, page: str | None = None) -> None:
    """Raise when the input (a teaser's ``page``) is a data file, a redirect stub or a sign-in
    page (``junk``): nothing of it is stored."""
    reason = not_an_article(data, article)
    if reason is not None:
        raise InputError(f"{page} is {reason}" if page else f"{reason}; nothing stored")


def sniff(data: bytes, content_type: str | None) -> Kind:
    """What the bytes are, by their root element first: a feed, an OPML list, an HTML page or
    plain text. The Content-Type only decides when the bytes do not say.

    XML whose prolog declares a DTD (other than HTML's) is a feed or an OPML list by its root,
    and a feed when the root cannot be seen past the DTD: the parser's guard then refuses an
    entity bomb or an external entity with its one line, whether the bytes came from a file or
    over HTTP, instead of their being stored as a text "article" of raw markup.
    """
    if data[:2] == GZIP_MAGIC:
        return "feed"  # a compressed feed body (the feed parser inflates it, bounded)
    head = _head(data)
    try:
        root_element = root_name(data)
    except FeedError:
        return "feed"  # a DTD the XML guard refuses: parse_feed says why
    name = (root_element or "").lower()
    if name in ("rss", "feed", "rdf:rdf", "rdf", "channel"):
        return "feed"
    if name == "opml":
        return "opml"
    if name in ("html", "head", "body") or re.match(r"\s*<!doctype\s+html", head, re.I):
        return "html"
    if _XML_DTD.match(head):
        return "feed"  # XML with a DTD: a feed or a refusal, never raw markup stored as text
    if head.lstrip().startswith("{") and "jsonfeed.org" in head:
        return "feed"
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype in ("application/rss+xml", "application/atom+xml", "application/feed+json"):
        return "feed"
    if ctype in ("text/html", "application/xhtml+xml") or (name and "</p>" in head.lower()):
        return "html"
    return "text"


def _head(data: bytes) -> str:
    """The first 4 KB as text, enough to tell JSON and an HTML doctype; the XML declaration
    and comments are blanked so what follows them comes first."""
    chunk = data[:4096]
    if chunk.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = chunk.decode("utf-16", errors="ignore")
    else:
        text = chunk.decode("utf-8", errors="ignore").lstrip("\ufeff")
    return re.sub(r"<\?.*?\?>|<!--.*?-->", " ", text, flags=re.S)


@dataclass
class KeptNotes:
    """Why a feed's teasers (or headlines, kept as links) were kept instead of their pages:
    one note per reason for the feed, not one per entry ("20 teasers kept: example.org was
    unreachable earlier in this run")."""

    reasons: dict[tuple[ItemKind, str], list[str]] = field(default_factory=dict)

    def add(self, kind: ItemKind, link: str, reason: str) -> None:
        """Count one entry; a reason naming the entry's own link counts under the link's host
        (every page of a host that answers 404 is one line)."""
        shared = reason if link not in reason else f"{_host(link)}: {reason.replace(link, '')}"
        self.reasons.setdefault((kind, " ".join(shared.split())), []).append(reason)

    def lines(self) -> list[str]:
        shown = []
        for (kind, shared), reasons in self.reasons.items():
            count = len(reasons)
            noun = "teaser" if kind == "article" else "headline"
            kept = "kept" if kind == "article" else "kept as a link"
            if count == 1:
                shown.append(f"{noun} {kept}: {reasons[0]}")
            else:
                kept = "kept" if kind == "article" else "kept as links"
                shown.append(f"{count:,} {noun}s {kept}: {shared}")
        return shown


@dataclass(frozen=True, slots=True)
class _PageRead:
    """A teaser's page: the article read from it, or why it was not: a ``note`` of its own,
    or a reason many entries of the feed may share (``shared``: one note counts them)."""

    page: Page | None
    note: str | None
    shared: str | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """A teaser's page as read: its article, and its text with the pictures among it as
    compact HTML for display (``images.figures_html``; None when it shows none)."""

    article: Article
    html: str | None = None


def _page_by(page: Future[_PageRead], deadline: float) -> _PageRead | None:
    """The page's outcome, waiting no later than ``deadline`` (None: not ready by then)."""
    try:
        return page.result(timeout=max(0.0, deadline - time.monotonic()))
    except TimeoutError:
        return None


def read_page(fetcher: Fetcher, link: str, teaser: Article, *, until: float | None = None) -> Page:
    """A teaser's page, fetched (by ``until``, when given) and extracted, with what the feed
    said of it kept (headline, outlet, date); uses the shared fetcher (thread-safe) and pure
    code only.

    Raises:
        OutOfTime: ``until`` came before the page was fetched.
        NutgrafError: the page cannot be fetched or read.
    """
    fetched = fetcher.fetch(link, PAGE_MAX_BYTES, until=until)
    page = extract(fetched.body, url=fetched.final_url, name=fetched.final_url)
    _refuse_junk(fetched.body, page, page=fetched.final_url)
    article = replace(
        page,
        title=teaser.title or page.title,
        source=teaser.source or page.source,
        byline=page.byline or teaser.byline,
        published=teaser.published or page.published,
        url=fetched.final_url,
    )
    return Page(article, page_figures(fetched.body, article, fetched.final_url))


def page_figures(body: bytes, article: Article, url: str | None) -> str | None:
    """The page's article text with its pictures, as HTML to show (see ``figures_html``)."""
    text = decode_text(Document(url or "page", body))
    return figures_html(text, article.blocks, url) if is_html(text, url) else None


@dataclass(frozen=True, slots=True)
class Chosen:
    """What to store of a feed entry: the article, the label its failures and notes go under,
    the HTML kept for display (the feed's, when the article is the feed's), whether it is an
    article or a headline kept as a link, and its thumbnail from the feed."""

    article: Article
    label: str
    html: str | None
    kind: ItemKind = "article"
    image: str | None = None


def choose_article(draft: Draft, page: Page | None, fetch_pages: bool) -> Chosen:
    """The entry's page when it was read and says more than the feed, else the feed's text;
    an entry with no text (a headline, a link, perhaps media) is kept as a link (pure).

    Raises:
        InputError: the entry has neither a title nor a link (nor any text).
    """
    entry, article = draft.entry, draft.article
    if page is not None and entry.link and len(page.article.text.split()) > draft.words:
        return Chosen(page.article, entry.link, page.html, image=entry.image)
    label = entry.link or draft.feed_url
    if not article.paragraphs:
        if not entry.title and not entry.link:
            raise InputError("an entry with neither a title nor a link")
        return Chosen(article, label, draft.html or None, "link", entry.image)
    return Chosen(article, label, draft.html or None, image=entry.image)


def doomed_reason(entry: FeedEntry, feed: Feed, feed_url: str, fetch_pages: bool) -> str | None:
    """Why an entry can never make an article, seen from the feed alone (pure): it holds no
    text, and no page of it will be read. None when it may yet make one.

    The distributed poll fails such entries at once, in its feed's one failure row, instead of
    sending each on to fail alone.
    """
    if entry.content_html or entry.summary_html or (entry.link and fetch_pages):
        return None
    try:
        choose_article(draft_entry(entry, feed, feed_url), None, fetch_pages)
    except InputError as error:
        return str(error)
    return None


@dataclass(frozen=True, slots=True)
class Draft:
    """A feed entry read from the feed alone, before its page (if any) is fetched."""

    entry: FeedEntry
    article: Article
    origin: Origin
    html: str
    feed_url: str

    @property
    def words(self) -> int:
        return len(self.article.text.split())

    @property
    def is_teaser(self) -> bool:
        return self.words < TEASER_WORDS


def draft_entry(entry: FeedEntry, feed: Feed, feed_url: str) -> Draft:
    """The entry as an article from what the feed holds (pure)."""
    html = entry.content_html or entry.summary_html or ""
    article = Article(
        title=entry.title,
        blocks=blocks_from_fragment(html),
        source=feed.title,
        byline=entry.author,
        published=entry.published or entry.updated,
        language=feed.language.split("-")[0].lower() if feed.language else None,
        url=entry.link,
    )
    origin = Origin(
        url=entry.link, feed=feed_url, guid=entry.guid, site=feed.link, source=feed.title
    )
    return Draft(entry, article, origin, html, feed_url)


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _site(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/" if parts.scheme and parts.netloc else None
