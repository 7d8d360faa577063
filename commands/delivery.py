"""``pos delivery ...`` and ``pos driver ...``: cash at the door and the driver's hand-in."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional, TYPE_CHECKING

import typer

from commands.context import (JsonFlag, NUMBERS, OrderArg, OrderDayOpt, RegisterOpt, ask_pin_of, group, open_store,
                              order_named, signed_in_actor)
from commands.output import emit, money, say, say_block
from commands.pay import payment_dict
from commands.receipt import auto_receipt
from commands.signin import signed_in_member
from commands.files import check_new, os_message, show_path, write_new

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store

delivery_app = group("Deliveries paid cash at the door.")
driver_app = group("A driver's cash: what they hold and hand in.")

# What each command here that changes the store or reads the books needs, by the permission table
# (pos/people/permissions.py); the sign-in check in cli.py reads it. A command not listed changes nothing.
ACTIONS: dict[str, str] = {
    "delivery dispatch": "DISPATCH", "delivery collect": "OWN_DELIVERIES", "delivery fail": "OWN_DELIVERIES",
    "driver handin": "HAND_IN_OWN_CASH", "driver receive": "TAKE_PAYMENT", "driver cash": "READ_BOOKS",
}
# What a person may see about themselves without that permission: the command, and its argument naming them.
# A driver sending out again their own failed delivery (--driver naming them) is checked by the command
# (payments.cod.may_dispatch).
SELF_SERVICE: dict[str, str] = {"driver cash": "name", "delivery dispatch": "driver"}

@delivery_app.command("dispatch", context_settings=NUMBERS)
def delivery_dispatch(
    ctx: typer.Context,
    order: OrderArg,
    driver: Annotated[str, typer.Option("--driver", help="Driver on shift who takes it.")],
    day: OrderDayOpt = None,
    pays_with: Annotated[Optional[str], typer.Option(
        "--pays-with", metavar="AMOUNT", help="What the customer will pay with (50): the ticket says the change to "
        "bring, in notes and coins.")] = None,
    ticket: Annotated[bool, typer.Option("--ticket", help="Print the driver's ticket (text).")] = False,
    pdf: Annotated[Optional[Path], typer.Option("--pdf", help="Write the driver's ticket as a PDF here.")] = None,
    width: Annotated[int, typer.Option("--width", help="The ticket's paper width in mm: 58 or 80.")] = 80,
    as_json: JsonFlag = False,
) -> None:
    """Send a delivery order out; the driver will collect what is due (nothing, for an order paid already).

    With --ticket (or --pdf FILE), the driver's ticket: the customer's name, address, phone and
    note, the time promised, the items, what to collect and how the customer pays, and the change
    to bring.
    """
    from payments.cod import may_dispatch, send_out
    from receipts.text import columns

    store = open_store(ctx)
    columns(width)  # a bad width, or a file that cannot be written, is refused before anything is sent out
    if pdf is not None:
        check_new(pdf, "--pdf")
    order = order_named(store, order, day)
    may_dispatch(store, signed_in_actor(store), order)
    sent = send_out(store, order, driver, pays_with=pays_with)
    said = f"Out for delivery with {sent.driver}: " + (
        f"collect {money(store, sent.collect_minor)}." if sent.payment else "paid already, collect nothing.")
    data = {**(payment_dict(store, sent.payment) if sent.payment else {"order_id": sent.order_id, "state": None}),
            "driver": sent.driver, "collect_minor": sent.collect_minor}
    if not (ticket or pdf is not None):
        emit(as_json, data, said)
        return
    from receipts import ticket as tickets

    made = tickets.build(store, sent.order_id)
    wrote = _write_ticket(store, sent.order_id, made, pdf, width) if pdf is not None else None

    def human() -> None:
        say(said)
        if wrote:
            say(wrote)
        if ticket:
            say_block(tickets.render(made, width), nl=False)

    emit(as_json, {**data, "ticket": tickets.as_dict(made), "ticket_pdf": wrote and str(pdf)}, human)


def _write_ticket(store: "Store", order_id: str, made: Any, pdf: Path, width: int) -> str | None:
    """Write a ticket's PDF once the delivery is out: what to say, or None when it could not be written (then a
    warning on stderr: the delivery stands, and the ticket can be written again)."""
    from pos.base.errors import AnytenderError
    from pos.sales.order_records import resolve, typed
    from receipts import ticket as tickets

    try:
        write_new(pdf, tickets.render_pdf(made, width), "--pdf")
    except (AnytenderError, OSError) as exc:
        reason = exc.message if isinstance(exc, AnytenderError) else os_message(exc)
        say(f"warning: the ticket was not written ({reason}) The delivery is out; write it with "
            f"'pos receipt {typed(store, resolve(store, order_id))} --ticket --pdf FILE'.", err=True)
        return None
    return f"Wrote {show_path(pdf)}."


@delivery_app.command("collect", context_settings=NUMBERS)
def delivery_collect(
    ctx: typer.Context,
    order: OrderArg,
    amount: Annotated[Optional[str], typer.Argument(
        help="Cash the customer handed over (default: exactly what is due; none for an order paid already).")] = None,
    tip: Annotated[Optional[str], typer.Option("--tip", help="Tip the customer gave the driver (kept by the driver).")] = None,
    keep_change: Annotated[
        bool, typer.Option("--keep-change", help="The customer told the driver to keep the change: it is the tip.")
    ] = False,
    day: OrderDayOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Record the cash taken at the door and the change given (an order paid already: delivered, nothing taken)."""
    from payments.cod import collect

    store = open_store(ctx)
    order = order_named(store, order, day)
    from payments.cod import only_own

    only_own(store, signed_in_actor(store), "collect", order_ref=order)
    p = collect(store, order, amount, tip, keep_change=keep_change)
    if p is None:
        from pos.sales.order_records import resolve

        done = resolve(store, order)
        emit(as_json, {"order_id": done.id, "state": "delivered", "collected_minor": 0},
             f"Delivered order #{done.number}: it was paid already, nothing collected.")
        return
    auto_receipt(store, p.order_id)
    emit(
        as_json,
        payment_dict(store, p),
        f"Collected {money(store, p.tendered_minor or 0)}: change {money(store, p.change_minor)}"
        + (f", tip {money(store, p.tip_minor)} kept by the driver" if p.tip_minor else "") + ".",
    )


