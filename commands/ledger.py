"""``pos ledger ...``: the journal, balances, the chain check, reversals and exports."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Optional, TYPE_CHECKING

import typer

from commands.context import JsonFlag, group, open_store, parse_day_option
from commands.files import new_file, show_path
from commands.output import emit, print_table, ProgressBar, say
from pos.errors import InvalidInput

if TYPE_CHECKING:  # pragma: no cover
    from pos.store import Store

ledger_app = group("The books: double-entry journal, balances, checks and exports.")

# What each command here that changes the store or reads the books needs, by the permission table
# (pos/permissions.py); the sign-in check in cli.py reads it. A command not listed changes nothing.
ACTIONS: dict[str, str] = {
    "ledger reverse": "CORRECT_BOOKS", "ledger show": "READ_BOOKS", "ledger balances": "READ_BOOKS",
    "ledger export": "READ_BOOKS",
}

def _entry_dict(store: "Store", e: Any) -> dict[str, Any]:
    return {
        "id": e.id,
        "key": e.key,
        "posted_at": e.posted_at,
        "business_day": e.business_day,
        "memo": e.memo,
        "source_kind": e.source_kind,
        "source_id": e.source_id,
        "reverses": e.reverses,
        "postings": [{"account": p.account, "amount_minor": p.amount_minor, "currency": p.currency} for p in e.postings],
        "hash": e.hash,
    }


def _money_in(store: "Store", amount_minor: int, currency: str) -> str:
    from pos.money import Money, format_money

    return format_money(Money(amount_minor, currency), store.settings.locale)


@ledger_app.command("show")
def ledger_show(
    ctx: typer.Context,
    day: Annotated[Optional[str], typer.Option(help="Business day YYYY-MM-DD.")] = None,
    source: Annotated[Optional[str], typer.Option(help="Only entries caused by this order/payment id.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Show journal entries (by day or by source)."""
    from pos.ledger import iter_entries

    store = open_store(ctx)
    entries = list(iter_entries(store, day=parse_day_option(day), source_id=source))

    def human() -> None:
        if not entries:
            say("No journal entries.")
        for e in entries:
            extra = f" (reverses entry {e.reverses})" if e.reverses else ""
            say(f"{e.id:>6}  {e.business_day}  {e.memo}{extra}  [{e.source_kind} {e.source_id}]")
            for p in e.postings:
                say(f"          {p.account:<36} {_money_in(store, p.amount_minor, p.currency):>14}")

    emit(as_json, [_entry_dict(store, e) for e in entries], human)


@ledger_app.command("balances")
def ledger_balances(
    ctx: typer.Context,
    day: Annotated[Optional[str], typer.Option(help="Only this business day's movements.")] = None,
    account: Annotated[Optional[str], typer.Option(help="Only accounts under this prefix, like assets:cash.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Account balances (whole journal, or one day's movements)."""
    from pos.ledger import balances

    store = open_store(ctx)
    result = balances(store, day=parse_day_option(day), prefix=account)
    emit(
        as_json,
        [{"account": a, "currency": c, "amount_minor": v} for (a, c), v in result.items()],
        lambda: print_table(
            f"Balances {day}" if day else "Balances",
            ["Account", "Balance"],
            [[a, _money_in(store, v, c)] for (a, c), v in result.items()],
            {1},
        ),
    )


@ledger_app.command("verify")
def ledger_verify(
    ctx: typer.Context,
    full: Annotated[bool, typer.Option("--full", help="Check the whole journal, not only what came after the "
                                                      "last close.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Recompute the hash chain and the zero-sum rule from the last close (--full: from the start); exit 1 on the
    first broken entry."""
    from pos.ledger import verify

    result = verify(open_store(ctx), full=full)
    since = f" after entry {result.since} (the last close's head)" if result.since else ""
    emit(
        as_json,
        {"entries": result.entries, "since": result.since, "ok": result.problem is None, "problem": result.problem},
        f"OK: {result.entries} entries{since}, hash chain intact, every entry balances."
        if result.problem is None
        else f"BROKEN after {result.entries} good entries{since}: {result.problem}.",
    )
    if result.problem is not None:
        raise typer.Exit(1)


@ledger_app.command("reverse")
def ledger_reverse(
    ctx: typer.Context,
    entry: Annotated[int, typer.Argument(help="Journal entry number to reverse.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (required).")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Correct a mistake: post the exact opposite of an entry (once per entry)."""
    from pos.ledger import reverse

    store = open_store(ctx)
    e = reverse(store, entry, reason)
    emit(as_json, _entry_dict(store, e), f"Entry {e.id} reverses entry {entry}.")


@ledger_app.command("export")
def ledger_export(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", help="beancount, hledger or csv.")] = "beancount",
    start: Annotated[Optional[str], typer.Option("--from", help="First business day (YYYY-MM-DD).")] = None,
    end: Annotated[Optional[str], typer.Option("--to", help="Last business day (YYYY-MM-DD).")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="File to write (default: standard output).")] = None,
    force: Annotated[bool, typer.Option("--force", help="With --out: replace the file if it exists.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="With --out: report what was written as JSON.")] = False,
) -> None:
    """Export the journal for Beancount, hledger or a spreadsheet."""
    from pos.export import ExportFormat, export_ledger

    try:
        chosen = ExportFormat(fmt.strip().lower())
    except ValueError:
        raise InvalidInput(f"Unknown format '{fmt}': use beancount, hledger or csv.") from None
    store = open_store(ctx)
    first, last = parse_day_option(start), parse_day_option(end)
    if out is None:
        if as_json or force:
            raise InvalidInput(f"{'--json' if as_json else '--force'} is for a file written with --out: give --out "
                               "FILE, or leave it out.")
        export_ledger(store, chosen, sys.stdout, start=first, end=last)
        return
    # Written whole or not at all: a failed export never leaves half a file, nor replaces a good one.
    with new_file(out, "--out", text=True, replace=force, force_flag="--force") as handle:
        with ProgressBar(f"Exporting {chosen.value}") as tick:
            count = export_ledger(store, chosen, handle, start=first, end=last, progress=tick)
    if as_json:
        emit(True, {"entries": count, "out": str(out.resolve()), "format": chosen.value}, "")
    else:
        say(f"Wrote {count} entries to {show_path(out)} ({chosen.value}).", err=True)
