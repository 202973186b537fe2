"""The Google Reader API at ``/api/greader`` (issue 18), for reading apps (newsboat's FeedHQ
mode, Reeder, FeedMe, NetNewsWire...): ``auth`` (who), ``streams`` (the protocol's names),
``items`` (an item as JSON and Atom), ``reading`` and ``subscriptions`` (the endpoints).
docs/apps.md lists the endpoints and what nutgraf does differently."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from nutgraf.web.greader import reading, subscriptions
from nutgraf.web.greader.auth import client_login
from nutgraf.web.greader.protocol import API, PREFIX, Endpoint, read_params, wrapped

__all__ = ["greader_routes"]


async def _client_login(request: Request) -> Response:
    return await client_login(request, await read_params(request))


def greader_routes() -> list[BaseRoute]:
    """Every route of the API, under ``/api/greader``."""
    # OPTIONS everywhere: a browser's preflight (``protocol.wrapped`` answers it).
    get, post, both = ["GET", "OPTIONS"], ["POST", "OPTIONS"], ["GET", "POST", "OPTIONS"]
    calls: list[tuple[str, Endpoint, list[str]]] = [
        ("token", reading.token, both),
        ("user-info", reading.user_info, both),
        ("subscription/list", reading.subscription_list, both),
        ("subscription/edit", subscriptions.subscription_edit, post),
        ("subscription/quickadd", subscriptions.subscription_quickadd, post),
        ("subscription/export", subscriptions.subscription_export, both),
        ("subscription/import", subscriptions.subscription_import, post),
        ("tag/list", reading.tag_list, both),
        ("rename-tag", subscriptions.rename_tag, post),
        ("disable-tag", subscriptions.disable_tag, post),
        ("unread-count", reading.unread_count, both),
        ("stream/contents", reading.stream_contents, both),
        ("stream/contents/{stream:path}", reading.stream_contents, both),
        ("stream/items/ids", reading.items_ids, both),
        ("stream/items/contents", reading.items_contents, both),
        ("edit-tag", reading.edit_tag, post),
        ("mark-all-as-read", reading.mark_all_as_read, post),
    ]
    routes: list[BaseRoute] = [
        Route(f"{PREFIX}/accounts/ClientLogin", wrapped(_client_login), methods=post),
        Route(f"{PREFIX}/reader/atom", wrapped(reading.atom), methods=get),
        Route(f"{PREFIX}/reader/atom/{{stream:path}}", wrapped(reading.atom), methods=get),
    ]
    routes.extend(
        Route(f"{API}/{path}", wrapped(call), methods=methods, name=f"greader_{path}")
        for path, call, methods in calls
    )
    return routes
