"""Signing in and out (``/login``, ``/logout``) and the admins' users page (``/admin/users``).

A sign-in checks the name and password against the archive's users (``nutgraf.accounts``)
and opens a session (``nutgraf.web.auth``) whose credential is a fingerprint of the user's
password hash: a new password, or removing the user, ends it. A wrong password and an unknown
name get the same answer in about the same time (an unknown name is checked against a dummy
hash), and failures are limited per client and overall (``nutgraf.web.ratelimit``): past the
limit, 429 with Retry-After, the right password too. After signing in the browser goes back
to ``next``, a path on this site only.

Every form here carries the CSRF token and is refused from another site. The users page is
for admins (a signed-in admin user, the admin token's session, or anyone on a loopback-only
server without a token, as for ``/admin``); each change answers with a redirect back to it.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from nutgraf.accounts import (
    MAX_NAME_CHARS,
    MAX_PASSWORD_BYTES,
    hash_password,
    is_valid_name,
    needs_rehash,
    user_name,
    verify_password,
    verify_unknown,
)
from nutgraf.errors import NutgrafError
from nutgraf.store.records import User
from nutgraf.web.admin import FLASH_COOKIE, _access, _read_flash, done_redirect
from nutgraf.web.auth import end_session, start_session
from nutgraf.web.csrf import csrf_token
from nutgraf.web.forms import FormRefused, checked_form
from nutgraf.web.identity import reader, user_credential
from nutgraf.web.ratelimit import client_key, retry_after
from nutgraf.web.site import Site, page_response

__all__ = ["account_routes", "safe_next"]

MAX_NEXT_CHARS = 2000
# A form's bytes: a password of 1,024 bytes is up to 3,072 URL-encoded, plus the rest.
MAX_FORM_BYTES = 3 * MAX_PASSWORD_BYTES + 1024
MAX_FORM_FIELDS = 8
USERS_PAGE = "/admin/users"
_UNSAFE_NEXT = re.compile(r"[\x00-\x20\x7f\\]")
WRONG = "wrong user name or password"


def safe_next(raw: str | None) -> str:
    """Where to go after signing in: ``raw`` when it is a path on this site ("/unread?x=1"),
    else "/". "//host", "/\\host", "http://..." and anything with a space or a control
    character (which browsers drop, turning "/\\t/host" into "//host") are refused."""
    if not raw or len(raw) > MAX_NEXT_CHARS or _UNSAFE_NEXT.search(raw):
        return "/"
    if not raw.startswith("/") or raw.startswith("//"):
        return "/"
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc:
        return "/"
    return raw


def _site(request: Request) -> Site:
    return request.app.state.site  # type: ignore[no-any-return]


def _render(
    request: Request, template: str, title: str, status: int = 200, **context: object
) -> Response:
    """A page of this module: the reader's own, never cached anywhere."""
    site = _site(request)
    csrf = csrf_token(request)
    body = site.render(template, title=title, csrf=csrf, who=reader(request), **context)
    headers = {"cache-control": "private, no-store"}
    return page_response(site, request, body, status, headers=headers)


# --- signing in and out ---------------------------------------------------------------------


async def login_page(request: Request) -> Response:
    return _render(
        request, "login.html", "Sign in", next=safe_next(request.query_params.get("next"))
    )


def _check(site: Site, name: str, password: str) -> User | None:
    """The user ``name`` when ``password`` is theirs; None otherwise, in about the same time
    whether the user exists or not. A hash made with older parameters is renewed."""
    user = site.store.user(name) if is_valid_name(name) else None
    if user is None:
        verify_unknown(password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if needs_rehash(user.password_hash) and not site.store.read_only:
        renewed = User(user.name, hash_password(password), user.admin, user.created)
        site.store.set_password(user.name, renewed.password_hash)
        return renewed
    return user


async def login(request: Request) -> Response:
    site = _site(request)
    try:
        fields = await checked_form(
            request, site.config.allowed_hosts, max_bytes=MAX_FORM_BYTES, max_fields=MAX_FORM_FIELDS
        )
    except FormRefused as refused:
        return _render(request, "login.html", "Sign in", 403, error=str(refused), next="/")
    name = fields.get("username", "").strip().lower()[: MAX_NAME_CHARS + 1]
    target = safe_next(fields.get("next"))
    client = client_key(request.client.host if request.client else None)
    wait = site.logins.wait(client)
    if wait > 0:  # refused before checking: past the limit, the right password waits too
        response = _render(
            request,
            "login.html",
            "Sign in",
            429,
            error="too many failed sign-ins; try again later",
            username=name,
            next=target,
        )
        response.headers["retry-after"] = retry_after(wait)
        return response
    user = await run_in_threadpool(_check, site, name, fields.get("password", ""))
    if user is None:
        site.logins.fail(client)
        return _render(
            request, "login.html", "Sign in", 403, error=WRONG, username=name, next=target
        )
    site.logins.succeed(client)
    response = RedirectResponse(target, status_code=303)
    await run_in_threadpool(
        start_session,
        response,
        request,
        site.store,
        user=user.name,
        admin=user.admin,
        credential=user_credential(user.password_hash),
    )
    return response


async def logout(request: Request) -> Response:
    site = _site(request)
    try:
        await checked_form(request, site.config.allowed_hosts, max_bytes=1024, max_fields=4)
    except FormRefused as refused:
        return _render(request, "login.html", "Sign in", 403, error=str(refused), next="/")
    response = RedirectResponse("/", status_code=303)
    await run_in_threadpool(end_session, response, request, site.store)
    return response


# --- the admins' users page -----------------------------------------------------------------


async def users_page(request: Request) -> Response:
    access = _access(request)
    if access != "open":
        return _refuse(request, access)
    users = await run_in_threadpool(_site(request).store.users)
    message = _read_flash(request.cookies.get(FLASH_COOKIE, ""))
    response = _render(request, "users.html", "Users", users=users, message=message)
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path="/admin")
    return response


