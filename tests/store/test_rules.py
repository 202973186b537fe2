"""The archive's rules (``store/rules.py``), on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

import pytest

from nutgraf.errors import InputError
from nutgraf.rules import Rule
from nutgraf.store import Store

FEED = "https://news.example/feed.xml"


def test_rules_are_added_listed_switched_and_removed(store: Store) -> None:
    assert store.rules() == []
    asked = [
        Rule(
            0,
            None,
            "title",
            "keyword",
            "football, cricket",
            "block",
            created="2026-12-08T01:00:00Z",
        ),
        Rule(
            0,
            FEED,
            "text",
            "regex",
            r"(?i)\bmarkets?\b",
            "tag",
            "money",
            "ann",
            True,
            "2026-12-08T01:01:00Z",
        ),
    ]
    first, second = (store.add_rule(rule) for rule in asked)
    assert first.id > 0 and second.id > first.id
    assert store.rules() == [replace(asked[0], id=first.id), replace(asked[1], id=second.id)]
    assert store.rule(second.id) == second
    assert store.rule(second.id + 100) is None

    assert store.set_rule_enabled(first.id, False)
    assert [r.id for r in store.rules(enabled_only=True)] == [second.id]
    assert store.rule(first.id) is not None and not store.rule(first.id).enabled  # type: ignore[union-attr]
    assert store.set_rule_enabled(first.id, True)
    assert len(store.rules(enabled_only=True)) == 2
    assert not store.set_rule_enabled(999, True)

    assert store.remove_rule(first.id)
    assert not store.remove_rule(first.id)
    assert [r.id for r in store.rules()] == [second.id]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (Rule(0, None, "title", "regex", "([a-z]", "block"), "does not compile"),
        (Rule(0, None, "title", "keyword", "x", "star"), "give --user NAME"),
        (Rule(0, None, "title", "keyword", "x" * 501, "block"), "500-character limit"),
    ],
)
def test_an_unsound_rule_is_never_stored(store: Store, bad: Rule, message: str) -> None:
    with pytest.raises(InputError, match=message):
        store.add_rule(bad)
    assert store.rules() == []
