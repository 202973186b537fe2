"""What the site reads around an article: lists, neighbours, copies, related, sources (on
every backend: the ``store`` fixture is in tests/store/conftest.py)."""

from __future__ import annotations

from nutgraf.records import Article, Block
from nutgraf.relate import related_terms
from nutgraf.store import NearQuery, Store
from tests.store.test_sqlite import item

WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima".split()


def test_headlines_are_newest_first_and_filter_by_site(store: Store) -> None:
    store.save(item("one", url="https://a.test/1", published="2026-01-01", site="https://a.test/"))
    store.save(item("two", url="https://b.test/2", published="2026-01-03", site="https://b.test/"))
    store.save(
        item("three", url="https://a.test/3", published="2026-01-02", site="https://a.test/")
    )
    assert [h.url for h in store.headlines()] == [
        "https://b.test/2",
        "https://a.test/3",
        "https://a.test/1",
    ]
    assert [h.url for h in store.headlines(site="https://a.test/")] == [
        "https://a.test/3",
        "https://a.test/1",
    ]
    assert [h.url for h in store.headlines(limit=1, offset=1)] == ["https://a.test/3"]


def test_neighbours_follow_publication_order_and_site(store: Store) -> None:
    ids = {}
    for day, site in ((1, "a"), (2, "b"), (3, "a"), (4, "b"), (5, "a")):
        saved = store.save(
            item(
                f"story {day}",
                url=f"https://{site}.test/{day}",
                published=f"2026-01-0{day}",
                site=f"https://{site}.test/",
            )
        )
        ids[day] = saved.id
    previous, following = store.neighbours(ids[3])
    assert previous is not None and previous.id == ids[2]
    assert following is not None and following.id == ids[4]
    previous, following = store.neighbours(ids[3], site="https://a.test/")
    assert previous is not None and previous.id == ids[1]
    assert following is not None and following.id == ids[5]
    assert store.neighbours(ids[1])[0] is None
    assert store.neighbours(ids[5])[1] is None
    assert store.neighbours(999) == (None, None)


def test_neighbours_break_ties_on_the_same_time_by_id(store: Store) -> None:
    a = store.save(item("first", url="https://a.test/1", published="2026-01-01")).id
    b = store.save(item("second", url="https://a.test/2", published="2026-01-01")).id
    assert store.neighbours(a)[1] is not None
    assert store.neighbours(a)[1].id == b  # type: ignore[union-attr]
    assert store.neighbours(b)[0].id == a  # type: ignore[union-attr]


def _near(text: str) -> NearQuery:
    return NearQuery(keys=(1, 2, 3), overlap=lambda other: 0.9, threshold=0.35, describe=str)


def test_copies_are_the_whole_group_from_any_member(store: Store) -> None:
    text = " ".join(WORDS * 3)
    first = store.save(item(text, url="https://a.test/wire"), _near(text)).id
    later = store.save(item(text + " edited", url="https://b.test/wire"), _near(text)).id
    other = store.save(item("unrelated words here", url="https://c.test/x")).id
    assert [h.id for h in store.copies(first)] == [first, later]
    assert [h.id for h in store.copies(later)] == [first, later]
    group = store.copies(later)
    assert group[0].duplicate is None
    assert group[1].duplicate is not None and group[1].duplicate.of == first
    assert [h.id for h in store.copies(other)] == [other]
    assert store.copies(12345) == []


def test_related_ranks_shared_rare_words_and_skips_the_group(store: Store) -> None:
    base = "The harbour commission voted on the lighthouse budget and the ferry timetable."
    me = store.save(item(base, url="https://a.test/me", title="Lighthouse budget vote")).id
    copy_text = base
    store.save(item(copy_text, url="https://b.test/copy", title="Copy"))  # same text: a copy
    close = store.save(
        item(
            "The lighthouse budget was cut, and the lighthouse keepers protested.",
            url="https://c.test/close",
            title="Lighthouse budget cut",
        )
    ).id
    loose = store.save(item("A ferry ran late.", url="https://d.test/loose", title="Ferry late")).id
    store.save(item("Nothing in common at all.", url="https://e.test/none", title="Other"))
    terms = ("lighthouse", "budget", "ferry", "harbour")
    found = store.related(me, terms)
    ids = [h.id for h, _ in found]
    assert ids[:2] == [close, loose]
    assert me not in ids and len(ids) == 2  # the copy and the unrelated article are left out
    scores = [score for _, score in found]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0
    assert store.related(me, ()) == []
    assert store.related(999, terms) == []


