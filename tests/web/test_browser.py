"""The reading site in a real headless Chromium, served by uvicorn on loopback.

Needs the system Chromium at /usr/bin/chromium (never downloaded): without it these tests
skip, except under CI (``CI`` set), where they fail. Screenshots of every step go to one
temporary folder, named at the end of the run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pytest

from nutgraf.store import SQLiteStore
from nutgraf.web import views
from nutgraf.web.app import SiteConfig, create_app
from tests.batch.conftest import Page as SitePage
from tests.batch.conftest import Site
from tests.batch.test_ingest_cli import STORIES, html_body, rss
from tests.web import conftest
from tests.web.conftest import EVIL, VOTE_CITED, Archive, fill, require_chromium, serving

if TYPE_CHECKING:
    from playwright.sync_api import (
        Browser,
        BrowserContext,
        ConsoleMessage,
        Dialog,
        Error,
        Page,
    )

pytestmark = pytest.mark.browser

SEARCH_PAGE_SIZE = 3
# Records every CSP violation the page sees (injected by the browser, not the page).
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""


@dataclass
class Tab:
    """A page and what it reported: console errors, CSP violations, dialogs."""

    page: Page
    shots: Path
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)

    def csp_violations(self) -> list[str]:
        found = [e for e in self.errors if "Content Security Policy" in e]
        if self.page.evaluate("() => typeof window.__csp !== 'undefined'"):
            found += self.page.evaluate("() => window.__csp")
        return found


@contextmanager
def tab(
    browser: Browser,
    shots: Path,
    *,
    javascript: bool = True,
    color_scheme: Literal["light", "dark"] = "light",
) -> Iterator[Tab]:
    context: BrowserContext = browser.new_context(
        java_script_enabled=javascript,
        color_scheme=color_scheme,
        viewport={"width": 1000, "height": 800},
    )
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    page.set_default_timeout(5000)
    opened = Tab(page, shots)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "favicon" not in (message.location.get("url") or ""):
            opened.errors.append(message.text)

    def on_error(error: Error) -> None:
        opened.errors.append(str(error))

    def on_dialog(dialog: Dialog) -> None:  # an alert() would mean injected script ran
        opened.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("console", on_console)
    page.on("pageerror", on_error)
    page.on("dialog", on_dialog)
    try:
        yield opened
        if javascript:
            assert opened.csp_violations() == []
        assert opened.dialogs == []
        assert opened.errors == []
    finally:
        context.close()


@dataclass(frozen=True)
class Served:
    base: str
    archive: Archive


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The crafted archive on a real server, three results to a page."""
    with (
        pytest.MonkeyPatch.context() as patch,
        SQLiteStore(tmp_path_factory.mktemp("site") / "site.db") as store,
    ):
        patch.setattr(views, "PAGE_SIZE", SEARCH_PAGE_SIZE)
        archive = fill(store)
        with serving(create_app(store, SiteConfig())) as base:
            yield Served(base, archive)


def background(page: Page, selector: str) -> str:
    return str(page.eval_on_selector(selector, "e => getComputedStyle(e).backgroundColor"))


TRANSPARENT = "rgba(0, 0, 0, 0)"


def test_the_summary_opens_and_each_sentence_leads_to_its_place(
    browser: Browser, shots: Path, served: Served
) -> None:
    with tab(browser, shots) as t:
        page = t.page
        page.goto(f"{served.base}/articles/{served.archive.vote}")
        summary = page.locator("details.summary")
        items = summary.locator("ol li")
        assert summary.get_attribute("open") is None
        assert not items.first.is_visible()
        t.shot("article-summary-closed")
        page.get_by_text("No time to read? Get a summary").click()
        assert summary.get_attribute("open") == ""
        assert items.all_inner_texts() == VOTE_CITED
        assert all(item.is_visible() for item in items.all())
        assert background(page, "#s2") == TRANSPARENT
        items.nth(1).locator("a").click()
        page.wait_for_url("**#s2")
        assert background(page, "#s2") != background(page, "#s1")
        assert background(page, "#s2") != TRANSPARENT and background(page, "#s1") == TRANSPARENT
        page.wait_for_function("document.activeElement && document.activeElement.id === 's2'")
        assert page.locator("#s2").inner_text() == VOTE_CITED[1]
        assert page.evaluate(
            "() => { const r = document.querySelector('#s2')"
            ".getBoundingClientRect(); return r.top >= 0 && r.bottom <= "
            "innerHeight; }"
        )
        t.shot("article-cited-sentence")
        items.nth(2).locator("a").click()
        page.wait_for_function("document.activeElement.id === 's3'")
        assert background(page, "#s2") == TRANSPARENT


