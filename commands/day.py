"""``pos day ...``: closing the day, the Z report, reopening."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from commands.context import (JsonFlag, KeyFileOpt, NUMBERS, ask_approver, ask_pin_of, day_or_today, group,
                              key_location, open_store, signed_in_actor)
from commands.files import check_new, show_path, write_new
from commands.output import emit, money, say, staff_name
from pos.base.errors import InvalidInput
from commands.witnessing import deliver, said

if TYPE_CHECKING:  # pragma: no cover
    from pos.day.report import DayReport
    from pos.store.store import Store

day_app = group("Closing the day: counts, settlement, tips, the lock; the Z report; reopening.")

# What each command here that changes the store or reads the books needs, by the permission table
# (pos/people/permissions.py); the sign-in check in cli.py reads it. A command not listed changes nothing.
ACTIONS: dict[str, str] = {"day close": "CLOSE_DAY", "day reopen": "REOPEN_DAY", "day report": "READ_BOOKS"}

def _counts(texts: list[str]) -> dict[int, str]:
    """``--count`` values: ``[REGISTER=]COUNT``; without a register, drawer 1."""
    counts: dict[int, str] = {}
    for text in texts:
        register, sep, spec = text.partition("=")
        if not sep:
            register, spec = "1", text
        if not (register.strip().isascii() and register.strip().isdigit()) or len(register.strip().lstrip("0")) > 9:
            raise InvalidInput(f"'{text[:40]}' is not a drawer count: write [REGISTER=]COUNT, like 100x2,20x5 or "
                               "2=245.41.")
        if int(register) in counts:
            raise InvalidInput(f"Drawer {int(register)} is counted twice: give one --count per drawer.")
        counts[int(register)] = spec
    return counts


@day_app.command("close", context_settings=NUMBERS)
def day_close(
    ctx: typer.Context,
    day: Annotated[Optional[str], typer.Option(help="Business day YYYY-MM-DD (default: the current one).")] = None,
    count: Annotated[
        Optional[list[str]], typer.Option("--count", help="A drawer's count: 100x2,20x5,0.25x4 or 245.41 (drawer 1), "
                                          "or 2=... for drawer 2.")
    ] = None,
    counted_by: Annotated[Optional[str], typer.Option(
        "--counted-by", help="Who counted (types their PIN; named on over/short).")] = None,
    carry_over: Annotated[bool, typer.Option("--carry-over", help="Move orders still open to the next day (renumbered there).")] = False,
    force: Annotated[bool, typer.Option("--force", help="Close a day still in progress (before its rollover).")] = False,
    end_shifts: Annotated[bool, typer.Option(
        "--end-shifts", help="End the shifts of staff still clocked in, at the close (otherwise listed, left open).")
    ] = False,
    key_file: KeyFileOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Close a business day: open orders, drawer counts, drivers, card settlement, staff still clocked in, tip pool,
    then lock it."""
    from payments.stripe.settlement import settlement_for
    from pos.day.close import close_day, summary_dict
    from pos.base.money import Money, format_plain

    store = open_store(ctx)
    store.keys = key_location(key_file)
    when = day_or_today(store, day)
    counts = _counts(count or [])  # a bad count is refused before anyone types a PIN
    who = ask_pin_of(ctx, counted_by, "counting the cash") if counted_by is not None else None
    summary = close_day(store, when, counts, counted_by=who, carry_over=carry_over, force=force,
                        settlement=lambda d: settlement_for(store, d), end_shifts=end_shifts)
    from pos.tips.paydays import late_at_close

    late_tips = late_at_close(store, summary.day)

    witnessed = said(deliver(store))  # after the commit: the close never waited on a witness

    def human() -> None:
        if store.settings.training:
            say("TRAINING")
        say(f"Closed {summary.day}{' (early, forced)' if summary.forced else ''}.")
        for moved in summary.carried_over:
            say(f"Carried over, still open: {moved.label}.")
        for d in summary.drawers:
            state = "exact" if d.over_short_minor == 0 else (
                f"over {money(store, d.over_short_minor)}" if d.over_short_minor > 0
                else f"short {money(store, -d.over_short_minor)}")
            kept = f"; its {money(store, d.kept_minor)} float stays in it" if d.kept_minor else ""
            say(f"Drawer {d.register}: expected {money(store, d.expected_minor)}, counted "
                f"{money(store, d.counted_minor)}: {state}{kept}.")
        for name, held in summary.drivers_out:
            say(f"Driver {staff_name(store, name)} still holds {money(store, held)}: hand it in tomorrow.")
        for driver, declared, register in summary.handins_waiting:
            say(f"Hand-in waiting to be confirmed: {driver} said {money(store, declared)} to drawer {register}; the "
                f"person receiving it counts it ('pos driver receive {driver} COUNTED --counted-by NAME'). Until "
                "then the cash is the driver's.")
        zone = store.settings.zone
        if summary.shifts_ended:
            say("Shifts ended at the close: " + ", ".join(
                f"{s.staff_name} ({s.started_at.astimezone(zone):%H:%M} to {s.ended_at.astimezone(zone):%H:%M})"
                for s in summary.shifts_ended if s.ended_at is not None) + ".")
        if summary.clocked_in:
            say("Still clocked in: " + ", ".join(
                f"{s.staff_name} (since {s.started_at.astimezone(zone):%H:%M}"
                + (f" on {s.business_day}" if s.business_day != summary.day else "") + ")"
                for s in summary.clocked_in) + ": their shifts stay open (pos shift end NAME, or close with "
                "--end-shifts).")
        if summary.card_problems:
            for c in summary.card_problems:
                say(f"Card payment {c.order_label} ({c.ref}): {c.problem}.")
        elif summary.cards_checked:  # no card processor, or no cards that day: nothing to say of cards
            say("Card payments match the processor's settlement.")
        for p in summary.payouts:  # to find on the bank statement
            paid = money(store, -p.amount_minor) if p.currency in (None, store.settings.currency) else \
                f"{format_plain(Money(-p.amount_minor, p.currency))} {p.currency}"
            say(f"Stripe paid out {paid} to the bank ({p.ref}).")
        if summary.pool is not None:
            shares = ", ".join(f"{s.name} {money(store, s.amount_minor)}" for s in summary.pool.shares)
            say(f"Tip pool {money(store, summary.pool.pool_minor)} shared by hours: {shares}.")
        if summary.closing is not None:
            signed = summary.closing
            say(f"Closing #{signed.number}, signed by key {signed.record['key']}: journal entry {signed.head_id}, "
                f"head {signed.head_hash}.")
        if late_tips:
            say(f"WARNING: {money(store, late_tips)} in tips is still owed from pay periods whose payday has passed: "
                "pay it now (pos tips owed shows to whom).")
        for line in witnessed:
            say(line)
        say(f"See the Z report: pos day report --day {summary.day}")

    emit(as_json, {**summary_dict(summary), "late_tips_minor": late_tips, "witnessed": witnessed}, human)


