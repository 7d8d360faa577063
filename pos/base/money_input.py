"""Reading an amount as a person types it: through Decimal, in the currency's digits and the locale's marks,
quoting the input when it refuses (:class:`pos.base.money.Money` is what it gives)."""

from __future__ import annotations

from pos.base.errors import InvalidInput
from pos.base.text import describe
from pos.base.money import (
    MAX_AMOUNT_MINOR,
    MAX_INPUT_CHARS,
    Money,
    _APOSTROPHES,
    _ASCII_DIGITS,
    _BIDI_MARKS,
    _MARKS,
    _MINUS_SIGNS,
    _SPACES,
    _group_digits,
    _load_locale,
    _locale_numbers,
    exponent,
    format_money,
    format_plain,
)


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
