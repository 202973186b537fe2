"""``nutgraf backfill``: summarize the stored archive again with the current summarizer.

Opens the archive as the other archive commands do (``--db``, ``NUTGRAF_DB`` or the default
under ``~/.local/share/nutgraf``) and turns every error a user can act on into one
``Error: ...`` line and exit status 1.
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn

import click

from nutgraf.backfill import (
    DEFAULT_BATCH_SIZE,
    BackfillOptions,
    BackfillReport,
    backfill_local,
    backfill_ray,
)
from nutgraf.cli.archive import db_option
from nutgraf.cli.output import echo, fail
from nutgraf.errors import NutgrafError
from nutgraf.store import archive_location, open_store


@click.command("backfill")
@db_option
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="local: this process or a process pool; ray: Ray Data (pip install 'nutgraf[ray]').",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=DEFAULT_BATCH_SIZE,
    show_default=True,
    help="Articles read, summarized and committed together; a checkpoint after each batch.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes (local) or Ray tasks (ray) summarizing at once; default: the CPUs.",
)
@click.option(
    "--all",
    "force",
    is_flag=True,
    help="Summarize every article again, also those the current summarizer wrote.",
)
@click.option(
    "--restart", is_flag=True, help="Start from the first article, not from the checkpoint."
)
def backfill_command(
    db: str | None,
    engine: str,
    batch_size: int,
    workers: int | None,
    force: bool,
    restart: bool,
) -> None:
    """Summarize the archive again with this version's summarizer.

    Articles whose summary an older summarizer wrote are summarized now and their summary
    replaced where it differs; articles the current one wrote are skipped (unless --all).
    Batches go in order of article id, each committed before the checkpoint records it, so
    a killed backfill, run again, continues where it stopped. The last line is 'N articles
    read, N rewritten, N unchanged ... N a second'.
    """
    options = BackfillOptions(
        batch_size=batch_size,
        workers=workers or os.cpu_count() or 1,
        force=force,
        restart=restart,
    )
    run = backfill_ray if engine == "ray" else backfill_local
    progress = _progress if sys.stderr.isatty() else None
    try:
        _require_writable(archive_location(db))
        report = run(archive_location(db), options, progress)
    except NutgrafError as error:
        _fail(str(error))
    if progress is not None:
        click.echo("\r\033[K", nl=False, err=True)
    if report.tally.read == 0 and report.start > 0:
        echo(
            f"Nothing to do: done up to article {report.start} already (--restart to go over "
            "the archive again)."
        )
        return
    echo(report.line())


def _require_writable(location: str) -> None:
    """Refuse a read-only archive before any article is summarized."""
    store = open_store(location)
    try:
        store.require_writable()
    finally:
        store.close()


def _progress(report: BackfillReport) -> None:
    t = report.tally
    click.echo(
        f"\r\033[Kbackfill: up to article {report.position}: {t.read:,} read, "
        f"{t.rewritten:,} rewritten, {report.per_second:,.0f} a second",
        nl=False,
        err=True,
    )


def _fail(message: str) -> NoReturn:
    fail(message)
