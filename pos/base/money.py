"""Money: integer minor units plus an ISO 4217 currency code, and nothing else.

This module owns every rule about amounts of money in Anytender:

* the :class:`Money` value type (``amount_minor`` is an ``int`` count of the
  currency's smallest unit: cents for USD, won for KRW, fils for BHD);
* how many decimals a currency has (:func:`exponent`, from babel's CLDR data);
* turning what a cashier types into ``Money`` (:func:`parse_amount`) and
  ``Money`` back into text for people (:func:`format_money`) and for files
  (:func:`format_plain`);
* splitting an amount into parts that add up exactly (:func:`allocate`) and
  rounding an exact intermediate result to whole minor units
  (:func:`round_half_up`).

There is never a ``float`` here: binary floating point cannot represent 0.10,
and a till that is out by a cent at closing is a bug report.  Exact
intermediates are ``Decimal`` or plain integer ratios.

babel is imported lazily inside the functions that need it, because importing
it costs tens of milliseconds and the CLI has a start-up budget: commands that
never show or read an amount should not pay for it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from pos.base.errors import InvalidInput
from pos.base.text import describe

__all__ = [
    "Money",
    "allocate",
    "exponent",
    "format_money",
    "format_plain",
    "parse_amount",
    "round_half_up",
    "sum_money",
]

# Longer input is not an amount anyone typed; refusing it early also bounds
# the work babel's strict parser does on hostile input.
MAX_INPUT_CHARS = 32
# A quadrillion minor units (ten trillion dollars) is far beyond any sale; an
# amount above it is a typo (extra zeros) or garbage, and refusing it keeps
# every total comfortably inside SQLite's 64-bit integers.
MAX_AMOUNT_MINOR = 10**15

_CURRENCY_SHAPE = re.compile(r"[A-Z]{3}")
# Bidirectional control marks that CLDR puts into some locales' formats
# (ar_*, fa_*, he_*); they are invisible and carry no numeric meaning.
_BIDI_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
# Minus signs people and CLDR actually use: ASCII hyphen-minus, U+2212 MINUS
# SIGN (fa, sv, fi...), and the dashes a phone keyboard may substitute.
# The three bidi *marks* CLDR puts around the sign and the symbol (never between digits); the
# embeddings, overrides and isolates (U+202A-E, U+2066-9) are never in a formatted amount.
_MARKS = frozenset("\u200e\u200f\u061c")
_MINUS_SIGNS = frozenset("-\u2212\u2012\u2013\ufe63\uff0d")
_SPACES = frozenset(" \u00a0\u2007\u2009\u202f")
_APOSTROPHES = frozenset("'\u2019")
_ASCII_DIGITS = frozenset("0123456789")
_DIGIT_RUN = re.compile("[0-9]+")


# ---------------------------------------------------------------------------
# Currency and locale data (babel, cached)
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def exponent(currency: str) -> int:
    """Return how many decimal digits ``currency`` has (USD 2, KRW 0, BHD 3).

    ``currency`` must be an upper-case ISO 4217 code that babel knows;
    anything else raises :class:`InvalidInput`.  Results are cached because
    every format and parse asks, and the answer never changes in a process.
    """
    if not isinstance(currency, str):
        raise TypeError(f"currency must be a str ISO 4217 code, not {type(currency).__name__}")
    unknown = InvalidInput(
        f"Unknown currency '{currency}': use an ISO 4217 code such as USD, EUR or KRW."
    )
    # Shape first: it is cheap, and babel's lookup is case-insensitive in
    # places, which would let 'usd' slip into stored data un-normalised.
    if not _CURRENCY_SHAPE.fullmatch(currency):
        raise unknown
    from babel.numbers import get_currency_precision, is_currency

    # get_currency_precision() silently answers 2 for codes it has never
    # heard of, so membership must be checked separately.
    if not is_currency(currency) or currency in _NOT_MONEY:
        raise unknown
    return int(get_currency_precision(currency))


# ISO 4217 codes that are not money a shop can take: "no currency", the test
# code, precious metals and accounting units.
_NOT_MONEY = frozenset({"XXX", "XTS", "XAU", "XAG", "XPT", "XPD", "XDR", "XBA", "XBB", "XBC", "XBD", "XSU", "XUA"})


class _LocaleNumbers:
    """The few CLDR facts parse_amount needs about one currency in one locale."""

    # A plain slotted class, not a dataclass: each @dataclass costs about a
    # millisecond at import, and this one is private and never compared.
    __slots__ = ("decimal", "group", "markers", "money_grouping", "minus_last")

    def __init__(
        self,
        decimal: str,
        group: str,
        markers: tuple[str, ...],
        money_grouping: tuple[int, int],
        minus_last: bool,
    ) -> None:
        self.decimal = decimal
        self.group = group
        # Currency markers accepted before or after the number, longest first
        # so that 'US$' is tried before '$'.
        self.markers = markers
        # (primary, secondary) group sizes of the locale's *currency* pattern,
        # which may differ from its number pattern (mr, ta: 12,34,567 for
        # numbers but 1,234,567 for money).
        self.money_grouping = money_grouping
        # Whether the locale writes a negative amount with the sign last
        # (fy: 'US$ 0,01-').
        self.minus_last = minus_last


@functools.lru_cache(maxsize=64)
def _load_locale(locale: str):  # -> babel.Locale (not annotated: babel is imported lazily)
    """Return babel's Locale for ``locale`` or raise InvalidInput."""
    # Cached: Locale.parse() re-resolves the identifier on every call, and a
    # process only ever uses a handful of locales.
    if not isinstance(locale, str):
        raise TypeError(f"locale must be a str such as 'en_US', not {type(locale).__name__}")
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(locale)
    except (UnknownLocaleError, ValueError, TypeError):
        raise InvalidInput(
            f"Unknown locale '{locale}': use a locale such as en_US, de_DE or ko_KR."
        ) from None


