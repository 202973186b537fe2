"""Keyboard shortcuts (issue 17, reading comfort; nutgraf/web/static/keys.js) in a real
headless Chromium: j/k move the current item and its focus, o and Enter open it, / goes to
the search box, ? opens an accessible dialog listing the keys; nothing is taken from a form
field or from a key held with Ctrl, Alt or Meta.

m and s post an item's ``form.mark`` to its JSON twin: with no such form on the page (a
reader not signed in) they say so, which is tested here; marking itself is tested where the
reading state's forms are rendered.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from nutgraf.store import SQLiteStore
from nutgraf.web.app import SiteConfig, create_app
from tests.web.conftest import Archive, fill, serving
from tests.web.test_browser import LOW_CONTRAST, tab
from tests.web.test_compact import fill_many
from tests.web.test_images_browser import answer_pictures

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Served:
    base: str
    archive: Archive


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The crafted archive (six articles, two sources), and a screenful more of one source."""
    with SQLiteStore(tmp_path_factory.mktemp("keys") / "site.db") as store:
        archive = fill(store)
        fill_many(store)
        with serving(create_app(store, SiteConfig())) as base:
            yield Served(base, archive)


CURRENT = """() => [...document.querySelectorAll("main [data-item]")]
  .findIndex((item) => item.classList.contains("is-current"))"""
ACTIVE = """() => { const a = document.activeElement;
  return a ? (a.id || a.getAttribute("href") || a.tagName.toLowerCase()) : null; }"""


OUTLINE_INSIDE_ITS_CLIP = """() => {
  const link = document.activeElement;
  const clip = link.closest("h2").getBoundingClientRect();
  const box = link.getBoundingClientRect();
  const reach = 5;  // a 3px outline 2px away (site.css)
  return box.left - reach >= clip.left - 0.5 && box.top - reach >= clip.top - 0.5 &&
         box.bottom + reach <= clip.bottom + 0.5 &&
         Math.min(box.right, clip.right - reach) + reach <= clip.right + 0.5;
}"""


def current(page: Page) -> int:
    return int(page.evaluate(CURRENT))


def hrefs(page: Page) -> list[str]:
    return [
        str(page.locator("main [data-item]").nth(n).locator("[data-open]").get_attribute("href"))
        for n in range(page.locator("main [data-item]").count())
    ]


def in_view(page: Page, index: int) -> bool:
    return bool(
        page.locator("main [data-item]")
        .nth(index)
        .evaluate(
            "e => { const r = e.getBoundingClientRect();"
            " return r.top >= 0 && r.bottom <= innerHeight; }"
        )
    )


def test_j_and_k_move_the_current_item_and_its_focus(
    browser: Browser, shots: Path, served: Served
) -> None:
    with tab(browser, shots) as t:
        page = t.page
        answer_pictures(page, served.base)
        page.goto(served.base + "/")
        links = hrefs(page)
        assert len(links) == 20 and current(page) == -1
        page.keyboard.press("j")
        assert current(page) == 0 and page.evaluate(ACTIVE) == links[0]
        page.keyboard.press("j")
        page.keyboard.press("j")
        assert current(page) == 2 and page.evaluate(ACTIVE) == links[2]
        marked = page.locator("main [data-item].is-current")
        assert marked.count() == 1 and marked.get_attribute("aria-current") == "true"
        # The marker and the focus both show: a bar beside the item, an outline on its link.
        assert marked.evaluate("e => getComputedStyle(e).boxShadow") != "none"
        assert page.evaluate("document.activeElement.matches(':focus-visible')")
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline == "solid"
        # The headline's box cuts long headlines short, never the outline around its link.
        assert page.evaluate(OUTLINE_INSIDE_ITS_CLIP)
        t.shot("keys-j-current")
        page.keyboard.press("k")
        assert current(page) == 1 and page.evaluate(ACTIVE) == links[1]
        page.keyboard.press("k")
        page.keyboard.press("k")  # at the first item k stays there
        assert current(page) == 0
        for _ in range(25):  # past the last item j stays there, and it is scrolled to
            page.keyboard.press("j")
        assert current(page) == 19 and in_view(page, 19) and not in_view(page, 0)
        t.shot("keys-j-last")
        page.keyboard.press("k")
        assert current(page) == 18 and in_view(page, 18)


