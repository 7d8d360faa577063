"""Tests for pos.base.money: exact amounts, parsing what cashiers type, formatting, splitting.

No floats anywhere: expected values are int, Decimal or Fraction.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos.base.errors import InvalidInput
from pos.base.money import Money, exponent, format_money, format_plain, format_typed, sum_money
from pos.base.money_input import parse_amount
from pos.base.shares import allocate, round_half_up

CURRENCIES = ["USD", "EUR", "KRW", "JPY", "BHD", "GBP"]
LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR", "ko_KR", "ja_JP"]

# Property tests run many babel formats; keep the whole file well under 10 s.
fast = settings(max_examples=150, deadline=None)


# --- exponent ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "digits"),
    [("USD", 2), ("EUR", 2), ("GBP", 2), ("KRW", 0), ("JPY", 0), ("BHD", 3)],
)
def test_exponent_of_known_currencies(code: str, digits: int) -> None:
    assert exponent(code) == digits


@pytest.mark.parametrize("code", ["XYZ", "usd", "US", "USDX", "", "12A", " USD"])
def test_exponent_refuses_unknown_or_malformed_codes(code: str) -> None:
    with pytest.raises(InvalidInput) as info:
        exponent(code)
    assert f"'{code}'" in info.value.message
    assert "ISO 4217" in info.value.message


def test_exponent_unknown_message_is_exact() -> None:
    with pytest.raises(InvalidInput, match=r"^Unknown currency 'XYZ': use an ISO 4217 code such as USD, EUR or KRW\.$"):
        exponent("XYZ")


def test_exponent_is_cached() -> None:
    exponent("USD")
    before = exponent.cache_info().hits
    exponent("USD")
    assert exponent.cache_info().hits == before + 1


# --- Money value type ---------------------------------------------------------


def test_money_arithmetic() -> None:
    a, b = Money(1840, "USD"), Money(160, "USD")
    assert a + b == Money(2000, "USD")
    assert a - b == Money(1680, "USD")
    assert b - a == Money(-1680, "USD")
    assert -a == Money(-1840, "USD")
    assert a * 3 == Money(5520, "USD")
    assert 3 * a == Money(5520, "USD")
    assert a * 0 == Money(0, "USD")
    assert a * -1 == -a


def test_money_ordering_same_currency() -> None:
    small, big = Money(1, "KRW"), Money(2, "KRW")
    assert small < big and small <= big and big > small and big >= small
    assert small <= Money(1, "KRW") and small >= Money(1, "KRW")
    assert sorted([big, small]) == [small, big]


@pytest.mark.parametrize(
    "operation",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a < b,
        lambda a, b: a <= b,
        lambda a, b: a > b,
        lambda a, b: a >= b,
    ],
)
def test_money_mixing_currencies_raises_naming_both(operation) -> None:
    with pytest.raises(InvalidInput) as info:
        operation(Money(100, "USD"), Money(100, "EUR"))
    assert "USD" in info.value.message and "EUR" in info.value.message


def test_money_equality_includes_currency() -> None:
    assert Money(100, "USD") != Money(100, "EUR")
    assert Money(100, "USD") == Money(100, "USD")
    assert hash(Money(100, "USD")) == hash(Money(100, "USD"))


def test_money_zero_and_is_zero() -> None:
    assert Money.zero("JPY") == Money(0, "JPY")
    assert Money.zero("JPY").is_zero()
    assert not Money(-1, "JPY").is_zero()


@pytest.mark.parametrize("bad", [Decimal("18.40"), Fraction(1, 2), "1840", True, None])
def test_money_refuses_non_int_amount(bad) -> None:
    with pytest.raises(TypeError):
        Money(bad, "USD")


def test_money_refuses_float_amount() -> None:
    # Built from a string so that no float literal appears in the test file.
    with pytest.raises(TypeError):
        Money(float("18.40"), "USD")


@pytest.mark.parametrize("bad", ["usd", "US", "DOLLAR", "U$D"])
def test_money_refuses_malformed_currency(bad: str) -> None:
    with pytest.raises(InvalidInput):
        Money(1, bad)


def test_money_is_frozen() -> None:
    m = Money(1, "USD")
    with pytest.raises(AttributeError):
        m.amount_minor = 2  # type: ignore[misc]


@pytest.mark.parametrize("bad", [Decimal("1.5"), Fraction(3, 2), True, "2"])
def test_money_multiplies_by_int_only(bad) -> None:
    with pytest.raises(TypeError):
        Money(100, "USD") * bad


def test_money_does_not_add_plain_numbers() -> None:
    with pytest.raises(TypeError):
        Money(100, "USD") + 1  # type: ignore[operator]


@pytest.mark.parametrize(
    ("money", "expected"),
    [
        (Money(1840, "USD"), Decimal("18.40")),
        (Money(-500, "USD"), Decimal("-5.00")),
        (Money(5, "USD"), Decimal("0.05")),
        (Money(0, "USD"), Decimal("0.00")),
        (Money(1235, "KRW"), Decimal("1235")),
        (Money(1235, "BHD"), Decimal("1.235")),
        (Money(10**30 + 1, "USD"), Decimal("1" + "0" * 28 + ".01")),
    ],
)
def test_to_decimal_is_exact_with_currency_digits(money: Money, expected: Decimal) -> None:
    result = money.to_decimal()
    assert result == expected
    assert str(result) == str(expected)  # same digits, not just the same value


def test_sum_money() -> None:
    items = [Money(100, "USD"), Money(250, "USD"), Money(-50, "USD")]
    assert sum_money(items, "USD") == Money(300, "USD")
    assert sum_money([], "EUR") == Money(0, "EUR")
    assert sum_money(iter(items), "USD") == Money(300, "USD")
    with pytest.raises(InvalidInput):
        sum_money([Money(1, "USD"), Money(1, "EUR")], "USD")
    with pytest.raises(InvalidInput):
        sum_money([Money(1, "EUR")], "USD")


# --- parse_amount -------------------------------------------------------------

GOOD = [
    # (text, currency, locale, kwargs, expected amount_minor)
    ("20", "USD", "en_US", {}, 2000),
    ("20.5", "USD", "en_US", {}, 2050),
    ("18.40", "USD", "en_US", {}, 1840),
    (".5", "USD", "en_US", {}, 50),
    ("0.05", "USD", "en_US", {}, 5),
    ("1,000.00", "USD", "en_US", {}, 100000),
    ("1,234,567.89", "USD", "en_US", {}, 123456789),
    ("  18.40  ", "USD", "en_US", {}, 1840),
    ("$18.40", "USD", "en_US", {}, 1840),
    ("18.40 USD", "USD", "en_US", {}, 1840),
    ("usd 18.40", "USD", "en_US", {}, 1840),
    ("5.", "USD", "en_US", {}, 500),
    ("0", "USD", "en_US", {}, 0),
    ("-5", "USD", "en_US", {"allow_negative": True}, -500),
    ("\u22125.00", "USD", "en_US", {"allow_negative": True}, -500),
    ("-$5.00", "USD", "en_US", {"allow_negative": True}, -500),
    ("US$18.40", "USD", "en_GB", {}, 1840),
    ("£18.40", "GBP", "en_GB", {}, 1840),
    ("1.234,56 €", "EUR", "de_DE", {}, 123456),
    ("1.234,56\u00a0€", "EUR", "de_DE", {}, 123456),
    ("1234,56", "EUR", "de_DE", {}, 123456),
    ("1.000", "EUR", "de_DE", {}, 100000),
    ("-1.234,56 €", "EUR", "de_DE", {"allow_negative": True}, -123456),
    ("18,4", "EUR", "de_DE", {}, 1840),
    ("1\u202f234,56\u00a0€", "EUR", "fr_FR", {}, 123456),
    ("1 234,56 €", "EUR", "fr_FR", {}, 123456),
    ("1\u00a0234,56", "EUR", "fr_FR", {}, 123456),
    ("18,40 $US", "USD", "fr_FR", {}, 1840),
    ("1235", "KRW", "en_US", {}, 1235),
    ("₩1,235", "KRW", "ko_KR", {}, 1235),
    ("1,235", "KRW", "ko_KR", {}, 1235),
    ("1.235\u00a0₩", "KRW", "de_DE", {}, 1235),
    ("￥1,235", "JPY", "ja_JP", {}, 1235),
    ("JPY 500", "JPY", "ja_JP", {}, 500),
    ("1.235", "BHD", "en_US", {}, 1235),
    ("BHD1.235", "BHD", "en_US", {}, 1235),
    ("1,5", "BHD", "de_DE", {}, 1500),
    ("$-1’234.50", "USD", "de_CH", {"allow_negative": True}, -123450),
    ("1'234.50", "USD", "de_CH", {}, 123450),
    ("10000000000000.00", "USD", "en_US", {}, 10**15),
]


@pytest.mark.parametrize(("text", "currency", "locale", "kwargs", "minor"), GOOD)
def test_parse_good(text: str, currency: str, locale: str, kwargs: dict, minor: int) -> None:
    assert parse_amount(text, currency, locale, **kwargs) == Money(minor, currency)


BAD = [
    # (text, currency, locale, kwargs, words the message must contain)
    ("", "USD", "en_US", {}, "empty"),
    ("   ", "USD", "en_US", {}, "empty"),
    ("abc", "USD", "en_US", {}, "not an amount"),
    ("12a", "USD", "en_US", {}, "not an amount"),
    ("1.2.3", "USD", "en_US", {}, "not an amount"),
    ("1.2.3", "EUR", "de_DE", {}, "not an amount"),
    ("NaN", "USD", "en_US", {}, "not an amount"),
    ("Infinity", "USD", "en_US", {}, "not an amount"),
    ("-Infinity", "USD", "en_US", {"allow_negative": True}, "not an amount"),
    ("1e5", "USD", "en_US", {}, "not an amount"),
    ("1_000", "USD", "en_US", {}, "not an amount"),
    ("+5", "USD", "en_US", {}, "not an amount"),
    ("1,00.00", "USD", "en_US", {}, "not an amount"),
    ("1,5", "USD", "en_US", {}, "not an amount"),
    ("1.234,56", "USD", "en_US", {}, "not an amount"),
    ("1,234.56", "EUR", "de_DE", {}, "not an amount"),
    ("€5", "USD", "en_US", {}, "not an amount"),
    ("$", "USD", "en_US", {}, "not an amount"),
    (".", "USD", "en_US", {}, "not an amount"),
    ("-", "USD", "en_US", {"allow_negative": True}, "not an amount"),
    ("--5", "USD", "en_US", {"allow_negative": True}, "not an amount"),
    ("-$-5", "USD", "en_US", {"allow_negative": True}, "not an amount"),
    ("$5$", "USD", "en_US", {}, "not an amount"),
    ("5 5", "USD", "en_US", {}, "not an amount"),
    ("٥", "USD", "en_US", {}, "not an amount"),
    ("12.345", "USD", "en_US", {}, "more decimals than USD allows (2)"),
    ("18.400", "USD", "en_US", {}, "more decimals than USD allows (2)"),
    ("5.5", "KRW", "en_US", {}, "more decimals than KRW allows (0)"),
    ("5.0", "JPY", "en_US", {}, "more decimals than JPY allows (0)"),
    ("1.2345", "BHD", "en_US", {}, "more decimals than BHD allows (3)"),
    ("12,345", "EUR", "de_DE", {}, "more decimals than EUR allows (2)"),
    ("-5", "USD", "en_US", {}, "cannot be negative"),
    ("\u22125", "USD", "en_US", {}, "cannot be negative"),
    ("-$5.00", "USD", "en_US", {}, "cannot be negative"),
    ("0", "USD", "en_US", {"allow_zero": False}, "must be more than zero"),
    ("0.00", "USD", "en_US", {"allow_zero": False}, "must be more than zero"),
    ("0", "USD", "en_US", {"allow_zero": False, "allow_negative": True}, "cannot be zero"),
    ("1" * 33, "USD", "en_US", {}, "too long"),
    ("10000000000000.01", "USD", "en_US", {}, "too large"),
    ("1000000000000001", "KRW", "en_US", {}, "too large"),
]


@pytest.mark.parametrize(("text", "currency", "locale", "kwargs", "words"), BAD)
def test_parse_bad(text: str, currency: str, locale: str, kwargs: dict, words: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_amount(text, currency, locale, **kwargs)
    message = info.value.message
    assert f"'{text}'" in message, message
    assert words in message, message
    # Every message tells the cashier what to do or what rule applies.
    assert message.endswith("."), message


@pytest.mark.parametrize(
    ("text", "currency", "expected"),
    [
        ("12.345", "USD", "Amount '12.345' has more decimals than USD allows (2): type it like 12.34."),
        ("abc", "USD", "'abc' is not an amount: type digits like 18.40."),
        ("-5", "USD", "Amount '-5' cannot be negative here."),
        ("5.5", "KRW", "Amount '5.5' has more decimals than KRW allows (0): type it like 5."),
        ("1.2345", "BHD", "Amount '1.2345' has more decimals than BHD allows (3): type it like 1.234."),
    ],
)
def test_parse_messages_word_for_word(text: str, currency: str, expected: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_amount(text, currency)
    assert info.value.message == expected


def test_parse_zero_message_word_for_word() -> None:
    with pytest.raises(InvalidInput) as info:
        parse_amount("0", "USD", allow_zero=False)
    assert info.value.message == "Amount '0' must be more than zero."


def test_parse_refuses_unknown_currency_and_locale() -> None:
    with pytest.raises(InvalidInput, match="Unknown currency 'XYZ'"):
        parse_amount("5", "XYZ")
    with pytest.raises(InvalidInput, match="Unknown locale 'xx_YY'"):
        parse_amount("5", "USD", "xx_YY")


def test_parse_refuses_non_str_text() -> None:
    with pytest.raises(TypeError):
        parse_amount(5, "USD")  # type: ignore[arg-type]


# --- formatting -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("money", "locale", "expected"),
    [
        (Money(1840, "USD"), "en_US", "$18.40"),
        (Money(-500, "USD"), "en_US", "-$5.00"),
        (Money(1235, "KRW"), "ko_KR", "₩1,235"),
        (Money(1235, "JPY"), "en_US", "¥1,235"),
        (Money(1235, "BHD"), "en_US", "BHD1.235"),
        (Money(123456, "EUR"), "de_DE", "1.234,56\u00a0€"),
        (Money(123456, "EUR"), "fr_FR", "1\u202f234,56\u00a0€"),
    ],
)
def test_format_money(money: Money, locale: str, expected: str) -> None:
    assert format_money(money, locale) == expected


@pytest.mark.parametrize(
    ("money", "expected"),
    [
        (Money(1840, "USD"), "18.40"),
        (Money(-500, "USD"), "-5.00"),
        (Money(5, "USD"), "0.05"),
        (Money(-5, "USD"), "-0.05"),
        (Money(0, "USD"), "0.00"),
        (Money(1235, "KRW"), "1235"),
        (Money(0, "KRW"), "0"),
        (Money(1235, "BHD"), "1.235"),
        (Money(1, "BHD"), "0.001"),
        (Money(123456789012, "EUR"), "1234567890.12"),
    ],
)
def test_format_plain(money: Money, expected: str) -> None:
    assert format_plain(money) == expected


def test_format_money_refuses_unknown_locale() -> None:
    with pytest.raises(InvalidInput, match="Unknown locale"):
        format_money(Money(1, "USD"), "xx_YY")


money_strategy = st.builds(
    Money,
    amount_minor=st.integers(min_value=-(10**12), max_value=10**12),
    currency=st.sampled_from(CURRENCIES),
)


@fast
@given(money=money_strategy, locale=st.sampled_from(LOCALES))
def test_format_money_round_trips_through_parse(money: Money, locale: str) -> None:
    text = format_money(money, locale)
    assert parse_amount(text, money.currency, locale, allow_negative=True) == money


@fast
@given(money=money_strategy, locale=st.sampled_from(LOCALES))
def test_format_money_shows_exactly_the_currency_digits(money: Money, locale: str) -> None:
    from babel.numbers import get_decimal_symbol

    text = format_money(money, locale)
    decimal_symbol = get_decimal_symbol(locale)
    digits = exponent(money.currency)
    if digits == 0:
        assert decimal_symbol not in text
    else:
        _, _, after = text.rpartition(decimal_symbol)
        fraction = "".join(ch for ch in after if ch.isdigit())
        assert len(fraction) == digits, text


@fast
@given(money=money_strategy)
def test_format_plain_round_trips_through_parse(money: Money) -> None:
    text = format_plain(money)
    assert parse_amount(text, money.currency, allow_negative=True) == money
    assert Decimal(text) == money.to_decimal()


@fast
@given(money=money_strategy, locale=st.sampled_from([*LOCALES, "de_CH", "ar_EG", "hi_IN", "br_FR"]))
def test_the_typed_form_has_no_symbol_nor_grouping_and_reads_back_in_its_locale(money: Money, locale: str) -> None:
    """What the register tells a cashier to type (split shares): digits and the locale's decimal sign."""
    text = format_typed(money, locale)
    assert parse_amount(text, money.currency, locale, allow_negative=True) == money
    assert text.lstrip("-").replace(",", "").replace(".", "").replace("\u066b", "").isdigit()


