"""Finding orders of past days (``pos order find``): a customer's phone or name, the total, a card's last four digits.

A customer back with yesterday's soda, or calling about last week's delivery, rarely knows the
order's number.  A search reads a range of business days (by default the last 31, up to the day
open now; at most a year, as every range a report reads: :func:`pos.sales.sales_mix.check_range`) and
keeps the orders that match every criterion given:

- a phone by its digits, so ``555-0100``, ``(555) 0100`` and ``5550100`` are one number, and the
  last digits of a number find it (``0100``); a number typed is checked as an order's is
  (:func:`pos.base.text.clean_phone`);
- a customer's name, any part of it, whatever its case (``sam`` finds ``Samira``);
- the order's total, typed as money in the store's currency (``2.71``);
- the last four digits of a card or phone wallet that paid it (the only digits of a card the store
  keeps).

The newest come first, each with its ``2026-12-06/14`` reference (what every command takes), its
total, status, channel and customer; at most :data:`MAX_SHOWN` are listed, and the count says how
many matched.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Iterable, NamedTuple

from pos.base.errors import InvalidInput
from pos.sales.orders import discount_inputs, totals_of
from pos.sales.order_records import Discount, Line, Order, order_from_row
from pos.sales.totals import DiscountKind
from pos.sales.sales_mix import check_range

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store

MAX_SHOWN = 50
DEFAULT_DAYS = 31
_LAST4 = re.compile(r"[0-9]{4}", re.ASCII)
_CHUNK = 500  # ids in one IN (...) list, well under SQLite's limit of bound values


class Search(NamedTuple):
    """What was asked, read and checked."""

    start: date
    end: date
    phone_digits: str | None = None
    name: str | None = None
    """Casefolded."""
    total_minor: int | None = None
    card_last4: str | None = None


class Match(NamedTuple):
    order: Order
    total_minor: int


class Found(NamedTuple):
    search: Search
    matches: list[Match]
    """The newest first, at most :data:`MAX_SHOWN`."""
    matched_count: int
    """How many orders matched in all."""


def phone_digits(phone: str) -> str:
    """The digits of a phone number, how a search compares numbers typed with spaces, dashes or brackets."""
    return "".join(char for char in phone if char.isascii() and char.isdigit())


def read_search(store: "Store", *, start: date | None = None, end: date | None = None, phone: str | None = None,
                name: str | None = None, amount: str | None = None, card: str | None = None) -> Search:
    """The criteria as typed, checked: each refusal says what to type instead."""
    from pos.store.days import current_day
    from pos.base.text import clean_phone
    from pos.base.text import clean_line

    today = current_day(store)
    if end is None:
        end = max(today, start) if start is not None else today
    if start is None:
        start = end - timedelta(days=DEFAULT_DAYS - 1)
    check_range(start, end)
    digits = None
    if phone is not None:
        cleaned = clean_phone(phone)
        if cleaned is None:
            raise InvalidInput("--phone is empty: give the customer's number, or its last digits (like 0100).")
        digits = phone_digits(cleaned)
    wanted_name = None
    if name is not None:
        wanted_name = clean_line(name, "customer name").casefold()
        if not wanted_name:
            raise InvalidInput("--name is empty: give the customer's name, or part of it.")
    total = None
    if amount is not None:
        from pos.base.money_input import parse_amount

        total = parse_amount(amount, store.settings.currency, store.settings.locale, allow_negative=False).amount_minor
    last4 = None
    if card is not None:
        last4 = card.strip()
        if _LAST4.fullmatch(last4) is None:
            shown = card if len(card) <= 20 else card[:20] + "..."
            raise InvalidInput(f"'{shown}' is not the last four digits of a card: give four digits, like 4242.")
    return Search(start, end, digits, wanted_name, total, last4)


def find_orders(store: "Store", search: Search) -> Found:
    """The orders of ``search``'s days that match all it asks, newest first."""
    sql = "SELECT * FROM orders WHERE business_day BETWEEN ? AND ?"
    params: list[object] = [search.start.isoformat(), search.end.isoformat()]
    if search.card_last4 is not None:
        sql += (" AND EXISTS (SELECT 1 FROM payments p WHERE p.order_id = orders.id "
                "AND json_extract(coalesce(p.details, '{}'), '$.last4') = ?)")
        params.append(search.card_last4)
    if search.phone_digits is not None:
        sql += " AND customer_phone IS NOT NULL"
    if search.name is not None:
        sql += " AND customer_name IS NOT NULL"
    orders = [order_from_row(row) for row in store.all(sql + " ORDER BY business_day DESC, number DESC", tuple(params))]
    if search.phone_digits is not None:
        wanted = search.phone_digits
        orders = [o for o in orders if phone_digits(o.customer_phone or "").endswith(wanted)]
    if search.name is not None:
        orders = [o for o in orders if search.name in (o.customer_name or "").casefold()]
    if search.total_minor is None:
        shown = orders[:MAX_SHOWN]
        totals = _totals(store, shown)
        return Found(search, [Match(o, totals[o.id]) for o in shown], len(orders))
    totals = _totals(store, orders)
    matched = [Match(o, totals[o.id]) for o in orders if totals[o.id] == search.total_minor]
    return Found(search, matched[:MAX_SHOWN], len(matched))


def _totals(store: "Store", orders: Iterable[Order]) -> dict[str, int]:
    """Each order's total now (its live lines and discounts, as :func:`pos.sales.orders.view` reckons it), read in bulk."""
    ids = [o.id for o in orders]
    lines: dict[str, list[Line]] = {i: [] for i in ids}
    discounts: dict[str, list[Discount]] = {i: [] for i in ids}
    for first in range(0, len(ids), _CHUNK):
        chunk = ids[first:first + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        for r in store.all(f"SELECT * FROM order_lines WHERE order_id IN ({marks}) AND removed_at IS NULL "
                           "ORDER BY order_id, line_no", tuple(chunk)):
            lines[r["order_id"]].append(Line(r["line_no"], r["sku"], r["name"], r["quantity"], r["unit_price_minor"],
                                             r["tax_category"], Decimal(r["tax_rate_percent"])))
        for r in store.all(f"SELECT * FROM discounts WHERE order_id IN ({marks}) AND removed_at IS NULL "
                           "ORDER BY order_id, id", tuple(chunk)):
            kind = DiscountKind(r["kind"])
            discounts[r["order_id"]].append(Discount(
                r["id"], r["line_no"], kind, Decimal(r["value"]) if kind is DiscountKind.PERCENT else int(r["value"]),
                r["reason"]))
    return {i: totals_of(tuple(lines[i]), discount_inputs(discounts[i]), store).total_minor for i in ids}
