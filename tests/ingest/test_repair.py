"""Text repaired once, at ingest (issue 16, point 5)."""

from __future__ import annotations

from pathlib import Path

from nutgraf.batch.ingest import Ingestor
from nutgraf.config import Settings
from nutgraf.ingest.repair import repair_headline, repair_text
from nutgraf.store import SQLiteStore


def mojibake(text: str) -> str:
    """``text`` as a server that read UTF-8 as Latin-1 and encoded it again sends it."""
    return text.encode("utf-8").decode("latin-1")


def test_double_encoded_text_is_repaired() -> None:
    assert repair_text("patientsâ€™ rights") == "patients’ rights"
    russian = "Лидеры в Москве открыли музей"  # "Л" twice encoded holds U+009B (CSI)
    assert repair_text(mojibake(russian)) == russian


def test_repair_changes_nothing_else() -> None:
    kept = "Café “quoted” ﬁne ！？ ＡＢＣ 東京。 naïve – Straße &amp; 2 < 3"
    assert repair_text(kept) == kept
    assert repair_headline("Trump&#8217;s Q&amp;A") == "Trump’s Q&A"
    assert repair_headline("AT&T <b> plans") == "AT&T <b> plans"


FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>{channel}</title><link>https://news.example/</link>
<item><title>{title}</title><guid isPermaLink="false">one</guid>
<description>&lt;p&gt;{body} See &lt;a href="/more/story"&gt;more&lt;/a&gt;
&lt;img src="media/photo.jpg" alt="photo"&gt;.&lt;/p&gt;</description>
<pubDate>Mon, 07 Dec 2026 05:00:00 +0000</pubDate></item>
</channel></rss>"""


def test_a_feed_is_stored_repaired_with_its_links_resolved(tmp_path: Path) -> None:
    body = "The city’s council approved the budget for next year’s repairs on Monday."
    feed = tmp_path / "feed.xml"
    feed.write_text(
        FEED.format(
            channel=mojibake("Städtische Zeitung"),
            title=mojibake("The city’s budget passes"),
            body=mojibake(body),
        ),
        encoding="utf-8",
    )
    with SQLiteStore(tmp_path / "a.db") as store:
        with Ingestor(store, Settings(fetch_pages=False)) as ingestor:
            assert ingestor.run([str(feed)]).new == 1
        (stored,) = store.articles()
    article = stored.item.article
    assert article.title == "The city’s budget passes"
    assert article.source == "Städtische Zeitung"
    assert article.text.startswith(body)
    assert stored.item.summary.sentences[0].text == body  # offsets into the repaired text
    html = stored.item.html or ""
    assert 'href="https://news.example/more/story"' in html  # no entry link: the feed's site
    assert 'src="https://news.example/media/photo.jpg"' in html
