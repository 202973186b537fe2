"""``nutgraf serve``: the reading site over an archive, with uvicorn, and (unless
``--no-poll``) a thread in the serving process that polls the archive's feeds
(``batch.poller``): one poller however many ``--workers`` answer requests, as the workers
are processes of their own and the poller lives in their parent. Its feed leases keep it
from polling a feed that a ``nutgraf dispatch`` or another ``serve`` has in hand.
"""

from __future__ import annotations

import ipaddress
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import click

from nutgraf.cli.output import fail
from nutgraf.config import Settings, load_settings
from nutgraf.errors import NutgrafError
from nutgraf.store import archive_location

DEMO_DB = "nutgraf-demo.db"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_archive(path: str) -> bool:
    """Open the SQLite archive once before the server starts, as for PostgreSQL: a file that is
    not an archive is one error line now, not a traceback in every worker. An empty file is
    no archive yet (opening it would make one)."""
    from nutgraf.store import open_store

    if Path(path).stat().st_size == 0:
        raise NutgrafError(
            f"{path} is empty, not an archive yet; ingest something first (nutgraf ingest "
            f"--db {path} SOURCE...) or try nutgraf serve --demo"
        )
    store = open_store(path)
    read_only = store.read_only
    if read_only:
        click.echo(
            "note: the archive is read-only: the site shows it, the admin pages cannot change "
            "it, and no feed is polled",
            err=True,
        )
    store.close()
    return read_only


def _has_users(path: str) -> bool:
    from nutgraf.store import open_store

    store = open_store(path)
    try:
        return bool(store.users())
    finally:
        store.close()


def _no_archive(path: str, *, given: bool) -> str:
    """One line: there is no archive at ``path`` yet, and the command that makes one."""
    if given:
        return (
            f"{path} does not exist; ingest something first (nutgraf ingest --db {path} "
            "SOURCE...) or try nutgraf serve --demo"
        )
    return (
        f"no archive yet at {path}; make one with nutgraf ingest SOURCE... (or nutgraf "
        "add-feed URL), or try nutgraf serve --demo"
    )


@click.command("serve")
@click.option(
    "--db",
    default=None,
    help="The archive, a SQLite file or a postgresql:// URL; default $NUTGRAF_DB or "
    "~/.local/share/nutgraf/nutgraf.db, as for every command.",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Processes answering requests (one per core is plenty).",
)
@click.option(
    "--demo",
    is_flag=True,
    help=f"Serve the demo archive, building it first (its own file: --db, or {DEMO_DB}); "
    "it is never polled (the demo reads no network).",
)
@click.option(
    "--poll/--no-poll",
    default=True,
    show_default=True,
    help="Poll the archive's feeds while serving (--no-poll: leave it to nutgraf poll or "
    "nutgraf dispatch).",
)
def serve_command(
    db: str | None, host: str, port: int, workers: int, demo: bool, poll: bool
) -> None:
    """Serve the reading site, its JSON twins, feeds and admin pages, polling the feeds."""
    import uvicorn

    try:
        settings = load_settings()
        # The demo never lands in the archive NUTGRAF_DB names: it has a file of its own.
        path = (db or DEMO_DB) if demo else archive_location(db)
        postgres = path.startswith(("postgres://", "postgresql://"))
        if postgres and demo:
            raise NutgrafError("--demo builds a SQLite file; give it a path, not a URL")
        shown = path
        if postgres:
            from nutgraf.store import open_store
            from nutgraf.store.postgres import redact

            open_store(path).close()  # one error line now, not one in every worker
            shown = redact(path)
        elif demo:
            from nutgraf.demo import build_demo

            tally = build_demo(Path(path), settings)
            click.echo(f"demo archive {path}: {tally.summary_line()}", err=True)
        elif not Path(path).is_file():
            raise NutgrafError(_no_archive(path, given=db is not None))
        if not postgres and _check_archive(path):
            poll = False
        local = is_loopback(host)
        if not local and settings.allowed_hosts is None and settings.base_url is None:
            click.echo(
                "note: answering any Host name (listening beyond loopback; set allowed_hosts "
                "or base_url, NUTGRAF_ALLOWED_HOSTS or NUTGRAF_BASE_URL, to name the site's)",
                err=True,
            )
        if not settings.public and not _has_users(path):
            click.echo(
                "note: the site is private (public = false) and has no users yet: nobody can "
                "read it; add one with nutgraf users add NAME",
                err=True,
            )
        if not local and not settings.admin_token:
            click.echo(
                "note: admin pages are off (listening beyond loopback without an admin token; "
                "set NUTGRAF_ADMIN_TOKEN to turn them on)",
                err=True,
            )
    except NutgrafError as error:
        fail(str(error))
    os.environ["NUTGRAF_DB"] = path if postgres else str(Path(path).resolve())
    os.environ["NUTGRAF_SERVE_LOCAL"] = "1" if local else "0"
    os.environ["NUTGRAF_SERVE_HOST"] = host
    click.echo(f"serving {shown} on http://{host}:{port}/", err=True)
    with _quiet_signals() as stopping, _polling(path, settings, on=poll and not demo):
        from nutgraf.web.workers import UVICORN_OPTIONS, reuse_port_supported

        if workers > 1 and reuse_port_supported():
            _run_workers(host, port, workers)
        else:
            uvicorn.run(APP, factory=True, host=host, port=port, workers=workers, **UVICORN_OPTIONS)
        stopping.set()


def _run_workers(host: str, port: int, workers: int) -> None:
    """``workers`` processes, each listening on the address (``nutgraf.web.workers``)."""
    from nutgraf.web.workers import ServerOptions, WorkerFailed, run_workers

    try:
        run_workers(ServerOptions(APP, host, port), workers)
    except OSError as error:
        fail(f"cannot listen on {host}:{port}: {error.strerror or error}")
    except WorkerFailed as error:
        fail(str(error))


APP = "nutgraf.web.server:app_from_environment"


@contextmanager
def _polling(path: str, settings: Settings, *, on: bool) -> Iterator[None]:
    """The poller thread, over a store of its own, while the block runs; it stops (and is
    waited for: the feeds in hand finish) when the block ends."""
    if not on:
        yield
        return
    from nutgraf.batch.poller import run_poller
    from nutgraf.store import open_store

    try:
        store = open_store(path)
    except NutgrafError as error:
        fail(str(error))
    stop = threading.Event()
    poller = threading.Thread(
        target=run_poller,
        args=(store, settings, stop),
        kwargs={"report": lambda line: click.echo(line, err=True)},
        name="nutgraf-poller",
        daemon=True,  # a second Ctrl+C does not wait for it
    )
    click.echo("polling the feeds as they come due (--no-poll: not)", err=True)
    poller.start()
    try:
        yield
    finally:
        stop.set()
        poller.join()
        store.close()


@contextmanager
def _quiet_signals() -> Iterator[threading.Event]:
    """Stop on SIGINT or SIGTERM with status 0 and no traceback. uvicorn shuts down on
    either, then raises what it caught again under the handlers it found: these, which only
    note it. Once the caller sets the event it is given (the site has stopped; the poller
    finishes its feeds), a further signal exits at once, status 1."""
    stopping = threading.Event()

    def note(_number: int, _frame: FrameType | None) -> None:
        if stopping.is_set():
            raise SystemExit(1)

    previous = {sig: signal.signal(sig, note) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stopping
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
