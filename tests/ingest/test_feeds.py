"""parse_feed and discover_feeds: real feeds in every format and encoding, and non-feeds."""

from __future__ import annotations

import json
import socket
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nutgraf.errors import FeedError
from nutgraf.ingest.feeds import (
    discover_feeds,
    is_feed_content_type,
    parse_feed,
    parse_localized_date,
)
from nutgraf.records import Feed

FEEDS = Path(__file__).parent.parent / "data" / "feeds"
NOW = datetime(2024, 6, 1, tzinfo=UTC)

# Corpus files that cannot meet "at least one entry with a title or link", and why.
NO_ENTRIES = {"reuters-mostread-invalid.xml"}  # truncated after the channel header
NO_TITLES_OR_LINKS = {"scripting-rss092.xml"}  # RSS 0.92 items with a description only
HTML_FILES = {"not-a-feed-document-moved.html"}


def _parse(name: str, **kwargs: object) -> Feed:
    options: dict[str, object] = {"now": NOW, **kwargs}
    return parse_feed((FEEDS / name).read_bytes(), **options)  # type: ignore[arg-type]


# --- the shared corpus -------------------------------------------------------------------


def test_every_corpus_file_parses_or_raises_feed_error(shared_data: Path) -> None:
    folder = shared_data / "feeds"
    files = sorted(p for p in folder.iterdir() if p.name != "manifest.jsonl")
    manifest = [json.loads(line) for line in (folder / "manifest.jsonl").read_text().splitlines()]
    assert {row["file"] for row in manifest} == {p.name for p in files}
    assert len(files) == 58
    parsed: dict[str, Feed] = {}
    for path in files:
        url = f"https://feeds.example/{path.name}"
        if path.name in HTML_FILES:
            with pytest.raises(FeedError, match="is an HTML page") as caught:
                parse_feed(path.read_bytes(), url=url)
            assert str(caught.value).startswith(url)
            continue
        feed = parse_feed(path.read_bytes(), url=url, now=NOW)
        parsed[path.name] = feed
        named = [e for e in feed.entries if e.title or e.link]
        if path.name in NO_ENTRIES:
            assert feed.title and not feed.entries
            assert any("not well-formed" in w for w in feed.warnings)
        elif path.name in NO_TITLES_OR_LINKS:
            assert feed.entries and all(e.summary_html for e in feed.entries)
        else:
            assert named, path.name
        for entry in feed.entries:
            assert entry.link is None or entry.link.startswith(("http://", "https://"))
            for text in (entry.title, entry.author):
                assert text is None or ("\ufffd" not in text and "Ã©" not in text)
    assert len(parsed) == 57
    assert sum(len(f.entries) for f in parsed.values()) >= 950  # 970 today
    formats = {f.format for f in parsed.values()}
    assert formats >= {"rss090", "rss091", "rss092", "rss10", "rss20", "atom10", "rss"}


# --- shipped real feeds --------------------------------------------------------------------


def test_windows_1251_cyrillic() -> None:
    feed = _parse("oren-ru-windows-1251.xml")
    assert feed.title == "Новости Оренбурга и области / Раздел Новости"
    assert feed.entries[0].title == "В Бузулуке главные стройплощадки – детсад и Ледовый дворец"
    assert len(feed.entries) == 10
    assert feed.warnings == ()


def test_gb2312_chinese() -> None:
    feed = _parse("kc0011-gb2312.rss")
    assert feed.title == "投资资讯网交易在线--流通纪念币最新20篇论坛主题-全文"
    assert feed.entries[0].title == "建国35周年纪念，华表，和平鸽"
    assert feed.language == "zh-cn"
    assert len(feed.entries) == 20


def test_undeclared_iso_8859_1_french() -> None:
    feed = _parse("cercle-psy-undeclared-iso8859-1.xml")
    titles = [e.title for e in feed.entries if e.title]
    assert "Caroline Eliacheff : « Dolto reste authentiquement subversive »" in titles
    assert "Migrants : l'urgence thérapeutique" in titles
    text = " ".join(titles + [e.summary_html or "" for e in feed.entries])
    assert "Ã" not in text and "\ufffd" not in text
    assert "é" in text and "è" in text and "à" in text
    assert any("no encoding declared" in w for w in feed.warnings)


def test_rss091_with_netscape_doctype() -> None:
    for name in ("rss091-netscape-doctype.xml", "dicas-l-rss091-iso8859-1.xml"):
        feed = _parse(name)
        assert feed.format == "rss091"
        assert feed.title == "Dicas-L: Dicas técnicas de Linux e Software Livre"
        assert feed.entries[0].title == "bash - Expansão de Parâmetros"


def test_rss10_rdf() -> None:
    feed = _parse("debian-news-rdf.xml")
    assert feed.format == "rss10"
    entry = feed.entries[0]
    assert entry.title == "Updated Debian 11: 11.6 released"
    assert entry.link == "https://www.debian.org/News/2022/20221217"
    assert entry.updated == "2022-12-17T00:00:00Z"


def test_atom_content_relative_links_resolve_against_xml_base() -> None:
    feed = _parse("daringfireball-3entries.atom", url="https://daringfireball.net/feeds/main")
    assert feed.format == "atom10"
    assert len(feed.entries) == 3
    content = feed.entries[2].content_html or ""
    assert 'href="https://daringfireball.net/misc/2017/06/dickbar-techcrunch.png"' in content
    assert 'href="/misc' not in content
    assert feed.entries[0].published == "2017-06-27T00:54:17Z"
    assert feed.entries[0].author == "John Gruber"


def test_atom_xml_base_on_feed_entry_and_content() -> None:
    feed = _parse("atom-xml-base-relative.atom", url="https://blog.example/feeds/atom.xml")
    assert feed.title == "Notes & Queries"
    assert feed.link == "https://blog.example/journal/"
    first, second, third = feed.entries
    assert first.link == "https://blog.example/journal/2024/01/relative"
    assert first.title == "Relative link, resolved"
    assert first.author == "Ada Lovelace"
    assert 'src="https://cdn.example/media/cat.png"' in (first.content_html or "")
    assert 'href="https://cdn.example/about"' in (first.content_html or "")
    assert first.updated == "2024-01-02T03:04:05Z"
    assert second.link == "https://blog.example/elsewhere/post"
    assert second.published is None  # 2099: absurd, dropped with a warning
    assert second.updated == "2024-01-01T00:00:00Z"
    assert any("absurd published date 2099" in w for w in feed.warnings)
    assert (third.guid, third.link, third.title) == (None, None, "No link, no id")


def test_gzip_body_is_inflated() -> None:
    feed = _parse("nshipster-4items.xml.gz")
    assert feed.format == "rss20" and feed.title == "NSHipster"
    assert [e.title for e in feed.entries][:2] == ["NSOperation", "NSCalendarUnitYear"]
    assert feed.entries[0].author == "Mattt Thompson"
    assert feed.entries[0].published == "2014-07-14T07:00:00Z"


def test_truncated_feed_keeps_what_parsed() -> None:
    feed = _parse("reuters-mostread-invalid.xml")
    assert feed.title == "Reuters: Most Read Articles"
    assert feed.entries == ()
    assert any("not well-formed" in w and "line 19" in w for w in feed.warnings)


def test_html_page_is_refused_naming_the_problem() -> None:
    with pytest.raises(FeedError, match=r"^https://x/ is an HTML page \('Document Moved'\)"):
        _parse("not-a-feed-document-moved.html", url="https://x/")


def test_html_page_names_the_feeds_it_advertises() -> None:
    page = b"""<!DOCTYPE html><html><head><title>News</title>
    <link rel="alternate" type="application/rss+xml" href="/feed.xml">
    <link rel="alternate" type="application/atom+xml" href="https://x/atom">
    <link rel="stylesheet" href="/s.css"></head><body>hi</body></html>"""
    with pytest.raises(FeedError) as caught:
        parse_feed(page, url="https://x/")
    assert str(caught.value) == (
        "https://x/ is an HTML page, not a feed; it advertises https://x/feed.xml, https://x/atom"
    )


# --- JSON Feed -----------------------------------------------------------------------------


def test_json_feed_11() -> None:
    feed = _parse("jsonfeed-1.1.json")
    assert feed.format == "json11"
    assert (feed.title, feed.link, feed.language) == (
        "Harbor Gazette — Local",
        "https://gazette.example/",
        "en-GB",
    )
    first, second = feed.entries  # the duplicate id is dropped
    assert first.guid == "https://gazette.example/2024/ferry"
    assert first.link == "https://gazette.example/2024/ferry"  # relative, against feed_url
    assert first.content_html == "<p>The <b>new</b> timetable starts on Monday.</p>"
    assert first.summary_html == "New timetable &lt;soon&gt;"
    assert first.author == "Ana Souza, Li Wei"
    assert first.published == "2024-01-02T02:04:05Z"
    assert first.updated == "2024-01-03T10:00:00Z"
    assert second.guid == "42"
    assert second.content_html == "A text-only note: 2 &lt; 3."
    assert second.published is None
    assert any("duplicate guid" in w for w in feed.warnings)
    assert any("absurd published date 1970" in w for w in feed.warnings)


