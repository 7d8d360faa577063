"""How the register lays out what the cashier reads: the open order's rows, amounts in one column, and the quick keys.

The order is a block at most :data:`ORDER_COLUMNS` wide (the 80 mm receipt's 48 columns, indented by two),
narrower on a narrower terminal.  Every row with an amount is laid out by the receipt's own
:func:`receipts.text.priced`: the label wraps between words on the left, the amount sits right-aligned on
its first line, so every amount ends in one column and none is ever cut.  The discounts, the tax per
category and the total are the receipt's very rows (:func:`receipts.model.order_sums`), so what the
cashier reads while ringing is what the customer's receipt will print.

Text from people (item names, discount reasons) is escaped before it is measured, so the column holds on
the terminal too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable
from screens.lines import wrapped

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.quick_keys import QuickKey
    from pos.store.store import Store

ORDER_COLUMNS = 50
"""The order's block at most: the 80 mm receipt's 48 columns and a two-space indent."""


def block(width: int) -> int:
    """The order's width on a terminal ``width`` characters wide."""
    return max(min(width, ORDER_COLUMNS), 12)


def row(label: str, amount: str, width: int) -> list[str]:
    """``label`` and its ``amount`` in the order's column: indented by two, the amount ending at ``width``."""
    from receipts.text import priced

    return ["  " + line for line in priced(label, amount, width - 2)]


def item_rows(current: Any, width: int, money: Callable[[int], str]) -> list[str]:
    """The order's numbered lines (the numbers ``- LINE`` takes), each with what it costs before discounts."""
    from pos.base.text import shown

    rows: list[str] = []
    for line, total in zip(current.lines, current.totals.lines):
        rows += row(f"{line.line_no}. {line.quantity} x {shown(line.name)}", money(total.gross_minor), width)
    return rows


def sum_rows(store: "Store", current: Any, width: int) -> list[str]:
    """Each discount with its reason, the subtotal, the discounts, the tax per category, the total: the receipt's rows."""
    from receipts.model import order_sums

    discounts, sums = order_sums(store, current)
    rows: list[str] = []
    for discount in discounts:
        rows += row(f"Discount: {discount.label}", discount.amount, width)
    for line in sums:
        rows += row(line.label, line.amount, width)
    return rows


def key_rows(keys: "dict[str, QuickKey]", width: int) -> list[str]:
    """The quick keys, ``[1] Margherita 12in  [2] Soda 20oz``, laid out for the terminal between entries."""
    from pos.base.text import shown

    entries = [f"[{key.key}] {shown(key.name)}" + ("" if key.on_sale else " (off sale)") for key in keys.values()]
    return wrapped(entries, width, "  ") if entries else []
