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


def _example(exp: int, decimal_symbol: str) -> str:
    """A sample amount with the currency's digits, for 'type it like ...' hints."""
    return "18" if exp == 0 else "18" + decimal_symbol + "4" + "0" * (exp - 1)


def _strip_marker(text: str, markers: tuple[str, ...]) -> str:
    """Remove one currency symbol or code from the start or the end of ``text``."""
    for marker in markers:
        n = len(marker)
        # Codes are letters and people type 'usd'; symbols are matched as-is.
        same = str.casefold if marker.isalpha() else str
        if len(text) >= n and same(text[:n]) == same(marker):
            return text[n:].strip()
        if len(text) >= n and same(text[-n:]) == same(marker):
            return text[:-n].strip()
    return text


def _hidden_in_amount(text: str) -> str | None:
    """The first character of a typed amount that is not shown as itself, or None.

    An amount is digits, separators, a sign and a currency symbol.  Refused: every control and
    format character (a right-to-left override makes '12.00' show as '00.21'), except spaces
    and, outside the digits, the bidi marks CLDR writes around the sign and the symbol
    (``'\\u200f12.00 US$'`` in ar, ``'-\\u200e$ 12.00'`` in fa) and the spaces, tabs or line
    breaks around what was typed.
    """
    if text.isprintable():
        return None
    import unicodedata

    digits = [index for index, char in enumerate(text) if char in _ASCII_DIGITS]
    first, last = (digits[0], digits[-1]) if digits else (len(text), -1)
    for index, char in enumerate(text):
        if char.isprintable() or unicodedata.category(char) == "Zs":
            continue
        if (char in _MARKS or char in "\t\r\n") and not first < index < last:
            continue
        return char
    return None