@functools.lru_cache(maxsize=256)
def _locale_numbers(currency: str, locale: str) -> _LocaleNumbers:
    # Cached: the CLDR lookups below are dictionary walks that would otherwise
    # run for every keystroke-sized parse.
    loc = _load_locale(locale)
    from babel.numbers import get_currency_symbol, get_decimal_symbol, get_group_symbol

    symbol = get_currency_symbol(currency, locale=loc).translate(_BIDI_MARKS).strip()
    markers = {currency}
    if symbol:
        markers.add(symbol)
    pattern = loc.currency_formats["standard"]
    return _LocaleNumbers(
        decimal=get_decimal_symbol(loc),
        group=get_group_symbol(loc),
        markers=tuple(sorted(markers, key=len, reverse=True)),
        money_grouping=pattern.grouping,
        minus_last="-" in pattern.suffix[1],
    )


@functools.lru_cache(maxsize=64)
def _apostrophe_grouping(locale: str) -> tuple[str, int, int] | None:
    """(group symbol, primary, secondary) where the locale groups with an ASCII apostrophe, else None."""
    loc = _load_locale(locale)
    from babel.numbers import get_group_symbol

    group = get_group_symbol(loc)
    if "'" not in group:
        return None
    primary, secondary = loc.currency_formats["standard"].grouping
    return group, primary, secondary


def _group_digits(digits: str, symbol: str, primary: int, secondary: int) -> str:
    """Insert ``symbol`` into a run of digits as babel does: ``primary`` digits last, then ``secondary``."""
    size = primary
    grouped = ""
    while len(digits) > size:
        grouped = symbol + digits[-size:] + grouped
        digits = digits[:-size]
        size = secondary
    return digits + grouped


# ---------------------------------------------------------------------------
# The value type
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount: ``amount_minor`` smallest units of ``currency``.

    ``Money(1840, "USD")`` is $18.40; ``Money(1840, "KRW")`` is ₩1,840.
    Construction checks only types and the code's shape (no babel import, so
    building values stays cheap); an unknown-but-well-formed code is caught
    the first time the value is formatted or converted.
    """

    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        # bool is an int subclass; Money(True, 'USD') is always a bug.
        if type(self.amount_minor) is bool or not isinstance(self.amount_minor, int):
            raise TypeError(
                "Money.amount_minor must be an int count of minor units, "
                f"not {type(self.amount_minor).__name__} ({self.amount_minor!r})"
            )
        if not isinstance(self.currency, str):
            raise TypeError(f"Money.currency must be a str, not {type(self.currency).__name__}")
        if not _CURRENCY_SHAPE.fullmatch(self.currency):
            raise InvalidInput(
                f"Unknown currency '{self.currency}': use an ISO 4217 code such as USD, EUR or KRW."
            )

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Return nothing-at-all in ``currency`` (the start of any sum)."""
        return cls(0, currency)

    def is_zero(self) -> bool:
        """Return True when the amount is exactly zero."""
        return self.amount_minor == 0

    def to_decimal(self) -> Decimal:
        """Return the exact major-unit value: ``Money(1840, 'USD')`` -> ``Decimal('18.40')``.

        The result always carries exactly the currency's digits (``18.40``,
        not ``18.4``), so it formats with the right number of decimals.
        """
        exp = exponent(self.currency)
        # Built from the digit tuple rather than by division so no Decimal
        # context (precision, rounding) can ever touch the value.
        digits = tuple(int(d) for d in str(abs(self.amount_minor)))
        return Decimal((1 if self.amount_minor < 0 else 0, digits, -exp))

    def _same_currency(self, other: Money, verb: str) -> None:
        if other.currency != self.currency:
            raise InvalidInput(
                f"Cannot {verb} {self.currency} and {other.currency} amounts: "
                "they are different currencies; convert one first."
            )

    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other, "add")
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def __sub__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other, "subtract")
        return Money(self.amount_minor - other.amount_minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount_minor, self.currency)

    def __mul__(self, quantity: object) -> Money:
        # Only whole quantities: multiplying by a rate (tax, discount) needs
        # a rounding decision, which belongs to the caller via round_half_up.
        if type(quantity) is bool or not isinstance(quantity, int):
            raise TypeError(
                f"Money can only be multiplied by an int quantity, not {type(quantity).__name__}; "
                "for rates compute a Decimal and use round_half_up()"
            )
        return Money(self.amount_minor * quantity, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other, "compare")
        return self.amount_minor < other.amount_minor

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other, "compare")
        return self.amount_minor <= other.amount_minor

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other, "compare")
        return self.amount_minor > other.amount_minor

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other, "compare")
        return self.amount_minor >= other.amount_minor


