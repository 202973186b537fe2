"""Refuse dangerous XML before any parser sees it; gunzip and clean feed bodies.

Bytes in, bytes out (or a ``FeedError``). Nothing here fetches anything: a DOCTYPE's
system identifier is only read, never opened.
"""

from __future__ import annotations

import codecs
import re
import zlib
from dataclasses import dataclass

from nutgraf.errors import FeedError

__all__ = [
    "GZIP_MAGIC",
    "MAX_DEPTH",
    "MAX_TAG_BYTES",
    "check_structure",
    "check_xml",
    "gunzip_limited",
    "prepare_xml",
    "root_name",
    "sniff_encoding",
    "strip_invalid_xml_chars",
]

GZIP_MAGIC = b"\x1f\x8b"
MAX_DEPTH = 512  # libxml2 stops at 256 by default; real feeds stay far below
MAX_TAG_BYTES = 1024 * 1024  # one start tag (its attributes) may not pass 1 MiB
_FIRST_WINDOW = 16 * 1024  # prolog bytes decoded first; doubled while the prolog goes on
_MAX_PROLOG_BYTES = 1024 * 1024  # a prolog longer than this is refused
_GUNZIP_CHUNK = 256 * 1024

# Encodings whose bytes below 0x40 are always ASCII: a byte-level look at the markup is
# exact, and control bytes are never part of a multi-byte character.
_ASCII_SAFE = re.compile(
    r"(utf-?8|us-?ascii|ascii|iso-?8859-?\d+|latin-?\d|l\d|(windows|cp)-?125\d|koi8-?[a-z]+"
    r"|gb2312|gbk|gb18030|big5(-?hkscs)?|shift_?jis|sjis|cp932|euc-?(jp|kr|cn)|tis-?620"
    r"|mac-?roman|macintosh|x-mac-[a-z]+)",
    re.IGNORECASE,
)
_XML_DECL_ENCODING = re.compile(r"""\A<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_ENTITY_DECL = re.compile(r"<!ENTITY", re.IGNORECASE)
_DOCTYPE_START = re.compile(r"<!DOCTYPE", re.IGNORECASE)
_QUOTED = r"""(?:"[^"]*"|'[^']*')"""
_DOCTYPE_HEAD = re.compile(
    rf"<!DOCTYPE\s+([^\s\[>]+)\s*"
    rf"(?:(SYSTEM)\s*({_QUOTED})|(PUBLIC)\s*({_QUOTED})(?:\s*({_QUOTED}))?)?\s*(\[|>)",
    re.IGNORECASE,
)
_SUBSET_RUN = re.compile(r"""[^"'\]<%]+""")
_PE_REFERENCE = re.compile(r"%\s*[\w.:-]+;")
_PROLOG_ITEM = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.S)
# feedparser splits the prolog off at the first "<" followed by a word character.
_FEEDPARSER_ROOT = re.compile(r"<\w", re.ASCII)
_TAG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")
# HTML void elements; not "link", which RSS uses as a real element with an end tag.
_VOID_ELEMENTS = frozenset(
    "area base br col embed hr img input meta param source track wbr".split()
)
_ROOT_NAME = re.compile(r"<([^\s/>!?]+)")

_INVALID_XML_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_CONTROL_BYTES_NO_ESC = _CONTROL_BYTES.replace(b"\x1b", b"")


@dataclass(frozen=True, slots=True)
class _Sniffed:
    """How the prolog can be read: the byte family, and the encoding the document declares."""

    family: str  # a Python codec that reads the markup: latin-1 for ASCII-compatible bytes
    bom: int  # length of the byte-order mark
    declared: str | None


def sniff_encoding(data: bytes) -> tuple[str, str | None]:
    """The byte family ("latin-1" for any ASCII-compatible one) and the declared encoding."""
    sniffed = _sniff(data)
    return sniffed.family, sniffed.declared