def parse_amount(
    text: str,
    currency: str,
    locale: str = "en_US",
    *,
    allow_negative: bool = False,
    allow_zero: bool = True,
) -> Money:
    """Turn what a cashier typed, or what :func:`format_money` showed, into Money.

    Accepts plain numbers (``20``, ``20.5``, ``.5``, ``1,000.00`` grouped the
    locale's way) and the locale's formatted form (``$18.40``, ``-₩1,235``,
    ``1.234,56 €``, ``BHD1.235``), with the symbol or code before or after,
    any kind of space, and a leading ``-`` or ``−``.  It refuses, with an
    :class:`InvalidInput` that quotes the text and says what to do: empty or
    over-long text, anything that is not a plain decimal number (``abc``,
    ``1e5``, ``NaN``, wrong grouping), more decimals than the currency has
    (even zeros: ``18.400`` in USD), negatives unless ``allow_negative``,
    zero unless ``allow_zero``, and more than 10**15 minor units.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_amount() needs the typed text as str, not {type(text).__name__}")
    exp = exponent(currency)
    info = _locale_numbers(currency, locale)
    example = _example(exp, info.decimal)
    not_an_amount = InvalidInput(f"'{text}' is not an amount: type digits like {example}.")

    if not text.strip():
        raise InvalidInput(f"Amount '{text}' is empty: type digits like {example}.")
    if len(text) > MAX_INPUT_CHARS:
        raise InvalidInput(
            f"Amount '{text if len(text) <= 64 else text[:40] + '...'}' is too long ({len(text)} characters, "
            f"at most {MAX_INPUT_CHARS}): "
            f"type digits like {example}."
        )
    hidden = _hidden_in_amount(text)
    if hidden is not None:
        raise InvalidInput(f"The amount holds an invisible or control character ({describe(hidden)}), which could "
                           f"make it show as another number: type digits like {example}.")

    # Normalise away what formatting adds but carries no value: bidi marks,
    # the kinds of space around symbols, and the Unicode minus signs.
    core = text.translate(_BIDI_MARKS).strip()
    negative = False
    if core[:1] in _MINUS_SIGNS:
        negative, core = True, core[1:].strip()
    core = _strip_marker(core, info.markers)
    # Some locales put the sign after a leading symbol: de_CH '$-1’234.00';
    # a few put it last: fy 'US$ 0,01-' (accepted only where the locale does).
    if not negative and core[:1] in _MINUS_SIGNS:
        negative, core = True, core[1:].strip()
    elif not negative and info.minus_last and core[-1:] in _MINUS_SIGNS:
        negative, core = True, core[:-1].strip()

    # Where the locale groups with a space or an apostrophe, accept any
    # variant: nobody can type U+202F NARROW NO-BREAK SPACE on purpose.
    if info.group in _SPACES:
        core = "".join(info.group if ch in _SPACES else ch for ch in core)
    elif info.group in _APOSTROPHES:
        core = "".join(info.group if ch in _APOSTROPHES else ch for ch in core)

    # Only ASCII digits and the locale's two separators may remain.  This
    # gate matters: Decimal() alone would accept 'NaN', 'Infinity', '1e5',
    # '1_000' and surrounding whitespace.
    allowed = _ASCII_DIGITS | {info.decimal, info.group}
    if not core or not set(core) <= allowed or not (set(core) & _ASCII_DIGITS):
        raise not_an_amount
    # '5.' is unambiguous, but babel's strict mode refuses '1,000.' while
    # accepting '5.'; dropping the bare point makes both behave alike.
    if core.endswith(info.decimal):
        core = core[: -len(info.decimal)]
        if not core:
            raise not_an_amount

    from babel.numbers import NumberFormatError, parse_decimal

    try:
        # strict=True refuses misplaced grouping ('1,00.00', '1,5' in en_US)
        # instead of guessing what was meant.
        value = parse_decimal(core, locale=_load_locale(locale), strict=True)
    except NumberFormatError:
        # babel's strict check knows only the locale's number pattern; accept
        # also the grouping of its currency pattern, which is what
        # format_money shows (mr_IN '₹123,456.78', de_CH "1'234'567.00").
        integer, _, fraction = core.partition(info.decimal)
        ungrouped = integer.replace(info.group, "")
        if not (ungrouped.isdigit() and (fraction.isdigit() or not fraction)) \
                or _group_digits(ungrouped, info.group, *info.money_grouping) != integer:
            raise not_an_amount from None
        try:
            value = parse_decimal(core, locale=_load_locale(locale), strict=False)
        except NumberFormatError:
            raise not_an_amount from None
    if not value.is_finite():  # unreachable after the gate; kept as a guard
        raise not_an_amount

    sign, digits, value_exp = value.as_tuple()
    assert isinstance(value_exp, int)
    fraction_digits = max(0, -value_exp)
    if fraction_digits > exp:
        # Refused even when the extra digits are zeros ('18.400'): a third
        # decimal on a dollar amount usually means a slipped finger, and
        # format_money never produces one, so nothing legitimate is lost.
        integer_part, _, fraction = core.partition(info.decimal)
        suggestion = ("-" if negative else "") + integer_part
        if exp:
            suggestion += info.decimal + fraction[:exp]
        raise InvalidInput(
            f"Amount '{text}' has more decimals than {currency} allows ({exp}): "
            f"type it like {suggestion}."
        )
    # Exact integer arithmetic from the digit tuple: no Decimal context
    # precision can round a long input here.
    magnitude = int("".join(map(str, digits))) * 10 ** (exp - fraction_digits)
    amount_minor = -magnitude if negative else magnitude

    if magnitude > MAX_AMOUNT_MINOR:
        limit = format_plain(Money(MAX_AMOUNT_MINOR, currency))
        raise InvalidInput(
            f"Amount '{text}' is too large: at most {limit} {currency} can be entered; "
            "check for extra zeros."
        )
    if amount_minor < 0 and not allow_negative:
        raise InvalidInput(f"Amount '{text}' cannot be negative here.")
    if amount_minor == 0 and not allow_zero:
        if allow_negative:
            raise InvalidInput(f"Amount '{text}' cannot be zero here.")
        raise InvalidInput(f"Amount '{text}' must be more than zero.")
    return Money(amount_minor, currency)


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


def _as_scaled_ints(weights: Sequence[int | Decimal]) -> list[int]:
    """Validate weights and scale them all by one power of ten into ints.

    Shares only depend on the weights' ratios, so a common scale factor turns
    Decimal weights into integers and keeps allocate() in exact integer
    arithmetic.
    """
    checked: list[tuple[int, int]] = []  # (digits as int, decimal exponent)
    for index, weight in enumerate(weights):
        if isinstance(weight, bool) or not isinstance(weight, (int, Decimal)):
            raise TypeError(
                f"allocate() weights must be int or Decimal, not {type(weight).__name__} "
                f"(weight {index + 1})"
            )
        if isinstance(weight, Decimal):
            if not weight.is_finite():
                raise InvalidInput(f"Weight {index + 1} ('{weight}') is not a number: use digits.")
            sign, digits, exp = weight.as_tuple()
            assert isinstance(exp, int)
            value = int("".join(map(str, digits)))
            if sign and value:
                raise InvalidInput(f"Weight {index + 1} ('{weight}') cannot be negative.")
            checked.append((value, exp))
        else:
            if weight < 0:
                raise InvalidInput(f"Weight {index + 1} ('{weight}') cannot be negative.")
            checked.append((weight, 0))
    scale = max((-exp for _, exp in checked if exp < 0), default=0)
    return [value * 10 ** (exp + scale) for value, exp in checked]


def allocate(total: int, weights: Sequence[int | Decimal]) -> list[int]:
    """Split the integer ``total`` into parts proportional to ``weights``.

    The parts always add up to exactly ``total`` and each is within one unit
    of its exact share.  Largest-remainder method: every part gets the floor
    of its exact share, then the units left over go one each to the parts with
    the largest remainders, ties to the lower index, so the result is
    deterministic.  A negative total is split as its magnitude and negated,
    so ``allocate(-t, w)`` is ``-allocate(t, w)`` part by part.

    Weights are non-negative ``int`` or ``Decimal``; a zero weight gets 0.
    Empty or all-zero weights raise :class:`InvalidInput`.
    """
    if isinstance(total, bool) or not isinstance(total, int):
        raise TypeError(f"allocate() total must be an int of minor units, not {type(total).__name__}")
    if len(weights) == 0:
        raise InvalidInput("Nothing to split between: give at least one share.")
    scaled = _as_scaled_ints(weights)
    weight_sum = sum(scaled)
    if weight_sum == 0:
        raise InvalidInput("Every share is zero: give at least one share more than zero.")

    magnitude = abs(total)
    # share_i = magnitude * w_i / W exactly; divmod gives its floor and a
    # remainder over the common denominator W, so remainders compare as ints.
    floors_and_rests = [divmod(magnitude * w, weight_sum) for w in scaled]
    parts = [floor for floor, _ in floors_and_rests]
    leftover = magnitude - sum(parts)
    # leftover < len(parts), and it equals the sum of the fractional parts, so
    # only parts with a non-zero remainder (never a zero weight) get a unit.
    order = sorted(range(len(parts)), key=lambda i: (-floors_and_rests[i][1], i))
    for i in order[:leftover]:
        parts[i] += 1
    return [-p for p in parts] if total < 0 else parts


def round_half_up(value: Decimal | int) -> int:
    """Round ``value`` to a whole number, halves away from zero.

    ``2.5 -> 3``, ``-2.5 -> -3``, ``2.4999 -> 2``: the rule receipts and tax
    authorities expect, unlike Python's round() which rounds halves to even.
    Use it to turn an exact ``Decimal`` in minor units (e.g. a tax amount)
    into an ``int`` for :class:`Money`.
    """
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise TypeError(f"round_half_up() needs a Decimal or int, not {type(value).__name__}")
    if isinstance(value, int):
        return value
    if not value.is_finite():
        raise ValueError(f"round_half_up() cannot round {value!r}")
    # to_integral_value is exact regardless of the context's precision.
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))
