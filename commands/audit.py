"""``pos audit``: the audit trail, by day and person."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from commands.context import JsonFlag, OWNER, open_store, parse_day_option
from commands.output import emit, local_time, print_table, say

top_level = typer.Typer()
"""This module's commands that sit at the top, beside the groups (``pos pay``...)."""

# What each command here needs, by the permission table (pos/permissions.py); the sign-in check in cli.py reads it.
ACTIONS: dict[str, str] = {"audit": "READ_BOOKS"}

@top_level.command("audit", rich_help_panel=OWNER)
def audit_cmd(
    ctx: typer.Context,
    day: Annotated[Optional[str], typer.Option(help="Business day YYYY-MM-DD (default: the whole trail).")] = None,
    staff: Annotated[Optional[str], typer.Option(help="Only this person's events.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Who did what and when: sign-ins, failed PINs, approvals, voids, refunds, discounts, settings."""
    from pos import audit

    store = open_store(ctx)
    found = audit.records(store, parse_day_option(day), staff)
    emit(as_json, [{**r._asdict(), "event": r.event.value} for r in found], lambda: print_table(
        "Audit trail", ["When", "Who", "Register", "What", "Detail"],
        [[local_time(store, _parse_at(r.at)), r.staff or "-", str(r.register or ""), r.event.value,
          ", ".join(f"{k}={v}" for k, v in r.detail.items())] for r in found]) if found
        else say("Nothing in the audit trail for that."))


def _parse_at(text: str) -> Any:
    from pos.store import parse_iso

    return parse_iso(text)