def _refuse(request: Request, access: str, status: int = 403, **context: object) -> Response:
    error = (
        "the admin pages are off on this server"
        if access == "closed"
        else "sign in as an admin first"
    )
    return _render(request, "users.html", "Users", status, error=error, users=None, **context)


async def _users_form(request: Request) -> dict[str, str] | Response:
    access = _access(request)
    if access != "open":
        return _refuse(request, access)
    site = _site(request)
    try:
        return await checked_form(
            request, site.config.allowed_hosts, max_bytes=MAX_FORM_BYTES, max_fields=MAX_FORM_FIELDS
        )
    except FormRefused as refused:
        users = await run_in_threadpool(site.store.users)
        return _render(request, "users.html", "Users", 403, error=str(refused), users=users)


def _users_action(action: str) -> Callable[[Request], Awaitable[Response]]:
    async def handler(request: Request) -> Response:
        fields = await _users_form(request)
        if isinstance(fields, Response):
            return fields
        site = _site(request)
        try:
            message = await run_in_threadpool(_ACTIONS[action], site, fields)
        except NutgrafError as error:
            users = await run_in_threadpool(site.store.users)
            sent = {"form": action, "name": fields.get("name", "")[:MAX_NAME_CHARS]}
            return _render(
                request, "users.html", "Users", 400, error=str(error), users=users, sent=sent
            )
        return done_redirect(message, USERS_PAGE)

    return handler


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _add(site: Site, fields: dict[str, str]) -> str:
    name = user_name(fields.get("name", ""))
    admin = fields.get("admin") in ("on", "1", "true")
    user = User(name, hash_password(fields.get("password", "")), admin, _now())
    if not site.store.add_user(user):
        raise NutgrafError(f"there is already a user {name}")
    return f"added {'the admin' if admin else 'the user'} {name}"


def _known(site: Site, fields: dict[str, str]) -> str:
    name = fields.get("name", "").strip().lower()
    if not is_valid_name(name) or site.store.user(name) is None:
        raise NutgrafError(f"there is no user {name[:MAX_NAME_CHARS]!r}")
    return name


def _remove(site: Site, fields: dict[str, str]) -> str:
    name = _known(site, fields)
    site.store.remove_user(name)
    return f"removed the user {name}; their sessions have ended"


def _password(site: Site, fields: dict[str, str]) -> str:
    name = _known(site, fields)
    site.store.set_password(name, hash_password(fields.get("password", "")))
    return f"set a new password for {name}; their sessions have ended"


def _admin(site: Site, fields: dict[str, str]) -> str:
    name = _known(site, fields)
    admin = fields.get("admin") in ("on", "1", "true")
    site.store.set_admin(name, admin)
    return f"{name} is {'now an admin' if admin else 'no longer an admin'}"


_ACTIONS = {"add": _add, "remove": _remove, "password": _password, "admin": _admin}


def account_routes() -> list[BaseRoute]:
    return [
        Route("/login", login_page, methods=["GET"], name="login_page"),
        Route("/login", login, methods=["POST"], name="login"),
        Route("/logout", logout, methods=["POST"], name="logout"),
        Route(USERS_PAGE, users_page, methods=["GET"], name="users"),
        Route(USERS_PAGE, _users_action("add"), methods=["POST"], name="users_add"),
        *(
            Route(f"{USERS_PAGE}/{action}", _users_action(action), methods=["POST"])
            for action in ("remove", "password", "admin")
        ),
    ]
