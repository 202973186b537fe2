"""Who a request is: its session cookie, looked up in the archive.

A session's cookie carries a random id (256 bits, new at every sign-in) and nothing else; the
archive keeps only its SHA-256 (``nutgraf.store.sessions``), with when it expires and a
fingerprint of the credential that opened it. A session ends when it expires, when its
browser signs out, or when its credential changes (a new admin token or password): its
fingerprint then no longer matches.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response

from nutgraf.store.base import Store
from nutgraf.store.records import Session, SignedIn

__all__ = [
    "SESSION_COOKIE",
    "SESSION_LIFETIME",
    "current_session",
    "current_sign_in",
    "end_session",
    "fingerprint",
    "start_session",
]

SESSION_COOKIE = "nutgraf_session"
SESSION_LIFETIME = timedelta(days=7)  # then the browser signs in again
MAX_COOKIE_CHARS = 100  # a session id is 43; a longer cookie is no session's


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def session_key(cookie: str) -> str:
    """What the archive stores for a cookie's id: its SHA-256."""
    return hashlib.sha256(cookie.encode("utf-8", "replace")).hexdigest()


@functools.lru_cache(maxsize=256)  # every signed-in request checks its session's credential
def fingerprint(secret: str, purpose: str) -> str:
    """A fingerprint of the credential behind a session: it changes when the secret does,
    and says nothing of it."""
    return hmac.new(secret.encode(), f"nutgraf session {purpose}".encode(), "sha256").hexdigest()


def start_session(
    response: Response,
    request: Request,
    store: Store,
    *,
    user: str,
    admin: bool,
    credential: str,
    now: datetime | None = None,
) -> Session:
    """Open a session for ``user`` and set its cookie on ``response``."""
    moment = now or datetime.now(UTC)
    cookie = secrets.token_urlsafe(32)
    session = Session(
        key=session_key(cookie),
        user=user,
        admin=admin,
        credential=credential,
        created=_iso(moment),
        expires=_iso(moment + SESSION_LIFETIME),
    )
    store.start_session(session, _iso(moment))
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        path="/",
        secure=request.scope.get("scheme") == "https",
    )
    return session


def current_session(request: Request, store: Store, now: datetime | None = None) -> Session | None:
    """The live session the request's cookie names, or None."""
    cookie = request.cookies.get(SESSION_COOKIE, "")
    if not cookie or len(cookie) > MAX_COOKIE_CHARS:
        return None
    return store.session(session_key(cookie), _iso(now or datetime.now(UTC)))


def current_sign_in(request: Request, store: Store, now: datetime | None = None) -> SignedIn | None:
    """The live session the request's cookie names, with the user it names, in one query."""
    cookie = request.cookies.get(SESSION_COOKIE, "")
    if not cookie or len(cookie) > MAX_COOKIE_CHARS:
        return None
    return store.signed_in(session_key(cookie), _iso(now or datetime.now(UTC)))


def end_session(response: Response, request: Request, store: Store) -> None:
    """End the request's session, if any, and drop its cookie."""
    cookie = request.cookies.get(SESSION_COOKIE, "")
    if cookie and len(cookie) <= MAX_COOKIE_CHARS:
        store.end_session(session_key(cookie))
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
