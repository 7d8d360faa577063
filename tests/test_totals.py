"""Order arithmetic against hand-computed cases (see the rounding rule in pos/sales/totals.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos.base.errors import InvalidInput
from pos.sales.totals import DiscountInput, DiscountKind, LineInput, compute_totals

NY = Decimal("8.875")


def line(no: int, qty: int, price: int, cat: str = "food", rate: Decimal = NY) -> LineInput:
    return LineInput(no, qty, price, cat, rate)


def pct(value: str, line_no: int | None = None) -> DiscountInput:
    return DiscountInput(line_no, DiscountKind.PERCENT, Decimal(value), "test")


def amt(minor: int, line_no: int | None = None) -> DiscountInput:
    return DiscountInput(line_no, DiscountKind.AMOUNT, minor, "test")


def test_exclusive_usd_basic() -> None:
    # 12.50 + 2 x 2.49 = 17.48; tax 17.48 x 8.875% = 1.55135 -> 1.55; total 19.03
    t = compute_totals([line(1, 1, 1250), line(2, 2, 249)], [], tax_included=False)
    assert (t.subtotal_minor, t.discount_minor, t.tax_minor, t.total_minor) == (1748, 0, 155, 1903)
    assert t.tax_by_category == {"food": 155}
    assert [lt.tax_minor for lt in t.lines] == [111, 44]  # 155 split 1250:498, largest remainder
    assert sum(lt.tax_minor for lt in t.lines) == t.tax_minor


def test_tax_rounded_once_per_category_not_per_line() -> None:
    # Three 0.99 lines: per line 0.0878625 would round to 9c each (27c);
    # on the category sum 2.97 x 8.875% = 0.2635875 -> 26c.
    t = compute_totals([line(1, 1, 99), line(2, 1, 99), line(3, 1, 99)], [], tax_included=False)
    assert t.tax_minor == 26
    assert [lt.tax_minor for lt in t.lines] == [9, 9, 8]  # ties to the lower line number


def test_order_percent_discount_spread_by_largest_remainder() -> None:
    # 14.99 x 10% = 1.499 -> 1.50, spread 1250:249 -> 125.08 / 24.92 -> 125 + 25
    t = compute_totals([line(1, 1, 1250), line(2, 1, 249)], [pct("10")], tax_included=False)
    assert t.discount_amounts_minor == (150,)
    assert [lt.net_minor for lt in t.lines] == [1125, 224]
    # tax on 13.49 = 1.1972375 -> 1.20
    assert (t.discount_minor, t.tax_minor, t.total_minor) == (150, 120, 1469)


def test_line_discount_then_order_discount() -> None:
    # line 1: 12.50 - 1.00 = 11.50; order: (11.50 + 2.49) x 50% = 6.995 -> 7.00
    t = compute_totals(
        [line(1, 1, 1250), line(2, 1, 249)], [amt(100, line_no=1), pct("50")], tax_included=False
    )
    assert t.discount_amounts_minor == (100, 700)
    assert t.discount_minor == 800
    assert sum(lt.net_minor for lt in t.lines) == 1399 - 700
    # 6.99 x 8.875% = 0.6203625 -> 0.62
    assert (t.tax_minor, t.total_minor) == (62, 761)


def test_half_cent_tax_rounds_up() -> None:
    # alcohol 12.00 x 10.375% = 1.245 -> 1.25 (half up); food 12.50 x 8.875% = 1.109375 -> 1.11
    t = compute_totals(
        [line(1, 1, 1250), line(2, 2, 600, "alcohol", Decimal("10.375"))], [], tax_included=False
    )
    assert t.tax_by_category == {"alcohol": 125, "food": 111}
    assert t.total_minor == 2450 + 236


def test_tax_inclusive_krw() -> None:
    # KRW, VAT 10% included: 15,000 + 2 x 4,500 = 24,000; VAT = 24000 x 10/110 = 2181.8 -> 2,182
    t = compute_totals(
        [line(1, 1, 15000, "vat", Decimal(10)), line(2, 2, 4500, "vat", Decimal(10))], [], tax_included=True
    )
    assert (t.subtotal_minor, t.tax_minor, t.total_minor) == (24000, 2182, 24000)
    assert t.tax_included


def test_tax_exclusive_krw_three_lines() -> None:
    # 3 x 333 won = 999 x 10% = 99.9 -> 100 won
    t = compute_totals([line(n, 1, 333, "vat", Decimal(10)) for n in (1, 2, 3)], [], tax_included=False)
    assert (t.tax_minor, t.total_minor) == (100, 1099)


def test_bhd_three_decimals() -> None:
    # 3 x 1.235 BHD = 3.705 x 5% = 0.18525 -> 0.185 (fils)
    t = compute_totals([line(1, 3, 1235, "vat", Decimal(5))], [], tax_included=False)
    assert (t.tax_minor, t.total_minor) == (185, 3890)


def test_inclusive_with_discount() -> None:
    # EUR 19% incl.: 2 x 5.95 = 11.90, 10% off -> 1.19 off -> 10.71; VAT = 10.71 x 19/119 = 1.71
    t = compute_totals([line(1, 2, 595, "std", Decimal(19))], [pct("10")], tax_included=True)
    assert (t.discount_minor, t.tax_minor, t.total_minor) == (119, 171, 1071)


def test_full_discount_is_allowed_and_more_is_refused() -> None:
    t = compute_totals([line(1, 1, 1250)], [pct("100")], tax_included=False)
    assert (t.total_minor, t.tax_minor) == (0, 0)
    with pytest.raises(InvalidInput, match="larger than"):
        compute_totals([line(1, 1, 1250)], [amt(1251)], tax_included=False)
    with pytest.raises(InvalidInput, match="larger than"):
        compute_totals([line(1, 1, 1250), line(2, 1, 100)], [amt(101, line_no=2)], tax_included=False)


def test_discount_on_missing_line_refused() -> None:
    with pytest.raises(InvalidInput, match="line 7"):
        compute_totals([line(1, 1, 1250)], [amt(1, line_no=7)], tax_included=False)


def test_rate_changed_mid_order_rounds_each_rate_separately() -> None:
    # Same category rung at 8.875% then at 9%: 0.99 -> 0.0878625, 0.99 -> 0.0891: 9c + 9c
    t = compute_totals([line(1, 1, 99), line(2, 1, 99, rate=Decimal(9))], [], tax_included=False)
    assert t.tax_by_category == {"food": 18}


def test_empty_order() -> None:
    t = compute_totals([], [], tax_included=False)
    assert (t.subtotal_minor, t.tax_minor, t.total_minor, t.lines) == (0, 0, 0, ())


lines_strategy = st.lists(
    st.tuples(st.integers(1, 20), st.integers(0, 100_000), st.sampled_from(["food", "alcohol", "zero"])),
    min_size=1,
    max_size=12,
)
RATES = {"food": NY, "alcohol": Decimal("10.375"), "zero": Decimal(0)}


@settings(max_examples=200, deadline=None)
@given(lines_strategy, st.integers(0, 100), st.booleans())
def test_parts_always_sum_to_the_whole(raw: list[tuple[int, int, str]], percent: int, included: bool) -> None:
    lines = [line(n + 1, q, p, c, RATES[c]) for n, (q, p, c) in enumerate(raw)]
    discounts = [pct(str(percent))] if percent else []
    t = compute_totals(lines, discounts, tax_included=included)
    assert sum(lt.net_minor for lt in t.lines) == t.subtotal_minor - t.discount_minor
    assert sum(lt.tax_minor for lt in t.lines) == t.tax_minor == sum(t.tax_by_category.values())
    assert all(lt.net_minor >= 0 and lt.tax_minor >= 0 for lt in t.lines)
    expected_total = t.subtotal_minor - t.discount_minor + (0 if included else t.tax_minor)
    assert t.total_minor == expected_total