def test_the_typed_form_uses_the_locales_decimal_sign() -> None:
    assert format_typed(Money(334, "USD")) == "3.34"
    assert format_typed(Money(334, "EUR"), "de_DE") == "3,34"
    assert format_typed(Money(123456, "EUR"), "de_DE") == "1234,56"  # no grouping to type
    assert format_typed(Money(1235, "KRW"), "ko_KR") == "1235"


# --- allocate ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        (1, [1, 1, 1], [1, 0, 0]),
        (2, [1, 1, 1], [1, 1, 0]),
        (100, [1, 1, 1], [34, 33, 33]),
        (-100, [1, 1, 1], [-34, -33, -33]),
        (-1, [1, 1, 1], [-1, 0, 0]),
        (0, [1, 2], [0, 0]),
        (100, [1], [100]),
        (100, [0, 1, 0], [0, 100, 0]),
        (10, [Decimal("0.5"), 1, 0], [3, 7, 0]),
        (1000, [Decimal("0.25"), Decimal("0.75")], [250, 750]),
        (7, [Decimal("1.0"), Decimal("1.00")], [4, 3]),
        (5, [3, 1, 1], [3, 1, 1]),
        (1, [1, 3], [0, 1]),
    ],
)
def test_allocate_examples(total: int, weights: list, expected: list[int]) -> None:
    assert allocate(total, weights) == expected


