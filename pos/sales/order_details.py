"""What an order says besides its lines: the customer's details, a note, the time promised, and what a
delivery customer will pay the driver with; set and changed in one place, audited with before and after.

``pos order set``, the register's ``note`` and ``ready`` and a dispatch with ``--pays-with`` all
change an order through :func:`set_details`, in one transaction with its audit event.  Each value
is checked on the way in: the customer's name, phone and address and the note as one line of
visible characters within their fields' limits (:mod:`pos.base.text`), the promised time by
:mod:`pos.sales.promised_time` (a time of the store's clock on the order's business day, never one that
has passed), and what the customer will pay with as an amount in the store's money, at least
what is due.  An empty value takes the detail off.

A promised time is for orders someone waits for: counter (a takeaway the customer comes back
for), phone and delivery orders; a kiosk customer waits at the kiosk, and is promised nothing.
What the customer will pay with is for deliveries only: the driver brings the change.

Details may change while the order is open, and a paid order's note and promised time too
(a phone order paid by link still waits to be picked up, and the kitchen may run late); a voided
or refunded order keeps what it said.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from pos.base.errors import Conflict, InvalidInput
from pos.base.text import clean_phone
from pos.sales.order_input import clean_note, clean_optional, parse_pays_with, parse_ready
from pos.sales.orders import forget_order, require_open
from pos.sales.order_records import Order, OrderStatus, resolve
from pos.store.store import iso, utc_now
from pos.sales.promised_time import promise_words, shown_time
from pos.sales.orders import covered_minor, view

if TYPE_CHECKING:  # pragma: no cover
    from datetime import datetime

    from pos.store.store import Store


class Promise(NamedTuple):
    """An order's promise as a screen, a receipt or a list shows it."""

    instant: "datetime"
    time: str
    """``19:30`` on the store's clock."""
    words: str
    """``Ready at 19:30`` or ``Delivery by 19:30``."""


def promise_of(store: "Store", order: Order) -> Promise | None:
    """The order's promised time, as it is shown; None when nothing was promised."""
    if order.promised_at is None:
        return None
    s = store.settings
    return Promise(order.promised_at, shown_time(order.promised_at, s),
                   promise_words(order.channel.value, order.promised_at, s))


def check_pays_with(store: "Store", order: Order, pays_with_minor: int | None, due_minor: int) -> None:
    """Refuse an amount the customer will pay with that does not cover what the driver is to collect."""
    if pays_with_minor is None or due_minor <= 0 or pays_with_minor >= due_minor:
        return
    from pos.base.money_format import store_money

    raise InvalidInput(f"The customer's {store_money(store, pays_with_minor)} does not cover the "
                       f"{store_money(store, due_minor)} due on order {order.label}: ask what they will pay with, "
                       f"or leave it out ('--pays-with \"\"').")


def at_the_door_minor(store: "Store", order: Order) -> int:
    """What a delivery's driver is to collect: the order's total less what other tenders paid or hold."""
    return max(0, view(store, order.id).totals.total_minor - covered_minor(store, order.id, except_tender="cod"))


def _audited(store: "Store", value: Any) -> Any:
    """A value as the audit trail keeps it: an instant as the store's clock shows it, with its zone
    (``2026-12-06 19:30 EST``: on the night the clocks fall back, 01:30 is two moments)."""
    return value.astimezone(store.settings.zone).strftime("%Y-%m-%d %H:%M %Z") if hasattr(value, "astimezone") \
        else value


def set_details(
    store: "Store",
    ref: str | int,
    *,
    customer_name: str | None = None,
    customer_phone: str | None = None,
    address: str | None = None,
    note: str | None = None,
    ready: str | None = None,
    pays_with: str | None = None,
) -> Order:
    """Add, change or take off (with ``""``) an order's details; one transaction with its audit event.

    ``ready``: a time promised (:mod:`pos.sales.promised_time`); ``pays_with``: what a delivery customer
    will pay the driver with.  None leaves a detail as it is; at least one must be given.
    """
    given = {"customer_name": customer_name, "customer_phone": customer_phone, "address": address, "note": note,
             "promised_at": ready, "pays_with_minor": pays_with}
    if all(value is None for value in given.values()):
        raise InvalidInput("Nothing to change: give --name, --phone, --address, --note, --ready or --pays-with.")
    order = resolve(store, ref)
    customer = any(given[k] is not None for k in ("customer_name", "customer_phone", "address", "pays_with_minor"))
    if customer or order.status is not OrderStatus.PAID:
        require_open(order, "change its details")
    # Each value checked before anything is written (the promise against the moment it is made).
    cleaned: dict[str, Any] = {}
    if customer_name is not None:
        cleaned["customer_name"] = clean_optional(customer_name, "customer name")
    if customer_phone is not None:
        cleaned["customer_phone"] = clean_phone(customer_phone)
    if address is not None:
        cleaned["address"] = clean_optional(address, "address")
    if note is not None:
        cleaned["note"] = clean_note(note)
    if ready is not None:
        cleaned["promised_at"] = parse_ready(store, order.channel.value, ready, order.business_day, utc_now())
    if pays_with is not None:
        cleaned["pays_with_minor"] = parse_pays_with(store, order.channel.value, pays_with)
    with store.write() as conn:
        fresh = resolve(store, order.id)  # as it is now, under the write lock
        if fresh.status is not order.status:
            raise Conflict(f"Order {order.label} changed meanwhile: look at it again with 'pos order show'.")
        if cleaned.get("pays_with_minor") is not None:
            check_pays_with(store, fresh, cleaned["pays_with_minor"], at_the_door_minor(store, fresh))
        changed = [k for k in cleaned if getattr(fresh, k) != cleaned[k]]
        if not changed:
            return fresh
        before = {k: _audited(store, getattr(fresh, k)) for k in changed}
        after = {k: _audited(store, cleaned[k]) for k in changed}
        # The columns are this function's own names (the keys above); every value is a parameter.
        conn.execute(f"UPDATE orders SET {', '.join(f'{k} = ?' for k in cleaned)} WHERE id = ?",
                     (*(iso(v) if k == "promised_at" and v is not None else v for k, v in cleaned.items()), order.id))
        forget_order(store, order.id)
        from pos.store import audit

        audit.changed(store, audit.Event.ORDER_CHANGED, f"order {order.label}", before, after, order=order.number)
    return resolve(store, order.id)
