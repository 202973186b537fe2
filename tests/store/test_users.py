"""Users in the archive, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from nutgraf.store import Store
from nutgraf.store.sessions import Session
from nutgraf.store.users import SignedIn, User

NOW = "2026-12-07T10:00:00Z"
LATER = "2026-12-14T10:00:00Z"


def user(name: str, admin: bool = False, password_hash: str = "$argon2id$hash") -> User:
    return User(name, password_hash, admin, NOW)


def session(key: str, name: str) -> Session:
    return Session(key, name, False, "fingerprint", NOW, LATER)


def test_users_are_added_once_and_listed_by_name(store: Store) -> None:
    assert store.add_user(user("bob"))
    assert store.add_user(user("ann", admin=True))
    assert not store.add_user(user("bob", admin=True, password_hash="other"))
    assert store.users() == [user("ann", admin=True), user("bob")]
    assert store.user("bob") == user("bob")
    assert store.user("carl") is None


def test_removing_a_user_ends_their_sessions_only(store: Store) -> None:
    store.add_user(user("ann"))
    store.add_user(user("bob"))
    store.start_session(session("a", "ann"), NOW)
    store.start_session(session("b", "bob"), NOW)
    assert store.remove_user("ann")
    assert not store.remove_user("ann")
    assert store.user("ann") is None
    assert store.session("a", NOW) is None
    assert store.session("b", NOW) is not None


def test_a_new_password_ends_every_session(store: Store) -> None:
    store.add_user(user("ann"))
    store.start_session(session("a1", "ann"), NOW)
    store.start_session(session("a2", "ann"), NOW)
    assert store.set_password("ann", "$argon2id$new")
    stored = store.user("ann")
    assert stored is not None and stored.password_hash == "$argon2id$new"
    assert store.session("a1", NOW) is None and store.session("a2", NOW) is None
    assert not store.set_password("nobody", "$argon2id$new")


def test_admin_flag_changes(store: Store) -> None:
    store.add_user(user("ann", admin=True))
    assert store.set_admin("ann", False)
    stored = store.user("ann")
    assert stored is not None and not stored.admin
    assert not store.set_admin("nobody", True)


def test_signed_in_reads_a_session_with_its_user_in_one_query(store: Store) -> None:
    store.add_user(user("ann", admin=True))
    store.start_session(session("a", "ann"), NOW)
    store.start_session(Session("t", "admin", True, "token", NOW, LATER), NOW)
    assert store.signed_in("a", NOW) == SignedIn(session("a", "ann"), user("ann", admin=True))
    token = store.signed_in("t", NOW)
    assert token is not None and token.user is None and token.session.admin
    assert store.signed_in("a", LATER) is None
    assert store.signed_in("missing", NOW) is None
