"""``/openapi.json``: the JSON twins of the site's pages, described in OpenAPI 3.1.

Hand-written rather than generated: the twins are plain views, not typed endpoints. A test
checks that every ``.json`` route of the app is described here and nothing else is, beside
the sign-in forms (``FORMS``), which a script uses to get a session cookie.
"""

from __future__ import annotations

from typing import Any

from nutgraf import __version__

_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
_SLUG = {
    "name": "slug",
    "in": "path",
    "required": True,
    "description": "the source's host name, as /sources.json lists it",
    "schema": {"type": "string"},
}
_CATEGORY = {
    "name": "name",
    "in": "path",
    "required": True,
    "description": 'the category, percent-encoded; "/" nests (News/Europe)',
    "schema": {"type": "string"},
}
_PAGE = {
    "name": "page",
    "in": "query",
    "required": False,
    "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 1},
}
_THUMBNAIL = (
    "A thumbnail's URL: the item's image, else the first picture of its HTML "
    "(as the site's lists show it, which load it over https)."
)
_NULLABLE_STRING = {"type": ["string", "null"]}

# What every listed or stored article says of its time, kind and thumbnail.
_ITEM_FIELDS: dict[str, Any] = {
    "first_seen": {
        "type": ["string", "null"],
        "description": "When the archive first stored it.",
    },
    "dated": {
        "type": "boolean",
        "description": "False when its source gave no date: its time is `first_seen`.",
    },
    "kind": {
        "type": "string",
        "enum": ["article", "link"],
        "description": "`link`: a headline-only entry kept as a link to the original.",
    },
    "image": {"type": ["string", "null"], "description": _THUMBNAIL},
}

SCHEMAS: dict[str, Any] = {
    "Category": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "url": {"type": "string", "description": "Its page's address"},
            "articles": {"type": "integer", "description": "With its nested categories'"},
            "feeds": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "url": {"type": "string"},
                        "title": _NULLABLE_STRING,
                        "articles": {"type": "integer"},
                    },
                },
            },
        },
    },
    "CategoryRef": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "url": {"type": "string", "description": "Its page's address"},
            "feeds": {
                "type": "array",
                "description": "Its own feeds (not those of the categories nested in it)",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "url": {"type": "string"},
                        "title": _NULLABLE_STRING,
                    },
                },
            },
        },
    },
    "FeedStatus": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "url": {"type": "string"},
            "title": _NULLABLE_STRING,
            "site": _NULLABLE_STRING,
            "category": _NULLABLE_STRING,
            "status": {"type": "string", "enum": ["ok", "failing", "disabled"]},
            "failures": {"type": "integer"},
            "last_error": _NULLABLE_STRING,
            "disabled_reason": _NULLABLE_STRING,
            "last_checked": _NULLABLE_STRING,
            "last_success": _NULLABLE_STRING,
            "next_check": _NULLABLE_STRING,
            "articles": {"type": "integer"},
        },
    },
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "message"],
                "properties": {
                    "status": {"type": "integer"},
                    "message": {"type": "string"},
                },
            }
        },
    },
    "SourceRef": {
        "type": "object",
        "properties": {"name": _NULLABLE_STRING, "site": _NULLABLE_STRING},
    },
    "Duplicate": {
        "type": ["object", "null"],
        "properties": {
            "of": {"type": "integer"},
            "kind": {"type": "string", "enum": ["url", "guid", "content", "near"]},
            "overlap": {"type": "number"},
            "reason": {"type": "string"},
        },
    },
    "Summary": {
        "type": "object",
        "properties": {
            "language": {"type": "string"},
            "reading_minutes": {"type": "integer"},
            "sentences": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "text": {"type": "string"},
                        "paragraph": {"type": "integer"},
                        "start": {"type": "integer"},
                        "end": {"type": "integer"},
                    },
                },
            },
        },
    },
    "StorySentence": {
        "type": "object",
        "description": "A summary sentence quoted from one of the story's articles: "
        "`start`/`end` are offsets into that article's text.",
        "properties": {
            "text": {"type": "string"},
            "article": {"type": "integer"},
            "source": _NULLABLE_STRING,
            "paragraph": {"type": "integer"},
            "start": {"type": "integer"},
            "end": {"type": "integer"},
        },
    },
    "Headline": {
        "type": "object",
        "required": ["id", "title"],
        "properties": {
            "id": {"type": "integer"},
            "title": _NULLABLE_STRING,
            "source": {"$ref": "#/components/schemas/SourceRef"},
            "url": _NULLABLE_STRING,
            "published": _NULLABLE_STRING,
            **_ITEM_FIELDS,
            "duplicate": {"$ref": "#/components/schemas/Duplicate"},
        },
    },
    "Article": {
        "type": "object",
        "description": "Every stored field of an article, as `nutgraf export` writes it.",
        "properties": {
            "id": {"type": "integer"},
            "url": _NULLABLE_STRING,
            "canonical_url": _NULLABLE_STRING,
            "source": {
                "type": "object",
                "properties": {
                    "name": _NULLABLE_STRING,
                    "site": _NULLABLE_STRING,
                    "feed": _NULLABLE_STRING,
                },
            },
            "guid": _NULLABLE_STRING,
            "title": _NULLABLE_STRING,
            "byline": _NULLABLE_STRING,
            "published": _NULLABLE_STRING,
            "fetched": {"type": "string"},
            **_ITEM_FIELDS,
            "language": _NULLABLE_STRING,
            "subheadings": {"type": "array", "items": {"type": "string"}},
            "paragraphs": {"type": "array", "items": {"type": "string"}},
            "blocks": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "kind": {"type": "string", "enum": ["paragraph", "subheading"]},
                        "text": {"type": "string"},
                    },
                },
            },
            "text": {"type": "string"},
            "html": _NULLABLE_STRING,
            "summary": {"$ref": "#/components/schemas/Summary"},
            "related": {"type": "array", "items": {"type": "string"}},
            "previous": _NULLABLE_STRING,
            "next": _NULLABLE_STRING,
            "content_hash": {"type": "string"},
            "duplicate_of": {"type": ["integer", "null"]},
            "duplicate": {"$ref": "#/components/schemas/Duplicate"},
        },
    },
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _list_of(name: str) -> dict[str, Any]:
    return {"type": "array", "items": _ref(name)}


