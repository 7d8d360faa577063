"""Refunds by item: which lines of a paid order come back, and what each gives back, to the cent.

A customer returns the soda, not $2.71.  A returned line (or some of its quantity) gives back its
share of the sale exactly as the sale computed it (:mod:`pos.sales.totals`): its gross, less its
discounts (its own and its share of the order's), plus its tax where prices exclude tax
(tax-inclusive prices already hold it).  A line's discount and tax are split over its units by
largest remainder, the way :func:`pos.base.shares.allocate` splits an amount over equal shares (the
first units carry the odd cents); returning ``q`` units after ``b`` were returned takes units
``b .. b+q-1``.  So a line returned in any number of steps gives back exactly the line, and every
line returned one by one gives back exactly the order's total: no cent is created or lost.

This module plans a return and checks it (unknown lines, quantities of nothing or more than is
left, a line named twice): the refund itself, its limits and tenders, is
:func:`payments.refunds.refund`'s.  It also reads back what came back over a range of days
(:func:`returned_by_sku`), for the Z report's refunded items and the product mix.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, NamedTuple, Sequence

from pos.base.errors import InvalidInput
from pos.base.words import counted
from pos.sales.order_records import spoken, typed

if TYPE_CHECKING:  # pragma: no cover
    from pos.sales.order_records import Line, OrderView
    from pos.store.store import Store
    from pos.sales.totals import LineTotal


class ReturnedLine(NamedTuple):
    """Some units of one line coming back, with their share of the sale."""

    line_no: int
    name: str
    quantity: int
    gross_minor: int
    discount_minor: int
    tax_category: str
    tax_minor: int
    amount_minor: int
    """What goes back to the customer for them: gross - discount (+ tax where prices exclude it)."""

    @property
    def sales_minor(self) -> int:
        """The revenue it takes back (``income:sales``): its gross, less the tax inside it where prices hold tax."""
        return self.amount_minor + self.discount_minor - self.tax_minor


Asked = tuple[int, "int | None"]
"""A line number and how many of it (None: all that is left of it)."""


def units(total_minor: int, count: int, first: int, quantity: int) -> int:
    """What units ``first .. first+quantity-1`` of ``count`` equal units carry of ``total_minor``.

    Largest remainder over equal weights: each unit has the floor of an equal share and the
    first ``total mod count`` units one more, which is exactly the sum of those parts of
    ``allocate(total_minor, [1] * count)``.
    """
    each, odd = divmod(total_minor, count)
    return quantity * each + max(0, min(first + quantity, odd) - first)


def share(line: "Line", line_total: "LineTotal", first: int, quantity: int, tax_included: bool) -> ReturnedLine:
    """Units ``first .. first+quantity-1`` of ``line``, with their share of its discount and tax."""
    gross = quantity * line.unit_price_minor
    discount = units(line_total.discount_minor, line.quantity, first, quantity)
    tax = units(line_total.tax_minor, line.quantity, first, quantity)
    amount = gross - discount + (0 if tax_included else tax)
    return ReturnedLine(line.line_no, line.name, quantity, gross, discount, line.tax_category, tax, amount)


def returned_so_far(store: "Store", order_id: str) -> dict[int, int]:
    """How many of each line came back already: the items of refunds that gave (or are giving) money back."""
    return {int(no): int(qty) for no, qty in store.tuples(
        "SELECT i.line_no, sum(i.quantity) FROM refund_items i WHERE i.order_id = ? AND EXISTS "
        "(SELECT 1 FROM refunds r WHERE r.batch_id = i.batch_id AND r.state NOT IN ('failed', 'refused', 'reversed')) GROUP BY i.line_no",
        (order_id,))}


def returned_by_sku(store: "Store", start: date, end: date) -> dict[str, tuple[str, int, int]]:
    """Per SKU: its name, the units refunds by item gave back in the business days ``start``..``end``, and
    their net sales (after discounts, before tax).  A refund by item counts on the business day its money first went back, once, however many
    tenders it went back to (its parts share a batch)."""
    batches = (
        "SELECT r.batch_id FROM journal_entries j CROSS JOIN refunds r ON r.id = substr(j.key, 8) "
        "WHERE j.business_day BETWEEN ? AND ? AND j.source_kind = 'refund' AND j.key LIKE 'refund:%' "
        "AND r.batch_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM refunds e JOIN journal_entries k "
        "ON k.key = 'refund:' || e.id WHERE e.batch_id = r.batch_id AND k.business_day < j.business_day)")
    out: dict[str, tuple[str, int, int]] = {}
    for sku, name, quantity, net in store.tuples(
        "SELECT l.sku, l.name, sum(i.quantity), sum(i.amount_minor - i.tax_minor) FROM refund_items i "
        "JOIN order_lines l ON l.order_id = i.order_id AND l.line_no = i.line_no "
        f"WHERE i.batch_id IN ({batches}) GROUP BY l.sku ORDER BY l.sku", (start.isoformat(), end.isoformat()),
    ):
        out[sku] = (name, int(quantity), int(net))
    return out


_WHOLE = re.compile(r"\+?[0-9]{1,9}", re.ASCII)


def parse_line_no(text: str | int) -> int:
    """A line number as typed (``--line 2``)."""
    value = str(text).strip(" ").lstrip("#")
    if not _WHOLE.fullmatch(value) or int(value) == 0:
        raise InvalidInput(f"Line '{text}' is not a line number: give the number 'pos order show' prints, like 2.")
    return int(value)


def parse_return_quantity(text: str | int) -> int:
    """How many of a line come back (``--qty 1``): a whole number of at least 1."""
    value = str(text).strip(" ")
    if not _WHOLE.fullmatch(value) or int(value) == 0:
        raise InvalidInput(f"A quantity to refund is a whole number of at least 1, not '{text}'.")
    return int(value)


def pair(lines: Sequence[str | int], quantities: Sequence[str | int]) -> list[Asked]:
    """``--line`` and ``--qty`` as given: one quantity per line, in order, or none (whole lines)."""
    if quantities and not lines:
        raise InvalidInput("--qty says how many of a line: give the line with --line N.")
    if quantities and len(quantities) != len(lines):
        raise InvalidInput(f"Give one --qty for each --line (or none, to refund whole lines): "
                           f"{counted(len(lines), 'line')}, {counted(len(quantities), 'quantity', 'quantities')}.")
    numbers = [parse_line_no(no) for no in lines]
    counts: list[int | None] = [parse_return_quantity(q) for q in quantities] or [None] * len(numbers)
    return list(zip(numbers, counts))


def plan(store: "Store", current: "OrderView", asked: Sequence[Asked] | None) -> list[ReturnedLine]:
    """What coming back of ``asked`` gives (None: every line, all that is left of it), or why it cannot.

    Writes nothing.  Refused: a line the order does not have, a line named twice, a quantity
    above what is left of the line (a line refunded already is refused as such).
    """
    order = current.order
    named = spoken(store, order)  # '#3' today, '2026-12-05/3' for an earlier day's sale
    by_no = {line.line_no: (line, total) for line, total in zip(current.lines, current.totals.lines)}
    done = returned_so_far(store, order.id)
    if asked is None:
        asked = [(no, None) for no, (line, _) in by_no.items() if line.quantity > done.get(no, 0)]
    seen: set[int] = set()
    out: list[ReturnedLine] = []
    for no, quantity in asked:
        if no not in by_no:
            have = ", ".join(str(n) for n in sorted(by_no))
            raise InvalidInput(f"Order {named} has no line {no}: its lines are {have} "
                               f"(see 'pos order show {typed(store, order)}').")
        if no in seen:
            raise InvalidInput(f"Line {no} is named twice: give each line once, with --qty for how many.")
        seen.add(no)
        line, total = by_no[no]
        before = done.get(no, 0)
        left = line.quantity - before
        if left <= 0:
            raise InvalidInput(f"Line {no} ({line.name}) of order {named} was refunded already "
                               f"({counted(line.quantity, 'item')}): it cannot be refunded twice.")
        wanted = left if quantity is None else quantity
        if wanted > left:
            already = f", {before} refunded already" if before else ""
            raise InvalidInput(f"Line {no} ({line.name}) of order {named} has {left} left to refund"
                               f"{already}, not {wanted}.")
        out.append(share(line, total, before, wanted, current.totals.tax_included))
    return out
