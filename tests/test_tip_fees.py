"""Card-fee deductions from card tips: only where the policy says so, the processor's own rate on that payment, to
the cent, given back with a refunded tip, and shown on the Z report and the tip records.

DOL Fact Sheet #15 and 29 CFR 531.53: an employer may reduce a card tip by the processor's fee, at no more than the
processor's actual rate; California Labor Code section 351 forbids any deduction.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from freezegun import freeze_time
from hypothesis import given, strategies as st

from payments import service
from payments.refunds import refund
from payments.stripe.tip_fees import deducted_minor
from pos.books import accounts, ledger
from pos.tips import tips
from pos.store.catalog import add_item
from pos.cash.drawer import open_drawer
from pos.base.errors import NotAllowed
from pos.sales.orders import add_line, new_order
from pos.day.report import day_report
from pos.people.staff import add_staff, start_shift
from pos.store.store import Store
from pos.tips.tip_policy import DEFAULT, TipPolicy, fee_deduction_limit_minor, set_policy
from pos.tips.tip_records import ledger_movement, records
from tests.helpers import verified

NOON = "2026-11-23 17:00:00"
DAY = date(2026, 11, 23)


@pytest.fixture
def shop(make_store) -> Store:
    """A training store (its processor charges 2.9% + 30 cents); Alice (server) on shift; card fees deducted."""
    store = make_store(training=True)
    with freeze_time(NOON):
        add_item(store, "PIZZA-M", "Margherita 12in", "12.50")  # 13.61 with tax
        open_drawer(store, 1, "100")
        add_staff(store, "Alice", "server", "2580")
        start_shift(store, "Alice")
        set_policy(store, ["jurisdiction", "NY", "card-fees", "yes"])
    return store


def card_sale(store: Store, tip_minor: int, to: str | None = "Alice") -> str:
    with freeze_time(NOON):
        order = new_order(store, "counter")
        add_line(store, order.id, "PIZZA-M")
        service.pay(store, order.id, "card", tip_minor=tip_minor, tip_to=to)
    return order.id


def fees(store: Store) -> int:
    return ledger.balances(store).get((accounts.CARD_FEES, "USD"), 0)


def test_a_card_tip_bears_the_processor_s_own_rate_on_that_payment(shop: Store) -> None:
    """$13.61 + $2.00 tip = $15.61 charged; the fee is 2.9% + 30 = 75 cents; the tip bears 200 x 75 / 1561 =
    9.6, so 10 cents; Alice is owed $1.90 and the business's fee expense is 65 cents."""
    card_sale(shop, 200)
    assert tips.owed_by_person(shop) == {"alice": 190}
    assert fees(shop) == 65
    z = day_report(shop, DAY)
    assert z.tips["alice"].card_fees_minor == 10 and z.tips["alice"].owed_minor == 190
    (week,) = [r for r in records(shop, DAY, DAY) if r.staff_key == "alice"]
    assert (week.direct_minor, week.fees_minor, week.net_minor) == (200, 10, 190)
    assert ledger_movement(shop, DAY, DAY) == {"alice": 190}
    verified(shop)


def test_the_payout_says_what_card_fees_its_tips_are_net_of(shop: Store, cli_for) -> None:
    card_sale(shop, 200)
    card_sale(shop, 200)
    with freeze_time(NOON):
        out = cli_for(shop).ok("tips", "payout", "Alice", "--from", "drawer", input="2580\n").stdout  # her PIN: into her hand
        assert "Paid Alice $3.80 in tips (from drawer 1); still owed $0.00. Card fees taken from their card tips " \
            "since their last payout: $0.20" in out
        card_sale(shop, 200)
        data = json.loads(cli_for(shop).ok("tips", "payout", "Alice", "--from", "payroll", "--json").stdout)
        assert data["amount_minor"] == 190 and data["card_fees_since_last_payout_minor"] == 10


def test_without_the_policy_nothing_is_deducted(make_store) -> None:
    store = make_store(training=True)
    with freeze_time(NOON):
        add_item(store, "PIZZA-M", "Margherita 12in", "12.50")
        open_drawer(store, 1, "100")
        add_staff(store, "Alice", "server", "2580")
        start_shift(store, "Alice")
    card_sale(store, 200)
    assert tips.owed_by_person(store) == {"alice": 200} and fees(store) == 75


def test_a_pool_tip_bears_it_too_and_cash_tips_never(shop: Store) -> None:
    card_sale(shop, 300, None)
    assert tips.owed_by_person(shop)["pool"] == 300 - 14  # 16.61 charged, a fee of 78: 300 x 78 / 1661 = 14.09
    with freeze_time(NOON):
        order = new_order(shop, "counter")
        add_line(shop, order.id, "PIZZA-M")
        service.pay(shop, order.id, "cash", "20", tip_minor=200, tip_to="Alice")
    assert tips.owed_by_person(shop)["alice"] == 200


def test_a_refunded_tip_gives_the_deduction_back(shop: Store) -> None:
    """A tip the customer got back costs its recipient nothing: the fee's share returns with it."""
    order_id = card_sale(shop, 200)
    payment_id = str(shop.scalar("SELECT id FROM payments WHERE order_id = ?", (order_id,)))
    assert deducted_minor(shop, payment_id) == 10
    with freeze_time(NOON):
        refund(shop, order_id, None, "wrong order")
    assert tips.owed_by_person(shop).get("alice", 0) == 0
    assert ledger.balances(shop).get(("assets:receivable:staff:alice", "USD"), 0) == 0
    assert fees(shop) == 75  # the processor keeps its fee: the business bears it all
    assert day_report(shop, DAY).tips["alice"].card_fees_minor == 0
    verified(shop)


def test_california_may_not_deduct(shop: Store) -> None:
    """Labor Code section 351: the policy refuses card-fee deductions in California."""
    with freeze_time(NOON), pytest.raises(NotAllowed, match="Labor Code section 351"):
        set_policy(shop, ["jurisdiction", "CA"])
    california = TipPolicy(0, "CA", DEFAULT.front_of_house, DEFAULT.back_of_house, True, True)
    assert fee_deduction_limit_minor(california, 200, 75, 1561) == 0


@given(tip=st.integers(1, 10**6), sale=st.integers(0, 10**7), fee=st.integers(1, 10**5))
def test_a_deduction_is_the_real_rate_to_the_cent_never_more(tip: int, sale: int, fee: int) -> None:
    """Never more than the tip, never negative, and within half a cent of the processor's exact rate."""
    charged = tip + sale
    policy = DEFAULT._replace(deduct_card_fees=True, jurisdiction="NY")
    deducted = fee_deduction_limit_minor(policy, tip, min(fee, charged), charged)
    assert 0 <= deducted <= tip
    assert abs(2 * deducted * charged - 2 * tip * min(fee, charged)) <= charged