_LISTED = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "title": _NULLABLE_STRING,
        "source": _ref("SourceRef"),
        "url": _NULLABLE_STRING,
        "published": _NULLABLE_STRING,
        **_ITEM_FIELDS,
    },
}

# path -> (summary, parameters, response schema)
ENDPOINTS: dict[str, tuple[str, list[dict[str, Any]], dict[str, Any]]] = {
    "/index.json": (
        "The newest articles, each with its summary",
        [_PAGE],
        {
            "type": "object",
            "properties": {
                "page": {"type": "integer"},
                "next_page": {"type": ["integer", "null"]},
                "articles": {
                    "type": "array",
                    "items": {
                        "allOf": [_LISTED],
                        "properties": {"summary": _ref("Summary")},
                    },
                },
            },
        },
    ),
    "/articles/{id}.json": (
        "An article with its summary, Read also, copies and neighbours; for a signed-in "
        "reader also `read` and `starred` (booleans, their own)",
        [
            _ID,
            {
                "name": "from",
                "in": "query",
                "required": False,
                "description": "`source`: previous and next stay within the article's source",
                "schema": {"type": "string", "enum": ["source"]},
            },
        ],
        {
            "type": "object",
            "properties": {
                "article": _ref("Article"),
                "read_also": _list_of("Headline"),
                "also_reported_by": _list_of("Headline"),
                "group": {"type": ["integer", "null"]},
                "previous_article": {"oneOf": [_ref("Headline"), {"type": "null"}]},
                "next_article": {"oneOf": [_ref("Headline"), {"type": "null"}]},
                "story": {
                    "type": ["object", "null"],
                    "description": "The story the article is part of, when other outlets "
                    "told it too",
                    "properties": {"id": {"type": "integer"}, "headline": _NULLABLE_STRING},
                },
                "category": {
                    "type": ["string", "null"],
                    "description": "The category of the feed it came from (its page: "
                    "/categories/NAME)",
                },
            },
        },
    ),
    "/sources.json": (
        "Every source in the archive",
        [],
        {
            "type": "object",
            "properties": {
                "sources": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "site": {"type": "string"},
                            "slug": {"type": "string"},
                            "name": _NULLABLE_STRING,
                            "articles": {"type": "integer"},
                            "latest": {"type": "string"},
                        },
                    },
                }
            },
        },
    ),
    "/sources/{slug}.json": (
        "The newest articles of one source",
        [_SLUG, _PAGE],
        {
            "type": "object",
            "properties": {
                "source": {"type": "object"},
                "page": {"type": "integer"},
                "next_page": {"type": ["integer", "null"]},
                "articles": _list_of("Headline"),
            },
        },
    ),
    "/categories.json": (
        "Every category of the subscribed feeds, with its feeds and article counts",
        [],
        {
            "type": "object",
            "properties": {"categories": {"type": "array", "items": _ref("Category")}},
        },
    ),
    "/categories/{name}.json": (
        "The newest articles of one category's feeds (and of the categories nested in it)",
        [_CATEGORY, _PAGE],
        {
            "type": "object",
            "properties": {
                "category": _ref("CategoryRef"),
                "page": {"type": "integer"},
                "next_page": {"type": ["integer", "null"]},
                "articles": _list_of("Headline"),
            },
        },
    ),
    "/admin/feeds.json": (
        "For admins (an admin session, `Authorization: Bearer` with the admin token, or a "
        "loopback server without one): every subscribed feed with its status",
        [],
        {
            "type": "object",
            "properties": {"feeds": {"type": "array", "items": _ref("FeedStatus")}},
        },
    ),
    "/search.json": (
        "Articles holding every word of the query (in any form of the article's language: "
        '"strike" finds "strikes"), newest first; "total" counts them exactly up to 1,000 '
        '("total_is_exact" false: more than "total")',
        [
            {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}},
            _PAGE,
        ],
        {
            "type": "object",
            "properties": {
                "query": {"type": "string"},
                "page": {"type": "integer"},
                "next_page": {"type": ["integer", "null"]},
                "total": {"type": "integer"},
                "total_is_exact": {"type": "boolean"},
                "results": {
                    "type": "array",
                    "items": {"allOf": [_LISTED], "properties": {"snippet": {"type": "string"}}},
                },
            },
        },
    ),
    "/groups/{id}.json": (
        "A duplicate group: the first article and its later copies",
        [_ID],
        {
            "type": "object",
            "properties": {"first": {"type": "integer"}, "articles": _list_of("Headline")},
        },
    ),
    "/stories.json": (
        "The latest stories told by two or more outlets, each with its summary",
        [_PAGE],
        {
            "type": "object",
            "properties": {
                "page": {"type": "integer"},
                "next_page": {"type": ["integer", "null"]},
                "stories": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "id": {"type": "integer"},
                            "headline": _NULLABLE_STRING,
                            "articles": {"type": "integer"},
                            "sources": {"type": "integer"},
                            "first": {"type": "string"},
                            "last": {"type": "string"},
                            "summary": _list_of("StorySentence"),
                        },
                    },
                },
            },
        },
    ),
    "/stories/{id}.json": (
        "A story: headline, who reported it first, its articles by time, its summary",
        [_ID],
        {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "headline": {"type": "string"},
                "first_reported_by": {"type": "array", "items": {"type": "string"}},
                "sources": {"type": "array", "items": {"type": "string"}},
                "articles": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "id": {"type": "integer"},
                            "title": _NULLABLE_STRING,
                            "source": {"type": "string"},
                            "time": {"type": "string"},
                            "url": _NULLABLE_STRING,
                            "image": {"type": ["string", "null"], "description": _THUMBNAIL},
                        },
                    },
                },
                "summary": _list_of("StorySentence"),
            },
        },
    ),
}


