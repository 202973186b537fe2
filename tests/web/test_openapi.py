"""``/openapi.json`` describes exactly the app's JSON twins, and they answer as described."""

from __future__ import annotations

import re
from typing import Any

from starlette.routing import Route
from starlette.testclient import TestClient

from nutgraf.store import SQLiteStore
from nutgraf.stories.archive import update_stories
from nutgraf.web.app import create_app
from nutgraf.web.openapi import FORMS, READER_ENDPOINTS, SCHEMAS
from tests.web.conftest import FETCHED as STAMP
from tests.web.conftest import Archive

_CONVERTOR = re.compile(r"\{(\w+):\w+\}")


def json_routes() -> set[str]:
    """The app's ``.json`` paths in OpenAPI's spelling, less the document itself."""
    app = create_app(SQLiteStore(":memory:"))
    found = {
        _CONVERTOR.sub(r"{\1}", route.path)
        for route in app.routes
        if isinstance(route, Route) and route.path.endswith(".json")
    }
    return found - {"/openapi.json"}


def test_openapi_lists_exactly_the_json_twins(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == json_routes() | set(FORMS)
    assert len(json_routes()) == 11 + len(READER_ENDPOINTS)


def test_the_sign_in_forms_are_routes_with_their_methods(client: TestClient) -> None:
    app = create_app(SQLiteStore(":memory:"))
    methods: dict[str, set[str]] = {}
    for route in app.routes:
        if isinstance(route, Route) and route.path in FORMS:
            methods.setdefault(route.path, set()).update(route.methods or ())
    for path, item in FORMS.items():
        assert {method.upper() for method in item} <= methods[path], path


def test_every_twin_has_an_html_page_at_the_same_address(client: TestClient) -> None:
    app = create_app(SQLiteStore(":memory:"))
    pages = {route.path for route in app.routes if isinstance(route, Route)}
    for twin in json_routes():
        html = "/" if twin == "/index.json" else twin.removesuffix(".json")
        spelled = {re.sub(r"\{(\w+)\}", rf"{{\1:{kind}}}", html) for kind in ("rowid", "path")}
        assert spelled & pages or html in pages, twin


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return SCHEMAS[ref.rsplit("/", 1)[1]] if ref else schema


def test_the_twins_answer_with_the_documented_fields(
    client: TestClient, archive: Archive, store: SQLiteStore
) -> None:
    update_stories(store)
    story = store.story_of(archive.vote)
    document = client.get("/openapi.json").json()
    examples = {
        "/stories.json": "/stories.json",
        "/stories/{id}.json": f"/stories/{story}.json",
        "/index.json": "/index.json",
        "/articles/{id}.json": f"/articles/{archive.vote}.json",
        "/sources.json": "/sources.json",
        "/sources/{slug}.json": "/sources/coast.test.json",
        "/search.json": "/search.json?q=lighthouse",
        "/groups/{id}.json": f"/groups/{archive.copy}.json",
        "/categories.json": "/categories.json",
        "/categories/{name}.json": "/categories/News/Harbour.json",
        "/admin/feeds.json": "/admin/feeds.json",
    }
    store.add_feed("https://www.harbour.test/feed.xml", category="News/Harbour", now=STAMP)
    # A reader's own are checked signed in (tests/web/test_reading.py).
    assert set(examples) == set(document["paths"]) - set(FORMS) - set(READER_ENDPOINTS)
    for path, example in examples.items():
        operation = document["paths"][path]["get"]
        assert {"200", "400", "404"} <= set(operation["responses"])
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        body = client.get(example).json()
        assert set(body) == set(schema["properties"]), path
        for name in re.findall(r"\{(\w+)\}", path):
            assert name in {p["name"] for p in operation["parameters"] if p["in"] == "path"}
    article = client.get(f"/articles/{archive.vote}.json").json()["article"]
    assert set(article) == set(SCHEMAS["Article"]["properties"])
    assert set(article["source"]) == set(SCHEMAS["Article"]["properties"]["source"]["properties"])
    headline = client.get(f"/groups/{archive.copy}.json").json()["articles"][1]
    assert set(headline) == set(SCHEMAS["Headline"]["properties"])
    listed = client.get("/stories.json").json()["stories"]
    assert [s["id"] for s in listed] == [story]
    assert set(listed[0]["summary"][0]) == set(SCHEMAS["StorySentence"]["properties"])


def test_the_error_shape_is_documented(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    error = document["components"]["schemas"]["Error"]
    body = client.get("/articles/999.json").json()
    assert set(body) == set(error["required"])
    assert set(body["error"]) == set(error["properties"]["error"]["required"])
    for path, item in document["paths"].items():
        if path in FORMS:
            continue
        (operation,) = item.values()
        assert operation["responses"]["404"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }
