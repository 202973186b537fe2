"""canonical_url: the conservative rules, invalid input, idempotence."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nutgraf.dedup.urls import TRACKING_PARAMETERS, canonical_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://Example.COM", "http://example.com/"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("https://example.com/a#section-2", "https://example.com/a"),
        ("https://example.com/#!/story/12", "https://example.com/#!/story/12"),
        ("https://bücher.example/Straße", "https://xn--bcher-kva.example/Stra%C3%9Fe"),
        ("https://example.com/a b", "https://example.com/a%20b"),
        ("https://example.com/%7euser/%2f", "https://example.com/~user/%2F"),
        ("https://example.com/?b=2&a=1", "https://example.com/?a=1&b=2"),
        ("https://example.com/?id=2&x=0&id=1", "https://example.com/?id=2&id=1&x=0"),
        ("https://example.com/?a=1&&b=", "https://example.com/?a=1&b="),
        ("https://[2001:DB8::1]:443/", "https://[2001:db8::1]/"),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("https://User:Pw@Example.com/", "https://User:Pw@example.com/"),
    ],
)
def test_canonical_form(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_tracking_parameters_removed() -> None:
    url = (
        "https://news.example.org/2024/story?utm_source=rss&utm_medium=feed&fbclid=x&gclid=y"
        "&id=7&CMP=share_btn_tw&smid=nytcore&at_medium=rss&ref_src=twsrc&_ga=1.2&page=2"
    )
    assert canonical_url(url) == "https://news.example.org/2024/story?id=7&page=2"


def test_every_listed_tracking_parameter_removed() -> None:
    for name in sorted(TRACKING_PARAMETERS):
        assert canonical_url(f"https://example.com/a?{name}=1&k=v") == "https://example.com/a?k=v"


def test_ref_removed_only_with_a_traffic_source_value() -> None:
    assert canonical_url("https://example.com/a?ref=rss") == "https://example.com/a"
    assert canonical_url("https://example.com/a?ref=Twitter") == "https://example.com/a"
    # On code hosts ref selects content (a branch): kept.
    assert canonical_url("https://example.com/a?ref=main") == "https://example.com/a?ref=main"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/a/index.html",  # may differ from /a/ on some servers
        "https://example.com/a/",
        "https://www.example.com/a",
        "https://example.com/A",
        "https://example.com/a/./b",
    ],
)
def test_conservative_keeps_what_may_differ(url: str) -> None:
    assert canonical_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "",
        "   ",
        "not a url",
        "ftp://example.com/file",
        "mailto:desk@example.com",
        "javascript:alert(1)",
        "http://",
        "http:///path",
        "http://example.com:99999/",
        "http://example.com:port/",
        "http://[::1/",
        "http://a..b/",
        "/relative/path",
    ],
)
def test_invalid_input_comes_back_stripped(url: str) -> None:
    assert canonical_url(f" {url}\n") == url.strip()


def test_same_page_spellings_compare_equal() -> None:
    spellings = [
        "https://News.Example.org:443/world/story?id=4&utm_campaign=x#comments",
        "https://news.example.org/world/story?fbclid=abc&id=4",
        "HTTPS://news.example.org/world/story?id=4",
    ]
    assert len({canonical_url(u) for u in spellings}) == 1


_PART = st.text(alphabet=st.characters(), max_size=12)
_URLS = st.builds(
    lambda scheme, user, host, port, path, query, fragment: (
        f"{scheme}://{user}{host}{port}{path}{query}{fragment}"
    ),
    st.sampled_from(["http", "HTTPS", "Http", "ftp"]),
    st.sampled_from(["", "u:p@", "@"]),
    st.one_of(_PART, st.sampled_from(["example.com", "EXAMPLE.com.", "bücher.de", "[::1]"])),
    st.sampled_from(["", ":80", ":443", ":8080", ":", ":99999"]),
    st.one_of(_PART, st.just("/a b/%7e%2f")),
    st.one_of(st.just(""), _PART.map(lambda t: "?" + t), st.just("?utm_source=x&b=1&a=2&a=1&&")),
    st.one_of(st.just(""), _PART.map(lambda t: "#" + t)),
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_URLS, st.text()))
def test_idempotent(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once
