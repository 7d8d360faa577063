"""Sales over a range of business days, for an owner's spreadsheet: item sales (the product mix) and sales by
day, week or hour.

Item sales are the lines of the orders whose sale was booked in the range,
each with its exact share of the order's discounts, by the same arithmetic as
the sale (:func:`pos.sales.totals.compute_totals`): quantity, gross sales, discounts,
returns and net sales per item, best sellers, and the active items nobody
bought.  The store's catalog has no options (modifiers) yet, so an item is its
SKU.  Items given back by a refund by item are counted as returns on the
business day the refund's money first went back (as the Z report counts
refunded items), with their share of the sale to the cent as the refund
reckoned it.

Net sales mean what they mean on the Z report (:data:`pos.day.report.DEFINITIONS`):
gross sales less discounts and refunds, before tax.  An item's net sales are
after its returns; an amount-only refund (a goodwill gesture) returns no item,
so the mix carries it on a line of its own (:attr:`ItemMix.refunds_not_by_item_minor`),
and the mix's net sales (:attr:`ItemMix.net_sales_minor`) are the Z report's
for the same days.

Sales by period use the same definitions as the Z report (:mod:`pos.day.report`):
gross sales (before discounts, refunds and tax), discounts, refunds (before
tax), net sales and tax, read from the range's sale and refund entries; an
hour is the local hour of the day the entry was booked, summed over the
range (which hours are busy).  Both read only the range's entries through the
journal's index on the business day: the cost is the range's, never the store's history.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from pos.books import accounts
from pos.base.errors import InvalidInput
from pos.sales.returns import returned_by_sku
from pos.sales.totals import DiscountInput, DiscountKind, LineInput, compute_totals

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store

MAX_DAYS = 366
BEST_SELLERS = 5


class Period(str, enum.Enum):
    DAY = "day"
    WEEK = "week"
    HOUR = "hour"


class ItemSales(NamedTuple):
    sku: str
    name: str
    quantity: int
    orders: int
    gross_minor: int
    """Quantity times price: before discounts and tax."""
    discounts_minor: int
    sold_minor: int
    """What the units sold came to after discounts, before tax (and before any came back)."""
    returned_quantity: int = 0
    """Units given back by refunds by item in the range (whenever they were sold)."""
    returned_minor: int = 0
    """What those refunds took back of the sales: after discounts, before tax."""

    @property
    def net_minor(self) -> int:
        """Net sales, as the Z report means them: gross sales less discounts and refunds (returns), before tax."""
        return self.sold_minor - self.returned_minor


class ItemMix(NamedTuple):
    start: date
    end: date
    items: tuple[ItemSales, ...]
    """By net sales, most first."""
    best_sellers: tuple[ItemSales, ...]
    """By quantity, most first (ties: net sales, then SKU)."""
    never_sold: tuple[tuple[str, str], ...]
    """Active catalog items (SKU, name) nobody bought in the range."""
    refunds_not_by_item_minor: int = 0
    """Refunds of the range that returned no item (amounts, goodwill), before tax: they are sales given back too."""

    @property
    def net_sales_minor(self) -> int:
        """The range's net sales, the Z report's: every item's net sales, less the refunds that returned no item."""
        return sum(i.net_minor for i in self.items) - self.refunds_not_by_item_minor


class PeriodSales(NamedTuple):
    period: str
    """``2026-11-23``; a week by its Monday, ``2026-11-23``; an hour, ``12:00``."""
    orders: int = 0
    gross_minor: int = 0
    discounts_minor: int = 0
    refunds_minor: int = 0
    net_minor: int = 0
    tax_minor: int = 0

    @property
    def with_tax_minor(self) -> int:
        return self.net_minor + self.tax_minor


def check_range(start: date, end: date) -> None:
    """A range of business days a report reads: in order, and at most :data:`MAX_DAYS` (a year) long."""
    if end < start:
        raise InvalidInput(f"The range ends ({end}) before it starts ({start}): swap --from and --to.")
    if (end - start).days >= MAX_DAYS:
        raise InvalidInput(f"{start} to {end} is {(end - start).days + 1} days: ask for {MAX_DAYS} days or fewer "
                           "at a time.")


def parse_period(text: str) -> Period:
    try:
        return Period(text.strip().lower())
    except ValueError:
        raise InvalidInput(f"'{text[:20]}' is not a period: give --by day, week or hour.") from None


