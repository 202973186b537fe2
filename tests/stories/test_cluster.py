"""The incremental story clusterer on small hand-written article sets."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from nutgraf.stories.cluster import (
    MAX_CANDIDATES,
    Assignment,
    StoryDocument,
    StoryIndex,
    StoryOptions,
    cluster_documents,
    parse_time,
)
from nutgraf.stories.terms import DocumentTerms, extract_terms

SUMMIT = (
    "President Andrzej Duda hosted President Gitanas Nausėda in Lublin on Tuesday, where the "
    "two leaders signed the Lublin Declaration on Bilateral Relations. Duda said the 2024 "
    "agreement would tie Poland and Lithuania closer on defence. Nausėda called the Suwałki "
    "gap the most exposed stretch of NATO's eastern border."
)
SUMMIT_OTHER_OUTLET = (
    "Lithuania's Gitanas Nausėda and Poland's Andrzej Duda met in Lublin and signed a "
    "declaration on bilateral relations, pledging joint exercises near the Suwałki gap. "
    "The 2024 Lublin Declaration commits both armies to shared air defence, Duda said."
)
SUMMIT_POLISH = (
    "Prezydent Andrzej Duda przyjął w Lublinie prezydenta Litwy Gitanasa Nausėdę. Duda i "
    "Nausėda podpisali Deklarację Lubelską o stosunkach dwustronnych z 2024 roku; mowa była "
    "o przesmyku suwalskim i wspólnej obronie powietrznej."
)
FIRE_ONE = (
    "A wildfire near Paradise in Butte County forced 27,000 residents to flee on Thursday. "
    "Cal Fire said the Camp Fire had burned 18,000 acres and destroyed hundreds of homes; "
    "Governor Jerry Brown declared an emergency."
)
FIRE_TWO = (
    "A wildfire in Ventura County forced thousands of residents to flee on Monday. Cal Fire "
    "said the Thomas Fire had burned 50,000 acres near Santa Paula; firefighters expect "
    "strong winds to spread the blaze."
)
VOTE = (
    "The Senate voted 51 to 49 on Wednesday to confirm Brett Kavanaugh to the Supreme Court "
    "after a bitter confirmation fight. Susan Collins and Joe Manchin crossed party lines."
)


def doc(key: str, time: str, text: str, title: str = "", language: str = "en") -> StoryDocument:
    return StoryDocument(key, time, title=title, text=text, source=key, language=language)


def terms_doc(key: str, day: int, terms: str) -> StoryDocument:
    weights = tuple((term, 1.0) for term in terms.split())
    return StoryDocument(key, f"2024-05-{day:02d}", terms=DocumentTerms(weights))


def fillers(day: int = 1) -> list[StoryDocument]:
    """Unrelated articles, so that document frequencies are not all alike."""
    return [terms_doc(f"filler{k}", day, f"z{k} y{k} common") for k in range(6)]


def test_same_event_from_different_outlets_is_one_story() -> None:
    index = StoryIndex()
    first = index.add(
        doc("pap", "2024-05-07T09:00:00", SUMMIT, "Duda and Nausėda sign Lublin declaration")
    )
    index.add(doc("fire", "2024-05-07T10:00:00", FIRE_ONE, "Wildfire forces thousands to flee"))
    index.add(doc("vote", "2024-05-07T11:00:00", VOTE, "Senate confirms Kavanaugh"))
    second = index.add(
        doc("lrt", "2024-05-07T15:00:00", SUMMIT_OTHER_OUTLET, "Lublin Declaration signed")
    )
    assert first.opened
    assert not second.opened
    assert second.story == first.story
    assert second.score >= index.options.join_threshold
    assert {"lublin", "declar", "@lubli", "@duda"} & set(second.shared)
    assert "joined story" in second.reason
    assert index.members(first.story) == ("pap", "lrt")


def test_same_script_other_language_matches_on_names_and_numbers() -> None:
    english = extract_terms("", SUMMIT, "en")
    polish = extract_terms("", SUMMIT_POLISH, "pl")
    shared = {t for t, _ in english.weights} & {t for t, _ in polish.weights}
    assert {"@duda", "@nause", "@lubli", "#2024"} <= shared
    index = StoryIndex()
    index.add(doc("en", "2024-05-07", SUMMIT, "Duda hosts Nausėda in Lublin"))
    for k, text in enumerate((FIRE_ONE, VOTE)):
        index.add(doc(f"other{k}", "2024-05-07", text))
    polish_added = index.add(
        doc("pl", "2024-05-07", SUMMIT_POLISH, "Duda i Nausėda w Lublinie", "pl")
    )
    assert polish_added.story == index.story_of("en")


def test_a_word_capitalised_only_where_sentences_begin_is_no_name() -> None:
    text = (
        "Crews worked through the night. Rescuers said the Crews of Tolland came first.\n\n"
        "Selon le maire, Tolland a tenu. “Nothing,” said Ann Rae. Dopiero wtedy."
    )
    names = {t for t, _ in extract_terms("", text, "en").weights if t[0] in "@#"}
    assert names == {"@crews", "@tolla", "@ann", "@rae"}


def test_across_languages_only_names_and_numbers_count() -> None:
    # Stems of different languages never meet: without shared names an English and a
    # French report are no match, however alike their stems happen to be.
    index = StoryIndex()
    index.add(doc("en", "2024-05-07", SUMMIT, "Duda hosts Nausėda in Lublin"))
    no_names = re.sub(r"\d", "", SUMMIT.lower())
    same_stems = index.add(doc("fr", "2024-05-07", no_names, "", "fr"))
    assert same_stems.opened and same_stems.score == 0.0
    # In the same language the same words are a match.
    assert not index.add(doc("en2", "2024-05-07", no_names)).opened


def test_same_topic_different_event_days_apart_is_two_stories() -> None:
    stories = cluster_documents(
        [
            doc("camp", "2018-11-08", FIRE_ONE, "Camp Fire forces Paradise to flee"),
            doc("vote", "2018-11-09", VOTE),
            doc("thomas", "2018-11-13", FIRE_TWO, "Thomas Fire forces Ventura County to flee"),
        ]
    )
    assert stories["camp"] != stories["thomas"]


def test_time_window_is_respected() -> None:
    title = "Duda and Nausėda sign Lublin declaration"
    options = StoryOptions(window_days=3.0)
    inside = cluster_documents(
        [doc("a", "2024-05-07", SUMMIT, title), doc("b", "2024-05-08", SUMMIT, title)], options
    )
    assert inside["a"] == inside["b"]
    outside = cluster_documents(
        [doc("a", "2024-05-07", SUMMIT, title), doc("b", "2024-05-11", SUMMIT, title)], options
    )
    assert outside["a"] != outside["b"]


def test_nearness_in_time_counts_within_the_window() -> None:
    index = StoryIndex(StoryOptions(day_penalty=0.15))
    index.add(doc("a", "2024-05-07", SUMMIT, "Duda and Nausėda sign Lublin declaration"))
    same_day = StoryIndex(StoryOptions(day_penalty=0.15))
    same_day.add(doc("a", "2024-05-07", SUMMIT, "Duda and Nausėda sign Lublin declaration"))
    later = index.add(doc("b", "2024-05-09", SUMMIT_OTHER_OUTLET))
    sooner = same_day.add(doc("b", "2024-05-07", SUMMIT_OTHER_OUTLET))
    assert later.score == pytest.approx(sooner.score - 0.3)


def test_an_article_linking_two_close_stories_merges_them() -> None:
    index = StoryIndex(StoryOptions(join_threshold=0.5, merge_threshold=0.3, day_penalty=0.0))
    for filler in fillers():
        index.add(filler)
    a = index.add(terms_doc("A", 2, "p q r s"))
    b = index.add(terms_doc("B", 2, "r s t u"))
    assert b.opened and b.story != a.story  # alike, but not enough to join
    bridge = index.add(terms_doc("X", 2, "p q r s t u"))
    assert bridge.merged == (b.story,)
    assert bridge.story == a.story  # the older story keeps its id
    assert [(m.article, m.story) for m in bridge.moved] == [("B", a.story)]
    assert index.members(a.story) == ("A", "B", "X")
    assert "merged" in bridge.reason
    with pytest.raises(KeyError):
        index.members(b.story)


def test_a_story_whose_members_do_not_link_splits() -> None:
    index = StoryIndex(StoryOptions(join_threshold=0.2, link_threshold=0.9, day_penalty=0.0))
    for filler in fillers():
        index.add(filler)
    a = index.add(terms_doc("a", 2, "p q r s"))
    index.add(terms_doc("b", 2, "p q r s"))
    drifted = index.add(terms_doc("c", 2, "p q r t u v w x y"))
    # "c" reached the centroid (sharing the three words a join needs), but at the re-check
    # (3 members) it links to neither member.
    assert drifted.split
    assert index.story_of("c") == drifted.story == drifted.split[0]
    assert index.members(a.story) == ("a", "b")
    assert "split off" in drifted.reason


def test_the_same_input_gives_the_same_stories() -> None:
    documents = [
        doc("pap", "2024-05-07", SUMMIT, "Duda and Nausėda sign Lublin declaration"),
        doc("fire", "2024-05-07", FIRE_ONE),
        doc("lrt", "2024-05-07", SUMMIT_OTHER_OUTLET),
        doc("vote", "2024-05-08", VOTE),
        doc("fire2", "2024-05-09", FIRE_TWO),
    ]
    runs = []
    for _ in range(2):
        index = StoryIndex()
        runs.append([index.add(d) for d in documents])
    assert runs[0] == runs[1]


def test_old_stories_close_and_lookups_stay_bounded() -> None:
    options = StoryOptions(window_days=2.0, grace_days=1.0)
    index = StoryIndex(options)
    per_day = 10
    for day in range(60):
        for k in range(per_day):
            # Every article shares "common" and its day's words with the others of its day.
            terms = f"common day{day} topic{k % 3} item{day}x{k}"
            weights = DocumentTerms(tuple((t, 1.0) for t in terms.split()))
            seconds = parse_time("2024-01-01") + day * 86_400 + k * 3600
            when = datetime.fromtimestamp(seconds, UTC).isoformat()
            assignment = index.add(StoryDocument(f"{day}-{k}", when, terms=weights))
            assert assignment.candidates <= MAX_CANDIDATES
    assert len(index) == 60 * per_day
    # Only the stories of the last window + grace (3 days and a bit) are still open.
    assert index.open_stories <= 4 * per_day
    assert sum(len(members) for _, members in index.stories()) == 60 * per_day


def test_adding_an_article_twice_is_refused() -> None:
    index = StoryIndex()
    index.add(doc("a", "2024-05-07", SUMMIT))
    with pytest.raises(ValueError, match="added already"):
        index.add(doc("a", "2024-05-07", SUMMIT))


def test_times_are_iso_dates_or_date_times() -> None:
    assert parse_time("2024-05-07") == parse_time("2024-05-07T00:00:00Z")
    assert parse_time("2024-05-07T02:00:00+02:00") == parse_time("2024-05-07T00:00:00")
    with pytest.raises(ValueError, match="not an ISO 8601"):
        parse_time("May 7")


# --- evidence a join needs (issue 16) -----------------------------------------------------


def evidence_index() -> StoryIndex:
    index = StoryIndex(StoryOptions(join_threshold=0.2, day_penalty=0.0))
    for filler in fillers():
        index.add(filler)
    return index


def test_a_short_item_does_not_join_on_two_shared_words() -> None:
    index = evidence_index()
    story = index.add(terms_doc("a", 2, "p q r s"))
    two = index.add(terms_doc("b", 2, "p q t u"))
    assert two.opened and two.story != story.story
    assert "2 words shared (3 needed)" in two.reason
    three = index.add(terms_doc("c", 2, "p q r t"))
    assert not three.opened and three.story == story.story


def test_across_languages_one_shared_name_is_not_enough() -> None:
    index = evidence_index()
    base = "@harl @lowme #1874 w1 w2 w3"
    first = StoryDocument("en", "2024-05-02", language="en", terms=terms(base))
    index.add(first)
    one = StoryDocument("de", "2024-05-02", language="de", terms=terms("@harl x1 x2 x3 x4"))
    refused = index.add(one)
    assert refused.opened and "another language" in refused.reason
    two = StoryDocument("pl", "2024-05-02", language="pl", terms=terms("@harl #1874 v1 v2"))
    assert index.add(two).story == index.story_of("en")
    # Two rare names, but more than a day apart: no.
    late = StoryDocument("fr", "2024-05-04", language="fr", terms=terms("@harl #1874 u1 u2"))
    assert index.add(late).opened


def test_undated_articles_get_no_evidence_from_their_shared_time() -> None:
    def second(undated: bool) -> Assignment:
        index = StoryIndex(StoryOptions(join_threshold=0.2, day_penalty=0.15))
        for filler in fillers():
            index.add(filler)
        pair = [
            StoryDocument(k, "2024-05-02", terms=terms(t), undated=undated)
            for k, t in (("x", "p q r s a1 a2 a3"), ("y", "p q r s b1 b2 b3"))
        ]
        index.add(pair[0])
        return index.add(pair[1])

    dated, undated = second(False), second(True)
    assert not dated.opened  # the same day: one story
    assert undated.opened  # ingested together: as if a whole window (3 days) apart
    assert undated.score == pytest.approx(dated.score - 0.45)


def test_the_same_headline_again_from_one_outlet_is_a_repeat() -> None:
    index = evidence_index()
    title = "Vellmar Gorge glass bridge closed"
    first = index.add(StoryDocument(1, "2024-05-02", title, "p q r s", source="north.test"))
    again = index.add(StoryDocument(2, "2024-05-02", title + "!", "other", source="north.test"))
    assert again.repeat_of == 1 and again.story == first.story
    assert "same article as 1" in again.reason
    assert index.members(first.story) == (1,) and index.story_of(2) == first.story
    other = index.add(StoryDocument(3, "2024-05-02", title, "t u v w", source="south.test"))
    assert other.repeat_of is None
    restored = StoryIndex.from_state(index.state())
    assert restored.story_of(2) == first.story and len(restored) == len(index)


def test_deleting_an_original_leaves_its_repeat_in_its_place() -> None:
    index = evidence_index()
    title = "Vellmar Gorge glass bridge closed"
    first = index.add(StoryDocument(1, "2024-05-02", title, "p q r s", source="north.test"))
    index.add(StoryDocument(2, "2024-05-02", title, "other", source="north.test"))
    index.add(StoryDocument(3, "2024-05-02", title, "more", source="north.test"))
    held = len(index)
    assert index.forget([1]) == {first.story}
    assert index.members(first.story) == (2,)  # the first repeat takes the original's place
    assert index.story_of(3) == first.story  # and the other follows it
    assert len(index) == held - 1
    assert index.forget([3]) == {first.story}
    assert index.members(first.story) == (2,) and len(index) == held - 2
    again = index.add(StoryDocument(4, "2024-05-02", title, "x", source="north.test"))
    assert again.repeat_of == 2
    restored = StoryIndex.from_state(index.state())
    assert restored.story_of(4) == first.story


def terms(text: str) -> DocumentTerms:
    return DocumentTerms(tuple((t, 1.0) for t in text.split()))
