"""Discounts on an order: read as typed (``10%``, ``2.00``), given with a reason and held to the limits, taken off.

A discount is a percent (0-100, up to 2 decimals) or an amount in the store's money, on one line
or the whole order; what it takes is computed with the order's other discounts by
:mod:`pos.sales.totals`, and it may never take the order below what is already paid.  The order's
discounts nobody approved, and the person's in the business day, are held to the store's limits
(:func:`pos.people.limits.check_discount`); above them a manager approves.  Taking one off marks it
removed (it stays in the file for the audit trail).  Both are audited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pos.base.errors import Conflict, InvalidInput, NotFound
from pos.sales.order_input import parse_discount
from pos.sales.orders import (
    discount_inputs,
    forget_contents,
    keep_covered,
    require_open,
    totals_of,
    unapproved_minor,
    view,
)
from pos.sales.order_records import Discount, OrderView, resolve
from pos.store.store import iso, utc_now
from pos.sales.totals import DiscountInput

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.roster import StaffMember
    from pos.store.store import Store


def add_discount(
    store: "Store", ref: str | int, value_text: str, reason: str, line_no: int | None = None, *,
    by: "StaffMember | None" = None, approver: "StaffMember | None" = None,
) -> tuple[Discount, OrderView]:
    """Give a discount (percent or amount) on one line or the whole order; a reason is required.

    The order's discounts together, and the person's in the business day, are held to the store's
    limits (:func:`pos.people.limits.check_discount`): above them ``approver``, a manager, approves.
    """
    from pos.people import limits
    from pos.base.text import clean_line

    reason_clean = clean_line(reason, "discount reason")
    if not reason_clean:
        raise InvalidInput("A discount needs a reason (like 'staff meal' or 'late delivery'): give --reason.")
    kind, value = parse_discount(value_text, store)
    # The order's discounts, what is paid and the limits are read and decided inside the write that gives it.
    with store.write() as conn:
        order = resolve(store, ref)
        require_open(order, "give discounts")
        current = view(store, order.id)
        if not current.lines:
            raise Conflict(f"Order {order.label} has no items yet: add items before a discount.")
        if line_no is not None and line_no not in {line.line_no for line in current.lines}:
            raise NotFound(f"Order {order.label} has no line {line_no} to discount.")
        # Refuse a discount that would take the order (or line) below zero.
        trial = DiscountInput(line_no, kind, value, reason_clean)
        with_it = totals_of(current.lines, [*discount_inputs(current.discounts), trial], store)
        keep_covered(store, order, with_it, "this discount")
        amount = with_it.discount_amounts_minor[-1]
        who = limits.requester(store, by)
        before = unapproved_minor(store, current.discounts, with_it.discount_amounts_minor[:-1])
        limits.check_discount(store, order.label, amount, before, with_it.subtotal_minor, by=who, approver=approver)
        cur = conn.execute(
            "INSERT INTO discounts(order_id, line_no, kind, value, reason, created_at, created_by, approved_by, "
            "amount_minor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (order.id, line_no, kind.value, str(value), reason_clean, iso(utc_now()), who.id if who else None,
             approver.id if approver else None, amount),
        )
        discount_id = int(cur.lastrowid or 0)
        forget_contents(store, order.id)
        from pos.store import audit

        audit.changed(store, audit.Event.DISCOUNT, f"order {order.label}",
                      {"total_minor": current.totals.total_minor},
                      {"total_minor": with_it.total_minor}, order=order.number, line=line_no, kind=kind.value,
                      value=str(value), reason=reason_clean, amount_minor=amount,
                      approved_by=approver.name if approver else None)
    return Discount(discount_id, line_no, kind, value, reason_clean), view(store, order.id)


def remove_discount(store: "Store", ref: str | int, position: int | None = None) -> tuple[Discount, OrderView]:
    """Take a discount off an open order: the ``position``-th as listed (1-based), default the last."""
    with store.write() as conn:  # the discount is chosen from the order as it is under the write lock
        order = resolve(store, ref)
        require_open(order, "change discounts")
        current = view(store, order.id)
        if not current.discounts:
            raise Conflict(f"Order {order.label} has no discounts to take off.")
        if position is None:
            position = len(current.discounts)
        if not 1 <= position <= len(current.discounts):
            from pos.base.words import counted

            count = len(current.discounts)
            raise NotFound(f"Order {order.label} has {counted(count, 'discount')}: "
                           + ("give 1." if count == 1 else f"give a number from 1 to {count}."))
        discount = current.discounts[position - 1]
        conn.execute("UPDATE discounts SET removed_at = ? WHERE id = ?", (iso(utc_now()), discount.id))
        forget_contents(store, order.id)
        after = view(store, order.id)
        from pos.store import audit

        audit.changed(store, audit.Event.DISCOUNT_REMOVED, f"order {order.label}",
                      {"total_minor": current.totals.total_minor}, {"total_minor": after.totals.total_minor},
                      order=order.number, line=discount.line_no, reason=discount.reason)
    return discount, after