def _sniff(data: bytes) -> _Sniffed:
    head = data[:4]
    family, bom = "latin-1", 0
    if head.startswith((codecs.BOM_UTF32_BE, codecs.BOM_UTF32_LE)):
        family, bom = ("utf-32-be" if head == codecs.BOM_UTF32_BE else "utf-32-le"), 4
    elif head.startswith(codecs.BOM_UTF8):
        family, bom = "latin-1", 3
    elif head.startswith(codecs.BOM_UTF16_BE):
        family, bom = "utf-16-be", 2
    elif head.startswith(codecs.BOM_UTF16_LE):
        family, bom = "utf-16-le", 2
    elif head == b"\x00\x00\x00<":
        family = "utf-32-be"
    elif head == b"<\x00\x00\x00":
        family = "utf-32-le"
    elif head[:2] == b"\x00<" or head[:2] == b"\x00\x20" or head[:2] == b"\x00\n":
        family = "utf-16-be"
    elif head[:2] == b"<\x00" or head[:2] == b"\x20\x00" or head[:2] == b"\n\x00":
        family = "utf-16-le"
    elif head == b"\x4c\x6f\xa7\x94":
        family = "cp037"
    start = data[bom : bom + 512]
    text = start.decode(family, errors="replace")
    match = _XML_DECL_ENCODING.match(text)
    declared = match.group(1) if match else None
    if bom == 3:
        declared = "utf-8"
    return _Sniffed(family, bom, declared)


def _other_view(sniffed: _Sniffed) -> str | None:
    """A second codec to read the prolog with, when the declared one is not byte-transparent."""
    declared = sniffed.declared
    if declared is None or _ASCII_SAFE.fullmatch(declared):
        return None
    try:
        name = codecs.lookup(declared).name
    except LookupError:
        return None
    if name == sniffed.family or name.replace("_", "-") in {"utf-16", "utf-32"}:
        return None
    return name


def check_xml(data: bytes) -> None:
    """Refuse entity declarations, parameter entities and non-HTTP DTDs in the prolog.

    Only the prolog (what comes before the root element) is read, so this is fast on any
    size. A DOCTYPE with a public or HTTP(S) system identifier and no entity declarations
    passes (RSS 0.91 has one); it is never fetched.

    Raises:
        FeedError: with a one-line reason, when the document is unsafe to parse.
    """
    sniffed = _sniff(data)
    codecs_to_try = [sniffed.family]
    other = _other_view(sniffed)
    if other is not None:
        codecs_to_try.append(other)
    for codec in codecs_to_try:
        _check_prolog(data, sniffed.bom, codec)


def _check_prolog(data: bytes, bom: int, codec: str) -> None:
    window = _FIRST_WINDOW
    while True:
        chunk = data[bom : bom + window]
        complete = bom + window >= len(data)
        text = chunk.decode(codec, errors="replace")
        if _scan_prolog(text, complete=complete):
            return
        if complete:
            return
        if window >= _MAX_PROLOG_BYTES:
            raise FeedError(
                f"no root element in the first {_MAX_PROLOG_BYTES // 1024} KiB: "
                "the XML prolog is too long to be a feed"
            )
        window *= 2


def _scan_prolog(text: str, *, complete: bool) -> bool:
    """Check the prolog in ``text``; False when ``text`` ends before the prolog does."""
    end = _prolog_end(text)
    region = text if end is None else text[:end]
    entity = _ENTITY_DECL.search(region)
    if entity is not None:
        raise FeedError(_entity_reason(region, entity.start()))
    doctypes = [match.start() for match in _DOCTYPE_START.finditer(region)]
    if len(doctypes) > 1:
        raise FeedError("the XML prolog holds more than one DOCTYPE: refusing to parse")
    if doctypes and not _check_doctype(text, doctypes[0]) and not complete:
        return False
    return end is not None


def _prolog_end(text: str) -> int | None:
    """Where the root element starts, as both an XML parser and feedparser see it."""
    pos = 0
    structured: int | None = None
    while pos < len(text):
        item = _PROLOG_ITEM.match(text, pos)
        if item is not None:
            pos = item.end()
            continue
        if text.startswith(("<?", "<!--"), pos):
            return None  # an unfinished comment or processing instruction
        if text[pos : pos + 9].upper() == "<!DOCTYPE":
            end = _doctype_end(text, pos)
            if end is None:
                return None
            pos = end
            continue
        structured = pos
        break
    if structured is None:
        return None
    loose = _FEEDPARSER_ROOT.search(text)
    if loose is None:
        return None
    return max(structured, loose.start())


def _doctype_end(text: str, start: int) -> int | None:
    head = _DOCTYPE_HEAD.match(text, start)
    if head is None:
        close = text.find(">", start)
        return None if close < 0 else close + 1
    if head.group(7) == ">":
        return head.end()
    subset_end = _walk_subset(text, head.end())
    if subset_end is None:
        return None
    close = text.find(">", subset_end)
    return None if close < 0 else close + 1


