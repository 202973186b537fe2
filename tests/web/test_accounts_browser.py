"""Signing in and out in a real headless Chromium, keyboard only; the account pages keep the
site's contrast and fit a phone screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pytest

from nutgraf.store import SQLiteStore
from nutgraf.web.app import SiteConfig, create_app
from tests.web.conftest import fill, serving
from tests.web.test_accounts import PASSWORD, add
from tests.web.test_browser import LOW_CONTRAST, tab

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with SQLiteStore(tmp_path_factory.mktemp("accounts") / "site.db") as store:
        fill(store)
        add(store, "ann")
        add(store, "root", admin=True)
        with serving(create_app(store, SiteConfig(local_only=False))) as address:
            yield address


def tab_to(page: Page, text: str, limit: int = 40) -> None:
    """Press Tab until the focused element reads ``text``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == text:
            assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
            return
    raise AssertionError(f"Tab never reached {text!r}")


def nav(page: Page) -> str:
    return " ".join(page.inner_text(".account").split())


def sign_in_with_keys(page: Page, name: str) -> None:
    tab_to(page, "Sign in")
    page.keyboard.press("Enter")
    page.wait_for_url("**/login")
    # The name field has the focus: type, Tab to the password, Enter sends the form.
    page.wait_for_function("() => document.activeElement.id === 'username'")
    page.keyboard.type(name)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")


def test_signing_in_and_out_from_the_keyboard(browser: Browser, shots: Path, base: str) -> None:
    with tab(browser, shots) as t:
        page = t.page
        page.goto(base + "/sources")
        assert nav(page) == "Sign in"
        sign_in_with_keys(page, "Ann")
        page.wait_for_url(base + "/")
        assert nav(page) == "ann Sign out"
        t.shot("accounts-signed-in")
        tab_to(page, "Sign out")
        with page.expect_navigation():  # from "/" to "/": wait for the new page, not the URL
            page.keyboard.press("Enter")
        page.wait_for_url(base + "/")
        assert nav(page) == "Sign in"
        t.shot("accounts-signed-out")


def test_a_wrong_password_says_so_and_keeps_the_name(
    browser: Browser, shots: Path, base: str
) -> None:
    with tab(browser, shots) as t:
        page = t.page
        page.goto(base + "/login?next=/stories")
        page.wait_for_function("() => document.activeElement.id === 'username'")
        page.keyboard.type("ann")
        page.keyboard.press("Tab")
        page.keyboard.type("not the password")
        page.keyboard.press("Enter")
        page.wait_for_selector("[role=alert]")
        assert page.inner_text("[role=alert]") == "Wrong user name or password."
        assert page.input_value("#username") == "ann"
        # The refused sign-in answered 403, which the console reports: expected, once.
        assert t.errors == [
            "Failed to load resource: the server responded with a status of 403 (Forbidden)"
        ]
        t.errors.clear()
        # The focus waits in the password field for the next try, which goes on to next.
        assert page.evaluate("document.activeElement.id") == "password"
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(base + "/stories")
        assert nav(page) == "ann Sign out"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_account_pages_have_aa_contrast_and_fit_a_phone(
    browser: Browser, shots: Path, base: str, scheme: Literal["light", "dark"]
) -> None:
    with tab(browser, shots, color_scheme=scheme) as t:
        page = t.page
        page.goto(base + "/login")
        assert page.evaluate(LOW_CONTRAST) == []
        page.goto(base + "/")
        sign_in_with_keys(page, "root")
        page.wait_for_url(base + "/")
        assert nav(page) == "root Admin Sign out"
        for path in ("/", "/admin/users", "/login"):
            page.goto(base + path)
            page.evaluate(
                """() => { for (const kind of ["ok", "error"]) {
                     const p = document.createElement("p");
                     p.className = "notice " + kind; p.textContent = "notice " + kind;
                     document.querySelector("main").prepend(p); } }"""
            )
            assert page.evaluate(LOW_CONTRAST) == [], f"{path} in {scheme}"
            page.set_viewport_size({"width": 360, "height": 740})
            name = path.strip("/").replace("/", "-") or "home"
            t.shot(f"accounts-{scheme}-{name}-phone")
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= 360, f"{path} is {wide} px wide"
            page.set_viewport_size({"width": 1000, "height": 800})
