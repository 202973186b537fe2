"""xmlguard: entity bombs, XXE, gzip bombs, deep nesting and huge tags are refused, fast."""

from __future__ import annotations

import gzip
import socket
import time
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nutgraf.errors import FeedError
from nutgraf.ingest.xmlguard import (
    check_structure,
    check_xml,
    gunzip_limited,
    prepare_xml,
    root_name,
    strip_invalid_xml_chars,
)

FEEDS = Path(__file__).parent.parent / "data" / "feeds"
HOSTILE = FEEDS / "hostile"
LIMIT = 10 * 1024 * 1024

RSS091_DOCTYPE = (
    b'<?xml version="1.0" encoding="ISO-8859-1"?>\n'
    b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"\n'
    b' "http://my.netscape.com/publish/formats/rss-0.91.dtd">\n'
    b'<rss version="0.91"><channel><title>t</title></channel></rss>'
)


def quadratic_blowup() -> bytes:
    """One ~1 MB entity referenced many times: 1 MB of input, gigabytes once expanded."""
    entity = b"a" * 1_000_000
    return (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY a "' + entity + b'">]>\n'
        b"<rss><channel><title>" + b"&a;" * 1000 + b"</title></channel></rss>"
    )


def deep_nesting(depth: int = 100_000) -> bytes:
    return b"<rss><channel>" + b"<div>" * depth + b"</div>" * depth + b"</channel></rss>"


