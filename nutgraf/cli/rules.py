"""``nutgraf rules``: rules applied at ingest (add, list, remove, enable, disable, test). Thin
shells over ``nutgraf.rules`` and the archive's rule queries; ``rules test`` is a dry run over
the archive that writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, cast

import click

from nutgraf.cli.archive import _archive, db_option
from nutgraf.cli.output import echo, echo_json, echo_line, fail
from nutgraf.errors import NutgrafError
from nutgraf.manage import utc_now
from nutgraf.rules import (
    ACTIONS,
    FIELDS,
    Action,
    Field,
    MatchKind,
    Rule,
    applies,
    check_rule,
    rule_item,
    rule_matches,
)
from nutgraf.store.base import Store


def _rule_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options that say what a rule is, shared by ``add`` and ``test``."""
    options = (
        click.option(
            "--feed",
            "feed",
            metavar="URL",
            default=None,
            help="Only items of this feed (its URL, as `nutgraf feeds` shows it); default: "
            "every feed and every other source.",
        ),
        click.option(
            "--field",
            "field_name",
            type=click.Choice(FIELDS),
            default="any",
            show_default=True,
            help="What to look in: the headline, the text, the author (byline), the URL, or "
            "any of them.",
        ),
        click.option(
            "--keyword",
            "keyword",
            metavar="TEXT",
            default=None,
            help="Words or phrases, case-insensitive, whole words; 'a, b' means a or b.",
        ),
        click.option(
            "--regex",
            "pattern",
            metavar="PATTERN",
            default=None,
            help="A regular expression (case-sensitive unless it starts with (?i)).",
        ),
        click.option(
            "--action",
            "action",
            type=click.Choice(ACTIONS),
            default="block",
            show_default=True,
            help="block: not stored; keep: of its scope only what a keep rule matches is "
            "stored; star or tag: starred or labelled for --user.",
        ),
        click.option(
            "--tag", "tag", metavar="LABEL", default=None, help="The label a tag rule puts."
        ),
        click.option(
            "--user",
            "user",
            metavar="NAME",
            default=None,
            help="Whose star or label (a star or tag rule).",
        ),
    )
    for option in reversed(options):
        command = option(command)
    return command


def _rule_from(
    feed: str | None,
    field_name: str,
    keyword: str | None,
    pattern: str | None,
    action: str,
    tag: str | None,
    user: str | None,
) -> Rule:
    """The rule the options describe, checked (one ``Error:`` line when it is not sound)."""
    if (keyword is None) == (pattern is None):
        fail("give what the rule matches: --keyword TEXT or --regex PATTERN (one of them)")
    kind: MatchKind = "keyword" if keyword is not None else "regex"
    try:
        return check_rule(
            Rule(
                id=0,
                scope=feed.strip() if feed and feed.strip() else None,
                field=cast(Field, field_name),
                kind=kind,
                pattern=cast(str, keyword if keyword is not None else pattern),
                action=cast(Action, action),
                tag=tag.strip() if tag and tag.strip() else None,
                user=user.strip().lower() if user and user.strip() else None,
                created=utc_now(),
            )
        )
    except NutgrafError as error:
        fail(str(error))


def _check_user(store: Store, rule: Rule) -> None:
    if rule.user is not None and store.user(rule.user) is None:
        fail(f"there is no user {rule.user}; see nutgraf users list")


def _as_json(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "feed": rule.scope,
        "field": rule.field,
        "kind": rule.kind,
        "pattern": rule.pattern,
        "action": rule.action,
        "tag": rule.tag,
        "user": rule.user,
        "enabled": rule.enabled,
        "created": rule.created,
    }


@click.group("rules")
def rules_group() -> None:
    """Rules applied at ingest: block, keep only, star or tag items by keyword or regular
    expression, for every feed or one."""


@rules_group.command("add")
@_rule_options
@db_option
def rules_add_command(db: str | None, **options: Any) -> None:
    """Add a rule; it applies to items ingested from now on (see: nutgraf rules test)."""
    rule = _rule_from(**options)
    with _archive(db, write=True) as store:
        _check_user(store, rule)
        if rule.scope is not None and store.feed(rule.scope) is None:
            echo_line(f"note: no subscribed feed has the URL {rule.scope}", err=True)
        saved = store.add_rule(rule)
    echo_line(f"Added rule {saved.id}: {saved.describe()}")


