"""Per-reader slots in cached pages: one render for every reader, each response its own."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import pytest
from starlette.requests import Request

from nutgraf.store import SQLiteStore
from nutgraf.web import personal
from nutgraf.web.app import create_app
from nutgraf.web.csrf import CSRF_COOKIE, handed_out
from nutgraf.web.personal import Visit, slot
from tests.web.conftest import Archive, make_client, page_html


@pytest.fixture
def calls() -> Iterator[list[tuple[str, ...]]]:
    """A filler that answers each argument with its own text, recording each call."""
    seen: list[tuple[str, ...]] = []

    def echo(visit: Visit, arguments: Sequence[str]) -> Mapping[str, str]:
        seen.append(tuple(arguments))
        return {a: f"[{a}]" for a in arguments}

    personal.FILLERS["echo"] = echo
    yield seen
    del personal.FILLERS["echo"]


def test_a_slot_argument_cannot_break_out_of_its_comment() -> None:
    assert slot("marks", 42).startswith("<!--")
    for hostile in ("-->", "<script>", "a-b", "x" * 201):
        with pytest.raises(ValueError):
            slot("marks", hostile)


def test_fillers_get_every_argument_of_a_page_at_once(
    store: SQLiteStore, archive: Archive, calls: list[tuple[str, ...]]
) -> None:
    body = f"<p>{slot('echo', 1)} {slot('echo', 2)} {slot('echo', 1)} {slot('nobody', 3)}</p>"
    app = create_app(store)
    request = Request({"type": "http", "headers": [], "app": app, "path": "/", "query_string": b""})
    filled = personal.fill_slots(store, request, body.encode())
    assert filled.decode() == "<p>[1] [2] [1] </p>"  # an unknown slot is left empty
    assert calls == [("1", "2")] and handed_out(request) is None  # no filler used a token


def test_text_that_looks_like_a_slot_is_not_one(store: SQLiteStore, archive: Archive) -> None:
    """A query written like a slot (without the marker drawn at start-up) stays the reader's
    text, escaped where the page shows it, and fills nothing."""
    hostile = "<!--account:x-->"
    with make_client(store) as client:
        page = client.get("/search", params={"q": hostile})
    assert page.status_code == 200
    assert page_html(page.text).xpath("//input[@id='q']/@value") == [hostile]
    assert hostile not in page.text and page.text.count('href="/login"') == 1


def test_each_response_carries_its_own_csrf_token_in_a_cached_page(
    store: SQLiteStore, archive: Archive
) -> None:
    """The admin page holds the token in its forms; two browsers get two tokens, each the one
    its cookie holds, though the navigation around them is shared."""
    tokens = []
    for _ in range(2):
        with make_client(store) as client:
            page = client.get("/admin")
            token = client.cookies.get(CSRF_COOKIE)
            fields = set(page_html(page.text).xpath("//input[@name='csrf']/@value"))
            assert fields == {token}
            tokens.append(token)
    assert tokens[0] != tokens[1]


def test_the_account_slot_is_filled_on_a_cached_page(store: SQLiteStore, archive: Archive) -> None:
    with make_client(store) as client:
        first, second = client.get("/"), client.get("/")
    for page in (first, second):
        assert "<!--" not in page.text.split("<main", 1)[0]  # no marker left in the masthead
        assert page_html(page.text).xpath("//*[@class='account']//a")