def test_o_and_enter_open_the_current_item(browser: Browser, shots: Path, served: Served) -> None:
    with tab(browser, shots) as t:
        page = t.page
        answer_pictures(page, served.base)
        page.goto(served.base + "/")
        links = hrefs(page)
        page.keyboard.press("j")
        page.keyboard.press("j")
        page.keyboard.press("o")
        page.wait_for_url(f"**{links[1]}")
        page.go_back()
        page.wait_for_url(served.base + "/")
        page.keyboard.press("j")
        page.keyboard.press("Enter")
        page.wait_for_url(f"**{links[0]}")


def test_j_and_k_on_an_article_go_to_the_next_and_previous_article(
    browser: Browser, shots: Path, served: Served
) -> None:
    archive = served.archive
    with tab(browser, shots) as t:
        page = t.page
        answer_pictures(page, served.base)
        page.goto(f"{served.base}/sources/harbour.test")
        page.get_by_role("link", name="Lighthouse keepers welcome budget").click()
        page.wait_for_url(f"**/articles/{archive.keepers}?from=source")
        page.keyboard.press("j")
        page.wait_for_url(f"**/articles/{archive.evil}?from=source")
        page.keyboard.press("k")
        page.wait_for_url(f"**/articles/{archive.keepers}?from=source")
        page.keyboard.press("k")
        page.wait_for_url(f"**/articles/{archive.vote}?from=source")
        page.keyboard.press("k")  # the first has no previous: nothing happens
        page.wait_for_timeout(200)
        assert page.url.endswith(f"/articles/{archive.vote}?from=source")


def test_slash_focuses_search_and_typing_there_is_never_a_shortcut(
    browser: Browser, shots: Path, served: Served
) -> None:
    with tab(browser, shots) as t:
        page = t.page
        answer_pictures(page, served.base)
        page.goto(served.base + "/")
        page.keyboard.press("/")
        assert page.evaluate(ACTIVE) == "q"
        assert page.locator("#q").input_value() == ""  # the slash itself is not typed
        page.keyboard.type("jkoms?/ j")
        assert page.locator("#q").input_value() == "jkoms?/ j"
        assert current(page) == -1 and page.locator("dialog").count() == 0
        page.keyboard.press("Enter")
        page.wait_for_url("**/search?q=jkoms%3F%2F+j")
        assert page.locator("#q").input_value() == "jkoms?/ j"


def test_keys_held_with_ctrl_alt_or_meta_are_left_alone(
    browser: Browser, shots: Path, served: Served
) -> None:
    with tab(browser, shots) as t:
        page = t.page
        answer_pictures(page, served.base)
        page.goto(served.base + "/")
        for chord in ("Alt+j", "Control+k", "Meta+j", "Alt+Shift+?", "Control+o"):
            page.keyboard.press(chord)
        assert current(page) == -1 and page.locator("dialog").count() == 0
        assert page.url == served.base + "/"


def test_question_mark_opens_a_dialog_that_keeps_and_returns_the_focus(
    browser: Browser, shots: Path, served: Served
) -> None:
    with tab(browser, shots) as t:
        page = t.page
        answer_pictures(page, served.base)
        page.goto(served.base + "/")
        page.keyboard.press("j")
        opener = page.evaluate(ACTIVE)
        page.keyboard.press("?")
        dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
        assert dialog.is_visible()
        assert dialog.evaluate("d => d.open && d.matches(':modal')")
        keys = dialog.locator("dt").all_inner_texts()
        assert keys == ["j", "k", "o or Enter", "m", "s", "/", "?", "Escape"]
        assert "star" in dialog.locator("dd").nth(4).inner_text()
        t.shot("keys-help")
        assert page.evaluate("document.activeElement.closest('dialog') !== null")
        for key in ("Tab", "Tab", "Shift+Tab", "Tab", "Shift+Tab", "Shift+Tab"):
            page.keyboard.press(key)
            assert page.evaluate("document.activeElement.closest('dialog') !== null"), key
        page.keyboard.press("j")  # the keys do not act behind the dialog
        assert current(page) == 0
        page.keyboard.press("Escape")
        assert not dialog.is_visible()
        assert page.evaluate(ACTIVE) == opener
        page.keyboard.press("j")  # and work again once it is closed
        page.wait_for_function(f"() => ({CURRENT})() === 1")


