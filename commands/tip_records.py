"""``pos tips records``: the tip records an inspector asks for, per person and week, as text, CSV, JSON or a PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from commands.context import JsonFlag, day_or_today, open_store, parse_day_option
from commands.files import check_new, show_path, write_new
from commands.output import emit, money, say, say_csv, say_wrapped


def _hours(seconds: int) -> str:
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}"


def tips_records(
    ctx: typer.Context,
    start: Annotated[Optional[str], typer.Option("--from", help="First business day YYYY-MM-DD (default today).")]
    = None,
    end: Annotated[Optional[str], typer.Option("--to", help="Last business day (default: the first).")] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV (amounts as plain numbers).")] = False,
    pdf: Annotated[Optional[Path], typer.Option("--pdf", help="Write the records as a PDF here.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Tip records (29 CFR 516.28): per person and week, tips received, given back, paid out, hours, tip credit."""
    from pos.base.money import Money, format_plain
    from pos.sales.sales_mix import check_range
    from pos.tips.tip_records import records

    store = open_store(ctx)
    first = day_or_today(store, start)
    last = parse_day_option(end) or first
    check_range(first, last)
    if pdf is not None:
        check_new(pdf, "--pdf")
    found = records(store, first, last)
    currency = store.settings.currency
    span = str(first) if first == last else f"{first} to {last}"
    if pdf is not None:
        from receipts.tip_records_pdf import render

        write_new(pdf, render(store, first, last, found), "--pdf")
        say(f"Wrote the tip records of {span} ({len(found)} person-weeks) to {show_path(pdf)}.")
        return
    if as_csv:
        plain = lambda minor: format_plain(Money(minor, currency))  # noqa: E731
        say_csv([["week", "staff", "direct", "pooled", "declared_cash", "received", "refunded", "card_fees", "paid_out",
                  "paid_how", "adjusted", "tipped_hours", "untipped_hours", "tip_credit", "currency"],
                 *[[r.week.isoformat(), r.name, plain(r.direct_minor), plain(r.pooled_minor), plain(r.declared_minor),
                    plain(r.received_minor), plain(r.refunded_minor), plain(r.fees_minor), plain(r.paid_minor),
                    "; ".join(f"{p.day} {p.how} {plain(p.amount_minor)}" for p in r.payouts),
                    plain(r.adjusted_minor), f"{r.tipped_s / 3600:.2f}", f"{r.untipped_s / 3600:.2f}",
                    plain(r.tip_credit_minor), currency] for r in found]])
        return

    def as_dict(r: Any) -> dict[str, Any]:
        return {**{k: v for k, v in r._asdict().items() if k != "payouts"}, "week": r.week.isoformat(),
                "received_minor": r.received_minor,
                "payouts": [{"day": p.day.isoformat(), "how": p.how, "amount_minor": p.amount_minor}
                            for p in r.payouts]}

    def human() -> None:
        from pos.base.text import shown

        say(f"Tip records {span} (29 CFR 516.28), weeks from Monday:")
        if not found:
            say("  Nobody received tips or worked a shift.")
        person = None
        for r in found:
            if r.staff_key != person:
                person = r.staff_key
                say(shown(r.name))
            say_wrapped(f"  week of {r.week}: received {money(store, r.received_minor)} (direct "
                f"{money(store, r.direct_minor)}, pooled {money(store, r.pooled_minor)}, declared cash "
                f"{money(store, r.declared_minor)}); given back {money(store, r.refunded_minor)}; "
                + (f"card fees {money(store, r.fees_minor)}; " if r.fees_minor else "") + "paid out "
                f"{money(store, r.paid_minor)}" + (f"; adjusted {money(store, r.adjusted_minor)}"
                                                    if r.adjusted_minor else ""))
            for p in r.payouts:
                say_wrapped(f"    paid {p.day}: {money(store, p.amount_minor)}, {p.how}")
            say_wrapped(f"    hours: {_hours(r.tipped_s)} tipped, {_hours(r.untipped_s)} untipped; tip credit claimed "
                f"{money(store, r.tip_credit_minor)}")

    emit(as_json, {"from": first.isoformat(), "to": last.isoformat(), "currency": currency,
                   "records": [as_dict(r) for r in found]}, human)
