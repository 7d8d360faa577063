"""Refunds after an interruption, and refunds Stripe refuses for good (issue 25, items 1 and 3).

Against the double, which forgets an idempotency key once it is 24 hours old (as Stripe does: a reused key
then makes a new request), lists a charge's refunds, and refuses a refund with Stripe's final error codes.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time

from payments import service
from payments.base import PaymentState, order_payments
from payments.refunds import refund
from pos import faults, ledger
from pos.errors import Conflict
from pos.orders import add_line, new_order
from pos.store import Store
from tests.fake_stripe import FakeStripe


def pizza(store: Store):
    order = new_order(store, "counter")
    add_line(store, order.id, "PIZZA-M")  # 13.61
    return order


def paid_by_card(store: Store) -> str:
    order = pizza(store)
    service.pay(store, order.id, "card")
    return str(order.id)


def books_refunded_minor(store: Store, order_id: str) -> int:
    """What the books say went back to the card: the refund entries' postings out of the Stripe account."""
    from payments.stripe_card import ACCOUNT

    entries = [ledger.find_by_key(store, f"refund:{rid}") for (rid,) in store.tuples(
        "SELECT id FROM refunds WHERE order_id = ?", (order_id,))]
    return -sum(p.amount_minor for e in entries if e is not None for p in e.postings if p.account == ACCOUNT)


def crash_before_the_books(store: Store, order_id: str, amount: str) -> None:
    """The register dies after Stripe refunded, before the refund's entry is written (its write rolls back)."""
    faults.on("refund.before_journal", lambda: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        refund(store, order_id, amount, "cold")
    faults.clear()


# -- item 1: a refund interrupted before its booking is adopted, never sent again ------------------------------


def test_a_refund_interrupted_before_the_books_is_adopted_after_its_key_expired(shop: Store, fake: FakeStripe) -> None:
    start = datetime.now(timezone.utc).replace(microsecond=0)
    with freeze_time(start, tick=True) as clock:
        order_id = paid_by_card(shop)
        crash_before_the_books(shop, order_id, "5.00")
        assert [r["amount"] for r in fake.refunds.values()] == [500]  # Stripe gave it back
        assert shop.scalar("SELECT state FROM refunds") == "requested"  # the books do not know yet
        clock.tick(timedelta(hours=25))  # Stripe has forgotten the refund's idempotency key
        (done,) = service.recover(shop)
    assert done.action == "refund completed and recorded"
    assert [r["amount"] for r in fake.refunds.values()] == [500]  # exactly one refund at Stripe
    assert books_refunded_minor(shop, order_id) == 500  # and the books equal to it
    (payment,) = order_payments(shop, order_id)
    assert (payment.state, payment.refunded_minor) == (PaymentState.PARTIALLY_REFUNDED, 500)
    assert shop.scalar("SELECT processor_ref FROM refunds") == next(iter(fake.refunds))
    assert service.recover(shop) == []
    assert ledger.verify(shop).problem is None
