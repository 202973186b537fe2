"""Sign-in sessions in the archive, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from nutgraf.store import Store
from nutgraf.store.records import Session
from nutgraf.store.sessions import MAX_SESSIONS_PER_USER

NOW = "2026-12-07T10:00:00Z"
LATER = "2026-12-14T10:00:00Z"


def session(key: str, user: str = "admin", created: str = NOW, expires: str = LATER) -> Session:
    return Session(key, user, True, "fingerprint", created, expires)


def test_a_session_lives_until_it_expires(store: Store) -> None:
    store.start_session(session("k1"), NOW)
    assert store.session("k1", NOW) == session("k1")
    assert store.session("k1", "2026-12-14T09:59:59Z") is not None
    assert store.session("k1", LATER) is None
    assert store.session("other", NOW) is None


def test_sessions_end_one_by_one_or_all_of_a_user(store: Store) -> None:
    for key, user in (("a", "ann"), ("b", "ann"), ("c", "bob")):
        store.start_session(session(key, user), NOW)
    store.end_session("a")
    assert store.session("a", NOW) is None
    assert store.end_sessions("ann") == 1
    assert store.session("b", NOW) is None
    assert store.session("c", NOW) is not None


def test_expired_sessions_and_a_users_oldest_past_the_cap_are_dropped(store: Store) -> None:
    store.start_session(session("old", expires="2026-12-01T00:00:00Z"), "2026-11-30T00:00:00Z")
    for n in range(MAX_SESSIONS_PER_USER + 5):
        store.start_session(
            session(f"k{n:03}", created=f"2026-12-07T10:{n // 60:02}:{n % 60:02}Z"), NOW
        )
    kept = [n for n in range(MAX_SESSIONS_PER_USER + 5) if store.session(f"k{n:03}", NOW)]
    assert kept == list(range(5, MAX_SESSIONS_PER_USER + 5))
    assert store.end_sessions("admin") == MAX_SESSIONS_PER_USER  # "old" went at the first start
