"""``pos pay``, ``pos refund``, ``pos void`` and ``pos payments ...``: taking and giving back money."""

from __future__ import annotations

from typing import Annotated, Any, Optional, TYPE_CHECKING

import typer

from commands.context import (CASHIER, JsonFlag, NUMBERS, OrderArg, OrderDayOpt, RegisterOpt, ask_approver, group,
                              open_store, order_named, whole_number)
from commands.orders import order_dict
from commands.output import CardWait, emit, error_json, local_time, money, print_table, say, say_block, Spinner, staff_name
from commands.receipt import auto_receipt
from pos.base.errors import InvalidInput

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store

payments_app = group("Payments of an order, and finishing payments a crash interrupted.")
top_level = typer.Typer()
"""This module's commands that sit at the top, beside the groups (``pos pay``...)."""

# What each command here that changes the store needs, by the permission table (pos/people/permissions.py);
# the sign-in check in cli.py reads it. A command not listed changes nothing.
ACTIONS: dict[str, str] = {
    "void": "VOID_UNPAID", "pay": "TAKE_PAYMENT", "refund": "REFUND_SMALL", "payments recover": "TAKE_PAYMENT",
}

def payment_dict(store: "Store", p: Any) -> dict[str, Any]:
    return {
        "id": p.id,
        "order_id": p.order_id,
        "tender": p.tender.value,
        "wallet": p.details.get("wallet"),  # the phone wallet the reader reported (apple_pay...), if one
        "state": p.state.value,
        "amount_minor": p.amount_minor,
        "tip_minor": p.tip_minor,
        "tip_to": p.tip_to,
        "tendered_minor": p.tendered_minor,
        "change_minor": p.change_minor,
        "rounding_minor": p.rounding_minor,
        "refunded_minor": p.refunded_minor,
        "currency": p.currency,
        "register": p.register,
        "decline_reason": p.decline_reason.value if p.decline_reason else None,
        "note": p.note,
    }


