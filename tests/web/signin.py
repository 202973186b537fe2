"""Signing a reader in for a test: the one way every reading test opens a session.

The reader is a user of the archive (added when missing, not an admin) and the session is
made as ``/login`` makes one (its credential a fingerprint of the user's password hash), so
``nutgraf.web.identity`` honours it; without the form, as many tests sign in many readers.
Per-user state is keyed by the user's name.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import httpx

from nutgraf.accounts import hash_password
from nutgraf.store.base import Store
from nutgraf.store.records import Session, User
from nutgraf.web.app import SiteConfig
from nutgraf.web.auth import SESSION_COOKIE, session_key
from nutgraf.web.identity import user_credential

TOKEN = "reading-tests-admin-token-9Fq2LxP7"
CONFIG = SiteConfig(admin_token=TOKEN, local_only=False)
PASSWORD = "reading tests password"


def sign_in(client: httpx.Client, store: Store, name: str) -> str:
    """Open a session for user ``name`` and give ``client`` its cookie; returns the cookie."""
    now = datetime.now(UTC)
    iso = "%Y-%m-%dT%H:%M:%SZ"
    user = store.user(name)
    if user is None:
        user = User(name, hash_password(PASSWORD), False, now.strftime(iso))
        store.add_user(user)
    cookie = secrets.token_urlsafe(32)
    session = Session(
        key=session_key(cookie),
        user=name,
        admin=False,
        credential=user_credential(user.password_hash),
        created=now.strftime(iso),
        expires=(now + timedelta(days=1)).strftime(iso),
    )
    store.start_session(session, now.strftime(iso))
    client.cookies.set(SESSION_COOKIE, cookie)
    return cookie
