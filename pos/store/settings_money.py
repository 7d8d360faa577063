"""Amounts in the store's options, in money: what an owner types, and what ``pos config`` shows.

The options that are amounts (the approval limits, cash rounding, the drawer's notes and coins) are
stored as integer minor units, as they always were, so every reader of them and every store from
before keeps working.  This module owns the two ends a person sees:

* reading what an owner types with the parser sales use (:func:`pos.base.money_input.parse_amount`, in the
  store's currency and locale): ``5`` is $5.00, ``0,05`` is 0,05 € in a German store;
* showing a stored amount in the store's money format (``$5.00``; a list as ``$100.00, $50.00``);
* the cash rounding steps a currency's coins can make (:data:`COINS`): rounding cash totals to
  0.03 in dollars leaves totals no coin pays, so such a step is refused, naming the steps that can.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pos.base.errors import InvalidInput

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store

# The coins of a currency in minor units, smallest first, including the ones a drawer seldom holds
# (the US half dollar and dollar coin): a cash rounding step is one of them.  A currency not listed
# gets the 1-2-5 steps from one minor unit up (:func:`coins`).
COINS: dict[str, tuple[int, ...]] = {
    "USD": (1, 5, 10, 25, 50, 100),
    "CAD": (5, 10, 25, 50, 100, 200),         # no cent since 2013: cash rounds to 0.05
    "AUD": (5, 10, 20, 50, 100, 200),
    "NZD": (10, 20, 50, 100, 200),
    "EUR": (1, 2, 5, 10, 20, 50, 100, 200),
    "GBP": (1, 2, 5, 10, 20, 50, 100, 200),
    "CHF": (5, 10, 20, 50, 100, 200, 500),
    "SEK": (100, 200, 500, 1000),             # no öre coins: cash rounds to whole kronor
    "NOK": (100, 500, 1000, 2000),
    "DKK": (50, 100, 200, 500, 1000, 2000),
    "MXN": (10, 20, 50, 100, 200, 500, 1000, 2000),
    "JPY": (1, 5, 10, 50, 100, 500),
    "KRW": (10, 50, 100, 500),
    "BHD": (5, 10, 25, 50, 100, 500),
}

# Items of a typed list of amounts: separated by ';' or by a comma and a space, which no amount
# holds in any locale ('1.234,56 €, 50,00 €'); plain numbers are also split at their commas, the
# old form ('100,50,20,0.25'), where the comma is not the locale's decimal point.
_LIST_SEPARATOR = re.compile(r"\s*;\s*|,\s+")


def coins(currency: str) -> tuple[int, ...]:
    """The coins of ``currency`` in minor units, smallest first: USD (1, 5, 10, 25, 50, 100)."""
    known = COINS.get(currency)
    if known is not None:
        return known
    from pos.base.money import exponent

    top = max(10 ** exponent(currency), 100)
    steps: list[int] = []
    unit = 1
    while unit <= top:
        steps.extend(v for v in (unit, 2 * unit, 5 * unit) if v <= top)
        unit *= 10
    return tuple(steps)


def shown_amount(store: "Store", amount_minor: int) -> str:
    """An amount in the store's money format: $5.00."""
    from pos.base.money_format import store_money

    return store_money(store, amount_minor)


def shown_list(store: "Store", amounts_minor: list[int]) -> str:
    """Amounts in the store's money format, comma-separated: $100.00, $50.00, $0.25."""
    return ", ".join(shown_amount(store, a) for a in amounts_minor)


def _steps_text(store: "Store", steps: tuple[int, ...]) -> str:
    shown = [shown_amount(store, s) for s in steps]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"


def parse_rounding(store: "Store", text: str) -> int:
    """A cash rounding step typed by the owner, in minor units: 0 (or 'off') for none, else one of the coins."""
    from pos.base.money_input import parse_amount

    if text.strip().lower() == "off":
        return 0
    s = store.settings
    step = parse_amount(text, s.currency, s.locale).amount_minor
    steps = coins(s.currency)
    if step and step not in steps:
        raise InvalidInput(f"'{text.strip()}' is not a cash rounding step {s.currency} coins can make: "
                           f"use {_steps_text(store, steps)}, or 0 for no rounding.")
    return step


def _has_symbol(text: str) -> bool:
    """Whether typed text holds more than digits and separators: a currency symbol or code ($1,000.00)."""
    return any(not (c.isascii() and (c.isdigit() or c in ",.")) and not c.isspace() for c in text)


def parse_list(store: "Store", text: str) -> list[int]:
    """Amounts typed as a list ('100, 50, 0.25', '$100.00; $50.00'), each more than zero, in minor units."""
    from babel.numbers import get_decimal_symbol

    from pos.base.money_input import parse_amount

    s = store.settings
    parts = [p for p in _LIST_SEPARATOR.split(text.strip()) if p.strip()]
    if get_decimal_symbol(s.locale) != ",":  # plain numbers split at their commas: 100,50,0.25 (not $1,000.00)
        parts = [q for p in parts for q in ([p] if _has_symbol(p) else p.split(",")) if q.strip()]
    return [parse_amount(p, s.currency, s.locale, allow_zero=False).amount_minor for p in parts]

