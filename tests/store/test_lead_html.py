"""``lead_html``: where a list finds the first picture of articles stored without a thumbnail
(issue 16, point 7): on both backends."""

from __future__ import annotations

import dataclasses

from nutgraf.store import Store
from nutgraf.store.reading import LEAD_HTML_CHARS, MAX_LEAD_IDS
from tests.store.test_sqlite import item


def _saved(store: Store, text: str, html: str | None, image: str | None = None) -> int:
    saved = store.save(
        dataclasses.replace(
            item(text, url="https://x/" + text.replace(" ", "-")), html=html, image=image
        )
    )
    return saved.id


def test_only_articles_without_a_thumbnail_whose_html_holds_an_image(store: Store) -> None:
    picture = _saved(store, "With a picture.", '<p>Text.</p><img src="https://i.test/a.jpg">')
    thumbed = _saved(
        store, "With a thumbnail.", '<img src="https://i.test/b.jpg">', "https://i.test/t.jpg"
    )
    plain = _saved(store, "No picture.", "<p>Text only; a percent % and an _ too.</p>")
    empty = _saved(store, "No HTML.", None)
    found = store.lead_html([picture, thumbed, plain, empty, 999_999, picture])
    assert found == {picture: '<p>Text.</p><img src="https://i.test/a.jpg">'}
    assert store.lead_html([]) == {}


def test_only_the_start_of_the_html_is_read(store: Store) -> None:
    long = "<p>" + "é" * (LEAD_HTML_CHARS * 2) + '</p><img src="https://i.test/a.jpg">'
    article = _saved(store, "A long article.", long)
    assert store.lead_html([article]) == {article: long[:LEAD_HTML_CHARS]}


def test_at_most_a_bounded_number_of_articles_are_read(store: Store) -> None:
    ids = [
        _saved(store, f"Article {n}.", f'<img src="https://i.test/{n}.jpg">')
        for n in range(MAX_LEAD_IDS + 5)
    ]
    assert len(store.lead_html(ids)) == MAX_LEAD_IDS
