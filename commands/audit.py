"""``pos audit``: the audit trail, by day and person."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from commands.context import JsonFlag, OWNER, open_store, parse_day_option
from commands.output import emit, local_time, print_table, say
from commands.output import money

top_level = typer.Typer()
"""This module's commands that sit at the top, beside the groups (``pos pay``...)."""

# What each command here needs, by the permission table (pos/people/permissions.py); the sign-in check in cli.py reads it.
ACTIONS: dict[str, str] = {"audit": "READ_BOOKS"}

@top_level.command("audit", rich_help_panel=OWNER)
def audit_cmd(
    ctx: typer.Context,
    day: Annotated[Optional[str], typer.Option(help="Business day YYYY-MM-DD (default: the whole trail).")] = None,
    staff: Annotated[Optional[str], typer.Option(help="Only this person's events.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Who did what and when: sign-ins, failed PINs, approvals, voids, refunds, discounts, settings."""
    from pos.store import audit

    store = open_store(ctx)
    found = audit.records(store, parse_day_option(day), staff)
    # Each event on a line (when, who, where, what), its detail under it, as wide as the terminal.
    emit(as_json, [{**r._asdict(), "event": r.event.value} for r in found], lambda: print_table(
        "Audit trail", ["When", "Who", "Where", "What"],
        [[local_time(store, _parse_at(r.at)), r.staff or "-", _where(r), r.event.value] for r in found],
        wrap={1, 3}, notes=[detail_text(store, r.detail) for r in found]) if found
        else say("Nothing in the audit trail for that."))


def _where(r: Any) -> str:
    """Register and terminal: ``reg 1 @3fa2c1`` (the terminal's short hash, as its sign-in knows it)."""
    return " ".join(part for part in (f"reg {r.register}" if r.register else "",
                                      f"@{r.terminal[:6]}" if r.terminal else "") if part)


def detail_text(store: Any, detail: dict[str, Any]) -> str:
    """An event's detail as a person reads it: money in the store's format, a change as before -> after.

    ``SODA: price: $2.00 -> $0.01``, ``order #2: amount: $50.00, reason: burnt``: the target first.
    """
    parts: list[str] = []
    before, after = detail.get("before"), detail.get("after")
    if isinstance(before, dict) or isinstance(after, dict):
        old, new = before or {}, after or {}
        for key in [*old, *(k for k in new if k not in old)]:
            if key not in new:
                parts.append(f"{_label(key)}: {_value(store, key, old[key])} -> (gone)")
            elif key not in old:
                parts.append(f"{_label(key)}: {_value(store, key, new[key])}")
            elif old[key] != new[key]:
                parts.append(f"{_label(key)}: {_value(store, key, old[key])} -> {_value(store, key, new[key])}")
    for key, value in detail.items():
        if key not in {"target", "before", "after", "command"} and value not in ({}, []):
            parts.append(f"{_label(key)}: {_value(store, key, value)}")
    if "command" in detail:
        parts.append(f"({detail['command']})")
    said = ", ".join(parts)
    return f"{detail['target']}: {said}" if detail.get("target") else said


def _label(key: str) -> str:
    return key.removesuffix("_minor").replace("_", " ")


def _value(store: Any, key: str, value: Any) -> str:
    if key.endswith("_minor") and isinstance(value, int) and not isinstance(value, bool):
        return money(store, value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "-"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_label(k)}: {_value(store, k, v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + "; ".join(_value(store, key, v) for v in value) + "]"
    return str(value)


def _parse_at(text: str) -> Any:
    from pos.store.store import parse_iso

    return parse_iso(text)
