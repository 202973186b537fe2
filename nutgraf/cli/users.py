"""``nutgraf users``: the site's users (add, list, remove, passwd). Thin shells over the
archive's user queries and ``nutgraf.accounts``.

A password never comes from the command line, where ``ps`` and the shell's history would show
it: it is read from the first line of ``--password-file`` (``-``: standard input), or asked
for twice, hidden, on a terminal.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from nutgraf.accounts import (
    MAX_NAME_CHARS,
    MAX_PASSWORD_BYTES,
    check_password,
    fever_key,
    hash_password,
    user_name,
)
from nutgraf.cli.archive import _archive, db_option
from nutgraf.cli.output import echo_json, echo_line, fail
from nutgraf.errors import NutgrafError
from nutgraf.store.records import User

# A password file's first line is read up to this many bytes: past it, it is no password.
_MAX_LINE_BYTES = MAX_PASSWORD_BYTES + 2

_password_file = click.option(
    "--password-file",
    "password_file",
    metavar="FILE",
    default=None,
    help="Read the password from the first line of FILE ('-': standard input) instead of "
    "asking for it on the terminal.",
)


def read_password_file(path: str) -> str:
    """The first line of ``path`` (``-``: standard input), its line break taken off."""
    try:
        if path == "-":
            raw = sys.stdin.buffer.readline(_MAX_LINE_BYTES + 1)
        else:
            with Path(path).open("rb") as handle:
                raw = handle.readline(_MAX_LINE_BYTES + 1)
    except OSError as error:
        raise NutgrafError(f"cannot read the password file {path}: {error.strerror}") from None
    if len(raw) > _MAX_LINE_BYTES:
        raise NutgrafError(f"a password is at most {MAX_PASSWORD_BYTES} bytes")
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise NutgrafError(f"the password file {path} is not UTF-8 text") from None
    return line.removesuffix("\n").removesuffix("\r")


def _password(password_file: str | None) -> str:
    """A checked password: from the file, or asked twice on the terminal."""
    if password_file is not None:
        return check_password(read_password_file(password_file))
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise NutgrafError(
            "no password: give --password-file FILE (or '-' for standard input), or run this "
            "on a terminal to be asked for one"
        )
    while True:
        password = str(click.prompt("Password", hide_input=True, confirmation_prompt=True))
        try:
            return check_password(password)
        except NutgrafError as error:
            click.echo(f"{error}; try again", err=True)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@click.group("users")
def users_group() -> None:
    """The site's users: who may sign in at /login, and who is an admin."""


@users_group.command("add")
@click.argument("name")
@_password_file
@click.option("--admin", is_flag=True, help="An admin: manages feeds and users on the site.")
@db_option
def users_add_command(name: str, password_file: str | None, admin: bool, db: str | None) -> None:
    """Add the user NAME (letters a-z, digits, '.', '_', '-'; case is ignored)."""
    try:
        folded = user_name(name)
        password_hash = hash_password(_password(password_file))
    except NutgrafError as error:
        fail(str(error))
    with _archive(db, write=True) as store:
        if not store.add_user(User(folded, password_hash, admin, _now())):
            fail(f"there is already a user {folded}; nutgraf users passwd {folded} changes theirs")
    echo_line(f"Added {'the admin' if admin else 'the user'} {folded}")


@users_group.command("list")
@db_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def users_list_command(db: str | None, as_json: bool) -> None:
    """List the users: name, admin or not, when added."""
    with _archive(db) as store:
        users = store.users()
    for user in users:
        if as_json:
            echo_json({"name": user.name, "admin": user.admin, "created": user.created})
        else:
            role = "admin" if user.admin else "reader"
            echo_line(f"{user.name:<{MAX_NAME_CHARS}}  {role:<6}  {user.created}")


@users_group.command("remove")
@click.argument("name")
@db_option
def users_remove_command(name: str, db: str | None) -> None:
    """Remove the user NAME and end their sessions."""
    folded = name.strip().lower()
    with _archive(db, write=True) as store:
        if not store.remove_user(folded):
            fail(f"there is no user {folded}; see nutgraf users list")
    echo_line(f"Removed the user {folded}")


@users_group.command("passwd")
@click.argument("name")
@_password_file
@db_option
def users_passwd_command(name: str, password_file: str | None, db: str | None) -> None:
    """Set a new password for NAME; their sessions end (they sign in again)."""
    folded = name.strip().lower()
    with _archive(db, write=True) as store:
        if store.user(folded) is None:
            fail(f"there is no user {folded}; see nutgraf users list")
        try:
            password_hash = hash_password(_password(password_file))
        except NutgrafError as error:
            fail(str(error))
        store.set_password(folded, password_hash)
    echo_line(f"Set a new password for {folded}; their sessions have ended")


@users_group.command("api-password")
@click.argument("name")
@_password_file
@click.option("--clear", is_flag=True, help="Take the API password away: apps use none.")
@db_option
def users_api_password_command(
    name: str, password_file: str | None, clear: bool, db: str | None
) -> None:
    """Set a separate password for NAME's apps (Google Reader and Fever API clients); their
    app sessions end. Without one, apps sign in with the account password and Fever is off."""
    folded = name.strip().lower()
    with _archive(db, write=True) as store:
        if store.user(folded) is None:
            fail(f"there is no user {folded}; see nutgraf users list")
        if clear:
            store.set_api_password(folded, None, None)
            echo_line(f"Cleared the API password of {folded}; apps use the account password")
            return
        try:
            password = _password(password_file)
            api_hash = hash_password(password)
        except NutgrafError as error:
            fail(str(error))
        store.set_api_password(folded, api_hash, fever_key(folded, password))
    echo_line(f"Set an API password for {folded}; their app sessions have ended")


USERS_COMMANDS = (users_group,)
