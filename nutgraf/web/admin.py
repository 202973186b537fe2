"""The admin pages: add a feed, add a URL, paste a text dump, re-ingest an article.

Access: with an admin token set (``admin_token`` in nutgraf.toml or ``NUTGRAF_ADMIN_TOKEN``)
the pages ask for it once and open a session (``nutgraf.web.auth``: a random id in the
cookie, kept in the archive, expiring, ended by signing out or by a new token); failed
attempts are limited per client and overall (``nutgraf.web.ratelimit``). With no token the
pages are open only when the server listens on a loopback address, and closed otherwise.
Every form carries a CSRF token that must equal the one in a SameSite=Strict cookie (double
submit), and an Origin that is not this site's (``nutgraf.web.hosts``) is refused outright.

The forms take http(s) addresses and pasted text only: the site never opens a path on its
server.

A done action answers with a redirect back to /admin (post, redirect, get), carrying what
happened in a one-time cookie, so reloading the page does not do it again. A failed one
answers at once, with the form filled in as it was sent: nothing typed or pasted is lost.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from nutgraf.batch.ingest import Ingestor, Tally
from nutgraf.batch.poll import add_feed
from nutgraf.config import load_settings
from nutgraf.errors import NutgrafError
from nutgraf.ingest.fetch import is_fetchable
from nutgraf.web.auth import end_session, start_session
from nutgraf.web.csrf import csrf_token
from nutgraf.web.forms import FormRefused, checked_form
from nutgraf.web.identity import ADMIN_USER, reader, token_credential
from nutgraf.web.ratelimit import client_key, retry_after
from nutgraf.web.site import Site, page_response

FLASH_COOKIE = "nutgraf_done"
FLASH_MAX_CHARS = 3000  # a cookie holds about 4 kB
MAX_DUMP_BYTES = 2 * 1024 * 1024
MAX_FORM_BYTES = MAX_DUMP_BYTES + 64 * 1024  # a dump and the fields beside it, encoded
MAX_ID_DIGITS = 18  # article ids are 64-bit integers: 19 digits would overflow


def _access(request: Request) -> str:
    """ "open", "login" (a token is needed and not given yet) or "closed"."""
    site: Site = request.app.state.site
    who = reader(request)
    if who is not None and who.admin:
        return "open"
    if site.config.admin_token:
        return "login"
    return "open" if site.config.local_only else "closed"


def _render(request: Request, status: int = 200, **context: object) -> Response:
    site: Site = request.app.state.site
    csrf = csrf_token(request)
    body = site.render(
        "admin.html",
        title="Admin",
        access=_access(request),
        signed_in=bool(site.config.admin_token),
        csrf=csrf,
        request=request,
        **context,
    )
    return page_response(site, request, body, status, headers={"cache-control": "no-store"})


async def admin_page(request: Request) -> Response:
    access = _access(request)
    message = _read_flash(request.cookies.get(FLASH_COOKIE, ""))
    response = _render(request, 403 if access == "closed" else 200, message=message)
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path="/admin")
    return response


def _done(message: str, to: str = "/admin") -> Response:
    """Back to /admin (or the admin page ``to``), which says ``message`` once."""
    return done_redirect(message, to)


def done_redirect(message: str, location: str) -> Response:
    """Back to the admin page at ``location`` (under /admin), which says ``message`` once."""
    if len(message) > FLASH_MAX_CHARS:
        message = message[: FLASH_MAX_CHARS - 1] + "…"
    response = RedirectResponse(location, status_code=303)
    value = base64.urlsafe_b64encode(message.encode("utf-8")).decode("ascii")
    response.set_cookie(FLASH_COOKIE, value, httponly=True, samesite="strict", path="/admin")
    return response


def _read_flash(value: str) -> str | None:
    """The message a done action left, or None. It is only ever shown as escaped text."""
    if not value:
        return None
    try:
        return base64.urlsafe_b64decode(value.encode("ascii")).decode("utf-8")[:FLASH_MAX_CHARS]
    except (ValueError, UnicodeError):
        return None


async def _checked_form(request: Request) -> dict[str, str] | Response:
    """The posted form when the request may act, else the response refusing it."""
    site: Site = request.app.state.site
    try:
        return await checked_form(
            request, site.config.allowed_hosts, max_bytes=MAX_FORM_BYTES, max_fields=10
        )
    except FormRefused as refused:
        return _render(request, 403, error=str(refused))


async def login(request: Request) -> Response:
    site: Site = request.app.state.site
    fields = await _checked_form(request)
    if isinstance(fields, Response):
        return fields
    token = site.config.admin_token
    if not token:
        return RedirectResponse("/admin", status_code=303)
    client = client_key(request.client.host if request.client else None)
    wait = site.logins.wait(client)
    if wait > 0:  # refused before comparing: past the limit, the right token waits too
        response = _render(request, 429, error="too many failed sign-ins; try again later")
        response.headers["retry-after"] = retry_after(wait)
        return response
    if not hmac.compare_digest(fields.get("token", "").encode(), token.encode()):
        site.logins.fail(client)
        return _render(request, 403, error="wrong admin token")
    site.logins.succeed(client)
    response = RedirectResponse("/admin", status_code=303)
    await run_in_threadpool(
        start_session,
        response,
        request,
        site.store,
        user=ADMIN_USER,
        admin=True,
        credential=token_credential(token),
    )
    return response


async def logout(request: Request) -> Response:
    site: Site = request.app.state.site
    fields = await _checked_form(request)
    if isinstance(fields, Response):
        return fields
    response = RedirectResponse("/admin", status_code=303)
    await run_in_threadpool(end_session, response, request, site.store)
    return response


def _action(work: Callable[[Ingestor, dict[str, str]], str]) -> Callable[[Request], object]:
    """An admin form handler: refuse unless allowed, run ``work``, say what happened."""

    async def handler(request: Request) -> Response:
        if _access(request) != "open":
            return _render(request, 403, error="sign in first")
        fields = await _checked_form(request)
        if isinstance(fields, Response):
            return fields
        site: Site = request.app.state.site

        def run() -> tuple[str, int]:
            with Ingestor(site.store, load_settings()) as ingestor:
                return work(ingestor, fields), ingestor.tally.failed

        sent = {"form": request.url.path, **fields}
        try:
            message, failed = await run_in_threadpool(run)
        except NutgrafError as error:
            return _render(request, 400, error=str(error), sent=sent)
        finally:
            site.cache.clear()
        if failed:  # something was refused: say so as an error, not as a success
            return _render(request, 422, error=message, sent=sent)
        return _done(message)

    return handler


def _outcome(tally: Tally) -> str:
    lines = [tally.summary_line()]
    lines.extend(f"failed: {label}: {reason}" for label, reason in tally.failures)
    return "\n".join(lines)


def _required(fields: dict[str, str], name: str, what: str) -> str:
    value = fields.get(name, "").strip()
    if not value:
        raise NutgrafError(f"give {what}")
    return value


def _add_feed(ingestor: Ingestor, fields: dict[str, str]) -> str:
    url = _required(fields, "url", "the feed's address")
    state, tally = add_feed(ingestor.store, ingestor.settings, url)
    done = "subscribed to" if tally.subscribed else "already subscribed to"
    return f"{done} {state.url}\n{_outcome(tally)}"


def _web_address(value: str) -> str:
    """``value`` when it is an http(s) URL; the site never opens a path on its server."""
    if not is_fetchable(value):
        raise NutgrafError(
            "give an http:// or https:// address; the site does not read files on its server"
        )
    return value


def _add_url(ingestor: Ingestor, fields: dict[str, str]) -> str:
    url = _web_address(_required(fields, "url", "the article's address"))
    return _outcome(ingestor.run_web(url))


def _add_dump(ingestor: Ingestor, fields: dict[str, str]) -> str:
    text = _required(fields, "text", "the page's text")
    ingestor.document(text.encode("utf-8"), "pasted text")
    return _outcome(ingestor.tally)


def _reingest(ingestor: Ingestor, fields: dict[str, str]) -> str:
    raw = _required(fields, "article", "an article number or address")
    if raw.isascii() and raw.isdigit():
        stored = ingestor.store.get(int(raw)) if len(raw) <= MAX_ID_DIGITS else None
        if stored is None:
            raise NutgrafError(f"there is no article {raw}")
        if not stored.item.url:
            raise NutgrafError(f"article {raw} has no address to fetch again")
        return _outcome(ingestor.run_web(_web_address(stored.item.url)))
    return _outcome(ingestor.run_web(_web_address(raw)))


def admin_routes() -> list[BaseRoute]:
    return [
        Route("/admin", admin_page, methods=["GET"], name="admin"),
        Route("/admin/login", login, methods=["POST"], name="admin_login"),
        Route("/admin/logout", logout, methods=["POST"], name="admin_logout"),
        Route("/admin/feeds", _action(_add_feed), methods=["POST"], name="admin_feed"),
        Route("/admin/urls", _action(_add_url), methods=["POST"], name="admin_url"),
        Route("/admin/dumps", _action(_add_dump), methods=["POST"], name="admin_dump"),
        Route("/admin/reingest", _action(_reingest), methods=["POST"], name="admin_reingest"),
    ]
