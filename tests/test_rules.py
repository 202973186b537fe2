"""Rules (``nutgraf.rules``): keywords, time-bounded regular expressions, and what a set of
rules decides for an item."""

from __future__ import annotations

import logging
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nutgraf.errors import InputError
from nutgraf.rules import (
    MAX_PATTERN_CHARS,
    Decision,
    Rule,
    RuleItem,
    check_rule,
    decide,
    rule_matches,
)


def rule(
    pattern: str,
    *,
    id: int = 1,
    kind: str = "keyword",
    field: str = "any",
    action: str = "block",
    scope: str | None = None,
    tag: str | None = None,
    user: str | None = None,
    enabled: bool = True,
) -> Rule:
    return Rule(id, scope, field, kind, pattern, action, tag, user, enabled)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("pattern", "title", "expected"),
    [
        ("football", "Football results", True),
        ("football", "FOOTBALL!", True),
        ("football", "footballer of the year", False),
        ("ball", "football", False),
        ("interest rates", "Interest   Rates rose", True),
        ("interest rates", "interest ratesetting", False),
        ("sport, fed", "The Fed said", True),
        ("sport, fed", "federal budget", False),
        ("sport, fed", "sports day", False),
        ("Zürich", "Bank in ZÜRICH fined", True),
        ("café", "cafés", False),
        ("straße", "STRASSE closed", True),
        ("c++", "Learning C++ today", True),
        ("a.b", "aXb", False),
    ],
)
def test_keywords_are_whole_words_or_phrases_of_any_case(
    pattern: str, title: str, expected: bool
) -> None:
    assert rule_matches(rule(pattern, field="title"), RuleItem(title=title)) is expected


def test_a_rule_looks_only_in_its_field_and_any_looks_in_all() -> None:
    item = RuleItem(
        title="Budget day",
        text="Ministers met.",
        author="Jo Bloggs",
        url="https://x.example/sport/1",
    )
    assert rule_matches(rule("bloggs", field="author"), item)
    assert not rule_matches(rule("bloggs", field="title"), item)
    assert not rule_matches(rule("bloggs", field="text"), item)
    assert rule_matches(rule("/sport/", kind="regex", field="url"), item)
    assert not rule_matches(rule("/sport/", kind="regex", field="text"), item)
    for field in ("title", "text", "author", "url"):
        assert rule_matches(rule("budget, ministers, jo, example", field="any"), item), field
    assert not rule_matches(rule("nothing"), RuleItem())


def test_regular_expressions_are_searched_as_written() -> None:
    item = RuleItem(title="Sponsored: Buy now")
    assert rule_matches(rule(r"^Sponsored:", kind="regex", field="title"), item)
    assert not rule_matches(rule(r"^sponsored:", kind="regex", field="title"), item)
    assert rule_matches(rule(r"(?i)^sponsored:", kind="regex", field="title"), item)


def test_a_catastrophic_pattern_is_stopped_counts_as_no_match_and_is_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hostile = RuleItem(title="a" * 50_000 + "!", text="a" * 50_000 + "!")
    evil = rule(r"(a+)+$", id=77, kind="regex")
    caplog.set_level(logging.WARNING, logger="nutgraf.rules")
    started = time.monotonic()
    assert not rule_matches(evil, hostile)
    assert decide([evil], RuleItem(text="a" * 50_000 + "!", feed="f")) == Decision()
    assert time.monotonic() - started < 1.0
    warnings = [r for r in caplog.records if "rule 77" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].exc_info is None
    assert "stopped" in warnings[0].getMessage()


