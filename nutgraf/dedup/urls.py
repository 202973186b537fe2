"""Canonical URLs: one spelling per page, so the same link from two feeds compares equal.

Conservative on purpose: two URLs become equal only when they surely name the same page.
``canonical_url`` therefore

- lower-cases the scheme and host and writes an international host in IDNA (``xn--``);
- drops the default port (80 for http, 443 for https);
- drops the fragment, except a ``#!`` "hashbang" (old single-page sites route on it);
- removes tracking parameters (``TRACKING_PARAMETERS``, any ``utm_*``, and ``ref`` when its
  value is a known traffic source such as ``rss`` or ``twitter``);
- sorts the remaining query parameters by name, keeping the order of repeated names
  (``?id=2&id=1`` is not ``?id=1&id=2`` to every server);
- writes an empty path as ``/``, percent-encodes spaces and non-ASCII characters, decodes
  escaped unreserved characters (``%7E`` -> ``~``) and upper-cases the other escapes (RFC 3986
  section 6.2.2 equivalences).

It does not remove ``index.html``, a trailing slash or ``www.``, nor resolve ``.`` and ``..``
segments: whether ``/a/`` and ``/a/index.html`` (or ``www.x.org`` and ``x.org``) serve the same
page is a server's choice, not a rule, and a false "same page" would hide a real article.
The user part (``user:pass@``) and the path's case are kept as they are.

Only ``http`` and ``https`` URLs are canonicalized. Anything else (another scheme, no host, a
bad port, a host IDNA refuses, unparsable text) comes back stripped of surrounding whitespace,
never raises: such a string still equals itself, and a feed with one bad link must not fail.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urlsplit, urlunsplit

__all__ = ["TRACKING_PARAMETERS", "TRACKING_PREFIXES", "TRACKING_REF_VALUES", "canonical_url"]

# Query parameter names (compared lower-cased) that only say how a reader arrived.
TRACKING_PARAMETERS = frozenset(
    {
        # ad and social click ids
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "igshid",
        "igsh",
        "li_fat_id",
        # analytics and mailing tools
        "_ga",
        "_gl",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "vero_id",
        "oly_anon_id",
        "oly_enc_id",
        "s_cid",
        "wt.mc_id",
        "wt.mc_ev",
        "__twitter_impression",
        # publishers' campaign codes
        "spm",  # Alibaba/UC
        "cmpid",
        "cmp",  # The Guardian: CMP=share_btn_tw
        "ocid",  # MSN
        "ncid",  # Yahoo
        "smid",  # New York Times share id
        "smtyp",  # New York Times share type
        "xtor",  # AT Internet (Le Monde, Le Figaro)
        "at_medium",
        "at_campaign",
        "at_campaign_type",
        "at_custom1",
        "at_custom2",
        "at_custom3",
        "at_custom4",
        "at_format",
        "at_link",
        "at_link_id",
        "at_link_origin",
        "at_link_type",
        "at_ptr_name",
        "at_send_date",
        "at_recipient_id",
        "at_recipient_list",
        "ref_src",  # Twitter embeds: ref_src=twsrc^tfw
        "ref_url",
        "soc_src",
        "soc_trk",
        "sr_share",
        "icid",
    }
)
TRACKING_PREFIXES = ("utm_",)
# ``ref`` selects content on some sites (a git branch, a referral program), so it is removed
# only with a value that names a traffic source.
TRACKING_REF_VALUES = frozenset(
    {
        "rss",
        "feed",
        "feedly",
        "hp",
        "homepage",
        "nav",
        "twitter",
        "twtr",
        "tw",
        "facebook",
        "fb",
        "linkedin",
        "reddit",
        "whatsapp",
        "flipboard",
        "share",
        "social",
        "newsletter",
        "nl",
        "email",
        "mail",
    }
)

_DEFAULT_PORTS = {"http": 80, "https": 443}
# RFC 3986 reserved characters plus "%": kept as they are; everything else is escaped.
_SAFE_PATH = "!$&'()*+,;=:@/%"
_SAFE_QUERY = _SAFE_PATH + "?[]"
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _normalize_escapes(part: str, safe: str) -> str:
    """Escape what must be escaped, decode escaped unreserved chars, upper-case the rest."""
    part = quote(part, safe=safe, errors="surrogatepass")

    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    return _ESCAPE.sub(fix, part)


def _is_tracking(piece: str) -> bool:
    """Whether one ``name=value`` query piece is a tracking parameter."""
    raw_name, _, raw_value = piece.partition("=")
    name = unquote(raw_name.replace("+", " ")).strip().lower()
    if name in TRACKING_PARAMETERS or name.startswith(TRACKING_PREFIXES):
        return True
    value = unquote(raw_value.replace("+", " ")).strip().lower()
    return name == "ref" and value in TRACKING_REF_VALUES


def _canonical_query(query: str) -> str:
    """Drop empty and tracking pieces, then sort by name (stable for repeated names)."""
    pieces = [p for p in query.split("&") if p and not _is_tracking(p)]
    pieces = [_normalize_escapes(p, _SAFE_QUERY) for p in pieces]
    pieces.sort(key=lambda piece: piece.partition("=")[0])
    return "&".join(pieces)


def _canonical_host(host: str) -> str:
    """Lower-case, IDNA-encoded host; raises UnicodeError or ValueError when invalid."""
    host = host.lower()
    if host.isascii():
        if not host or any(c in host for c in "%\\ <>\"'`{}|^"):
            raise ValueError(f"invalid host {host!r}")
        return host
    encoded = host.encode("idna").decode("ascii").lower()
    if encoded.isascii() and encoded:
        return encoded
    raise ValueError(f"invalid host {host!r}")  # pragma: no cover - idna output is ASCII


def canonical_url(url: str) -> str:
    """The canonical spelling of an http(s) URL; other input comes back stripped.

    Args:
        url: a URL as found in a feed or page.

    Returns:
        The canonical URL (see the module docstring for the rules), or ``url.strip()``
        when it is not an http(s) URL that can be canonicalized.
    """
    stripped = url.strip()
    try:
        return _canonical(stripped)
    except (ValueError, UnicodeError):
        return stripped


def _canonical(url: str) -> str:
    """``canonical_url`` without the fallback; raises ValueError/UnicodeError."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL: {url!r}")
    userinfo, _, hostport = parts.netloc.rpartition("@")
    hostname = parts.hostname
    if not hostname:
        raise ValueError(f"no host in {url!r}")
    bracketed = hostport.startswith("[")
    host = "[" + hostname.lower() + "]" if bracketed else _canonical_host(hostname)
    port = parts.port  # raises ValueError when out of range or not a number
    netloc = (userinfo + "@" if "@" in parts.netloc else "") + host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    path = _normalize_escapes(parts.path, _SAFE_PATH) or "/"
    if not path.startswith("/"):
        path = "/" + path
    query = _canonical_query(parts.query)
    fragment = parts.fragment if parts.fragment.startswith("!") else ""
    if fragment:
        fragment = _normalize_escapes(fragment, _SAFE_QUERY)
    return urlunsplit((scheme, netloc, path, query, fragment))
