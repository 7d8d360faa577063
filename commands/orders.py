"""``pos order ...``: orders on any channel, their lines, discounts and customer details."""

from __future__ import annotations

from typing import Annotated, Any, Optional, TYPE_CHECKING

import typer

from commands.context import (JsonFlag, NUMBERS, OrderArg, OrderDayOpt, ask_approver, group, open_store, order_named,
                              parse_day_option)
from commands.output import emit, money, print_table, say
from pos.base.errors import InvalidInput
from commands.contacts import address_of, hide, phone_of

if TYPE_CHECKING:  # pragma: no cover
    from pos.sales.order_records import Order, OrderView
    from pos.store.store import Store

order_app = group("Orders on any channel: counter, phone, delivery, kiosk.")

NoteOpt = Annotated[Optional[str], typer.Option(
    "--note", help="A note for the kitchen, the counter and the driver ('no onions'); \"\" takes it off.")]
ReadyOpt = Annotated[Optional[str], typer.Option(
    "--ready", metavar="HH:MM|+MIN", help="The time promised to the customer, on the store's clock (19:30; 00:30 "
    "after midnight), or minutes from now (+20); \"\" takes it off. Counter, phone and delivery orders.")]
PaysWithOpt = Annotated[Optional[str], typer.Option(
    "--pays-with", metavar="AMOUNT", help="Delivery: what the customer will pay the driver with (50): the driver's "
    "ticket says what change to bring; \"\" takes it off.")]

# What each command here that changes the store (or searches customers' orders across days) needs, by the
# permission table (pos/people/permissions.py); the sign-in check in cli.py reads it. A command not listed changes nothing.
ACTIONS: dict[str, str] = {
    "order new": "RING_SALE", "order add": "RING_SALE", "order remove": "RING_SALE", "order set": "RING_SALE",
    "order discount": "DISCOUNT", "order undiscount": "DISCOUNT", "order close": "RING_SALE",
    "order void": "VOID_UNPAID", "order find": "FIND_ORDERS",
}

# Every status an order can have (pos.sales.order_records.OrderStatus; a test holds them equal), for help and refusals.
STATUSES = "open, paid, refunded or voided"


def order_dict(store: "Store", order: "Order") -> dict[str, Any]:
    """An order as JSON; its phone and address only for someone here who may see them (commands/contacts.py)."""
    from pos.sales.order_details import promise_of

    promise = promise_of(store, order)
    return hide(store, order, {
        "id": order.id,
        "ref": order.ref,
        "number": order.number,
        "business_day": order.business_day.isoformat(),
        "channel": order.channel.value,
        "status": order.status.value,
        "customer_name": order.customer_name,
        "customer_phone": order.customer_phone,
        "address": order.address,
        "created_at": order.created_at.isoformat(),
        "void_reason": order.void_reason,
        "counter_note": order.counter_note,
        "note": order.note,
        "promised_at": order.promised_at.isoformat() if order.promised_at else None,
        "promised_time": promise.time if promise else None,
        "pays_with_minor": order.pays_with_minor,
    })


def _view_dict(store: "Store", v: "OrderView") -> dict[str, Any]:
    t = v.totals
    return {
        **order_dict(store, v.order),
        "currency": store.settings.currency,
        "lines": [
            {
                "line_no": line.line_no,
                "sku": line.sku,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price_minor": line.unit_price_minor,
                "tax_category": line.tax_category,
                "net_minor": lt.net_minor,
            }
            for line, lt in zip(v.lines, t.lines)
        ],
        "discounts": [
            {"line_no": d.line_no, "kind": d.kind.value, "value": str(d.value), "reason": d.reason, "amount_minor": amount}
            for d, amount in zip(v.discounts, t.discount_amounts_minor)
        ],
        "subtotal_minor": t.subtotal_minor,
        "discount_minor": t.discount_minor,
        "tax_by_category_minor": t.tax_by_category,
        "tax_minor": t.tax_minor,
        "tax_included": t.tax_included,
        "total_minor": t.total_minor,
        "expired_holds": _expired_holds_dicts(store, v),
    }


def _has_payments(store: "Store", v: "OrderView") -> bool:
    """Whether the order has any payment: an order with none (one being rung) has no expired hold, and a cashier's
    command then never loads the payments."""
    return store.one("SELECT 1 FROM payments WHERE order_id = ? LIMIT 1", (v.order.id,)) is not None