def test_an_enormous_field_is_searched_only_so_far() -> None:
    far = RuleItem(text="x " * 200_000 + "needle")
    assert not rule_matches(rule("needle", field="text"), far)
    assert rule_matches(rule("needle", field="text"), RuleItem(text="x " * 1000 + "needle"))


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (rule("(", kind="regex"), "does not compile"),
        (rule("x" * (MAX_PATTERN_CHARS + 1)), "over the 500-character limit"),
        (rule("  "), "is empty"),
        (rule(" , ,"), "hold no word"),
        (rule("x", action="tag", user="ann"), "needs a tag"),
        (rule("x", action="tag", tag="t"), "give --user NAME"),
        (rule("x", action="star"), "give --user NAME"),
        (rule("x", action="block", tag="t"), "only a tag rule takes a tag"),
        (rule("x", field="body"), "unknown field 'body'"),
        (rule("x", action="tag", tag="a\x1b[31mb", user="ann"), "no control characters"),
        (rule("x", action="tag", tag="t" * 101, user="ann"), "at most 100 characters"),
        (rule("x", action="delete"), "unknown action 'delete'"),
    ],
)
def test_unsound_rules_are_refused_with_a_reason(bad: Rule, message: str) -> None:
    with pytest.raises(InputError, match=message):
        check_rule(bad)


def test_a_sound_rule_passes_its_check() -> None:
    sound = rule("x", action="tag", tag="later", user="ann")
    assert check_rule(sound) is sound


def test_block_wins_and_the_first_blocking_rule_is_named() -> None:
    rules = [
        rule("cats", id=5, action="star", user="ann"),
        rule("cats", id=3),
        rule("cats, dogs", id=2),
        rule("cats", id=9, action="keep"),
    ]
    assert decide(rules, RuleItem(title="Cats and dogs")).reason == "blocked by rule 2"
    assert decide(rules, RuleItem(title="Birds")).reason == "not kept by rule 9"


def test_keep_only_applies_to_its_scope_and_each_scope_must_be_met() -> None:
    rules = [
        rule("election", id=1, action="keep", scope="https://a.example/feed"),
        rule("vote", id=2, action="keep", scope="https://a.example/feed"),
    ]
    a = "https://a.example/feed"
    assert not decide(rules, RuleItem(title="Election night", feed=a)).blocked
    assert not decide(rules, RuleItem(title="Vote counted", feed=a)).blocked
    assert decide(rules, RuleItem(title="Weather", feed=a)).reason == "not kept by rules 1, 2"
    # Another feed, or a page not from a feed, is not that scope's.
    assert not decide(rules, RuleItem(title="Weather", feed="https://b.example/")).blocked
    assert not decide(rules, RuleItem(title="Weather")).blocked
    both = [*rules, rule("night", id=3, action="keep")]
    assert not decide(both, RuleItem(title="Election night", feed=a)).blocked
    assert decide(both, RuleItem(title="Election day", feed=a)).reason == "not kept by rule 3"
    assert decide(both, RuleItem(title="A quiet day")).reason == "not kept by rule 3"


def test_disabled_rules_and_other_feeds_rules_do_nothing() -> None:
    rules = [
        rule("cats", id=1, enabled=False),
        rule("cats", id=2, scope="https://other.example/feed"),
        rule("dogs", id=3, action="keep", enabled=False),
    ]
    assert decide(rules, RuleItem(title="Cats", feed="https://a.example/feed")) == Decision()


def test_stars_and_tags_are_gathered_once_each() -> None:
    rules = [
        rule("cats", id=1, action="star", user="ann"),
        rule("cats, kittens", id=2, action="star", user="ann"),
        rule("kittens", id=3, action="star", user="bob"),
        rule("cats", id=4, action="tag", tag="pets", user="ann"),
        rule("kittens", id=5, action="tag", tag="pets", user="ann"),
        rule("dogs", id=6, action="tag", tag="dogs", user="ann"),
    ]
    decision = decide(rules, RuleItem(title="Cats and kittens"))
    assert decision == Decision(stars=("ann", "bob"), tags=(("ann", "pets"),))
    assert decide(rules, RuleItem(title="Birds")) == Decision()


@settings(max_examples=200, deadline=None)
@given(
    words=st.lists(st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1), min_size=1),
    before=st.text(),
    after=st.text(),
)
def test_a_keyword_set_off_by_spaces_is_always_found_and_nothing_raises(
    words: list[str], before: str, after: str
) -> None:
    phrase = " ".join(words)
    found = rule_matches(
        rule(phrase, field="text"), RuleItem(text=f"{before} {phrase.upper()} {after}")
    )
    assert found or any(w.upper().lower() != w.lower() for w in words)  # case folding aside
    rule_matches(rule(phrase, field="text"), RuleItem(text=before + after))