def test_json_feed_10_and_non_feed_json() -> None:
    doc = {"version": "https://jsonfeed.org/version/1", "title": "T", "items": [{"id": "1"}]}
    feed = parse_feed(json.dumps(doc).encode())
    assert feed.format == "json10" and feed.entries[0].guid == "1"
    with pytest.raises(FeedError, match="JSON but not a JSON Feed"):
        parse_feed(b'{"hello": "world"}')
    with pytest.raises(FeedError, match="JSON but not a JSON Feed"):
        parse_feed(b"[1, 2, 3]")
    with pytest.raises(FeedError, match="not valid JSON"):
        parse_feed(b'{"version": ')
    started = time.perf_counter()
    with pytest.raises(FeedError, match="nested too deeply"):
        parse_feed(b'{"a":' * 100_000 + b"1" + b"}" * 100_000)
    assert time.perf_counter() - started < 1.0


# --- not feeds, hostile feeds --------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "is empty"),
        (b" \n\t \r\n", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "not a feed: it starts with '%PDF"),
        (b"/etc/passwd", "not a feed"),
        (b"https://example.org/feed.xml", "not a feed"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "XML but not a feed"),
        (b"<html><body><p>hello</p></body></html>", "HTML page"),
    ],
)
def test_not_a_feed(data: bytes, reason: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    with pytest.raises(FeedError, match=reason.replace("(", r"\(")) as caught:
        parse_feed(data, url="https://feeds.example/f")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "name", ["billion-laughs.xml", "xxe-file.xml", "parameter-entity.xml", "external-dtd-file.xml"]
)
def test_hostile_feeds_are_refused_fast(name: str) -> None:
    started = time.perf_counter()
    with pytest.raises(FeedError, match="refusing to parse"):
        _parse(f"hostile/{name}")
    assert time.perf_counter() - started < 1.0


def test_hostile_generated_feeds_are_refused_fast() -> None:
    cases = {
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "'
        + b"a" * 1_000_000
        + b'">]><rss><channel><title>'
        + b"&a;" * 1000
        + b"</title></channel></rss>": "entity declaration",
        b"<rss><channel>" + b"<div>" * 100_000 + b"</div>" * 100_000 + b"</channel></rss>": (
            "nested more than"
        ),
        b'<rss><channel><title a="' + b"x" * 5_000_000 + b'">t</title></channel></rss>': (
            "huge attribute"
        ),
    }
    for data, reason in cases.items():
        started = time.perf_counter()
        with pytest.raises(FeedError, match=reason):
            parse_feed(data)
        assert time.perf_counter() - started < 1.0, reason


# --- encodings, entries, dates ---------------------------------------------------------------

RSS = """<?xml version="1.0"{decl}?>
<rss version="2.0"><channel><title>Caf\u00e9 &amp; Cr\u00e8me</title>
<link>https://cafe.example/</link>
<item><title>  Cr\u00e8me   br\u00fbl\u00e9e  </title><link>/a</link><guid>g1</guid>
<pubDate>Tue, 02 Jan 2024 03:04:05 +0000</pubDate></item>
<item><title>Second</title><link>https://cafe.example/b</link><guid>g1</guid></item>
<item><title>&lt;b&gt;Bold&lt;/b&gt; &amp;amp; co</title>
<description>no guid, no link</description></item>
<item><pubDate>Mon, 01 Jan 1979 00:00:00 GMT</pubDate><description>only text</description></item>
</channel></rss>"""


def test_entries_guids_links_and_dates() -> None:
    feed = parse_feed(
        RSS.format(decl=' encoding="utf-8"').encode(), url="https://cafe.example/rss", now=NOW
    )
    assert feed.title == "Café & Crème"
    assert [e.title for e in feed.entries] == ["Crème brûlée", "Bold & co", None]
    first, bold, bare = feed.entries
    assert first.link == "https://cafe.example/a"
    assert first.published == "2024-01-02T03:04:05Z"
    assert (bold.guid, bold.link) == (None, None)
    assert bare.published is None
    # RSS 2.0 guids are permalinks unless isPermaLink="false": feedparser resolves them
    assert first.guid == "https://cafe.example/g1"
    assert any("duplicate guid 'https://cafe.example/g1'" in w for w in feed.warnings)
    assert any("absurd published date 1979" in w for w in feed.warnings)


def test_now_is_injectable() -> None:
    data = RSS.format(decl="").encode()
    early = parse_feed(data, now=datetime(2023, 12, 1, tzinfo=UTC))
    assert early.entries[0].published is None
    assert any("absurd published date 2024" in w for w in early.warnings)