def test_related_lists_one_copy_per_story(store: Store) -> None:
    me = store.save(item("Volcano ash closes airports.", url="https://a.test/me")).id
    wire = "Volcano ash grounded flights across the region on Monday, officials said."
    first = store.save(item(wire, url="https://b.test/1")).id
    store.save(item(wire, url="https://c.test/2"))  # same text: a copy of ``first``
    found = [h.id for h, _ in store.related(me, ("volcano", "ash", "flights"))]
    assert found == [first]


def test_sources_count_articles_per_site(store: Store) -> None:
    store.save(item("one", url="https://a.test/1", published="2026-01-01", site="https://a.test/"))
    store.save(item("two", url="https://a.test/2", published="2026-01-05", site="https://a.test/"))
    store.save(
        item("three", url="https://b.test/3", published="2026-01-03", site="https://b.test/")
    )
    store.save(item("four", url="https://c.test/4", published="2026-01-04"))
    sources = store.sources()
    assert [(s.site, s.articles) for s in sources] == [
        ("https://a.test/", 2),
        ("https://b.test/", 1),
    ]
    assert sources[0].name == "Example News"
    assert sources[0].latest.startswith("2026-01-05")


def test_related_terms_lead_with_the_headline_then_repeated_words() -> None:
    article = Article(
        title="Harbour vote on the lighthouse",
        blocks=(
            Block(
                "paragraph",
                "The ferry was late. The ferry was full. Keepers of the lighthouse said "
                "the ferry must wait. Keepers agreed.",
            ),
        ),
        language="en",
    )
    terms = related_terms(article)
    assert terms[:3] == ("harbour", "vote", "lighthouse")
    assert terms[3:] == ("ferry", "keepers")  # repeated body words, most frequent first
    assert "the" not in terms and "was" not in terms
    assert len(related_terms(article, count=2)) == 2


def test_read_also_is_kept_and_read_back_in_order(store: Store) -> None:
    me = store.save(item("Volcano ash closes airports.", url="https://a.test/me")).id
    one = store.save(item("Volcano ash grounded flights.", url="https://b.test/1")).id
    two = store.save(item("Ash from the volcano again.", url="https://c.test/2")).id
    assert store.read_also(me) is None  # never worked out yet
    store.keep_read_also(me, [(two, 2.5), (one, 1.25)], "2026-11-24T10:00:00Z")
    assert [(h.id, score) for h, score in store.read_also(me) or []] == [(two, 2.5), (one, 1.25)]
    store.keep_read_also(me, [], "2026-11-24T11:00:00Z")
    assert store.read_also(me) == []


def test_ingest_keeps_read_also_and_readers_get_the_floor(store: Store) -> None:
    from nutgraf.batch.pipeline import Origin, archive_item, save
    from nutgraf.relate import READ_ALSO_MIN, read_also

    texts = [
        "The lighthouse keepers voted to repair the old lighthouse lamp before winter storms.",
        "Storms damaged the lighthouse lamp, and the keepers asked the council for repairs.",
        "The council approved lighthouse repairs after the keepers warned about the lamp.",
        "A bakery opened on the harbour road, selling bread and cakes to the keepers.",
    ]
    ids = []
    for n, text in enumerate(texts):
        article = Article(title=f"Story {n}", blocks=(Block("paragraph", text),), language="en")
        ids.append(
            save(
                store,
                archive_item(
                    article,
                    origin=Origin(url=f"https://x.test/{n}"),
                    fetched="2026-11-24T10:00:00Z",
                ),
            ).id
        )
    kept = store.read_also(ids[2])
    assert kept is not None and {h.id for h, _ in kept} <= set(ids[:2] + ids[3:])
    assert ids[2] not in {h.id for h, _ in kept}
    listed = read_also(store, store.get(ids[2]))  # type: ignore[arg-type]
    assert len(listed) >= min(READ_ALSO_MIN, len(kept))
    assert [h.id for h in listed] == [h.id for h, _ in kept][: len(listed)]
