"""Who an API request is: ClientLogin, the ``GoogleLogin auth=`` header, and the ``T`` token.

``POST /api/greader/accounts/ClientLogin`` (``Email``: the user's name, ``Passwd``: their API
password, else their account password; ``nutgraf.accounts.verify_app_password``) answers
``SID=``, ``LSID=`` and ``Auth=`` lines (JSON with ``output=json``), all three the same token:
``NAME/`` and 40 random hex digits. The archive keeps only its SHA-256, as the session
``api:SHA256`` (``nutgraf.store.sessions``), with a fingerprint of the hash the password was
checked against: a new API password (or account password, when there is no API password)
ends it, as does removing the user. It lasts a year. Failures are limited as the sign-in
form's are (the site's ``logins`` limiter, ``nutgraf.web.ratelimit``), and an unknown name
costs what a wrong password does.

Every other call carries ``Authorization: GoogleLogin auth=TOKEN``; cookies never
authenticate the API, so no call is a cross-site request a browser could forge. A POST also
carries ``T``, the token ``GET .../token`` gives: an HMAC of the auth token, so it needs no
storage and goes stale with it. A stale one is a 401 with ``X-Reader-Google-Bad-Token: true``
(Google's header) and ``Google-Bad-Token: true`` (FreshRSS's), so the app fetches a new one.
An absent or empty ``T`` (FeedMe) and ``T=x`` (Reeder) are taken, as FreshRSS takes them:
the header already authenticates the call, and a browser cannot forge one, so ``T`` guards
nothing more there.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from nutgraf.accounts import (
    MAX_NAME_CHARS,
    app_credential_hash,
    is_valid_name,
    verify_app_password,
    verify_unknown,
)
from nutgraf.store.base import Store
from nutgraf.store.records import Session, User
from nutgraf.web.auth import fingerprint
from nutgraf.web.greader.protocol import ApiError, Params, json_answer, site_of, text_answer
from nutgraf.web.ratelimit import client_key, retry_after

__all__ = ["ApiUser", "action_token", "api_user", "client_login", "require_action_token"]

APP_SESSION_LIFETIME = timedelta(days=365)
MAX_HEADER_CHARS = 200  # "GoogleLogin auth=" and a 73-character token, with room to spare
ACTION_TOKEN_CHARS = 57
_HEADER = re.compile(r"GoogleLogin\s+auth=([A-Za-z0-9._-]{1,64}/[0-9a-f]{40})\s*", re.IGNORECASE)
_BAD_TOKEN = {"X-Reader-Google-Bad-Token": "true", "Google-Bad-Token": "true"}
_NO_TOKEN = ("", "x")  # what FeedMe and Reeder send (FreshRSS's greader.php takes both)


@dataclass(frozen=True, slots=True)
class ApiUser:
    """The user an API request acts for; ``token`` is their auth token."""

    name: str
    admin: bool
    token: str


def app_credential(user: User) -> str:
    """What an app session holds: a fingerprint of the hash its password was checked with."""
    return fingerprint(app_credential_hash(user), "app password")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _key(token: str) -> str:
    return "api:" + hashlib.sha256(token.encode()).hexdigest()


def action_token(auth: str) -> str:
    """The ``T`` token of an auth token: stateless, it changes with the auth token."""
    digest = hmac.new(auth.encode(), b"nutgraf greader action token", "sha256").hexdigest()
    return digest[:ACTION_TOKEN_CHARS]


# --- ClientLogin ----------------------------------------------------------------------------


def _check(store: Store, name: str, password: str) -> User | None:
    """The user ``name`` when ``password`` is their app password; about as slow either way."""
    user = store.user(name) if is_valid_name(name) else None
    if user is None:
        verify_unknown(password)
        return None
    return user if verify_app_password(user, password) else None


def _open(store: Store, user: User) -> str:
    """A new app session for ``user``; its token."""
    now = datetime.now(UTC)
    token = f"{user.name}/{secrets.token_hex(20)}"
    session = Session(
        key=_key(token),
        user=user.name,
        admin=user.admin,
        credential=app_credential(user),
        created=_iso(now),
        expires=_iso(now + APP_SESSION_LIFETIME),
    )
    store.trim_app_sessions(user.name)
    store.start_session(session, _iso(now))
    return token


async def client_login(request: Request, params: Params) -> Response:
    site = site_of(request)
    name = (params.get("Email") or "").strip().lower()[: MAX_NAME_CHARS + 1]
    password = params.get("Passwd") or ""
    client = client_key(request.client.host if request.client else None)
    wait = site.logins.wait(client)
    if wait > 0:
        return text_answer(
            "Error=TooManyFailures: too many failed sign-ins; try again later",
            429,
            {"retry-after": retry_after(wait)},
        )
    user = await run_in_threadpool(_check, site.store, name, password)
    if user is None:
        site.logins.fail(client)
        return text_answer("Error=BadAuthentication: wrong user name or password", 401)
    site.logins.succeed(client)
    token = await run_in_threadpool(_open, site.store, user)
    if params.get("output") == "json":
        return json_answer({"SID": token, "LSID": token, "Auth": token})
    return text_answer(f"SID={token}\nLSID={token}\nAuth={token}\n")


# --- every other call -----------------------------------------------------------------------


def api_user(request: Request) -> ApiUser:
    """The user the request's ``Authorization: GoogleLogin auth=...`` names; ApiError 401
    when it names no live app session or the password it was made with has changed."""
    header = request.headers.get("authorization", "")
    found = _HEADER.fullmatch(header) if len(header) <= MAX_HEADER_CHARS else None
    if found is None:
        raise ApiError(
            401,
            "sign in first: POST /api/greader/accounts/ClientLogin, then send "
            "Authorization: GoogleLogin auth=TOKEN",
        )
    token = found.group(1)
    store = site_of(request).store
    signed = store.signed_in(_key(token), _iso(datetime.now(UTC)))
    user = signed.user if signed is not None else None
    if (
        signed is None
        or user is None
        or signed.session.user != user.name
        or token.split("/", 1)[0] != user.name
        or not hmac.compare_digest(signed.session.credential, app_credential(user))
    ):
        raise ApiError(401, "the auth token is unknown, expired or revoked; sign in again")
    return ApiUser(user.name, user.admin, token)


def require_action_token(user: ApiUser, params: Params) -> None:
    """Refuse a POST whose ``T`` is another auth token's (absent, empty or ``x`` is taken)."""
    given = (params.get("T") or "").strip()
    if given in _NO_TOKEN:
        return
    if not hmac.compare_digest(given.encode(), action_token(user.token).encode()):
        raise ApiError(
            401, "the T token is stale: GET /api/greader/reader/api/0/token again", _BAD_TOKEN
        )
