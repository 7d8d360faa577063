"""A receipt as plain text for thermal printers: 32 characters a line (58 mm) or 48 (80 mm).

Every line fits the width.  Names wrap between words, never inside one
(a single word longer than the whole line is the only thing ever split);
amounts sit right-aligned on the first line of what they price, with
continuation lines indented.  The PDF receipt draws these same lines, so
the two layouts never disagree.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from receipts.model import NO_BREAK

if TYPE_CHECKING:  # pragma: no cover
    from receipts.model import Receipt

WIDTHS = {58: 32, 80: 48}


def columns(width_mm: int) -> int:
    """Characters a line for a paper width in millimetres (58 or 80)."""
    from pos.base.errors import InvalidInput

    if width_mm not in WIDTHS:
        raise InvalidInput(f"Receipts print on 58 mm or 80 mm paper, not {width_mm} mm.")
    return WIDTHS[width_mm]


def _wrap(text: str, width: int, indent: str = "") -> list[str]:
    """``text`` wrapped between words; words joined by a no-break space (``on $41.40``) stay together."""
    wrapped = textwrap.wrap(text, width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)
    out: list[str] = []
    for line in wrapped or [""]:
        while len(line) > width:  # one word longer than a whole line: the only split ever made
            out.append(line[:width].replace(NO_BREAK, " "))
            line = indent + line[width:]
        out.append(line.replace(NO_BREAK, " "))
    return out


def priced(label: str, amount: str, width: int) -> list[str]:
    """``label`` wrapped on the left, ``amount`` right-aligned on its first line."""
    room = width - len(amount) - 1
    if room < 8:  # an amount too wide to share the line: it gets its own
        return _wrap(label, width, "  ") + [amount.rjust(width)]
    lines = _wrap(label, room, "  ")
    first = lines[0].ljust(room) + " " + amount
    rest = []
    for line in lines[1:]:
        rest.extend(_wrap(line, width, "  "))
    return [first, *rest]


def centred(text: str, width: int) -> list[str]:
    return [line.center(width).rstrip() for line in _wrap(text, width)]


def lines(receipt: "Receipt", width: int) -> list[str]:
    """The receipt's lines at ``width`` characters."""
    rule = "-" * width
    out: list[str] = []
    for mark in receipt.marks:
        out.append(f"*** {mark} ***".center(width).rstrip())
    out += centred(receipt.store_name, width)
    if receipt.store_address:
        out += centred(receipt.store_address, width)
    if receipt.store_phone:
        out += centred(receipt.store_phone, width)
    if receipt.store_tax_id:
        out += centred(f"Tax ID {receipt.store_tax_id}", width)
    out.append(rule)
    out += centred(receipt.title, width)
    order = f"Order {receipt.order_ref or '#' + str(receipt.order_number)} ({receipt.channel})"
    if len(order) + 1 + len(receipt.when) <= width:
        out += priced(order, receipt.when, width)
    else:  # 58 mm: the order's day and number on a line, the time under it
        out += _wrap(order, width) + [receipt.when.rjust(width)]
    if receipt.served_by:
        out += _wrap(f"Served by {receipt.served_by}", width)
    if receipt.driver:
        out += _wrap(f"Delivered by {receipt.driver}", width)
    if receipt.customer:
        out += _wrap(f"Customer: {receipt.customer}", width, "  ")
    if receipt.promise:
        out += _wrap(receipt.promise, width)
    if receipt.note:
        out += _wrap(f"Note: {receipt.note}", width, "  ")
    out.append(rule)
    for item in receipt.items:
        label = f"{item.quantity} x {item.name}" if item.quantity != 1 else item.name
        out += priced(label, item.total, width)
        if item.quantity != 1 and item.unit:  # a refund's items have no unit price: their share of the sale
            out += _wrap(f"  at {item.unit} each", width, "  ")
    for row in receipt.discounts:
        out += priced(f"Discount: {row.label}", row.amount, width)
    if receipt.items or receipt.discounts:
        out.append(rule)
    for row in receipt.sums:
        out += priced(row.label, row.amount, width)
    if receipt.payments:
        out.append(rule)
    for row in receipt.payments:
        out += priced(row.label, row.amount, width)
    for note in receipt.payment_notes:
        out += _wrap(note, width, "  ")
    for tip in receipt.tips:
        out += _wrap(tip, width)
    if receipt.feedback:
        out.append(rule)
        out += centred(f"Tell the owner how we did: {receipt.feedback}", width)
    if receipt.check:
        out += centred(receipt.check, width)
    for mark in reversed(receipt.marks):
        out.append(f"*** {mark} ***".center(width).rstrip())
    assert all(len(line) <= width for line in out), "a receipt line is wider than the paper"
    return out


def render(receipt: "Receipt", width_mm: int = 80) -> str:
    """The receipt as text for a 58 or 80 mm printer."""
    return "\n".join(lines(receipt, columns(width_mm))) + "\n"


def wrapped(text: str, width: int, indent: str = "") -> list[str]:
    """``text`` wrapped between words at ``width``, later lines indented by ``indent``, as a receipt's lines are
    (for the other layouts on the same paper: the driver's ticket)."""
    return _wrap(text, width, indent)