@delivery_app.command("fail")
def delivery_fail(
    ctx: typer.Context,
    order: OrderArg,
    reason: Annotated[str, typer.Option("--reason", help="What happened (required).")] = "",
    day: OrderDayOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """A refused or failed delivery: nothing collected, the order is open again."""
    from payments.cod import fail

    store = open_store(ctx)
    order = order_named(store, order, day)
    from payments.cod import only_own

    only_own(store, signed_in_actor(store), "record a failed delivery of", order_ref=order)
    p = fail(store, order, reason)
    if p is None:
        from pos.sales.order_records import resolve

        back = resolve(store, order)
        emit(as_json, {"order_id": back.id, "state": "failed"}, f"Delivery failed ({reason.strip()}): order "
             f"#{back.number} stays paid; send it out again, or refund it.")
        return
    emit(as_json, payment_dict(store, p), f"Delivery failed ({reason.strip()}): the order is open again.")


def _driver_dict(store: "Store", cash: Any) -> dict[str, Any]:
    def listed(orders: Any) -> list[dict[str, Any]]:
        return [{"order": o.label, "address": o.address, "amount_minor": o.amount_minor} for o in orders]

    waiting = cash.waiting
    return {"driver": cash.driver, "held_minor": cash.held_minor, "out_for_delivery": listed(cash.out_for_delivery),
            "collected": listed(cash.collected),
            "handin_waiting": None if waiting is None else {
                "declared_minor": waiting.declared_minor, "register": waiting.register,
                "started_at": waiting.started_at.isoformat()}}


def _print_driver(store: "Store", cash: Any) -> None:
    say(f"{cash.driver} holds {money(store, cash.held_minor)} of the store's cash (owed to the store).")
    if cash.waiting is not None:
        say(f"  Hand-in of {money(store, cash.waiting.declared_minor)} to drawer {cash.waiting.register} waiting to be "
            f"counted ('pos driver receive {cash.driver} COUNTED --counted-by NAME').")
    if cash.collected:
        say("  Collected since the last hand-in:")
        for o in cash.collected:
            say(f"    {o.label}  {o.address or '(no address)'}  {money(store, o.amount_minor)}")
    if cash.out_for_delivery:
        say("  Out for delivery:")
        for o in cash.out_for_delivery:
            what = f"collect {money(store, o.amount_minor)}" if o.amount_minor else "paid, collect nothing"
            say(f"    {o.label}  {o.address or '(no address)'}  {what}")


@driver_app.command("cash")
def driver_cash_cmd(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="Driver.")], as_json: JsonFlag = False
) -> None:
    """What a driver holds and owes, and deliveries still out."""
    from payments.cod import driver_cash

    store = open_store(ctx)
    from payments.cod import only_own

    only_own(store, signed_in_member(store), "see", driver_name=name)  # a driver signed in here sees only their own
    cash = driver_cash(store, name)
    emit(as_json, _driver_dict(store, cash), lambda: _print_driver(store, cash))


