"""Where the broker is and how it notices a dead worker: ``--redis`` and ``NUTGRAF_*`` variables.

``NUTGRAF_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``) names the Redis server and
database; ``NUTGRAF_REDIS_NAMESPACE`` (default ``nutgraf``) prefixes every key, so several
deployments (or test runs) can share a server; ``NUTGRAF_HEARTBEAT_SECONDS`` (default 60) is
how long a worker may stay silent before it counts as dead and the messages it had taken go
back to their queue.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from nutgraf.errors import NutgrafError

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_NAMESPACE = "nutgraf"
DEFAULT_HEARTBEAT_SECONDS = 60.0
_NAMESPACE = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")


@dataclass(frozen=True, slots=True)
class BrokerSettings:
    """The Redis server (``url``), the key prefix (``namespace``) and the heartbeat timeout."""

    url: str = DEFAULT_REDIS_URL
    namespace: str = DEFAULT_NAMESPACE
    heartbeat_seconds: float = DEFAULT_HEARTBEAT_SECONDS


def broker_settings(
    url: str | None = None, environ: Mapping[str, str] | None = None
) -> BrokerSettings:
    """The settings in force: ``url`` (``--redis``) over ``NUTGRAF_REDIS_URL`` over the
    default, and the namespace and heartbeat from the environment.

    Raises:
        NutgrafError: a value is not usable (the message names the variable and the value).
    """
    environ = os.environ if environ is None else environ
    url = url or environ.get("NUTGRAF_REDIS_URL") or DEFAULT_REDIS_URL
    if urlsplit(url).scheme not in ("redis", "rediss", "unix"):
        raise NutgrafError(
            f"{redact(url)} is not a Redis URL; give one like {DEFAULT_REDIS_URL} "
            "(--redis or NUTGRAF_REDIS_URL)"
        )
    namespace = environ.get("NUTGRAF_REDIS_NAMESPACE") or DEFAULT_NAMESPACE
    if not _NAMESPACE.match(namespace):
        raise NutgrafError(
            f"NUTGRAF_REDIS_NAMESPACE has value {namespace!r}. Use letters, digits, '_.:-'."
        )
    raw = environ.get("NUTGRAF_HEARTBEAT_SECONDS", str(DEFAULT_HEARTBEAT_SECONDS))
    try:
        heartbeat = float(raw)
    except ValueError:
        heartbeat = -1.0
    if not 1.0 <= heartbeat <= 3600.0:
        raise NutgrafError(
            f"NUTGRAF_HEARTBEAT_SECONDS has value {raw!r}. Use a number of seconds, 1 to 3600."
        )
    return BrokerSettings(url, namespace, heartbeat)


def redact(url: str) -> str:
    """``url`` with its password, if any, replaced by ``***``."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
    except ValueError:
        return "the Redis URL"
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))
