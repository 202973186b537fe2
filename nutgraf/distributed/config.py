"""Where the broker is and how it notices a dead worker: ``--redis`` and ``NUTGRAF_*`` variables.

``NUTGRAF_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``) names the Redis server and
database; ``NUTGRAF_REDIS_NAMESPACE`` (default ``nutgraf``) prefixes every key, so several
deployments (or test runs) can share a server; ``NUTGRAF_HEARTBEAT_SECONDS`` (default 60) is
how long a worker may stay silent before it counts as dead and the messages it had taken go
back to their queue.

A worker's time limits (``WorkerLimits``): ``NUTGRAF_FEED_TIME_LIMIT`` and
``NUTGRAF_ENTRY_TIME_LIMIT`` (seconds, default 300 and 120) interrupt a poll or an entry that
runs longer, which is then recorded as failed (see ``poison``).
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
# A feed's fetch takes 30 s at most, but may first wait for its host's turn (the per-host
# limiter), then parsing a 10 MB feed takes seconds: 5 minutes leaves room for both.
DEFAULT_FEED_TIME_LIMIT = 300.0
# An entry's page fetch takes 30 s at most (plus its host's turn); the rest takes
# milliseconds (docs/deployment.md, Sizing).
DEFAULT_ENTRY_TIME_LIMIT = 120.0
MAX_TIME_LIMIT = 86_400.0  # a day: anything longer is a typo, or no limit at all
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


@dataclass(frozen=True, slots=True)
class WorkerLimits:
    """How long a poll (``feed_time_limit``) and an entry (``entry_time_limit``) may run, in
    seconds."""

    feed_time_limit: float = DEFAULT_FEED_TIME_LIMIT
    entry_time_limit: float = DEFAULT_ENTRY_TIME_LIMIT


def worker_limits(environ: Mapping[str, str] | None = None) -> WorkerLimits:
    """The limits in force: ``NUTGRAF_FEED_TIME_LIMIT`` and ``NUTGRAF_ENTRY_TIME_LIMIT`` over
    the defaults.

    Raises:
        NutgrafError: a value is not usable (the message names the variable and the value).
    """
    environ = os.environ if environ is None else environ
    feed = _seconds(environ, "NUTGRAF_FEED_TIME_LIMIT", DEFAULT_FEED_TIME_LIMIT)
    entry = _seconds(environ, "NUTGRAF_ENTRY_TIME_LIMIT", DEFAULT_ENTRY_TIME_LIMIT)
    return WorkerLimits(feed, entry)


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip() or str(default)
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 1.0 <= seconds <= MAX_TIME_LIMIT:
        raise NutgrafError(
            f"{name} has value {raw!r}. Use a number of seconds, 1 to {MAX_TIME_LIMIT:.0f}."
        )
    return seconds


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
