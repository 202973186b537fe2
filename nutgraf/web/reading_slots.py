"""The reader's own parts of shared pages (``nutgraf.web.personal`` slots): whether a listed
article is read or starred (``readclass``: the classes ``is-read``, ``is-starred``), its read
and star buttons (``marks``), the article page that marks itself read when opened (``open``,
in its <head>), and "Unread (N)" in the navigation (``unread``).

The markup is a contract other scripts rely on (keyboard shortcuts): each control is a
``<form class="mark" data-action="read|unread|star|unstar">`` posting to
``/articles/ID/ACTION`` with a hidden ``csrf`` input and one button.

Unread counts are kept per reader in each process for ``COUNT_SECONDS`` and dropped when the
reader marks something (an article opened only takes one off the kept total), so a page asks
the archive for them at most once in that time.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from typing import TypeVar
from weakref import WeakKeyDictionary

from markupsafe import escape

from nutgraf.store.base import Store
from nutgraf.store.marks import MAX_MARK_IDS
from nutgraf.store.records import ArticleMarks, ReaderSettings, UnreadCounts
from nutgraf.web.personal import FILLERS, Visit

COUNT_SECONDS = 10.0
MAX_COUNTED_READERS = 1024  # per process and kind; the oldest go first
T = TypeVar("T")
Kept = WeakKeyDictionary[Store, dict[str, tuple[float, T]]]
# The navigation's total (``Store.unread_total``, counted on the time index), and the counts
# by feed that /unread shows (``Store.unread_counts``, which reads every unread row).
_TOTALS: Kept[int] = WeakKeyDictionary()
_COUNTS: Kept[UnreadCounts] = WeakKeyDictionary()
# The reader's settings, read by every article page they open ("opening marks it read"); a
# change made in this process applies at once, one made through another worker within
# COUNT_SECONDS.
_SETTINGS: Kept[ReaderSettings] = WeakKeyDictionary()
_LOCK = threading.Lock()  # list pages count in the thread pool, article pages on the loop
_ACTIONS = {
    "read": "Mark read",
    "unread": "Mark unread",
    "star": "Star",
    "unstar": "Unstar",
}


def _kept(kept: Kept[T], store: Store, user: str, count: Callable[[str], T]) -> T:
    """``count(user)``, from this process's short-lived copy when it has one."""
    with _LOCK:
        entries = kept.setdefault(store, {})
        entry = entries.get(user)
    now = time.monotonic()
    if entry is not None and entry[0] > now:
        return entry[1]
    value = count(user)  # outside the lock: pages of other readers do not wait for it
    with _LOCK:
        entries.pop(user, None)
        entries[user] = (now + COUNT_SECONDS, value)
        while len(entries) > MAX_COUNTED_READERS:
            entries.pop(next(iter(entries)))
    return value


def unread_total(store: Store, user: str) -> int:
    """How many articles the reader has not read (kept briefly)."""
    return _kept(_TOTALS, store, user, store.unread_total)


def unread_counts(store: Store, user: str) -> UnreadCounts:
    """The reader's unread counts by feed (kept briefly)."""
    return _kept(_COUNTS, store, user, store.unread_counts)


def reader_settings(store: Store, user: str) -> ReaderSettings:
    """The reader's settings (kept briefly)."""
    return _kept(_SETTINGS, store, user, store.reader_settings)


def forget_settings(store: Store, user: str) -> None:
    """Drop the reader's kept settings (they just changed one)."""
    with _LOCK:
        _SETTINGS.get(store, {}).pop(user, None)


def forget_counts(store: Store, user: str) -> None:
    """Drop the reader's kept counts (they just marked something)."""
    with _LOCK:
        _TOTALS.get(store, {}).pop(user, None)
        _COUNTS.get(store, {}).pop(user, None)


def count_opened(store: Store, user: str, opened: int) -> None:
    """Take ``opened`` articles just marked read by opening them off the reader's kept
    totals, without counting again: a reader going through articles one after another costs
    no count per page (the counts by feed catch up when their kept copy expires)."""
    with _LOCK:
        total = _TOTALS.get(store, {}).get(user)
        if total is not None:
            _TOTALS[store][user] = (total[0], max(0, total[1] - opened))
        counts = _COUNTS.get(store, {}).get(user)
        if counts is not None:
            fewer = UnreadCounts(max(0, counts[1].total - opened), counts[1].by_feed)
            _COUNTS[store][user] = (counts[0], fewer)