def sum_money(items: Iterable[Money], currency: str) -> Money:
    """Add up ``items``, all in ``currency``; an empty iterable gives zero.

    The currency is a parameter (not taken from the first item) so that an
    empty order still totals to a well-typed zero, and a stray item in another
    currency raises :class:`InvalidInput` instead of changing the result's
    currency.
    """
    total = Money.zero(currency)
    for item in items:
        total = total + item
    return total


# ---------------------------------------------------------------------------
# Text in and out
# ---------------------------------------------------------------------------


def format_money(money: Money, locale: str = "en_US") -> str:
    """Format ``money`` for people in ``locale``: ``$18.40``, ``1.234,56 €``, ``₩1,235``.

    Always shows exactly the currency's digits (never ``$18.4`` nor
    ``₩1,235.00``).  :func:`parse_amount` with the same locale reads the
    result back to the same value.
    """
    loc = _load_locale(locale)
    from babel.numbers import format_currency

    # currency_digits=True makes babel use the currency's own decimals rather
    # than the locale pattern's, and to_decimal() is already exact, so no
    # rounding happens here.
    apostrophe = _apostrophe_grouping(locale)
    if apostrophe is None:
        return format_currency(money.to_decimal(), money.currency, locale=loc, currency_digits=True)
    # babel removes every pair of apostrophes from the text it made (they quote
    # literal text in a pattern), separators included: where a locale groups
    # with an ASCII apostrophe (de_CH, fr_CH, it_CH... in babel 2.19) it writes
    # 1'234'567.00 as 1234567.00.  So babel formats without grouping, and the
    # integer part (its first digits) is grouped here as babel would have.
    text = format_currency(
        money.to_decimal(), money.currency, locale=loc, currency_digits=True, group_separator=False
    )
    match = _DIGIT_RUN.search(text)
    if match is None:  # unreachable: an amount always has digits; kept as a guard
        return text
    return text[: match.start()] + _group_digits(match.group(), *apostrophe) + text[match.end():]


def format_plain(money: Money) -> str:
    """Format ``money`` as a bare number: ``18.40``, ``-5.00``, ``1235`` (KRW), ``1.235`` (BHD).

    No symbol, no grouping, ``.`` as decimal point, exactly the currency's
    digits: the form for CSV, JSON and echoing CLI input, independent of
    locale.  ``parse_amount(format_plain(m), m.currency)`` gives back ``m``.
    """
    # 'f' never switches to scientific notation, which str(Decimal) may do.
    return format(money.to_decimal(), "f")


def format_typed(money: Money, locale: str = "en_US") -> str:
    """``money`` as a cashier types it in ``locale``: ``3.34`` (en_US), ``3,34`` (de_DE), ``1235`` (KRW).

    The bare number of :func:`format_plain` with the locale's decimal sign: no symbol and no grouping, so
    it is quick to type and :func:`parse_amount` with the same locale reads it back to ``money``.
    """
    plain = format_plain(money)
    decimal = _locale_numbers(money.currency, locale).decimal
    return plain if decimal == "." else plain.replace(".", decimal)


# ---------------------------------------------------------------------------
# Exact arithmetic helpers
# ---------------------------------------------------------------------------


