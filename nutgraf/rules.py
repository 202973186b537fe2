"""Rules applied at ingest: keywords or regular expressions on an item's title, text, author
or URL, for every feed or one, that block it, keep only what matches, star it or tag it.

Pure: ``check_rule`` says whether a new rule is sound, ``rule_matches`` whether a rule
matches an item, ``decide`` what a set of rules makes of an item. The archive keeps the rules
(``store/rules.py``); the ingest applies them (``batch/pipeline.py``).

Keywords are case-insensitive whole words or phrases ("interest rates" matches "Interest
Rates rose", not "interest ratesetting"), at Unicode word boundaries; "a, b" means a or b.
A regular expression is the ``regex`` package's, searched with a time limit per field
(``REGEX_SECONDS``) on at most ``MAX_FIELD_CHARS`` characters, so a pattern that backtracks
catastrophically on hostile text costs that long and no more: a timeout counts as no match
and is logged once per rule.

Keep only: when a scope (every feed, or one feed) has enabled keep rules, an item of that
scope is stored only if one of them matches; global keep rules and a feed's own keep rules
must each be satisfied. A block rule that matches blocks whatever keep rules say.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, get_args

from nutgraf.controls import strip_controls
from nutgraf.errors import InputError
from nutgraf.records import Article

Field = Literal["title", "text", "author", "url", "any"]
MatchKind = Literal["keyword", "regex"]
Action = Literal["block", "keep", "star", "tag"]
FIELDS: tuple[Field, ...] = get_args(Field)
MATCH_KINDS: tuple[MatchKind, ...] = get_args(MatchKind)
ACTIONS: tuple[Action, ...] = get_args(Action)

MAX_PATTERN_CHARS = 500
MAX_TAG_CHARS = 100
# Seconds one regular expression may search one field; a timeout is no match.
REGEX_SECONDS = 0.05
# Characters of a field searched: an article's text is rarely past 50,000.
MAX_FIELD_CHARS = 200_000

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule as the archive keeps it. ``scope`` is a feed's URL, or None for every feed;
    ``user`` is whose star or label ``star`` and ``tag`` put (per-reader state); ``tag`` is
    the label a ``tag`` rule puts. ``id`` is 0 for a rule not saved."""

    id: int
    scope: str | None
    field: Field
    kind: MatchKind
    pattern: str
    action: Action
    tag: str | None = None
    user: str | None = None
    enabled: bool = True
    created: str = ""

    def describe(self) -> str:
        """One line: what it matches and what it does."""
        where = f"feed {self.scope}" if self.scope else "every feed"
        field = "any field" if self.field == "any" else self.field
        what = f"{self.kind} {self.pattern!r} in {field}"
        does = f"tag {self.tag!r}" if self.action == "tag" else self.action
        whose = f" for {self.user}" if self.user else ""
        return f"{what}, {where}: {does}{whose}"


@dataclass(frozen=True, slots=True)
class RuleItem:
    """What rules look at: the item's headline, text, byline and address, and the feed it
    came through (None: not from a feed)."""

    title: str | None = None
    text: str | None = None
    author: str | None = None
    url: str | None = None
    feed: str | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """What the rules make of an item: ``reason`` (e.g. "blocked by rule 3") when it is not
    to be stored, else the readers to star it for and the (reader, label) pairs to put."""

    reason: str | None = None
    stars: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()

    @property
    def blocked(self) -> bool:
        return self.reason is not None


def rule_item(article: Article, *, url: str | None, feed: str | None) -> RuleItem:
    """What rules look at in an article read at ``url`` through ``feed``: its headline, text,
    byline and address (``url``, else the article's own)."""
    return RuleItem(
        title=article.title,
        text=article.text,
        author=article.byline,
        url=url or article.url,
        feed=feed,
    )