def _marks(visit: Visit, ids: Sequence[int]) -> dict[int, ArticleMarks]:
    """The state of ``ids`` for the visit's reader, read once a response for every slot."""
    known: dict[int, ArticleMarks] = visit.memo.setdefault("marks", {})
    missing = [i for i in ids if i not in known]
    if missing and visit.reader is not None:
        for start in range(0, len(missing), MAX_MARK_IDS):  # a long story timeline
            chunk = missing[start : start + MAX_MARK_IDS]
            known.update(visit.store.article_marks(visit.reader.name, chunk))
        with_opened(visit.store, visit.reader.name, known)
    return known


def _ids(arguments: Sequence[str]) -> list[int]:
    return [int(a) for a in arguments if a.isascii() and a.isdigit() and len(a) <= 18]


def mark_forms(article_id: int, marks: ArticleMarks, csrf: str) -> str:
    """The read and star toggles of one article for its reader."""
    token = str(escape(csrf))
    forms = []
    for action, pressed in (
        ("unread" if marks.read else "read", marks.read),
        ("unstar" if marks.starred else "star", marks.starred),
    ):
        kind = "read" if action.endswith("read") else "star"
        forms.append(
            f'<form class="mark" data-action="{action}" method="post" '
            f'action="/articles/{article_id}/{action}">'
            f'<input type="hidden" name="csrf" value="{token}">'
            f'<button type="submit" class="mark-{kind}" aria-pressed="{str(pressed).lower()}">'
            f"{_ACTIONS[action]}</button></form>"
        )
    return f'<span class="marks">{"".join(forms)}</span>'


def _readclass(visit: Visit, arguments: Sequence[str]) -> Mapping[str, str]:
    """The classes of a listed article for its reader: ``is-read``, ``is-starred``."""
    if visit.reader is None:
        return {}
    known = _marks(visit, _ids(arguments))
    classes = {}
    for argument in arguments:
        found = known.get(int(argument)) if argument.isdigit() else None
        if found is not None and (found.read or found.starred):
            names = ("is-read" if found.read else "", "is-starred" if found.starred else "")
            classes[argument] = " ".join(n for n in names if n)
    return classes


def _buttons(visit: Visit, arguments: Sequence[str]) -> Mapping[str, str]:
    if visit.reader is None:
        return {}
    known = _marks(visit, _ids(arguments))
    return {
        a: mark_forms(int(a), known[int(a)], visit.csrf)
        for a in arguments
        if a.isdigit() and int(a) in known
    }


log = logging.getLogger("nutgraf.web")

# Opened articles are recorded read by one thread per process, not on the event loop: the
# article page is served on the loop, and a write that waits for another process's write
# (SQLite has one writer) would hold every other request of this process meanwhile. The
# thread gathers what was opened for ``OPENED_LINGER`` seconds and writes it in one
# transaction (every reader's at once), so a busy site pays one write for many pages, and
# the pages it serves meanwhile seldom wait for the store. One thread keeps this process's
# writes in order. Until a write is done its articles count as read for their reader here
# (``with_opened``), and the reader's own marking waits for it (``wait_for_opened``), so
# "Mark unread" right after opening is never undone by it. A second, not a tenth: each write
# also makes every SQLite connection of the site drop its page cache (the file changed), and
# at a tenth a busy site's signed-in pages paid for it (measured with 1 worker: 600-730
# signed-in article pages a second at 0.1 s, 820-860 at 1 s). Another worker, the apps and
# the unread counts (kept 10 s) see an opened article read at most this much later.
OPENED_LINGER = 1.0
_WRITING: dict[tuple[int, str], dict[int, Future[None]]] = {}  # (store, reader) -> id -> write


