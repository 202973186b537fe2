"""Signing a reader in for a test: the one way every reading test opens a session.

Until user accounts land, a session counts when its credential is the admin token's
fingerprint (``nutgraf.web.identity``), so the site under test is made with ``TOKEN`` as its
admin token (``CONFIG``). Per-user state is keyed by the session's user name.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import httpx

from nutgraf.store.base import Store
from nutgraf.store.sessions import Session
from nutgraf.web.app import SiteConfig
from nutgraf.web.auth import SESSION_COOKIE, session_key
from nutgraf.web.identity import token_credential

TOKEN = "reading-tests-admin-token-9Fq2LxP7"
CONFIG = SiteConfig(admin_token=TOKEN, local_only=False)


def sign_in(client: httpx.Client, store: Store, name: str) -> str:
    """Open a session for ``name`` and give ``client`` its cookie; returns the cookie."""
    cookie = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    iso = "%Y-%m-%dT%H:%M:%SZ"
    session = Session(
        key=session_key(cookie),
        user=name,
        admin=True,
        credential=token_credential(TOKEN),
        created=now.strftime(iso),
        expires=(now + timedelta(days=1)).strftime(iso),
    )
    store.start_session(session, now.strftime(iso))
    client.cookies.set(SESSION_COOKIE, cookie)
    return cookie
