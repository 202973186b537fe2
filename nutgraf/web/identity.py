"""Who is reading: the signed-in reader a request's session names, or None.

A session is live when the archive holds it unexpired (``nutgraf.web.auth``) and the
credential that opened it still stands: the admin token for the token's sessions, the user's
password for a user's. The answer is kept on the request, so a page asks the archive once.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from starlette.requests import Request

from nutgraf.web.auth import current_sign_in, fingerprint

__all__ = ["ADMIN_USER", "Reader", "reader", "token_credential", "user_credential"]

ADMIN_USER = "admin"  # whom a session opened with the admin token belongs to
_UNSET = object()


@dataclass(frozen=True, slots=True)
class Reader:
    """A signed-in reader: ``name`` keys their reading state; ``admin`` may manage."""

    name: str
    admin: bool


def token_credential(token: str) -> str:
    return fingerprint(token, "admin token")


def user_credential(password_hash: str) -> str:
    """What a user's sessions hold: a fingerprint of their password hash, which changes with
    the password (and with a rehash)."""
    return fingerprint(password_hash, "user password")


def reader(request: Request) -> Reader | None:
    """The request's signed-in reader, or None (anonymous, expired or revoked)."""
    known = getattr(request.state, "reader", _UNSET)
    if known is not _UNSET:
        return known  # type: ignore[return-value]
    found = _find(request)
    request.state.reader = found
    return found


def _find(request: Request) -> Reader | None:
    site = request.app.state.site  # nutgraf.web.site.Site
    found = current_sign_in(request, site.store)  # one query: the session and its user
    if found is None:
        return None
    session, user = found.session, found.user
    token = site.config.admin_token
    if token and hmac.compare_digest(session.credential, token_credential(token)):
        return Reader(session.user, admin=True)
    if user is not None and hmac.compare_digest(
        session.credential, user_credential(user.password_hash)
    ):
        return Reader(user.name, admin=user.admin)  # the row's flag: a demotion applies at once
    return None
