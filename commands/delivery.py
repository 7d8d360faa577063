"""``pos delivery ...`` and ``pos driver ...``: cash at the door and the driver's hand-in."""

from __future__ import annotations

from typing import Annotated, Any, Optional, TYPE_CHECKING

import typer

from commands.context import (JsonFlag, NUMBERS, OrderArg, OrderDayOpt, RegisterOpt, group, open_store, order_named,
                              signed_in_actor)
from commands.output import emit, money, say
from commands.pay import payment_dict
from commands.receipt import auto_receipt
from commands.signin import signed_in_member

if TYPE_CHECKING:  # pragma: no cover
    from pos.store import Store

delivery_app = group("Deliveries paid cash at the door.")
driver_app = group("A driver's cash: what they hold and hand in.")

# What each command here that changes the store or reads the books needs, by the permission table
# (pos/permissions.py); the sign-in check in cli.py reads it. A command not listed changes nothing.
ACTIONS: dict[str, str] = {
    "delivery dispatch": "DISPATCH", "delivery collect": "OWN_DELIVERIES", "delivery fail": "OWN_DELIVERIES",
    "driver handin": "HAND_IN_OWN_CASH", "driver cash": "READ_BOOKS",
}
# What a person may see about themselves without that permission: the command, and its argument naming them.
# A driver sending out again their own failed delivery (--driver naming them) is checked by the command
# (payments.cod.may_dispatch).
SELF_SERVICE: dict[str, str] = {"driver cash": "name", "delivery dispatch": "driver"}

@delivery_app.command("dispatch")
def delivery_dispatch(
    ctx: typer.Context,
    order: OrderArg,
    driver: Annotated[str, typer.Option("--driver", help="Driver on shift who takes it.")],
    day: OrderDayOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Send a delivery order out; the driver will collect what is due."""
    from payments.cod import dispatch, may_dispatch

    store = open_store(ctx)
    order = order_named(store, order, day)
    may_dispatch(store, signed_in_actor(store), order)
    p = dispatch(store, order, driver)
    emit(as_json, payment_dict(store, p), f"Out for delivery with {driver}: collect {money(store, p.amount_minor)}.")


@delivery_app.command("collect", context_settings=NUMBERS)
def delivery_collect(
    ctx: typer.Context,
    order: OrderArg,
    amount: Annotated[str, typer.Argument(help="Cash the customer handed over.")],
    tip: Annotated[Optional[str], typer.Option("--tip", help="Tip the customer gave the driver (kept by the driver).")] = None,
    keep_change: Annotated[
        bool, typer.Option("--keep-change", help="The customer told the driver to keep the change: it is the tip.")
    ] = False,
    day: OrderDayOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Record the cash taken at the door and the change given."""
    from payments.cod import collect

    store = open_store(ctx)
    order = order_named(store, order, day)
    from payments.cod import only_own

    only_own(store, signed_in_actor(store), "collect", order_ref=order)
    p = collect(store, order, amount, tip, keep_change=keep_change)
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
    emit(as_json, payment_dict(store, p), f"Delivery failed ({reason.strip()}): the order is open again.")


def _driver_dict(store: "Store", cash: Any) -> dict[str, Any]:
    def listed(orders: Any) -> list[dict[str, Any]]:
        return [{"order": o.label, "address": o.address, "amount_minor": o.amount_minor} for o in orders]

    return {"driver": cash.driver, "held_minor": cash.held_minor, "out_for_delivery": listed(cash.out_for_delivery),
            "collected": listed(cash.collected)}


def _print_driver(store: "Store", cash: Any) -> None:
    say(f"{cash.driver} holds {money(store, cash.held_minor)} of the store's cash (owed to the store).")
    if cash.collected:
        say("  Collected since the last hand-in:")
        for o in cash.collected:
            say(f"    {o.label}  {o.address or '(no address)'}  {money(store, o.amount_minor)}")
    if cash.out_for_delivery:
        say("  Out for delivery:")
        for o in cash.out_for_delivery:
            say(f"    {o.label}  {o.address or '(no address)'}  collect {money(store, o.amount_minor)}")


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
    amount: Annotated[str, typer.Argument(help="Cash handed in.")],
    register: RegisterOpt = 1,
    as_json: JsonFlag = False,
) -> None:
    """Record cash a driver hands in; any shortfall stays visible on the driver."""
    from payments.cod import handin

    store = open_store(ctx)
    from payments.cod import only_own

    only_own(store, signed_in_actor(store), "hand in", driver_name=name)
    entry, cash = handin(store, name, amount, register)
    handed = entry.postings[0].amount_minor  # the drawer's side of the transfer

    def human() -> None:
        say(f"{cash.driver} handed in {money(store, handed)} to drawer {register}.")
        if cash.held_minor:
            say(f"Still owed by {cash.driver}: {money(store, cash.held_minor)}.")

    emit(as_json, {**_driver_dict(store, cash), "handed_in_minor": handed}, human)
