"""Settings: shipped defaults, then a ``nutgraf.toml`` file, then ``NUTGRAF_*`` variables.

The file is ``$NUTGRAF_CONFIG`` or ``nutgraf.toml`` in the working directory, when present::

    allow_networks = ["10.0.0.0/8"]   # intranet feeds the address guard may reach
    fetch_pages = true                # fetch the page when a feed entry is only a teaser
    poll_interval = 3600              # seconds between polls of a healthy feed
    admin_token = "a long random string"  # opens the site's admin pages (see nutgraf serve)
    page_cache_seconds = 10           # how long the site keeps a rendered page (0: never)
    story_day_penalty = 0.05          # a story is the whole event, over days (see below)
    base_url = "https://news.example.org/"   # the site's public address (links in its feeds)
    allowed_hosts = ["news.example.org"]     # the Host names the site answers (see below)
    retention_days = 90               # poll purges articles older than this (default: keep all)
    remote_images = true              # pages show articles' images from their sites (see below)
    public = true                     # anyone may read the site (false: readers sign in)

Each key has an environment twin: ``NUTGRAF_ALLOW_NETWORKS`` (comma-separated),
``NUTGRAF_FETCH_PAGES`` (true/false), ``NUTGRAF_POLL_INTERVAL``, ``NUTGRAF_ADMIN_TOKEN``,
``NUTGRAF_PAGE_CACHE_SECONDS``, ``NUTGRAF_STORY_DAY_PENALTY``, ``NUTGRAF_BASE_URL``,
``NUTGRAF_ALLOWED_HOSTS`` (comma-separated), ``NUTGRAF_RETENTION_DAYS``,
``NUTGRAF_REMOTE_IMAGES`` (true/false), ``NUTGRAF_PUBLIC`` (true/false).

``public`` (default true) opens the reading pages, their JSON twins and the feeds to anyone,
as a news site; the personal views (unread, starred) still need a signed-in user. False makes
a private reader: every page, twin, feed and ``/openapi.json`` needs a signed-in user (users
are added with ``nutgraf users add``); only ``/login``, ``/logout``, ``/healthz``, the static
files and the admin token's sign-in at ``/admin`` stay open.

``admin_token`` must be at least 24 characters, of at least 10 different ones, and not the
placeholder that ``deploy/nutgraf.env`` ships: a guessable token is refused at start-up.

``allowed_hosts`` are the names the site answers to (its ``Host`` header); any other gets 400
before routing, which is what defeats DNS rebinding. An entry is a name or an address, a name
with a leading dot for it and its subdomains (``.example.org``), or ``*`` for any. Unset, a
site bound to loopback answers its loopback names and addresses, plus the host of
``base_url`` when one is set; a site bound beyond loopback answers the host of ``base_url``,
or any name when neither is set (its admin then needs a token, see ``nutgraf serve``).

``remote_images`` (default true) lets the site's pages show the articles' own images and
their thumbnails, loaded from the sites that publish them (over https, lazily, sending no
referrer). False shows none: a reader's browser then asks no other site for anything, and
the pages' Content-Security-Policy allows images from the site itself only.

``story_day_penalty`` (0 to 1) is how much each day between an article and a story counts
against joining it. Unset, the clusterer's default (0.15) makes a new story of the next day's
development, as news roundups do; 0.05 keeps an event's coverage over several days in one story
(``StoryOptions`` in ``nutgraf.stories.cluster`` has the measurements). A change applies to
the articles placed after it.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from nutgraf.errors import NutgrafError

MIN_TOKEN_LENGTH = 24  # 24 random URL-safe characters are 144 bits
MIN_TOKEN_KINDS = 10  # distinct characters: refuses "aaaa...", "1234123412341234..."
# Placeholders shipped in examples (deploy/nutgraf.env); a token containing one is refused.
PLACEHOLDER_TOKENS = ("change-me", "changeme", "replace-me", "your-token", "secret-token")
MAX_RETENTION_DAYS = 36_500  # a century: a cutoff before it is a mistake, not a policy
TOKEN_HINT = 'make one with: python3 -c "import secrets; print(secrets.token_urlsafe(32))"'


@dataclass(frozen=True, slots=True)
class Settings:
    allow_networks: tuple[str, ...] = ()
    fetch_pages: bool = True
    poll_interval: int = 3600
    admin_token: str | None = field(default=None, repr=False)
    page_cache_seconds: float = 10.0
    story_day_penalty: float | None = None
    base_url: str | None = None
    allowed_hosts: tuple[str, ...] | None = None
    retention_days: int | None = None
    remote_images: bool = True
    public: bool = True


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings in force: defaults, overridden by the file, overridden by the environment."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    path = Path(environ.get("NUTGRAF_CONFIG", "nutgraf.toml"))
    if path.is_file():
        try:
            values.update(tomllib.loads(path.read_text(encoding="utf-8")))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise NutgrafError(f"{path} is not valid TOML ({error}); fix or remove it") from None
    if "NUTGRAF_ALLOW_NETWORKS" in environ:
        raw = environ["NUTGRAF_ALLOW_NETWORKS"]
        values["allow_networks"] = [part.strip() for part in raw.split(",") if part.strip()]
    if "NUTGRAF_FETCH_PAGES" in environ:
        values["fetch_pages"] = _boolean("NUTGRAF_FETCH_PAGES", environ["NUTGRAF_FETCH_PAGES"])
    if "NUTGRAF_POLL_INTERVAL" in environ:
        values["poll_interval"] = environ["NUTGRAF_POLL_INTERVAL"]
    if "NUTGRAF_PAGE_CACHE_SECONDS" in environ:
        values["page_cache_seconds"] = environ["NUTGRAF_PAGE_CACHE_SECONDS"]
    if "NUTGRAF_STORY_DAY_PENALTY" in environ:
        values["story_day_penalty"] = environ["NUTGRAF_STORY_DAY_PENALTY"]
    if environ.get("NUTGRAF_BASE_URL"):
        values["base_url"] = environ["NUTGRAF_BASE_URL"]
    if "NUTGRAF_ALLOWED_HOSTS" in environ:
        raw = environ["NUTGRAF_ALLOWED_HOSTS"]
        values["allowed_hosts"] = [part.strip() for part in raw.split(",") if part.strip()]
    if environ.get("NUTGRAF_RETENTION_DAYS"):
        values["retention_days"] = environ["NUTGRAF_RETENTION_DAYS"]
    if "NUTGRAF_REMOTE_IMAGES" in environ:
        raw = environ["NUTGRAF_REMOTE_IMAGES"]
        values["remote_images"] = _boolean("NUTGRAF_REMOTE_IMAGES", raw)
    if "NUTGRAF_PUBLIC" in environ:
        values["public"] = _boolean("NUTGRAF_PUBLIC", environ["NUTGRAF_PUBLIC"])
    if environ.get("NUTGRAF_ADMIN_TOKEN"):
        values["admin_token"] = environ["NUTGRAF_ADMIN_TOKEN"]
    return _settings(values)


def _settings(values: dict[str, Any]) -> Settings:
    unknown = set(values) - set(Settings.__slots__)
    if unknown:
        raise NutgrafError(f"unknown setting(s) {', '.join(sorted(unknown))}")
    networks = values.get("allow_networks", ())
    if isinstance(networks, str) or not all(isinstance(n, str) for n in networks):
        raise NutgrafError(f"Config 'allow_networks' has value {networks!r}. Not a list of CIDRs.")
    fetch_pages = values.get("fetch_pages", True)
    if not isinstance(fetch_pages, bool):
        fetch_pages = _boolean("fetch_pages", str(fetch_pages))
    interval = values.get("poll_interval", 3600)
    try:
        interval = int(interval)
    except (TypeError, ValueError):
        raise NutgrafError(
            f"Config 'poll_interval' has value {interval!r}. Not a number of seconds."
        ) from None
    if interval < 60:
        raise NutgrafError(f"Config 'poll_interval' has value {interval}. Use 60 or more.")
    token = values.get("admin_token")
    if token is not None:
        _check_token(token)
    cache = _number("page_cache_seconds", values.get("page_cache_seconds", 10.0), 86_400)
    penalty = values.get("story_day_penalty")
    if penalty is not None:
        penalty = _number("story_day_penalty", penalty, 1)
    base_url = values.get("base_url")
    if base_url is not None:
        base_url = _base_url(base_url)
    hosts = values.get("allowed_hosts")
    if hosts is not None:
        hosts = _hosts(hosts)
    remote_images = values.get("remote_images", True)
    if not isinstance(remote_images, bool):
        remote_images = _boolean("remote_images", str(remote_images))
    public = values.get("public", True)
    if not isinstance(public, bool):
        public = _boolean("public", str(public))
    return Settings(
        tuple(networks),
        fetch_pages,
        interval,
        token,
        cache,
        penalty,
        base_url,
        hosts,
        retention_days=_retention(values.get("retention_days")),
        remote_images=remote_images,
        public=public,
    )


def _retention(value: Any) -> int | None:
    """``retention_days``: a whole number of days, 1 or more (unset: keep everything)."""
    if value is None:
        return None
    try:
        days = int(value)
        if isinstance(value, float | bool) or str(days) != str(value).strip():
            raise ValueError
    except (TypeError, ValueError):
        raise NutgrafError(
            f"Config 'retention_days' has value {value!r}. Not a whole number of days."
        ) from None
    if not 1 <= days <= MAX_RETENTION_DAYS:
        raise NutgrafError(
            f"Config 'retention_days' has value {days}. Use 1 to {MAX_RETENTION_DAYS}."
        )
    return days


def _check_token(token: Any) -> None:
    """Refuse an admin token that is short, repetitive or a shipped placeholder."""
    if not isinstance(token, str) or len(token) < MIN_TOKEN_LENGTH:
        raise NutgrafError(
            f"Config 'admin_token' must be a string of at least {MIN_TOKEN_LENGTH} characters; "
            + TOKEN_HINT
        )
    lowered = token.lower()
    if any(placeholder in lowered for placeholder in PLACEHOLDER_TOKENS):
        raise NutgrafError(f"Config 'admin_token' is the example's placeholder; {TOKEN_HINT}")
    if len(set(token)) < MIN_TOKEN_KINDS:
        raise NutgrafError(
            f"Config 'admin_token' repeats too few characters to be hard to guess; {TOKEN_HINT}"
        )


def _base_url(value: Any) -> str:
    """The site's public address: an absolute http(s) URL, ending in a slash."""
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise NutgrafError(
            f"Config 'base_url' has value {value!r}. Not an http(s) address such as "
            "https://news.example.org/"
        )
    if parts.query or parts.fragment:
        raise NutgrafError(f"Config 'base_url' has value {value!r}. Drop its query or fragment.")
    url = str(value)
    return url if url.endswith("/") else url + "/"


