"""A private site (``public = false``): nothing is shown to a reader who has not signed in.

Checked before routing, so before the page cache: a page rendered for a signed-in reader is
never answered to anyone else. A page asked for by a browser sends it to ``/login`` (303,
coming back afterwards); a JSON twin, a feed or ``/openapi.json`` answers 401 with the API's
error shape. Signing in and out, ``/healthz``, the static files, the favicon and ``/admin``
(which asks for the admin token or an admin on its own) and the app APIs under ``/api/``
(which ask for their own keys) stay open. Every answer of a private
site is ``Cache-Control: private``, so no proxy keeps one for another reader.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nutgraf.errors import NutgrafError
from nutgraf.web.identity import reader

__all__ = ["PrivateSite", "is_open_path"]

OPEN_PATHS = frozenset({"/login", "/logout", "/healthz", "/favicon.ico", "/admin"})
# The apps' APIs ("/api/") authenticate every call themselves, never with a cookie.
OPEN_PREFIXES = ("/static/", "/admin/", "/api/")
MACHINE_SUFFIXES = (".json", ".rss", ".atom")


def is_open_path(path: str) -> bool:
    """Whether ``path`` is answered to anyone, even on a private site."""
    return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)


class PrivateSite:
    """Refuses every other path to an anonymous reader when the site is not public."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["app"].state.site.config.public:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if not is_open_path(path):
            try:
                anonymous = reader(Request(scope)) is None
            except NutgrafError:
                await _answer(send, 503, "the archive cannot be read now")
                return
            if anonymous:
                await _refuse(scope, send, path)
                return

        async def private(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name == b"cache-control" for name, _ in headers):
                    headers.append((b"cache-control", b"private, no-cache"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, private)


async def _refuse(scope: Scope, send: Send, path: str) -> None:
    if path.endswith(MACHINE_SUFFIXES):
        await _answer(send, 401, "sign in first: this site is private (POST /login)")
        return
    raw: bytes = scope.get("raw_path") or path.encode("utf-8")
    query: bytes = scope.get("query_string", b"")
    location = "/login?next=" + quote(raw + (b"?" + query if query else b""), safe="/")
    await send(
        {
            "type": "http.response.start",
            "status": 303,
            "headers": [
                (b"location", location.encode("latin-1")),
                (b"cache-control", b"no-store"),
                (b"content-length", b"0"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b""})


async def _answer(send: Send, status: int, message: str) -> None:
    body = json.dumps({"error": {"status": status, "message": message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"cache-control", b"no-store"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
