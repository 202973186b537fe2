"""What every endpoint of the Google Reader API shares: its addresses, reading a request's
parameters within bounds, and its answers (text or JSON, never cached; an error is one line
of text with its status, never a page of the site).

Parameters come from the query string and, for a POST, from its URL-encoded body, in that
order; a name may repeat (``i``, ``s``, ``a``, ``r``), so they are kept as pairs.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from nutgraf.errors import InputError, NutgrafError
from nutgraf.web.forms import FormTooLarge, read_pairs
from nutgraf.web.site import Site
from nutgraf.web.views import BadRequest, NotFound

__all__ = [
    "API",
    "PREFIX",
    "ApiError",
    "Endpoint",
    "Params",
    "json_answer",
    "query_params",
    "read_params",
    "site_of",
    "text_answer",
    "wrapped",
]

log = logging.getLogger("nutgraf.web.greader")

PREFIX = "/api/greader"
API = f"{PREFIX}/reader/api/0"
MAX_QUERY_CHARS = 16_384
MAX_BODY_BYTES = 256 * 1024  # a thousand long-form ids with their names is under 64 kB
MAX_FIELDS = 2100  # a thousand ids, their tags and the token
NO_STORE = {"cache-control": "private, no-store"}
# Any origin may call, as FreshRSS and Miniflux let web and Electron apps (Fluent Reader) do:
# a call authenticates with its Authorization header, never a cookie, so a page gains nothing
# it did not already hold.
CORS = {
    "access-control-allow-origin": "*",
    "access-control-allow-methods": "GET, POST",
    "access-control-allow-headers": "Authorization, Content-Type",
    "access-control-max-age": "600",
}


class ApiError(Exception):
    """The request cannot be answered: ``status`` and a message saying why and what to do."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass(frozen=True, slots=True)
class Params:
    """A request's parameters, the query string's first, each repeated name kept."""

    pairs: tuple[tuple[str, str], ...]

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first value of ``name``."""
        return next((value for key, value in self.pairs if key == name), default)

    def all(self, name: str) -> list[str]:
        """Every value of ``name``, in order."""
        return [value for key, value in self.pairs if key == name]


async def read_params(request: Request) -> Params:
    """The query string's pairs, then the POSTed form's, within bounds."""
    pairs = list(query_params(request).pairs)
    if request.method == "POST":
        pairs += await read_pairs(request, max_bytes=MAX_BODY_BYTES, max_fields=MAX_FIELDS)
    return Params(tuple(pairs))


def query_params(request: Request) -> Params:
    """The query string's pairs, within bounds."""
    query = request.scope.get("query_string", b"")
    if len(query) > MAX_QUERY_CHARS:
        raise ApiError(414, f"the query string is over {MAX_QUERY_CHARS:,} characters")
    try:
        pairs = parse_qsl(
            query.decode("ascii"),
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except ValueError:
        raise ApiError(400, "the query string has too many fields or is not UTF-8") from None
    return Params(tuple(pairs))


def site_of(request: Request) -> Site:
    return request.app.state.site  # type: ignore[no-any-return]


def text_answer(body: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body,
        status_code=status,
        media_type="text/plain; charset=utf-8",
        headers={**NO_STORE, **(headers or {})},
    )


def json_answer(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(body, status_code=status, media_type="application/json", headers=NO_STORE)


Endpoint = Callable[[Request], Awaitable[Response]]


def wrapped(work: Endpoint) -> Endpoint:
    """``work`` answering its refusals as this protocol's errors (one line of text), a
    browser's preflight (``OPTIONS``) with no body, and every answer with ``CORS``."""

    @functools.wraps(work)
    async def endpoint(request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status_code=204, headers=CORS)
        answer = await _answered(request)
        answer.headers.update(CORS)
        return answer

    async def _answered(request: Request) -> Response:
        try:
            return await work(request)
        except ApiError as error:
            return text_answer(error.message, error.status, error.headers)
        except FormTooLarge as error:
            return text_answer(str(error), 413)
        except (BadRequest, InputError) as error:
            return text_answer(str(error), 400)
        except NotFound as error:
            return text_answer(str(error), 404)
        except NutgrafError as error:
            log.error("greader: the archive failed: %s", error)
            return text_answer(f"the archive cannot be used now: {error}", 503)

    return endpoint
