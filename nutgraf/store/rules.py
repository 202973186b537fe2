"""The rules applied at ingest (``nutgraf.rules``): added, listed, switched on and off,
removed. Written once in SQL both backends take, as ``sessions.py`` is. A rule is checked
(``check_rule``) before it is stored, so the archive holds no pattern that cannot compile."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from nutgraf.errors import InputError
from nutgraf.rules import Rule, check_rule
from nutgraf.store.shared import SharedQueries

_COLUMNS = "id, scope, field, kind, pattern, action, tag, user_name, enabled, created"
# Rules one archive holds at most: each is tried on every new item.
MAX_RULES = 1000


def _rule(row: Any) -> Rule:
    return Rule(
        id=int(row["id"]),
        scope=row["scope"],
        field=row["field"],
        kind=row["kind"],
        pattern=row["pattern"],
        action=row["action"],
        tag=row["tag"],
        user=row["user_name"],
        enabled=bool(row["enabled"]),
        created=row["created"],
    )


class RuleQueries(SharedQueries):
    """Mixed into a backend (``SharedQueries``)."""

    def add_rule(self, rule: Rule) -> Rule:
        """Store ``rule`` (its ``id`` is ignored); the stored rule, with its id.

        Raises:
            InputError: the rule is not sound (``check_rule``), or the archive holds
                ``MAX_RULES`` already.
        """
        check_rule(rule)
        with self._write() as db:
            count = db.execute(self._sql("SELECT count(*) AS n FROM rules")).fetchone()
            if int(count["n"]) >= MAX_RULES:
                raise InputError(f"the archive holds {MAX_RULES} rules already; remove some first")
            row = db.execute(
                self._sql(
                    "INSERT INTO rules (scope, field, kind, pattern, action, tag, user_name, "
                    "enabled, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"
                ),
                (
                    rule.scope,
                    rule.field,
                    rule.kind,
                    rule.pattern,
                    rule.action,
                    rule.tag,
                    rule.user,
                    int(rule.enabled),
                    rule.created,
                ),
            ).fetchone()
        return replace(rule, id=int(row["id"]))

    def rules(self, *, enabled_only: bool = False) -> list[Rule]:
        """Every rule (only those switched on, when ``enabled_only``), by id."""
        where = " WHERE enabled = 1" if enabled_only else ""
        return [
            _rule(r) for r in self._sql_read(f"SELECT {_COLUMNS} FROM rules{where} ORDER BY id")
        ]

    def rule(self, rule_id: int) -> Rule | None:
        rows = self._sql_read(f"SELECT {_COLUMNS} FROM rules WHERE id = ?", (rule_id,))
        return _rule(rows[0]) if rows else None

    def remove_rule(self, rule_id: int) -> bool:
        """Remove the rule; False when there is none of that id."""
        with self._write() as db:
            cursor = db.execute(self._sql("DELETE FROM rules WHERE id = ?"), (rule_id,))
            return bool(cursor.rowcount)

    def set_rule_enabled(self, rule_id: int, enabled: bool) -> bool:
        """Switch the rule on or off; False when there is none of that id."""
        with self._write() as db:
            cursor = db.execute(
                self._sql("UPDATE rules SET enabled = ? WHERE id = ?"), (int(enabled), rule_id)
            )
            return bool(cursor.rowcount)
