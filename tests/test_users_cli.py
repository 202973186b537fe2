"""``nutgraf users``: add, list, remove, passwd; passwords from a file or a real terminal,
never from the command line."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from nutgraf.accounts import verify_password
from nutgraf.cli import main
from nutgraf.store import SQLiteStore
from nutgraf.store.sessions import Session

PASSWORD = "correct horse battery"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "archive.db"


def password_file(tmp_path: Path, text: str, name: str = "pw.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def stored_hash(db: Path, name: str) -> str:
    with SQLiteStore(db) as store:
        user = store.user(name)
    assert user is not None
    return user.password_hash


def test_add_from_a_password_file_then_list(db: Path, tmp_path: Path) -> None:
    secret = password_file(tmp_path, PASSWORD + "\nsecond line is not read\n")
    code, out, err = invoke("users", "add", "Ann", "--password-file", str(secret), "--db", str(db))
    assert (code, err) == (0, "")
    assert out == "Added the user ann\n"
    assert verify_password(stored_hash(db, "ann"), PASSWORD)
    assert not verify_password(stored_hash(db, "ann"), PASSWORD + "\n")
    windows = password_file(tmp_path, "another password\r\n", "crlf.txt")
    code, out, _ = invoke(
        "users", "add", "bob", "--admin", "--password-file", str(windows), "--db", str(db)
    )
    assert (code, out) == (0, "Added the admin bob\n")
    assert verify_password(stored_hash(db, "bob"), "another password")
    code, out, _ = invoke("users", "list", "--db", str(db))
    lines = [line.split() for line in out.splitlines()]
    assert [(name, role) for name, role, _ in lines] == [("ann", "reader"), ("bob", "admin")]
    code, out, _ = invoke("users", "list", "--json", "--db", str(db))
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["name"], r["admin"]) for r in rows] == [("ann", False), ("bob", True)]
    assert all(r["created"].endswith("Z") for r in rows)


def test_password_from_standard_input_with_a_dash(db: Path) -> None:
    code, _, err = invoke(
        "users", "add", "ann", "--password-file", "-", "--db", str(db), stdin=PASSWORD + "\n"
    )
    assert (code, err) == (0, "")
    assert verify_password(stored_hash(db, "ann"), PASSWORD)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("ann", "short\n", "Error: a password is at least 8 characters\n"),
        ("ann", "x" * 1025 + "\n", "Error: a password is at most 1024 bytes\n"),
        (
            "admin",
            PASSWORD,
            "Error: 'admin' is taken by the admin token's sessions; choose another name\n",
        ),
        (
            "ann!",
            PASSWORD,
            "Error: a user name is letters a-z, digits, '.', '_' and '-', "
            "starting with a letter or digit: 'ann!' is not one\n",
        ),
        ("a" * 33, PASSWORD, "Error: a user name is at most 32 characters\n"),
    ],
)
def test_bad_names_and_passwords_are_one_error_line(
    db: Path, tmp_path: Path, name: str, text: str, message: str
) -> None:
    secret = password_file(tmp_path, text)
    code, out, err = invoke("users", "add", name, "--password-file", str(secret), "--db", str(db))
    assert (code, out, err) == (1, "", message)


def test_errors_for_a_taken_name_a_missing_user_and_a_missing_file(
    db: Path, tmp_path: Path
) -> None:
    secret = str(password_file(tmp_path, PASSWORD))
    assert invoke("users", "add", "ann", "--password-file", secret, "--db", str(db))[0] == 0
    code, _, err = invoke("users", "add", "ANN", "--password-file", secret, "--db", str(db))
    assert (code, err) == (
        1,
        "Error: there is already a user ann; nutgraf users passwd ann changes theirs\n",
    )
    code, _, err = invoke("users", "remove", "carl", "--db", str(db))
    assert (code, err) == (1, "Error: there is no user carl; see nutgraf users list\n")
    code, _, err = invoke("users", "passwd", "carl", "--password-file", secret, "--db", str(db))
    assert (code, err) == (1, "Error: there is no user carl; see nutgraf users list\n")
    missing = str(tmp_path / "nope.txt")
    code, _, err = invoke("users", "passwd", "ann", "--password-file", missing, "--db", str(db))
    assert (code, err) == (
        1,
        f"Error: cannot read the password file {missing}: No such file or directory\n",
    )


def test_no_password_on_the_command_line_and_none_without_a_terminal(db: Path) -> None:
    code, _, err = invoke("users", "add", "ann", "--password", PASSWORD, "--db", str(db))
    assert code == 2 and "No such option '--password'" in err
    code, out, err = invoke("users", "add", "ann", "--db", str(db), stdin="")
    assert (code, out) == (1, "")
    assert err == (
        "Error: no password: give --password-file FILE (or '-' for standard input), or run "
        "this on a terminal to be asked for one\n"
    )
    with SQLiteStore(db) as store:
        assert store.users() == []


def test_passwd_and_remove_end_the_users_sessions(db: Path, tmp_path: Path) -> None:
    first = str(password_file(tmp_path, PASSWORD, "one.txt"))
    second = str(password_file(tmp_path, "a brand new password", "two.txt"))
    invoke("users", "add", "ann", "--password-file", first, "--db", str(db))
    now, later = "2026-12-07T10:00:00Z", "2099-01-01T00:00:00Z"
    with SQLiteStore(db) as store:
        store.start_session(Session("k1", "ann", False, "x", now, later), now)
    code, out, _ = invoke("users", "passwd", "ann", "--password-file", second, "--db", str(db))
    assert (code, out) == (0, "Set a new password for ann; their sessions have ended\n")
    assert verify_password(stored_hash(db, "ann"), "a brand new password")
    with SQLiteStore(db) as store:
        assert store.session("k1", now) is None
        store.start_session(Session("k2", "ann", False, "x", now, later), now)
    code, out, _ = invoke("users", "remove", "Ann", "--db", str(db))
    assert (code, out) == (0, "Removed the user ann\n")
    with SQLiteStore(db) as store:
        assert store.user("ann") is None and store.session("k2", now) is None


class Terminal:
    """The real command in a child process on a pseudo-terminal, as a person runs it."""

    def __init__(self, *args: str) -> None:
        self.leader, follower = pty.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "nutgraf", *args],
            stdin=follower,
            stdout=follower,
            stderr=follower,
            close_fds=True,
        )
        os.close(follower)
        self.seen = b""
        self.read = 0  # what expect has matched up to

    def expect(self, text: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while text.encode() not in self.seen[self.read :]:
            assert time.monotonic() < deadline, f"no {text!r} in {self.seen!r}"
            ready, _, _ = select.select([self.leader], [], [], 0.2)
            if ready:
                try:
                    self.seen += os.read(self.leader, 4096)
                except OSError:  # the child is gone
                    assert text.encode() in self.seen[self.read :], f"no {text!r} in {self.seen!r}"
        self.read = self.seen.index(text.encode(), self.read) + len(text)

    def send(self, line: str) -> None:
        os.write(self.leader, line.encode() + b"\n")

    def finish(self) -> int:
        code = self.process.wait(timeout=60)
        try:
            while chunk := os.read(self.leader, 4096):
                self.seen += chunk
        except OSError:
            pass
        os.close(self.leader)
        return code


def test_the_password_is_asked_twice_hidden_on_a_terminal(db: Path) -> None:
    terminal = Terminal("users", "add", "ann", "--admin", "--db", str(db))
    terminal.expect("Password: ")
    terminal.send("short")
    terminal.expect("Repeat for confirmation: ")
    terminal.send("short")
    terminal.expect("a password is at least 8 characters; try again")
    terminal.expect("Password: ")
    terminal.send(PASSWORD)
    terminal.expect("Repeat for confirmation: ")
    terminal.send(PASSWORD + " but different")
    terminal.expect("Error: The two entered values do not match.")
    terminal.expect("Password: ")
    terminal.send(PASSWORD)
    terminal.expect("Repeat for confirmation: ")
    terminal.send(PASSWORD)
    assert terminal.finish() == 0
    assert b"Added the admin ann" in terminal.seen
    assert PASSWORD.encode() not in terminal.seen  # hidden: the terminal did not echo it
    assert verify_password(stored_hash(db, "ann"), PASSWORD)


def test_an_api_password_is_set_and_cleared_apart_from_the_account_password(
    db: Path, tmp_path: Path
) -> None:
    """Issue 18: apps sign in with the API password once there is one; Fever finds the user
    by md5("name:password"); app sessions (keys "api:...") end when it changes."""
    from nutgraf.accounts import fever_key, verify_app_password

    secret = password_file(tmp_path, PASSWORD)
    invoke("users", "add", "ann", "--password-file", str(secret), "--db", str(db))
    with SQLiteStore(db) as store:
        user = store.user("ann")
        assert user is not None and user.api_password_hash is None
        assert verify_app_password(user, PASSWORD)  # no API password: the account's
        assert store.user_by_fever_key(fever_key("ann", PASSWORD)) is None  # Fever is off
        for key in ("api:1", "web"):
            store.start_session(
                Session(key, "ann", False, "c", "2026-01-01T00:00:00Z", "2999-01-01T00:00:00Z"),
                "2026-01-01T00:00:00Z",
            )
    api = password_file(tmp_path, "apps only password", "api.txt")
    code, out, err = invoke(
        "users", "api-password", "ANN", "--password-file", str(api), "--db", str(db)
    )
    assert (code, err) == (0, "")
    assert out == "Set an API password for ann; their app sessions have ended\n"
    with SQLiteStore(db) as store:
        user = store.user("ann")
        assert user is not None and user.api_password_hash
        assert verify_app_password(user, "apps only password")
        assert not verify_app_password(user, PASSWORD)
        assert verify_password(user.password_hash, PASSWORD)  # the site's sign-in is unchanged
        assert store.user_by_fever_key(fever_key("ann", "apps only password")) == user
        assert fever_key("ann", "apps only password") == "0e1a5437de745626d72e3e8d1a4e0ecc"
        now = "2026-06-01T00:00:00Z"
        assert store.session("api:1", now) is None and store.session("web", now) is not None
    code, out, _ = invoke("users", "api-password", "ann", "--clear", "--db", str(db))
    assert (code, out) == (0, "Cleared the API password of ann; apps use the account password\n")
    with SQLiteStore(db) as store:
        user = store.user("ann")
        assert user is not None and user.api_password_hash is None
        assert store.user_by_fever_key(fever_key("ann", "apps only password")) is None
    code, _, err = invoke("users", "api-password", "nobody", "--clear", "--db", str(db))
    assert code == 1 and err.startswith("Error: there is no user nobody")