@driver_app.command("handin", context_settings=NUMBERS)
def driver_handin(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Driver.")],
    amount: Annotated[str, typer.Argument(help="Cash the driver hands in.")],
    register: RegisterOpt = 1,
    as_json: JsonFlag = False,
) -> None:
    """Start a driver's hand-in: the cash stays the driver's until the person receiving it counts it and types their
    PIN (pos driver receive)."""
    from payments.cod import only_own, start_handin

    store = open_store(ctx)
    only_own(store, signed_in_actor(store), "hand in", driver_name=name)
    started = start_handin(store, name, amount, register)

    def human() -> None:
        say(f"{started.driver} hands in {money(store, started.declared_minor)} to drawer {register}: waiting for the "
            f"person receiving it to count it ('pos driver receive {started.driver} COUNTED --counted-by NAME'; "
            "they type their PIN). Until then the cash is still the driver's.")

    emit(as_json, {"driver": started.driver, "declared_minor": started.declared_minor, "register": started.register,
                   "state": "waiting"}, human)


@driver_app.command("receive", context_settings=NUMBERS)
def driver_receive(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Driver whose hand-in is counted.")],
    counted: Annotated[str, typer.Argument(help="Cash counted (0: nothing was handed over; the hand-in ends).")],
    counted_by: Annotated[str, typer.Option(
        "--counted-by", help="Who received and counted the cash (types their PIN).")],
    as_json: JsonFlag = False,
) -> None:
    """Count a driver's hand-in and confirm it with the receiver's PIN: the count moves into the drawer."""
    from payments.cod import confirm_handin, counted_minor, waiting_handin
    from pos.base.errors import NotFound
    from pos.people.staff import get_staff

    store = open_store(ctx)
    driver = get_staff(store, name)  # an unknown driver, a bad count, nothing waiting: said before a PIN is typed
    counted_minor(store, counted)
    if waiting_handin(store, driver.id) is None:
        raise NotFound(f"{driver.name} has no hand-in waiting to be counted: the driver starts one "
                       f"('pos driver handin {driver.name} AMOUNT').")
    receiver = ask_pin_of(ctx, counted_by, "receiving the cash")
    _, started, minor, cash = confirm_handin(store, name, counted, receiver)

    def human() -> None:
        said = (f"{receiver.name} counted {money(store, minor)} from {cash.driver} into drawer {started.register}"
                + (f" ({cash.driver} said {money(store, started.declared_minor)})."
                   if minor != started.declared_minor else "."))
        say(said)
        if cash.held_minor:
            say(f"Still owed by {cash.driver}: {money(store, cash.held_minor)}.")

    emit(as_json, {**_driver_dict(store, cash), "handed_in_minor": minor, "declared_minor": started.declared_minor,
                   "counted_by": receiver.name, "register": started.register}, human)