def _walk_subset(text: str, pos: int) -> int | None:
    """Walk an internal subset from ``pos``: the index after its "]", or None when cut off.

    Raises on a parameter entity reference. Comments, processing instructions and quoted
    strings are skipped with ``str.find``, so a hostile subset costs linear time.
    """
    while pos < len(text):
        run = _SUBSET_RUN.match(text, pos)
        if run is not None:
            pos = run.end()
            continue
        char = text[pos]
        if char == "]":
            return pos + 1
        if char in "\"'":
            close = text.find(char, pos + 1)
        elif text.startswith("<!--", pos):
            close = text.find("-->", pos + 4) + 2
        elif text.startswith("<?", pos):
            close = text.find("?>", pos + 2) + 1
        elif char == "%":
            reference = _PE_REFERENCE.match(text, pos)
            if reference is not None:
                raise FeedError(
                    f"parameter entity reference {reference.group()!r} in the DTD internal "
                    "subset: refusing to parse"
                )
            close = pos
        else:
            close = pos
        if close < pos:
            return None
        pos = close + 1
    return None


def _check_doctype(text: str, start: int) -> bool:
    """Raise on an unsafe DOCTYPE; False when it is cut off by the end of ``text``."""
    head = _DOCTYPE_HEAD.match(text, start)
    if head is None:
        if text.find(">", start) < 0:
            return False
        snippet = text[start : start + 60].split("\n")[0]
        raise FeedError(f"malformed DOCTYPE {snippet!r}: refusing to parse")
    system = head.group(3) or head.group(6)
    if system is not None:
        literal = system[1:-1].strip()
        if not re.match(r"https?://", literal, re.IGNORECASE):
            raise FeedError(
                f"the DOCTYPE refers to a non-HTTP DTD {literal[:80]!r} (external entity, XXE): "
                "refusing to parse"
            )
    if head.group(7) == ">":
        return True
    return _walk_subset(text, head.end()) is not None


def _entity_reason(text: str, start: int) -> str:
    close = text.find(">", start)
    decl = text[start : close + 1 if close >= 0 else start + 200]
    shown = re.sub(r"\s+", " ", decl)[:70]
    if re.match(r"<!ENTITY\s+%", decl, re.IGNORECASE):
        kind = "a parameter entity declaration"
    elif re.search(r"\s(SYSTEM|PUBLIC)\s", decl, re.IGNORECASE):
        kind = "an external entity declaration (XXE)"
    else:
        kind = "an entity declaration (entity expansion bomb: billion laughs or quadratic blowup)"
    return f"the XML DTD holds {kind}: {shown!r}: refusing to parse"


def gunzip_limited(data: bytes, max_bytes: int) -> bytes:
    """Inflate a gzip body in chunks, refusing one that grows past ``max_bytes`` (a gzip bomb).

    Bytes that do not start with the gzip magic come back unchanged. A stream cut short
    gives what inflated so far.
    """
    if not data.startswith(GZIP_MAGIC):
        return data
    out = bytearray()
    rest = data
    while rest.startswith(GZIP_MAGIC):
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        pending = rest
        try:
            while pending and not inflater.eof:
                out += inflater.decompress(pending, _GUNZIP_CHUNK)
                if len(out) > max_bytes:
                    raise _too_big(max_bytes)
                pending = inflater.unconsumed_tail
            while not inflater.eof and len(out) <= max_bytes:
                piece = inflater.decompress(b"", _GUNZIP_CHUNK)
                if not piece:
                    break
                out += piece
            if len(out) > max_bytes:
                raise _too_big(max_bytes)
        except zlib.error as error:
            raise FeedError(f"the gzip-compressed body is corrupt ({error})") from error
        rest = inflater.unused_data if inflater.eof else b""
    return bytes(out)


def _too_big(max_bytes: int) -> FeedError:
    return FeedError(
        f"the gzip-compressed body inflates to more than {max_bytes:,} bytes (a gzip bomb?)"
    )


