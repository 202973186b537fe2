"""The host boundary: which ``Host`` names the site answers, checked before routing.

A browser sends the name it looked up in ``Host`` and ``Origin``. A page on another name
whose DNS answer is switched to 127.0.0.1 (DNS rebinding) reaches a server bound to loopback
with its own name in both, so comparing Origin with Host proves nothing; refusing any Host
the site was not told to answer does. ``allowed_hosts`` (see ``nutgraf.config``) lists them.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["AllowedHosts", "allowed_hosts", "host_name", "is_allowed", "origin_allowed"]

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
ANY = "*"
_PORT = re.compile(r":[0-9]{1,5}$")
_NAME = re.compile(r"^[a-z0-9_]([a-z0-9_.-]{0,251}[a-z0-9_])?\.?$")


def allowed_hosts(
    configured: tuple[str, ...] | None, *, bind: str, local: bool, base_url: str | None
) -> frozenset[str] | None:
    """The names the site answers, or None for any.

    Args:
        configured: the ``allowed_hosts`` setting; None when unset.
        bind: the address the server listens on.
        local: whether that address is loopback.
        base_url: the site's public address, when set.
    """
    if configured is not None:
        return None if ANY in configured else frozenset(configured)
    names: set[str] = set()
    if local:
        names |= LOOPBACK_NAMES | {bind.strip("[]").lower()}
    if base_url is not None:
        names.add((urlsplit(base_url).hostname or "").lower())
    return frozenset(names - {""}) or None


def host_name(header: str) -> str | None:
    """The name in a ``Host`` header (or an Origin's netloc), lower case, without port or
    IPv6 brackets; None when it is not a well-formed host."""
    value = header.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        rest = value[end + 1 :]
        if end < 0 or (rest and not _PORT.fullmatch(rest)):
            return None
        try:
            return str(ipaddress.IPv6Address(value[1:end]))
        except ValueError:
            return None
    value = _PORT.sub("", value)
    if not _NAME.match(value):
        return None
    return value.rstrip(".")


def is_allowed(name: str, allowed: frozenset[str] | None) -> bool:
    """Whether ``name`` (from :func:`host_name`) is one of ``allowed``; ``.example.org``
    stands for the name and every name under it."""
    if allowed is None:
        return True
    if name in allowed:
        return True
    return any(
        entry.startswith(".") and (name == entry[1:] or name.endswith(entry)) for entry in allowed
    )


def origin_allowed(origin: str, host: str, allowed: frozenset[str] | None) -> bool:
    """Whether a form posted from ``origin`` comes from this site: the Origin names an allowed
    host and the same host and port the request was sent to."""
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False  # "null" (sandboxed frames, file: pages) and anything odd
    name = host_name(parts.netloc)
    return name is not None and is_allowed(name, allowed) and parts.netloc == host.lower()


class AllowedHosts:
    """ASGI middleware: a request whose ``Host`` is missing or not allowed gets 400, before
    any route, cache or store sees it."""

    def __init__(self, app: ASGIApp, allowed: frozenset[str] | None) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.allowed is None:
            await self.app(scope, receive, send)
            return
        header = next((v for k, v in scope["headers"] if k == b"host"), b"")
        name = host_name(header.decode("latin-1"))
        if name is not None and is_allowed(name, self.allowed):
            await self.app(scope, receive, send)
            return
        body = b"Error: this site does not answer to that host name (see allowed_hosts)\n"
        await send(
            {
                "type": "http.response.start",
                "status": 400,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
