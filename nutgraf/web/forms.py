"""Reading a posted form within bounds, and the one check every state-changing form passes.

A form is read up to ``max_bytes`` (more is refused before it is all received) and parsed as
``application/x-www-form-urlencoded`` (or untyped), what a browser sends for a form without
files, taking at most ``max_fields`` fields. A form posted from another site (its
``Origin``), or without the CSRF token its cookie holds, is refused (``nutgraf.web.csrf``).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request

from nutgraf.web.csrf import csrf_ok, origin_ok
from nutgraf.web.views import BadRequest

__all__ = ["FormRefused", "checked_form", "read_form"]

URLENCODED = "application/x-www-form-urlencoded"


class FormRefused(Exception):
    """The form may not act: posted from another site, or without a valid CSRF token."""


async def read_form(request: Request, *, max_bytes: int, max_fields: int) -> dict[str, str]:
    """The posted fields (the first of a repeated name); BadRequest when the form is too
    large, has too many fields, is not URL-encoded or not UTF-8."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind not in (URLENCODED, ""):  # none: an empty form, or a client that does not say
        raise BadRequest(f"send the form as {URLENCODED}")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise BadRequest(f"the form is over {max_bytes} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > max_bytes:
            raise BadRequest(f"the form is over {max_bytes} bytes")
    try:
        pairs = parse_qsl(
            body.decode("ascii"),
            keep_blank_values=True,
            strict_parsing=False,
            encoding="utf-8",
            errors="strict",
            max_num_fields=max_fields,
        )
    except ValueError:
        raise BadRequest(f"the form has more than {max_fields} fields or is not UTF-8") from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    return fields


async def checked_form(
    request: Request, allowed_hosts: frozenset[str] | None, *, max_bytes: int, max_fields: int
) -> dict[str, str]:
    """The posted form, when it comes from this site with its CSRF token; else FormRefused."""
    if not origin_ok(request, allowed_hosts):
        raise FormRefused("refused: the form was posted from another site")
    fields = await read_form(request, max_bytes=max_bytes, max_fields=max_fields)
    if not csrf_ok(request, fields):
        raise FormRefused("refused: the form has expired; reload the page and send it again")
    return fields
