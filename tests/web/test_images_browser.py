"""Images in a real headless Chromium (issue 16, point 7): fitted to a narrow column, their
space kept before they arrive (no layout shift is measured), summary anchors still working,
thumbnails in lists, and no request to another host with ``remote_images`` off.

The pictures' hosts do not exist: the browser's requests to them are answered by the test
(an SVG of a known size), and counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from nutgraf.store import SQLiteStore
from nutgraf.web.app import SiteConfig, create_app
from tests.web.conftest import serving
from tests.web.test_browser import TRANSPARENT, background, tab
from tests.web.test_images import PIER_CITED, Images, fill

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Route, ViewportSize

pytestmark = pytest.mark.browser

NARROW: ViewportSize = {"width": 360, "height": 640}
PICTURE = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="900">'
    b'<rect width="1600" height="900" fill="#4a7"/></svg>'
)
# The layout shifts the page reports (PerformanceObserver, as Core Web Vitals count them).
WATCH_SHIFTS = """
window.__shifts = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__shifts += entry.value;
}).observe({type: "layout-shift", buffered: true});
"""


@dataclass
class Requests:
    remote: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Served:
    base: str
    ids: Images


def _site(tmp_path_factory: pytest.TempPathFactory, config: SiteConfig) -> Iterator[Served]:
    with SQLiteStore(tmp_path_factory.mktemp("images") / "site.db") as store:
        ids = fill(store)
        with serving(create_app(store, config)) as base:
            yield Served(base, ids)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    yield from _site(tmp_path_factory, SiteConfig())


@pytest.fixture(scope="module")
def served_dark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    yield from _site(tmp_path_factory, SiteConfig(remote_images=False))


def answer_pictures(page: Page, base: str) -> Requests:
    """Every request to another host gets the picture, and is counted."""
    seen = Requests()

    def fulfil(route: Route) -> None:
        if route.request.url.startswith(base):
            route.continue_()
            return
        seen.remote.append(route.request.url)
        route.fulfill(status=200, content_type="image/svg+xml", body=PICTURE)

    page.route("**/*", fulfil)
    page.add_init_script(WATCH_SHIFTS)
    return seen


def load_every_image(page: Page) -> None:
    """Scroll down the page so lazy images load, then wait for all of them."""
    page.evaluate(
        """async () => {
          for (let y = 0; y < document.body.scrollHeight; y += innerHeight / 2) {
            scrollTo(0, y);
            await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 30)));
          }
          scrollTo(0, 0);
        }"""
    )
    page.wait_for_function("[...document.images].every((i) => i.complete && i.naturalWidth)")


def test_pictures_fit_a_narrow_column_keep_their_space_and_anchors_work(
    browser: Browser, shots: Path, served: Served
) -> None:
    with tab(browser, shots) as t:
        page = t.page
        page.set_viewport_size(NARROW)
        requests = answer_pictures(page, served.base)
        page.goto(f"{served.base}/articles/{served.ids.pier}")
        body = page.locator("div.body")
        column = body.evaluate("e => e.clientWidth")
        # Before any picture arrives, each has its box already.
        boxes = body.evaluate(
            """e => [...e.querySelectorAll('img')].map((i) => {
              const r = i.getBoundingClientRect(), s = getComputedStyle(i);
              return {w: r.width, h: r.height, attrs: i.hasAttribute('width') &&
                i.hasAttribute('height'), ratio: s.aspectRatio, max: s.maxWidth};
            })"""
        )
        assert len(boxes) == 3
        for box in boxes:
            assert box["attrs"] or box["ratio"] != "auto", box
            assert box["max"] == "100%"
            assert 0 < box["w"] <= column and box["h"] > 0, (box, column)
        load_every_image(page)
        t.shot("article-images-narrow")
        after = body.evaluate(
            """e => [...e.querySelectorAll('img')].map((i) => {
              const r = i.getBoundingClientRect(); return {w: r.width, h: r.height};
            })"""
        )
        assert after == [{"w": b["w"], "h": b["h"]} for b in boxes]  # nothing moved
        assert page.evaluate("window.__shifts") < 0.01
        assert len(requests.remote) == 3
        assert all(url.startswith("https://") for url in requests.remote)
        assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
        # The summary still leads to its sentences, the caption's among them.
        page.get_by_text("No time to read? Get a summary").click()
        page.locator("details.summary ol li").nth(0).locator("a").click()
        page.wait_for_url("**#s1")
        assert page.locator("figcaption #s1").inner_text() == PIER_CITED[0]
        assert background(page, "#s1") != TRANSPARENT
        page.locator("details.summary ol li").nth(2).locator("a").click()
        page.wait_for_url("**#s3")
        assert background(page, "#s3") != TRANSPARENT and background(page, "#s1") == TRANSPARENT


def test_lists_show_thumbnails_in_a_fixed_box(
    browser: Browser, shots: Path, served: Served
) -> None:
    with tab(browser, shots) as t:
        page = t.page
        page.set_viewport_size(NARROW)
        answer_pictures(page, served.base)
        page.goto(f"{served.base}/")
        load_every_image(page)
        t.shot("home-thumbnails-narrow")
        sizes = page.eval_on_selector_all(
            "img.thumb",
            "all => all.map((i) => { const r = i.getBoundingClientRect();"
            " return [r.width, r.height, i.closest('li').getBoundingClientRect().width]; })",
        )
        assert len(sizes) >= 3
        for width, height, row in sizes:
            assert 0 < width <= row * 0.3 + 1
            assert height == pytest.approx(width * 2 / 3, abs=1)


def test_remote_images_off_asks_no_other_host_for_anything(
    browser: Browser, shots: Path, served_dark: Served
) -> None:
    with tab(browser, shots) as t:
        page = t.page
        requests = answer_pictures(page, served_dark.base)
        ids = served_dark.ids
        for path in ("/", f"/articles/{ids.pier}", f"/articles/{ids.techcrunch}", "/sources"):
            page.goto(served_dark.base + path)
            load_every_image(page)
            assert page.evaluate("document.images.length") == 0, path
        t.shot("article-remote-images-off")
        assert requests.remote == []