def test_the_summary_works_without_javascript(
    browser: Browser, shots: Path, served: Served
) -> None:
    with tab(browser, shots, javascript=False) as t:
        page = t.page
        page.goto(f"{served.base}/articles/{served.archive.vote}")
        assert not page.locator("details.summary ol").is_visible()
        page.locator("details.summary > summary").click()
        assert page.locator("details.summary ol").is_visible()
        page.get_by_role("link", name=VOTE_CITED[2]).click()
        page.wait_for_url("**#s3")
        assert background(page, "#s3") not in (TRANSPARENT, background(page, "#s1"))
        t.shot("article-no-javascript")


def test_the_home_page_summary_leads_into_the_article(
    browser: Browser, shots: Path, served: Served
) -> None:
    with tab(browser, shots) as t:
        page = t.page
        page.goto(served.base + "/?layout=cards")  # the compact list's: tests/web/test_compact.py
        assert page.locator("h1").inner_text() == "Latest news"
        card = page.locator("ol.stream > li").first
        card.get_by_text("Get a summary").click()
        t.shot("home-summary-open")
        card.get_by_role("link", name="The council passed the lighthouse budget.").click()
        page.wait_for_url(f"**/articles/{served.archive.passes}#s1")
        page.wait_for_function("document.activeElement.id === 's1'")
        assert background(page, "#s1") != TRANSPARENT


def test_read_also_lists_other_stories(browser: Browser, shots: Path, served: Served) -> None:
    archive = served.archive
    with tab(browser, shots) as t:
        page = t.page
        page.goto(f"{served.base}/articles/{archive.vote}")
        links = page.locator("aside.read-also li a")
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        assert 2 <= len(hrefs) <= 5
        assert not {f"/articles/{archive.vote}", f"/articles/{archive.copy}"} & set(hrefs)
        also = page.locator("p.also")
        assert also.inner_text().startswith(f"Also reported by: Coast {EVIL}")
        t.shot("article-read-also")
        title = links.first.inner_text()
        links.first.click()
        page.wait_for_url(f"**{hrefs[0]}")
        assert page.locator("h1").inner_text() == title


def test_previous_and_next_navigate_in_order_and_within_a_source(
    browser: Browser, shots: Path, served: Served
) -> None:
    archive = served.archive
    with tab(browser, shots) as t:
        page = t.page
        page.goto(f"{served.base}/articles/{archive.keepers}")
        page.locator("p.next a").click()
        page.wait_for_url(f"**/articles/{archive.copy}")
        page.locator("p.previous a").click()
        page.wait_for_url(f"**/articles/{archive.keepers}")
        page.goto(f"{served.base}/sources/harbour.test")
        page.get_by_role("link", name="Lighthouse keepers welcome budget").click()
        page.wait_for_url(f"**/articles/{archive.keepers}?from=source")
        page.locator("p.next a").click()
        page.wait_for_url(f"**/articles/{archive.evil}?from=source")
        # A hostile headline is shown as text, and runs nothing (no dialog, no violation).
        assert page.locator("h1").inner_text() == f"Harbour {EVIL} notice"
        t.shot("article-hostile-text")
        page.locator("p.previous a").click()
        page.wait_for_url(f"**/articles/{archive.keepers}?from=source")
        page.locator("p.previous a").click()
        page.wait_for_url(f"**/articles/{archive.vote}?from=source")
        assert page.locator("p.previous").count() == 0


def test_search_highlights_matches_and_pages(browser: Browser, shots: Path, served: Served) -> None:
    with tab(browser, shots) as t:
        page = t.page
        page.goto(served.base + "/")
        page.get_by_label("Search the archive").fill("lighthouse")
        page.get_by_role("button", name="Search").click()
        page.wait_for_url("**/search?q=lighthouse")
        assert page.locator("h1").inner_text() == "Search: lighthouse"
        results = page.locator("ol.results > li")
        assert results.count() == SEARCH_PAGE_SIZE
        marks = page.locator("ol.results mark")
        assert {m.lower() for m in marks.all_inner_texts()} == {"lighthouse"}
        assert background(page, "ol.results mark") != TRANSPARENT
        t.shot("search-page-1")
        page.get_by_role("link", name="Older").click()
        page.wait_for_url("**/search?q=lighthouse&page=2")
        assert results.count() == 2  # five matches, three to a page
        assert page.locator("input#q").input_value() == "lighthouse"
        t.shot("search-page-2")
        page.get_by_role("link", name="Newer").click()
        page.wait_for_url("**/search?q=lighthouse&page=1")


