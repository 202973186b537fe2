"""Untrusted article HTML to HTML safe to show on the reading site.

Two steps. lxml first makes every link absolute against the page URL (``href``, ``src``; the
page's own ``<base href>`` counts when it is http(s)). Then nh3 (ammonia) rebuilds the
fragment from an explicit allow-list: text-level and block tags only, no script, style,
iframe, object, embed, form, input, svg or math (these go with their content), no event
handler or ``style`` attribute, no ``srcset`` (one ``src`` is enough, and ``srcset`` hides a
list of URLs from the checks). nh3 decides what is markup: lxml only rewrites URLs, so a
parser disagreement (mXSS) cannot smuggle anything past the allow-list.

Every URL is checked again after parsing, as a browser would read it (tabs and newlines
removed, backslashes as slashes, percent-escapes and full-width digits in the host decoded,
IPv4 in decimal, octal or hex): ``href`` keeps http, https and mailto, ``src`` http and https;
a link or image whose host is ``localhost`` (or ``*.localhost``) or a literal IP address that
is not public (private, loopback, link-local, shared, reserved, multicast...) loses its URL and
an image is dropped, so the reading site never loads anything from an internal address. Host
*names* are not resolved: that is the fetcher's job. Links get
``rel="nofollow noopener noreferrer"``.

A URL that contains ``javascript:``, ``vbscript:`` or ``data:`` anywhere is dropped, and
those words left in text or a title (an article about JavaScript) get their colon written as
``&#58;``: it reads the same, and the output never contains ``javascript:``.

Input that no parser accepts, or that is huge, never raises: characters XML cannot hold are
removed, input beyond ``MAX_HTML_CHARS`` characters or ``pagebounds.MAX_TAGS`` tags is cut (so
what is kept of an entry of 500,000 paragraphs is bounded, and so is the work), and when lxml
fails nh3 still cleans the text
(relative URLs are then resolved by nh3's URL hook instead). Text nested deeper than 2,048
elements is lost (libxml2's limit); nothing unsafe gets through either way.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Callable
from urllib.parse import unquote, urljoin, urlsplit

import lxml.html
import nh3

# lxml ships no type hints (lxml-stubs is not a dependency): its objects are Any here.
from lxml import etree

from nutgraf.extract.pagebounds import cut_tags

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_TAGS",
    "LINK_REL",
    "MAX_HTML_CHARS",
    "is_internal_host",
    "sanitize_html",
]

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "q", "cite",
        "em", "strong", "b", "i", "a", "img", "figure", "figcaption", "pre", "code", "table",
        "thead", "tbody", "tr", "th", "td", "hr", "sup", "sub", "abbr", "time",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "title"}),
    "img": frozenset({"src", "alt", "title", "width", "height"}),
    "abbr": frozenset({"title"}),
    "time": frozenset({"datetime"}),
    "th": frozenset({"colspan", "rowspan"}),
    "td": frozenset({"colspan", "rowspan"}),
}
# Removed with everything inside them (other unknown tags are removed, their text kept).
_DROP_WITH_CONTENT = frozenset(
    {
        "script", "style", "iframe", "object", "embed", "svg", "math", "template", "noscript",
        "title", "textarea", "select", "option", "xmp", "noembed", "noframes", "frameset",
        "applet", "head",
    }
)  # fmt: skip
MAX_HTML_CHARS = 5_000_000
LINK_REL = "nofollow noopener noreferrer"

_HREF_SCHEMES = frozenset({"http", "https", "mailto"})
_SRC_SCHEMES = frozenset({"http", "https"})
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TAB_NEWLINE = re.compile("[\t\n\r]")
_EDGE_JUNK = "".join(chr(c) for c in range(0x21))  # C0 controls and space
# A URL that names a script scheme anywhere (even in a path, "/`javascript:x`") is dropped:
# no real article link needs one, and no later reader of the URL can be fooled by it.
# Not after a letter or digit: "/metadata:x" is an ordinary path.
_SCRIPT_SCHEME = re.compile(r"(?<![a-z0-9])(?:(?:java|vb)script|data):", re.IGNORECASE)
_SCRIPT_WORD = re.compile(r"((?:java|vb)script):", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")
# What lxml raises on hostile input; its fragment parser even asserts ("too many bodies").
# lxml only resolves URLs, so on failure nh3 cleans the raw input and resolves them itself.
_LXML_ERRORS = (etree.LxmlError, ValueError, TypeError, AssertionError, RecursionError)
_SIZE = re.compile(r"\d{1,5}%?")
_HOST_CHARS = re.compile(r"[a-z0-9._-]+")
_DATETIME = re.compile(r"[0-9A-Za-z:+.\- ]{1,40}")


def _browser_view(url: str) -> str:
    """The URL as a browser reads it: no tabs/newlines, no edge controls, ``\\`` as ``/``."""
    url = _TAB_NEWLINE.sub("", url).strip(_EDGE_JUNK)
    scheme, colon, rest = url.partition(":")
    if colon and scheme.lower() in _SRC_SCHEMES:
        url = scheme + colon + rest.replace("\\", "/")
    return url


def _parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """WHATWG IPv4 parsing (``127.1``, ``0x7f.0.0.1``, ``2130706433``); None if not IPv4.

    Raises ValueError for a host that looks numeric but is not a valid address (a browser
    refuses such a URL).
    """
    parts = host.split(".")
    if parts and parts[-1] == "" and len(parts) > 1:
        parts.pop()
    last = parts[-1]
    if not (last.isdigit() or re.fullmatch(r"0[xX][0-9a-fA-F]*", last)):
        return None
    if len(parts) > 4:
        raise ValueError(f"bad IPv4 host {host!r}")
    numbers = []
    for part in parts:
        if re.fullmatch(r"0[xX][0-9a-fA-F]*", part):
            numbers.append(int(part[2:] or "0", 16))
        elif re.fullmatch(r"0[0-7]+", part):
            numbers.append(int(part, 8))
        elif part.isdigit() and part.isascii():
            numbers.append(int(part))
        else:
            raise ValueError(f"bad IPv4 host {host!r}")
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise ValueError(f"bad IPv4 host {host!r}")
    value = numbers[-1]
    for i, n in enumerate(numbers[:-1]):
        value += n << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


def is_internal_host(host: str) -> bool:
    """Whether a URL host is ``localhost`` or a literal non-public IP (or unreadable).

    Args:
        host: the host part of a URL, without port; IPv6 with or without brackets.

    Returns:
        True for hosts the reading site must not load from.
    """
    host = unicodedata.normalize("NFKC", unquote(host)).lower().rstrip(".")
    if ":" in host:
        try:
            ipv6 = ipaddress.IPv6Address(host.strip("[]").split("%")[0])
        except ValueError:
            return True
        address: ipaddress.IPv4Address | ipaddress.IPv6Address = (
            ipv6.ipv4_mapped or ipv6.sixtofour or ipv6
        )
        return not address.is_global or address.is_multicast
    if not host:
        return True
    if host == "localhost" or host.endswith(".localhost"):
        return True
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return True
    if not _HOST_CHARS.fullmatch(host):
        return True
    try:
        ipv4 = _parse_ipv4(host)
    except ValueError:
        return True
    return ipv4 is not None and (not ipv4.is_global or ipv4.is_multicast)


def _safe_url(value: str, schemes: frozenset[str], base_url: str | None) -> str | None:
    """The URL to keep for an attribute, or None to drop it."""
    url = _browser_view(value)
    if not url or _SCRIPT_SCHEME.search(_CONTROL.sub("", unquote(url))):
        return None
    if base_url is not None:
        try:
            url = urljoin(base_url, url)
        except ValueError:
            return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme and scheme not in schemes:
        return None
    if scheme == "mailto":
        return url
    if scheme and not parts.netloc:
        return None
    if parts.netloc:
        try:
            host = parts.hostname
            parts.port  # noqa: B018 - raises ValueError for a bad port
        except ValueError:
            return None
        if host is None or is_internal_host(host):
            return None
    return url


def _attribute_filter(base_url: str | None) -> Callable[[str, str, str], str | None]:
    """nh3's attribute hook: URLs checked (see ``_safe_url``), sizes digits only."""

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if attribute == "href":
            return _safe_url(value, _HREF_SCHEMES, base_url)
        if attribute == "src":
            return _safe_url(value, _SRC_SCHEMES, base_url)
        if attribute in {"width", "height"}:
            return value.strip() if _SIZE.fullmatch(value.strip()) else None
        if attribute in {"colspan", "rowspan"}:
            return value.strip() if value.strip().isdigit() and len(value.strip()) < 4 else None
        if attribute == "datetime":
            return value.strip() if _DATETIME.fullmatch(value.strip()) else None
        return value

    return keep


