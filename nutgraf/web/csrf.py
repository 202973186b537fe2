"""Cross-site request forgery: every form that changes something carries a token that must
equal the one in a SameSite=Strict, HttpOnly cookie (double submit), and a form posted with an
``Origin`` that is not this site's is refused outright (``nutgraf.web.hosts``).

One cookie for the whole site (path "/"), so the admin forms, the sign-in form and the
read/star buttons on any page share it. A page cached for every reader holds a placeholder
where the token goes (``nutgraf.web.personal``); each response fills in its reader's own.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

from nutgraf.web.hosts import origin_allowed

__all__ = ["CSRF_COOKIE", "csrf_ok", "csrf_token", "handed_out", "origin_ok", "set_csrf_cookie"]

CSRF_COOKIE = "nutgraf_csrf"
MAX_TOKEN_CHARS = 64  # a token is 32; a longer cookie is none of ours


def csrf_token(request: Request) -> str:
    """The request's token: its cookie's, or a new one (which the response must set); the
    same one however often a request asks."""
    known = getattr(request.state, "csrf", None)
    if isinstance(known, str):
        return known
    cookie = request.cookies.get(CSRF_COOKIE, "")
    token = cookie if cookie and len(cookie) <= MAX_TOKEN_CHARS else secrets.token_urlsafe(24)
    request.state.csrf = token
    return token


def handed_out(request: Request) -> str | None:
    """The token ``csrf_token`` gave this request's page, if it gave one: the response must
    then carry its cookie (``set_csrf_cookie``)."""
    known = getattr(request.state, "csrf", None)
    return known if isinstance(known, str) else None


def set_csrf_cookie(response: Response, request: Request, token: str) -> None:
    """Set the token's cookie on ``response`` unless the request already carries it."""
    if request.cookies.get(CSRF_COOKIE) == token:
        return
    response.set_cookie(
        CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        path="/",
        secure=request.scope.get("scheme") == "https",
    )


def csrf_ok(request: Request, fields: dict[str, str]) -> bool:
    """True when the form's ``csrf`` field equals the request's cookie."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or len(cookie) > MAX_TOKEN_CHARS:
        return False
    return hmac.compare_digest(cookie.encode(), fields.get("csrf", "").encode())


def origin_ok(request: Request, allowed_hosts: frozenset[str] | None) -> bool:
    """False when the request says it comes from another site."""
    origin = request.headers.get("origin")
    host = request.headers.get("host", "")
    return not origin or origin_allowed(origin, host, allowed_hosts)
