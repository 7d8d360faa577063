"""What a cashier types for an order, read and checked: quantities, scans, discounts, a customer's details,
an order's note, the time promised and what a delivery customer will pay with.

Each parser takes the text as typed (a register's line, a command's option) and gives the value or
refuses it with :class:`pos.base.errors.InvalidInput` saying what to type instead; none reads or writes
the store beyond its settings.  Only ASCII digits are numbers (``int()`` would also take ``１２``,
``٣`` or ``1_0``), and a number of more than nine digits is read as 10**9, never converted.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from pos.base.errors import InvalidInput
from pos.sales.totals import DiscountKind
from pos.sales.promised_time import parse_promise

if TYPE_CHECKING:  # pragma: no cover
    from datetime import date, datetime

    from pos.store.store import Store

MAX_QUANTITY = 9999


def clean_optional(text: str | None, what: str) -> str | None:
    """An optional customer detail (:func:`pos.base.text.clean_line`, limit from its table); blank is None."""
    from pos.base.text import clean_line

    return clean_line(text, what) or None


PROMISED_CHANNELS = ("counter", "phone", "delivery")
"""Orders a time may be promised for: someone waits for them (not a kiosk's, paid and taken at the kiosk)."""


def clean_note(text: str | None) -> str | None:
    """An order's note as typed: one line of visible characters within its limit; blank is None."""
    return clean_optional(text, "order note")


def parse_ready(store: "Store", channel: str, text: str, business_day: "date", now: "datetime") -> "datetime | None":
    """A time promised for an order of ``channel`` on ``business_day`` (:mod:`pos.sales.promised_time`); blank is None."""
    if not (text or "").strip():
        return None
    if channel not in PROMISED_CHANNELS:
        raise InvalidInput(f"A {channel} order is promised no time: a promised time is for counter, phone and "
                           "delivery orders.")
    return parse_promise(text, business_day, store.settings, now)


def parse_pays_with(store: "Store", channel: str, text: str) -> int | None:
    """What a delivery customer will hand the driver, in minor units; blank is None (they did not say)."""
    from pos.base.money_input import parse_amount

    if not (text or "").strip():
        return None
    if channel != "delivery":
        raise InvalidInput(f"Only a delivery's driver brings change: what the customer pays with is for delivery "
                           f"orders, not {channel} ones.")
    s = store.settings
    return parse_amount(text, s.currency, s.locale, allow_zero=False).amount_minor


def parse_quantity(value: int | str) -> int:
    """A line quantity: a whole number from 1 to 9999."""
    text = str(value).strip(" ")
    # ASCII digits only: int() would also take '１２', '٣', '1_0', and tabs or line breaks around them.
    if not _WHOLE.fullmatch(text):
        raise InvalidInput(f"Quantity '{value}' is not a whole number: type something like 2.")
    qty = bounded(text)
    if qty <= 0:
        raise InvalidInput(f"Quantity must be at least 1, not {qty}: to take a line off, remove it.")
    if qty > MAX_QUANTITY:
        raise InvalidInput(f"Quantity {qty} is more than {MAX_QUANTITY}: split it over several lines.")
    return qty


_WHOLE = re.compile(r"[+-]?[0-9]+", re.ASCII)


def bounded(text: str) -> int:
    """A whole number as ASCII digits (and a sign); one of more than nine digits is taken as 10**9.

    Thousands of digits are no quantity, and int() of them takes time (and refuses above 4300).
    """
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-").lstrip("0") or "0"
    return sign * (int(digits) if len(digits) <= 9 else 10**9)


_SCAN = re.compile(r"^([0-9]+)\s*\*\s*(.*)$", re.DOTALL)


def invisible(char: str) -> bool:
    """A character nobody can see on a label: any whitespace, control, format, surrogate, private or unassigned one."""
    import unicodedata

    return char.isspace() or unicodedata.category(char)[0] in "CZ"


def parse_scan(text: str) -> tuple[int, str]:
    """``CODE`` or ``N*CODE``, as a scanner or a person types it: (quantity, code).

    Whitespace and control characters around the line (a scanner's CR, LF, TAB or
    GS suffix) are dropped; one inside the code is refused, since no item code
    holds one and a code that looks right but is not would ring the wrong thing.
    The code is ``''`` when only a quantity was typed (``3*``); the caller
    words what to do about that, and checks the quantity with :func:`parse_quantity`.
    """
    start, end = 0, len(text)
    while start < end and invisible(text[start]):
        start += 1
    while end > start and invisible(text[end - 1]):
        end -= 1
    line = text[start:end]
    match = _SCAN.match(line)
    quantity, code = (bounded(match.group(1)), match.group(2)) if match else (1, line)
    for index, char in enumerate(code):
        if invisible(char):
            shown = code[:index] + f"<U+{ord(char):04X}>" + code[index + 1:]
            raise InvalidInput(f"'{shown}' has a space or an invisible character inside it: scan it again, "
                               "or type the code.")
    return quantity, code


def parse_discount(text: str, store: "Store") -> tuple[DiscountKind, Decimal | int]:
    """``10%`` (percent, up to 2 decimals, 0-100) or ``2.00`` (an amount)."""
    raw = (text or "").strip()
    if raw.endswith("%"):
        try:
            pct = Decimal(raw[:-1].strip())
        except InvalidOperation:
            raise InvalidInput(f"'{text}' is not a discount: type 10% or an amount like 2.00.") from None
        if not pct.is_finite() or pct <= 0 or pct > 100:
            raise InvalidInput(f"Discount '{text}' must be more than 0% and at most 100%.")
        if pct.as_tuple().exponent < -2:  # type: ignore[operator]
            raise InvalidInput(f"Discount '{text}' has more than 2 decimals: round it, like 12.5%.")
        return DiscountKind.PERCENT, pct
    from pos.base.money_input import parse_amount

    s = store.settings
    amount = parse_amount(raw, s.currency, s.locale, allow_negative=False, allow_zero=False)
    return DiscountKind.AMOUNT, amount.amount_minor