@rules_group.command("list")
@db_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def rules_list_command(db: str | None, as_json: bool) -> None:
    """List the rules: id, on or off, scope, what they match and what they do."""
    with _archive(db) as store:
        rules = store.rules()
    if as_json:
        for rule in rules:
            echo_json(_as_json(rule))
        return
    if not rules:
        echo("No rules. Add one: nutgraf rules add --keyword TEXT --action block")
        return
    echo_line(f"{'ID':>4}  {'ON':<3}  {'ACTION':<12}  {'FIELD':<6}  {'KIND':<7}  PATTERN  (SCOPE)")
    for rule in rules:
        does = f"tag:{rule.tag}" if rule.action == "tag" else rule.action
        whose = f" @{rule.user}" if rule.user else ""
        scope = rule.scope or "every feed"
        echo_line(
            f"{rule.id:>4}  {'on' if rule.enabled else 'off':<3}  {does + whose:<12}  "
            f"{rule.field:<6}  {rule.kind:<7}  {rule.pattern}  ({scope})"
        )


@rules_group.command("remove")
@click.argument("rule_id", metavar="ID", type=int)
@db_option
def rules_remove_command(rule_id: int, db: str | None) -> None:
    """Remove the rule ID."""
    with _archive(db, write=True) as store:
        if not store.remove_rule(rule_id):
            fail(f"there is no rule {rule_id}; see nutgraf rules list")
    echo_line(f"Removed rule {rule_id}")


def _switch(on: bool) -> Callable[[int, str | None], None]:
    def run(rule_id: int, db: str | None) -> None:
        with _archive(db, write=True) as store:
            if not store.set_rule_enabled(rule_id, on):
                fail(f"there is no rule {rule_id}; see nutgraf rules list")
        echo_line(f"{'Enabled' if on else 'Disabled'} rule {rule_id}")

    return run


rules_group.command("enable", help="Switch the rule ID on.")(
    click.argument("rule_id", metavar="ID", type=int)(db_option(_switch(True)))
)
rules_group.command("disable", help="Switch the rule ID off: kept, but not applied.")(
    click.argument("rule_id", metavar="ID", type=int)(db_option(_switch(False)))
)


@rules_group.command("test")
@click.argument("rule_id", metavar="[RULE]", type=int, required=False)
@_rule_options
@click.option(
    "--limit", type=click.IntRange(1, 10_000), default=20, show_default=True, help="Matches listed."
)
@db_option
def rules_test_command(rule_id: int | None, limit: int, db: str | None, **options: Any) -> None:
    """A dry run: which archived articles the rule RULE (an id) would have matched, newest
    first, and how many; or the rule the options describe, unsaved. Writes nothing.

    A keep rule lists what it would keep; a disabled rule is tested as if it were on.
    """
    given = any(options[name] is not None for name in ("keyword", "pattern", "feed", "tag", "user"))
    with _archive(db) as store:
        if rule_id is not None:
            if given:
                fail("give a rule's id or the options of a new rule, not both")
            found = store.rule(rule_id)
            if found is None:
                fail(f"there is no rule {rule_id}; see nutgraf rules list")
            rule = found
        else:
            rule = _rule_from(**options)
        matches: list[tuple[str, int, str, str]] = []
        tried = replace(rule, enabled=True)  # a disabled rule is tried as if it were on
        for stored in store.articles():
            item = rule_item(stored.item.article, url=stored.item.url, feed=stored.item.feed)
            if applies(tried, item) and rule_matches(tried, item):
                article = stored.item.article
                when = article.published or stored.first_seen or stored.item.fetched
                matches.append((when, stored.id, article.title or "", article.source or ""))
    matches.sort(reverse=True)
    echo_line(f"Rule {rule.id or '(unsaved)'}: {rule.describe()}")
    for when, article_id, title, source in matches[:limit]:
        echo_line(f"{article_id:>7}  {when[:10]}  {title}  ({source})")
    more = f" (the newest {limit} listed)" if len(matches) > limit else ""
    echo_line(f"{len(matches)} matching article{'' if len(matches) == 1 else 's'}{more}")


RULES_COMMANDS = (rules_group,)
