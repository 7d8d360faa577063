"""Amounts real Stripe refuses (its minimum charge per currency) are refused before any call, offering cash.

Against the stricter double, which enforces the same table (payments/stripe/limits.py).
"""

from __future__ import annotations

import pytest

from payments import service, wallet
from payments.base import PaymentState, order_payments
from payments.stripe.errors import Declined
from payments.stripe.gateway import StripeGateway, StripeSettings
from payments.stripe.limits import MINIMUM_CHARGE_MINOR
from pos.base.errors import NotAllowed
from pos.sales.orders import add_line, new_order
from pos.sales.order_records import OrderStatus, resolve
from pos.store.store import Store
from tests.fake_stripe import FakeStripe


def pizza(store: Store, channel: str = "counter"):
    order = new_order(store, channel)
    add_line(store, order.id, "PIZZA-M")  # 13.61
    return order


def test_a_card_remainder_below_stripes_minimum_is_refused_before_any_call(shop: Store, fake: FakeStripe) -> None:
    order = pizza(shop)
    service.pay(shop, order.id, "cash", "13.31")  # the customer pays most of it in cash
    with pytest.raises(NotAllowed) as refused:
        service.pay(shop, order.id, "card")  # $0.30 left for the card
    assert refused.value.message == "A card payment must be at least $0.50 (Stripe's minimum): take the last $0.30 in cash."
    assert fake.requests == []  # nothing was sent
    assert [p.state for p in order_payments(shop, order.id)] == [PaymentState.CAPTURED]  # nothing was written
    with pytest.raises(NotAllowed, match=r"at least \$0.50"):
        service.pay(shop, order.id, "wallet")
    assert service.pay(shop, order.id, "cash", "0.30").order_paid
    assert resolve(shop, order.id).status is OrderStatus.PAID


def test_a_part_of_the_order_below_the_minimum_is_refused_for_a_link_too(shop: Store, fake: FakeStripe) -> None:
    order = pizza(shop, "phone")
    with pytest.raises(NotAllowed, match=r"at least \$0.50 \(Stripe's minimum\): take the last \$0.49 in cash"):
        wallet.send_link(shop, order.id, "0.49")
    assert fake.requests == [] and order_payments(shop, order.id) == []
    assert wallet.send_link(shop, order.id, "0.50").waiting  # exactly the minimum is fine


def test_the_minimum_is_checked_on_what_the_card_is_charged_tip_included(shop: Store, fake: FakeStripe) -> None:
    from pos.people.staff import add_staff, start_shift

    add_staff(shop, "Alice", "cashier", "2580")
    start_shift(shop, "Alice")
    order = pizza(shop)
    service.pay(shop, order.id, "cash", "13.31")
    result = service.pay(shop, order.id, "card", tip_minor=20, tip_to="Alice", tip_confirmed=True)  # 0.30 + 0.20
    assert result.order_paid and next(iter(fake.intents.values()))["amount"] == 50


@pytest.mark.parametrize("currency", sorted(MINIMUM_CHARGE_MINOR))
def test_the_double_enforces_the_same_table(fake: FakeStripe, currency: str) -> None:
    gateway = StripeGateway(StripeSettings("sk_test_limits", fake.base, max_retries=0))
    minimum = MINIMUM_CHARGE_MINOR[currency]
    with pytest.raises(Declined, match="at least"):
        gateway.create_intent(minimum - 1, currency, f"pay_{currency}:create:low", {})
    assert gateway.create_intent(minimum, currency, f"pay_{currency}:create", {}).amount == minimum


def test_the_table_is_stripes() -> None:
    # docs.stripe.com/currencies, "Minimum and maximum charge amounts": a few rows, in minor units.
    assert {c: MINIMUM_CHARGE_MINOR[c] for c in ("USD", "EUR", "GBP", "JPY", "HKD", "HUF", "MXN", "THB")} == {
        "USD": 50, "EUR": 50, "GBP": 30, "JPY": 50, "HKD": 400, "HUF": 17500, "MXN": 1000, "THB": 1000}
