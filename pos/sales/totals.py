"""Order arithmetic: subtotal, discounts, tax per category, total.

A pure function over the lines and discounts of an order, so it is tested
by hand-computed examples without a database.

The rounding rule (every step integer minor units; ``round`` is half-up,
ties away from zero):

1. A line's gross is ``quantity x unit price``: exact, no rounding.
2. Line discounts apply to their line in the order they were given.  A
   percent discount is ``round(p% x what the line has left)``; an amount
   discount takes that amount.  A discount may not take a line below zero.
3. Order discounts then apply, in the order given, to the sum of the lines
   after line discounts, the same way.  The order-discount total is spread
   over the lines in proportion to what each has left, by largest remainder
   (``pos.base.shares.allocate``), so every line has an exact net amount and the
   lines sum to the order exactly.
4. Tax is rounded **once per tax category**, on the sum of that category's
   net line amounts, not line by line: rounding per line makes a 10-line
   order's tax drift by up to 5 cents from what the rate says.
   - tax-exclusive store: ``tax = round(net x rate)``, added to the total;
   - tax-inclusive store: ``tax = round(net x rate / (1 + rate))``, already
     inside the total.
   The category's tax is then allocated back to its lines by net amount
   (largest remainder), so a refund of one line can return its exact tax.
5. ``total = sum(net) + tax`` (exclusive) or ``sum(net)`` (inclusive).
"""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import NamedTuple, Sequence

from pos.base.errors import InvalidInput
from pos.base.shares import allocate, round_half_up

_HUNDRED = Decimal(100)


class DiscountKind(str, enum.Enum):
    PERCENT = "percent"
    AMOUNT = "amount"


class LineInput(NamedTuple):
    line_no: int
    quantity: int
    unit_price_minor: int
    tax_category: str
    tax_rate_percent: Decimal


class DiscountInput(NamedTuple):
    """A discount on one line (``line_no``) or on the whole order (``None``).

    ``value`` is a percentage (Decimal) for PERCENT, minor units (int) for AMOUNT.
    """

    line_no: int | None
    kind: DiscountKind
    value: Decimal | int
    reason: str


class LineTotal(NamedTuple):
    line_no: int
    gross_minor: int
    discount_minor: int
    net_minor: int
    tax_minor: int


class Totals(NamedTuple):
    subtotal_minor: int
    discount_minor: int
    tax_by_category: dict[str, int]
    tax_minor: int
    total_minor: int
    tax_included: bool
    lines: tuple[LineTotal, ...]
    discount_amounts_minor: tuple[int, ...]
    """What each discount took, in the order the discounts were given."""


def _take(kind: DiscountKind, value: Decimal | int, base: int, reason: str) -> int:
    if kind is DiscountKind.PERCENT:
        amount = round_half_up(Decimal(base) * Decimal(value) / _HUNDRED)
    else:
        amount = int(value)
    if amount > base:
        raise InvalidInput(
            f"The discount '{reason}' is larger than what it applies to: give a smaller discount."
        )
    return amount


def compute_totals(lines: Sequence[LineInput], discounts: Sequence[DiscountInput], tax_included: bool) -> Totals:
    """Compute an order's totals by the rounding rule in this module's docstring."""
    by_no = {line.line_no: line for line in lines}
    left = {line.line_no: line.quantity * line.unit_price_minor for line in lines}
    gross = dict(left)
    taken = [0] * len(discounts)
    line_discount = {no: 0 for no in left}

    for index, d in enumerate(discounts):
        if d.line_no is None:
            continue
        if d.line_no not in by_no:
            raise InvalidInput(f"The discount '{d.reason}' names line {d.line_no}, which is not on the order.")
        amount = _take(d.kind, d.value, left[d.line_no], d.reason)
        left[d.line_no] -= amount
        line_discount[d.line_no] += amount
        taken[index] = amount

    order_discount = 0
    remaining = sum(left.values())
    for index, d in enumerate(discounts):
        if d.line_no is None:
            amount = _take(d.kind, d.value, remaining, d.reason)
            remaining -= amount
            order_discount += amount
            taken[index] = amount
    nos = [line.line_no for line in lines]
    if order_discount:
        shares = allocate(order_discount, [left[no] for no in nos])
        for no, share in zip(nos, shares):
            left[no] -= share
            line_discount[no] += share

    tax_by_category: dict[str, int] = {}
    line_tax = {no: 0 for no in nos}
    categories: dict[str, list[int]] = {}
    for line in lines:
        categories.setdefault(line.tax_category, []).append(line.line_no)
    for category in sorted(categories):
        members = categories[category]
        # Lines keep the rate they were rung at; if the rate changed while the
        # order was open, each rate is its own rounding group.
        rates = {by_no[no].tax_rate_percent for no in members}
        tax = 0
        for rate in sorted(rates):
            group = [no for no in members if by_no[no].tax_rate_percent == rate]
            group_base = sum(left[no] for no in group)
            r = rate / _HUNDRED
            group_tax = round_half_up(Decimal(group_base) * r / (1 + r) if tax_included else Decimal(group_base) * r)
            if group_base:
                for no, share in zip(group, allocate(group_tax, [left[n] for n in group])):
                    line_tax[no] += share
            tax += group_tax
        tax_by_category[category] = tax

    subtotal = sum(gross.values())
    discount_total = sum(line_discount.values())
    tax_total = sum(tax_by_category.values())
    net_total = sum(left.values())
    total = net_total if tax_included else net_total + tax_total
    return Totals(
        subtotal_minor=subtotal,
        discount_minor=discount_total,
        tax_by_category=tax_by_category,
        tax_minor=tax_total,
        total_minor=total,
        tax_included=tax_included,
        lines=tuple(
            LineTotal(no, gross[no], line_discount[no], left[no], line_tax[no]) for no in nos
        ),
        discount_amounts_minor=tuple(taken),
    )
