"""The compact list (issue 17, reading comfort): the default layout of home, a source's page
and search, with the card layout kept as an option remembered in a cookie. Over HTTP (the
layout, its cookie, the page cache kept apart by layout) and in headless Chromium (12 items or
more in a 1280 x 900 window, no sideways scroll at 360 px, AA contrast in both schemes)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pytest
from starlette.testclient import TestClient

from nutgraf.store import SQLiteStore
from nutgraf.web.app import SiteConfig, create_app
from nutgraf.web.listing import EXCERPT_CHARS, excerpt, parse_layout
from tests.web.conftest import make_client, page_html, serving, story
from tests.web.test_browser import LOW_CONTRAST, tab
from tests.web.test_images_browser import answer_pictures, load_every_image

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

SITE = "https://www.tidings.test/"
ITEMS = 24  # more than a page (20)
TOPICS = (
    "Harbour commission approves the lighthouse budget after a long night of debate",
    "Ferry timetable changes for the winter while the old pier is being repaired",
    "Council votes to extend the coastal path to the northern cliffs by next summer",
    "Fishing fleet returns early as the storm warning is raised along the whole coast",
)


def fill_many(store: SQLiteStore, count: int = ITEMS) -> list[int]:
    """``count`` articles of newspaper length, one an hour, newest last; every third with a
    thumbnail, the fifth without a date. Returns their ids, newest first."""
    ids = []
    for n in range(count):
        topic = TOPICS[n % len(TOPICS)]
        first = f"{topic}, the {n + 1}th report of the day said on Tuesday morning."
        second = "Residents were asked to comment before the end of the month at the town hall."
        item = story(
            f"{topic} ({n + 1})",
            [("p", f"{first} {second}"), ("p", "More details will follow in the evening.")],
            [first, second],
            url=f"{SITE}story-{n}",
            site=SITE,
            source="The Tidings",
            published=f"2026-02-01T{n % 24:02d}:00:00Z",
        )
        if n % 3 == 0:
            item = dataclasses.replace(item, image=f"https://img.test/story-{n}.jpg")
        if n == count - 5:
            item = dataclasses.replace(
                item, article=dataclasses.replace(item.article, published=None)
            )
        ids.append(store.save(item).id)
    return ids[::-1]


@pytest.fixture
def many(tmp_path: Path) -> Iterator[TestClient]:
    with SQLiteStore(tmp_path / "many.db") as store:
        fill_many(store)
        with make_client(store) as client:
            yield client


# --- over HTTP ---------------------------------------------------------------------------------


def layout_of(text: str) -> set[str]:
    """The classes of the listed items (``compact`` or ``card``)."""
    items = page_html(text).xpath("//main/ol[@class='stream' or @class='results']/li")
    return {li.get("class").split()[0] for li in items}


def test_the_compact_list_is_the_default_with_every_part_of_an_item(many: TestClient) -> None:
    response = many.get("/")
    doc = page_html(response.text)
    items = doc.xpath("//ol[@class='stream']/li")
    assert len(items) == 20 and layout_of(response.text) == {"compact"}
    # Item 20 has no date: it is listed by when it was first seen, today, above the rest.
    assert "first seen" in items[0].xpath("string(p[@class='meta'])")
    assert items[0].xpath(".//time/@datetime") == ["2026-11-24T10:00:00Z"]
    first = items[1]  # item 24
    assert first.get("data-article") == first.xpath("h2/a/@href")[0].rsplit("/", 1)[1]
    assert first.xpath("h2/a/@data-open") == [""]
    assert first.xpath("string(.//span[@class='outlet'])") == "The Tidings"
    assert first.xpath(".//time/@datetime") == ["2026-02-01T23:00:00Z"]
    assert first.xpath("string(.//span[@class='excerpt'])").startswith(TOPICS[3])
    assert first.xpath(".//img[contains(@class, 'thumb')]/@src") == []  # item 24 has none
    with_thumb = [li for li in items if li.xpath(".//img[contains(@class, 'thumb tiny')]")]
    assert len(with_thumb) == 6  # n = 6, 9 ... 21 (items 7 ... 22) of n = 5 ... 23 and 19
    assert first.xpath("string(.//details/summary)") == "Summary"
    assert first.xpath(".//details/summary/@aria-describedby") == [first.xpath("h2/@id")[0]]
    assert len(first.xpath(".//details/ol/li/a")) == 2
    assert len(doc.xpath("//li[.//span[@class='first-seen']]")) == 1


def test_cards_are_an_option_remembered_in_a_cookie(many: TestClient) -> None:
    switch = page_html(many.get("/").text).xpath("//p[@class='layout-switch']/a/@href")
    assert switch == ["/?layout=cards"]
    chosen = many.get("/?layout=cards")
    assert layout_of(chosen.text) == {"card"}
    cookie = chosen.headers["set-cookie"]
    assert cookie.startswith("nutgraf_layout=cards;")
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    # The client keeps the cookie: every list is in cards now, and offers the compact list.
    assert layout_of(many.get("/").text) == {"card"}
    assert layout_of(many.get("/sources/tidings.test?page=2").text) == {"card"}
    searched = many.get("/search?q=residents&page=2")
    assert layout_of(searched.text) == {"card"}
    assert page_html(searched.text).xpath("//p[@class='layout-switch']/a/@href") == [
        "/search?layout=compact&q=residents&page=2"
    ]
    assert "set-cookie" not in many.get("/").headers  # only an explicit choice is remembered
    assert layout_of(many.get("/?layout=compact").text) == {"compact"}
    assert layout_of(many.get("/").text) == {"compact"}


def test_the_page_cache_keeps_layouts_apart_and_json_has_none(many: TestClient) -> None:
    assert layout_of(many.get("/").text) == {"compact"}  # now cached for 10 s
    many.cookies.set("nutgraf_layout", "cards")
    assert layout_of(many.get("/").text) == {"card"}
    many.cookies.clear()
    assert layout_of(many.get("/").text) == {"compact"}
    plain = many.get("/index.json").json()
    assert many.get("/index.json?layout=cards").json() == plain
    assert "set-cookie" not in many.get("/index.json?layout=cards").headers


def test_a_wrong_layout_is_a_400_and_a_wrong_cookie_is_ignored(many: TestClient) -> None:
    response = many.get("/?layout=" + "x" * 300)
    assert response.status_code == 400
    assert "ayout must be compact or cards, not &#39;xxxx" in response.text
    assert "x" * 41 not in response.text  # the value is cut in the message
    assert "set-cookie" not in response.headers
    many.cookies.set("nutgraf_layout", "<script>")
    assert layout_of(many.get("/").text) == {"compact"}


def test_the_article_and_stories_pages_are_the_same_whatever_the_layout(many: TestClient) -> None:
    article = page_html(many.get("/").text).xpath("//ol/li/h2/a/@href")[0]
    assert page_html(many.get("/").text).xpath("//main/@class") == ["wide"]  # a list's width
    for layout in ("cards", "compact"):
        many.cookies.set("nutgraf_layout", layout)
        page = many.get(article).text
        assert "layout-switch" not in page
        assert page_html(page).xpath("//main/@class") == []  # an article's column
    assert many.get(article + "?layout=nonsense").status_code == 200  # not read there
    assert "set-cookie" not in many.get(article + "?layout=cards").headers


def test_an_excerpt_is_one_line_cut_at_a_word() -> None:
    assert excerpt("Short text.\n\nSecond  paragraph.") == "Short text. Second paragraph."
    long = "word " * 200
    cut = excerpt(long)
    assert len(cut) <= EXCERPT_CHARS + 2 and cut.endswith("word …")
    assert excerpt("") == ""
    assert excerpt("x" * 1000) == "x" * EXCERPT_CHARS + " …"


def test_only_the_two_layouts_are_parsed() -> None:
    assert parse_layout("compact") == "compact" and parse_layout("cards") == "cards"
    assert parse_layout("Cards") is None and parse_layout(None) is None


# --- in Chromium -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Served:
    base: str
    ids: list[int]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with SQLiteStore(tmp_path_factory.mktemp("many") / "site.db") as store:
        ids = fill_many(store)
        with serving(create_app(store, SiteConfig())) as base:
            yield Served(base, ids)


FULLY_SHOWN = """() => [...document.querySelectorAll("main [data-item]")].filter((item) => {
  const box = item.getBoundingClientRect();
  return box.top >= 0 && box.bottom <= innerHeight;
}).length"""


@pytest.mark.browser
def test_twelve_items_or_more_fit_a_1280_by_900_window(
    browser: Browser, shots: Path, served: Served
) -> None:
    with tab(browser, shots) as t:
        page = t.page
        page.set_viewport_size({"width": 1280, "height": 900})
        answer_pictures(page, served.base)
        page.goto(served.base + "/")
        load_every_image(page)
        t.shot("compact-1280x900")
        shown = page.evaluate(FULLY_SHOWN)
        assert shown >= 12, shown
        # Each part stays on its line: a headline and one line of outlet, date and excerpt.
        heights = page.eval_on_selector_all(
            "li.compact", "all => all.map((li) => li.getBoundingClientRect().height)"
        )
        assert max(heights) < 70, heights
        page.goto(served.base + "/?layout=cards")
        load_every_image(page)
        t.shot("cards-1280x900")
        assert page.evaluate(FULLY_SHOWN) < 12  # what the compact list is for
        page.goto(served.base + "/sources/tidings.test?layout=compact")
        assert page.evaluate(FULLY_SHOWN) >= 12


@pytest.mark.browser
def test_the_summary_opens_below_a_compact_item_and_leads_into_the_article(
    browser: Browser, shots: Path, served: Served
) -> None:
    with tab(browser, shots) as t:
        page = t.page
        answer_pictures(page, served.base)
        page.goto(served.base + "/")
        item = page.locator("li.compact").first
        href = item.locator("h2 a").get_attribute("href")
        sentences = item.locator("details ol li")
        assert not sentences.first.is_visible()
        before = item.bounding_box()
        item.locator("details > summary").click()
        assert all(s.is_visible() for s in sentences.all())
        after = item.bounding_box()
        assert before and after and after["height"] > before["height"] + 20
        title = item.locator("h2").bounding_box()
        listed = sentences.first.bounding_box()
        assert title and listed and listed["y"] > title["y"] + title["height"]  # below, not beside
        t.shot("compact-summary-open")
        sentences.first.locator("a").click()
        page.wait_for_url(f"**{href}#s1")


@pytest.mark.browser
@pytest.mark.parametrize("layout", ["compact", "cards"])
def test_360_px_wide_scrolls_only_down(
    browser: Browser, shots: Path, served: Served, layout: str
) -> None:
    with tab(browser, shots) as t:
        page = t.page
        page.set_viewport_size({"width": 360, "height": 640})
        answer_pictures(page, served.base)
        for path in ("/", "/search?q=ferry", "/sources/tidings.test"):
            page.goto(f"{served.base}{path}{'&' if '?' in path else '?'}layout={layout}")
            for box in page.locator("details").all():
                box.evaluate("d => { d.open = true; }")
            load_every_image(page)
            t.shot(f"narrow-{layout}-{path.strip('/').replace('/', '-') or 'home'}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, (path, width)
            title = page.locator("main [data-item] h2").first.bounding_box()
            assert title and title["x"] >= 0 and title["x"] + title["width"] <= 360


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_compact_and_card_lists_keep_aa_contrast(
    browser: Browser, shots: Path, served: Served, scheme: Literal["light", "dark"]
) -> None:
    with tab(browser, shots, color_scheme=scheme) as t:
        page = t.page
        answer_pictures(page, served.base)
        for path in ("/", "/search?q=ferry", "/?layout=cards", "/search?q=ferry&layout=cards"):
            page.goto(served.base + path)
            mark_states(page)
            for box in page.locator("details").all():
                box.evaluate("d => { d.open = true; }")
            t.shot(f"contrast-{scheme}-{path.strip('/?').replace('?', '-') or 'home'}")
            assert page.evaluate(LOW_CONTRAST) == [], f"{path} in {scheme}"


def mark_states(page: Page) -> None:
    """The state classes the reading state sets (read, starred) and the keyboard's current
    item, on the first items, as a reader would see them."""
    page.evaluate(
        """() => { const items = document.querySelectorAll("main [data-item]");
             items[0].classList.add("is-read");
             items[1].classList.add("is-starred");
             items[2].classList.add("is-read", "is-starred", "is-current"); }"""
    )


@pytest.mark.browser
def test_print_shows_whole_lines_without_the_switches(
    browser: Browser, shots: Path, served: Served
) -> None:
    with tab(browser, shots) as t:
        page = t.page
        answer_pictures(page, served.base)
        page.goto(served.base + "/")
        page.emulate_media(media="print")
        assert not page.locator("p.layout-switch").is_visible()
        assert not page.locator("button.keys-button").is_visible()
        wrap = page.eval_on_selector("li.compact .excerpt", "e => getComputedStyle(e).whiteSpace")
        assert wrap == "normal"


def test_a_source_page_lists_whole_items_within_the_source(many: TestClient) -> None:
    doc = page_html(many.get("/sources/tidings.test").text)
    items = doc.xpath("//ol[@class='stream']/li")
    assert len(items) == 20
    for item in items:
        assert item.xpath("h2/a/@href")[0].endswith("?from=source")
        assert item.xpath("string(.//span[@class='excerpt'])")
        assert len(item.xpath(".//details/ol/li")) == 2
    # Its twin keeps the shape of a headline, with the same articles in the same order.
    data = many.get("/sources/tidings.test.json").json()
    assert [a["id"] for a in data["articles"]] == [
        int(href.split("/")[2].split("?")[0]) for href in doc.xpath("//li/h2/a/@href")
    ]
    assert set(data["articles"][0]) == {
        "id",
        "title",
        "source",
        "url",
        "published",
        "first_seen",
        "dated",
        "kind",
        "image",
        "duplicate",
    }


def test_pages_let_their_scripts_call_the_site_only(many: TestClient) -> None:
    """The keys post marks with fetch: the CSP allows the site's own address, nothing else."""
    csp = many.get("/").headers["content-security-policy"]
    assert "connect-src 'self';" in csp and "default-src 'none'" in csp
