"""The parts of a page that differ per reader, filled in after the page cache.

A page is rendered once for every reader and cached (``nutgraf.web.app``); what is one
reader's own (their name in the navigation, whether they read or starred an article, their
unread counts, the CSRF token of their forms) is left in it as a slot: an HTML comment
holding a random marker, a slot name and an argument (``slot("marks", 42)`` in a template).
Each response fills its slots for its reader: a filler gets every argument of its slot on
the page at once, so a list of fifty articles asks the archive once, not fifty times.

The marker is drawn at start-up and never shown, so nothing an article holds can spell a slot.
"""

from __future__ import annotations

import re
import secrets
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape
from starlette.requests import Request

from nutgraf.store.base import Store
from nutgraf.web.csrf import csrf_token
from nutgraf.web.identity import Reader, reader

__all__ = ["FILLERS", "Visit", "fill_slots", "slot"]

_MARK = secrets.token_hex(12)
_OPEN = f"<!--{_MARK}:"  # a slot: <!--MARK:name:argument-->
_OPEN_BYTES = _OPEN.encode()
_NAME = re.compile(r"[a-z_]{1,32}")
_ARGUMENT = re.compile(r"[^<>\-]{0,200}")


@dataclass(frozen=True, slots=True)
class Visit:
    """Who asks for a page: the signed-in reader (None: anonymous), over the site's archive.
    ``csrf`` is their CSRF token, handed out only when a filler puts it in the page (then
    the response sets its cookie). ``memo`` keeps what one filler read for the others of the
    same response (the reading state of the page's articles, read once for its classes and
    its buttons)."""

    store: Store
    reader: Reader | None
    request: Request
    memo: dict[str, Any] = field(default_factory=dict)

    @property
    def csrf(self) -> str:
        return csrf_token(self.request)


# A filler answers the arguments of its slot on one page with the HTML for each.
Filler = Callable[[Visit, Sequence[str]], Mapping[str, str]]


def slot(name: str, argument: object = "") -> Markup:
    """A placeholder for ``name``'s filler, with ``argument`` (an id, a feed's address...)."""
    text = str(argument)
    if not _ARGUMENT.fullmatch(text):
        raise ValueError(f"a slot's argument cannot hold <, > or -: {text!r}")
    return Markup(f"<!--{_MARK}:{name}:{escape(text)}-->")


def _csrf(visit: Visit, arguments: Sequence[str]) -> Mapping[str, str]:
    return dict.fromkeys(arguments, str(escape(visit.csrf)))


def _account(visit: Visit, arguments: Sequence[str]) -> Mapping[str, str]:
    """The navigation's account part: "Sign in", or the reader's name, a Sign out button
    (a form holding the CSRF token) and, for an admin, a link to the admin pages."""
    who = visit.reader
    if who is None:
        html = '<a href="/login">Sign in</a>'
    else:
        html = (
            f'<span class="who">{escape(who.name)}</span>'
            + (' <a href="/admin">Admin</a>' if who.admin else "")
            + ' <form class="signout" method="post" action="/logout">'
            f'<input type="hidden" name="csrf" value="{escape(visit.csrf)}">'
            '<button type="submit">Sign out</button></form>'
        )
    return dict.fromkeys(arguments, html)


FILLERS: dict[str, Filler] = {"csrf": _csrf, "account": _account}


# The slots whose HTML holds the reader's CSRF token (in a form): a page with one of them
# makes its response set the token's cookie.
def fill_slots(store: Store, request: Request, body: bytes) -> bytes:
    """``body`` with its slots filled for the request's reader (a filler that puts the CSRF
    token in the page hands it out: ``nutgraf.web.csrf.handed_out``)."""
    if _OPEN_BYTES not in body:
        return body
    # One pass of str.split over the page (twice as fast as a regular expression's search
    # and substitution): each part after the first starts with a slot's "name:argument-->".
    first, *parts = body.decode("utf-8").split(_OPEN)
    slots: list[tuple[str, str, str]] = []
    wanted: defaultdict[str, list[str]] = defaultdict(list)
    for part in parts:
        inside, closed, tail = part.partition("-->")
        name, _, argument = inside.partition(":")
        if not closed or not _NAME.fullmatch(name) or not _ARGUMENT.fullmatch(argument):
            slots.append(("", "", _OPEN + part))  # not a slot's markup: left as it is
            continue
        slots.append((name, argument, tail))
        wanted[name].append(argument)
    visit = Visit(store, reader(request), request)
    answers = {
        name: FILLERS[name](visit, list(dict.fromkeys(arguments)))
        for name, arguments in wanted.items()
        if name in FILLERS
    }
    filled = [first]
    for name, argument, tail in slots:
        if name:
            filled.append(answers.get(name, {}).get(argument, ""))
        filled.append(tail)
    return "".join(filled).encode("utf-8")