def huge_attribute(size: int = 5_000_000) -> bytes:
    return b'<rss><channel><title a="' + b"x" * size + b'">t</title></channel></rss>'


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """64 MiB of spaces in about 64 KB of gzip (the real kind reaches gigabytes)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b" " * (1024 * 1024)
    return b"".join(compressor.compress(block) for _ in range(64)) + compressor.flush()


def _refused_fast(data: bytes, *words: str, max_bytes: int = LIMIT) -> str:
    started = time.perf_counter()
    with pytest.raises(FeedError) as caught:
        prepare_xml(data, max_bytes)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"took {elapsed:.2f}s"
    message = str(caught.value)
    assert "\n" not in message
    for word in words:
        assert word in message
    return message


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("billion-laughs.xml", ("entity declaration", "billion laughs")),
        ("xxe-file.xml", ("external entity", "XXE", "file:///etc/passwd")),
        ("parameter-entity.xml", ("parameter entity",)),
        ("external-dtd-file.xml", ("non-HTTP DTD", "file:///etc/passwd")),
    ],
)
def test_hostile_files_are_refused(name: str, words: tuple[str, ...]) -> None:
    _refused_fast((HOSTILE / name).read_bytes(), *words)


def test_quadratic_blowup_is_refused() -> None:
    _refused_fast(quadratic_blowup(), "entity declaration", "quadratic blowup")


def test_deep_nesting_is_refused() -> None:
    _refused_fast(deep_nesting(), "nested more than")


def test_huge_attribute_is_refused() -> None:
    _refused_fast(huge_attribute(), "huge attribute")


def test_gzip_bomb_is_refused(gzip_bomb: bytes) -> None:
    _refused_fast(gzip_bomb, "gzip bomb", max_bytes=1024 * 1024)


def test_rss091_doctype_passes_and_nothing_is_fetched(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    check_xml(RSS091_DOCTYPE)
    assert prepare_xml(RSS091_DOCTYPE, LIMIT) == RSS091_DOCTYPE
    check_xml((FEEDS / "rss091-netscape-doctype.xml").read_bytes())


@pytest.mark.parametrize(
    "data",
    [
        # UTF-16 with a BOM, UTF-16 without one, UTF-32, UTF-7 (feedparser decodes it)
        '<?xml version="1.0" encoding="utf-16"?><!DOCTYPE x [<!ENTITY a "b">]><x/>'.encode(
            "utf-16"
        ),
        '<?xml version="1.0" encoding="utf-16le"?><!DOCTYPE x [<!ENTITY a "b">]><x/>'.encode(
            "utf-16-le"
        ),
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>'.encode("utf-32"),
        b'<?xml version="1.0" encoding="utf-7"?>+ADw-!DOCTYPE x +AFs-+ADw-!ENTITY a'
        b" +ACI-b+ACI-+AD4-+AF0-+AD4-<x/>",
        # a DOCTYPE that feedparser would see after a comment holding "<rss"
        b'<?xml version="1.0"?><!-- <rss> --><!DOCTYPE x [<!ENTITY a "b">]><x/>',
        # entity declarations hidden in a comment are still read by feedparser's regexes
        b'<!--\n<!ENTITY a "b">\n--><rss/>',
        b'\xef\xbb\xbf<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>',
    ],
    ids=["utf16-bom", "utf16le-nobom", "utf32", "utf7", "comment-root", "in-comment", "utf8-bom"],
)
def test_entity_declarations_are_found_in_any_encoding(data: bytes) -> None:
    with pytest.raises(FeedError, match="entity declaration"):
        check_xml(data)


def test_clean_documents_pass() -> None:
    check_xml(b"")
    check_xml(b"<rss/>")
    check_xml('<?xml version="1.0" encoding="utf-16"?><rss><a>é</a></rss>'.encode("utf-16"))
    check_xml(b'<?xml version="1.0"?>\n<!-- a comment -->\n<?xml-stylesheet href="s.xsl"?>\n<rss/>')
    check_xml(b"<!DOCTYPE html>\n<html><body>an &lt;!ENTITY in text is fine</body></html>")
    check_xml(b"<!DOCTYPE feed [<!ELEMENT feed ANY><!-- % not a reference; -->]><feed/>")


def test_more_than_one_doctype_and_malformed_doctypes_are_refused() -> None:
    with pytest.raises(FeedError, match="more than one DOCTYPE"):
        check_xml(b"<!DOCTYPE a><!DOCTYPE b><a/>")
    with pytest.raises(FeedError, match="malformed DOCTYPE"):
        check_xml(b"<!DOCTYPE><a/>")


def test_a_prolog_that_never_ends_is_refused() -> None:
    data = b"<?xml version='1.0'?>" + b"<!-- padding -->" * 200_000 + b"<rss/>"
    started = time.perf_counter()
    with pytest.raises(FeedError, match="no root element"):
        check_xml(data)
    assert time.perf_counter() - started < 1.0


def test_check_xml_reads_only_the_prolog_of_a_big_feed() -> None:
    item = b"<item><title>t</title><description>" + b"x" * 900 + b"</description></item>"
    big = b'<?xml version="1.0"?><rss version="2.0"><channel>' + item * 10_000
    assert len(big) > 9_000_000
    started = time.perf_counter()
    check_xml(big)
    assert time.perf_counter() - started < 0.1
    check_structure(big)  # a legitimate big feed passes the depth/tag scan too


def test_strip_invalid_xml_chars_keeps_multibyte_text() -> None:
    assert strip_invalid_xml_chars("<a>é\x01€\x0b\x1b\t</a>".encode()) == "<a>é€\t</a>".encode()
    assert strip_invalid_xml_chars(b"<a>\xef\xbf\xbf</a>") == b"<a></a>"
    utf16 = "<a>\x01ж\x02</a>".encode("utf-16")
    assert strip_invalid_xml_chars(utf16).decode("utf-16") == "<a>ж</a>"
    cyrillic = '<?xml version="1.0" encoding="windows-1251"?><a>\x01ж</a>'.encode("cp1251")
    assert strip_invalid_xml_chars(cyrillic).decode("cp1251").endswith("<a>ж</a>")
    iso2022 = '<?xml version="1.0" encoding="iso-2022-jp"?><a>\x01日本</a>'.encode("iso2022_jp")
    assert strip_invalid_xml_chars(iso2022).decode("iso2022_jp").endswith("<a>日本</a>")


def test_gunzip_limited() -> None:
    assert gunzip_limited(b"<rss/>", 10) == b"<rss/>"
    body = b"<rss>" + b"x" * 1000 + b"</rss>"
    packed = gzip.compress(body)
    assert gunzip_limited(packed, 2000) == body
    assert gunzip_limited(packed + gzip.compress(b"<!-- 2 -->"), 2000) == body + b"<!-- 2 -->"
    assert body.startswith(gunzip_limited(packed[:-20], 2000)[:100])  # cut short: what inflated
    with pytest.raises(FeedError, match="gzip bomb"):
        gunzip_limited(packed, 500)
    with pytest.raises(FeedError, match="corrupt"):
        gunzip_limited(b"\x1f\x8b\x08\x00garbage-garbage", 2000)


def test_prepare_xml_refuses_an_oversized_body() -> None:
    with pytest.raises(FeedError, match="over the limit"):
        prepare_xml(b"<rss/>" * 100, 50)


def test_shipped_gzip_feed_is_inflated() -> None:
    data = prepare_xml((FEEDS / "nshipster-4items.xml.gz").read_bytes(), LIMIT)
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')


def test_root_name() -> None:
    assert root_name(b'<?xml version="1.0"?>\n<!-- c -->\n<rdf:RDF xmlns:rdf="x"/>') == "rdf:RDF"
    assert root_name(RSS091_DOCTYPE) == "rss"
    assert root_name(b"<!DOCTYPE html><html></html>") == "html"
    assert root_name(b"   ") is None


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_pass_or_raise_feed_error(data: bytes) -> None:
    try:
        prepare_xml(data, 1024 * 1024)
    except FeedError as error:
        assert "\n" not in str(error)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="<!>[]%'\"-?DOCTYPENTIYSMxa &;", max_size=300))
def test_any_markup_soup_passes_or_raises_feed_error(text: str) -> None:
    try:
        check_xml(text.encode())
        check_structure(text.encode())
    except FeedError:
        pass