@top_level.command(rich_help_panel=CASHIER, context_settings=NUMBERS)
def pay(
    ctx: typer.Context,
    order: OrderArg,
    tender: Annotated[str, typer.Argument(help="cash, card, wallet or link.")],
    amount: Annotated[
        Optional[str], typer.Argument(help="Cash handed over (change is given), or the part to charge; default: what is due.")
    ] = None,
    register: RegisterOpt = 1,
    tip: Annotated[Optional[str], typer.Option("--tip", help="Tip (cash: kept from the change).")] = None,
    tip_to: Annotated[
        Optional[str], typer.Option("--tip-to", help="Staff member the tip goes to (default: the team's pool).")
    ] = None,
    confirm_tip: Annotated[
        bool, typer.Option("--confirm-tip", help="Accept a tip above the store's share of the sale (tips.confirm_over).")
    ] = False,
    check: Annotated[bool, typer.Option("--check", help="link: record the payment if the customer has paid.")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="link: wait until the customer pays (Ctrl-C stops waiting).")] = False,
    cancel: Annotated[bool, typer.Option("--cancel", help="link: close the link so it can no longer be paid.")] = False,
    timeout_s: Annotated[int, typer.Option("--timeout", parser=whole_number, metavar="SECONDS", help="link --wait: give up waiting after this many seconds.")] = 600,
    day: OrderDayOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Take a payment; several payments may share one order (split tender).

    With 'link', a payment link for the customer's phone: printed with a QR
    code, then recorded by --check or --wait once the customer has paid.
    """
    from payments.service import pay as take

    store = open_store(ctx)
    order = order_named(store, order, day)
    tip_minor = 0
    if tip is not None:
        from pos.base.money_input import parse_amount

        tip_minor = parse_amount(tip, store.settings.currency, store.settings.locale).amount_minor
    if tender.strip().lower() == "link" or check or wait or cancel:
        _pay_link(store, order, tender, amount, register, tip_minor, tip_to, (check, wait, cancel), timeout_s, as_json,
                  confirm_tip)
        return
    with CardWait(store):
        result = take(store, order, tender, amount, register=register, tip_minor=tip_minor, tip_to=tip_to,
                      tip_confirmed=confirm_tip)
    p = result.payment

    def human() -> None:
        if not result.outcome.approved:
            say(f"DECLINED: {result.outcome.message} Still due: {money(store, result.due_after_minor)}.")
            return
        if store.settings.training:
            say("TRAINING: no real money moved.")
        say(f"{p.tender.value.capitalize()} {money(store, p.tendered_minor or p.amount_minor)} taken.")
        if p.change_minor:
            from payments.change import change_said

            say(change_said(p.change_minor, result.change_suggestion, lambda minor: money(store, minor)))
        if p.rounding_minor:
            say(f"Cash rounding: {money(store, p.rounding_minor)}")
        if p.tip_minor:
            who = "the team on shift" if p.tip_to in (None, "pool") else staff_name(store, p.tip_to)
            say(f"Tip {money(store, p.tip_minor)} goes to {who}.")
        say("Order paid." if result.order_paid else f"Still due: {money(store, result.due_after_minor)}.")
        if saved is not None:
            say(f"Receipt: {saved}")

    saved = auto_receipt(store, p.order_id) if result.order_paid else None
    emit(
        as_json,
        {**payment_dict(store, p), "approved": result.outcome.approved, "order_paid": result.order_paid,
         "due_after_minor": result.due_after_minor,
         "change_suggestion": [{"denomination_minor": d, "count": n} for d, n in result.change_suggestion]},
        human,
    )
    if not result.outcome.approved:
        if as_json:
            error_json(f"DECLINED: {result.outcome.message}", "declined")
        raise typer.Exit(1)


def _pay_link(store: "Store", order: str, tender: str, amount: Optional[str], register: int, tip_minor: int,
              tip_to: Optional[str], flags: tuple[bool, bool, bool], timeout_s: int, as_json: bool,
              tip_confirmed: bool) -> None:
    """``pos pay ORDER link``: send a link, or --check, --wait for or --cancel the one sent (``order``: its id)."""
    from payments import wallet

    check, wait, cancel = flags
    if tender.strip().lower() != "link":
        raise InvalidInput(f"--check, --wait and --cancel are for payment links: "
                           f"'pos pay {_typed_ref(store, order)} link --check'.")
    if sum(flags) > 1:
        raise InvalidInput("Choose one of --check, --wait and --cancel.")
    if (check or cancel) and (amount is not None or tip_minor or tip_to):
        raise InvalidInput("An amount or a tip belongs on a new link, not on --check or --cancel.")
    if timeout_s <= 0:
        raise InvalidInput("--timeout must be more than zero seconds.")
    if cancel:
        status = wallet.cancel_link(store, order)
    elif check:
        status = wallet.check_link(store, order)
    else:
        status = wallet.send_link(store, order, amount, register=register, tip_minor=tip_minor, tip_to=tip_to,
                                  tip_confirmed=tip_confirmed)
        if status.waiting and not as_json:
            _print_link(store, status)
        if wait and status.waiting:
            spinner = Spinner("the customer to pay the link (Ctrl-C stops waiting; the link stays open)")
            try:
                status = wallet.wait_for_link(store, order, timeout_s, on_wait=spinner.tick)
            except KeyboardInterrupt:
                status = wallet.check_link(store, order)
            finally:
                spinner.stop()
    p = status.payment

    def human() -> None:
        if store.settings.training:
            say("TRAINING: no real money moved.")
        if status.action == "cancelled":
            say(f"The link is cancelled: it can no longer be paid. Still due: {money(store, status.due_minor)}.")
        elif status.waiting and status.action in ("sent", "already sent"):
            pass  # printed above, before any waiting
        elif status.waiting:
            say(f"Not paid yet: the link stays open until {_link_expiry(store, p)}. "
                f"Check again with 'pos pay {_typed_ref(store, order)} link --check'.")
        elif p.state.value == "captured":
            how = ", ".join(str(p.details[k]) for k in ("wallet", "brand") if p.details.get(k))
            card = f" ({how} ...{p.details['last4']})" if p.details.get("last4") else ""
            say(f"Paid by link: {money(store, p.amount_minor + p.tip_minor)}{card}.")
            say("Order paid." if status.order_paid else f"Still due: {money(store, status.due_minor)}.")
            if status.order_paid:
                saved = auto_receipt(store, p.order_id)
                if saved is not None:
                    say(f"Receipt: {saved}")
        else:
            reason = p.decline_reason.cashier_message if p.decline_reason else "The link was not paid."
            say(f"NOT PAID: {reason} Still due: {money(store, status.due_minor)}.")

    emit(as_json, {**payment_dict(store, p), "action": status.action, "link_url": status.url,
                    "expires_at": p.details.get("expires_at"), "order_paid": status.order_paid,
                    "due_minor": status.due_minor}, human)
    if p.state.value in ("declined", "failed"):
        if as_json:
            reason = p.decline_reason.cashier_message if p.decline_reason else "The link was not paid."
            error_json(f"NOT PAID: {reason}", "declined")
        raise typer.Exit(1)


def _link_expiry(store: "Store", payment: Any) -> str:
    from datetime import datetime, timezone

    return local_time(store, datetime.fromtimestamp(int(payment.details["expires_at"]), timezone.utc))[11:]


def _print_link(store: "Store", status: Any) -> None:
    from receipts.terminal_qr import qr_text

    p = status.payment
    again = " (sent before)" if status.action == "already sent" else ""
    say(f"Payment link for {money(store, p.amount_minor + p.tip_minor)}{again}, "
        f"open until {_link_expiry(store, p)}:")
    say(status.url)
    say_block(qr_text(status.url))
    say("Text it to the customer, or let them scan the code; no account is needed.")
    say(f"'pos pay {_typed_ref(store, p.order_id)} link --check' records the payment once they have paid.")


def _typed_ref(store: "Store", order_id: str) -> str:
    """The order as a command typed now names it: ``12`` on the day open now, else ``2026-12-05/12``."""
    from pos.sales.order_records import resolve, typed

    return typed(store, resolve(store, order_id))


def _tender_shown(p: Any) -> str:
    """``wallet (apple pay)``: the tender, with the phone wallet the reader reported."""
    wallet = p.details.get("wallet")
    return f"{p.tender.value} ({str(wallet).replace('_', ' ')})" if wallet else p.tender.value


@payments_app.command("list")
def payments_list(ctx: typer.Context, order: OrderArg, day: OrderDayOpt = None, as_json: JsonFlag = False) -> None:
    """An order's payments and their states."""
    from payments.base import order_payments
    from payments.service import due_minor
    from pos.sales.order_records import resolve, spoken

    from payments.stripe.refund_outcomes import refund_notes, refund_notes_json

    store = open_store(ctx)
    o = resolve(store, order_named(store, order, day))
    payments = order_payments(store, o.id)
    due = due_minor(store, o.id) if o.status.value == "open" else 0

    def human() -> None:
        print_table(
            f"Payments of {spoken(store, o)} (still due {money(store, due)})",
            ["Tender", "State", "Amount", "Given", "Change", "Refunded"],
            [[_tender_shown(p), p.state.value, money(store, p.amount_minor),
              money(store, p.tendered_minor) if p.tendered_minor else "", money(store, p.change_minor) if p.change_minor else "",
              money(store, p.refunded_minor) if p.refunded_minor else ""] for p in payments],
            {2, 3, 4, 5},
        )
        for note in refund_notes(store, o.id):  # refunds pending at Stripe, or that did not pay back
            say(note)

    emit(
        as_json,
        {"order_id": o.id, "due_minor": due, "payments": [payment_dict(store, p) for p in payments],
         "refunds_not_paid_back": refund_notes_json(store, o.id)},
        human,
    )