@day_app.command("report")
def day_report_cmd(
    ctx: typer.Context,
    day: Annotated[Optional[str], typer.Option(help="Business day YYYY-MM-DD (default: the current one).")] = None,
    pdf: Annotated[Optional[Path], typer.Option("--pdf", help="Write it as a PDF with charts here.")] = None,
    paper: Annotated[Optional[str], typer.Option("--paper", help="a4 or letter (with --pdf; default: the store's "
                                                 "country's).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """The Z report: gross to net sales, tax, total collected, tips; tenders, drawers, cashiers, drivers; its closing."""
    from pos.day.closings import closing_of_day
    from pos.day.report import day_report, report_dict

    store = open_store(ctx)
    if pdf is not None:
        if paper is not None and paper not in ("a4", "letter"):
            raise InvalidInput(f"Print the day report on a4 or letter paper, not '{paper}'.")
        check_new(pdf, "--pdf")
    r = day_report(store, day_or_today(store, day))
    closing = closing_of_day(store, r.day)
    if pdf is not None:
        from receipts.day_pdf import render

        write_new(pdf, render(store, r, paper, closing), "--pdf")
        say(f"Wrote {show_path(pdf)}.")
        return
    def human() -> None:
        for line in report_lines(store, r, closing):
            say(line)

    emit(as_json, {**report_dict(r), "closing": closing.as_dict() if closing is not None else None}, human)


def report_lines(store: "Store", r: "DayReport", closing: object) -> list[str]:
    """The Z report as text: the sales statement with what each line means, then the sections."""
    from payments.base import tender_label
    from pos.day.report import statement
    from pos.base.text import shown
    from pos.base.words import counted

    m = lambda v: money(store, v)  # noqa: E731
    out = ["TRAINING"] if r.training else []
    out.append(f"Z report {r.day}: {counted(r.orders, 'order')}, average ticket {m(r.average_ticket_minor)} "
               "(after discounts, with tax)")
    rows = statement(r)
    width = max(len(label) for label, _, _ in rows)
    amounts = [m(amount) for _, amount, _ in rows]
    wide = max(len(a) for a in amounts)
    for (label, _, meaning), amount in zip(rows, amounts):
        out.append(f"  {label:<{width}}  {amount:>{wide}}  {meaning}")
    out.append(f"Refunds given: {counted(r.refunds_count, 'refund')}, {m(r.refunds_paid_minor)} back with tax"
               + (":" if r.refunds_by_tender else ""))
    for tender, back in r.refunds_by_tender.items():  # one refund may go back to several tenders
        out.append(f"  to {tender_label(tender)}: {m(back)}")
    if r.refunds_pending_count:
        out.append(f"Card refunds pending at Stripe: {counted(r.refunds_pending_count, 'refund')}, "
                   f"{m(r.refunds_pending_minor)} (booked as given back; not yet confirmed by the customer's bank)")
    if r.refunds_not_paid_back:
        out.append(f"Card refunds that did NOT pay the customer back: {counted(len(r.refunds_not_paid_back), 'refund')}, "
                   f"{m(sum(u.amount_minor for u in r.refunds_not_paid_back))}; refund again or give it in cash:")
        for u in r.refunds_not_paid_back:
            out.append(f"  order {u.order_ref}: {m(u.amount_minor)} {u.state} ({shown(u.why) or 'no reason given'})")
    out.append(f"Voided orders: {r.voids_count}")
    out.append(f"Refunded items: {r.refunded_items}")
    out.append("Tax by category: " + (", ".join(
        f"{shown(r.tax_names.get(k, k))} ({r.tax_rates.get(k, '?')}%) {m(v)}" for k, v in r.tax_by_category.items())
        or "none"))
    out.append("Tax by rate: " + (", ".join(f"{rate}% {m(v)}" for rate, v in r.tax_by_rate.items()) or "none"))
    out.append("Sales by channel (gross sales): " + (", ".join(
        f"{shown(k).capitalize()} {m(v)}" for k, v in r.sales_by_channel.items()) or "none"))
    out.append("Payments by tender: " + (", ".join(
        f"{tender_label(k)} {m(v)}" for k, v in r.payments_by_tender.items()) or "none"))
    for person, t in r.tips.items():
        out.append(f"Tips {staff_name(store, person)}: direct {m(t.direct_minor)}, pooled {m(t.pooled_minor)}, "
                   f"declared {m(t.declared_minor)}, paid {m(t.paid_minor)}, refunded {m(t.refunded_minor)}, "
                   + (f"card fees {m(t.card_fees_minor)}, " if t.card_fees_minor else "")
                   + f"still owed {m(t.owed_minor)}")
    if r.pool_left_minor:
        out.append(f"Tip pool not yet shared: {m(r.pool_left_minor)}")
    for register, d in r.drawers.items():
        over = d.over_short_minor
        state = "exact" if over == 0 else f"over {m(over)}" if over > 0 else f"short {m(-over)}"
        out.append(f"Drawer {register}: expected {m(d.expected_minor)}, counted {m(d.counted_minor)}: {state}")
    for c in r.cashiers.values():
        out.append(f"Cashier {shown(c.name)}: {counted(c.orders, 'order')}, sales {m(c.sales_minor)}, discounts "
                   f"{m(c.discounts_minor)}, {counted(c.refunds, 'refund')} {m(c.refunds_minor)}, "
                   f"{counted(c.voids, 'void')} {m(c.voided_minor)}, {counted(c.no_sales, 'no-sale')}")
    for driver in r.drivers.values():
        out.append(f"Driver {shown(driver.name)}: {counted(driver.deliveries, 'delivery')}, collected "
                   f"{m(driver.collected_minor)}, handed in {m(driver.handed_in_minor)}, still holds "
                   f"{m(driver.holding_minor)}")
    if r.card_fees_minor or r.card_net_minor:  # a store with no card processor, or a day with no cards: nothing
        out.append(f"Card fees {m(r.card_fees_minor)}; card money due from the processor {m(r.card_net_minor)}")
    for moved in r.carried_out:
        out.append(f"Carried over, still open: {moved.label}")
    for moved in r.carried_in:
        out.append(f"Carried in, open: {moved.label}")
    out.append(closing_line(closing, r.day))
    return out


def closing_line(closing: object, day: object) -> str:
    """The Z report's anchor: the closing's number, the journal's head (hash and entry) and the key's fingerprint."""
    from pos.day.closings import Closing

    if not isinstance(closing, Closing):
        return f"Not closed: no closing yet for {day}."
    if closing.kind == "reopen":
        return f"Reopened (closing #{closing.number}): not closed now."
    return (f"Closing #{closing.number}: journal entry {closing.head_id}, head {closing.head_hash}; "
            f"key {closing.record['key']}. Keep this report: pos ledger verify --anchor {closing.anchor}")


@day_app.command("reopen")
def day_reopen(
    ctx: typer.Context,
    day: Annotated[Optional[str], typer.Option(help="Business day YYYY-MM-DD (default: the current one).")] = None,
    approve: Annotated[Optional[str], typer.Option("--approve", help="Manager who approves (asks for their PIN).")] = None,
    key_file: KeyFileOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Lift a closed day's lock (a manager's PIN; refused once a later day is closed); writes a new signed closing."""
    from pos.day.close import reopen_day

    store = open_store(ctx)
    store.keys = key_location(key_file)
    when = day_or_today(store, day)
    reopen_day(store, when, ask_approver(ctx, approve), signed_in_actor(store))

    for line in said(deliver(store)):  # the reopening's closing, witnessed after the commit
        if line.startswith("warning:"):
            say(line, err=True)
    emit(as_json, {"day": when.isoformat(), "reopened": True}, f"Reopened {when}: entries may be posted to it again.")