def check_rule(rule: Rule) -> Rule:
    """``rule`` when it is sound, its pattern compiled once to be sure.

    Raises:
        InputError: an unknown field, kind or action; an empty, too long or broken pattern;
            a tag rule without a tag or a star or tag rule without a user (one line).
    """
    if rule.field not in FIELDS:
        raise InputError(f"unknown field {rule.field!r}; use one of {', '.join(FIELDS)}")
    if rule.kind not in MATCH_KINDS:
        raise InputError(f"unknown match kind {rule.kind!r}; use keyword or regex")
    if rule.action not in ACTIONS:
        raise InputError(f"unknown action {rule.action!r}; use one of {', '.join(ACTIONS)}")
    if not rule.pattern.strip():
        raise InputError(f"the rule's {rule.kind} is empty; give what it should match")
    if len(rule.pattern) > MAX_PATTERN_CHARS:
        raise InputError(
            f"the rule's {rule.kind} is {len(rule.pattern):,} characters, over the "
            f"{MAX_PATTERN_CHARS}-character limit"
        )
    if rule.kind == "keyword" and not keywords(rule.pattern):
        raise InputError(f"keywords {rule.pattern!r} hold no word; give words separated by commas")
    import regex  # imported when rules are used (20 ms): not by every command

    try:
        compiled(rule.kind, rule.pattern)
    except (regex.error, ValueError, OverflowError, RecursionError) as error:
        raise InputError(
            f"the regular expression {rule.pattern!r} does not compile: {error}"
        ) from None
    if rule.action == "tag" and not (rule.tag or "").strip():
        raise InputError("a tag rule needs a tag: give --tag NAME")
    if rule.action != "tag" and rule.tag:
        raise InputError(f"only a tag rule takes a tag, not a {rule.action} rule")
    if rule.tag and len(rule.tag) > MAX_TAG_CHARS:
        raise InputError(f"a tag is at most {MAX_TAG_CHARS} characters")
    if rule.tag and strip_controls(rule.tag) != rule.tag:
        raise InputError("a tag holds no control characters (tabs, line breaks, escapes)")
    if rule.action in ("star", "tag") and not rule.user:
        raise InputError(f"a {rule.action} rule marks a reader's articles: give --user NAME")
    return rule


def keywords(pattern: str) -> list[str]:
    """The keywords or phrases of ``pattern``, split at commas, spaces folded."""
    return [" ".join(part.split()) for part in pattern.split(",") if part.strip()]


@lru_cache(maxsize=1024)
def compiled(kind: MatchKind, pattern: str) -> Any:
    """The compiled pattern of a rule (a ``regex`` pattern; cached).

    Raises:
        regex.error: a regular expression that does not compile.
    """
    import regex

    if kind == "regex":
        return regex.compile(pattern)
    phrases = (r"\s+".join(regex.escape(word) for word in k.split()) for k in keywords(pattern))
    return regex.compile(
        rf"(?<!\w)(?:{'|'.join(phrases)})(?!\w)",
        regex.IGNORECASE | regex.FULLCASE | regex.UNICODE,
    )


_timed_out: set[tuple[int, str]] = set()
_timed_out_lock = threading.Lock()


def _search(rule: Rule, text: str) -> bool:
    try:
        found = compiled(rule.kind, rule.pattern).search(
            text[:MAX_FIELD_CHARS], timeout=REGEX_SECONDS
        )
    except TimeoutError:
        _log_timeout(rule)
        return False
    return found is not None


def _log_timeout(rule: Rule) -> None:
    key = (rule.id, rule.pattern)
    with _timed_out_lock:
        if key in _timed_out:
            return
        _timed_out.add(key)
    log.warning(
        "rule %s: its regular expression %r took over %g s on a field and was stopped "
        "(counted as no match)",
        rule.id or "(unsaved)",
        rule.pattern,
        REGEX_SECONDS,
    )


def _fields(rule: Rule, item: RuleItem) -> Iterable[str]:
    if rule.field == "any":
        values: Sequence[str | None] = (item.title, item.text, item.author, item.url)
    else:
        values = (getattr(item, rule.field),)
    return (value for value in values if value)


def rule_matches(rule: Rule, item: RuleItem) -> bool:
    """Whether ``rule``'s pattern is found in the item's field (any of them for "any"); the
    rule's scope and switch are not looked at (``applies``)."""
    return any(_search(rule, value) for value in _fields(rule, item))


def applies(rule: Rule, item: RuleItem) -> bool:
    """Whether ``rule`` is on and covers the item's feed."""
    return rule.enabled and (rule.scope is None or rule.scope == item.feed)


def decide(rules: Sequence[Rule], item: RuleItem) -> Decision:
    """What ``rules`` make of the item: blocked by the first block rule that matches (by id),
    else not kept when a scope's keep rules all fail to match, else starred and tagged by
    the star and tag rules that match."""
    ordered = sorted((r for r in rules if applies(r, item)), key=lambda r: r.id)
    for rule in ordered:
        if rule.action == "block" and rule_matches(rule, item):
            return Decision(reason=f"blocked by rule {rule.id}")
    for scope in (None,) if item.feed is None else (None, item.feed):
        keeps = [r for r in ordered if r.action == "keep" and r.scope == scope]
        if keeps and not any(rule_matches(r, item) for r in keeps):
            ids = ", ".join(str(r.id) for r in keeps)
            return Decision(reason=f"not kept by rule{'s' if len(keeps) > 1 else ''} {ids}")
    stars: list[str] = []
    tags: list[tuple[str, str]] = []
    for rule in ordered:
        if rule.action not in ("star", "tag") or rule.user is None:
            continue
        if not rule_matches(rule, item):
            continue
        if rule.action == "star" and rule.user not in stars:
            stars.append(rule.user)
        elif rule.action == "tag" and rule.tag and (rule.user, rule.tag) not in tags:
            tags.append((rule.user, rule.tag))
    return Decision(stars=tuple(stars), tags=tuple(tags))