class _OpenedWriter:
    """The thread writing opened articles, started on first use."""

    def __init__(self) -> None:
        self._ready = threading.Condition()
        self._queue: list[tuple[Store, str, list[int], Future[None]]] = []
        self._thread: threading.Thread | None = None

    def submit(self, store: Store, user: str, ids: list[int]) -> Future[None]:
        future: Future[None] = Future()
        with self._ready:
            self._queue.append((store, user, ids, future))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="nutgraf-opened", daemon=True
                )
                self._thread.start()
            self._ready.notify()
        return future

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._queue:
                    self._ready.wait()
            time.sleep(OPENED_LINGER)  # let the pages opened meanwhile join this write
            with self._ready:
                batch, self._queue = self._queue, []
            stores: dict[int, list[tuple[Store, str, list[int], Future[None]]]] = {}
            for item in batch:
                stores.setdefault(id(item[0]), []).append(item)
            for items in stores.values():
                _write_opened(items)


def _write_opened(items: list[tuple[Store, str, list[int], Future[None]]]) -> None:
    store = items[0][0]
    try:
        store.set_read_batch([(user, ids) for _, user, ids, _ in items])
    except Exception:  # a failed write loses automatic marks; the pages were served
        log.exception("could not record %d opened articles as read", len(items))
    for *_, future in items:
        future.set_result(None)


_WRITER = _OpenedWriter()


def _opened(store: Store, user: str, ids: list[int]) -> None:
    """Record ``ids`` read for ``user`` in the writer thread."""
    key = (id(store), user)
    with _LOCK:
        future = _WRITER.submit(store, user, ids)
        writing = _WRITING.setdefault(key, {})
        writing.update(dict.fromkeys(ids, future))

    def done(finished: Future[None]) -> None:
        with _LOCK:
            writing = _WRITING.get(key, {})
            for i in ids:
                if writing.get(i) is finished:
                    del writing[i]
            if not writing:
                _WRITING.pop(key, None)

    future.add_done_callback(done)


def with_opened(store: Store, user: str, marks: dict[int, ArticleMarks]) -> None:
    """Count as read, in ``marks``, the articles opened whose write is not done yet."""
    with _LOCK:
        writing = set(_WRITING.get((id(store), user), ()))
    for i in writing & marks.keys():
        marks[i] = ArticleMarks(i, True, marks[i].starred)


def wait_for_opened(store: Store, user: str, timeout: float = 10.0) -> None:
    """Wait until the reader's opened articles are written (call it off the event loop)."""
    with _LOCK:
        futures = set(_WRITING.get((id(store), user), {}).values())
    for future in futures:
        with contextlib.suppress(Exception):
            future.result(timeout)


def flush_opened(store: Store, timeout: float = 10.0) -> None:
    """Wait until every opened article of ``store`` is written: the site's shutdown calls it,
    before its caller closes the store, so no automatic mark is lost to a closed store."""
    with _LOCK:
        futures = {
            future
            for (owner, _), writing in _WRITING.items()
            if owner == id(store)
            for future in writing.values()
        }
    for future in futures:
        with contextlib.suppress(Exception):
            future.result(timeout)


def _open(visit: Visit, arguments: Sequence[str]) -> Mapping[str, str]:
    """The article page, opened: marks its article read when the reader's setting says so.
    Its slot stands in the page's <head>, before every other slot, so the navigation's count
    and the buttons already show the article read; it adds nothing to the page."""
    who = visit.reader
    if who is None:
        return {}
    ids = _ids(arguments)
    known = _marks(visit, ids)
    store = visit.store
    unread = [i for i in ids if i in known and not known[i].read]
    if unread and not store.read_only and reader_settings(store, who.name).mark_on_open:
        _opened(store, who.name, unread)
        count_opened(visit.store, who.name, len(unread))
        for i in unread:
            known[i] = ArticleMarks(i, True, known[i].starred)
    return {}


def _unread(visit: Visit, arguments: Sequence[str]) -> Mapping[str, str]:
    """ "Unread (N)" in the navigation, for a signed-in reader."""
    if visit.reader is None:
        return {}
    total = unread_total(visit.store, visit.reader.name)
    html = f'<a class="unread-link" href="/unread">Unread (<span data-unread>{total}</span>)</a>'
    return dict.fromkeys(arguments, html)


def register() -> None:
    """Add the reading slots to the page fillers (done once, when the routes are made)."""
    FILLERS.update(readclass=_readclass, marks=_buttons, open=_open, unread=_unread)