_HOST_NAME = re.compile(r"^\.?[a-z0-9_]([a-z0-9_.-]{0,251}[a-z0-9_])?$")


def _hosts(values: Any) -> tuple[str, ...]:
    """Allowed host names, lower-cased, IPv6 addresses without brackets."""
    if isinstance(values, str) or not all(isinstance(v, str) for v in values):
        raise NutgrafError(f"Config 'allowed_hosts' has value {values!r}. Not a list of names.")
    hosts = []
    for value in values:
        host = value.strip().lower()
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        if host != "*" and not _HOST_NAME.match(host) and not _is_address(host):
            raise NutgrafError(
                f"Config 'allowed_hosts' has {value!r}. Not a host name or address "
                "(no scheme, port or path: news.example.org, .example.org, 127.0.0.1, *)"
            )
        hosts.append(host)
    return tuple(hosts)


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _number(key: str, value: Any, most: float) -> float:
    """``value`` as a number from 0 to ``most``, or a one-line error naming ``key``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise NutgrafError(f"Config '{key}' has value {value!r}. Not a number.") from None
    if not 0 <= number <= most:
        raise NutgrafError(f"Config '{key}' has value {number}. Use 0 to {most:g}.")
    return number


def _boolean(key: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise NutgrafError(f"Config '{key}' has value {value!r}. Not a valid bool.")
