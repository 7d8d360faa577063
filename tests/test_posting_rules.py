"""Each posting rule of pos/sales/posting_rules.py, with its journal written out by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos.books import ledger
from pos.books import journal_check
from pos.sales import posting_rules as rules
from pos.base.errors import Conflict
from pos.books.ledger import Posting, SourceKind, balances, post
from pos.sales.discounts import add_discount
from pos.sales.orders import add_line, mark_paid, new_order, void_order
from pos.store.store import Store
from pos.sales.totals import DiscountInput, DiscountKind, LineInput, compute_totals

DRAWER = "assets:cash:drawer:1"
RECV = "assets:receivable:orders"


def rows(postings: list[Posting]) -> list[tuple[str, int]]:
    return [(p.account, p.amount_minor) for p in postings]


def exclusive_totals():
    # 12.50 + 2.49, 10% off (1.50), tax 8.875% on 13.49 = 1.20, total 14.69
    lines = [LineInput(1, 1, 1250, "standard", Decimal("8.875")), LineInput(2, 1, 249, "standard", Decimal("8.875"))]
    return compute_totals(lines, [DiscountInput(None, DiscountKind.PERCENT, Decimal(10), "x")], tax_included=False)


def test_sale_tax_exclusive() -> None:
    assert rows(rules.sale(exclusive_totals(), "USD")) == [
        (RECV, 1469),
        ("income:discounts", 150),
        ("income:sales", -1499),
        ("liabilities:tax:standard", -120),
    ]


def test_sale_tax_inclusive_krw() -> None:
    # 24,000 won including 10% VAT = 2,182: sales are booked net of the tax inside the price.
    t = compute_totals([LineInput(1, 1, 24000, "vat", Decimal(10))], [], tax_included=True)
    assert rows(rules.sale(t, "KRW")) == [(RECV, 24000), ("income:sales", -21818), ("liabilities:tax:vat", -2182)]


def test_sale_discounted_to_nothing_still_balances() -> None:
    t = compute_totals([LineInput(1, 1, 1250, "standard", Decimal("8.875"))],
                       [DiscountInput(None, DiscountKind.PERCENT, Decimal(100), "comp")], tax_included=False)
    assert rows(rules.sale(t, "USD")) == [("income:discounts", 1250), ("income:sales", -1250)]


def test_cash_payment_with_a_hundred_dollar_bill() -> None:
    assert rows(rules.payment(DRAWER, 1840, "USD", tendered_minor=10000, change_account=DRAWER)) == [
        (DRAWER, 10000), (RECV, -1840), (DRAWER, -8160),
    ]


def test_payment_with_tip_kept_from_change() -> None:
    # 20.00 for 18.40; the customer says "keep a dollar": tip 1.00 to Alice, change 0.60.
    assert rows(rules.payment(DRAWER, 1840, "USD", tendered_minor=2000, tip_minor=100,
                              tip_account="liabilities:tips:alice", change_account=DRAWER)) == [
        (DRAWER, 2000), (RECV, -1840), ("liabilities:tips:alice", -100), (DRAWER, -60),
    ]


def test_card_payment_tip_to_pool() -> None:
    assert rows(rules.payment("assets:clearing:stripe", 1840, "USD", tip_minor=300, tip_account="liabilities:tips:pool")) == [
        ("assets:clearing:stripe", 2140), (RECV, -1840), ("liabilities:tips:pool", -300),
    ]


def test_full_refund_reverses_the_sale_exactly() -> None:
    sale = rules.sale(exclusive_totals(), "USD")
    assert rows(rules.refund(1469, DRAWER, sale)) == [
        ("income:discounts", -150), ("income:sales", 1499), ("liabilities:tax:standard", 120), (DRAWER, -1469),
    ]


def test_partial_refund_in_proportion() -> None:
    # 5.00 of 14.69: credits 16.19 x 5/14.69 = 5.5106 -> 5.51 reversed, discount 0.51 back
    sale = rules.sale(exclusive_totals(), "USD")
    assert rows(rules.refund(500, DRAWER, sale)) == [
        ("income:discounts", -51), ("income:sales", 510), ("liabilities:tax:standard", 41), (DRAWER, -500),
    ]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(1, 50_000), min_size=1, max_size=6), st.integers(0, 60), st.data())
def test_partial_refunds_add_up_to_the_full_refund(prices: list[int], percent: int, data: st.DataObject) -> None:
    lines = [LineInput(n, 1, p, "food" if n % 2 else "alcohol", Decimal("8.875") if n % 2 else Decimal("10.375"))
             for n, p in enumerate(prices, 1)]
    discounts = [DiscountInput(None, DiscountKind.PERCENT, Decimal(percent), "x")] if percent else []
    t = compute_totals(lines, discounts, tax_included=False)
    if t.total_minor == 0:
        return  # discounted to nothing: there is nothing to refund
    sale = rules.sale(t, "USD")
    cuts = sorted(set(data.draw(st.lists(st.integers(1, t.total_minor - 1), max_size=4)) if t.total_minor > 1 else []))
    bounds = [0, *cuts, t.total_minor]
    combined: dict[str, int] = {}
    for start, end in zip(bounds, bounds[1:]):
        part = rules.refund(end - start, DRAWER, sale, already_refunded_minor=start)
        assert sum(p.amount_minor for p in part) == 0
        for p in part:
            combined[p.account] = combined.get(p.account, 0) + p.amount_minor
    full = {p.account: p.amount_minor for p in rules.refund(t.total_minor, DRAWER, sale)}
    # Any number of partial refunds reverse the sale exactly, account by account.
    assert {k: v for k, v in combined.items() if v} == full
    assert full == {p.account: -p.amount_minor for p in sale if p.account != "assets:receivable:orders"} | {DRAWER: -t.total_minor}


def test_transfers_and_counts() -> None:
    assert rows(rules.transfer(DRAWER, "assets:cash:driver:dave", 4500, "USD")) == [
        (DRAWER, 4500), ("assets:cash:driver:dave", -4500),
    ]
    assert rows(rules.drawer_count(DRAWER, 20000, 19950, "USD")) == [(DRAWER, -50), ("expenses:cash-over-short", 50)]
    assert rows(rules.drawer_count(DRAWER, 20000, 20010, "USD")) == [(DRAWER, 10), ("expenses:cash-over-short", -10)]
    assert rules.drawer_count(DRAWER, 20000, 20000, "USD") == []


def test_pool_distribution() -> None:
    assert rows(rules.pool_distribution({"bob": 501, "alice": 499}, "USD")) == [
        ("liabilities:tips:pool", 1000), ("liabilities:tips:alice", -499), ("liabilities:tips:bob", -501),
    ]


def test_a_day_written_out_in_full(store: Store) -> None:
    """Sale, cash payment with change and tip, partial refund: the books at the end, by hand."""
    order = new_order(store, "counter")
    add_line(store, order.id, "PIZZA-M")
    add_line(store, order.id, "SODA")
    add_discount(store, order.id, "10%", "first visit")
    sale = mark_paid(store, order.id)
    post(store, f"payment:{order.id}", "cash", SourceKind.PAYMENT, order.id,
         rules.payment(DRAWER, 1469, "USD", tendered_minor=2000, tip_minor=100,
                       tip_account="liabilities:tips:pool", change_account=DRAWER))
    post(store, f"refund:{order.id}", "refund soda", SourceKind.REFUND, order.id, rules.refund(500, DRAWER, sale.postings))
    assert balances(store) == {
        (DRAWER, "USD"): 2000 - 431 - 500,
        (RECV, "USD"): 0,
        ("income:discounts", "USD"): 150 - 51,
        ("income:sales", "USD"): -1499 + 510,
        ("liabilities:tax:standard", "USD"): -120 + 41,
        ("liabilities:tips:pool", "USD"): -100,
    }
    assert journal_check.verify(store).problem is None


def test_mark_paid_is_idempotent_and_a_void_posts_nothing(store: Store) -> None:
    paid = new_order(store, "phone")
    add_line(store, paid.id, "PIZZA-M")
    first = mark_paid(store, paid.id)
    assert mark_paid(store, paid.id) == first
    assert store.one("SELECT status FROM orders WHERE id = ?", (paid.id,))[0] == "paid"
    voided = new_order(store, "counter")
    add_line(store, voided.id, "SODA")
    void_order(store, voided.id, "customer left")
    assert [e.source_id for e in ledger.iter_entries(store)] == [paid.id]
    with pytest.raises(Conflict, match="voided"):
        mark_paid(store, voided.id)
    empty = new_order(store, "kiosk")
    with pytest.raises(Conflict, match="no items"):
        mark_paid(store, empty.id)
    assert ledger.count_entries(store) == 1