def test_keyboard_only_reading_from_the_first_tab(
    browser: Browser, shots: Path, served: Served
) -> None:
    """From a fresh page: skip to the content, j to an item, open it, go back; the footer's
    button shows the shortcuts, and its dialog's Close button gives the focus back."""
    with tab(browser, shots) as t:
        page = t.page
        answer_pictures(page, served.base)
        page.goto(served.base + "/")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Skip to content"
        page.keyboard.press("Enter")
        assert page.evaluate(ACTIVE) == "main"
        links = hrefs(page)
        page.keyboard.press("Tab")  # the layout switch, then the first item's link
        page.keyboard.press("Tab")
        assert page.evaluate(ACTIVE) == links[0] and current(page) == 0  # tabbing marks it
        page.keyboard.press("j")
        assert page.evaluate(ACTIVE) == links[1]
        page.keyboard.press("Enter")
        page.wait_for_url(f"**{links[1]}")
        page.go_back()
        button = page.get_by_role("button", name="Keyboard shortcuts")
        button.focus()
        page.keyboard.press("Enter")
        dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
        assert dialog.is_visible()
        page.keyboard.press("Enter")  # on its Close button
        assert not dialog.is_visible()
        assert page.evaluate("document.activeElement.textContent") == "Keyboard shortcuts"


def test_marking_without_the_marking_forms_says_to_sign_in(
    browser: Browser, shots: Path, served: Served
) -> None:
    with tab(browser, shots) as t:
        page = t.page
        answer_pictures(page, served.base)
        page.goto(served.base + "/")
        page.keyboard.press("m")  # no current item yet: nothing to mark
        assert page.get_by_role("status").count() == 0
        page.keyboard.press("j")
        page.keyboard.press("m")
        status = page.get_by_role("status")
        assert status.inner_text() == "Sign in to mark articles."
        page.keyboard.press("s")
        assert status.inner_text() == "Sign in to mark articles."
        t.shot("keys-sign-in")
        page.goto(f"{served.base}/articles/{served.archive.vote}")
        page.keyboard.press("s")
        assert page.get_by_role("status").inner_text() == "Sign in to mark articles."


def test_stories_sources_and_a_story_move_with_j_and_k_too(
    browser: Browser, shots: Path, served: Served
) -> None:
    with tab(browser, shots) as t:
        page = t.page
        answer_pictures(page, served.base)
        for path in ("/sources", "/search?q=lighthouse", f"/groups/{served.archive.vote}"):
            page.goto(served.base + path)
            page.keyboard.press("j")
            page.keyboard.press("j")
            assert current(page) == 1, path
            target = hrefs(page)[1]
            page.keyboard.press("o")
            page.wait_for_url(f"**{target}")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_help_and_the_current_item_keep_aa_contrast(
    browser: Browser, shots: Path, served: Served, scheme: str
) -> None:
    with tab(browser, shots, color_scheme="dark" if scheme == "dark" else "light") as t:
        page = t.page
        answer_pictures(page, served.base)
        page.set_viewport_size({"width": 360, "height": 640})
        page.goto(served.base + "/")
        page.keyboard.press("j")
        page.keyboard.press("m")  # the status line
        assert page.evaluate(LOW_CONTRAST) == []
        page.keyboard.press("?")
        t.shot(f"keys-help-{scheme}-narrow")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        box = page.locator("dialog").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360
        assert page.evaluate(LOW_CONTRAST) == []


# m and s against the real marking routes, signed in: tests/web/test_reading_browser.py.