_FORM_ERRORS: dict[str, Any] = {
    "400": {"description": "The form is too large, has too many fields, or is not URL-encoded"},
    "403": {
        "description": "No CSRF token, or posted from another site (or, at /login, a "
        "wrong user name or password: one answer for both)"
    },
}
_CSRF = {
    "type": "string",
    "description": "The value of the `nutgraf_csrf` cookie (double submit); any page sets it.",
}

# path -> OpenAPI path item: the forms that sign in and out (HTML pages, not JSON twins).
FORMS: dict[str, dict[str, Any]] = {
    "/login": {
        "get": {
            "summary": "The sign-in form (HTML); `next` is where to go afterwards",
            "parameters": [
                {"name": "next", "in": "query", "required": False, "schema": {"type": "string"}}
            ],
            "responses": {"200": {"description": "The form", "content": {"text/html": {}}}},
        },
        "post": {
            "summary": "Sign in: opens a session (cookie `nutgraf_session`), then goes to `next`",
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "type": "object",
                            "required": ["username", "password", "csrf"],
                            "properties": {
                                "username": {"type": "string", "maxLength": 32},
                                "password": {
                                    "type": "string",
                                    "description": "1,024 bytes at most",
                                },
                                "csrf": _CSRF,
                                "next": {
                                    "type": "string",
                                    "description": "A path on this site (else `/`)",
                                },
                            },
                        }
                    }
                },
            },
            "responses": {
                "303": {"description": "Signed in; `Location` is `next`"},
                **_FORM_ERRORS,
                "429": {"description": "Too many failed sign-ins; see `Retry-After`"},
            },
        },
    },
    "/logout": {
        "post": {
            "summary": "Sign out: ends the session",
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "type": "object",
                            "required": ["csrf"],
                            "properties": {"csrf": _CSRF},
                        }
                    }
                },
            },
            "responses": {"303": {"description": "Signed out; back to `/`"}, **_FORM_ERRORS},
        }
    },
}


