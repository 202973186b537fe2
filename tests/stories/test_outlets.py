"""``outlet_key``, ``title_key`` and ``count_story``: one site is one outlet however it was
reached; one article reached twice is one article."""

from __future__ import annotations

import pytest

from nutgraf.stories.archive import is_undated
from nutgraf.stories.outlets import Member, count_story, outlet_key, title_key


@pytest.mark.parametrize(
    ("site", "url", "expected"),
    [
        ("https://www.example.org/", None, "example.org"),
        ("http://m.example.org/news", None, "example.org"),
        ("https://amp.example.org", None, "example.org"),
        ("https://feeds.example.org/rss", "https://example.org/a", "example.org"),
        ("https://example.org/feed", None, "example.org"),
        ("https://EXAMPLE.org:443/", None, "example.org"),
        # A feed service's host: the article links name the outlet.
        ("https://feeds.feedburner.com/blog", "https://blog.example.net/post", "blog.example.net"),
        (None, "https://www.example.org/a", "example.org"),
        ("https://m.com/", None, "m.com"),
        ("https://news.example.org/", None, "news.example.org"),
    ],
)
def test_outlet_key_is_the_sites_host(site: str | None, url: str | None, expected: str) -> None:
    assert outlet_key(site, url) == expected


def test_outlet_key_falls_back_to_the_name_then_the_feed() -> None:
    assert outlet_key(None, None, "  Dave  Winer ") == "name:dave winer"
    assert outlet_key("not a url", "file.html", None, "/tmp/a.xml") == "feed:/tmp/a.xml"
    assert outlet_key(None) == ""
    relayed = ("https://feeds.feedburner.com/x", "https://feedproxy.google.com/~r/x/1")
    assert outlet_key(*relayed, "X Blog") == "name:x blog"
    assert outlet_key(*relayed) == "feedburner.com"


def test_title_key_needs_three_words() -> None:
    assert title_key("Crack shuts the BRIDGE!") == title_key("crack  shuts the bridge")
    assert title_key("Featured Advertiser") is None
    assert title_key(None) is None


def test_count_story_counts_outlets_and_different_articles() -> None:
    rss = Member(1, "http://www.blog.test/", "http://www.blog.test/a", title="A long title here")
    atom = Member(2, "https://feeds.blog.test/", "https://blog.test/a", title="A long title, here")
    other = Member(3, "https://other.test/", title="A long title here")
    own_copy = Member(4, "https://blog.test/", copy_of=1)
    wire = Member(5, "https://third.test/", title="Something", copy_of=1)
    assert count_story([rss, atom]) == (1, 1)
    assert count_story([rss, atom, other]) == (2, 2)
    assert count_story([rss, own_copy]) == (1, 1)
    assert count_story([rss, wire]) == (2, 2)  # a wire copy another outlet printed counts
    assert count_story([]) == (0, 0)


@pytest.mark.parametrize(
    ("published", "undated"),
    [
        (None, True),
        ("", True),
        ("yesterday", True),
        ("2024-05-07", False),
        ("2024-05-07T10:00:00+00:00", False),
    ],
)
def test_is_undated(published: str | None, undated: bool) -> None:
    assert is_undated(published) is undated
