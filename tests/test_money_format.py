"""The fast formatter writes exactly what babel writes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos.money import Money, format_money
from pos.money_format import Formatter, derive_facts, formatter_for
from pos.store import Store

LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR", "de_CH", "en_IN", "hi_IN", "es_ES", "ko_KR", "ja_JP", "pt_BR", "sv_SE"]
CURRENCIES = ["USD", "EUR", "KRW", "JPY", "BHD", "INR", "CHF", "GBP"]


@settings(max_examples=300, deadline=None)
@given(st.integers(-10**13, 10**13), st.sampled_from(CURRENCIES), st.sampled_from(LOCALES))
def test_same_text_as_babel(amount: int, currency: str, locale: str) -> None:
    facts = derive_facts(currency, locale)
    assert facts is not None
    assert Formatter(facts)(amount) == format_money(Money(amount, currency), locale)


@pytest.mark.parametrize(("currency", "locale", "amount", "text"), [
    ("USD", "en_US", 123456789, "$1,234,567.89"),
    ("INR", "en_IN", 1234567890, "₹1,23,45,678.90"),
    ("KRW", "ko_KR", -15000, "-₩15,000"),
    ("BHD", "en_US", 1235, "BHD1.235"),
])
def test_known_cases(currency: str, locale: str, amount: int, text: str) -> None:
    facts = derive_facts(currency, locale)
    assert facts is not None and Formatter(facts)(amount) == text == format_money(Money(amount, currency), locale)


def test_store_keeps_the_facts_and_uses_them(store: Store) -> None:
    row = store.one("SELECT value FROM settings WHERE key = 'money.format'")
    assert row is not None and '"currency": "USD"' in row["value"]
    assert isinstance(formatter_for(store), Formatter)
    assert formatter_for(store)(-1840) == "-$18.40"


def test_missing_facts_fall_back_to_babel(store: Store) -> None:
    store.conn.execute("DELETE FROM settings WHERE key = 'money.format'")
    fmt = formatter_for(store)
    assert not isinstance(fmt, Formatter) and fmt(1840) == "$18.40"
