"""How a person names an order: the one reading of ``12``, ``2026-12-06/12`` and ``ord_...``, with ``--day``.

An order is named by its number on a business day, as receipts print it (``2026-12-06/14``,
and the receipt's QR code carries the same text), by its number alone for the business day open
now (``14``: :func:`pos.store.days.current_day`, decided by whoever looks it up), or by its id
(``ord_...``).  A command's ``--day D`` turns a number alone into ``D/N``.  This module only
reads the text; :func:`pos.sales.order_records.locate` finds the order it names (following an order carried
over to another day).  Everything typed wrong is refused here, in one line that says what to
type, before anything is looked up.
"""

from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple

from pos.base.errors import InvalidInput

ID_PREFIX = "ord_"
"""Every order's id starts so (:func:`pos.store.store.new_id`)."""

HOW = "give today's order number (like 12), another day's as DAY/NUMBER (like 2026-12-06/12), or the order id"
"""What to type, said by every refusal of a reference."""

_NUMBER = re.compile(r"#?([0-9]+)", re.ASCII)
_ID = re.compile(r"ord_[0-9A-Za-z]{1,40}", re.ASCII)
_SHOWN_MAX = 40


class OrderRef(NamedTuple):
    """An order as named: by ``number`` on ``day`` (None: the business day open now), or by ``order_id``."""

    number: int | None
    day: date | None
    order_id: str | None = None

    @property
    def text(self) -> str:
        """The reference as receipts print it (``2026-12-06/14``), ``#14`` for the open day's, or the id."""
        if self.order_id is not None:
            return self.order_id
        return f"{self.day.isoformat()}/{self.number}" if self.day is not None else f"#{self.number}"


def format_ref(day: date, number: int) -> str:
    """``2026-12-06/14``: the order's day and number, as receipts, lists and its QR code carry it."""
    return f"{day.isoformat()}/{number}"


def _quoted(text: str) -> str:
    return text if len(text) <= _SHOWN_MAX else text[:_SHOWN_MAX] + "..."


def _number(text: str, whole: str) -> int:
    """The order number of ``DAY/NUMBER`` or of a number alone: ASCII digits, from 1 ('#' before it allowed)."""
    match = _NUMBER.fullmatch(text)
    if match is None:
        raise InvalidInput(f"'{_quoted(whole)}' is not an order: {HOW}.")
    digits = match.group(1).lstrip("0")
    if not digits:
        raise InvalidInput(f"'{_quoted(whole)}' is not an order: orders are numbered from 1 each day; {HOW}.")
    # Beyond any order number, and int() of thousands of digits would refuse (or take its time).
    return int(digits) if len(digits) <= 18 else 10**18


def parse_order_ref(text: str | int, day: date | None = None) -> OrderRef:
    """Read an order reference as typed (or scanned off a receipt's QR code), with the ``--day`` given, if any.

    ``12`` is order 12 of the open day (of ``day`` when given); ``2026-12-06/12`` order 12 of that
    day; ``ord_...`` the order with that id.  A day both in the reference and in ``day`` must be the
    same day, and an id takes no day.
    """
    whole = str(text)
    raw = whole.strip()
    if not raw:
        raise InvalidInput(f"No order was named: {HOW}.")
    if raw[:len(ID_PREFIX)].lower() == ID_PREFIX:
        if _ID.fullmatch(raw) is None:
            raise InvalidInput(f"'{_quoted(raw)}' is not an order id (ord_ then letters and digits): {HOW}.")
        if day is not None:
            raise InvalidInput(f"--day {day.isoformat()} goes with an order number, not an id: an id names one "
                               "order on its own.")
        return OrderRef(None, None, raw)
    if "/" in raw:
        day_text, _, number_text = raw.partition("/")
        day_text, number_text = day_text.strip(), number_text.strip()
        if not day_text:
            raise InvalidInput(f"'{_quoted(raw)}' names no day before the '/': type it as DAY/NUMBER, "
                               "like 2026-12-06/12.")
        if not number_text:
            raise InvalidInput(f"'{_quoted(raw)}' names no order number after the '/': type it as DAY/NUMBER, "
                               "like 2026-12-06/12.")
        from pos.store.clock import parse_day

        try:
            named_day = parse_day(day_text) if day_text.isascii() else None
        except InvalidInput as exc:
            raise InvalidInput(f"'{_quoted(raw)}' is not an order: {exc.message}") from None
        if named_day is None:
            raise InvalidInput(f"'{_quoted(raw)}' is not an order: the day is typed as YYYY-MM-DD, like 2026-12-06.")
        number = _number(number_text, raw)
        if day is not None and day != named_day:
            raise InvalidInput(f"'{_quoted(raw)}' is an order of {named_day.isoformat()}, and --day says "
                               f"{day.isoformat()}: give the day once.")
        return OrderRef(number, named_day)
    return OrderRef(_number(raw, raw), day)