def _parser() -> object:
    """A fresh lxml HTML parser (parsers are not shared across threads) with depth up to 2048.

    Without ``huge_tree`` libxml2 silently drops text nested deeper than 256 elements.
    """
    return lxml.html.HTMLParser(huge_tree=True)


def _effective_base(root: object, base_url: str | None) -> str | None:
    """``base_url``, overridden by the page's ``<base href>`` when that resolves to http(s)."""
    for base in root.iter("base"):  # type: ignore[attr-defined]
        href = base.get("href")
        if not href:
            continue
        try:
            candidate = urljoin(base_url or "", _browser_view(href))
        except ValueError:
            return base_url
        if urlsplit(candidate).scheme.lower() in _SRC_SCHEMES:
            return candidate
        return base_url
    return base_url


def _absolutize(html: str, base_url: str | None) -> tuple[str, str | None]:
    """HTML with every href/src made absolute, and the base used; unchanged if lxml fails."""
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div", parser=_parser())
    except _LXML_ERRORS:
        try:
            root = lxml.html.fromstring(html, parser=_parser())
        except _LXML_ERRORS:
            return html, base_url
    base = _effective_base(root, base_url)
    for element in list(root.iter("base", "meta", "link")):
        element.drop_tree()
    if base is not None:
        for element in root.iter():
            if not isinstance(element.tag, str):
                continue
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is None:
                    continue
                try:
                    element.set(attribute, urljoin(base, _browser_view(value)))
                except ValueError:
                    del element.attrib[attribute]
    for img in list(root.iter("img")):
        src = img.get("src")
        if src is not None and _safe_url(src, _SRC_SCHEMES, base) is None:
            img.drop_tree()
    serialized: str = lxml.html.tostring(root, encoding="unicode")
    return serialized, base


def sanitize_html(html: str, base_url: str | None) -> str:
    """Clean untrusted article HTML for display.

    Args:
        html: an HTML fragment or page, decoded.
        base_url: the page URL, to resolve relative links; None keeps them relative.

    Returns:
        Safe HTML (see the module docstring): allow-listed tags and attributes, absolute
        http(s)/mailto links with ``rel="nofollow noopener noreferrer"``, http(s) images
        from public addresses only. Never raises.
    """
    html = _XML_INVALID.sub("", cut_tags(html[:MAX_HTML_CHARS]))
    if not html.strip():
        return ""
    html, base = _absolutize(html, base_url)
    keep = _attribute_filter(base)
    cleaned: str = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        # "*" must be given: without it ammonia keeps its default lang/title on every tag.
        attributes={"*": set()} | {tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=keep,
        strip_comments=True,
        link_rel=LINK_REL,
        url_schemes=set(_HREF_SCHEMES),
        url_relative=lambda url: _safe_url(url, _HREF_SCHEMES, base),
    )
    # Script-scheme words survive only as text (an article about JavaScript, a title); their
    # colon becomes an entity, which reads the same, so no later filter or copy can trip on it.
    return _SCRIPT_WORD.sub(r"\1&#58;", cleaned)
