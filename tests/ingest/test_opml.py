"""parse_opml and write_opml: nested categories, duplicates, hostile lists, round trips."""

from __future__ import annotations

import contextlib
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nutgraf.errors import FeedError
from nutgraf.ingest.opml import OpmlFeed, parse_opml, write_opml

HOSTILE = Path(__file__).parent.parent / "data" / "feeds" / "hostile"

OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>My subscriptions</title></head>
  <body>
    <outline text="News" title="News">
      <outline text="Europe">
        <outline type="rss" text="Le Monde" xmlUrl="https://www.lemonde.fr/rss/une.xml"
                 htmlUrl="https://www.lemonde.fr/"/>
        <outline type="rss" title="Der Spiegel" text="ignored" xmlUrl=" https://spiegel.de/rss "/>
      </outline>
      <outline type="rss" text="BBC &amp; co" xmlUrl="https://feeds.bbci.co.uk/news/rss.xml"/>
    </outline>
    <outline type="rss" text="No category" xmlUrl="https://blog.example/feed"/>
    <outline type="rss" text="Duplicate" xmlUrl="https://www.lemonde.fr/rss/une.xml"/>
    <outline type="link" text="A page, no xmlUrl" url="https://example.org/"/>
    <outline text="Empty folder"/>
    <outline type="rss" text="Attr" xmlUrl="https://attr.example/rss"
             category="/Tech/Linux,/Other"/>
  </body>
</opml>"""


def test_parse_opml_categories_duplicates_and_titles() -> None:
    assert parse_opml(OPML) == (
        OpmlFeed(
            "https://www.lemonde.fr/rss/une.xml",
            "Le Monde",
            "https://www.lemonde.fr/",
            "News/Europe",
        ),
        OpmlFeed("https://spiegel.de/rss", "Der Spiegel", None, "News/Europe"),
        OpmlFeed("https://feeds.bbci.co.uk/news/rss.xml", "BBC & co", None, "News"),
        OpmlFeed("https://blog.example/feed", "No category"),
        OpmlFeed("https://attr.example/rss", "Attr", None, "Tech/Linux"),
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ((HOSTILE / "xxe-opml.opml").read_bytes(), "external entity"),
        (
            b'<!DOCTYPE opml [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            b'<opml><body><outline text="&b;" xmlUrl="https://x/"/></body></opml>',
            "entity declaration",
        ),
        (b"<html><body/></html>", "root element is <html>"),
        (b"<opml><head/></opml>", "no <body>"),
        (b"<opml><body><outline", "not well-formed"),
        (b"", "not well-formed"),
    ],
)
def test_bad_opml_is_refused(data: bytes, reason: str) -> None:
    with pytest.raises(FeedError, match=reason):
        parse_opml(data)


def test_deeply_nested_opml_is_refused_fast() -> None:
    data = b"<opml><body>" + b'<outline text="x">' * 100_000 + b"</outline>" * 100_000
    started = time.perf_counter()
    with pytest.raises(FeedError, match="nested more than"):
        parse_opml(data + b"</body></opml>")
    assert time.perf_counter() - started < 1.0


def test_write_opml_is_escaped_utf8_opml_20() -> None:
    feeds = [
        OpmlFeed("https://a.example/feed?x=1&y=2", 'A & <B> "quoted"', "https://a.example/", "Ä/B"),
        OpmlFeed("https://b.example/feed", None, None, None),
        OpmlFeed("https://c.example/feed", "Tab\there\x01", None, "Ä"),
    ]
    data = write_opml(feeds, title="Mes flux & <autres>")
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = ET.fromstring(data)
    assert root.get("version") == "2.0"
    assert root.findtext("head/title") == "Mes flux & <autres>"
    body = root.find("body")
    assert body is not None
    folder, plain = list(body)
    assert folder.get("text") == "Ä" and plain.get("xmlUrl") == "https://b.example/feed"
    assert parse_opml(data) == (
        feeds[0],
        OpmlFeed("https://c.example/feed", "Tab\there", None, "Ä"),
        feeds[1],
    )


_XML_CHAR = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
_SEGMENT = st.text(_XML_CHAR, min_size=1, max_size=12).map(str.strip).filter(bool)
_SEGMENT = _SEGMENT.filter(lambda s: "/" not in s and "," not in s)
_TITLE = st.none() | st.text(_XML_CHAR, min_size=1, max_size=40).map(str.strip).filter(bool)
_CATEGORY = st.none() | st.lists(_SEGMENT, min_size=1, max_size=3).map("/".join)
_URL = st.text(_XML_CHAR, min_size=1, max_size=20).map(
    lambda s: "https://feeds.example/" + s.strip()
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.builds(OpmlFeed, url=_URL, title=_TITLE, site=st.none() | _URL, category=_CATEGORY),
        max_size=12,
        unique_by=lambda f: f.url,
    ),
    st.text(_XML_CHAR, max_size=30),
)
def test_write_then_parse_round_trips(feeds: list[OpmlFeed], title: str) -> None:
    data = write_opml(feeds, title=title)
    assert ET.fromstring(data).findtext("head/title") == title
    back = parse_opml(data)
    assert sorted(back, key=lambda f: f.url) == sorted(feeds, key=lambda f: f.url)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=500))
def test_any_bytes_give_feeds_or_feed_error(data: bytes) -> None:
    with contextlib.suppress(FeedError):
        assert isinstance(parse_opml(data), tuple)