def _expired_holds_dicts(store: "Store", v: "OrderView") -> list[dict[str, Any]]:
    if not _has_payments(store, v):
        return []
    from payments.service import expired_holds

    return [{"payment_id": p.id, "amount_minor": p.amount_minor + p.tip_minor} for p in expired_holds(store, v.order.id)]


def _emit_view(as_json: bool, store: "Store", v: "OrderView", what: str) -> None:
    """After a change to an order: the order as JSON, or what changed and the new total."""
    from pos.sales.order_records import spoken

    emit(as_json, _view_dict(store, v), f"{spoken(store, v.order)}: {what}  total {money(store, v.totals.total_minor)}")


def details_lines(store: "Store", o: "Order") -> list[str]:
    """An order's note, the time promised and what a delivery customer pays with, a line each (none when unsaid)."""
    from pos.sales.order_details import promise_of

    promise = promise_of(store, o)
    out = [f"Note: {o.note}"] if o.note else []
    if promise is not None:
        out.append(promise.words)
    if o.pays_with_minor:
        out.append(f"Pays with {money(store, o.pays_with_minor)}")
    return out


def _print_view(store: "Store", v: "OrderView") -> None:
    o = v.order
    who = ", ".join(x for x in (o.customer_name, phone_of(store, o), address_of(store, o)) if x)
    if store.settings.training:
        say("TRAINING")
    say(f"Order {o.ref} ({o.channel.value}, {o.status.value}) {o.id}" + (f" - {who}" if who else ""))
    for detail in details_lines(store, o):
        say(f"  {detail}")
    for line, lt in zip(v.lines, v.totals.lines):
        say(f"  {line.line_no:>3}  {line.quantity:>3} x {line.name:<28} {money(store, lt.gross_minor):>12}")
    for d, amount in zip(v.discounts, v.totals.discount_amounts_minor):
        target = f"line {d.line_no}" if d.line_no is not None else "order"
        shown = f"{d.value}%" if d.kind.value == "percent" else "amount"
        say(f"       discount {shown} on {target} ({d.reason}) {money(store, -amount):>12}")
    t = v.totals
    say(f"  Subtotal {money(store, t.subtotal_minor)}")
    if t.discount_minor:
        say(f"  Discounts {money(store, -t.discount_minor)}")
    taxed = any(line.tax_rate_percent for line in v.lines)  # no tax at all (a store without any): no tax line
    for category, amount in t.tax_by_category.items() if taxed else ():
        say(f"  Tax {category}{' (included)' if t.tax_included else ''} {money(store, amount)}")
    say(f"  Total {money(store, t.total_minor)}")
    _say_expired_holds(store, v)
    if o.void_reason:
        say(f"  Voided: {o.void_reason}")


def _say_expired_holds(store: "Store", v: "OrderView") -> None:
    """A card hold that expired before it was taken: how much, and that the order owes it again."""
    if not _has_payments(store, v):
        return
    from payments.service import due_minor, expired_holds

    held = expired_holds(store, v.order.id)
    for payment in held:
        say(f"  Card hold expired unpaid: {money(store, payment.amount_minor + payment.tip_minor)} "
            f"(payment {payment.id}), nothing was charged")
    if held and v.order.status.value == "open":
        say(f"  Due again: {money(store, due_minor(store, v.order.id))}: take the payment again")