@pytest.mark.parametrize("codec", ["windows-1252", "iso-8859-1", "utf-16", "utf-8-sig"])
def test_declared_encodings(codec: str) -> None:
    decl = "" if codec == "utf-8-sig" else f' encoding="{codec}"'
    feed = parse_feed(RSS.format(decl=decl).encode(codec), now=NOW)
    assert feed.entries[0].title == "Crème brûlée"


def test_wrong_declaration_and_http_charset() -> None:
    latin = RSS.format(decl=' encoding="utf-8"').encode("latin-1")
    feed = parse_feed(latin, now=NOW)
    assert feed.entries[0].title == "Crème brûlée"
    assert any("declared as utf-8, but the bytes are not" in w for w in feed.warnings)
    cyrillic = '<rss version="2.0"><channel><title>Новости</title><item><title>Дом</title>'
    data = (cyrillic + "</item></channel></rss>").encode("cp1251")
    feed = parse_feed(data, content_type="text/xml; charset=windows-1251")
    assert (feed.title, feed.entries[0].title) == ("Новости", "Дом")


def test_control_characters_are_dropped() -> None:
    data = RSS.format(decl="").replace("Crème   br", "Cr\x00ème\x01   br").encode()
    feed = parse_feed(data, now=NOW)
    assert feed.entries[0].title == "Crème brûlée"
    assert not any("well-formed" in w for w in feed.warnings)


def test_localized_dates() -> None:
    assert parse_localized_date("Seg, 24 Set 2018 19:42:40 -0300") == datetime(
        2018, 9, 24, 22, 42, 40, tzinfo=UTC
    )
    assert parse_localized_date("mer, 16 nov 2022 00:38:15 +0100") == datetime(
        2022, 11, 15, 23, 38, 15, tzinfo=UTC
    )
    assert parse_localized_date("Mo, 3. Mär 2020 10:00:00 GMT") == datetime(
        2020, 3, 3, 10, 0, tzinfo=UTC
    )
    assert parse_localized_date("31 Foo 2020") is None
    assert parse_localized_date("yesterday") is None


# --- discovery -------------------------------------------------------------------------------


def test_discover_feeds() -> None:
    page = """<html><head><base href="https://news.example/section/">
    <link rel="alternate" type="application/rss+xml" href="rss.xml">
    <link rel="Alternate Home" type="application/atom+xml; charset=utf-8" href="/atom">
    <link rel="alternate" type="application/feed+json" href="feed.json">
    <link rel="alternate" type="application/rss+xml" href="https://news.example/section/rss.xml">
    <link rel="alternate" type="application/json" href="/wp-json/wp/v2/posts/1">
    <link rel="alternate" type="text/html" hreflang="fr" href="/fr/">
    <link rel="stylesheet" type="application/rss+xml" href="/not-alternate">
    </head><body></body></html>"""
    assert discover_feeds(page, "https://other.example/") == (
        "https://news.example/section/rss.xml",
        "https://news.example/atom",
        "https://news.example/section/feed.json",
    )
    assert discover_feeds(b"", None) == ()
    assert discover_feeds("<p>no head</p>", "https://x/") == ()


def test_is_feed_content_type() -> None:
    assert is_feed_content_type("application/rss+xml; charset=utf-8")
    assert is_feed_content_type("text/xml")
    assert is_feed_content_type("application/feed+json")
    assert not is_feed_content_type("text/html; charset=utf-8")
    assert not is_feed_content_type(None)


# --- any bytes ---------------------------------------------------------------------------------

_MARKUP = st.sampled_from(
    [
        "<rss>",
        "</rss>",
        "<channel>",
        "<item>",
        "</item>",
        "<title>",
        "</title>",
        "<link>",
        "<guid>",
        "<feed>",
        "<entry>",
        "<pubDate>",
        "&amp;",
        "&#0;",
        "<![CDATA[",
        "]]>",
        "<!--",
        '{"version": "https://jsonfeed.org/version/1.1", "items": [',
        "\x00",
        "\ufeff",
        "é",
        "<?xml version='1.0' encoding='utf-16'?>",
    ]
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=1500))
def test_any_bytes_give_a_feed_or_feed_error(data: bytes) -> None:
    try:
        assert isinstance(parse_feed(data, now=NOW), Feed)
    except FeedError as error:
        assert "\n" not in str(error)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.one_of(_MARKUP, st.text(max_size=8)), max_size=40),
    st.sampled_from(["utf-8", "utf-16", "latin-1"]),
)
def test_any_feed_like_soup_gives_a_feed_or_feed_error(parts: list[str], codec: str) -> None:
    data = "".join(parts).encode(codec, errors="replace")
    try:
        assert isinstance(parse_feed(data, url="https://x.example/f", now=NOW), Feed)
    except FeedError as error:
        assert "\n" not in str(error)
