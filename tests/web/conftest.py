"""A small crafted archive for the reading site, and the app over it (built inline)."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import lxml.html
import pytest
import uvicorn
from starlette.testclient import TestClient

from nutgraf.records import (
    PARAGRAPH_SEPARATOR,
    ArchiveItem,
    Article,
    Block,
    Summary,
    SummarySentence,
)
from nutgraf.store import SQLiteStore
from nutgraf.web.app import SiteConfig, create_app
from tests.batch import conftest as batch

if TYPE_CHECKING:
    from playwright.sync_api import Browser

EVIL = "<script>alert(1)</script> \"'&"
FETCHED = "2026-11-24T10:00:00Z"
HARBOUR = "https://www.harbour.test/"
COAST = "https://coast.test/"


def story(
    title: str,
    blocks: list[tuple[str, str]],
    cited: list[str],
    *,
    url: str,
    site: str,
    source: str,
    published: str,
    byline: str | None = "Jo Writer",
) -> ArchiveItem:
    """An archive item whose summary cites ``cited`` where they stand in the body."""
    article = Article(
        title=title,
        blocks=tuple(Block("subheading" if kind == "h" else "paragraph", t) for kind, t in blocks),
        source=source,
        byline=byline,
        published=published,
        language="en",
        url=url,
    )
    text = article.text
    sentences = []
    for sentence in cited:
        start = text.index(sentence)
        paragraph = text[:start].count(PARAGRAPH_SEPARATOR)
        sentences.append(SummarySentence(sentence, paragraph, start, start + len(sentence)))
    assert all(text[s.start : s.end] == s.text for s in sentences)
    return ArchiveItem(
        article=article,
        summary=Summary(tuple(sentences), "en", 2),
        fetched=FETCHED,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        url=url,
        canonical_url=url,
        feed=site + "feed.xml",
        site=site,
        html="".join(f"<p>{t}</p>" for _, t in blocks),
    )


VOTE = [
    ("p", "The harbour commission voted on Monday to fund the lighthouse budget in full."),
    ("p", "Keepers had warned that the lighthouse lamp was failing. The vote was close."),
    ("h", "What the budget pays for"),
    ("p", "The budget pays for a new lamp and for repairs to the ferry pier. Work starts soon."),
    ("h", "What comes next"),
    ("p", "The ferry timetable will change while the pier is repaired."),
]
VOTE_CITED = [
    "The harbour commission voted on Monday to fund the lighthouse budget in full.",
    "The budget pays for a new lamp and for repairs to the ferry pier.",
    "The ferry timetable will change while the pier is repaired.",
]


@dataclass(frozen=True)
class Archive:
    """The ids of the crafted articles, by role."""

    vote: int  # Harbour Post, the first copy of the vote story
    keepers: int  # Harbour Post
    evil: int  # Harbour Post, hostile title and byline
    ferry: int  # the Coast source
    copy: int  # the Coast source: the vote story word for word (a content duplicate)
    passes: int  # the Coast source

    def newest_first(self) -> list[int]:
        """Every article, newest first, as the lists show them."""
        return [self.passes, self.evil, self.copy, self.keepers, self.ferry, self.vote]


def fill(store: SQLiteStore) -> Archive:
    """Six articles from two sources, published one a day in this order:
    vote, ferry, keepers, copy, evil, passes."""
    evil_source = f"Coast {EVIL}"

    def save(item: ArchiveItem) -> int:
        return store.save(item).id

    vote = save(
        story(
            "Lighthouse budget vote",
            VOTE,
            VOTE_CITED,
            url=HARBOUR + "vote",
            site=HARBOUR,
            source="Harbour Post",
            published="2026-01-01T09:00:00Z",
        )
    )
    ferry = save(
        story(
            "Ferry timetable changes",
            [
                (
                    "p",
                    "The ferry timetable changes next week. The pier needs repairs, "
                    "and the lighthouse lamp is to be replaced.",
                )
            ],
            ["The ferry timetable changes next week."],
            url=COAST + "ferry",
            site=COAST,
            source=evil_source,
            published="2026-01-02T09:00:00Z",
        )
    )
    keepers = save(
        story(
            "Lighthouse keepers welcome budget",
            [
                (
                    "p",
                    "The lighthouse keepers welcomed the budget. They had asked for a new "
                    "lamp for years, and the harbour commission agreed.",
                )
            ],
            ["The lighthouse keepers welcomed the budget."],
            url=HARBOUR + "keepers",
            site=HARBOUR,
            source="Harbour Post",
            published="2026-01-03T09:00:00Z",
        )
    )
    copy = save(
        story(
            "Commission funds the lighthouse",
            VOTE,
            VOTE_CITED[:1],
            url=COAST + "copy",
            site=COAST,
            source=evil_source,
            published="2026-01-04T09:00:00Z",
        )
    )
    evil = save(
        story(
            f"Harbour {EVIL} notice",
            [
                (
                    "p",
                    f"A notice about {EVIL} was posted at the harbour office. "
                    "Nobody knows who wrote it.",
                )
            ],
            [f"A notice about {EVIL} was posted at the harbour office."],
            url=HARBOUR + "notice",
            site=HARBOUR,
            source="Harbour Post",
            published="2026-01-05T09:00:00Z",
            byline=f"Mal {EVIL}",
        )
    )
    passes = save(
        story(
            "Lighthouse budget passes the council",
            [
                (
                    "p",
                    "The council passed the lighthouse budget. The harbour commission had "
                    "asked for the lamp and the ferry pier to be repaired.",
                )
            ],
            ["The council passed the lighthouse budget."],
            url=COAST + "passes",
            site=COAST,
            source=evil_source,
            published="2026-01-06T09:00:00Z",
        )
    )
    return Archive(vote, keepers, evil, ferry, copy, passes)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    with SQLiteStore(tmp_path / "site.db") as opened:
        yield opened


@pytest.fixture
def archive(store: SQLiteStore) -> Archive:
    return fill(store)


@pytest.fixture
def client(store: SQLiteStore, archive: Archive) -> Iterator[TestClient]:
    with make_client(store) as opened:
        yield opened


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` served by uvicorn in a thread on a free loopback port; yields its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def make_client(store: SQLiteStore, config: SiteConfig | None = None) -> TestClient:
    """An in-process client; use it in a ``with`` block so the app's lifespan runs."""
    return TestClient(create_app(store, config or SiteConfig()))