@pytest.mark.parametrize(
    ("weights", "words"),
    [([], "at least one share"), ([0, 0], "zero"), ([Decimal("0"), 0], "zero")],
)
def test_allocate_refuses_empty_or_all_zero(weights: list, words: str) -> None:
    with pytest.raises(InvalidInput, match=words):
        allocate(100, weights)


@pytest.mark.parametrize("weights", [[1, -1], [Decimal("-0.5"), 2]])
def test_allocate_refuses_negative_weights(weights: list) -> None:
    with pytest.raises(InvalidInput, match="negative"):
        allocate(100, weights)


def test_allocate_refuses_non_finite_and_float_weights() -> None:
    with pytest.raises(InvalidInput):
        allocate(100, [Decimal("NaN"), 1])
    with pytest.raises(InvalidInput):
        allocate(100, [Decimal("Infinity"), 1])
    with pytest.raises(TypeError):
        allocate(100, [float("1"), 1])
    with pytest.raises(TypeError):
        allocate(Decimal("100"), [1, 1])  # type: ignore[arg-type]


weight_strategy = st.one_of(
    st.integers(min_value=0, max_value=10**6),
    st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False, allow_infinity=False),
)
weights_strategy = st.lists(weight_strategy, min_size=1, max_size=12).filter(
    lambda ws: any(w > 0 for w in ws)
)


