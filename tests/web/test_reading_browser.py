"""Reading state in a real headless Chromium (issue 17): star and mark read with the buttons,
the navigation's unread count follows, from the keyboard alone, at 360 px wide, with AA
contrast, and without JavaScript the same buttons still work as plain forms."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import httpx
import pytest

from nutgraf.store import SQLiteStore
from nutgraf.web.app import create_app
from nutgraf.web.auth import SESSION_COOKIE
from tests.web.conftest import COAST, HARBOUR, Archive, fill, serving
from tests.web.signin import CONFIG, sign_in
from tests.web.test_browser import LOW_CONTRAST, tab

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser
NOW = "2026-11-24T10:00:00Z"


@dataclass(frozen=True)
class Served:
    base: str
    archive: Archive
    store: SQLiteStore


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    with SQLiteStore(tmp_path / "site.db") as store:
        archive = fill(store)
        store.add_feed(HARBOUR + "feed.xml", title="Harbour Post", category="Local", now=NOW)
        store.add_feed(COAST + "feed.xml", title="Coast", category="Region", now=NOW)
        with serving(create_app(store, CONFIG)) as base:
            yield Served(base, archive, store)


def signed_in(page: Page, served: Served, name: str = "ann") -> None:
    with httpx.Client(base_url=served.base) as client:
        cookie = sign_in(client, served.store, name)
    page.context.add_cookies([{"name": SESSION_COOKIE, "value": cookie, "url": served.base}])


def unread_count(page: Page) -> str:
    return page.locator("[data-unread]").inner_text()


def test_star_and_mark_read_with_the_buttons(browser: Browser, shots: Path, served: Served) -> None:
    archive = served.archive
    with tab(browser, shots) as t:
        page = t.page
        page.set_viewport_size({"width": 360, "height": 740})
        signed_in(page, served)
        page.goto(served.base + "/")
        assert unread_count(page) == "6"
        page.evaluate("window.__stayed = true")  # gone if the page reloads
        item = page.locator(f'li[data-article="{archive.keepers}"]')
        item.locator('form[data-action="star"] button').click()
        unstar = item.locator('form[data-action="unstar"] button')
        unstar.wait_for()
        assert unstar.get_attribute("aria-pressed") == "true"
        item.locator('form[data-action="read"] button').click()
        keepers = f"""document.querySelector('li[data-article="{archive.keepers}"]')"""
        page.wait_for_function(f"() => {keepers}.classList.contains('is-read')")
        assert item.locator('form[data-action="unread"] button').inner_text() == "Mark unread"
        assert unread_count(page) == "5"
        assert page.evaluate("window.__stayed") is True
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 360, f"the home page is {wide} px wide"
        t.shot("reading-home-360")
        # The archive agrees, and the reader's own pages list it.
        page.goto(served.base + "/starred")
        assert page.locator("li[data-article]").count() == 1
        page.goto(served.base + "/unread")
        assert page.locator("li[data-article]").count() == 5
        assert unread_count(page) == "5"
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        t.shot("reading-unread-360")
        # Unread again from the unread list's neighbour: the count goes back up.
        page.goto(served.base + "/starred")
        page.locator('form[data-action="unread"] button').click()
        page.wait_for_function("() => document.querySelector('[data-unread]').textContent === '6'")


def test_the_buttons_work_from_the_keyboard(browser: Browser, shots: Path, served: Served) -> None:
    with tab(browser, shots) as t:
        page = t.page
        signed_in(page, served)
        page.goto(served.base + "/")
        first = page.locator("li[data-article]").first.get_attribute("data-article")
        focused = ""
        for _ in range(60):  # skip link, masthead, the first item's link, then its button
            page.keyboard.press("Tab")
            focused = page.evaluate(
                "document.activeElement.closest('form.mark')?.dataset.action || ''"
            )
            if focused:
                break
        assert focused == "read"
        assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
        page.keyboard.press("Enter")
        listed = f"""document.querySelector('li[data-article="{first}"]')"""
        page.wait_for_function(f"() => {listed}.classList.contains('is-read')")
        assert unread_count(page) == "5"
        # The focus stays on the toggled button, ready to toggle back.
        assert page.evaluate("document.activeElement.textContent") == "Mark unread"
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")  # star it
        page.wait_for_function(
            "() => document.activeElement.closest('form.mark').dataset.action === 'unstar'"
        )
        t.shot("reading-keyboard")


def test_without_javascript_the_buttons_are_plain_forms(
    browser: Browser, shots: Path, served: Served
) -> None:
    archive = served.archive
    with tab(browser, shots, javascript=False) as t:
        page = t.page
        signed_in(page, served)
        page.goto(f"{served.base}/sources/coast.test")
        item = page.locator(f'li[data-article="{archive.ferry}"]')
        item.locator('form[data-action="star"] button').click()
        page.wait_for_url(f"{served.base}/sources/coast.test")
        assert item.locator('form[data-action="unstar"]').count() == 1
        # Opening an article marks it read; the page says so.
        page.goto(f"{served.base}/articles/{archive.passes}")
        assert "is-read" in (page.locator("article").get_attribute("class") or "")
        assert unread_count(page) == "5"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_reading_pages_have_aa_contrast(
    browser: Browser, shots: Path, served: Served, scheme: Literal["light", "dark"]
) -> None:
    archive = served.archive
    with tab(browser, shots, color_scheme=scheme) as t:
        page = t.page
        signed_in(page, served)
        with httpx.Client(base_url=served.base) as client:
            sign_in(client, served.store, "ann")
        served.store.set_read("ann", [archive.copy], True)
        served.store.set_starred("ann", archive.copy, True, NOW)
        for path in ("/", "/unread", "/starred", "/settings", f"/articles/{archive.copy}"):
            page.goto(served.base + path)
            t.shot(f"reading-contrast-{scheme}{path.replace('/', '-')}")
            assert page.evaluate(LOW_CONTRAST) == [], f"{path} in {scheme}"


def test_m_and_s_mark_the_current_item(browser: Browser, shots: Path, served: Served) -> None:
    """The keyboard's m and s go through the same forms as the buttons: the item, its
    buttons and the navigation's count follow, and the archive holds the marks."""
    with tab(browser, shots) as t:
        page = t.page
        signed_in(page, served, "kim")
        page.goto(served.base + "/")
        before = int(unread_count(page))
        page.keyboard.press("j")
        article = page.locator("main [data-item].is-current").get_attribute("data-article")
        assert article is not None
        item = f"document.querySelector('main [data-item][data-article=\"{article}\"]')"
        page.keyboard.press("m")
        page.wait_for_function(f"() => {item}.classList.contains('is-read')")
        assert int(unread_count(page)) == before - 1
        page.keyboard.press("s")
        page.wait_for_function(f"() => {item}.classList.contains('is-starred')")
        assert page.get_by_role("status").inner_text() != ""
        t.shot("reading-keys-m-s")
    marks = served.store.article_marks("kim", [int(article)])[int(article)]
    assert marks.read and marks.starred