def page_html(text: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(text)


def assert_accessible(text: str) -> None:
    """One h1, a language on <html>, and a label for every form control a person fills in."""
    doc = page_html(text)
    assert doc.get("lang"), "<html> has no lang"
    assert len(doc.xpath("//h1")) == 1, [h.text_content() for h in doc.xpath("//h1")]
    labelled = {label.get("for") for label in doc.xpath("//label[@for]")}
    for control in doc.xpath("//input | //textarea | //select"):
        if control.get("type") in ("hidden", "submit", "button"):
            continue
        assert control.get("id") in labelled or control.get("aria-label"), lxml.html.tostring(
            control
        )


# The loopback site and its address-guard switch, shared with the batch tests.
site = batch.site
loopback_allowed = batch.loopback_allowed

SCREENSHOTS = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: runs a real headless Chromium")


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    folder = config.stash.get(SCREENSHOTS, None)
    if folder is not None:
        terminalreporter.write_line(f"browser screenshots: {folder}")


# The browser tests' Chromium: one for the session, shared by every module that uses it (two
# Playwright instances cannot run at once in one thread).
CHROMIUM = Path("/usr/bin/chromium")


def require_chromium() -> str:
    """The system Chromium: the test skips without it, and fails under CI."""
    missing = None
    try:
        import playwright.sync_api  # noqa: F401  (only checking it is installed)
    except ImportError:
        missing = "playwright is not installed (pip install -e '.[dev]')"
    if missing is None and not os.access(CHROMIUM, os.X_OK):
        missing = f"no Chromium at {CHROMIUM} (apt install chromium); no browser is downloaded"
    if missing is None:
        return str(CHROMIUM)
    if os.environ.get("CI"):
        pytest.fail(f"browser tests are required under CI: {missing}")
    pytest.skip(missing)


@pytest.fixture(scope="session")
def browser(request: pytest.FixtureRequest) -> Iterator[Browser]:
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    folder = tmp_path_factory.mktemp("screenshots")
    request.config.stash[SCREENSHOTS] = folder
    return folder
