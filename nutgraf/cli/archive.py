"""The archive's commands: ingest, add-feed, feeds, poll, search, export (``feeds`` is
registered with its subcommands by ``nutgraf.cli.manage``).

What ingest, add-feed and poll store is grouped into stories before they finish
(``update_stories``: a no-op costing two reads when nothing is new).

Each opens the store named by ``--db`` (or ``NUTGRAF_DB``, or the default under
``~/.local/share/nutgraf``), does its work through the library, and turns every error a user
can act on into one ``Error: ...`` line and exit status 1.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, NoReturn

import click

from nutgraf.batch.ingest import Ingestor, Tally, utc_now
from nutgraf.batch.poll import add_feed, poll_due
from nutgraf.cli.output import echo, echo_json, echo_line, fail
from nutgraf.config import Settings, load_settings
from nutgraf.controls import strip_controls
from nutgraf.errors import NutgrafError
from nutgraf.manage import apply_retention, feeds_opml
from nutgraf.serialize import stored_json
from nutgraf.store import Store, open_store
from nutgraf.stories.archive import story_options, update_stories

db_option = click.option(
    "--db",
    "db",
    metavar="PATH",
    default=None,
    help="The archive, a SQLite file or a postgresql:// URL; default $NUTGRAF_DB or "
    "~/.local/share/nutgraf/nutgraf.db.",
)
_json = click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")


@contextmanager
def _archive(db: str | None, *, write: bool = False) -> Iterator[Store]:
    """The store, with every NutgrafError turned into one ``Error:`` line. A command that
    will ``write`` is refused a read-only archive at once, before any work; a read-only
    archive serves the others."""
    try:
        store = open_store(db)
    except NutgrafError as error:
        _fail(str(error))
    try:
        if write:
            store.require_writable()
        yield store
    except NutgrafError as error:
        _fail(str(error))
    finally:
        store.close()


@click.command("ingest")
@click.argument("sources", nargs=-1, required=True, metavar="SOURCE...")
@db_option
@click.option("--quiet", is_flag=True, help="No progress and no notes, only errors and the tally.")
def ingest_command(sources: tuple[str, ...], db: str | None, quiet: bool) -> None:
    """Ingest files, folders, URLs, feeds, OPML lists, or '-' (stdin) into the archive.

    The last line is 'N new, N updated, N unchanged, N duplicates, N failed', then what the
    rules kept out, if anything ('N blocked by rule 3'); each failure is listed on its own
    line, and the exit status is 1 when anything failed.
    """
    settings = _settings()
    with _archive(db, write=True) as store:
        show = sys.stderr.isatty() and not quiet
        started = time.monotonic()
        with Ingestor(store, settings, progress=_progress() if show else None) as ingestor:
            tally = ingestor.run(sources)
        update_stories(store, options=story_options(settings))
        if show:
            click.echo("\r\033[K", nl=False, err=True)
        _report(tally, quiet, time.monotonic() - started)


@click.command("add-feed")
@click.argument("url")
@db_option
@click.option("--title", default=None, help="A name for the feed (default: the feed's own).")
@click.option("--category", default=None, help="A folder for it, as in OPML.")
def add_feed_command(url: str, db: str | None, title: str | None, category: str | None) -> None:
    """Subscribe to a feed and ingest what it holds now.

    The URL is fetched and checked first: a web page is refused, naming the feeds it
    advertises.
    """
    settings = _settings()
    with _archive(db, write=True) as store:
        state, tally = add_feed(store, settings, url, title=title, category=category)
        update_stories(store, options=story_options(settings))
        done = "Subscribed to" if tally.subscribed else "Already subscribed to"
        echo_line(f"{done} {state.title or state.url} ({state.url})")
        _report(tally, False, None, lists=False)


@click.command("feeds")
@db_option
@_json
def feeds_command(db: str | None, as_json: bool) -> None:
    """List the subscribed feeds: status, last error and next check."""
    with _archive(db) as store:
        feeds = store.feeds()
        for feed in feeds:
            status = (
                f"disabled: {feed.disabled_reason}"
                if feed.disabled_reason
                else f"failing ({feed.failures}x)"
                if feed.failures
                else "ok"
                if feed.last_success
                else "new"
            )
            if as_json:
                _print_json(
                    {
                        "id": feed.id,
                        "url": feed.url,
                        "title": feed.title,
                        "site": feed.site,
                        "category": feed.category,
                        "status": status,
                        "failures": feed.failures,
                        "last_error": feed.last_error,
                        "last_checked": feed.last_checked,
                        "last_success": feed.last_success,
                        "next_check": feed.next_check,
                        "disabled_reason": feed.disabled_reason,
                    }
                )
                continue
            echo_line(f"{feed.id:>4}  {status:<12.60}  {feed.title or '-'}  <{feed.url}>")
            if feed.last_error:
                echo_line(f"      last error: {feed.last_error}")
            if not feed.disabled_reason:
                echo(f"      next check: {feed.next_check or 'now'}")
        if not feeds and not as_json:
            echo("No feeds yet. Add one: nutgraf add-feed URL")


@click.command("poll")
@db_option
@click.option("--once", is_flag=True, help="Poll the feeds that are due, then stop.")
def poll_command(db: str | None, once: bool) -> None:
    """Poll due feeds politely (conditional GET, per-host limits, backoff on failure)."""
    settings = _settings()
    with _archive(db, write=True) as store:
        try:
            while True:
                polled = poll_due(store, settings)
                purged = apply_retention(store, settings)
                update_stories(store, options=story_options(settings))
                for state, tally in polled:
                    if state.last_error:
                        echo_line(
                            f"{state.url}: failed ({state.last_error}); "
                            f"next check {state.next_check}"
                        )
                    else:
                        echo_line(f"{state.url}: {tally.summary_line()}")
                if purged is not None and purged.deletion is not None:
                    echo(
                        f"retention: {len(purged.ids)} articles from before {purged.cutoff} deleted"
                    )
                if once:
                    if not polled:
                        echo_line(_nothing_due(store))
                    if any(state.last_error for state, _ in polled):
                        sys.exit(1)
                    return
                _wait_until_due(store)
        except KeyboardInterrupt:
            echo("Stopped; what was polled is stored.", err=True)


@click.command("search")
@click.argument("query")
@db_option
@_json
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True)
@click.option("--offset", type=click.IntRange(min=0), default=0)
@click.option(
    "--ranked",
    is_flag=True,
    help="Best match first (of the newest 5,000 matches) instead of newest first.",
)
def search_command(
    query: str, db: str | None, as_json: bool, limit: int, offset: int, ranked: bool
) -> None:
    """Search the archive: every word must match; newest first unless --ranked."""
    with _archive(db) as store:
        found = store.search(query, limit=limit, offset=offset, ranked=ranked)
        for stored in found:
            if as_json:
                _print_json(stored_json(stored))
            else:
                article = stored.item.article
                when = (article.published or stored.item.fetched)[:10]
                echo_line(f"{stored.id:>6}  {when}  {article.title or '(untitled)'}")
                source = article.source or stored.item.site or stored.item.url
                if source:
                    echo_line(f"        {source}")
        if not found and not as_json:
            echo(f"No articles match {query!r}.")


@click.command("export")
@db_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "opml"]),
    default="jsonl",
    show_default=True,
    help="jsonl: every article with every stored field; opml: the subscribed feeds.",
)
def export_command(db: str | None, fmt: str) -> None:
    """Write the archive to standard output."""
    with _archive(db) as store:
        if fmt == "opml":
            sys.stdout.buffer.write(feeds_opml(store.feeds()))
            return
        for stored in store.articles():
            _print_json(stored_json(stored))


ARCHIVE_COMMANDS = (
    ingest_command,
    add_feed_command,
    poll_command,
    search_command,
    export_command,
)


def _report(tally: Tally, quiet: bool, seconds: float | None, *, lists: bool = True) -> None:
    """The run's notes, failures and counts; ``lists``: say how many feeds OPML lists
    subscribed to."""
    if not quiet:
        for source, note in tally.notes:
            echo_line(f"note: {source}: {note}", err=True)
        if tally.subscribed and lists:
            echo(f"Subscribed to {tally.subscribed} new feed(s).", err=True)
    for source, reason in tally.failures:
        echo_line(f"Error: {source}: {reason}", err=True)
    echo(tally.summary_line())
    if tally.failures:
        sys.exit(1)


def _progress() -> Callable[[int, int, str], None]:
    """A progress bar on one terminal line: a bar, done/total, and the item in hand."""

    def show(done: int, total: int, label: str) -> None:
        columns = shutil.get_terminal_size().columns
        filled = round(20 * done / total) if total else 0
        head = f"[{'#' * filled}{'.' * (20 - filled)}] {done}/{total} "
        label = strip_controls(label)[: max(10, columns - len(head) - 1)]
        click.echo(f"\r\033[K{head}{label}", nl=False, err=True)

    return show


# A sleeping `poll` looks at the feeds this often (seconds), so a feed that another command
# subscribes to or makes due (`ingest subs.opml` adds feeds due at once) is polled within
# seconds, not when a long sleep ends. A look costs 7 ms with 1,000 feeds (measured).
POLL_CHECK_SECONDS = 2.0
# The least pause between two rounds, so a feed that stays due can never make a busy loop.
POLL_MIN_PAUSE = 1.0


def _nothing_due(store: Store) -> str:
    """What ``poll --once`` says when no feed was due: when the next one is."""
    waiting = [f for f in store.feeds() if not f.disabled_reason and f.next_check]
    if not waiting:
        return "No feed is due: none is subscribed and enabled (nutgraf add-feed URL)."
    first = min(waiting, key=lambda f: f.next_check or "")
    return f"No feed is due; the next is {first.url}, due at {first.next_check}."


def _wait_until_due(store: Store) -> None:
    """Sleep until a feed is due, looking again every ``POLL_CHECK_SECONDS``."""
    time.sleep(POLL_MIN_PAUSE)
    while (left := _seconds_to_next(store)) > 0:
        time.sleep(min(left, POLL_CHECK_SECONDS))


def _seconds_to_next(store: Store) -> float:
    """Seconds until the next feed is due: 0 when one is due now (or was never checked),
    ``POLL_CHECK_SECONDS`` when there is none to wait for. Never early: the times are whole
    seconds and ``utc_now`` rounds down, so the wait errs long by under a second."""
    upcoming = [f.next_check for f in store.feeds() if not f.disabled_reason]
    if not upcoming:
        return POLL_CHECK_SECONDS
    if None in upcoming:
        return 0.0
    delta = _instant(min(u for u in upcoming if u)) - _instant(utc_now())
    return max(0.0, delta.total_seconds())


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _settings() -> Settings:
    try:
        return load_settings()
    except NutgrafError as error:
        _fail(str(error))


def _print_json(value: dict[str, Any]) -> None:
    echo_json(value)


def _fail(message: str) -> NoReturn:
    fail(message)
