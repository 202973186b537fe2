"""The site's state and how a page is answered: its settings (``SiteConfig``), the archive,
the templates and the page cache (``Site``), and the responses every page shares.

Rendered pages are kept for a few seconds, so a page read by many readers at once costs one
render. What differs per response is swapped into the cached body on the way out: the
Content-Security-Policy nonce (the cache holds a placeholder) and the reader's own parts
(``nutgraf.web.personal``).
"""

from __future__ import annotations

import json
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import Response

from nutgraf.store.base import Store
from nutgraf.web.csrf import handed_out, set_csrf_cookie
from nutgraf.web.markup import category_href, host
from nutgraf.web.personal import fill_slots, slot
from nutgraf.web.ratelimit import FailureLimits, LoginLimiter

CACHE_SECONDS = 10.0
CACHE_ENTRIES = 4096
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
)
STATIC_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'"
MAX_STATIC_PATH = 255  # the longest file name a file system takes
_NONCE_SLOT = secrets.token_hex(16)  # stands for the nonce in cached pages; never guessable


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """``admin_token`` guards the admin pages; with none they are open only to a server bound
    to a loopback address (``local_only``). ``allowed_hosts`` are the Host names answered
    (None: any; see ``nutgraf.web.hosts``); ``base_url``, when set, is the site's public
    address, used for the absolute links of its feeds instead of the request's Host.
    ``remote_images`` False shows no image from another site (pages then load images from the
    site itself only, and their Content-Security-Policy says so). ``public`` False makes
    every page need a signed-in reader (``nutgraf.web.privacy``)."""

    name: str = "nutgraf"
    admin_token: str | None = field(default=None, repr=False)
    local_only: bool = True
    cache_seconds: float = CACHE_SECONDS
    allowed_hosts: frozenset[str] | None = None
    base_url: str | None = None
    login_limits: FailureLimits = field(default_factory=FailureLimits)
    remote_images: bool = True
    public: bool = True


def page_csp(nonce: str, remote_images: bool = True) -> str:
    """A page's Content-Security-Policy: images from the site, and from any https address
    unless remote images are off; scripts may call the site only (the keys' marking)."""
    return (
        "default-src 'none'; "
        f"script-src 'nonce-{nonce}'; "
        "connect-src 'self'; "
        "style-src 'self'; "
        f"img-src 'self'{' https:' if remote_images else ''}; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


class _PageCache:
    """Rendered bodies by address, each kept ``seconds`` (0: not at all); the oldest go first."""

    def __init__(self, seconds: float = CACHE_SECONDS) -> None:
        self.seconds = seconds
        self._entries: OrderedDict[str, tuple[float, bytes, str]] = OrderedDict()

    def get(self, key: str) -> tuple[bytes, str] | None:
        if self.seconds <= 0:
            return None
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1], entry[2]

    def put(self, key: str, body: bytes, media_type: str) -> None:
        if self.seconds <= 0:
            return
        self._entries[key] = (time.monotonic() + self.seconds, body, media_type)
        self._entries.move_to_end(key)
        while len(self._entries) > CACHE_ENTRIES:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()


class Site:
    """The site's state: the archive, the templates and the page cache."""

    def __init__(self, store: Store, config: SiteConfig) -> None:
        self.store = store
        self.config = config
        self.templates = Environment(
            loader=PackageLoader("nutgraf.web", "templates"),
            autoescape=select_autoescape(("html", "xml")),
            trim_blocks=True,
            lstrip_blocks=True,
            # The templates ship in the package: checking their files for changes on every
            # page (two stat calls a template) cost a tenth of a page.
            auto_reload=False,
        )
        self.templates.globals.update(
            site_name=config.name, host=host, slot=slot, category_href=category_href
        )
        self.cache = _PageCache(config.cache_seconds)
        self.logins = LoginLimiter(config.login_limits)

    def render(self, template: str, **context: Any) -> bytes:
        html = self.templates.get_template(template).render(nonce=_NONCE_SLOT, **context)
        return html.encode("utf-8")


def request_path(request: Request) -> str:
    """The request's path as routed (decoded): ``request.url.path`` would stop at a "?" or
    "#" a category's name may hold ("/categories/Q%26A%3F")."""
    path: str = request.scope["path"]
    return path


def wants_json(request: Request) -> bool:
    return request_path(request).endswith(".json")


def html_response(
    body: bytes,
    status: int = 200,
    headers: dict[str, str] | None = None,
    *,
    remote_images: bool = True,
) -> Response:
    """A page with a fresh nonce in its body and in its Content-Security-Policy."""
    nonce = secrets.token_urlsafe(16)
    response = Response(
        body.replace(_NONCE_SLOT.encode(), nonce.encode()),
        status_code=status,
        media_type="text/html; charset=utf-8",
        headers=headers,
    )
    response.headers["content-security-policy"] = page_csp(nonce, remote_images)
    return response


def page_response(
    site: Site,
    request: Request,
    body: bytes,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """A rendered page answered to ``request``: its reader's slots filled in
    (``nutgraf.web.personal``), a fresh nonce, and the CSRF cookie its forms need (when the
    page was handed a token, by a filler or by the view that rendered it)."""
    body = fill_slots(site.store, request, body)
    response = html_response(body, status, headers, remote_images=site.config.remote_images)
    token = handed_out(request)
    if token is not None:
        set_csrf_cookie(response, request, token)
    return response


def json_response(data: Any, status: int = 200) -> Response:
    return Response(json_bytes(data), status_code=status, media_type="application/json")


def json_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def error_response(request: Request, status: int, message: str) -> Response:
    """An error page, or its JSON for a JSON address."""
    if wants_json(request) or request_path(request).startswith("/openapi"):
        return json_response({"error": {"status": status, "message": message}}, status)
    site: Site = request.app.state.site
    body = site.render(
        "error.html", title=f"Error {status}", status=status, message=message, request=request
    )
    return page_response(site, request, body, status)