@fast
@given(total=st.integers(min_value=-(10**12), max_value=10**12), weights=weights_strategy)
def test_allocate_properties(total: int, weights: list) -> None:
    parts = allocate(total, weights)
    assert len(parts) == len(weights)
    assert all(type(p) is int for p in parts)
    assert sum(parts) == total
    weight_sum = sum(Fraction(w) for w in weights)
    for part, weight in zip(parts, weights):
        share = Fraction(total) * Fraction(weight) / weight_sum
        assert abs(part - share) < 1
        if weight == 0:
            assert part == 0
    # Deterministic, and symmetric in sign.
    assert allocate(total, weights) == parts
    assert allocate(-total, weights) == [-p for p in parts]


@fast
@given(count=st.integers(min_value=1, max_value=20), total=st.integers(min_value=0, max_value=10**6))
def test_allocate_equal_weights_ties_go_to_lower_index(count: int, total: int) -> None:
    parts = allocate(total, [1] * count)
    base, extra = divmod(total, count)
    assert parts == [base + 1] * extra + [base] * (count - extra)


# --- round_half_up ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("2.5"), 3),
        (Decimal("-2.5"), -3),
        (Decimal("3.5"), 4),
        (Decimal("-3.5"), -4),
        (Decimal("0.5"), 1),
        (Decimal("-0.5"), -1),
        (Decimal("2.4999"), 2),
        (Decimal("-2.4999"), -2),
        (Decimal("2.5001"), 3),
        (Decimal("0"), 0),
        (Decimal("-0"), 0),
        (Decimal("7"), 7),
        (Decimal("1E+3"), 1000),
        (Decimal("123456789012345678901234567890.5"), 123456789012345678901234567891),
        (42, 42),
    ],
)
def test_round_half_up(value: Decimal, expected: int) -> None:
    result = round_half_up(value)
    assert result == expected
    assert type(result) is int


def test_round_half_up_refuses_floats_and_non_finite() -> None:
    with pytest.raises(TypeError):
        round_half_up(float("2.5"))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        round_half_up(Decimal("NaN"))


# --- import cost ------------------------------------------------------------------


def test_importing_pos_money_does_not_import_babel() -> None:
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    code = "import sys, pos.base.money; print('babel' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("code", ["XXX", "XTS", "XAU"])
def test_codes_that_are_not_money_are_refused(code: str) -> None:
    with pytest.raises(InvalidInput, match="Unknown currency"):
        exponent(code)
