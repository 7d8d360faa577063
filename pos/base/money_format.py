"""Formatting money fast, with the locale's own rules learned once from babel.

Loading babel and a locale's CLDR data costs ~20 ms, more than the rest of
a cashier's command.  So when a store's settings are saved,
:func:`derive_facts` asks babel to format a few probe amounts and reads back
what it needs (symbol placement, signs, separators, grouping sizes); those
facts are stored with the settings, and :class:`Formatter` applies them with
plain string operations.

Before it accepts what it learned, :func:`derive_facts` checks the facts
against :func:`pos.base.money.format_money` for every digit count from 1 to 19
(every amount a 64-bit integer holds), both signs, and zero.  That check is
sound: the Formatter's output depends only on the sign and on how many digits
the amount has (each digit just takes its place), and so does babel's for a
currency pattern, so agreeing on one amount of each sign and length means
agreeing on all of them.  A locale whose output it cannot learn (non-ASCII
digits, or grouping our model does not follow) gets ``None`` and the caller
falls back to babel.  The tests run this over every locale babel knows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from pos.base.money import Money, exponent, format_money

# The amounts derive_facts checks: one of every digit count up to 19 digits
# (every int64), with every digit different from its neighbours so that a
# dropped, doubled or swapped digit shows.
_CHECK_DIGITS = "1234567890123456789"
CHECKED_DIGITS = len(_CHECK_DIGITS)
# The facts are read from the check amount with 13 integer digits
# (1,234,567,890,123, or 12,34,56,78,90,123 in India) and from the one with
# four, which shows whether a lone thousand is grouped (1,234 or 1234).
_LEARN_INTEGER = 13
# What Formatter needs, with its type: facts read back from a store that lack
# one (an older or damaged row) are not used.
_FACT_TYPES: dict[str, type] = {
    "currency": str, "locale": str, "exp": int, "pos_prefix": str, "pos_suffix": str,
    "neg_prefix": str, "neg_suffix": str, "decimal": str, "group": str,
    "primary": int, "secondary": int, "min_grouping": int,
}


def _split(text: str) -> tuple[str, str, str] | None:
    """(prefix, body, suffix) around the ASCII digits, or None if there are none or others."""
    if any(c.isdigit() and not c.isascii() for c in text):
        return None
    first = next((i for i, c in enumerate(text) if c.isascii() and c.isdigit()), None)
    last = max((i for i, c in enumerate(text) if c.isascii() and c.isdigit()), default=None)
    if first is None or last is None:
        return None
    return text[:first], text[first:last + 1], text[last + 1:]


def check_amounts(exp: int) -> Iterator[int]:
    """The amounts (minor units) whose text must equal babel's before facts are accepted.

    Zero; one amount of each digit count from 1 to 19, positive and negative;
    and one unit and minus a thousand units (1.00, -1,000.00), whose zeros
    would show a formatter that drops trailing zeros.
    """
    yield 0
    for n in range(1, CHECKED_DIGITS + 1):
        value = int(_CHECK_DIGITS[:n])
        yield value
        yield -value
    yield 10**exp
    yield -(10 ** (exp + 3))


def derive_facts(currency: str, locale: str) -> dict[str, Any] | None:
    """Learn how babel formats ``currency`` in ``locale`` (None if it cannot be learned).

    The facts are returned only if :class:`Formatter` then writes exactly what
    :func:`pos.base.money.format_money` writes for every amount of
    :func:`check_amounts`; otherwise None (format with babel).  About 1 ms,
    plus the first load of the locale's data (up to ~10 ms).
    """
    exp = exponent(currency)
    babel = {amount: format_money(Money(amount, currency), locale) for amount in check_amounts(exp)}
    probe = int(_CHECK_DIGITS[: _LEARN_INTEGER + exp])
    fraction = _CHECK_DIGITS[_LEARN_INTEGER:][:exp]
    positive = _split(babel[probe])
    negative = _split(babel[-probe])
    four = _split(babel[int(_CHECK_DIGITS[: 4 + exp])])
    if positive is None or negative is None or four is None:
        return None
    body = positive[1]
    if negative[1] != body:
        return None
    decimal = ""
    integer = body
    if exp:
        if not body.endswith(fraction):
            return None
        rest = body[: -exp]
        decimal = _trailing_symbols(rest)
        integer = rest[: len(rest) - len(decimal)]
    group = "".join(c for c in integer if not c.isdigit())
    groups = [integer]
    separator = ""
    if group:
        separator = _first_separator(integer)
        groups = integer.split(separator)
        if "".join(groups) != _CHECK_DIGITS[:_LEARN_INTEGER]:
            return None
    facts = {
        "currency": currency,
        "locale": locale,
        "exp": exp,
        "pos_prefix": positive[0],
        "pos_suffix": positive[2],
        "neg_prefix": negative[0],
        "neg_suffix": negative[2],
        "decimal": decimal,
        "group": separator,
        "primary": len(groups[-1]) if len(groups) > 1 else 0,
        "secondary": len(groups[-2]) if len(groups) > 2 else (len(groups[-1]) if len(groups) > 1 else 0),
        "min_grouping": 1 if separator and separator in four[1] else 2,
    }
    formatter = Formatter(facts)
    if any(formatter(amount) != text for amount, text in babel.items()):
        return None
    return facts


def _trailing_symbols(text: str) -> str:
    end = len(text)
    start = end
    while start > 0 and not text[start - 1].isdigit():
        start -= 1
    return text[start:end]


def _first_separator(integer: str) -> str:
    start = next(i for i, c in enumerate(integer) if not c.isdigit())
    end = start
    while end < len(integer) and not integer[end].isdigit():
        end += 1
    return integer[start:end]


class Formatter:
    """Formats minor units with facts from :func:`derive_facts`; no babel needed."""

    __slots__ = ("_f",)

    def __init__(self, facts: dict[str, Any]) -> None:
        self._f = facts

    @classmethod
    def from_json(cls, text: str) -> "Formatter | None":
        try:
            facts = json.loads(text)
        except ValueError:
            return None
        if not isinstance(facts, dict) or any(
            type(facts.get(key)) is not kind for key, kind in _FACT_TYPES.items()
        ):
            return None
        return cls(facts)

    def __call__(self, amount_minor: int) -> str:
        f = self._f
        exp = f["exp"]
        digits = str(abs(amount_minor)).rjust(exp + 1, "0")
        integer, fraction = (digits[:-exp], digits[-exp:]) if exp else (digits, "")
        primary, secondary, group = f["primary"], f["secondary"], f["group"]
        if group and primary and len(integer) >= primary + f["min_grouping"]:
            parts = [integer[-primary:]]
            rest = integer[:-primary]
            while rest:
                parts.append(rest[-secondary:])
                rest = rest[:-secondary]
            integer = group.join(reversed(parts))
        body = integer + (f["decimal"] + fraction if exp else "")
        if amount_minor < 0:
            return f["neg_prefix"] + body + f["neg_suffix"]
        return f["pos_prefix"] + body + f["pos_suffix"]


def formatter_for(store: Any) -> "Formatter | Any":
    """The store's formatter: learned facts from its settings, else babel itself."""
    settings = store.settings
    row = store.one("SELECT value FROM settings WHERE key = 'money.format'")
    if row is not None:
        formatter = Formatter.from_json(row["value"])
        if formatter is not None and formatter._f.get("currency") == settings.currency \
                and formatter._f.get("locale") == settings.locale:
            return formatter

    return lambda amount_minor: format_money(Money(amount_minor, settings.currency), settings.locale)


def store_money(store: Any, amount_minor: int) -> str:
    """An amount in the store's currency, formatted for its locale (the formatter is kept on the store)."""
    formatter = store.memo.get("formatter")
    if formatter is None:
        formatter = store.memo["formatter"] = formatter_for(store)
    return str(formatter(amount_minor))


def store_facts(store: Any) -> None:
    """Learn and keep the formatting facts for the store's currency and locale."""
    settings = store.settings
    facts = derive_facts(settings.currency, settings.locale)
    with store.write() as conn:
        if facts is None:
            conn.execute("DELETE FROM settings WHERE key = 'money.format'")
        else:
            conn.execute(
                "INSERT INTO settings(key, value) VALUES ('money.format', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (json.dumps(facts, sort_keys=True),),
            )
