"""``/openapi.json``: the JSON twins of the site's pages, described in OpenAPI 3.1.

Hand-written rather than generated: the twins are plain views, not typed endpoints. A test
checks that every ``.json`` route of the app is described here and nothing else is.
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
        "An article with its summary, Read also, copies and neighbours",
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


def openapi_document(site_name: str) -> dict[str, Any]:
    errors: dict[str, Any] = {
        str(status): {
            "description": text,
            "content": {"application/json": {"schema": _ref("Error")}},
        }
        for status, text in ((400, "Bad request"), (404, "Not found"), (503, "Unavailable"))
    }
    paths: dict[str, Any] = {}
    for path, (summary, parameters, schema) in ENDPOINTS.items():
        ok = {"description": "OK", "content": {"application/json": {"schema": schema}}}
        responses: dict[str, Any] = {"200": ok, **errors}
        paths[path] = {
            "get": {"summary": summary, "parameters": parameters, "responses": responses}
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
        "components": {"schemas": SCHEMAS},
    }