# A signed-in reader's own (issue 17, ``nutgraf.web.reading``): 401 without a session.
_READER_LISTED: dict[str, Any] = {
    "page": {"type": "integer"},
    "next_page": {"type": ["integer", "null"]},
    "articles": {
        "type": "array",
        "items": {
            "allOf": [_ref("Headline")],
            "properties": {"read": {"type": "boolean"}, "starred": {"type": "boolean"}},
        },
    },
}
_READER_LIST = {"type": "object", "properties": _READER_LISTED}
_FILTER = [
    {
        "name": "feed",
        "in": "query",
        "required": False,
        "description": "only the articles of this feed (its number)",
        "schema": {"type": "integer"},
    },
    {
        "name": "category",
        "in": "query",
        "required": False,
        "description": "only the articles of the feeds in this category",
        "schema": {"type": "string", "maxLength": 200},
    },
]
_MARKS = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "read": {"type": "boolean"},
        "starred": {"type": "boolean"},
    },
}
_FORM = "A form (``application/x-www-form-urlencoded`` or multipart) with the field ``csrf``"
READER_ENDPOINTS: dict[str, tuple[str, str, list[dict[str, Any]], dict[str, Any]]] = {
    "/unread.json": (
        "get",
        "The reader's unread articles, newest first, and their total",
        [_PAGE, *_FILTER],
        {
            "type": "object",
            "properties": {
                "unread": {"type": "integer", "description": "the reader's unread total"},
                **_READER_LISTED,
            },
        },
    ),
    "/starred.json": ("get", "The reader's starred articles, newest first", [_PAGE], _READER_LIST),
    "/settings.json": (
        "get",
        "The reader's settings",
        [],
        {
            "type": "object",
            "properties": {
                "mark_on_open": {"type": "boolean"},
                "api_summaries": {
                    "type": "boolean",
                    "description": "apps' items are headed by the article's summary",
                },
            },
        },
    ),
    **{
        f"/articles/{{id}}/{action}.json": (
            "post",
            f"{_FORM}: {action} the article for the reader",
            [_ID],
            _MARKS,
        )
        for action in ("read", "unread", "star", "unstar")
    },
    "/mark-read.json": (
        "post",
        f"{_FORM} and exactly one of ``ids`` (comma or space separated, at most 200), "
        "``feed`` (a feed's number), ``category`` or ``before`` (ISO 8601): mark them read",
        [],
        {
            "type": "object",
            "properties": {
                "marked": {"type": ["integer", "null"]},
                "unread": {"type": "integer"},
            },
        },
    ),
}


def openapi_document(site_name: str) -> dict[str, Any]:
    errors: dict[str, Any] = {
        str(status): {
            "description": text,
            "content": {"application/json": {"schema": _ref("Error")}},
        }
        for status, text in (
            (400, "Bad request"),
            (401, "Not signed in, on a private site (`public = false`)"),
            (404, "Not found"),
            (503, "Unavailable"),
        )
    }
    refused = {
        str(status): {
            "description": text,
            "content": {"application/json": {"schema": _ref("Error")}},
        }
        for status, text in ((401, "Sign in first"), (403, "Refused"))
    }
    paths: dict[str, Any] = {}
    for path, (summary, parameters, schema) in ENDPOINTS.items():
        ok = {"description": "OK", "content": {"application/json": {"schema": schema}}}
        responses: dict[str, Any] = {"200": ok, **errors}
        if path.startswith("/admin/"):
            responses.update(refused)
        paths[path] = {
            "get": {"summary": summary, "parameters": parameters, "responses": responses}
        }
    paths.update(FORMS)
    for path, (method, summary, parameters, schema) in READER_ENDPOINTS.items():
        ok = {"description": "OK", "content": {"application/json": {"schema": schema}}}
        refused = {
            str(status): {
                "description": text,
                "content": {"application/json": {"schema": _ref("Error")}},
            }
            for status, text in ((401, "Not signed in"), (403, "Refused (CSRF, Origin)"))
        }
        responses = {"200": ok, **errors, **refused}
        paths[path] = {
            method: {"summary": summary, "parameters": parameters, "responses": responses}
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{site_name} JSON API",
            "version": __version__,
            "description": "Each HTML page of the site has this JSON twin at the same "
            "address plus `.json`; errors share one shape, `Error`.",
        },
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "nutgraf_session",
                    "description": "The cookie POST /login sets; needed for every path on a "
                    "private site, and for a reader's own views.",
                }
            },
        },
    }