def test_a_feed_added_on_the_admin_page_shows_on_the_home_page(
    browser: Browser,
    shots: Path,
    site: Site,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The app runs in this process: the admin action's ingestor reads this environment.
    monkeypatch.setenv("NUTGRAF_ALLOW_NETWORKS", "127.0.0.0/8")
    monkeypatch.setenv("NUTGRAF_CONFIG", "/nonexistent/nutgraf.toml")
    items = [
        {
            "title": f"Loopback story {n}",
            "link": site.url(f"/story-{n}"),
            "guid": f"loop-{n}",
            "date": "Mon, 23 Nov 2026 10:00:00 GMT",
            "content": html_body(STORIES[n]),
        }
        for n in range(2)
    ]
    site.pages["/feed.xml"] = SitePage(
        rss("Loopback News", site.url("/"), items), "application/rss+xml"
    )
    with (
        SQLiteStore(tmp_path / "admin.db") as store,
        serving(create_app(store, SiteConfig())) as base,
        tab(browser, shots) as t,
    ):
        page = t.page
        page.goto(base + "/")
        assert "The archive is empty" in page.locator("main").inner_text()
        page.goto(base + "/admin")
        page.get_by_label("Feed address (RSS, Atom or JSON Feed)").fill(site.url("/feed.xml"))
        page.get_by_role("button", name="Add feed").click()
        status = page.get_by_role("status")
        assert status.inner_text().splitlines() == [
            f"subscribed to {site.url('/feed.xml')}",
            "2 new, 0 updated, 0 unchanged, 0 duplicates, 0 failed",
        ]
        t.shot("admin-feed-added")
        page.get_by_role("link", name="Latest").click()
        headlines = page.locator("ol.stream > li h2").all_inner_texts()
        assert sorted(headlines) == ["Loopback story 0", "Loopback story 1"]
        t.shot("home-after-admin")


# Every visible element with text of its own, whose contrast with what lies behind it is
# under WCAG 2 AA: 4.5:1, or 3:1 for large text (24px, or 18.66px bold). Colours with alpha
# are laid over the backgrounds below them, down to the canvas.
LOW_CONTRAST = """
() => {
  const rgba = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, below) =>
    [0, 1, 2].map((i) => top[i] * top[3] + below[i] * (1 - top[3])).concat([1]);
  const canvas = rgba(getComputedStyle(document.documentElement).backgroundColor);
  const behind = (element) => {
    const layers = [];
    for (let e = element; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let colour = canvas && canvas[3] > 0 ? over(canvas, [255, 255, 255, 1]) : [255, 255, 255, 1];
    for (let i = layers.length - 1; i >= 0; i--) colour = over(layers[i], colour);
    return colour;
  };
  const luminance = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const low = [];
  for (const element of document.querySelectorAll("body *")) {
    const own = [...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const box = element.getBoundingClientRect();
    const style = getComputedStyle(element);
    if (!own || box.width <= 1 || box.height <= 1 || style.visibility === "hidden") continue;
    const back = behind(element);
    const fore = over(rgba(style.color), back);
    const [a, b] = [luminance(fore), luminance(back)];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (parseInt(style.fontWeight, 10) >= 700 && size >= 18.66);
    if (ratio < (large ? 3 : 4.5)) {
      low.push(`${element.tagName.toLowerCase()}.${element.className} ` +
               `"${element.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
    }
  }
  return low;
}
"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_text_has_aa_contrast(
    browser: Browser, shots: Path, served: Served, scheme: Literal["light", "dark"]
) -> None:
    archive = served.archive
    pages = {
        "home": "/",
        "article": f"/articles/{archive.vote}#s2",  # a cited sentence, highlighted
        "search": "/search?q=lighthouse",
        "sources": "/sources",
        "admin": "/admin",
    }
    with tab(browser, shots, color_scheme=scheme) as t:
        page = t.page
        checked = 0
        for name, path in pages.items():
            page.goto(served.base + path)
            for box in page.locator("details").all():  # summaries open, as a reader opens them
                box.evaluate("d => { d.open = true; }")
            if name == "admin":  # the notices too
                page.evaluate(
                    """() => { for (const kind of ["ok", "error"]) {
                         const p = document.createElement("p");
                         p.className = "notice " + kind; p.textContent = "notice " + kind;
                         document.querySelector("main").prepend(p); } }"""
                )
            t.shot(f"contrast-{scheme}-{name}")
            assert page.evaluate(LOW_CONTRAST) == [], f"{name} in {scheme}"
            checked += page.evaluate("() => document.querySelectorAll('body *').length")
        assert checked > 100


def test_the_contrast_check_finds_low_contrast(
    browser: Browser, shots: Path, served: Served
) -> None:
    """The check above can fail: grey on white, and pale text on a pale mark, are caught."""
    with tab(browser, shots) as t:
        page = t.page
        page.goto(served.base + "/sources")
        # Styles set through the CSSOM: the CSP refuses style attributes in markup.
        page.evaluate(
            """() => {
              const add = (parent, tag, text, style) => {
                const e = document.createElement(tag);
                e.textContent = text; Object.assign(e.style, style); parent.append(e); return e;
              };
              const main = document.querySelector("main");
              add(main, "p", "grey on white", {color: "#999", background: "#fff"});
              const mark = add(main, "p", "", {background: "rgba(255, 240, 168, 0.5)"});
              add(mark, "span", "pale on a pale mark", {color: "#ccc"});
              add(main, "h1", "large enough at 3:1", {color: "#949494", background: "#fff"});
            }"""
        )
        low = page.evaluate(LOW_CONTRAST)
        assert [entry.split('"')[1] for entry in low] == ["grey on white", "pale on a pale mark"]


def test_the_article_page_works_from_the_keyboard(
    browser: Browser, shots: Path, served: Served
) -> None:
    """Skip link first; then Tab reaches the summary control, Enter opens it, and a cited
    sentence's link followed with Enter moves the focus to the highlighted sentence."""
    with tab(browser, shots) as t:
        page = t.page
        page.goto(f"{served.base}/articles/{served.archive.vote}")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Skip to content"
        focused = ""
        for _ in range(40):  # the masthead, the source line, then the summary control
            page.keyboard.press("Tab")
            focused = page.evaluate("document.activeElement.tagName.toLowerCase()")
            if focused == "summary":
                break
        assert focused == "summary"
        assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
        page.keyboard.press("Enter")
        assert page.locator("details.summary").get_attribute("open") == ""
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == VOTE_CITED[0]
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        page.wait_for_url("**#s2")
        page.wait_for_function("document.activeElement.id === 's2'")
        assert background(page, "#s2") != TRANSPARENT
        t.shot("article-keyboard")


@pytest.mark.parametrize("path", ["/", "/articles/{vote}", "/search?q=lighthouse", "/admin"])
def test_pages_fit_a_phone_screen(browser: Browser, shots: Path, served: Served, path: str) -> None:
    """At 360 px wide nothing scrolls sideways and the text stays readable."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, color_scheme="light")
    try:
        page = context.new_page()
        address = path.format(vote=served.archive.vote)
        page.goto(served.base + address)
        for box in page.locator("details").all():
            box.evaluate("d => { d.open = true; }")
        name = address.strip("/").split("?")[0].replace("/", "-") or "home"
        page.screenshot(path=str(shots / f"phone-{name}.png"), full_page=True)
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 360, f"{path} is {wide} px wide"
        size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        assert size >= 16
    finally:
        context.close()


def test_the_csp_blocks_an_injected_inline_script_and_the_watch_sees_it(
    browser: Browser, shots: Path, served: Served
) -> None:
    """The "no CSP violation" checks above can fail: an inline script is refused and seen."""
    context = browser.new_context()
    context.add_init_script(WATCH_CSP)
    try:
        page = context.new_page()
        page.goto(f"{served.base}/articles/{served.archive.evil}")
        page.evaluate(
            """() => { const s = document.createElement("script");
                       s.textContent = "window.__ran = true"; document.body.append(s); }"""
        )
        page.wait_for_function("window.__csp.length > 0")
        assert page.evaluate("() => window.__ran") is None
        assert page.evaluate("() => window.__csp")[0].startswith("script-src")
    finally:
        context.close()


def test_a_missing_chromium_skips_locally_and_fails_under_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(conftest, "CHROMIUM", tmp_path / "chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no Chromium at"):
        require_chromium()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required under CI"):
        require_chromium()


def test_a_story_page_cites_its_articles_and_shows_its_timeline(
    browser: Browser, shots: Path, tmp_path: Path
) -> None:
    from nutgraf.stories.archive import update_stories
    from tests.stories import events

    with SQLiteStore(tmp_path / "stories.db") as store:
        ids = {r.key: events.ingest(store, r) for r in events.ALL}
        update_stories(store)
        bridge = store.story_of(ids["bridge-north"])
        with serving(create_app(store, SiteConfig())) as base, tab(browser, shots) as t:
            page = t.page
            page.goto(f"{base}/stories")
            page.locator("ol.stream h2 a", has_text=events.BRIDGE_VALLEY.title).click()
            page.wait_for_url(f"**/stories/{bridge}")
            timeline = page.locator("section.timeline li")
            assert timeline.count() == 3
            assert timeline.first.is_visible()
            assert "North Post" in timeline.first.inner_text()
            t.shot("story")
            cites = page.locator("section.story-summary li a")
            assert cites.count() == 3
            for i in range(cites.count()):
                href = cites.nth(i).get_attribute("href")
                outlet = cites.nth(i).inner_text()
                cites.nth(i).click()
                page.wait_for_url(f"**{href}")
                assert outlet in page.locator("p.source").inner_text()
                page.go_back()
                page.wait_for_url(f"**/stories/{bridge}")