@payments_app.command("recover")
def payments_recover(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Finish payments a crash left half-way (asks each tender what happened). Safe to run twice."""
    from payments.service import recover

    done = recover(open_store(ctx))

    def human() -> None:
        if not done:
            say("Nothing to recover: every payment is complete.")
        for r in done:
            say(f"{r.order_label}: payment {r.payment_id} {r.action}.")

    emit(as_json, [r._asdict() for r in done], human)


@top_level.command(rich_help_panel=CASHIER, context_settings=NUMBERS)
def refund(
    ctx: typer.Context,
    order: OrderArg,
    line: Annotated[Optional[list[str]], typer.Option(
        "--line", metavar="N", help="A line returned (repeat for several; see 'pos order show').")] = None,
    qty: Annotated[Optional[list[str]], typer.Option(
        "--qty", metavar="Q", help="How many of that --line (one per --line; default: all of it).")] = None,
    amount: Annotated[Optional[str], typer.Option(
        "--amount", help="An amount instead, a goodwill gesture (needs --reason).")] = None,
    reason: Annotated[str, typer.Option("--reason", help="Why (required for an amount or the whole order).")] = "",
    approve: Annotated[Optional[str], typer.Option("--approve", help="Manager who approves (asks for their PIN).")] = None,
    to: Annotated[Optional[str], typer.Option(
        "--to", metavar="cash|card", help="The tender it goes back to, within what it took (default: the card that "
        "paid, if one did, then cash).")] = None,
    register: RegisterOpt = 1,
    day: OrderDayOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Refund items returned (--line), an amount, or the rest of the order, to the tenders that paid (cash from the drawer).

    An order of an earlier day (2026-12-05/3, or 3 --day 2026-12-05) is refunded on the business day open now,
    which the answer says.
    """
    from payments.refunds import refund as give_back
    from pos.sales.returns import pair

    store = open_store(ctx)
    order_id = order_named(store, order, day)
    lines = pair(line or [], qty or []) if line or qty else None
    result = give_back(store, order_id, amount, reason, lines=lines, register=register,
                       approver=ask_approver(ctx, approve), to=to)
    what = ", ".join(f"{item.quantity} x {item.name} ({money(store, item.amount_minor)})" for item in result.items)
    def human() -> None:
        say(said)
        if result.booked_note:
            say(result.booked_note)

    said = (f"Refunded {money(store, result.total_minor)} on {result.named}" + (f" for {what}" if what else "") + " ("
            + ", ".join(f"{part.tender} {money(store, part.amount_minor)}"
                        + (f" and its {money(store, part.tip_minor)} tip" if part.tip_minor else "")
                        for part in result.parts)
            + ("): fully refunded." if result.fully_refunded else ")."))
    emit(
        as_json,
        {"order": result.order_label, "order_ref": result.order_ref, "total_minor": result.total_minor,
         "fully_refunded": result.fully_refunded, "parts": [part._asdict() for part in result.parts],
         "items": [item._asdict() for item in result.items],
         "sale_day": result.sale_day.isoformat() if result.sale_day else None,
         "booked_day": result.booked_day.isoformat() if result.booked_day else None, "booked_note": result.booked_note},
        human,
    )


@top_level.command("void", rich_help_panel=CASHIER)
def void_cmd(
    ctx: typer.Context,
    order: OrderArg,
    reason: Annotated[str, typer.Option("--reason", help="Why (required).")] = "",
    approve: Annotated[Optional[str], typer.Option("--approve", help="Manager who approves (asks for their PIN).")] = None,
    day: OrderDayOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Void an unpaid order (pending payments are released)."""
    from payments.refunds import void
    from pos.sales.order_records import spoken

    store = open_store(ctx)
    order_id = order_named(store, order, day)
    o = void(store, order_id, reason, approver=ask_approver(ctx, approve))
    emit(as_json, order_dict(store, o), f"Order {spoken(store, o)} voided ({o.void_reason}).")
