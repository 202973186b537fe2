"""The app as the server processes build it, from the environment ``nutgraf serve`` sets."""

from __future__ import annotations

import os

from starlette.applications import Starlette

from nutgraf.config import load_settings
from nutgraf.store import archive_location, open_store
from nutgraf.web.app import SiteConfig, create_app
from nutgraf.web.hosts import allowed_hosts


def app_from_environment() -> Starlette:
    """One worker's app: its own connection (or pool) to the archive ``nutgraf serve`` named in
    ``NUTGRAF_DB`` (the default archive when it is unset)."""
    settings = load_settings()
    store = open_store(archive_location())
    local = os.environ.get("NUTGRAF_SERVE_LOCAL", "1") == "1"
    config = SiteConfig(
        admin_token=settings.admin_token,
        local_only=local,
        cache_seconds=settings.page_cache_seconds,
        allowed_hosts=allowed_hosts(
            settings.allowed_hosts,
            bind=os.environ.get("NUTGRAF_SERVE_HOST", "127.0.0.1"),
            local=local,
            base_url=settings.base_url,
        ),
        base_url=settings.base_url,
        remote_images=settings.remote_images,
        public=settings.public,
    )
    return create_app(store, config)
