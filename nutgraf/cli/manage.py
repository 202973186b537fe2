"""The commands that take things out of the archive: ``feeds`` (which still lists, and now
has ``remove``, ``disable`` and ``enable``), ``delete`` and ``purge``. Thin shells over
``nutgraf.manage``; each change is one transaction."""

from __future__ import annotations

import click

from nutgraf.cli.archive import _archive, db_option, feeds_command
from nutgraf.cli.output import echo_line
from nutgraf.config import MAX_RETENTION_DAYS
from nutgraf.manage import (
    Deletion,
    delete_articles,
    disable_feed,
    enable_feed,
    purge,
    remove_feed,
)


@click.group(
    "feeds",
    invoke_without_command=True,
    params=list(feeds_command.params),
    help="List the subscribed feeds (status, last error, next check), or manage one.",
)
@click.pass_context
def feeds_group(ctx: click.Context, db: str | None, as_json: bool) -> None:
    if ctx.invoked_subcommand is None:
        ctx.invoke(feeds_command, db=db, as_json=as_json)


@feeds_group.command("remove")
@click.argument("url")
@db_option
@click.option(
    "--with-articles", is_flag=True, help="Delete the articles stored from it too (as delete)."
)
def feeds_remove_command(url: str, db: str | None, with_articles: bool) -> None:
    """Unsubscribe from the feed at URL; its articles stay unless --with-articles."""
    with _archive(db, write=True) as store:
        state, deletion = remove_feed(store, url, with_articles=with_articles)
        echo_line(f"Removed the feed {state.title or state.url} ({state.url})")
        if with_articles:
            _report(deletion)


@feeds_group.command("disable")
@click.argument("url")
@db_option
def feeds_disable_command(url: str, db: str | None) -> None:
    """Stop polling the feed at URL (it stays subscribed, its articles stay)."""
    with _archive(db, write=True) as store:
        state = disable_feed(store, url)
        echo_line(f"Disabled {state.url}: {state.disabled_reason}")


@feeds_group.command("enable")
@click.argument("url")
@db_option
def feeds_enable_command(url: str, db: str | None) -> None:
    """Poll the feed at URL again, from now, its failures forgotten."""
    with _archive(db, write=True) as store:
        state = enable_feed(store, url)
        echo_line(f"Enabled {state.url}; next check {state.next_check}")


@click.command("delete")
@click.argument("ids", nargs=-1, required=True, type=click.IntRange(1, 2**63 - 1), metavar="ID...")
@db_option
def delete_command(ids: tuple[int, ...], db: str | None) -> None:
    """Delete articles by id (see search or export), from search, stories and Read also.

    A deleted article's copies stay: the earliest becomes the original. The exit status is
    1 when an id does not exist (the others are deleted).
    """
    with _archive(db, write=True) as store:
        deletion = delete_articles(store, ids)
    _report(deletion)
    if deletion.missing:
        echo_line(f"Error: no article has the id {', '.join(map(str, deletion.missing))}", err=True)
        raise SystemExit(1)


@click.command("purge")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(0, MAX_RETENTION_DAYS),
    required=True,
    metavar="DAYS",
    help="Delete the articles sorted (published, else fetched) more than DAYS days ago.",
)
@db_option
@click.option("--dry-run", is_flag=True, help="Only say how many would go.")
def purge_command(days: int, db: str | None, dry_run: bool) -> None:
    """Delete old articles (as delete does). The setting retention_days makes poll do it."""
    with _archive(db, write=True) as store:
        done = purge(store, days, dry_run=dry_run)
    if done.dry_run:
        echo_line(f"{len(done.ids)} articles from before {done.cutoff} would be deleted")
    elif done.deletion is None:
        echo_line(f"No articles from before {done.cutoff}")
    else:
        _report(done.deletion)


def _report(deletion: Deletion) -> None:
    line = f"{len(deletion.deleted)} articles deleted"
    if deletion.promoted:
        line += f", {len(deletion.promoted)} copies became originals"
    if deletion.stories:
        line += f", {deletion.stories} stories updated"
    echo_line(line)


MANAGE_COMMANDS = (feeds_group, delete_command, purge_command)
