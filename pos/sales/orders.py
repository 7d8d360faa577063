"""Orders on every channel: counter, phone, delivery and kiosk.

An order has a stable id (``ord_...``) and a short number that restarts each
business day (``#12``), which is what a cashier says aloud and types; with its day,
``2026-12-06/12`` names it on any day, as its receipt prints it (:mod:`pos.sales.order_ref`).  It
belongs to the business day open when it was rung (:func:`pos.store.days.current_day`),
and its money is booked on that day; a close carries orders still open
forward to the next open day, with a new number there (``order_moves``).  A customer name, phone
or account is never required, on any channel; a delivery order needs only an
address, and only before it is dispatched.

Lines keep a copy of the item's name, price and tax rate at the moment they
were rung.  Removing a line or a discount marks it removed (it stays in the
file for the audit trail).  Totals come from :mod:`pos.sales.totals`.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple, TYPE_CHECKING

from pos.store.days import current_day, money_day
from pos.base.errors import Conflict, InvalidInput, NotAllowed, NotFound
from pos.base.text import clean_phone
from pos.sales.order_input import clean_optional, parse_quantity
from pos.sales.order_ref import format_ref
from pos.store.store import fits_sql, iso, new_id, parse_iso, utc_now
from pos.sales.totals import DiscountInput, DiscountKind, LineInput, Totals, compute_totals
from pos.sales.order_ref import parse_order_ref
from pos.sales.order_input import clean_note, parse_pays_with, parse_ready
from pos.sales import posting_rules
from pos.sales.order_records import (
    Channel,
    Discount,
    Line,
    MAX_LINES,
    Order,
    OrderStatus,
    OrderView,
    _order,
    parse_channel,
    resolve,
)

if TYPE_CHECKING:  # pragma: no cover
    import sqlite3

    from pos.books.ledger import Entry
    from pos.store.roster import StaffMember
    from pos.store.store import Store


# -- customer details ---------------------------------------------------------


# -- finding an order ---------------------------------------------------------


def forget_order(store: "Store", order_id: str) -> None:
    """Drop cached copies of an order after its row changed."""
    store.tx_cache.pop(f"order:{order_id}", None)


def require_open(order: Order, doing: str) -> None:
    if order.status is OrderStatus.VOIDED:
        raise Conflict(f"Order {order.label} was voided: start a new order to {doing}.")
    if order.status in (OrderStatus.PAID, OrderStatus.REFUNDED):
        raise Conflict(f"Order {order.label} is already paid: start a new order to {doing}.")


# -- creating and changing orders ----------------------------------------------


def new_order(
    store: "Store",
    channel: Channel | str,
    *,
    customer_name: str | None = None,
    customer_phone: str | None = None,
    address: str | None = None,
    created_by: int | None = None,
    register: int | None = None,
    note: str | None = None,
    ready: str | None = None,
    pays_with: str | None = None,
) -> Order:
    """Open a new order and give it the next number of the business day.

    ``note``, ``ready`` (a time promised) and ``pays_with`` (what a delivery customer will pay the
    driver with) are checked as :func:`pos.sales.order_details.set_details` checks them.
    """
    channel = channel if isinstance(channel, Channel) else parse_channel(channel)
    name = clean_optional(customer_name, "customer name")
    phone = clean_phone(customer_phone)
    addr = clean_optional(address, "address")
    remark = clean_note(note)
    pays = parse_pays_with(store, channel.value, pays_with or "")
    now = utc_now()
    order_id = new_id("ord")
    with store.write() as conn:
        # The open day, read under the write lock: a close on another register cannot slip in between.
        day = current_day(store, now)
        promised = parse_ready(store, channel.value, ready or "", day, now)  # on the day the order is rung on
        # Under BEGIN IMMEDIATE no other register can take the same number.
        number = conn.execute(
            "SELECT coalesce(max(number), 0) + 1 FROM orders WHERE business_day = ?", (day.isoformat(),)
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO orders(id, business_day, number, channel, status, customer_name, customer_phone, "
            "address, created_at, created_by, register, note, promised_at, pays_with_minor) "
            "VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (order_id, day.isoformat(), number, channel.value, name, phone, addr, iso(now), created_by, register,
             remark, iso(promised) if promised else None, pays),
        )
    return resolve(store, order_id)


def add_line(store: "Store", ref: str | int, sku: str, quantity: int | str = 1) -> tuple[Line, OrderView]:
    """Ring an item onto an open order."""
    from pos.store.catalog import get_item
    from pos.store.taxes import get_tax_category

    qty = parse_quantity(quantity)
    order = resolve(store, ref)
    require_open(order, "add items")
    item = get_item(store, sku)
    if not item.active:
        raise NotAllowed(f"{item.sku} ({item.name}) is not on sale any more: pick another item.")
    category = get_tax_category(store, item.tax_category, order.business_day)  # the rate of the order's day: pos.store.taxes
    with store.write() as conn:
        row = conn.execute(
            "SELECT coalesce(max(line_no), 0) + 1, count(*) FROM order_lines WHERE order_id = ?", (order.id,)
        ).fetchone()
        line_no = row[0]
        if row[1] >= MAX_LINES:
            raise NotAllowed(f"Order {order.label} has {MAX_LINES} lines already: start a second order.")
        conn.execute(
            "INSERT INTO order_lines(order_id, line_no, sku, name, quantity, unit_price_minor, tax_category, "
            "tax_rate_percent, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (order.id, line_no, item.sku, item.name, qty, item.price_minor, category.code,
             str(category.rate_percent), iso(utc_now())),
        )
        line = Line(line_no, item.sku, item.name, qty, item.price_minor, category.code, category.rate_percent)
        cached = store.tx_cache.get(f"order-contents:{order.id}")
        if cached is not None:
            # Extend the cached contents rather than reading them all back (a sale rings many lines).
            lines = (*cached[0], line)
            store.tx_cache[f"order-contents:{order.id}"] = (lines, cached[1], totals_of(lines, discount_inputs(cached[1]), store))
    return line, view(store, order.id)


def remove_line(store: "Store", ref: str | int, line_no: int | None = None, *, quantity: int | None = None,
                by: "StaffMember | None" = None, approver: "StaffMember | None" = None,
                by_customer: bool = False) -> tuple[Line, OrderView]:
    """Take a line off an open order (the last one when no number is given), or ``quantity`` of it.

    Part of a line taken off (one of ``3 x Soda``) leaves the line with the rest, and is kept as a
    line of its own, removed at once, that says which line it came from (``taken_from_line``): it
    counts as every other line taken off does.  The :class:`Line` returned is what was taken off.

    Staff taking a line off void its value (the drop in the order's total), which counts toward
    the void limits (:func:`pos.people.limits.check_void`, ``by`` asking, ``approver`` approving); so
    does leaving the order's discounts above their share of what is left.  A kiosk customer
    taking their own item off (``by_customer``) voids nothing.
    """
    from pos.people import limits

    # What is voided, what is paid and the limits are read and decided inside the write that takes the line off.
    with store.write() as conn:
        order = resolve(store, ref)
        require_open(order, "remove items")
        current = view(store, order.id)
        if not current.lines:
            raise Conflict(f"Order {order.label} has no lines to remove.")
        if line_no is None:
            line = current.lines[-1]
        else:
            matches = [line for line in current.lines if line.line_no == line_no]
            if not matches:
                numbers = ", ".join(str(line.line_no) for line in current.lines)
                raise NotFound(f"Order {order.label} has no line {line_no} (its lines: {numbers}).")
            line = matches[0]
        take = line.quantity if quantity is None else parse_quantity(quantity)
        if take > line.quantity:
            raise InvalidInput(f"Line {line.line_no} is {line.quantity} x {line.name}: take off at most {line.quantity}.")
        if take < line.quantity:
            remaining = tuple(other._replace(quantity=line.quantity - take) if other.line_no == line.line_no else other
                              for other in current.lines)
            kept = list(current.discounts)  # a discount on the line stays with what is left of it
        else:
            remaining = tuple(other for other in current.lines if other.line_no != line.line_no)
            kept = [d for d in current.discounts if d.line_no != line.line_no]
        try:
            after = totals_of(remaining, discount_inputs(kept), store)
        except InvalidInput:
            raise Conflict(
                f"Removing line {line.line_no} ({line.name}) would leave less than the order's discounts: "
                f"take a discount off first with 'pos order undiscount {order.number}'."
            ) from None
        keep_covered(store, order, after, f"removing line {line.line_no}")
        voided = current.totals.total_minor - after.total_minor
        who = None if by_customer else limits.requester(store, by)
        if not by_customer:
            part = f"{take} of " if take < line.quantity else ""
            what = f"taking {part}line {line.line_no} ({line.name}) off order {order.label}"
            limits.check_void(store, order.id, voided, what, by=who, approver=approver)
            left = unapproved_minor(store, kept, after.discount_amounts_minor)
            limits.check_discounts_left(store, what, left, after.subtotal_minor, by=who, approver=approver)
        now = iso(utc_now())
        removal = (now, who.id if who else None, None if by_customer else voided, approver.id if approver else None)
        if take < line.quantity:
            conn.execute("UPDATE order_lines SET quantity = quantity - ? WHERE order_id = ? AND line_no = ?",
                         (take, order.id, line.line_no))
            conn.execute(
                "INSERT INTO order_lines(order_id, line_no, sku, name, quantity, unit_price_minor, tax_category, "
                "tax_rate_percent, added_at, removed_at, removed_by, removed_minor, removal_approved_by, "
                "taken_from_line) SELECT order_id, (SELECT max(line_no) + 1 FROM order_lines WHERE order_id = ?), "
                "sku, name, ?, unit_price_minor, tax_category, tax_rate_percent, added_at, ?, ?, ?, ?, line_no "
                "FROM order_lines WHERE order_id = ? AND line_no = ?",
                (order.id, take, *removal, order.id, line.line_no),
            )
            forget_contents(store, order.id)
            if not by_customer:
                from pos.store import audit

                audit.changed(store, audit.Event.VOID, f"order {order.label} line {line.line_no}",
                              {"quantity": line.quantity, "total_minor": current.totals.total_minor},
                              {"quantity": line.quantity - take, "total_minor": after.total_minor},
                              order=order.number, sku=line.sku, amount_minor=voided,
                              approved_by=approver.name if approver else None)
            return line._replace(quantity=take), view(store, order.id)
        conn.execute(
            "UPDATE order_lines SET removed_at = ?, removed_by = ?, removed_minor = ?, removal_approved_by = ? "
            "WHERE order_id = ? AND line_no = ?",
            (*removal, order.id, line.line_no),
        )
        # A discount on a removed line goes with it.
        conn.execute(
            "UPDATE discounts SET removed_at = ? WHERE order_id = ? AND line_no = ? AND removed_at IS NULL",
            (now, order.id, line.line_no),
        )
        forget_contents(store, order.id)
        if not by_customer:  # a line taken off is a void of its value
            from pos.store import audit

            audit.changed(store, audit.Event.VOID, f"order {order.label} line {line.line_no}",
                          {"quantity": line.quantity, "total_minor": current.totals.total_minor},
                          {"quantity": 0, "total_minor": after.total_minor}, order=order.number, sku=line.sku,
                          amount_minor=voided, approved_by=approver.name if approver else None)
    return line, view(store, order.id)


def unapproved_minor(store: "Store", discounts: "tuple[Discount, ...] | list[Discount]",
                      amounts: "tuple[int, ...]") -> int:
    """What the discounts nobody approved take, of ``discounts`` taking ``amounts``."""
    approved = {int(r[0]) for r in store.tuples(
        f"SELECT id FROM discounts WHERE approved_by IS NOT NULL AND id IN ({', '.join('?' * len(discounts))})",
        tuple(d.id for d in discounts))} if discounts else set()
    return sum(amount for d, amount in zip(discounts, amounts) if d.id not in approved)


_HOLDING = ("requested", "authorized", "captured", "partially_refunded")


def covered_minor(store: "Store", order_id: str, *, except_tender: str | None = None) -> int:
    """Money payments hold against an order: captured and not refunded, authorized, or being requested.

    A payment being requested counts, so that two registers can never both
    charge the same amount due.  ``except_tender``: leave that tender's payments out
    (``"cod"``: what other tenders hold, and a driver need not collect).
    """
    return int(store.scalar(
        "SELECT coalesce(sum(amount_minor - refunded_minor), 0) FROM payments WHERE order_id = ? "
        f"AND state IN ({', '.join('?' * len(_HOLDING))}) AND tender != ?",
        (order_id, *_HOLDING, except_tender or ""),
    ))


def keep_covered(store: "Store", order: Order, new_totals: Totals, doing: str) -> None:
    """Refuse a change that would take the total below what payments already hold."""
    held = covered_minor(store, order.id)
    if new_totals.total_minor < held:
        from pos.base.money_format import store_money

        shown = store_money(store, held)
        raise Conflict(
            f"Order {order.label} already has {shown} paid or pending: {doing} would take the total below that. "
            "Refund first, or leave the order as it is."
        )


def void_order(store: "Store", ref: str | int, reason: str, *, by: "StaffMember | None" = None,
               approver: "StaffMember | None" = None, limited: bool = False) -> Order:
    """Void an unpaid order.  A paid order is refunded, never voided.

    An order holding money (taken, or pending with a card or a driver) is
    refused here: ``payments.refunds.void`` releases pending payments first,
    and captured money must be refunded.  ``limited``: what is voided (the
    order's total now) is held to the store's void limits
    (:func:`pos.people.limits.check_void`), read and decided in the write that voids
    it.  The total voided is kept with who asked (``by``) and who approved it.
    """
    from pos.base.text import clean_line

    reason_clean = clean_line(reason, "void reason")
    if not reason_clean:
        raise InvalidInput("A void needs a reason (like 'customer left'): give --reason.")
    with store.write() as conn:
        order = resolve(store, ref)
        if order.status in (OrderStatus.PAID, OrderStatus.REFUNDED):
            raise Conflict(f"Order {order.label} is paid and cannot be voided: refund it instead.")
        if order.status is OrderStatus.VOIDED:
            raise Conflict(f"Order {order.label} is already voided.")
        if covered_minor(store, order.id):
            raise Conflict(
                f"Order {order.label} has payments taken or pending: refund them (pos refund) or void with "
                f"'pos void {order.number}', which releases pending ones."
            )
        voided = view(store, order.id).totals.total_minor
        if limited:
            from pos.people import limits

            limits.check_void(store, order.id, voided, f"voiding order {order.label}", by=by, approver=approver)
        changed = conn.execute(
            "UPDATE orders SET status = 'voided', void_reason = ?, closed_at = ?, voided_by = ?, voided_minor = ?, "
            "void_approved_by = ? WHERE id = ? AND status = 'open'",
            (reason_clean, iso(utc_now()), by.id if by else None, voided, approver.id if approver else None, order.id),
        ).rowcount
        from pos.store import audit

        audit.changed(store, audit.Event.VOID, f"order {order.label}",
                      {"status": order.status.value, "total_minor": voided}, {"status": "voided", "total_minor": 0},
                      order=order.number, reason=reason_clean, amount_minor=voided,
                      approved_by=approver.name if approver else None)
        forget_order(store, order.id)
        if changed != 1:  # someone else paid or voided it meanwhile
            raise Conflict(f"Order {order.label} changed while voiding it: look at it again with 'pos order show'.")
    return resolve(store, order.id)


def check_dispatchable(order: Order) -> None:
    """A delivery needs an address (and nothing else about the customer)."""
    if order.channel is not Channel.DELIVERY:
        raise NotAllowed(f"Order {order.label} is a {order.channel.value} order, not a delivery.")
    if not order.address:
        raise InvalidInput(
            f"Delivery order {order.label} has no address: add one with 'pos order set {order.number} --address ...'."
        )


# -- reading -----------------------------------------------------------------


def discount_inputs(discounts: tuple[Discount, ...] | list[Discount]) -> list[DiscountInput]:
    return [DiscountInput(d.line_no, d.kind, d.value, d.reason) for d in discounts]


def totals_of(lines: tuple[Line, ...], discounts: list[DiscountInput], store: "Store") -> Totals:
    from pos.store.settings_record import TaxMode

    return compute_totals(
        [LineInput(line.line_no, line.quantity, line.unit_price_minor, line.tax_category, line.tax_rate_percent)
         for line in lines],
        discounts,
        tax_included=store.settings.tax_mode is TaxMode.INCLUSIVE,
    )


def forget_contents(store: "Store", order_id: str) -> None:
    store.tx_cache.pop(f"order-contents:{order_id}", None)


def view(store: "Store", ref: str | int) -> OrderView:
    """An order with its current lines, discounts and totals.

    Inside a write transaction the lines, discounts and totals are cached
    (the lock keeps other registers out, and every change to them here
    forgets the cache); the order's own row is always read afresh.
    """
    order = resolve(store, ref)
    cache_key = f"order-contents:{order.id}"
    if store.in_transaction:
        cached = store.tx_cache.get(cache_key)
        if cached is not None:
            return OrderView(order, *cached)
    lines = tuple(
        Line(r["line_no"], r["sku"], r["name"], r["quantity"], r["unit_price_minor"], r["tax_category"],
             Decimal(r["tax_rate_percent"]))
        for r in store.all(
            "SELECT * FROM order_lines WHERE order_id = ? AND removed_at IS NULL ORDER BY line_no", (order.id,)
        )
    )
    discounts = tuple(
        Discount(
            r["id"], r["line_no"], DiscountKind(r["kind"]),
            Decimal(r["value"]) if r["kind"] == DiscountKind.PERCENT.value else int(r["value"]),
            r["reason"],
        )
        for r in store.all("SELECT * FROM discounts WHERE order_id = ? AND removed_at IS NULL ORDER BY id", (order.id,))
    )
    contents = (lines, discounts, totals_of(lines, discount_inputs(discounts), store))
    if store.in_transaction:
        store.tx_cache[cache_key] = contents
    return OrderView(order, *contents)


def hand_to_counter(store: "Store", ref: str | int, note: str) -> Order:
    """Put an open order in the counter queue (a kiosk customer who wants to pay cash), saying why."""
    from pos.base.text import clean_line

    note = clean_line(note, "counter note")
    order = resolve(store, ref)
    require_open(order, "hand to the counter")
    with store.write() as conn:
        conn.execute("UPDATE orders SET counter_note = ? WHERE id = ? AND status = 'open'", (note, order.id))
        forget_order(store, order.id)
    return resolve(store, order.id)


def list_orders(
    store: "Store",
    day: date | None = None,
    status: OrderStatus | None = None,
    channel: Channel | None = None,
    counter_queue: bool = False,
    by_promise: bool = False,
) -> list[Order]:
    """Orders of a business day (default the open one), by number; ``counter_queue``: the open ones waiting at the
    counter; ``by_promise``: the soonest promised first, then those promised nothing."""
    when = day or current_day(store)
    sql = "SELECT * FROM orders WHERE business_day = ?"
    params: list[object] = [when.isoformat()]
    if counter_queue:
        sql += " AND counter_note IS NOT NULL AND status = 'open'"
    if status is not None:
        sql += " AND status = ?"
        params.append(status.value)
    if channel is not None:
        sql += " AND channel = ?"
        params.append(channel.value)
    order_by = " ORDER BY promised_at IS NULL, promised_at, number" if by_promise else " ORDER BY number"
    return [_order(r) for r in store.all(sql + order_by, tuple(params))]


# -- booking the sale ------------------------------------------------------------


def close_free(store: "Store", ref: str | int) -> "Entry":
    """Close an order whose total is zero (a staff meal, a full comp): its sale and discount are booked."""
    order = resolve(store, ref)
    require_open(order, "close it")
    if view(store, order.id).totals.total_minor != 0:
        raise Conflict(f"Order {order.label} has something to pay: take payment with 'pos pay {order.number} ...'.")
    return mark_paid(store, order.id)


def sale_key(order_id: str) -> str:
    """The journal key of an order's sale entry."""
    return f"order:{order_id}:sale"


def mark_paid(store: "Store", ref: str | int) -> "Entry":
    """Close an order as paid and book its sale, in one transaction.

    Called by the payment flow once captured payments cover the total.
    Idempotent: for an order already paid it returns the sale entry posted then.
    """
    from pos.books import ledger

    with store.write() as conn:
        order = resolve(store, ref)
        if order.status is OrderStatus.VOIDED:
            raise Conflict(f"Order {order.label} was voided: it cannot be paid.")
        if order.status in (OrderStatus.PAID, OrderStatus.REFUNDED):
            existing = ledger.find_by_key(store, sale_key(order.id))
            if existing is None:  # pragma: no cover - a paid order always has its sale
                raise Conflict(f"Order {order.label} is paid but has no sale entry: run 'pos ledger verify'.")
            return existing
        current = view(store, order.id)
        if not current.lines:
            raise Conflict(f"Order {order.label} has no items: there is nothing to pay for.")
        entry = ledger.post(
            store,
            sale_key(order.id),
            f"Sale {order.label} ({order.channel.value})",
            ledger.SourceKind.ORDER,
            order.id,
            posting_rules.sale(current.totals, store.settings.currency),
            business_day=money_day(store, order),
        )
        conn.execute(
            "UPDATE orders SET status = 'paid', closed_at = ? WHERE id = ? AND status = 'open'",
            (iso(utc_now()), order.id),
        )
        forget_order(store, order.id)
    return entry