@order_app.command("new")
def order_new(
    ctx: typer.Context,
    channel: Annotated[str, typer.Option(help="counter, phone, delivery or kiosk.")] = "counter",
    name: Annotated[Optional[str], typer.Option(help="Customer name (never required).")] = None,
    phone: Annotated[Optional[str], typer.Option(help="Customer phone (never required).")] = None,
    address: Annotated[Optional[str], typer.Option(help="Delivery address.")] = None,
    note: NoteOpt = None,
    ready: ReadyOpt = None,
    pays_with: PaysWithOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Open a new order; prints its number for today and its id."""
    from pos.sales.orders import new_order

    store = open_store(ctx)
    order = new_order(store, channel, customer_name=name, customer_phone=phone, address=address,
                      created_by=store.memo.get("actor_id"),  # the signed-in cashier, named on the receipt
                      note=note, ready=ready, pays_with=pays_with)
    details = details_lines(store, order)
    emit(as_json, order_dict(store, order), f"Order #{order.number} ({order.channel.value}) {order.id}"
         + (f" - {', '.join(details)}" if details else ""))


@order_app.command("add")
def order_add(
    ctx: typer.Context,
    order: OrderArg,
    sku: Annotated[str, typer.Argument(help="Item SKU or barcode.")],
    qty: Annotated[str, typer.Option("--qty", "-q", help="Quantity.")] = "1",
    day: OrderDayOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Ring an item onto an order."""
    from pos.sales.orders import add_line

    store = open_store(ctx)
    line, v = add_line(store, order_named(store, order, day), sku, qty)
    _emit_view(as_json, store, v, f"line {line.line_no}, {line.quantity} x {line.name} "
               f"{money(store, line.quantity * line.unit_price_minor)}")


@order_app.command("remove")
def order_remove(
    ctx: typer.Context,
    order: OrderArg,
    line: Annotated[Optional[int], typer.Argument(help="Line number (default: the last line).")] = None,
    approve: Annotated[Optional[str], typer.Option("--approve", help="Manager who approves (asks for their PIN).")] = None,
    day: OrderDayOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Take a line off an order (a void of its value: above the store's void limits, a manager approves)."""
    from pos.sales.orders import remove_line

    store = open_store(ctx)
    order_id = order_named(store, order, day)
    removed, v = remove_line(store, order_id, line, approver=ask_approver(ctx, approve))
    _emit_view(as_json, store, v, f"removed line {removed.line_no} ({removed.name})")


@order_app.command("discount", context_settings=NUMBERS)
def order_discount(
    ctx: typer.Context,
    order: OrderArg,
    value: Annotated[str, typer.Argument(help="10% or an amount like 2.00.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (required).")] = "",
    line: Annotated[Optional[int], typer.Option("--line", help="Discount one line instead of the order.")] = None,
    approve: Annotated[Optional[str], typer.Option("--approve", help="Manager who approves (asks for their PIN).")] = None,
    day: OrderDayOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Give a discount on an order or one line; a reason is required.

    The order's discounts together above approval.discount_over, or above
    approval.discount_percent_over of its subtotal, or a person's in the
    business day above approval.discounts_per_shift_over, need a manager's PIN
    (--approve NAME).
    """
    from pos.sales.discounts import add_discount

    store = open_store(ctx)
    order_id = order_named(store, order, day)
    discount, v = add_discount(store, order_id, value, reason, line, approver=ask_approver(ctx, approve))
    _emit_view(as_json, store, v, f"discount {money(store, v.totals.discount_amounts_minor[-1])} ({discount.reason})")


@order_app.command("undiscount")
def order_undiscount(
    ctx: typer.Context,
    order: OrderArg,
    number: Annotated[Optional[int], typer.Argument(help="Which discount, as listed by 'order show' (default: the last).")] = None,
    day: OrderDayOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Take a discount off an order."""
    from pos.sales.discounts import remove_discount

    store = open_store(ctx)
    discount, v = remove_discount(store, order_named(store, order, day), number)
    _emit_view(as_json, store, v, f"discount '{discount.reason}' taken off")


@order_app.command("set")
def order_set(
    ctx: typer.Context,
    order: OrderArg,
    name: Annotated[Optional[str], typer.Option(help="Customer name.")] = None,
    phone: Annotated[Optional[str], typer.Option(help="Customer phone.")] = None,
    address: Annotated[Optional[str], typer.Option(help="Delivery address.")] = None,
    note: NoteOpt = None,
    ready: ReadyOpt = None,
    pays_with: PaysWithOpt = None,
    day: OrderDayOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Add, change or take off (with "") an order's customer details, note, promised time or what the customer pays with.

    A promised time is a time on the store's clock within the order's business day (01:15 is the
    night after the day's date, before the rollover), or minutes from now (+20); one already past
    is refused.
    """
    from pos.sales.order_details import set_details
    from pos.sales.order_records import spoken

    store = open_store(ctx)
    o = set_details(store, order_named(store, order, day), customer_name=name, customer_phone=phone, address=address,
                    note=note, ready=ready, pays_with=pays_with)
    details = details_lines(store, o)
    emit(as_json, order_dict(store, o), f"Order {spoken(store, o)} updated." + (f" {'; '.join(details)}." if details else ""))


@order_app.command("show")
def order_show(ctx: typer.Context, order: OrderArg, day: OrderDayOpt = None, as_json: JsonFlag = False) -> None:
    """Show an order with its lines, discounts, tax and total (of any day: 2026-12-06/12, or 12 --day 2026-12-06)."""
    from pos.sales.orders import view

    from payments.stripe.refund_outcomes import refund_notes, refund_notes_json

    store = open_store(ctx)
    v = view(store, order_named(store, order, day))

    def human() -> None:
        _print_view(store, v)
        for note in refund_notes(store, v.order.id):  # refunds pending at Stripe, or that did not pay back
            say(f"  {note}")

    emit(as_json, {**_view_dict(store, v), "refunds_not_paid_back": refund_notes_json(store, v.order.id)}, human)


@order_app.command("list")
def order_list(
    ctx: typer.Context,
    day: Annotated[Optional[str], typer.Option(help="Business day YYYY-MM-DD (default today).")] = None,
    status: Annotated[Optional[str], typer.Option(help=f"{STATUSES}.")] = None,
    channel: Annotated[Optional[str], typer.Option(
        help="counter, phone, delivery or kiosk (delivery shows each address, phone, driver and delivery state).")] = None,
    queue: Annotated[bool, typer.Option("--queue", help="Only open orders waiting at the counter (kiosk cash).")] = False,
    by_ready: Annotated[bool, typer.Option("--by-ready", help="The soonest promised time first.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """List the orders of a business day (with the time promised and the note, where an order has them)."""
    from pos.sales.orders import list_orders, view
    from pos.sales.order_records import Channel, OrderStatus, parse_channel

    store = open_store(ctx)
    wanted_status = None
    if status is not None:
        try:
            wanted_status = OrderStatus(status.strip().lower())
        except ValueError:
            raise InvalidInput(f"Unknown status '{status}': use {STATUSES}.") from None
    wanted_channel = parse_channel(channel) if channel is not None else None
    orders = list_orders(store, parse_day_option(day), wanted_status, wanted_channel, counter_queue=queue,
                         by_promise=by_ready)
    views = [view(store, o.id) for o in orders]
    title = f"Orders {views[0].order.business_day}" if views else "Orders (none)"
    if wanted_channel is Channel.DELIVERY:
        _list_deliveries(store, views, title, as_json)
        return
    heads, cells = _details_columns(store, views)
    emit(
        as_json,
        [_view_dict(store, v) for v in views],
        lambda: print_table(
            title,
            ["#", "Channel", "Status", "Customer", *heads, "Lines", "Total"],
            [
                [str(v.order.number), v.order.channel.value, _status_text(v),
                 v.order.customer_name or "", *extra, str(len(v.lines)), money(store, v.totals.total_minor)]
                for v, extra in zip(views, cells)
            ],
            {0, 4 + len(heads), 5 + len(heads)},
            wrap={2, 3, *(4 + i for i, head in enumerate(heads) if head == "Note")},
        ),
    )


@order_app.command("find", context_settings=NUMBERS)
def order_find(
    ctx: typer.Context,
    start: Annotated[Optional[str], typer.Option("--from", help="First business day YYYY-MM-DD (default: 31 days "
                                                 "up to --to).")] = None,
    end: Annotated[Optional[str], typer.Option("--to", help="Last business day (default: the day open now).")] = None,
    phone: Annotated[Optional[str], typer.Option(help="The customer's phone, or its last digits (555-0100, 0100).")] = None,
    name: Annotated[Optional[str], typer.Option(help="The customer's name, or part of it (any case).")] = None,
    amount: Annotated[Optional[str], typer.Option(help="The order's total, like 2.71.")] = None,
    card: Annotated[Optional[str], typer.Option("--card", metavar="LAST4",
                                                help="The last four digits of the card that paid.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Find orders of past days by phone, name, total or card, newest first, with the reference every command takes."""
    from pos.sales.order_find import find_orders, read_search
    from pos.base.words import counted

    store = open_store(ctx)
    search = read_search(store, start=parse_day_option(start), end=parse_day_option(end), phone=phone, name=name,
                         amount=amount, card=card)
    found = find_orders(store, search)
    span = str(search.start) if search.start == search.end else f"{search.start} to {search.end}"

    def human() -> None:
        if not found.matches:
            say(f"No order of {span} matches: widen the days with --from and --to, or ask for less.")
            return
        print_table(
            f"Orders found, {span}: {found.matched_count}",
            ["Order", "Channel", "Status", "Customer", "Phone", "Total"],
            [[m.order.ref, m.order.channel.value, m.order.status.value, m.order.customer_name or "",
              phone_of(store, m.order), money(store, m.total_minor)] for m in found.matches],
            {5}, wrap={3},
        )
        if found.matched_count > len(found.matches):
            say(f"The newest {len(found.matches)} of {counted(found.matched_count, 'order')} are shown: narrow the search "
                "(--from, --to, --phone, --name, --amount, --card).")

    emit(as_json, {"from": search.start.isoformat(), "to": search.end.isoformat(), "count": found.matched_count,
                   "currency": store.settings.currency,
                   "orders": [{**order_dict(store, m.order), "total_minor": m.total_minor} for m in found.matches]},
         human)


def _details_columns(store: "Store", views: "list[OrderView]") -> tuple[list[str], list[list[str]]]:
    """A list's Ready and Note columns, each only when an order listed has one: (headings, each row's cells)."""
    from pos.sales.order_details import promise_of

    promises = [promise_of(store, v.order) for v in views]
    heads: list[str] = []
    columns: list[list[str]] = []
    if any(promises):
        heads.append("Ready")
        columns.append([p.time if p else "" for p in promises])
    if any(v.order.note for v in views):
        heads.append("Note")
        columns.append([v.order.note or "" for v in views])
    return heads, [list(row) for row in zip(*columns)] if columns else [[] for _ in views]


def _status_text(v: "OrderView") -> str:
    return v.order.status.value + (" (pays at counter)" if v.order.counter_note and v.order.status.value == "open" else "")


def _list_deliveries(store: "Store", views: "list[OrderView]", title: str, as_json: bool) -> None:
    """``order list --channel delivery``: where each goes, the customer's phone, the driver and where it is."""
    from payments.cod import delivery_status

    states = [delivery_status(store, v.order.id) for v in views]
    heads, cells = _details_columns(store, views)
    emit(
        as_json,
        [{**_view_dict(store, v), "delivery": {"state": d.state.value, "driver": d.driver}} for v, d in zip(views, states)],
        lambda: print_table(
            title,
            ["#", "Status", "Customer", "Phone", "Address", *heads, "Driver", "Delivery", "Total"],
            [
                [str(v.order.number), _status_text(v), v.order.customer_name or "", phone_of(store, v.order),
                 address_of(store, v.order), *extra, d.driver or "", d.state.value, money(store, v.totals.total_minor)]
                for v, d, extra in zip(views, states, cells)
            ],
            {0, 7 + len(heads)},
            wrap={1, 2, 4, 5 + len(heads), *(5 + i for i, head in enumerate(heads) if head == "Note")},
        ),
    )


@order_app.command("close")
def order_close(ctx: typer.Context, order: OrderArg, day: OrderDayOpt = None, as_json: JsonFlag = False) -> None:
    """Close an order that totals nothing (a staff meal, a full comp)."""
    from pos.sales.orders import close_free
    from pos.sales.order_records import resolve, spoken

    store = open_store(ctx)
    order_id = order_named(store, order, day)
    close_free(store, order_id)
    o = resolve(store, order_id)
    emit(as_json, order_dict(store, o), f"Order {spoken(store, o)} closed at {money(store, 0)}.")


@order_app.command("void")
def order_void(
    ctx: typer.Context,
    order: OrderArg,
    reason: Annotated[str, typer.Option("--reason", help="Why (required).")] = "",
    approve: Annotated[Optional[str], typer.Option("--approve", help="Manager who approves (asks for their PIN).")] = None,
    day: OrderDayOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Void an unpaid order (same as 'pos void'; a paid one is refunded instead)."""
    from payments.refunds import void
    from pos.sales.order_records import spoken

    store = open_store(ctx)
    order_id = order_named(store, order, day)
    o = void(store, order_id, reason, approver=ask_approver(ctx, approve))
    emit(as_json, order_dict(store, o), f"Order {spoken(store, o)} voided ({o.void_reason}).")
