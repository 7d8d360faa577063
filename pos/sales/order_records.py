"""The records every layer passes for an order: its channel, status, lines and discounts, the order itself and its
view (lines and totals), read from their rows; and finding an order as a person names it."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from pos.base.errors import InvalidInput, NotFound
from pos.sales.order_ref import format_ref, parse_order_ref
from pos.sales.totals import DiscountKind, Totals
from pos.store.days import current_day
from pos.store.store import fits_sql, parse_iso

if TYPE_CHECKING:  # pragma: no cover
    import sqlite3

    from pos.store.store import Store


MAX_LINES = 500


class Channel(str, enum.Enum):
    COUNTER = "counter"
    PHONE = "phone"
    DELIVERY = "delivery"
    KIOSK = "kiosk"


class OrderStatus(str, enum.Enum):
    OPEN = "open"
    PAID = "paid"
    VOIDED = "voided"
    REFUNDED = "refunded"


class Order(NamedTuple):
    id: str
    number: int
    business_day: date
    channel: Channel
    status: OrderStatus
    customer_name: str | None
    customer_phone: str | None
    address: str | None
    created_at: datetime
    void_reason: str | None
    counter_note: str | None = None
    """Why the order waits at the counter (a kiosk customer who pays cash), if it does."""
    note: str | None = None
    """The order's note for the kitchen, the counter and the driver ('no onions'): :mod:`pos.sales.order_details`."""
    promised_at: datetime | None = None
    """The moment promised to the customer ('ready 19:30'), if any: :mod:`pos.sales.promised_time`."""
    pays_with_minor: int | None = None
    """What a delivery customer said they will pay the driver with ('a $50'), if they said."""

    @property
    def label(self) -> str:
        """How a cashier names the order: ``#12``."""
        return f"#{self.number}"

    @property
    def ref(self) -> str:
        """How receipts, lists and the receipt's QR code name the order, on any day: ``2026-12-06/12``."""
        return format_ref(self.business_day, self.number)


class Line(NamedTuple):
    line_no: int
    sku: str
    name: str
    quantity: int
    unit_price_minor: int
    tax_category: str
    tax_rate_percent: Decimal


class Discount(NamedTuple):
    id: int
    line_no: int | None
    kind: DiscountKind
    value: Decimal | int
    reason: str


class OrderView(NamedTuple):
    """An order with its live lines, discounts and computed totals."""

    order: Order
    lines: tuple[Line, ...]
    discounts: tuple[Discount, ...]
    totals: Totals


def _order(row: "sqlite3.Row") -> Order:
    return Order(
        id=row["id"],
        number=row["number"],
        business_day=date.fromisoformat(row["business_day"]),
        channel=Channel(row["channel"]),
        status=OrderStatus(row["status"]),
        customer_name=row["customer_name"],
        customer_phone=row["customer_phone"],
        address=row["address"],
        created_at=parse_iso(row["created_at"]),
        void_reason=row["void_reason"],
        counter_note=row["counter_note"],
        note=row["note"],
        promised_at=parse_iso(row["promised_at"]) if row["promised_at"] else None,
        pays_with_minor=row["pays_with_minor"],
    )


def order_from_row(row: "sqlite3.Row") -> Order:
    """An order from its row of ``orders`` (for a module that selects orders its own way: :mod:`pos.sales.order_find`)."""
    return _order(row)


def parse_channel(text: str) -> Channel:
    try:
        return Channel((text or "").strip().lower())
    except ValueError:
        raise InvalidInput(
            f"Unknown channel '{text}': use counter, phone, delivery or kiosk."
        ) from None


class Located(NamedTuple):
    """An order found by a reference, and the carry-over it was followed through, if its old number was given."""

    order: Order
    moved_from: str | None = None
    """``2026-12-05/11`` when that old reference was given for an order carried over to another day since."""


def resolve(store: "Store", ref: str | int, day: date | None = None) -> Order:
    """The order a reference names (:func:`locate`): ``12`` (of ``day``, default the day open now),
    ``2026-12-06/12`` or an id."""
    return locate(store, ref, day).order


def locate(store: "Store", ref: str | int, day: date | None = None) -> Located:
    """Find the order ``ref`` names (read by :func:`pos.sales.order_ref.parse_order_ref`, with ``day`` as a ``--day``).

    A number alone is of ``day``, else of the business day open now.  The number an order had on a
    day it was carried over from finds it where it is now, saying so (:attr:`Located.moved_from`).
    Inside a write transaction a found row is cached until something here changes it
    (:func:`forget_order`): a sale asks for its order a dozen times.
    """
    wanted = parse_order_ref(ref, day)
    caching = store.in_transaction
    if wanted.order_id is None:
        assert wanted.number is not None
        when = wanted.day or current_day(store)
        number = wanted.number
        row = store.one("SELECT * FROM orders WHERE business_day = ? AND number = ?",
                        (when.isoformat(), number)) if fits_sql(number) else None
        if row is not None:
            return Located(_order(row))
        moved = store.one("SELECT order_id FROM order_moves WHERE from_day = ? AND from_number = ?",
                          (when.isoformat(), number)) if fits_sql(number) else None
        if moved is not None:
            return Located(resolve(store, moved[0]), format_ref(when, number))
        shown = number if number < 10**18 else str(ref).strip()[:20] + "..."
        today = " (the business day open now)" if wanted.day is None else ""
        raise NotFound(f"No order #{shown} on {when.isoformat()}{today}: list the day's orders with "
                       f"'pos order list --day {when.isoformat()}', or find one with 'pos order find'.")
    text = wanted.order_id
    if caching:
        cached = store.tx_cache.get(f"order:{text}")
        if cached is not None:
            return Located(cached)
    row = store.one("SELECT * FROM orders WHERE id = ?", (text,))
    if row is None:
        raise NotFound(f"No order '{text}': give today's order number (like 12), another day's as DAY/NUMBER "
                       "(like 2026-12-06/12), or the order id.")
    order = _order(row)
    if caching:
        store.tx_cache[f"order:{order.id}"] = order
    return Located(order)


def spoken(store: "Store", order: Order) -> str:
    """How a message names an order: ``#12`` on the business day open now, ``2026-12-05/12`` on another day."""
    return order.label if order.business_day == current_day(store) else order.ref


def typed(store: "Store", order: Order) -> str:
    """How a command typed now names the order (for a hint to type): ``12`` on the day open now, else its
    ``2026-12-05/12`` (a number alone would name another order of today)."""
    return str(order.number) if order.business_day == current_day(store) else order.ref