def strip_invalid_xml_chars(data: bytes) -> bytes:
    """Drop characters XML 1.0 forbids (controls other than tab, CR, LF), encoding-aware.

    UTF-16/32 documents are decoded, cleaned and encoded again; ASCII-compatible ones are
    cleaned byte by byte; ISO-2022 keeps its escape bytes; others are left alone.
    """
    sniffed = _sniff(data)
    if sniffed.family.startswith(("utf-16", "utf-32")):
        body = data[sniffed.bom :].decode(sniffed.family, errors="replace")
        cleaned = _INVALID_XML_TEXT.sub("", body)
        if cleaned == body:
            return data
        return data[: sniffed.bom] + cleaned.encode(sniffed.family, errors="replace")
    if sniffed.family != "latin-1":
        return data
    declared = sniffed.declared or "utf-8"
    if declared.lower().startswith(("iso-2022", "iso2022", "csiso2022")):
        return data.translate(None, _CONTROL_BYTES_NO_ESC)
    if not _ASCII_SAFE.fullmatch(declared):
        return data
    data = data.translate(None, _CONTROL_BYTES)
    if re.fullmatch(r"utf-?8", declared, re.IGNORECASE):
        data = data.replace(b"\xef\xbf\xbe", b"").replace(b"\xef\xbf\xbf", b"")
    return data


def check_structure(data: bytes, *, max_depth: int = MAX_DEPTH) -> None:
    """Refuse elements nested deeper than ``max_depth`` or a start tag over 1 MiB.

    A light tag scan (CDATA, comments and processing instructions skipped), not a parse;
    it stops at the first unfinished construct, as a parser would.

    Raises:
        FeedError: naming the depth or the tag size.
    """
    sniffed = _sniff(data)
    if sniffed.family == "latin-1":
        text = data.decode("latin-1")
    else:
        text = data[sniffed.bom :].decode(sniffed.family, errors="replace")
    depth = 0
    pos = text.find("<")
    while pos >= 0:
        if text.startswith("<![CDATA[", pos):
            end = text.find("]]>", pos + 9)
        elif text.startswith("<!--", pos):
            end = text.find("-->", pos + 4)
        elif text.startswith("<?", pos):
            end = text.find("?>", pos + 2)
        else:
            end = text.find(">", pos + 1)
            kind = text[pos + 1 : pos + 2]
            if end < 0:
                end = len(text)
            if end - pos > MAX_TAG_BYTES:
                raise FeedError(
                    f"a tag is {end - pos:,} characters long (over {MAX_TAG_BYTES:,}): "
                    "refusing a huge attribute"
                )
            if kind == "/":
                if not _is_void(text, pos + 2):
                    depth = max(depth - 1, 0)
            elif (
                kind not in ("!", "")
                and not kind.isspace()
                and text[end - 1] != "/"
                and not _is_void(text, pos + 1)
            ):
                depth += 1
                if depth > max_depth:
                    raise FeedError(
                        f"elements are nested more than {max_depth} deep: refusing to parse"
                    )
        if end < 0:
            return
        pos = text.find("<", end + 1)


def _is_void(text: str, pos: int) -> bool:
    """An HTML void element (``<br>``, ``<img>``...), which malformed feeds never close."""
    name = _TAG_NAME.match(text, pos)
    return name is not None and name.group().lower() in _VOID_ELEMENTS


def root_name(data: bytes) -> str | None:
    """The name of the root element (as written, with any prefix), or None when there is none."""
    sniffed = _sniff(data)
    text = data[sniffed.bom : sniffed.bom + 64 * 1024].decode(sniffed.family, errors="replace")
    pos = 0
    while pos < len(text):
        item = _PROLOG_ITEM.match(text, pos)
        if item is not None:
            pos = item.end()
            continue
        if text[pos : pos + 9].upper() == "<!DOCTYPE":
            end = _doctype_end(text, pos)
            if end is None:
                return None
            pos = end
            continue
        match = _ROOT_NAME.match(text, pos)
        return match.group(1) if match else None
    return None


def prepare_xml(data: bytes, max_bytes: int) -> bytes:
    """Gunzip (bounded), drop invalid XML characters, then refuse unsafe XML.

    Args:
        data: the body as received.
        max_bytes: the largest body accepted, before or after gunzip.

    Returns:
        Bytes safe to hand to an XML or feed parser.

    Raises:
        FeedError: for a gzip bomb, an oversized body, an entity declaration or external
            DTD, deep nesting or a huge start tag.
    """
    if len(data) > max_bytes and not data.startswith(GZIP_MAGIC):
        raise FeedError(f"the body is {len(data):,} bytes, over the limit of {max_bytes:,}")
    data = gunzip_limited(data, max_bytes)
    data = strip_invalid_xml_chars(data)
    check_xml(data)
    check_structure(data)
    return data