def item_sales(store: "Store", start: date, end: date) -> ItemMix:
    """The product mix of the business days ``start``..``end`` (see the module docstring)."""
    from pos.store.settings_record import TaxMode

    check_range(start, end)
    span = (start.isoformat(), end.isoformat())
    sold = "SELECT source_id FROM journal_entries WHERE business_day BETWEEN ? AND ? AND source_kind = 'order' " \
           "AND key LIKE 'order:%:sale'"
    lines: dict[str, list[tuple[LineInput, str, str]]] = {}
    for order_id, no, sku, name, quantity, price, category, rate in store.tuples(
        "SELECT l.order_id, l.line_no, l.sku, l.name, l.quantity, l.unit_price_minor, l.tax_category, "
        f"l.tax_rate_percent FROM order_lines l WHERE l.order_id IN ({sold}) AND l.removed_at IS NULL "
        "ORDER BY l.order_id, l.line_no", span,
    ):
        lines.setdefault(order_id, []).append((LineInput(no, quantity, price, category, Decimal(rate)), sku, name))
    discounts: dict[str, list[DiscountInput]] = {}
    for order_id, no, kind, value, reason in store.tuples(
        f"SELECT order_id, line_no, kind, value, reason FROM discounts WHERE order_id IN ({sold}) "
        "AND removed_at IS NULL ORDER BY id", span,
    ):
        amount = Decimal(value) if kind == DiscountKind.PERCENT.value else int(value)
        discounts.setdefault(order_id, []).append(DiscountInput(no, DiscountKind(kind), amount, reason))
    included = store.settings.tax_mode is TaxMode.INCLUSIVE
    sums: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    for order_id, order_lines in lines.items():
        totals = compute_totals([line for line, _, _ in order_lines], discounts.get(order_id, []), included)
        seen: set[str] = set()
        for (line, sku, name), total in zip(order_lines, totals.lines):
            figures = sums.setdefault(sku, [0, 0, 0, 0, 0])
            names[sku] = name
            figures[0] += line.quantity
            figures[1] += 0 if sku in seen else 1
            figures[2] += total.gross_minor
            figures[3] += total.discount_minor
            figures[4] += total.net_minor - (total.tax_minor if included else 0)
            seen.add(sku)
    returns = returned_by_sku(store, start, end)
    for sku, (name, _, _) in returns.items():
        if sku not in sums:
            sums[sku], names[sku] = [0, 0, 0, 0, 0], name
    items = tuple(ItemSales(sku, names[sku], *figures)._replace(returned_quantity=returns[sku][1],
                                                                returned_minor=returns[sku][2])
                  if sku in returns else ItemSales(sku, names[sku], *figures) for sku, figures in sums.items())
    by_net = tuple(sorted(items, key=lambda i: (-i.net_minor, i.sku)))
    refunded = _refunded_sales(store, start, end)
    best = tuple(sorted((i for i in items if i.quantity), key=lambda i: (-i.quantity, -i.net_minor, i.sku))
                 [:BEST_SELLERS])
    never = tuple((sku, name) for sku, name in store.tuples("SELECT sku, name FROM items WHERE active = 1 ORDER BY sku")
                  if not sums.get(sku, [0])[0])
    return ItemMix(start, end, by_net, best, never, refunded - sum(i.returned_minor for i in items))


def _refunded_sales(store: "Store", start: date, end: date) -> int:
    """What the range's refunds gave back of sales, before tax: the sales they reversed less the discounts (as
    the Z report reckons its refunds line)."""
    total = 0
    for (text,) in store.tuples("SELECT postings FROM journal_entries WHERE business_day BETWEEN ? AND ? "
                                "AND source_kind = 'refund'", (start.isoformat(), end.isoformat())):
        for line in text.split("\n"):
            account, amount_text, _ = line.split(" ")
            if account in (accounts.SALES, accounts.DISCOUNTS):
                total += int(amount_text)
    return total


def sales_by_period(store: "Store", start: date, end: date, by: Period) -> list[PeriodSales]:
    """Sales of the business days ``start``..``end`` per day, week (from Monday) or hour of the day; every day or
    week of the range is listed, with nothing sold or not, and every hour from the first to the last with sales."""
    check_range(start, end)
    zone = store.settings.zone
    buckets: dict[str, list[int]] = {}

    def bucket(day_text: str, posted_at: str) -> list[int]:
        if by is Period.HOUR:
            moment = datetime.fromisoformat(posted_at[:19]).replace(tzinfo=timezone.utc).astimezone(zone)
            name = f"{moment.hour:02d}:00"
        elif by is Period.WEEK:
            day = date.fromisoformat(day_text)
            name = (day - timedelta(days=day.weekday())).isoformat()
        else:
            name = day_text
        return buckets.setdefault(name, [0] * 6)

    for key, kind, day_text, posted_at, text in store.tuples(
        "SELECT key, source_kind, business_day, posted_at, postings FROM journal_entries WHERE business_day "
        "BETWEEN ? AND ? AND ((source_kind = 'order' AND key LIKE 'order:%:sale') OR source_kind = 'refund')",
        (start.isoformat(), end.isoformat()),
    ):
        figures = bucket(day_text, posted_at)
        sale = kind == "order"
        figures[0] += 1 if sale else 0
        for line in text.split("\n"):
            account, amount_text, _ = line.split(" ")
            amount = int(amount_text)
            if account == accounts.SALES:
                figures[1 if sale else 3] += -amount if sale else amount
            elif account == accounts.DISCOUNTS:
                figures[2 if sale else 3] += amount
            elif account.startswith("liabilities:tax:"):
                figures[5] -= amount
    if by is Period.HOUR:
        names = sorted(buckets)
        if names:
            first, last = int(names[0][:2]), int(names[-1][:2])
            names = [f"{h:02d}:00" for h in range(first, last + 1)]
    else:
        step = 7 if by is Period.WEEK else 1
        day = start - timedelta(days=start.weekday()) if by is Period.WEEK else start
        names = []
        while day <= end:
            names.append(day.isoformat())
            day += timedelta(days=step)
    out = []
    for name in names:
        orders, gross, given, refunds, _, tax = buckets.get(name, [0] * 6)
        out.append(PeriodSales(name, orders, gross, given, refunds, gross - given - refunds, tax))
    return out
