"""Reading a posted form within bounds, and the one check every state-changing form passes.

Every form of the site is read here, so none can be made to hold an endless body: the body is
read up to ``max_bytes`` (a declared length over it is refused before anything is received;
more than that is ``FormTooLarge``, a 413), then parsed. A form is
``application/x-www-form-urlencoded`` (or untyped), what a browser sends for a form without
files, or ``multipart/form-data``, what ``FormData`` sends and what carries a file; it has at
most ``max_fields`` fields. A form posted from another site (its ``Origin``), or without the
CSRF token its cookie holds, is refused (``nutgraf.web.csrf``).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.types import Message

from nutgraf.web.csrf import csrf_ok, origin_ok
from nutgraf.web.views import BadRequest

__all__ = [
    "FormRefused",
    "FormTooLarge",
    "checked_form",
    "read_form",
    "read_pairs",
    "read_upload",
]

URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


class FormRefused(Exception):
    """The form may not act: posted from another site, or without a valid CSRF token."""


class FormTooLarge(BadRequest):
    """The form's body is over its bound (answered 413)."""


async def read_form(request: Request, *, max_bytes: int, max_fields: int) -> dict[str, str]:
    """The posted text fields (the first of a repeated name); BadRequest when the form has
    too many fields, a file, another type or is not UTF-8; FormTooLarge over ``max_bytes``."""
    pairs, _ = await _parse(request, max_bytes, max_fields, None)
    return _first(pairs)


async def read_pairs(request: Request, *, max_bytes: int, max_fields: int) -> list[tuple[str, str]]:
    """Every (name, value) of the posted form in order, a repeated name each time it comes
    (the Google Reader protocol repeats ``i``), read within the same bounds as
    ``read_form``."""
    pairs, _ = await _parse(request, max_bytes, max_fields, None)
    return pairs


async def read_upload(
    request: Request, *, max_bytes: int, max_fields: int, file_field: str
) -> tuple[dict[str, str], bytes]:
    """The text fields of a form and the bytes of the one file it may carry in
    ``file_field`` (empty when none was chosen)."""
    pairs, data = await _parse(request, max_bytes, max_fields, file_field)
    return _first(pairs), data


async def checked_form(
    request: Request, allowed_hosts: frozenset[str] | None, *, max_bytes: int, max_fields: int
) -> dict[str, str]:
    """The posted form, when it comes from this site with its CSRF token; else FormRefused."""
    if not origin_ok(request, allowed_hosts):
        raise FormRefused("refused: the form was posted from another site")
    fields = await read_form(request, max_bytes=max_bytes, max_fields=max_fields)
    if not csrf_ok(request, fields):
        raise FormRefused("refused: the form has expired; reload the page")
    return fields


def _first(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """The fields of ``pairs``, the first of a repeated name."""
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    return fields


async def _parse(
    request: Request, max_bytes: int, max_fields: int, file_field: str | None
) -> tuple[list[tuple[str, str]], bytes]:
    """The form's text fields in order, and the bytes of its file in ``file_field``."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind not in (URLENCODED, MULTIPART, ""):  # none: an empty form, or a quiet client
        raise BadRequest(f"send the form as {URLENCODED} or {MULTIPART}")
    body = await _body(request, max_bytes)
    if kind == MULTIPART:
        return await _multipart(request, body, max_bytes, max_fields, file_field)
    return _pairs(body, max_fields), b""


def _pairs(body: bytes, max_fields: int) -> list[tuple[str, str]]:
    """The pairs of an URL-encoded body; BadRequest past ``max_fields`` or when not UTF-8."""
    try:
        return parse_qsl(
            body.decode("ascii"),
            keep_blank_values=True,
            strict_parsing=False,
            encoding="utf-8",
            errors="strict",
            max_num_fields=max_fields,
        )
    except ValueError:
        raise BadRequest(f"the form has more than {max_fields} fields or is not UTF-8") from None


async def _body(request: Request, max_bytes: int) -> bytes:
    """The request's body, read no further than ``max_bytes``."""
    too_large = FormTooLarge(f"the form is over {max_bytes:,} bytes")
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > max_bytes:
            raise too_large
    return bytes(body)


async def _multipart(
    request: Request, body: bytes, max_bytes: int, max_fields: int, file_field: str | None
) -> tuple[list[tuple[str, str]], bytes]:
    done = False

    async def receive() -> Message:  # the body already read, given again to the parser
        nonlocal done
        if done:
            return {"type": "http.disconnect"}
        done = True
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(request.scope, receive).form(
            max_files=1, max_fields=max_fields, max_part_size=max_bytes
        )
    except (MultiPartException, HTTPException) as error:  # Starlette turns one into the other
        message = error.message if isinstance(error, MultiPartException) else error.detail
        raise BadRequest(f"the form cannot be read: {message.rstrip('.')}") from None
    try:
        pairs: list[tuple[str, str]] = []
        data = b""
        for name, value in form.multi_items():
            if isinstance(value, str):
                pairs.append((name, value))
            elif name == file_field and not data:
                data = await value.read(max_bytes + 1)
            else:
                raise BadRequest(f"the form may not carry a file as {name!r}")
        return pairs, data
    finally:
        await form.close()
